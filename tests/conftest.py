"""Test configuration: deterministic Hypothesis by default, long sweeps behind --run-slow.

Profiles (select with the environment variable VM_HYPOTHESIS_PROFILE):

* ``default``: derandomized (the same examples on every run), no example database, no deadline.
* ``thorough``: 10x the examples, still derandomized.
* ``random``: fresh random examples each run (for hunting counterexamples, not for CI).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", derandomize=True, database=None, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", derandomize=True, database=None, deadline=None, max_examples=600,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("random", database=None, deadline=None, max_examples=200)
settings.load_profile(os.environ.get("VM_HYPOTHESIS_PROFILE", "default"))


#: Error rate declared for each Monte Carlo assertion of the suite (Clopper-Pearson, two-sided).
#: The suite has 21 such assertions, so a run fails by chance with probability at most 2.1e-5, and 20
#: runs with different --vm-seed values at most 4.2e-4 (union bound).  It was 1e-4 until a 20-seed
#: run met a 3.95-sigma event at --vm-seed 100 (G3, d = 5, phi = 1.2; 10^7 further samples gave an
#: interval containing the exact value): within that rate, but too likely over 20 x 21 assertions.
MC_ALPHA = 1e-6


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="also run tests marked slow")
    parser.addoption("--vm-seed", type=int, default=0, help="base seed of the Monte Carlo tests (default 0)")


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """Base seed of the Monte Carlo tests: fixed by default, set with --vm-seed."""
    return int(request.config.getoption("--vm-seed"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
