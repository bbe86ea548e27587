"""The leaky-unit estimator (``v2_event_probability(method="rank-deficit")``) and its bound, against
independent computations: the certified residual of every iid draw (K5, not the deficit), exact volumes
in the plane, plain Monte Carlo with exact Clopper-Pearson intervals.

Error rates.  Interval comparisons use level 0.999 (two valid intervals fail to overlap with probability
<= 2e-3 per case; an exact value is missed with probability ~1e-3 where the interval is calibrated).
With the default seeds every outcome is fixed; with --vm-seed the file fails by chance with probability
<= 2e-2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rare_event_cases import data, v2_in_the_plane

from vanishing_minima.numeric import (
    SplittingBudget,
    V2Score,
    check_general_position,
    top_multiplicity_deficit,
    v2_event_probability,
)
from vanishing_minima.numeric.generic_rank import pattern_codes
from vanishing_minima.numeric.rare_events.fixed_effort import level_interval
from vanishing_minima.numeric.stats import clopper_pearson

LEVEL = 0.999


def _deficit_and_count(X, y, d1, rho, W, *, affine=True):
    """(L, m) of iid first layers W: the deficit from the patterns, m from the certified residual."""
    score = V2Score(X, y, d1, 0.1, rho)
    m = score.details(W)["m"]
    codes = pattern_codes(W @ score.X > 0)
    n = X.shape[1]
    L = top_multiplicity_deficit(
        codes, np.ones(codes.shape, dtype=bool), X.shape[0], d1, n, affine=affine
    )
    return L, m


# --- the bound's law ------------------------------------------------------------------------------------
@pytest.mark.parametrize("d0,d1,n", [(2, 2, 4), (2, 3, 6), (3, 2, 6), (4, 2, 8), (6, 3, 16)])
@pytest.mark.parametrize("rho", [0.3, -0.5, 2.0])
def test_a_misclassified_point_needs_the_deficit(d0, d1, n, rho, seed):
    """m(W) > 0 implies L(W) >= 1 on every draw, so P(m >= m*) <= P(L >= 1): the estimator's bound.
    m comes from the certified residual, L from the pattern only.  For X in general position (K3 holds
    for almost every X, so the data are drawn from a seed, not by hypothesis)."""
    X, y = data(n, d0, seed + d0 * 100 + n)
    W = np.random.default_rng(seed + 1).standard_normal((4000, d1, d0))
    L, m = _deficit_and_count(X, y, d1, rho, W)
    assert np.all(L[m > 0] >= 1), int(np.sum((m > 0) & (L <= 0)))


def test_the_law_notices_the_relu_count_of_patterns(seed):
    """Broken on purpose: with 2^r - 1 patterns per rank-r set (ReLU's count, which forgets that the
    all-on and all-off leaky patterns are parallel) the law fails on these draws."""
    X, y = data(4, 2, seed)
    W = np.random.default_rng(seed + 1).standard_normal((4000, 2, 2))
    L, m = _deficit_and_count(X, y, 2, 0.3, W, affine=False)
    assert np.sum((m > 0) & (L <= 0)) > 0


def test_deficit_counts_the_top_multiplicities_by_hand():
    """Codes with multiplicities 5, 3, 2, 1 (N = 11), d0 = 2, d1 = 3: c_1 = 5 + 3 (two leaky patterns
    on a line), c_2 = 11 (all four); deficits 8 - 2 = 6 and 11 - 4 = 7; r = 3 has d0 r = 6 < 11 too:
    c_3 = 11, 11 - 6 = 5; the maximum is 7.  ReLU's count (2^r - 1): 5 - 2, 10 - 4, 11 - 6: 6."""
    codes = np.array([[1] * 5 + [2] * 3 + [3] * 2 + [4]])
    valid = np.ones_like(codes, dtype=bool)
    assert top_multiplicity_deficit(codes, valid, 2, 3, 11, affine=True)[0] == 7
    assert top_multiplicity_deficit(codes, valid, 2, 3, 11)[0] == 6
    assert top_multiplicity_deficit(codes, valid, 20, 3, 11)[0] == -11  # no r with d0 r < N


# --- the estimator against exact values and plain Monte Carlo --------------------------------------------
@pytest.mark.parametrize("rho", [0.3, -0.5])
@pytest.mark.parametrize("case", [40, 53, 57])
def test_rank_deficit_interval_holds_the_exact_value_in_the_plane(rho, case, seed):
    """d0 = 2, d1 = 3, N = 6, eps = 0.3 (m* = 2): the exact V2 probability by summing exact region
    volumes (rare_event_cases.v2_in_the_plane; 0.33, 1.1e-3, 6.5e-3 at rho = 0.3) lies in the interval,
    and below the certificate's bound."""
    X, y = data(6, 2, case)
    exact = math.log(v2_in_the_plane(X, y, 3, 0.3, rho))
    r = v2_event_probability(
        X,
        y,
        3,
        eps=0.3,
        rho=rho,
        rng=seed + case,
        method="rank-deficit",
        budget=40_000,
        level=LEVEL,
    )
    assert r.method == "rank-deficit" and r.reached
    assert r.contains(exact), (exact, r.log_p_interval)
    assert exact <= r.certificate_log_interval[1] <= 0.0


#: (N, d0, d1, rho, seed of X): plain Monte Carlo sees p between 3e-3 and 0.13 with 10,000 draws.
MC_CASES = [
    (20, 9, 3, 0.3, 0),
    (28, 12, 3, -0.5, 0),
    (24, 11, 3, 0.3, 0),
    (20, 9, 3, -0.5, 1),
    (28, 12, 3, 0.3, 2),
    (16, 8, 2, -0.5, 0),
]


def _agree_with_monte_carlo(n, d0, d1, rho, x_seed, seed, budget):
    """Intervals for p and for P(L >= 1) overlap plain Monte Carlo's exact ones (level 0.999 each)."""
    X, y = data(n, d0, x_seed)
    mc = v2_event_probability(
        X, y, d1, eps=0.1, rho=rho, rng=seed + 1, method="mc", budget=20_000, level=LEVEL
    )
    r = v2_event_probability(
        X, y, d1, eps=0.1, rho=rho, rng=seed, method="rank-deficit", budget=budget, level=LEVEL
    )
    assert mc.hits >= 5, "plain Monte Carlo must resolve p for this comparison"
    assert (
        r.log_p_interval[0] <= mc.log_p_interval[1] and mc.log_p_interval[0] <= r.log_p_interval[1]
    ), (
        r.log_p_interval,
        mc.log_p_interval,
    )
    W = np.random.default_rng(seed + 2).standard_normal((20_000, d1, d0))
    L, _ = _deficit_and_count(X, y, d1, rho, W)
    lo, hi = clopper_pearson(int(np.sum(L >= 1)), W.shape[0], 1 - LEVEL)
    c_lo, c_hi = r.certificate_log_interval
    assert c_lo <= math.log(hi) and math.log(max(lo, 1e-300)) <= c_hi, ((lo, hi), (c_lo, c_hi))


@pytest.mark.parametrize(
    "case",
    [MC_CASES[0], pytest.param(MC_CASES[1], marks=pytest.mark.audit)],  # the second: 3 s
)
def test_rank_deficit_agrees_with_plain_monte_carlo(case, seed):
    """Where plain Monte Carlo resolves p, the two intervals overlap; the certificate's interval
    overlaps Monte Carlo's exact interval for P(L >= 1), computed from the patterns of iid draws."""
    _agree_with_monte_carlo(*case, seed, 60_000)


@pytest.mark.slow
@pytest.mark.parametrize("case", MC_CASES)
def test_rank_deficit_agrees_with_plain_monte_carlo_over_20_seeds(case, seed):
    """The issue's criterion: 6 cases x 20 seeds; each comparison fails by chance with probability
    <= 2e-3 (two intervals at 0.999), so 120 comparisons fail with probability <= 0.24 in all: the test
    allows one failure per case (probability of two or more in a case <= 2e-4)."""
    failures = 0
    for k in range(20):
        try:
            _agree_with_monte_carlo(*case, seed + 1000 * k, 60_000)
        except AssertionError:
            failures += 1
    assert failures <= 1, failures


def test_unreached_event_keeps_a_bound(seed):
    """N = 96 (the family's d0 = 31, d1 = 5, rho = 0.3) at a small budget: whether or not the event is
    reached, the certificate gives a finite upper end on log p below 0, and log p's own upper end is
    below it or the run reached the event."""
    X, y = data(96, 31, 3)
    r = v2_event_probability(
        X, y, 5, eps=0.1, rho=0.3, rng=seed, method="rank-deficit", budget=60_000, level=0.95
    )
    assert math.isfinite(r.certificate_log_interval[1]) and r.certificate_log_interval[1] < -1
    assert "K3's certificate fails" in r.note
    assert r.log_p_interval[1] <= 0


# --- preconditions and bad input --------------------------------------------------------------------------
def test_refuses_relu_and_points_to_dead_points():
    X, y = data(12, 6, 0)
    with pytest.raises(ValueError, match="method='rank-deficit' needs a leaky unit.*dead-points"):
        v2_event_probability(X, y, 3, eps=0.1, rho=0.0, rng=0, method="rank-deficit", budget=10_000)


@pytest.mark.parametrize("rho", [1.0, math.nan, math.inf])
def test_refuses_rho_one_and_non_finite(rho):
    X, y = data(12, 6, 0)
    with pytest.raises(ValueError, match="rho"):
        v2_event_probability(X, y, 3, eps=0.1, rho=rho, rng=0, method="rank-deficit", budget=10_000)


def test_refuses_too_narrow_networks():
    X, y = data(30, 4, 0)
    with pytest.raises(ValueError, match="d0 \\* d1 >= N"):
        v2_event_probability(X, y, 3, eps=0.1, rho=0.3, rng=0, method="rank-deficit", budget=10_000)


@pytest.mark.parametrize("method", ["rank-deficit", "dead-points"])
@pytest.mark.parametrize("factor", [2.0, -3.0, 1.0])
def test_parallel_columns_are_refused(method, factor):
    """The issue's case: x_12 = 2 x_1 with opposite labels (d0 = 6, N = 12, d1 = 3); the dead-point
    estimator returned log p = -1.30 against plain Monte Carlo's [-0.51, -0.47] before it checked."""
    X, y = data(12, 6, 0)
    X[:, 11] = factor * X[:, 0]
    y[0], y[11] = 1.0, 0.0
    rho = 0.0 if method == "dead-points" else 0.3
    with pytest.raises(ValueError, match="columns 0 and 11 of X are parallel"):
        v2_event_probability(X, y, 3, eps=0.1, rho=rho, rng=0, method=method, budget=10_000)


def test_rank_deficient_data_are_refused_at_any_scale():
    """Rank 3 < d0 = 4 (a zero row), at scales 1e-200 .. 1e200: refused; full rank at those scales passes."""
    X, _ = data(12, 4, 1)
    for scale in (1e-200, 1.0, 1e200):
        check_general_position(X * scale, "the test")
        Z = X.copy() * scale
        Z[3] = 0.0
        with pytest.raises(ValueError, match="rank 3 < min\\(d0, N\\) = 4"):
            check_general_position(Z, "the test")


def test_a_budget_too_small_is_refused_with_the_least_that_works():
    X, y = data(32, 13, 5)
    with pytest.raises(ValueError, match="raise it to at least"):
        v2_event_probability(X, y, 4, eps=0.1, rho=0.3, rng=0, method="rank-deficit", budget=50)


def test_level_interval_refuses_a_level_outside_the_run():
    X, y = data(12, 6, 2)
    r = v2_event_probability(
        X,
        y,
        3,
        eps=0.1,
        rho=0.3,
        rng=0,
        method="rank-deficit",
        budget=SplittingBudget(repetitions=4, n0=20, moves_per_step=2),
    )
    k = r.details.level_log_estimates.shape[1]
    assert level_interval(r.details, k)[1] == pytest.approx(r.log_p_interval)
    with pytest.raises(ValueError, match="k must be a level of the run"):
        level_interval(r.details, k + 1)
