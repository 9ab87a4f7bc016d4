"""Test-suite configuration: the ``device`` fixture and helpers come from ``cambrian.testing``;
``pytester`` runs the plugin's own tests.

Hypothesis: the machines that run this suite are shared and often busy (2 cores), so timing health
checks and deadlines measure the machine's load, not the code: they are off for every property test
(the properties themselves are unchanged)."""

from hypothesis import HealthCheck, settings

pytest_plugins = ["cambrian.testing", "pytester"]

settings.register_profile("cambrian", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("cambrian")
