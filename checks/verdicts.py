"""Verdict rules: small pure functions from counts and ranges to a :class:`~.core.Verdict`.

The checks gather evidence; these functions decide.  Kept apart so that each rule is stated once, in
words and in code, and tested on its own (``tests/test_verdicts.py``) with the cases at its edges.
"""

from __future__ import annotations

import math
from typing import Sequence

from .core import Verdict

__all__ = [
    "interval_resolves",
    "agreement",
    "proof",
    "derivation",
    "intervals_against_formula",
    "construction",
    "graded",
    "lower_bound_support",
    "finite_n_exponent",
]


def interval_resolves(lower: float, upper: float, trials: int, rows: int = 1) -> bool:
    """Whether a Clopper-Pearson interval (or a product of ``rows`` of them) is narrow enough to decide anything.

    Width at most ``6 rows / sqrt(trials)``: a correct two-sided interval at alpha = 1e-6 is at most
    about ``4.9 / sqrt(trials)`` wide for ``trials >= 200``, so it passes; a degenerate one, such as
    (0, 1) from a broken interval routine, does not.

    Raises
    ------
    ValueError
        If ``trials`` or ``rows`` is below 1, or the interval is reversed.
    """
    if trials < 1 or rows < 1:
        raise ValueError(f"trials and rows must be >= 1; got {trials}, {rows}")
    if not lower <= upper:
        raise ValueError(f"the interval must have lower <= upper; got ({lower}, {upper})")
    return upper - lower <= 6.0 * rows / math.sqrt(trials)


def agreement(ok: bool) -> Verdict:
    """An exact identity checked on instances: consistent when it held on every one, else inconsistent."""
    return Verdict.CONSISTENT if ok else Verdict.INCONSISTENT


def proof(holds: bool) -> Verdict:
    """A symbolic identity together with the shipped function against an independent computation: proved
    when both hold, else inconsistent."""
    return Verdict.PROVED if holds else Verdict.INCONSISTENT


def derivation(holds: bool) -> Verdict:
    """A claim derived symbolically from other claims on the shipped formulas: derived when every step
    holds, else inconsistent (the claim does not follow from what it names)."""
    return Verdict.DERIVED if holds else Verdict.INCONSISTENT


def construction(fits: bool, within_bound: bool) -> Verdict:
    """An explicit construction against a size bound: consistent when it fits the data and stays within
    the bound, partial when it fits but needs more than the bound, inconsistent when it does not fit."""
    if not fits:
        return Verdict.INCONSISTENT
    return Verdict.CONSISTENT if within_bound else Verdict.PARTIAL


def graded(worst: float, consistent_at: float, partial_at: float) -> Verdict:
    """A measured error against the paper's figure: consistent when ``worst <= consistent_at``, partial
    when ``worst <= partial_at``, else inconsistent (also for NaN).

    Raises
    ------
    ValueError
        If the thresholds are not finite with ``0 <= consistent_at <= partial_at``.
    """
    if not (math.isfinite(consistent_at) and math.isfinite(partial_at)) or not (
        0 <= consistent_at <= partial_at
    ):
        raise ValueError(
            f"need finite 0 <= consistent_at <= partial_at; got {consistent_at}, {partial_at}"
        )
    if worst <= consistent_at:
        return Verdict.CONSISTENT
    return Verdict.PARTIAL if worst <= partial_at else Verdict.INCONSISTENT


def lower_bound_support(derivations_hold: bool, supported: int, total: int) -> Verdict:
    """A bound checked by its derivations and by sampled *lower* bounds that can support it, never
    contradict it: inconsistent when a derivation fails; consistent when every one of ``total`` sampled
    instances supports it; otherwise inconclusive (a looser sampled bound proves nothing).

    Raises
    ------
    ValueError
        If ``total < 1`` or ``supported`` is outside [0, ``total``].
    """
    if total < 1 or not 0 <= supported <= total:
        raise ValueError(f"need 0 <= supported <= total and total >= 1; got {supported}, {total}")
    if not derivations_hold:
        return Verdict.INCONSISTENT
    return Verdict.CONSISTENT if supported == total else Verdict.INCONCLUSIVE


def intervals_against_formula(outside: int, too_wide: int) -> Verdict:
    """Monte Carlo against a formula: inconsistent if some interval excludes the formula's value;
    otherwise inconclusive if some interval was too wide to resolve it (:func:`interval_resolves`);
    else consistent.

    Raises
    ------
    ValueError
        If a count is negative.
    """
    if outside < 0 or too_wide < 0:
        raise ValueError(f"counts must be >= 0; got outside = {outside}, too_wide = {too_wide}")
    if outside:
        return Verdict.INCONSISTENT
    return Verdict.INCONCLUSIVE if too_wide else Verdict.CONSISTENT


def finite_n_exponent(
    above: int, below: int, kappa: float, kappa_range: tuple[float, float] | None, min_resolved: int
) -> Verdict:
    r"""An asymptotic bound :math:`p \lesssim e^{-F(N)}` (read as :math:`\kappa\ge1` in :math:`-\log p\sim CF^\kappa`)
    from finite-N evidence.

    Consistent when no size shows :math:`p` significantly above :math:`e^{-F}` (``above == 0``), at least
    ``min_resolved`` sizes show it significantly below, and the fit allows :math:`\kappa\ge1` (the upper
    end of ``kappa_range``, or the least-squares ``kappa`` when no single power law passes through every
    interval, ``kappa_range is None``).  Inconsistent when some size is above and the whole range lies
    below 1.  Otherwise inconclusive: unresolved sizes neither support nor contradict.

    Raises
    ------
    ValueError
        If a count is negative or ``min_resolved < 1``.
    """
    if above < 0 or below < 0 or min_resolved < 1:
        raise ValueError(
            f"need above, below >= 0 and min_resolved >= 1; got {above}, {below}, {min_resolved}"
        )
    allows = kappa_range[1] >= 1 if kappa_range is not None else kappa >= 1
    if above == 0 and below >= min_resolved and allows:
        return Verdict.CONSISTENT
    if above and kappa_range is not None and kappa_range[1] < 1:
        return Verdict.INCONSISTENT
    return Verdict.INCONCLUSIVE


def branches(per_branch: Sequence[Verdict]) -> Verdict:
    """A claim stated for several cases (e.g. Theorem 6 for ReLU and for leaky units), each checked on its
    own: consistent only when every branch is; inconsistent when one is; otherwise inconclusive (a branch
    with no evidence, ``not checkable``, or an inconclusive one leaves the claim inconclusive: the audit
    does not claim a case it did not check).

    Raises
    ------
    ValueError
        If ``per_branch`` is empty or holds a verdict other than consistent, inconsistent, inconclusive
        or not checkable.
    """
    allowed = {
        Verdict.CONSISTENT,
        Verdict.INCONSISTENT,
        Verdict.INCONCLUSIVE,
        Verdict.NOT_CHECKABLE,
    }
    if not per_branch or any(v not in allowed for v in per_branch):
        raise ValueError(
            f"per_branch must hold at least one of {sorted(map(str, allowed))}; got {list(per_branch)}"
        )
    if Verdict.INCONSISTENT in per_branch:
        return Verdict.INCONSISTENT
    if all(v == Verdict.CONSISTENT for v in per_branch):
        return Verdict.CONSISTENT
    return Verdict.INCONCLUSIVE
