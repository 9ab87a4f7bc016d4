"""Test-suite configuration: the ``device`` fixture and helpers come from ``cambrian.testing``;
``pytester`` runs the plugin's own tests."""

pytest_plugins = ["cambrian.testing", "pytester"]
