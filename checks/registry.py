"""The registry of checks: which function checks which claim, written out.

One line per claim that has a check, in the order of the claim registry
(:mod:`vanishing_minima.theory.claims`); a claim missing here is reported as ``pending`` by the audit.
The ``@check`` marker on each function carries the same id (``fn.claim_id``), and
``tests/test_audit.py`` checks that the two agree.  The checks themselves live in the modules of
:mod:`.claim_checks`, one per family of claims.
"""

from __future__ import annotations

from .claim_checks import (
    definitions,
    gaussian,
    khatri_rao,
    section5,
    theorem6,
    theorems,
    volumes,
)
from .core import CheckFunction

__all__ = ["CHECKS"]

#: Claim id -> its check.
CHECKS: dict[str, CheckFunction] = {
    "A1": definitions.check_A1,
    "A2": definitions.check_A2,
    "A3": definitions.check_A3,
    "A4": definitions.check_A4,
    "A5": definitions.check_A5,
    "D1": definitions.check_D1,
    "D3": definitions.check_D3,
    "D4": definitions.check_D4,
    "D5": definitions.check_D5,
    "L2": volumes.check_L2,
    "T6": theorem6.check_T6,
    "C7": theorems.check_C7,
    "T8": theorems.check_T8,
    "T9": theorems.check_T9,
    "T10": theorems.check_T10,
    "E1": section5.check_E1,
    "E2": section5.check_E2,
    "E3": section5.check_E3,
    "S6": theorems.check_S6,
    "K1": khatri_rao.check_K1,
    "K2": khatri_rao.check_K2,
    "K3": khatri_rao.check_K3,
    "K4": khatri_rao.check_K4,
    "K5": khatri_rao.check_K5,
    "K6": khatri_rao.check_K6,
    "G1": gaussian.check_G1,
    "G2": gaussian.check_G2,
    "G3": gaussian.check_G3,
    "G4": gaussian.check_G4,
    "G5": gaussian.check_G5,
    "G6": gaussian.check_G6,
    "V1": volumes.check_V1,
    "V2": volumes.check_V2,
}
