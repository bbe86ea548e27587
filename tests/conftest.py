"""Test configuration: deterministic Hypothesis by default, long runs behind opt-in options.

Opt-in markers (skipped, with the option in the reason, unless the option is given):

* ``slow`` (``--run-slow``): long sweeps, e.g. coverage measurements of the rare-event intervals.
* ``audit`` (``--run-audit``): the tests that need the whole quick audit (the ``quick_audit`` fixture,
  which a test may request only with this marker), rerun long checks or take long otherwise (about 5 s
  or more on 2 idle cores); ``.ci/run`` runs them as its second step, ``pytest --run-audit -m audit``.

Profiles (select with the environment variable VM_HYPOTHESIS_PROFILE):

* ``default``: derandomized (the same examples on every run), no example database, no deadline.
* ``thorough``: 10x the examples, still derandomized.
* ``random``: fresh random examples each run (for hunting counterexamples, not for CI).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

#: tests/test_packaging.py runs small suites under this conftest with the ``pytester`` fixture.
pytest_plugins = ("pytester",)

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


#: Opt-in marker -> the option that runs the tests it marks.
OPT_IN = {"slow": "--run-slow", "audit": "--run-audit"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", default=False, help="also run tests marked slow"
    )
    parser.addoption(
        "--run-audit",
        action="store_true",
        default=False,
        help="also run tests marked audit (the whole quick audit, long reruns of checks, long tests)",
    )
    parser.addoption(
        "--vm-seed", type=int, default=0, help="base seed of the Monte Carlo tests (default 0)"
    )


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """One BLAS thread in the test process, as in the audit's checks and the sweeps' workers: the tests'
    small matrices gain nothing from a second thread, and lose 3-20x when it competes for a busy core
    (Lemma 2's trainings: 2.4 s with one thread, 7.5 s with two beside one busy core, 51 s on a loaded
    machine).  A test that needs more threads sets them (``E3Task(blas_threads=...)``)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """Base seed of the Monte Carlo tests: fixed by default, set with --vm-seed."""
    return int(request.config.getoption("--vm-seed"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if "quick_audit" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("audit") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that use the quick_audit fixture must be marked @pytest.mark.audit (the default "
            f"run must not wait for the whole audit): {', '.join(unmarked)}"
        )
    for marker, option in OPT_IN.items():
        if config.getoption(option):
            continue
        skip = pytest.mark.skip(reason=f"{marker}: run with {option}")
        for item in items:
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def audit_seed(request: pytest.FixtureRequest) -> int:
    """The audit runs with --vm-seed (default 0), so a multi-seed run varies every Monte Carlo check."""
    return int(request.config.getoption("--vm-seed"))


def _progress_line(config: pytest.Config):
    """A progress callback that writes ``quick audit: <claim>`` past pytest's output capture."""
    capture = config.pluginmanager.getplugin("capturemanager")
    terminal = config.pluginmanager.getplugin("terminalreporter")

    def progress(claim: str) -> None:
        if terminal is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                terminal.write_line(f"quick audit: checking {claim}", flush=True)

    return progress


@pytest.fixture(scope="session")
def quick_audit(audit_seed: int, request: pytest.FixtureRequest):
    """One quick audit per test session (about a minute on 2 cores), for the tests marked audit; it
    prints each claim as it starts, so the run shows progress while the fixture is being set up."""
    from vanishing_minima.checks import audit

    return audit.run_audit(
        budget=audit.Budget.QUICK, seed=audit_seed, progress=_progress_line(request.config)
    )
