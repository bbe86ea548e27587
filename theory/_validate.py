"""Argument rules shared by the bound functions.

A *rule* is a named predicate on one argument ("eps must lie in (0, 1)"); a *relation* is a
predicate on two ("d0 must be <= n").  Rules are applied to whatever kind of number the caller
passed: Python numbers, NumPy arrays (elementwise), mpmath numbers and SymPy numbers.  SymPy
expressions that still contain free symbols cannot be checked and are let through: a symbolic
argument is a statement about all values, not a value.

Every violation raises :class:`ValueError` naming the argument, the rule and the offending value
(with its index for arrays); a value of the wrong type raises :class:`TypeError`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "Rule",
    "Relation",
    "Need",
    "kind_of",
    "check_rule",
    "check_relation",
    "check_needed",
    "check_broadcastable",
    "require_finite",
    "require_size",
]


@dataclass(frozen=True)
class Rule:
    """A named elementwise predicate; ``text`` completes "<name> must ..."."""

    text: str
    holds: Callable[[Any], Any]


@dataclass(frozen=True)
class Relation:
    """A predicate on two named arguments; ``text`` is the whole rule, e.g. ``"d0 <= n"``."""

    first: str
    second: str
    text: str
    holds: Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Need:
    """Where an optional argument enters a formula: wherever ``holds`` is true of the argument ``on``.

    ``text`` completes "<name> is required where ...", e.g. ``"rho != 0 (...)"``.
    """

    on: str
    text: str
    holds: Callable[[Any], Any]


def kind_of(value: Any, name: str) -> str:
    """Classify ``value`` as ``'sympy'``, ``'mpmath'``, ``'numpy'`` or ``'python'``.

    Raises
    ------
    TypeError
        For booleans, strings, complex numbers and anything that is not a real number or array.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number or array, not a boolean")
    if isinstance(value, sp.Basic):
        if value.is_number and value.is_real is False:
            raise TypeError(f"{name} must be real; got {value}")
        return "sympy"
    if isinstance(value, (mpmath.mpf,)):
        return "mpmath"
    if isinstance(value, mpmath.mpc):
        raise TypeError(f"{name} must be real; got the complex {value}")
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be a real numeric array; got dtype {value.dtype}")
        return "numpy"
    if isinstance(value, numbers.Real):
        return "python"
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} must be a number or a NumPy array; pass numpy.asarray({name}) for a list"
        )
    raise TypeError(
        f"{name} must be a real number (Python, NumPy, mpmath or SymPy); got {type(value).__name__}"
    )


def _is_checkable(value: Any) -> bool:
    return not (isinstance(value, sp.Basic) and value.free_symbols)


def _fmt(x: Any) -> str:
    """A value as a user wrote it: ``1.0``, not ``np.float64(1.0)``."""
    return repr(x.item()) if isinstance(x, np.generic) else repr(x)


def _first_failure(ok: Any, value: Any) -> tuple[bool, str]:
    """Return (all good, description of the first bad element)."""
    if isinstance(ok, np.ndarray) and ok.ndim > 0:
        if bool(np.all(ok)):
            return True, ""
        index = tuple(int(i) for i in np.argwhere(~ok)[0])
        bad = np.broadcast_to(value, ok.shape)[index]
        return False, f"{_fmt(bad)} at index {index}"
    return bool(ok), _fmt(value)


def require_finite(name: str, value: Any) -> None:
    """Raise ``ValueError`` if ``value`` (any kind) has a NaN or infinite entry."""
    if not _is_checkable(value):
        return
    if isinstance(value, sp.Basic):
        finite = bool(value.is_finite) and bool(value.is_real)
        if not finite:
            raise ValueError(f"{name} must be a finite real number; got {value}")
        return
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value}")
        return
    if isinstance(value, (np.ndarray, np.generic)):
        finite = np.isfinite(value)
        good, where = _first_failure(finite, value)
        if not good:
            raise ValueError(f"{name} must be finite (no NaN or inf); got {where}")
        return
    if isinstance(value, int):
        return
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite (no NaN or inf); got {value!r}")


def require_size(name: str, value: Any) -> int:
    """``value`` as a Python ``int`` >= 1: a size of a symbolic construction (a matrix dimension).

    Python, NumPy and SymPy integers are accepted; booleans, floats (even integral ones) and anything
    else raise ``TypeError``, integers below 1 raise ``ValueError``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer >= 1; got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def check_rule(name: str, value: Any, rule: Rule) -> None:
    """Raise ``ValueError`` unless ``rule`` holds for every entry of ``value``."""
    if not _is_checkable(value):
        return
    good, where = _first_failure(rule.holds(value), value)
    if not good:
        raise ValueError(f"{name} must {rule.text}; got {where}")


def check_relation(values: dict[str, Any], relation: Relation) -> None:
    """Raise ``ValueError`` unless ``relation`` holds entrywise (after broadcasting)."""
    a, b = values[relation.first], values[relation.second]
    if not (_is_checkable(a) and _is_checkable(b)):
        return
    ok = relation.holds(a, b)
    if isinstance(ok, np.ndarray) and ok.ndim > 0:
        if not bool(np.all(ok)):
            index = tuple(int(i) for i in np.argwhere(~ok)[0])
            pa = np.broadcast_to(a, ok.shape)[index]
            pb = np.broadcast_to(b, ok.shape)[index]
            raise ValueError(
                f"{relation.text} is required; got {relation.first}={_fmt(pa)}, "
                f"{relation.second}={_fmt(pb)} at index {index}"
            )
        return
    if not bool(ok):
        raise ValueError(
            f"{relation.text} is required; got {relation.first}={_fmt(a)}, {relation.second}={_fmt(b)}"
        )


def check_needed(name: str, values: dict[str, Any], need: Need) -> bool:
    """Whether the omitted optional argument ``name`` may stay omitted.

    Returns False where the value of ``need.on`` is symbolic (a SymPy expression with free symbols: the
    formula then keeps the argument's own symbol), True where ``need`` holds for no entry.

    Raises
    ------
    ValueError
        Naming ``name``, the rule and the first entry of ``need.on`` where the argument enters.
    """
    value = values[need.on]
    if not _is_checkable(value):
        return False
    ok, where = _first_failure(np.logical_not(need.holds(value)), value)
    if not ok:
        raise ValueError(f"{name} is required where {need.text}; got {need.on}={where}")
    return True


def check_broadcastable(values: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the arrays whose shapes do not broadcast together."""
    shapes = {
        name: np.shape(v) for name, v in values.items() if isinstance(v, (np.ndarray, np.generic))
    }
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"array arguments must broadcast to one shape; got {listed}") from None


def _is_integral(x: Any) -> Any:
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return np.asarray(x == np.floor(x))
    if isinstance(x, sp.Basic):
        return bool(x.is_integer)
    if isinstance(x, mpmath.mpf):
        return mpmath.isint(x)
    return float(x).is_integer()


# The rules the paper's statements impose.
POSITIVE = Rule("be > 0", lambda x: x > 0)
AT_LEAST_ONE = Rule("be >= 1", lambda x: x >= 1)
AT_LEAST_TWO = Rule("be >= 2 (d1* = 4 ceil(N / (2 d0 - 2)) divides by 2 d0 - 2)", lambda x: x >= 2)
OPEN_UNIT = Rule("lie in the open interval (0, 1)", lambda x: (x > 0) & (x < 1))
CLOSED_UNIT = Rule(
    "lie in the closed interval [0, 1] (it is lim d0/N with d0 <=. N)",
    lambda x: (x >= 0) & (x <= 1),
)
NOT_ONE = Rule(
    "differ from 1 (rho = 1 makes the network linear: no regions, no LReLU)", lambda x: x != 1
)
INTEGRAL = Rule("be an integer", _is_integral)
RHO_NOT_ZERO = Need(
    "rho",
    "rho != 0 (the leaky-ReLU branch of gamma_eps uses c = lim d0(N)/N; for rho = 0 it does not enter)",
    lambda rho: rho != 0,
)
D0_AT_MOST_N = Relation(
    "d0", "n", "d0 <= n (the claim assumes d0 <=. N, assumption A3)", lambda d0, n: d0 <= n
)
