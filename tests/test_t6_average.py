"""T6's average over the X draws: -log of the mean of the runs' p, the interval's ends averaged alike.

Checked against mpmath at 50 digits (exp and log of values far below the smallest double are exact there)."""

from __future__ import annotations

import math

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanishing_minima.checks.claim_checks.theorem6 import average_over_draws, log_mean

mpmath.mp.dps = 50

#: log p of a run: from p = 1 down to far below the smallest double (e^-745), or a zero estimate.
LOG_P = st.one_of(st.floats(-2000.0, 0.0), st.just(-math.inf))


def _minus_log_mean(log_values) -> float:
    """-log((1/K) sum exp(v)) in mpmath, ``inf`` when every value is ``-inf``."""
    total = mpmath.fsum(mpmath.exp(v) for v in log_values if v != -math.inf)
    return math.inf if total == 0 else float(-mpmath.log(total / len(log_values)))


@st.composite
def runs(draw):
    """K >= 1 runs: per run log p inside its interval [low, high] (either end may be -inf)."""
    k = draw(st.integers(1, 6))
    out = []
    for _ in range(k):
        a, b, c = sorted(draw(LOG_P) for _ in range(3))
        out.append((b, (a, c)))
    return [v for v, _ in out], [iv for _, iv in out]


@given(runs())
def test_average_is_minus_log_of_the_mean_of_p_and_of_each_end(data):
    log_p, intervals = data
    minus_log_p, (low, high) = average_over_draws(log_p, intervals)
    expected = (
        _minus_log_mean(log_p),
        _minus_log_mean([hi for _, hi in intervals]),
        _minus_log_mean([lo for lo, _ in intervals]),
    )
    for got, want in zip((minus_log_p, low, high), expected):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert low - 1e-9 <= minus_log_p <= high + 1e-9


def test_one_draw_is_that_draws_estimate_and_interval():
    assert average_over_draws([math.log(0.25)], [(math.log(0.1), math.log(0.5))]) == (
        pytest.approx(math.log(4)),
        (pytest.approx(math.log(2)), pytest.approx(math.log(10))),
    )


def test_a_zero_estimate_counts_as_p_zero_in_the_mean():
    """log p = -inf at one of two draws halves the mean of p; at every draw -log p is infinite."""
    minus_log_p, _ = average_over_draws([-math.inf, math.log(0.2)], [(-math.inf, 0.0)] * 2)
    assert minus_log_p == pytest.approx(-math.log(0.1))
    assert average_over_draws([-math.inf] * 3, [(-math.inf, -1.0)] * 3)[0] == math.inf


def test_the_upper_end_is_infinite_only_when_every_lower_end_is_minus_infinity():
    _, (low, high) = average_over_draws([-5.0, -6.0], [(-math.inf, -4.0), (-math.inf, -5.0)])
    assert high == math.inf and low == pytest.approx(_minus_log_mean([-4.0, -5.0]))
    _, (_, high) = average_over_draws([-5.0, -6.0], [(-math.inf, -4.0), (-7.0, -5.0)])
    assert high == pytest.approx(7.0 + math.log(2))


@pytest.mark.parametrize(
    "log_p,intervals,match",
    [
        ([], [], "at least one draw"),
        ([-1.0], [(-2.0, 0.0), (-2.0, 0.0)], "one entry per draw"),
        ([-1.0], [(0.0, -2.0)], "low <= high"),
        ([-1.0], [(math.nan, 0.0)], "low <= high"),
        ([math.nan], [(-2.0, 0.0)], "without NaN"),
    ],
)
def test_average_refuses_bad_runs(log_p, intervals, match):
    with pytest.raises(ValueError, match=match):
        average_over_draws(log_p, intervals)


def test_log_mean_refuses_an_empty_vector():
    with pytest.raises(ValueError, match="non-empty"):
        log_mean([])
