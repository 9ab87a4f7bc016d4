"""A pytest plugin for the conformance suite's own run (``-p ci_profile``): the suite's Hypothesis profile
without the *explain* phase and without an example database.

The explain phase re-runs every failing example under ``sys.settrace`` to print which parts of it matter;
each new dtype or shape it meets compiles a kernel, and Numba compiling under a tracer is many times slower
(minutes per failing test). Shrinking stays, so failures still come with a minimal example.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings

PROFILE = "cambrian-conformance"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """After the suite's conftest has loaded its ``array-api-tests`` profile, derive and load ours."""
    settings.register_profile(PROFILE, parent=settings.get_profile("array-api-tests"),
                              phases=[p for p in Phase if p is not Phase.explain], database=None)
    settings.load_profile(PROFILE)
