"""The audit's scaling family, defined once: growth laws, sizes, and the sizes and constants of the sweeps that
follow it (Theorem 6 and Theorem 10)."""

from __future__ import annotations

import sympy as sp

from vanishing_minima import numeric as nm
from vanishing_minima.theory import bounds

#: The family as text, for the evidence.
FAMILY = {"d0": "N**(3/4)", "d1": "N**(1/3)"}
#: The family the sweeps follow: d0 = N^FAMILY_D0, d1 = N^FAMILY_D1 (A2-A4 hold, decided by SymPy in the
#: A2-A4 checks); T10 widens d1 by T10_D1_FACTOR so that Theorem 8's network fits.
FAMILY_D0, FAMILY_D1 = sp.Rational(3, 4), sp.Rational(1, 3)
T10_D1_FACTOR = 4


def family_laws(d1_factor: int = 1) -> tuple[sp.Expr, sp.Expr, sp.Symbol]:
    """The family's growth laws (d0, d1, N) in the symbol :data:`bounds.N`, for :func:`assumptions.check`."""
    n = bounds.N
    return n**FAMILY_D0, d1_factor * n**FAMILY_D1, n


def family_sizes(ns) -> list[tuple[int, int, int]]:
    """(N, d0, d1) along the family at the given N (rounded as :func:`numeric.family_sizes` does)."""
    return nm.family_sizes(ns, float(FAMILY_D0), float(FAMILY_D1))


def family_d0(n: int) -> int:
    """d0 = round(N^FAMILY_D0)."""
    return round(n ** float(FAMILY_D0))


#: eps and rho of the sweeps of Theorem 6 and Theorem 10 (ReLU).
T6_EPS, T6_RHO = 0.1, 0.0
#: N per budget scale for the sweeps of T6 and T10.
T6_SIZES = {1: [16, 24, 32, 48, 64], 4: [16, 24, 32, 48, 64, 96], 16: [16, 24, 32, 48, 64, 96, 128]}
