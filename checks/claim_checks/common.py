"""What the checks share: the agreement and derivation verdicts as results, and A3/A4 at one size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vanishing_minima.theory import assumptions, derivations

from .. import verdicts
from ..core import CheckResult, Verdict
from ..evidence import Evidence, shown

__all__ = [
    "NoEvidence",
    "DerivationEvidence",
    "SizeAssumptions",
    "shown_a3",
    "shown_a4",
    "agree",
    "against_formula",
    "derived",
    "at_sizes",
]


@dataclass(frozen=True)
class NoEvidence(Evidence):
    """The evidence of a hypothesis or a definition: nothing is measured."""


@dataclass(frozen=True)
class DerivationEvidence(Evidence):
    """A symbolic derivation of a claim from the claim it builds on (:func:`derived`)."""

    derivation: str = shown("derivation")
    builds_on: str = shown("builds_on")
    steps: tuple[str, ...] = shown("steps")
    findings: tuple[str, ...] = shown("findings")


#: Labels of A3 and A4 at one size, in the rows of sampled evidence (:func:`at_sizes`).
A3_LABEL, A4_LABEL = "A3 at this size", "A4 at this size"


def shown_a3() -> Any:
    """The field of a row that holds :attr:`SizeAssumptions.a3` (label ``"A3 at this size"``)."""
    return shown(A3_LABEL)


def shown_a4() -> Any:
    """The field of a row that holds :attr:`SizeAssumptions.a4` (label ``"A4 at this size"``)."""
    return shown(A4_LABEL)


@dataclass(frozen=True)
class SizeAssumptions(Evidence):
    """A3 and A4 as the exact inequalities at one sampled size, as text (:func:`at_sizes`).

    A row of sampled evidence declares the fields it shows with :func:`shown_a3` and :func:`shown_a4`
    and fills them from :attr:`a3` and :attr:`a4`.
    """

    a3: str = shown(A3_LABEL)
    a4: str | None = shown(A4_LABEL, optional=True)


def agree(claim: str, ok: bool, figure: str, method: str, evidence: Evidence) -> CheckResult:
    """CONSISTENT when ``ok``, else INCONSISTENT (the evidence must then hold the instance)."""
    return CheckResult(
        claim=claim,
        verdict=verdicts.agreement(ok),
        key_figure=figure,
        method=method,
        evidence=evidence,
    )


def against_formula(
    claim: str,
    outside: int,
    too_wide: int,
    *,
    figure: str,
    too_wide_figure: str,
    method: str,
    evidence: Evidence,
) -> CheckResult:
    """Monte Carlo intervals against exact values (:func:`verdicts.intervals_against_formula`):
    INCONSISTENT if ``outside`` of them exclude their value, INCONCLUSIVE (key figure
    ``too_wide_figure``) if ``too_wide`` of them resolve nothing, else CONSISTENT."""
    verdict = verdicts.intervals_against_formula(outside, too_wide)
    return CheckResult(
        claim=claim,
        verdict=verdict,
        key_figure=too_wide_figure if verdict == Verdict.INCONCLUSIVE else figure,
        method=method,
        evidence=evidence,
    )


def derived(
    claim: str, derivation: derivations.Derivation, step: str, builds_on: str
) -> CheckResult:
    """DERIVED when the derivation holds on the shipped formulas, INCONSISTENT (naming the failed steps) if not."""
    return CheckResult(
        claim=claim,
        verdict=verdicts.derivation(derivation.holds),
        key_figure=f"derived from {builds_on}: {step}"
        if derivation.holds
        else f"the derivation from {builds_on} FAILS on the shipped formulas: {step}",
        method="symbolic derivation (SymPy) on the shipped formulas",
        evidence=DerivationEvidence(
            derivation=derivation.name,
            builds_on=builds_on,
            steps=tuple(derivation.steps),
            findings=tuple(derivation.findings),
        ),
    )


def at_sizes(n: int, d0: int, d1: int | None = None) -> SizeAssumptions:
    """A3 and A4 as the exact inequalities at one sampled size (:func:`assumptions.at_size`), as text.

    Parameters
    ----------
    n, d0 : int
        The sampled size.
    d1 : int, optional
        The hidden width; without it A4 is left out (``a4`` is ``None``).

    Returns
    -------
    SizeAssumptions
    """
    checks = assumptions.at_size(n, d0, d1)
    return SizeAssumptions(a3=str(checks["A3"]), a4=str(checks["A4"]) if "A4" in checks else None)
