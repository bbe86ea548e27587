"""What the symbolic derivations share: the :class:`Derivation` record, the reading of scaling laws, the
default scaling family, and the exponents read off the shipped formulas of :mod:`..bounds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .. import bounds
from ..growth import as_growth_law

__all__ = [
    "Derivation",
    "scaling_law",
    "is_zero",
    "FAMILY_D0",
    "FAMILY_D1",
    "GAMMA",
    "shipped",
    "theorem6_exponent",
]


@dataclass(frozen=True)
class Derivation:
    """The outcome of one symbolic derivation.

    Attributes
    ----------
    name : str
    claim : str
        Id of the claim it supports (see :mod:`.claims`).
    statement : str
        What is derived, in words and formulas.
    holds : bool
        Whether SymPy confirmed every step.
    steps : tuple of str
        Each step with the SymPy result that decided it.
    findings : tuple of str
        Corrections to commonly quoted forms of the step, with the evidence.
    """

    name: str
    claim: str
    statement: str
    holds: bool
    steps: tuple[str, ...]
    findings: tuple[str, ...] = field(default=())


def scaling_law(name: str, law: Any) -> sp.Expr:
    """A scaling law in :data:`.bounds.N`: read by :func:`.growth.as_growth_law` (a str by the whitelist
    parser, never by ``sympify``, which the substitutions below would otherwise apply to it), in
    :math:`N` only."""
    e = as_growth_law(law, bounds.N, name=name)
    extra = e.free_symbols - {bounds.N}
    if extra:
        raise ValueError(f"{name} may depend on N only; it also has {sorted(map(str, extra))}")
    return e


def is_zero(expr: sp.Expr) -> bool:
    """Whether SymPy simplifies ``expr`` to zero."""
    return sp.simplify(expr) == 0


#: A scaling family that satisfies A2-A4 (checked in the tests with assumptions.check).
FAMILY_D0 = bounds.N ** sp.Rational(3, 4)
FAMILY_D1 = bounds.N ** sp.Rational(1, 3)

#: gamma_eps as a plain positive symbol, so that the exponents are read off the shipped formulas.
GAMMA = sp.Symbol("gamma", positive=True)


def shipped(expr: sp.Expr) -> sp.Expr:
    """A formula of :mod:`.bounds` with gamma_eps's Piecewise replaced by the positive symbol GAMMA.

    Every derivation reads the exponents from here, so a change to a bound's formula changes the
    derivation's outcome (one source of truth; see the mutation tests)."""
    return expr.xreplace({bounds.GAMMA_EPS_EXPR: GAMMA})


def theorem6_exponent() -> sp.Expr:
    r"""Theorem 6's decay exponent :math:`F = -\log(\text{bound})` from :data:`.bounds.THEOREM6_LOG_EXPR`."""
    return -shipped(bounds.THEOREM6_LOG_EXPR)
