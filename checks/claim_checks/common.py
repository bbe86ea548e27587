"""What the checks share: the agreement and derivation verdicts as results, and A3/A4 at one size."""

from __future__ import annotations

from vanishing_minima.theory import assumptions, derivations

from .. import verdicts
from ..core import CheckResult


def agree(claim: str, ok: bool, figure: str, method: str, evidence: dict) -> CheckResult:
    """CONSISTENT when ``ok``, else INCONSISTENT (the evidence must then hold the instance)."""
    return CheckResult(claim, verdicts.agreement(ok), figure, method, evidence)


def derived(
    claim: str, derivation: derivations.Derivation, step: str, builds_on: str
) -> CheckResult:
    """DERIVED when the derivation holds on the shipped formulas, INCONSISTENT (naming the failed steps) if not."""
    evidence = {
        "derivation": derivation.name,
        "builds_on": builds_on,
        "steps": list(derivation.steps),
        "findings": list(derivation.findings),
    }
    return CheckResult(
        claim,
        verdicts.derivation(derivation.holds),
        f"derived from {builds_on}: {step}"
        if derivation.holds
        else f"the derivation from {builds_on} FAILS on the shipped formulas: {step}",
        "symbolic derivation (SymPy) on the shipped formulas",
        evidence,
    )


def at_sizes(n: int, d0: int, d1: int | None = None) -> dict:
    """A3 and A4 as the exact inequalities at one sampled size (assumptions.at_size), for the evidence."""
    return {f"{k} at this size": str(v) for k, v in assumptions.at_size(n, d0, d1).items()}
