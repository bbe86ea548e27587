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
    "default",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=600,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("random", database=None, deadline=None, max_examples=200)
settings.load_profile(os.environ.get("VM_HYPOTHESIS_PROFILE", "default"))


# The declared Monte Carlo error rate lives with the checks: vanishing_minima.checks.audit.MC_ALPHA.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", default=False, help="also run tests marked slow"
    )
    parser.addoption(
        "--vm-seed", type=int, default=0, help="base seed of the Monte Carlo tests (default 0)"
    )


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


@pytest.fixture(scope="session")
def audit_seed(request: pytest.FixtureRequest) -> int:
    """The audit runs with --vm-seed (default 0), so a multi-seed run varies every Monte Carlo check."""
    return int(request.config.getoption("--vm-seed"))


@pytest.fixture(scope="session")
def quick_audit(audit_seed):
    """One quick audit per test session, shared by the audit tests and the mutation tests' baseline."""
    from vanishing_minima.checks import audit

    return audit.run_audit(budget=audit.Budget.QUICK, seed=audit_seed)
