"""The verdict rules (checks/verdicts.py) at their edges: each rule stated as a table of cases."""

from __future__ import annotations

import math

import pytest

from vanishing_minima.checks import verdicts
from vanishing_minima.checks.core import Verdict


@pytest.mark.parametrize(
    "lower,upper,trials,rows,want",
    [
        (0.10, 0.10 + 6 / math.sqrt(10_000), 10_000, 1, True),  # exactly the limit
        (0.10, 0.10 + 6.01 / math.sqrt(10_000), 10_000, 1, False),
        (0.0, 1.0, 100_000, 1, False),  # a degenerate interval (a broken routine)
        (0.0, 1.0, 100_000, 200, True),  # a product of 200 rows may be that wide
    ],
)
def test_interval_resolves_at_six_rows_over_root_n(lower, upper, trials, rows, want):
    assert verdicts.interval_resolves(lower, upper, trials, rows) is want


@pytest.mark.parametrize("args", [(0.2, 0.1, 100), (0.1, 0.2, 0), (0.1, 0.2, 10, 0)])
def test_interval_resolves_refuses_bad_input(args):
    with pytest.raises(ValueError):
        verdicts.interval_resolves(*args)


def test_agreement():
    assert (
        verdicts.agreement(True) is Verdict.CONSISTENT
        and verdicts.agreement(False) is Verdict.INCONSISTENT
    )


@pytest.mark.parametrize(
    "outside,too_wide,want",
    [
        (0, 0, Verdict.CONSISTENT),
        (0, 3, Verdict.INCONCLUSIVE),
        (1, 0, Verdict.INCONSISTENT),
        (1, 5, Verdict.INCONSISTENT),  # a resolving contradiction outweighs wide intervals
    ],
)
def test_intervals_against_formula(outside, too_wide, want):
    assert verdicts.intervals_against_formula(outside, too_wide) is want


@pytest.mark.parametrize(
    "above,below,kappa,kappa_range,want",
    [
        (0, 5, 1.07, (1.05, 1.11), Verdict.CONSISTENT),
        (
            0,
            3,
            1.2,
            None,
            Verdict.CONSISTENT,
        ),  # no single power law: the least-squares kappa decides
        (0, 2, 1.2, (1.1, 1.3), Verdict.INCONCLUSIVE),  # too few sizes resolved
        (
            0,
            5,
            0.8,
            (0.7, 0.9),
            Verdict.INCONCLUSIVE,
        ),  # below e^-F but decaying too slowly: not a contradiction alone
        (0, 5, 0.8, (0.7, 1.0), Verdict.CONSISTENT),  # the range reaches 1
        (
            1,
            5,
            1.2,
            (1.1, 1.3),
            Verdict.INCONCLUSIVE,
        ),  # one size above, but the fit allows kappa >= 1
        (1, 0, 0.8, (0.7, 0.9), Verdict.INCONSISTENT),
        (2, 0, 0.8, None, Verdict.INCONCLUSIVE),  # above, but no range to contradict with
    ],
)
def test_finite_n_exponent(above, below, kappa, kappa_range, want):
    assert verdicts.finite_n_exponent(above, below, kappa, kappa_range, 3) is want


def test_finite_n_exponent_refuses_bad_counts():
    with pytest.raises(ValueError):
        verdicts.finite_n_exponent(-1, 0, 1.0, None, 3)
    with pytest.raises(ValueError):
        verdicts.finite_n_exponent(0, 0, 1.0, None, 0)


@pytest.mark.parametrize(
    "rule,holds,want",
    [
        (verdicts.proof, True, Verdict.PROVED),
        (verdicts.proof, False, Verdict.INCONSISTENT),
        (verdicts.derivation, True, Verdict.DERIVED),
        (verdicts.derivation, False, Verdict.INCONSISTENT),
        (verdicts.agreement, True, Verdict.CONSISTENT),
        (verdicts.agreement, False, Verdict.INCONSISTENT),
    ],
)
def test_symbolic_and_exact_rules(rule, holds, want):
    assert rule(holds) == want


@pytest.mark.parametrize(
    "fits,within,want",
    [
        (True, True, Verdict.CONSISTENT),
        (
            True,
            False,
            Verdict.PARTIAL,
        ),  # the construction works but needs more neurons than the bound
        (False, True, Verdict.INCONSISTENT),
        (False, False, Verdict.INCONSISTENT),
    ],
)
def test_construction(fits, within, want):
    assert verdicts.construction(fits, within) == want


@pytest.mark.parametrize(
    "worst,want",
    [
        (0.0, Verdict.CONSISTENT),
        (0.001, Verdict.CONSISTENT),  # at the threshold
        (0.0011, Verdict.PARTIAL),
        (0.01, Verdict.PARTIAL),
        (0.0101, Verdict.INCONSISTENT),
        (math.nan, Verdict.INCONSISTENT),  # a NaN error is not a reproduction
    ],
)
def test_graded(worst, want):
    assert verdicts.graded(worst, consistent_at=0.001, partial_at=0.01) == want


@pytest.mark.parametrize("a,b", [(0.01, 0.001), (-0.1, 0.1), (0.0, math.inf), (math.nan, 0.1)])
def test_graded_refuses_bad_thresholds(a, b):
    with pytest.raises(ValueError):
        verdicts.graded(0.0, consistent_at=a, partial_at=b)


@pytest.mark.parametrize(
    "holds,supported,total,want",
    [
        (True, 8, 8, Verdict.CONSISTENT),
        (True, 7, 8, Verdict.INCONCLUSIVE),  # a looser sampled lower bound proves nothing
        (True, 0, 8, Verdict.INCONCLUSIVE),
        (False, 8, 8, Verdict.INCONSISTENT),  # a failed derivation wins over any sampled support
    ],
)
def test_lower_bound_support(holds, supported, total, want):
    assert verdicts.lower_bound_support(holds, supported, total) == want


@pytest.mark.parametrize("supported,total", [(1, 0), (-1, 3), (4, 3)])
def test_lower_bound_support_refuses_bad_counts(supported, total):
    with pytest.raises(ValueError):
        verdicts.lower_bound_support(True, supported, total)


_C, _I, _X, _N = (
    Verdict.CONSISTENT,
    Verdict.INCONCLUSIVE,
    Verdict.INCONSISTENT,
    Verdict.NOT_CHECKABLE,
)


@pytest.mark.parametrize(
    "branches,want",
    [
        ((_C,), _C),
        ((_C, _C, _C), _C),
        ((_C, _I, _C), _I),  # one branch without the evidence: the claim is not confirmed
        ((_C, _N), _I),  # a branch with no evidence is not "consistent" by default
        ((_N, _N), _I),
        ((_C, _X, _I), _X),  # one branch contradicts: the claim does
        ((_X,), _X),
    ],
)
def test_a_claim_with_branches_is_consistent_only_when_every_branch_is(branches, want):
    assert verdicts.branches(list(branches)) is want


@pytest.mark.parametrize("bad", [[], [Verdict.DERIVED], [Verdict.PENDING, Verdict.CONSISTENT]])
def test_branches_refuses_no_branch_and_foreign_verdicts(bad):
    with pytest.raises(ValueError, match="per_branch"):
        verdicts.branches(bad)
