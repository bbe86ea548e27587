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
