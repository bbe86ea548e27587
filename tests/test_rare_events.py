"""The V2 event by generalized splitting (numeric.rare_events) against plain Monte Carlo and exact answers.

Error rates.  Splitting intervals are asymptotic (CLT over R = 20 repetitions); plain Monte Carlo
intervals are exact Clopper-Pearson.  The assertions that compare them use level 0.999 on both sides, so
with fresh seeds (--vm-seed) two valid intervals fail to overlap with probability at most about 2e-3 per
case, and the exact-anchor assertions fail with probability about 1e-3 each (more where the measured
coverage falls short of the level: the README records it); the file as a whole, at most about 3e-2.  The
coverage tests use an exact two-sided binomial test at 1e-3 against the nominal level.  With the
default seeds every outcome is fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rare_event_cases import data, v2_in_the_plane
from scipy import stats

from vanishing_minima.numeric import (
    SplittingBudget,
    V2Score,
    dlm_residual,
    exact_volumes_in_the_plane,
    mce,
    misclassification_threshold,
    sample_bad_region_event,
    v2_event_probability,
)
from vanishing_minima.numeric.khatri_rao import pattern_unchecked

LEVEL = 0.999


@pytest.fixture(scope="module")
def anchors():
    """Exact V2 probabilities at d0 = 2: N = 12, d1 = 3, data seed 2.  The ReLU one is
    exact_volumes_in_the_plane(...).v2_event; the leaky one is the same sum without the linear programs
    that exact_volumes_in_the_plane also solves for V(L_eps) (3x faster), checked equal on the ReLU case."""
    X, y = data(12, 2, 2)
    relu = exact_volumes_in_the_plane(X, y, 3, 0.5, 0.0).v2_event  # 4.0e-5
    assert v2_in_the_plane(X, y, 3, 0.5, 0.0) == pytest.approx(relu, rel=1e-12)
    return {
        (0.3, 0.5): v2_in_the_plane(X, y, 3, 0.5, 0.3),
        (0.0, 0.5): relu,
    }  # 3.3e-3 (m* = 7), 4.0e-5


# --- the score --------------------------------------------------------------------------------------------
def test_misclassification_threshold_matches_the_mce_rule():
    for n in (7, 10, 16, 30, 33, 100, 1024):
        for eps in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.99):
            m_star = misclassification_threshold(n, eps)
            assert m_star / n > eps and not (m_star - 1) / n > eps
    assert (
        misclassification_threshold(30, 0.1) == 4 and misclassification_threshold(1024, 0.1) == 103
    )


@pytest.mark.parametrize(
    "n,d0,d1,rho", [(24, 11, 3, 0.0), (40, 4, 4, 0.0), (20, 2, 3, 0.3), (16, 8, 3, -0.5)]
)
def test_score_counts_the_misclassified_points_of_dlm_residual(n, d0, d1, rho, seed):
    """m(W) equals N x MCE of dlm_residual on the full pattern (the dead-column reduction is an identity),
    tau lies in [0, 1), and S >= m* iff MCE > eps, on random W and on W pushed to kill label-1 points."""
    X, y = data(n, d0, seed + n)
    score = V2Score(X, y, d1, 0.2, rho, "dead")
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((300, d1, d0))
    push = -X[:, y > 0][:, :6].sum(axis=1)
    W[150:] += 2.5 * push / np.linalg.norm(push)
    det = score.details(W)
    A = pattern_unchecked(W @ X, rho)
    e = dlm_residual(A, X, y)
    err = mce(y - e, y)
    assert np.array_equal(det["m"], np.round(err * n).astype(int))
    assert np.all((det["score"] >= score.m_star) == (err > 0.2))
    tau = det["score"] - det["m"]
    assert np.all((0 <= tau) & (tau < 1))
    assert det["dead"].any()  # the pushed half has dead points, so the reduction path ran


def test_auto_tie_breaker_follows_the_regime():
    X, y = data(16, 8, 0)
    assert V2Score(X, y, 3, 0.1, 0.0).tie_breaker == "dead-max"  # d0 d1 = 24 >= 16
    X, y = data(40, 4, 0)
    assert V2Score(X, y, 4, 0.1, 0.0).tie_breaker == "residual"  # 16 < 40


def test_dead_start_tie_breaker_acts_only_at_m_zero(seed):
    """tau > 0 only where m = 0 (to leave the atom at 0), integer levels above."""
    X, y = data(24, 11, seed)
    score = V2Score(X, y, 3, 0.25, 0.0, tie_breaker="dead-start")
    det = score.details(np.random.default_rng(seed).standard_normal((400, 3, 11)))
    tau = det["score"] - det["m"]
    assert np.all(tau[det["m"] > 0] == 0) and np.all(tau[det["m"] == 0] > 0)
    assert np.any(det["m"] > 0) and np.any(det["m"] == 0)


# --- agreement with plain Monte Carlo -------------------------------------------------------------------
AGREEMENT = [  # (N, d0, d1, rho, eps): p between 1e-3 and 1e-1, over- and under-parameterized, ReLU and leaky
    (16, 8, 3, 0.0, 0.3),
    (24, 11, 3, 0.0, 0.25),
    (32, 13, 3, 0.0, 0.2),
    (20, 2, 3, 0.3, 0.55),
    (40, 4, 4, 0.0, 0.35),
    (24, 6, 3, -0.5, 0.3),
]


@pytest.mark.parametrize("n,d0,d1,rho,eps", AGREEMENT)
def test_splitting_agrees_with_plain_monte_carlo(n, d0, d1, rho, eps, seed):
    """The 0.999 splitting interval overlaps the exact 0.999 Clopper-Pearson interval of
    sample_bad_region_event (6,000 samples) at one fixed X per case (fixed whatever --vm-seed: the case
    is one plain Monte Carlo resolves; the seed varies both estimators' draws)."""
    X, y = data(n, d0, n)
    mc = sample_bad_region_event(X, y, d1, eps, rho, n_samples=6_000, rng=seed + 1, alpha=1 - LEVEL)
    assert mc.successes >= 10  # the case is one plain Monte Carlo resolves
    res = v2_event_probability(X, y, d1, eps=eps, rho=rho, rng=seed + 2, budget=6_000, level=LEVEL)
    assert res.reached and res.evaluations <= 6_000
    lo, hi = res.log_p_interval
    assert lo <= math.log(mc.upper) and math.log(mc.lower) <= hi, (
        res.log_p,
        res.log_p_interval,
        mc,
    )


def test_method_mc_is_sample_bad_region_event(seed):
    """method="mc" draws what sample_bad_region_event draws (same seed: same count) and reports its exact
    interval, logged; with no event the log estimate is -inf and only the upper end is informative."""
    X, y = data(16, 8, 5)
    ref = sample_bad_region_event(X, y, 3, 0.3, 0.0, n_samples=3000, rng=seed, alpha=0.05)
    res = v2_event_probability(X, y, 3, eps=0.3, rng=seed, method="mc", budget=3000, level=0.95)
    assert res.hits == ref.successes and res.trials == 3000 and res.evaluations == 3000
    assert res.log_p_interval == pytest.approx(
        (math.log(ref.lower) if ref.lower > 0 else -math.inf, math.log(ref.upper))
    )
    none = v2_event_probability(X, y, 3, eps=0.9, rng=seed, method="mc", budget=500, batch=64)
    assert none.hits == 0 and none.log_p == -math.inf and none.log_p_interval[0] == -math.inf
    assert (
        none.log_p_interval[1] == pytest.approx(math.log(1 - 0.025 ** (1 / 500)))
        and "no event" in none.note
    )


# --- exact anchors at d0 = 2 ----------------------------------------------------------------------------
@pytest.mark.parametrize("rho", [0.3, 0.0])
def test_exact_anchor_in_the_plane(rho, anchors, seed):
    """At d0 = 2 the V2 probability is exact (sum of exact region volumes); the 0.999 interval covers it
    (p = 3.3e-3 leaky, 4.0e-5 ReLU, which plain Monte Carlo would need ~10^6 samples to see)."""
    X, y = data(12, 2, 2)
    p = anchors[(rho, 0.5)]
    res = v2_event_probability(X, y, 3, eps=0.5, rho=rho, rng=seed + 20, budget=30_000, level=LEVEL)
    assert res.contains(math.log(p)), (res.log_p, res.log_p_interval, math.log(p))
    # the leaky pilot reached the event in 200 of 200 coverage runs, the ReLU one in 178 (a run that does
    # not reach it reports (-inf, upper end), still an interval that must contain p)
    assert res.reached or rho == 0.0


def test_event_statistic_estimates_a_sub_event(anchors, seed):
    """h = 1{m >= m* + 2} (eps = 0.4: m* = 5), summed over the final samples, estimates P(m >= 7), which at
    d0 = 2 is the exact V2 probability at eps = 0.5 (m* = 7); the kept samples all lie in the event."""
    X, y = data(12, 2, 2)
    score = V2Score(X, y, 3, 0.4, 0.3)
    assert score.m_star == 5 and misclassification_threshold(12, 0.5) == 7
    h = lambda W, A: (score.details(W)["m"] >= 7).astype(float)  # noqa: E731
    res = v2_event_probability(
        X,
        y,
        3,
        eps=0.4,
        rho=0.3,
        rng=seed + 30,
        budget=20_000,
        level=LEVEL,
        event_statistic=h,
        keep_samples=True,
    )
    lo, hi = res.statistic_log_interval
    assert lo <= math.log(anchors[(0.3, 0.5)]) <= hi, (
        res.statistic_log_p,
        res.statistic_log_interval,
    )
    assert res.statistic_log_p <= res.log_p
    assert (
        np.all(score.details(res.samples)["m"] >= score.m_star) and res.samples.shape[0] == res.hits
    )
    mc = v2_event_probability(
        X,
        y,
        3,
        eps=0.5,
        rho=0.3,
        rng=seed,
        method="mc",
        budget=4000,
        event_statistic=h,
        keep_samples=True,
    )
    assert mc.statistic_log_p <= mc.log_p and mc.samples.shape[0] == mc.hits


def _coverage(anchor_p, rho, runs, budget, seed):
    X, y = data(12, 2, 2)
    covered = reached = 0
    for k in range(runs):
        res = v2_event_probability(
            X, y, 3, eps=0.5, rho=rho, rng=np.random.default_rng([seed, k]), budget=budget
        )
        covered += res.contains(math.log(anchor_p))
        reached += res.reached
    return covered, reached


def test_coverage_at_an_exact_anchor_default_suite(anchors, seed):
    """Coverage of the 0.95 interval at the leaky d0 = 2 anchor (p = 3.3e-3), 30 runs of 5,000 evaluations:
    within the exact binomial acceptance region of Bin(30, 0.95) at 1e-3 (a calibrated interval fails
    with probability <= 1e-3).  Weak power (it detects coverage below ~0.75); the measurement with power
    is the slow test below."""
    covered, _ = _coverage(anchors[(0.3, 0.5)], 0.3, 30, 5_000, seed)
    assert stats.binomtest(covered, 30, 0.95).pvalue > 1e-3, covered


@pytest.mark.slow
@pytest.mark.parametrize("rho,runs,budget", [(0.3, 200, 20_000), (0.0, 200, 30_000)])
def test_coverage_at_exact_anchors(rho, runs, budget, anchors, seed):
    """The coverage measurement (docs/findings.md): 200 runs per anchor, 0.95 intervals; exact binomial
    test at 1e-3 that the coverage is not below 0.95 (one-sided: runs that do not reach the event, or
    whose repetitions are heavy-tailed, report a conservative interval by design, so the ReLU anchor
    over-covers: 199 of 200 when measured; the leaky one is calibrated, 187 of 200)."""
    covered, reached = _coverage(anchors[(rho, 0.5)], rho, runs, budget, seed)
    ci = stats.binomtest(covered, runs).proportion_ci(0.95)
    print(
        f"rho = {rho}: {covered} of {runs} covered ({reached} reached the event; the others give (-inf, u)); "
        f"exact 95% interval for the coverage ({ci.low:.3f}, {ci.high:.3f})"
    )
    assert stats.binomtest(covered, runs, 0.95, alternative="less").pvalue > 1e-3, covered


# --- reproducibility and input checks -----------------------------------------------------------------
def test_same_seed_same_numbers_whatever_the_batch():
    X, y = data(24, 11, 1)
    runs = [
        v2_event_probability(X, y, 3, eps=0.25, rng=9, budget=4_000, batch=b) for b in (None, 5, 64)
    ]
    for r in runs[1:]:
        assert r.log_estimates == runs[0].log_estimates and r.levels == runs[0].levels
        assert r.evaluations == runs[0].evaluations and r.log_p_interval == runs[0].log_p_interval


def test_result_fields(seed):
    X, y = data(16, 8, 3)
    res = v2_event_probability(X, y, 3, eps=0.3, rng=seed, budget=8_000)
    assert (
        res.method == "splitting"
        and res.level == 0.95
        and res.repetitions == len(res.log_estimates) == 20
    )
    assert (
        res.m_star == 5
        and res.levels[-1] == 5
        and len(res.conditional_probabilities) == len(res.levels)
    )
    assert res.seconds > 0 and res.evaluations <= 8_000 and "generalized splitting" in res.note
    assert res.tie_breaker == "dead-max"


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(eps=1.0), "eps must lie in the open interval"),
        (dict(eps=0.0), "eps must lie in the open interval"),
        (dict(y=np.array([0, 1, 2, 1, 0, 1, 0, 1.0])), r"\{0, 1\}"),
        (dict(y=np.ones(5)), "one label per datapoint"),
        (dict(d1=0), "d1 must be an integer >= 1"),
        (dict(X=np.where(np.eye(3, 8) > 0, np.nan, 1.0)), "finite"),
        (dict(rho=1.0), "rho must differ from 1"),
        (dict(budget=0), "budget must be a positive integer"),
        (dict(budget="lots"), "budget must be a positive integer"),
        (dict(budget=300), "cannot run the pilot"),
        (dict(method="mc", budget=-3), "budget must be a positive integer"),
        (dict(method="is"), "method must be"),
        (dict(rng=None), "None"),
        (dict(level=1.2), "level"),
        (dict(tie_breaker="magic"), "tie_breaker"),
        (dict(batch=0), "batch"),
    ],
)
def test_bad_inputs(kwargs, needle):
    X, y = data(8, 3, 0)
    args = dict(X=X, y=y, d1=2, eps=0.3, rho=0.0, rng=0, budget=5_000)
    args.update(kwargs)
    X, y, d1 = args.pop("X"), args.pop("y"), args.pop("d1")
    with pytest.raises(ValueError, match=needle):
        v2_event_probability(X, y, d1, **args)


def test_bad_event_statistic():
    X, y = data(8, 3, 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        v2_event_probability(
            X, y, 2, eps=0.2, rng=0, budget=5_000, event_statistic=lambda W, A: np.full(len(W), 2.0)
        )
    with pytest.raises(ValueError, match="shape"):
        v2_event_probability(
            X, y, 2, eps=0.2, rng=0, budget=5_000, event_statistic=lambda W, A: np.ones(3)
        )
    with pytest.raises(ValueError, match="evaluations"):
        v2_event_probability(X, y, 2, eps=0.2, rng=0, method="mc", budget=SplittingBudget(n0=10))


@pytest.mark.parametrize("eps", [float("nan"), float("inf"), 0.0, 1.0, -0.1])
def test_misclassification_threshold_refuses_eps_outside_the_unit_interval(eps):
    """NaN or inf used to loop forever; 1 gave an impossible threshold m* > N."""
    with pytest.raises(ValueError, match="eps"):
        misclassification_threshold(10, eps)
