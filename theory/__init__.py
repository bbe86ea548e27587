"""Symbolic layer: the paper's claims, bounds, asymptotic order and derivations (SymPy)."""

from . import assumptions, asymptotics, bounds, claims, cover, derivations, growth

__all__ = ["assumptions", "asymptotics", "bounds", "claims", "cover", "derivations", "growth"]
