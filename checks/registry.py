"""The registry of checks: which function checks which claim, written out.

One line per claim that has a check, in the order of the claim registry
(:mod:`vanishing_minima.theory.claims`); a claim missing here is reported as ``pending`` by the audit.
The ``@check`` marker on each function carries the same id (``fn.claim_id``), and
``tests/test_audit.py`` checks that the two agree.  The checks themselves live in :mod:`.claim_checks`
(definitions, lemmas and theorems) and :mod:`.section5_checks` (the experiments of Section 5).
"""

from __future__ import annotations

from . import claim_checks, section5_checks
from .core import CheckFunction

__all__ = ["CHECKS"]

#: Claim id -> its check.
CHECKS: dict[str, CheckFunction] = {
    "A1": claim_checks.check_A1,
    "A2": claim_checks.check_A2,
    "A3": claim_checks.check_A3,
    "A4": claim_checks.check_A4,
    "A5": claim_checks.check_A5,
    "D1": claim_checks.check_D1,
    "D3": claim_checks.check_D3,
    "D4": claim_checks.check_D4,
    "D5": claim_checks.check_D5,
    "L2": claim_checks.check_L2,
    "T6": claim_checks.check_T6,
    "C7": claim_checks.check_C7,
    "T8": claim_checks.check_T8,
    "T9": claim_checks.check_T9,
    "T10": claim_checks.check_T10,
    "E1": section5_checks.check_E1,
    "E2": section5_checks.check_E2,
    "E3": section5_checks.check_E3,
    "S6": claim_checks.check_S6,
    "K1": claim_checks.check_K1,
    "K2": claim_checks.check_K2,
    "K3": claim_checks.check_K3,
    "K4": claim_checks.check_K4,
    "K5": claim_checks.check_K5,
    "K6": claim_checks.check_K6,
    "G1": claim_checks.check_G1,
    "G2": claim_checks.check_G2,
    "G3": claim_checks.check_G3,
    "G4": claim_checks.check_G4,
    "G5": claim_checks.check_G5,
    "G6": claim_checks.check_G6,
    "V1": claim_checks.check_V1,
    "V2": claim_checks.check_V2,
}
