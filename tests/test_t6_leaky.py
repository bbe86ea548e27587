"""Theorem 6's leaky branch (checks/claim_checks/theorem6_leaky.py): its tasks, its F(N) from the shipped
gamma_eps, its rows and its verdict, on fake points where the law is about bookkeeping and on one real
run of the certificate bound."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from vanishing_minima import numeric as nm
from vanishing_minima.checks.claim_checks import theorem6
from vanishing_minima.checks.claim_checks import theorem6_leaky as leaky
from vanishing_minima.checks.claim_checks.theorem6_common import ABOVE, BELOW, UNRESOLVED
from vanishing_minima.checks.core import Verdict


def test_tasks_cover_every_slope_with_the_relu_labels_and_new_x():
    """Every slope gets Monte Carlo and bound tasks; a size's labels are the ReLU branch's (Theorem 6 is
    for fixed labels), its X draws are its own (no seed shared with another leaky task or the ReLU's)."""
    mc, bound = leaky.t6_leaky_tasks("quick", 0)
    _, relu = theorem6.t6_tasks("quick", 0)
    assert {t.rho for t in mc} == {t.rho for t in bound} == set(leaky.T6_LEAKY_RHOS)
    assert all(t.method == "rank-bound" and t.level == leaky.T6_RANK_BOUND_LEVEL for t in bound)
    labels = {t.n: t.label_seed for t in relu}
    assert all(t.label_seed == labels[t.n] for t in bound if t.n in labels)
    seeds = [t.seed for t in mc + bound]
    assert len(set(seeds)) == len(seeds) and not set(seeds) & {t.seed for t in relu}


def test_f_uses_the_limit_of_d0_over_n_not_the_finite_ratio():
    """F(N) = 0.23 max(c, eps)^(3/4) N^(3/4) (d0 d1)^(1/4) with c = lim N^(3/4)/N = 0 (by hand), although
    d0/N = 31/96 > eps at N = 96 (the finite ratio would give a larger F)."""
    assert leaky.family_d0_over_n_limit() == 0.0
    for rho in leaky.T6_LEAKY_RHOS:
        by_hand = 0.23 * 0.1**0.75 * 96**0.75 * (31 * 5) ** 0.25
        assert leaky.leaky_exponent(96, 31, 5, rho) == pytest.approx(by_hand, rel=1e-12)


def _mc_point(task, events, samples=8000):
    p_hat = events / samples
    lo, hi = nm.clopper_pearson(events, samples, 1e-6)
    return SimpleNamespace(
        task=task,
        v2=SimpleNamespace(estimate=p_hat, lower=lo, upper=hi, successes=events),
    )


def _bound_point(task, log_p, interval):
    return SimpleNamespace(
        task=task,
        v2=SimpleNamespace(
            certificate_log_p=log_p, certificate_log_interval=interval, evaluations=1000
        ),
    )


def test_a_bound_row_only_bounds_minus_log_p_from_below():
    """The certificate gives -log p >= -log(upper end): the row's interval is [that, inf), "below e^-F"
    when that end is at least F, otherwise unresolved (never "above": a bound cannot contradict)."""
    mc, bound = leaky.t6_leaky_tasks("quick", 0)
    rho = leaky.T6_LEAKY_RHOS[0]
    t96 = next(t for t in bound if t.rho == rho and t.n == 96)
    f = leaky.leaky_exponent(96, t96.d0, t96.d1, rho)
    for upper, side in ((-(f + 1.0), BELOW), (-(f - 1.0), UNRESOLVED), (0.0, UNRESOLVED)):
        (branch, *_) = leaky.leaky_branches(
            [], [_bound_point(t96, upper - 1.0, (upper - 2.0, upper))]
        )
        (row,) = branch.bounds
        assert row.minus_log_p_interval == (-upper, math.inf) and row.side == side


def test_a_branch_with_no_resolved_size_is_not_checkable():
    """Sizes whose intervals straddle F neither support nor contradict: the branch says so."""
    mc, _ = leaky.t6_leaky_tasks("quick", 0)
    rho = leaky.T6_LEAKY_RHOS[0]
    # p near e^-F with a wide interval at every size: events such that -log p_hat ~ F
    points = []
    for t in (t for t in mc if t.rho == rho):
        f = leaky.leaky_exponent(t.n, t.d0, t.d1, rho)
        points.append(_mc_point(t, max(1, round(8000 * math.exp(-f))), 8000))
    branch = leaky.leaky_branches(points, [])[0]
    sides = {r.side for r in branch.sizes}
    if sides == {UNRESOLVED}:
        assert branch.verdict == str(Verdict.NOT_CHECKABLE)
    else:  # the exact intervals resolved some size: the rule applies instead
        assert branch.verdict != str(Verdict.NOT_CHECKABLE)


def test_a_size_above_e_minus_f_with_a_shallow_fit_makes_the_branch_inconsistent():
    """Every Monte Carlo size significantly above e^-F (p = 0.5 at every N, so -log p is flat: kappa's
    range lies below 1): inconsistent, and T6 with it (verdicts.branches)."""
    mc, _ = leaky.t6_leaky_tasks("quick", 0)
    rho = leaky.T6_LEAKY_RHOS[0]
    points = [_mc_point(t, 4000) for t in mc if t.rho == rho]
    branch = leaky.leaky_branches(points, [])[0]
    assert branch.above >= 1 and all(r.side in (ABOVE, UNRESOLVED) for r in branch.sizes)
    assert branch.verdict == str(Verdict.INCONSISTENT)


def test_one_real_bound_run_gives_a_finite_bound_below_one():
    """The quick task at N = 96 through the sweep's runner: a finite certificate interval with upper end
    below 0 (a probability below 1) and the evaluations spent within the task's budget."""
    _, bound = leaky.t6_leaky_tasks("quick", 0)
    task = next(t for t in bound if t.n == 96)
    point = nm.run_task(task)
    lo, hi = point.v2.certificate_log_interval
    assert math.isfinite(hi) and hi < 0 and lo <= point.v2.certificate_log_p <= hi
    assert not point.v2.reached and point.v2.log_p_interval[1] == hi
    assert point.v2.evaluations <= 2 * task.budget
