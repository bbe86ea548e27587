r"""Theorem 10, symbolically: its exponent composed from Theorems 6 and 9, the second inequality from
A4, and the size from which the composed bound is informative.

The derivations: ``docs/methods/theorem10.md``.

References
----------
.. [1] D. Soudry and E. Hoffer, "Exponentially vanishing sub-optimal local minima in multilayer neural
   networks", arXiv:1702.05777, 2017.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .. import _validate, bounds
from ..asymptotics import dot_eq, exp_neg_dot_leq, leading_order_ratio, limit_at_infinity
from .common import (
    FAMILY_D0,
    FAMILY_D1,
    Derivation,
    is_zero,
    scaling_law,
    shipped,
    theorem6_exponent,
)

__all__ = [
    "theorem10_second_inequality_from_A4",
    "theorem10_from_theorems_6_and_9",
    "theorem10_nonvacuous_log_n",
]


def theorem10_second_inequality_from_A4() -> Derivation:
    r"""Theorem 10's second inequality from A4.

    :math:`e^{-\gamma N^{3/4}(d_0d_1)^{1/4}} \le e^{-\gamma N\log N}` whenever
    :math:`d_0 d_1 \ge N\log^4 N` and :math:`N > 1`, with both exponents read from the shipped formulas
    (:data:`.bounds.THEOREM6_LOG_EXPR`, :data:`.bounds.THEOREM10_SECOND_LOG_EXPR`); and in the paper's
    order (:mod:`.asymptotics`) at the boundary :math:`d_0 d_1 = N\log^4 N`.

    Returns
    -------
    Derivation
        ``holds`` is True iff the difference is zero at :math:`s = 0` and increasing in :math:`s`,
        and the order-sense comparison holds; ``steps`` record the SymPy results.

    Notes
    -----
    With :math:`d_0 d_1 = N\log^4 N\,(1+s)`, :math:`s \ge 0`, the difference of the exponents is
    :math:`\gamma N\log N\,((1+s)^{1/4} - 1) \ge 0` (Theorem 10 of Soudry & Hoffer (2017), its
    second inequality); derivation in ``docs/methods/theorem10.md``.
    """
    N, s = bounds.N, sp.Symbol("s", nonnegative=True)
    L = sp.Symbol("L", positive=True)  # log N > 0 for N > 1
    # both exponents read from the shipped formulas: Theorem 6's F and the second bound gamma N log N
    F = theorem6_exponent().subs(bounds.d1, N * L**4 * (1 + s) / bounds.d0)  # d0 d1 = N L^4 (1 + s)
    G = -shipped(bounds.THEOREM10_SECOND_LOG_EXPR).subs(sp.log(N), L)
    difference = sp.powsimp(sp.expand_power_base(F - G, force=True), force=True)
    factored = sp.factor(difference)
    nonneg = sp.simplify(factored.subs(s, 0)) == 0 and bool(sp.diff(difference, s).is_positive)
    boundary_F = theorem6_exponent().subs(bounds.d1, N * sp.log(N) ** 4 / bounds.d0)
    boundary_G = -shipped(bounds.THEOREM10_SECOND_LOG_EXPR)
    order_ok = exp_neg_dot_leq(boundary_F, boundary_G, N)
    ratio = leading_order_ratio(boundary_G, boundary_F, N)
    steps = (
        f"F - gamma N log N with d0 d1 = N L^4 (1+s) (F from theorem6_log_bound): {factored}  (L = log N > 0, s >= 0)",
        f"equals 0 at s = 0 and increases in s: {bool(nonneg)}",
        f"order sense at d0 d1 = N log^4 N: lim log(gamma N log N) / log(F) = {ratio} <= 1: {order_ok}",
    )
    return Derivation(
        "theorem10_second_inequality_from_A4",
        "T10",
        "d0 d1 >= N log^4 N (A4) implies N^(3/4)(d0 d1)^(1/4) >= N log N, hence "
        "exp(-gamma N^(3/4)(d0 d1)^(1/4)) <= exp(-gamma N log N)",
        bool(nonneg) and order_ok,
        steps,
    )


def theorem10_from_theorems_6_and_9(
    d0_law: sp.Expr = FAMILY_D0, d1_law: sp.Expr = FAMILY_D1
) -> Derivation:
    r"""Theorem 10's exponent from Theorems 6 and 9, along a scaling family.

    Checks that :func:`.bounds.theorem10_log_bound` is Theorem 6's log bound minus Theorem 9's (with
    :math:`d_1^* = 2N/d_0`), :math:`-\gamma N^{3/4}(d_0d_1)^{1/4} + 2N\log N`, and that along the family
    the :math:`2N\log N` term is of lower order.

    Parameters
    ----------
    d0_law, d1_law : SymPy expression in ``bounds.N``, real number, or str
        Scaling laws :math:`d_0(N)` and :math:`d_1(N)` of the family, in the symbol
        :data:`.bounds.N` (a symbol named ``N`` is taken as it); real for :math:`N > 0`, and meant to
        satisfy A2-A4 (the default family :math:`d_0 = N^{3/4}`, :math:`d_1 = N^{1/3}` does).  A
        ``str`` is parsed by the whitelist of :func:`.growth.parse_growth_law` (never by ``sympify``);
        floating exponents are made exact.

    Returns
    -------
    Derivation
        ``holds`` is True iff :func:`.bounds.theorem10_log_bound` on the family is Theorem 6's log
        bound minus Theorem 9's, the ratio of the composed exponent to Theorem 6's tends to 1, and
        the two are :math:`=.`.

    Raises
    ------
    TypeError
        If a law is neither a SymPy expression, a real number nor a str.
    ValueError
        If a law depends on a symbol other than :math:`N`, is complex for :math:`N > 0`, or is text
        the parser refuses (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit along the family (see :mod:`.asymptotics`).

    Notes
    -----
    Under A4 the ratio of the composed exponent to Theorem 6's tends to 1, a statement stronger than
    the paper's :math:`=.` (Theorem 10 of Soudry & Hoffer (2017)); derivation in
    ``docs/methods/theorem10.md``.
    """
    d0_law, d1_law = scaling_law("d0_law", d0_law), scaling_law("d1_law", d1_law)
    N = bounds.N
    family = {bounds.d0: d0_law, bounds.d1: d1_law}
    t6 = shipped(bounds.THEOREM6_LOG_EXPR).subs(
        family
    )  # log of Theorem 6's bound (shipped formula)
    t9 = bounds.THEOREM9_LOG_EXPR.subs(bounds.d1s, 2 * N / bounds.d0).subs(
        family
    )  # log of Theorem 9's, d1* = 2N/d0
    composed = (
        t6 - t9
    )  # log(V(L_eps)/V(G)) <= log E V(L_eps) - log V(G), with Markov's 1/delta dropped
    composed_bounds = shipped(bounds.THEOREM10_LOG_EXPR).subs(family)
    same_formula = is_zero(composed_bounds - composed)
    ratio = limit_at_infinity(composed / t6, N)
    order = dot_eq(-composed, -t6, N)
    steps = (
        f"theorem10_log_bound on the family equals theorem6_log_bound - theorem9_log_bound(d1* = 2N/d0) = "
        f"{sp.simplify(composed)}: {same_formula}",
        f"lim (composed exponent) / (Theorem 6 exponent) = {ratio} (must be 1: the T9 term is of lower order)",
        f"composed exponent =. Theorem 6 exponent: {order}",
    )
    return Derivation(
        "theorem10_from_theorems_6_and_9",
        "T10",
        f"along d0 = {d0_law}, d1 = {d1_law}: -gamma N^(3/4)(d0 d1)^(1/4) + 2 N log N ~ -gamma N^(3/4)(d0 d1)^(1/4)",
        same_formula and ratio == 1 and order,
        steps,
    )


def theorem10_nonvacuous_log_n(a0: sp.Rational, a1: sp.Rational, gamma: float) -> mpmath.mpf:
    r"""Smallest :math:`\log N` from which the composed Theorem 10 exponent is negative on a power family.

    For :math:`d_0 = N^{a_0}`, :math:`d_1 = N^{a_1}` the composed exponent
    :math:`-\gamma N^{3/4}(d_0d_1)^{1/4} + 2N\log N` is negative iff :math:`\gamma N^{p-1} > 2\log N`,
    :math:`p = 3/4 + (a_0 + a_1)/4`; the threshold is found in log space (:math:`N` itself overflows
    doubles).

    Parameters
    ----------
    a0, a1 : sympy.Rational, int or float
        Exponents of the family :math:`d_0 = N^{a_0}`, :math:`d_1 = N^{a_1}`, with
        :math:`a_0 + a_1 > 1`; read exactly by :class:`sympy.Rational` (a float by its binary value).
    gamma : float
        The exponent constant :math:`\gamma_\epsilon` (:func:`.bounds.gamma_eps`): a finite real number
        :math:`> 0`.

    Returns
    -------
    mpmath.mpf
        The threshold :math:`x^* = \log N^*` (natural log); the bound is informative for
        :math:`N > e^{x^*}`.

    Raises
    ------
    TypeError
        If ``gamma`` is not a real number (a boolean, a str, a complex number), or ``a0`` or ``a1``
        cannot be read as a rational number.
    ValueError
        If :math:`a_0 + a_1 \le 1`, or ``gamma`` is not a finite number :math:`> 0`.

    Notes
    -----
    With :math:`x = \log N` and :math:`q = p - 1 > 0` the condition is
    :math:`f(x) = qx - \log(2x/\gamma) > 0`; :math:`f` is convex with its minimum at :math:`x = 1/q`,
    so it crosses zero at most once beyond it (``docs/methods/theorem10.md``).

    Examples
    --------
    >>> import sympy as sp
    >>> round(float(theorem10_nonvacuous_log_n(sp.Rational(3, 4), sp.Rational(1, 3), 0.137)), 1)
    418.4
    """
    p = sp.Rational(3, 4) + (sp.Rational(a0) + sp.Rational(a1)) / 4
    if p <= 1:
        raise ValueError(
            f"a0 + a1 must exceed 1 for the composed exponent ever to be negative; got {a0 + a1}"
        )
    _validate.kind_of(gamma, "gamma")
    _validate.require_finite("gamma", gamma)
    _validate.check_rule("gamma", gamma, _validate.POSITIVE)
    q = mpmath.mpf(p.p) / p.q - 1
    g = mpmath.mpf(gamma)
    f = lambda x: q * x - mpmath.log(2 * x / g)  # noqa: E731 - convex in x: one crossing beyond its minimum
    x_min = 1 / q  # f' = q - 1/x vanishes here
    if f(x_min) > 0:
        return mpmath.mpf(0)
    hi = 2 * x_min
    while f(hi) <= 0:
        hi *= 2
    return mpmath.findroot(f, (x_min, hi), solver="anderson")
