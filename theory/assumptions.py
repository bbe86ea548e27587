r"""Decide the growth assumptions A2-A4 for given scaling laws :math:`d_0(N)`, :math:`d_1(N)`.

The paper's assumptions on sizes (CLAIMS.md):

* **A2**: :math:`N\to\infty`, :math:`d_0(N)` and :math:`d_1(N)` increase with :math:`N` (and
  :math:`\epsilon` is a constant, which is not a growth law and is not checked here).
* **A3**: :math:`\sqrt N <. d_0 \le. N`.
* **A4**: :math:`N\log^4 N / d_0 <. d_1 <. N`.

:func:`check` decides each one with the literal order of :mod:`.asymptotics` and reports, per
assumption, ``True``/``False``/``None`` (undecided) with the limits that decided it.  A1 (Gaussian
data) and A5 (a teacher network) are not growth laws and are not decided here.

"Increase with N" is decided as: the law tends to infinity, and the sign of its derivative tends to
+1 (eventually strictly increasing).  Under the literal order, the :math:`\log^4 N` of A4 is invisible
(see :mod:`.asymptotics`): A4 is decided exactly like :math:`N/d_0 <. d_1 <. N`.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", positive=True)
>>> v = check(n**sp.Rational(3, 4), n**sp.Rational(1, 3), n)
>>> v["A3"].holds, v["A4"].holds
(True, True)
>>> check(n**sp.Rational(1, 3), n**sp.Rational(3, 4), n)["A3"].holds
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp

from . import _validate
from .asymptotics import UndecidedLimit, leading_order_ratio, limit_at_infinity
from .growth import as_growth_law

__all__ = ["Condition", "AssumptionVerdict", "check", "STATEMENTS", "SizeCheck", "at_size"]

STATEMENTS = {
    "A2": "N -> oo; d0(N) and d1(N) increase with N",
    "A3": "sqrt(N) <. d0 <=. N",
    "A4": "N log^4 N / d0 <. d1 <. N",
}


@dataclass(frozen=True)
class Condition:
    """One decided (or undecided) condition of an assumption.

    Attributes
    ----------
    statement : str
        E.g. ``"sqrt(N) <. d0"``.
    quantity : str
        The limit that decides it, e.g. ``"lim log(sqrt(N)) / log(d0)"``.
    limit : sympy.Expr or None
        Its value, or ``None`` when SymPy could not compute it or it is undefined.
    holds : bool or None
        ``None`` when undecided.
    reason : str
        Why: ``"2/3 < 1"``, or the error that left it undecided.
    """

    statement: str
    quantity: str
    limit: sp.Expr | None
    holds: bool | None
    reason: str


@dataclass(frozen=True)
class AssumptionVerdict:
    """Per-assumption result of :func:`check`: ``holds`` is True, False or None (undecided)."""

    name: str
    statement: str
    holds: bool | None
    conditions: tuple[Condition, ...]

    def __str__(self) -> str:
        word = {True: "holds", False: "fails", None: "undecided"}[self.holds]
        parts = "; ".join(f"{c.statement}: {c.reason}" for c in self.conditions)
        return f"{self.name} ({self.statement}) {word} -- {parts}"


def _combine(conditions: tuple[Condition, ...]) -> bool | None:
    if any(c.holds is False for c in conditions):
        return False
    if all(c.holds is True for c in conditions):
        return True
    return None


def _order_condition(
    statement: str, g: sp.Expr, h: sp.Expr, n: sp.Symbol, strict: bool, names: str
) -> Condition:
    quantity = f"lim log({names.split('|')[0]}) / log({names.split('|')[1]})"
    try:
        r = leading_order_ratio(g, h, n)
    except UndecidedLimit as exc:
        return Condition(statement, quantity, None, None, f"undecided: {exc}")
    except ValueError as exc:  # h bounded: the order is undefined and the growth claim is false
        return Condition(statement, quantity, None, False, f"fails: {exc}")
    relation = sp.Lt(r, 1) if strict else sp.Le(r, 1)
    symbol = "<" if strict else "<="
    if relation in (sp.true, True):
        return Condition(statement, quantity, r, True, f"{r} {symbol} 1")
    if relation in (sp.false, False):
        return Condition(statement, quantity, r, False, f"{r} is not {symbol} 1")
    return Condition(
        statement, quantity, r, None, f"undecided: {r} {symbol} 1 depends on {relation}"
    )


def _limit_condition(
    statement: str,
    quantity: str,
    expr: sp.Expr,
    n: sp.Symbol,
    test: Callable[[sp.Expr], Any],
    want: str,
) -> Condition:
    try:
        value = limit_at_infinity(expr, n)
    except UndecidedLimit as exc:
        return Condition(statement, quantity, None, None, f"undecided: {exc}")
    ok = test(value)
    if ok in (sp.true, True):
        return Condition(statement, quantity, value, True, f"{value} {want}")
    if ok in (sp.false, False):
        return Condition(statement, quantity, value, False, f"{value}, not {want}")
    return Condition(statement, quantity, value, None, f"undecided: whether {value} {want}")


def _increasing(name: str, law: sp.Expr, n: sp.Symbol) -> tuple[Condition, Condition]:
    to_infinity = _limit_condition(
        f"{name} -> oo", f"lim {name}", law, n, lambda v: sp.Eq(v, sp.oo), "= oo"
    )
    slope = _limit_condition(
        f"{name} eventually increasing",
        f"lim sign(d{name}/dN)",
        sp.sign(sp.diff(law, n)),
        n,
        lambda v: sp.Eq(v, 1),
        "= 1",
    )
    return to_infinity, slope


def check(d0: Any, d1: Any, n: sp.Symbol) -> dict[str, AssumptionVerdict]:
    r"""Decide A2, A3 and A4 for the scaling laws ``d0(n)``, ``d1(n)``.

    Parameters
    ----------
    d0, d1 : SymPy expression in ``n``, real number, or str
        Growth laws of the input dimension and the hidden width, e.g. ``n**(3/4)``.  Floating
        exponents are made exact.  A ``str`` is parsed by the whitelist of
        :func:`.growth.parse_growth_law` (never by ``sympify``); a symbol named like ``n`` is ``n``.
    n : sympy.Symbol
        The number of datapoints, the growth variable.

    Returns
    -------
    dict
        ``{"A2": AssumptionVerdict, "A3": ..., "A4": ...}``.  Each verdict's ``holds`` is ``True``,
        ``False``, or ``None`` when SymPy could not decide; its ``conditions`` list every limit taken,
        with its value.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or a law is neither a SymPy expression, a real number nor a str.
    ValueError
        If a law depends on another symbol, is complex for ``n > 0`` (``n + I``), or is text the
        parser refuses (:class:`.growth.GrowthLawError`).
    """
    if not isinstance(n, sp.Symbol):
        raise TypeError(f"n must be a SymPy Symbol; got {type(n).__name__}")
    laws = {}
    for name, law in (("d0", d0), ("d1", d1)):
        e = as_growth_law(law, n, name=name)
        extra = e.free_symbols - {n}
        if extra:
            raise ValueError(
                f"{name} may depend on {n} only; it also has {sorted(map(str, extra))}"
            )
        laws[name] = e
    D0, D1 = laws["d0"], laws["d1"]

    a2 = (*_increasing("d0", D0, n), *_increasing("d1", D1, n))
    a3 = (
        _order_condition("sqrt(N) <. d0", sp.sqrt(n), D0, n, strict=True, names="sqrt(N)|d0"),
        _order_condition("d0 <=. N", D0, n, n, strict=False, names="d0|N"),
    )
    a4 = (
        _order_condition(
            "N log^4 N / d0 <. d1",
            n * sp.log(n) ** 4 / D0,
            D1,
            n,
            strict=True,
            names="N log^4 N / d0|d1",
        ),
        _order_condition("d1 <. N", D1, n, n, strict=True, names="d1|N"),
    )
    return {
        name: AssumptionVerdict(name, STATEMENTS[name], _combine(conds), conds)
        for name, conds in (("A2", a2), ("A3", a3), ("A4", a4))
    }


@dataclass(frozen=True)
class SizeCheck:
    """The exact inequality behind an assumption, evaluated at one size (not the paper's order)."""

    name: str
    holds: bool
    text: str

    def __str__(self) -> str:
        return f"{self.name} {'holds' if self.holds else 'fails'} at this size: {self.text}"


def at_size(n: float, d0: float, d1: float | None = None) -> dict[str, SizeCheck]:
    r"""A3 and A4 as finite inequalities at one size: :math:`\sqrt N < d_0 \le N` and
    :math:`N\log^4 N/d_0 < d_1 < N` (the exact inequality the proofs use, :math:`d_0 d_1 > N\log^4 N`).

    The paper states A3 and A4 in the asymptotic order, where they hold for a whole family (see
    :func:`check`); a sampled size can still violate the inequalities, and evidence gathered there is
    labelled with this.  Natural log.

    Parameters
    ----------
    n : float
        Number of datapoints :math:`N`: a finite real number :math:`\ge 1`.
    d0 : float
        Input dimension :math:`d_0`: a finite real number :math:`\ge 1`.
    d1 : float, optional
        Hidden width :math:`d_1`: a finite real number :math:`\ge 1`, or ``None`` (the default) to
        check A3 only.

    Returns
    -------
    dict
        ``{"A3": SizeCheck}``, plus ``"A4"`` when ``d1`` is given.  Each :class:`SizeCheck` has
        ``holds`` (whether the inequalities hold at this size) and ``text`` (both sides, with the
        comparison that decided it).

    Raises
    ------
    TypeError
        If a size is not a real number (a boolean, a str, a complex number, a list).
    ValueError
        If a size is below 1, NaN or infinite.

    Examples
    --------
    >>> str(at_size(64, 23, 4)["A4"])
    'A4 fails at this size: N log^4 N / d0 = 1.9e+04 / 23 = 8.3e+02 > d1 = 4'
    """
    import math

    for name, value in (("n", n), ("d0", d0), ("d1", d1)):
        if value is not None:
            _validate.kind_of(value, name)
            _validate.require_finite(name, value)
    if not (n >= 1 and d0 >= 1 and (d1 is None or d1 >= 1)):
        raise ValueError(f"sizes must be >= 1; got n = {n}, d0 = {d0}, d1 = {d1}")
    root = math.sqrt(n)
    a3 = root < d0 <= n
    out = {
        "A3": SizeCheck(
            "A3",
            a3,
            f"sqrt(N) = {root:.3g} {'<' if root < d0 else '>='} d0 = {d0:g} "
            f"{'<=' if d0 <= n else '>'} N = {n:g}",
        )
    }
    if d1 is not None:
        big = n * math.log(n) ** 4
        lower = big / d0
        a4 = lower < d1 < n
        out["A4"] = SizeCheck(
            "A4",
            a4,
            f"N log^4 N / d0 = {big:.2g} / {d0:g} = {lower:.2g} "
            f"{'<' if lower < d1 else '>'} d1 = {d1:g}" + ("" if d1 < n else f", d1 >= N = {n:g}"),
        )
    return out
