r"""The paper's asymptotic order as a decision procedure.

The paper (and CLAIMS.md) defines, for functions of :math:`N` that tend to infinity,

.. math:: g \lesssim\!\!. \; h \iff \lim_{N\to\infty} \frac{\log g(N)}{\log h(N)} < 1,

and similarly :math:`\le.` (limit :math:`\le 1`) and :math:`=.` (limit :math:`= 1`).  This module
applies that definition *literally*: it asks SymPy for the limit and compares it with 1.  It never
guesses: when SymPy returns no definite limit, :class:`UndecidedLimit` is raised.

What the literal definition implies
-----------------------------------
* Constant factors are invisible: :math:`5N =. N`.
* **Polylogarithmic factors are invisible too**: :math:`\log(N\log^4 N)/\log N \to 1`, so
  :math:`N\log^4 N =. N`.  Assumption A4, :math:`N\log^4 N/d_0 <. d_1`, is therefore *equivalent* to
  :math:`N/d_0 <. d_1`; the :math:`\log^4 N` in it only matters through the exact inequality
  :math:`d_0 d_1 > N\log^4 N` that the proofs use (see :mod:`.derivations`).
* Sub-polynomial factors are invisible: :math:`d_0 = N e^{\sqrt{\log N}}` satisfies
  :math:`d_0 \le. N` although :math:`d_0/N \to \infty`.
* For exponentially small quantities the order of the *exponents* is compared: the paper writes
  :math:`V \le. e^{-F}` for ":math:`F \le. -\log V`" (see :func:`exp_neg_dot_leq`).  So
  :math:`e^{-N/100}` and :math:`e^{-N}` have the same order, and constants such as
  :math:`\gamma_\epsilon` do not affect the truth of the statements, only their finite-:math:`N` values.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.calculus.accumulationbounds import AccumBounds

from .growth import as_growth_law

__all__ = [
    "UndecidedLimit",
    "limit_at_infinity",
    "leading_order_ratio",
    "dot_less",
    "dot_leq",
    "dot_eq",
    "exp_neg_dot_leq",
]


class UndecidedLimit(ArithmeticError):
    """SymPy could not decide a limit (or a comparison with it); nothing is guessed."""


_n = sp.Dummy("n", positive=True)


def _show(e: Any) -> str:
    """An expression for an error message, with the internal growth variable shown as ``n``."""
    return str(e.xreplace({_n: sp.Symbol("n")})) if isinstance(e, sp.Basic) else str(e)


def _prepare(expr: Any, n: sp.Symbol, name: str) -> sp.Expr:
    """Check the input, make exponents exact (0.75 -> 3/4) and put the growth variable on a positive dummy."""
    if not isinstance(n, sp.Symbol):
        raise TypeError(f"n must be a SymPy Symbol (the growth variable); got {type(n).__name__}")
    return as_growth_law(expr, n, name=name).xreplace({n: _n})


def limit_at_infinity(expr: Any, n: sp.Symbol) -> sp.Expr:
    r"""Return :math:`\lim_{n\to\infty}` ``expr`` as a SymPy value, or raise :class:`UndecidedLimit`.

    The value may be finite, ``oo``, ``-oo``, or an expression in other symbols (e.g. a symbolic
    exponent).  An unevaluated ``Limit``, an accumulation interval (an oscillating expression) or
    ``nan`` means SymPy could not decide, and raises.  ``expr`` is read as by
    :func:`leading_order_ratio` (a str goes through the whitelist parser).

    Parameters
    ----------
    expr : SymPy expression in ``n``, real number, or str
        The expression whose limit is taken; real for :math:`n > 0`.  Floating exponents are made
        exact; a ``str`` is parsed by the whitelist of :func:`.growth.parse_growth_law` (never by
        ``sympify``), its ``n`` being this ``n``.
    n : sympy.Symbol
        The variable that tends to infinity (its assumptions do not matter: it is taken positive).

    Returns
    -------
    sympy.Expr
        The limit: a number, ``oo``, ``-oo``, or an expression in symbols other than ``n``.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``expr`` is neither a SymPy expression, a real number nor a str.
    ValueError
        If ``expr`` is complex for ``n > 0``, not finite (a float NaN or infinity), or a str refused by
        the parser (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide the limit.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> limit_at_infinity(sp.log(n) / n, n)
    0
    """
    e = _prepare(expr, n, "expr")
    try:
        value = sp.limit(e, _n, sp.oo)
    except (NotImplementedError, sp.PoleError, ValueError, TypeError) as exc:
        raise UndecidedLimit(
            f"SymPy cannot compute the limit of {_show(e)} as n -> oo ({exc})"
        ) from exc
    if value.has(sp.Limit) or value.has(AccumBounds) or value is sp.nan or value.has(sp.nan):
        raise UndecidedLimit(
            f"SymPy found no definite limit of {_show(e)} as n -> oo (got {_show(value)})"
        )
    if value.has(_n):
        raise UndecidedLimit(
            f"SymPy left the growth variable in the limit of {_show(e)}: {_show(value)}"
        )
    return value


def leading_order_ratio(g: Any, h: Any, n: sp.Symbol) -> sp.Expr:
    r"""Return :math:`\lim_{n\to\infty} \log g(n) / \log h(n)`.

    This is the quantity the paper's order compares with 1: :math:`g <. h` iff it is :math:`< 1`.

    Parameters
    ----------
    g, h : SymPy expression in ``n``, real number, or str
        Positive for large ``n``; ``h`` must tend to infinity (the order is defined for such
        functions).  Floating exponents are made exact (``n**0.75`` becomes ``n**(3/4)``).  A ``str``
        is parsed by the whitelist of :func:`.growth.parse_growth_law` (never by ``sympify``), its ``n``
        being this ``n``; a symbol named like ``n`` in a SymPy expression is ``n`` too.
    n : sympy.Symbol
        The growth variable (its assumptions do not matter: it is taken positive).

    Returns
    -------
    sympy.Expr
        The limit: a number, ``oo``/``-oo``, or an expression in other symbols.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``g`` or ``h`` is neither a SymPy expression, a real number nor a str.
    ValueError
        If ``h`` does not tend to infinity, ``g`` tends to a negative limit, ``g`` or ``h`` is complex
        for ``n > 0``, or a str is refused by the parser (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide one of the limits.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> leading_order_ratio(n * sp.log(n)**4, n, n)
    1
    >>> leading_order_ratio(sp.sqrt(n), n**sp.Rational(3, 4), n)
    2/3
    """
    ge, he = _prepare(g, n, "g"), _prepare(h, n, "h")
    h_lim = limit_at_infinity(he, _n)
    if h_lim != sp.oo:
        raise ValueError(
            f"h must tend to infinity for the order <. to be defined; lim {h} = {h_lim}"
        )
    g_lim = limit_at_infinity(ge, _n)
    if g_lim.is_extended_negative:
        raise ValueError(f"g must be positive for large {n} (log g is taken); lim {g} = {g_lim}")
    log_g = sp.expand_log(sp.log(ge), force=True)
    log_h = sp.expand_log(sp.log(he), force=True)
    return limit_at_infinity(log_g / log_h, _n)


def _decide(relation: sp.Basic, what: str) -> bool:
    if relation is sp.true or relation is True:
        return True
    if relation is sp.false or relation is False:
        return False
    raise UndecidedLimit(f"cannot decide {what}: SymPy leaves {relation}")


def dot_less(g: Any, h: Any, n: sp.Symbol) -> bool:
    r""":math:`g <. h`: the leading-order ratio is :math:`< 1` (strictly lower order).

    That is, :math:`\lim_{n\to\infty} \log g(n)/\log h(n) < 1` (:func:`leading_order_ratio`).

    Parameters
    ----------
    g, h : SymPy expression in ``n``, real number, or str
        Positive for large ``n``; ``h`` must tend to infinity.  Read as by :func:`leading_order_ratio`
        (a ``str`` goes through the whitelist parser, floating exponents are made exact).
    n : sympy.Symbol
        The growth variable.

    Returns
    -------
    bool
        True iff the ratio is :math:`< 1`; False iff it is :math:`\ge 1`.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``g`` or ``h`` is neither a SymPy expression, a real number nor a str.
    ValueError
        If ``h`` does not tend to infinity, ``g`` tends to a negative limit, ``g`` or ``h`` is complex
        for ``n > 0``, or a str is refused by the parser (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit, or whether the ratio is :math:`< 1` (it depends on another symbol).

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> dot_less(sp.sqrt(n), n, n), dot_less(5 * n, n, n)
    (True, False)
    """
    r = leading_order_ratio(g, h, n)
    return _decide(sp.Lt(r, 1), f"{g} <. {h} (ratio {r})")


def dot_leq(g: Any, h: Any, n: sp.Symbol) -> bool:
    r""":math:`g \le. h`: the leading-order ratio is :math:`\le 1`.

    That is, :math:`\lim_{n\to\infty} \log g(n)/\log h(n) \le 1` (:func:`leading_order_ratio`).

    Parameters
    ----------
    g, h : SymPy expression in ``n``, real number, or str
        Positive for large ``n``; ``h`` must tend to infinity.  Read as by :func:`leading_order_ratio`
        (a ``str`` goes through the whitelist parser, floating exponents are made exact).
    n : sympy.Symbol
        The growth variable.

    Returns
    -------
    bool
        True iff the ratio is :math:`\le 1`; False iff it is :math:`> 1`.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``g`` or ``h`` is neither a SymPy expression, a real number nor a str.
    ValueError
        If ``h`` does not tend to infinity, ``g`` tends to a negative limit, ``g`` or ``h`` is complex
        for ``n > 0``, or a str is refused by the parser (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit, or whether the ratio is :math:`\le 1` (it depends on another symbol).

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> dot_leq(5 * n, n, n), dot_leq(n**2, n, n)
    (True, False)
    """
    r = leading_order_ratio(g, h, n)
    return _decide(sp.Le(r, 1), f"{g} <=. {h} (ratio {r})")


def dot_eq(g: Any, h: Any, n: sp.Symbol) -> bool:
    r""":math:`g =. h`: the leading-order ratio is exactly 1.

    That is, :math:`\lim_{n\to\infty} \log g(n)/\log h(n) = 1` (:func:`leading_order_ratio`): constant
    and polylogarithmic factors are invisible.

    Parameters
    ----------
    g, h : SymPy expression in ``n``, real number, or str
        Positive for large ``n``; ``h`` must tend to infinity.  Read as by :func:`leading_order_ratio`
        (a ``str`` goes through the whitelist parser, floating exponents are made exact).
    n : sympy.Symbol
        The growth variable.

    Returns
    -------
    bool
        True iff the ratio is exactly 1.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``g`` or ``h`` is neither a SymPy expression, a real number nor a str.
    ValueError
        If ``h`` does not tend to infinity, ``g`` tends to a negative limit, ``g`` or ``h`` is complex
        for ``n > 0``, or a str is refused by the parser (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit, or whether the ratio equals 1 (it depends on another symbol).

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> dot_eq(n * sp.log(n)**4, n, n)
    True
    """
    r = leading_order_ratio(g, h, n)
    return _decide(sp.Eq(r, 1), f"{g} =. {h} (ratio {r})")


def exp_neg_dot_leq(f: Any, F: Any, n: sp.Symbol) -> bool:
    r"""Decide :math:`e^{-f} \le. e^{-F}` for exponents :math:`f, F \to \infty`.

    The paper's reading of an exponentially small bound (CLAIMS.md, "Asymptotic order"): the decay
    exponents are compared, :math:`e^{-f} \le. e^{-F} \iff F \le. f`.  (Applying the definition to
    :math:`e^{-f}` and :math:`e^{-F}` themselves would divide by :math:`\log e^{-F} < 0` and reverse
    the meaning.)

    Parameters
    ----------
    f, F : SymPy expression in ``n``, real number, or str
        The decay exponents of :math:`e^{-f}` and :math:`e^{-F}`; ``f`` must tend to infinity and
        ``F`` be positive for large ``n``.  Read as by :func:`leading_order_ratio` (a ``str`` goes
        through the whitelist parser, floating exponents are made exact).
    n : sympy.Symbol
        The growth variable.

    Returns
    -------
    bool
        True iff :math:`F \le. f`, i.e. :math:`\lim \log F/\log f \le 1`.

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``f`` or ``F`` is neither a SymPy expression, a real number nor a str.
    ValueError
        If ``f`` does not tend to infinity, ``F`` tends to a negative limit, ``f`` or ``F`` is complex
        for ``n > 0``, or a str is refused by the parser (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit, or the comparison with 1.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> exp_neg_dot_leq(n**2, n * sp.log(n), n)
    True
    """
    return dot_leq(F, f, n)
