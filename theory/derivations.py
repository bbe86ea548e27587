r"""Symbolic derivations that link the paper's statements, each checked by SymPy.

Every function returns a :class:`Derivation`: what is claimed, whether SymPy confirmed it
(``holds``), and the steps with the SymPy results that decided it.  Some derivations also record
*findings*: places where a commonly quoted form of a step is wrong and the corrected form holds.

=========================================  =====================================================
function                                   what it derives
=========================================  =====================================================
:func:`theorem10_second_inequality_from_A4` :math:`e^{-\gamma N^{3/4}(d_0d_1)^{1/4}} \le e^{-\gamma N\log N}`
:func:`theorem9_second_inequality`          :math:`e^{-d_1^* d_0\log N} = e^{-2N\log N}` for :math:`d_1^* = 2N/d_0`
:func:`d1_star_times_d0`                    :math:`d_1^* d_0 = 2N + O(N/d_0 + d_0)` for Theorem 8's width
:func:`theorem10_from_theorems_6_and_9`     the composed exponent has Theorem 6's leading order
:func:`corollary7_from_theorem6`            Markov's inequality, and :math:`1/\delta` is of lower order
:func:`theorem9_delta_vanishes`             :math:`\delta \to 0` under A2-A3
:func:`mse_gradient_in_region`              :math:`\nabla_W\mathrm{MSE}` in a region, through :math:`(A\circ X)e`
:func:`gram_identity`                       K1: :math:`(A\circ X)^\top(B\circ Y) = (A^\top B)\odot(X^\top Y)`
=========================================  =====================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from . import _validate, bounds
from .assumptions import check
from .asymptotics import dot_eq, exp_neg_dot_leq, leading_order_ratio, limit_at_infinity
from .growth import as_growth_law

__all__ = [
    "Derivation",
    "theorem10_second_inequality_from_A4",
    "theorem9_second_inequality",
    "d1_star_times_d0",
    "theorem10_from_theorems_6_and_9",
    "theorem10_nonvacuous_log_n",
    "corollary7_from_theorem6",
    "theorem9_delta_vanishes",
    "mse_gradient_in_region",
    "gram_identity",
    "khatri_rao_symbolic",
    "section6_reduced_width",
    "ALL_DERIVATIONS",
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


def _law(name: str, law: Any) -> sp.Expr:
    """A scaling law in :data:`.bounds.N`: read by :func:`.growth.as_growth_law` (a str by the whitelist
    parser, never by ``sympify``, which the substitutions below would otherwise apply to it), in
    :math:`N` only."""
    e = as_growth_law(law, bounds.N, name=name)
    extra = e.free_symbols - {bounds.N}
    if extra:
        raise ValueError(f"{name} may depend on N only; it also has {sorted(map(str, extra))}")
    return e


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


# A scaling family that satisfies A2-A4 (checked in the tests with assumptions.check).
FAMILY_D0 = bounds.N ** sp.Rational(3, 4)
FAMILY_D1 = bounds.N ** sp.Rational(1, 3)

#: gamma_eps as a plain positive symbol, so that the exponents are read off the shipped formulas.
GAMMA = sp.Symbol("gamma", positive=True)


def _shipped(expr: sp.Expr) -> sp.Expr:
    """A formula of :mod:`.bounds` with gamma_eps's Piecewise replaced by the positive symbol GAMMA.

    Every derivation reads the exponents from here, so a change to a bound's formula changes the
    derivation's outcome (one source of truth; see the mutation tests)."""
    return expr.xreplace({bounds.GAMMA_EPS_EXPR: GAMMA})


def theorem6_exponent() -> sp.Expr:
    r"""Theorem 6's decay exponent :math:`F = -\log(\text{bound})` from :data:`.bounds.THEOREM6_LOG_EXPR`."""
    return -_shipped(bounds.THEOREM6_LOG_EXPR)


def theorem10_second_inequality_from_A4() -> Derivation:
    r"""Theorem 10's second inequality from A4.

    Exactly: if :math:`d_0 d_1 \ge N\log^4 N` and :math:`N > 1` then
    :math:`N^{3/4}(d_0d_1)^{1/4} \ge N\log N`, so :math:`e^{-\gamma N^{3/4}(d_0d_1)^{1/4}} \le e^{-\gamma N\log N}`.
    Write :math:`d_0 d_1 = N\log^4 N\,(1+s)`, :math:`s \ge 0`; the difference is
    :math:`N\log N\,((1+s)^{1/4} - 1) \ge 0`.  In the paper's order (:mod:`.asymptotics`) the same holds
    at the boundary :math:`d_0 d_1 = N\log^4 N` with ratio exactly 1.

    Returns
    -------
    Derivation
        ``holds`` is True iff the difference is zero at :math:`s = 0` and increasing in :math:`s`,
        and the order-sense comparison holds; ``steps`` record the SymPy results.
    """
    N, s = bounds.N, sp.Symbol("s", nonnegative=True)
    L = sp.Symbol("L", positive=True)  # log N > 0 for N > 1
    # both exponents read from the shipped formulas: Theorem 6's F and the second bound gamma N log N
    F = theorem6_exponent().subs(bounds.d1, N * L**4 * (1 + s) / bounds.d0)  # d0 d1 = N L^4 (1 + s)
    G = -_shipped(bounds.THEOREM10_SECOND_LOG_EXPR).subs(sp.log(N), L)
    difference = sp.powsimp(sp.expand_power_base(F - G, force=True), force=True)
    factored = sp.factor(difference)
    nonneg = sp.simplify(factored.subs(s, 0)) == 0 and bool(sp.diff(difference, s).is_positive)
    boundary_F = theorem6_exponent().subs(bounds.d1, N * sp.log(N) ** 4 / bounds.d0)
    boundary_G = -_shipped(bounds.THEOREM10_SECOND_LOG_EXPR)
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


def theorem9_second_inequality() -> Derivation:
    r"""Theorem 9's second inequality: with :math:`d_1^* = 2N/d_0`, :math:`d_1^* d_0 \log N = 2N\log N` exactly.

    With Theorem 8's integer width :math:`d_1^* = 4\lceil N/(2d_0-2)\rceil` instead, the exponent is
    *larger* than :math:`2N\log N` at every finite size (so the finite-N inequality reverses), and the
    second inequality holds only in the paper's order sense (see :func:`d1_star_times_d0`).

    Returns
    -------
    Derivation
        ``holds`` is True iff :math:`d_1^* d_0 \log N = 2N\log N` exactly for :math:`d_1^* = 2N/d_0`
        and both sides of the ceiling's sandwich are :math:`=.` to :math:`2N\log N` for the integer
        width along :math:`d_0 = N^{51/100}, N^{3/4}, N`; ``findings`` records the reversal at
        finite :math:`N` for the integer width.
    """
    N, d0 = bounds.N, bounds.d0
    with_real = bounds.THEOREM9_LOG_EXPR.subs(bounds.d1s, 2 * N / d0)
    exact = _is_zero(with_real + 2 * N * sp.log(N))
    # order sense for the integer width, along A3's extremes d0 = N^(51/100) and d0 = N
    order = []
    for law in (N ** sp.Rational(51, 100), FAMILY_D0, N):
        width = bounds.D1_STAR_EXPR.subs(d0, law)  # Theorem 8's integer width, from its one formula
        width_exponent = width * law * sp.log(N)
        lo = width.replace(sp.ceiling, lambda x: x) * law * sp.log(N)  # ceil(x) >= x
        hi = width.replace(sp.ceiling, lambda x: x + 1) * law * sp.log(N)  # ceil(x) < x + 1
        order.append(
            (
                law,
                dot_eq(lo, 2 * N * sp.log(N), N),
                dot_eq(hi, 2 * N * sp.log(N), N),
                width_exponent,
            )
        )
    order_ok = all(a and b for _, a, b, _ in order)
    steps = (
        f"-d1* d0 log N with d1* = 2N/d0 is {with_real}; equals -2 N log N: {exact}",
        *(
            f"d0 = {law}: 2N d0/(d0-1) log N =. 2N log N: {a}; (2N d0/(d0-1) + 4 d0) log N =. 2N log N: {b}"
            for law, a, b, _ in order
        ),
    )
    findings = (
        "With Theorem 8's integer width d1* = 4 ceil(N/(2 d0 - 2)), d1* d0 >= 2N d0/(d0-1) > 2N, so "
        "exp(-d1* d0 log N) < exp(-2N log N) at every finite N: the second inequality of Theorem 9 is "
        "exact only for the real width 2N/d0, and holds in the order sense (=.) for the integer width.",
    )
    return Derivation(
        "theorem9_second_inequality",
        "T9",
        "exp(-d1* d0 log N) >= exp(-2 N log N) for d1* = 2N/d0 (equality)",
        exact and order_ok,
        steps,
        findings,
    )


def d1_star_times_d0() -> Derivation:
    r"""Theorem 8's width times :math:`d_0`: :math:`d_1^* d_0 = 2N + O(N/d_0 + d_0)`.

    From :math:`x \le \lceil x\rceil < x + 1` with :math:`x = N/(2d_0-2)`:

    .. math:: \frac{2N d_0}{d_0-1} \le d_1^* d_0 < \frac{2N d_0}{d_0 - 1} + 4 d_0,
        \qquad \frac{2N d_0}{d_0-1} = 2N + \frac{2N}{d_0-1}.

    So :math:`0 < d_1^* d_0 - 2N < 2N/(d_0-1) + 4d_0 \le 4N/d_0 + 4d_0` for :math:`d_0 \ge 2`.  The
    shorter form :math:`2N + O(N/d_0)` is *false* when :math:`d_0 \gg \sqrt N` (which A3 requires):
    at :math:`d_0 = N` the width is 4 and :math:`d_1^* d_0 - 2N = 2N`.

    Returns
    -------
    Derivation
        ``holds`` is True iff the sandwich is confirmed symbolically, the exact integers stay inside
        it, and the short form :math:`2N + O(N/d_0)` fails at :math:`d_0 = N`; ``findings`` records
        that failure.
    """
    N, d0 = bounds.N, bounds.d0
    theta = sp.Symbol("theta", nonnegative=True)  # ceil(x) = x + theta, 0 <= theta < 1
    product = (
        bounds.D1_STAR_EXPR.replace(sp.ceiling, lambda x: x + theta) * d0
    )  # the shipped d1* formula
    excess = sp.simplify(product - 2 * N)
    lower = sp.simplify(excess.subs(theta, 0) - 2 * N / (d0 - 1))
    upper = sp.simplify(excess.subs(theta, 1) - (2 * N / (d0 - 1) + 4 * d0))
    monotone = _is_zero(sp.diff(excess, theta) - 4 * d0)
    # 2N/(d0-1) <= 4N/d0 for d0 >= 2
    second = sp.factor(4 * N / d0 - 2 * N / (d0 - 1))
    sandwich = lower == 0 and upper == 0 and bool(monotone)
    # the O(N/d0) form, tested with exact integers along d0 = N and d0 = N^(3/4)
    rows = []
    for n in (10**3, 10**4, 10**5, 10**6):
        for law, d in (("N", n), ("N^(3/4)", round(n**0.75))):
            excess_int = bounds.d1_star(n, d) * d - 2 * n
            rows.append(
                (
                    n,
                    law,
                    d,
                    excess_int,
                    sp.Rational(excess_int * d, n),
                    excess_int / (sp.Rational(n, d) + d),
                )
            )
    grows = [r for r in rows if r[1] == "N"]
    # at d0 = N the excess is exactly 2N, so excess / (N/d0) = 2N is unbounded
    short_form_fails = all(r[3] == 2 * r[0] for r in grows)
    bounded = max(r[5] for r in rows) < 4  # the sandwich: excess < 4N/d0 + 4 d0
    steps = (
        f"d1* d0 - 2N = {excess}  with ceil(x) = x + theta, 0 <= theta < 1",
        f"at theta = 0 it is 2N/(d0-1); at theta = 1 it is 2N/(d0-1) + 4 d0; slope in theta 4 d0 > 0: {sandwich}",
        f"4N/d0 - 2N/(d0-1) = {second} >= 0 for d0 >= 2",
        "exact integers (N, law, d0, d1* d0 - 2N, (d1* d0 - 2N)/(N/d0), (d1* d0 - 2N)/(N/d0 + d0)): "
        + "; ".join(
            f"({r[0]}, {r[1]}, {r[2]}, {r[3]}, {float(r[4]):.4g}, {float(r[5]):.4g})" for r in rows
        ),
    )
    findings = (
        "d1* d0 = 2N + O(N/d0) is false under A3: at d0 = N, d1* = 4 and d1* d0 - 2N = 2N exactly "
        f"(measured for N = 1e3..1e6: {[r[3] for r in grows]}); the correct error term is O(N/d0 + d0).",
    )
    return Derivation(
        "d1_star_times_d0",
        "T8",
        "2N d0/(d0-1) <= d1* d0 < 2N d0/(d0-1) + 4 d0, hence d1* d0 = 2N + O(N/d0 + d0) and d1* d0 =. N",
        sandwich and bounded and short_form_fails,
        steps,
        findings,
    )


def theorem10_from_theorems_6_and_9(
    d0_law: sp.Expr = FAMILY_D0, d1_law: sp.Expr = FAMILY_D1
) -> Derivation:
    r"""Theorem 10's exponent from Theorems 6 and 9, along a scaling family.

    :math:`\log(V(L_\epsilon)/V(G)) \lesssim -\gamma N^{3/4}(d_0d_1)^{1/4} + 2N\log N` (Theorem 6's bound
    divided by Theorem 9's).  Under A4 the second term is of lower order: the ratio of the composed
    exponent to Theorem 6's tends to 1 (a statement stronger than the paper's :math:`=.`).  The
    default family :math:`d_0 = N^{3/4}, d_1 = N^{1/3}` satisfies A2-A4.

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
    """
    d0_law, d1_law = _law("d0_law", d0_law), _law("d1_law", d1_law)
    N = bounds.N
    family = {bounds.d0: d0_law, bounds.d1: d1_law}
    t6 = _shipped(bounds.THEOREM6_LOG_EXPR).subs(
        family
    )  # log of Theorem 6's bound (shipped formula)
    t9 = bounds.THEOREM9_LOG_EXPR.subs(bounds.d1s, 2 * N / bounds.d0).subs(
        family
    )  # log of Theorem 9's, d1* = 2N/d0
    composed = (
        t6 - t9
    )  # log(V(L_eps)/V(G)) <= log E V(L_eps) - log V(G), with Markov's 1/delta dropped
    composed_bounds = _shipped(bounds.THEOREM10_LOG_EXPR).subs(family)
    same_formula = _is_zero(composed_bounds - composed)
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
    :math:`-\gamma N^{3/4}(d_0d_1)^{1/4} + 2N\log N` is negative iff
    :math:`\gamma N^{p-1} > 2\log N` with :math:`p = 3/4 + (a_0 + a_1)/4`; with :math:`x = \log N`
    that is :math:`(p - 1)x > \log(2x/\gamma)`, solved here in log space (N itself overflows doubles).
    Requires :math:`p > 1`, i.e. :math:`a_0 + a_1 > 1`.

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
    f = lambda x: q * x - mpmath.log(2 * x / g)  # noqa: E731 - concave in x: one crossing beyond its minimum
    x_min = 1 / q  # f' = q - 1/x vanishes here
    if f(x_min) > 0:
        return mpmath.mpf(0)
    hi = 2 * x_min
    while f(hi) <= 0:
        hi *= 2
    return mpmath.findroot(f, (x_min, hi), solver="anderson")


def corollary7_from_theorem6(
    d0_law: sp.Expr = FAMILY_D0, d1_law: sp.Expr = FAMILY_D1
) -> Derivation:
    r"""Corollary 7 from Theorem 6: Markov's inequality, the shipped formula, and the order of :math:`1/\delta`.

    Markov: for :math:`V \ge 0`, :math:`\mathbb{E}V \ge \mathbb{E}[V\,1\{V \ge t\}] \ge t\,\mathbb{P}(V\ge t)`;
    with :math:`t = \mathbb{E}V/\delta`, :math:`\mathbb{P}(V \ge \mathbb{E}V/\delta) \le \delta`.  SymPy checks
    it exactly on the family :math:`V \sim \mathrm{Uniform}(0, b)` for every :math:`\delta\in(0,1)`.  Then
    :math:`\log V \le \log\mathbb E V + \log(1/\delta)` with probability :math:`\ge 1-\delta`, so
    :data:`.bounds.COROLLARY7_LOG_EXPR` must equal :data:`.bounds.THEOREM6_LOG_EXPR` :math:`+ \log(1/\delta)`
    (checked on the shipped formulas, symbolically and at sizes evaluated through the public functions),
    and :math:`\log(1/\delta) - F =. -F` for Theorem 6's exponent :math:`F\to\infty` and a constant
    :math:`\delta`, so the corollary keeps Theorem 6's leading order.

    Parameters
    ----------
    d0_law, d1_law : SymPy expression in ``bounds.N``, real number, or str
        Scaling laws :math:`d_0(N)` and :math:`d_1(N)` of the family, in the symbol
        :data:`.bounds.N` (a symbol named ``N`` is taken as it); real for :math:`N > 0`, and meant to
        satisfy A2-A4, so that Theorem 6's exponent tends to infinity (the default family
        :math:`d_0 = N^{3/4}`, :math:`d_1 = N^{1/3}` does).  A ``str`` is parsed by the whitelist of
        :func:`.growth.parse_growth_law` (never by ``sympify``); floating exponents are made exact.

    Returns
    -------
    Derivation
        ``holds`` is True iff Markov's inequality is confirmed on the uniform family, the shipped
        formula and the public functions' values are Theorem 6's plus :math:`\log(1/\delta)`, and
        :math:`\log(1/\delta) - F =. -F` along the family.

    Raises
    ------
    TypeError
        If a law is neither a SymPy expression, a real number nor a str.
    ValueError
        If a law depends on a symbol other than :math:`N`, is complex for :math:`N > 0`, or is text
        the parser refuses (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit along the family (see :mod:`.asymptotics`).
    """
    d0_law, d1_law = _law("d0_law", d0_law), _law("d1_law", d1_law)
    b, u, v = (
        sp.Symbol("b", positive=True),
        sp.Symbol("u", positive=True),
        sp.Symbol("v", positive=True),
    )
    # V ~ Uniform(0, b): E V = b/2.  For delta <= 1/2 the threshold E V/delta >= b and the tail is 0.
    # For delta in (1/2, 1) write delta = 1/2 + u/2 with 0 < u < 1; the threshold t = E V/delta < b.
    dl = sp.Rational(1, 2) + u / 2
    mean = sp.integrate(v / b, (v, 0, b))
    t = mean / dl
    tail = sp.integrate(1 / b, (v, t, b))
    gap = sp.factor(sp.together(dl - tail))
    numerator, denominator = sp.fraction(gap)
    poly = sp.Poly(sp.expand(numerator), u)
    disc = sp.discriminant(poly)
    markov_ok = (
        poly.LC() > 0 and disc < 0 and bool(sp.ask(sp.Q.positive(denominator), sp.Q.positive(u)))
    )
    # the shipped formula is Theorem 6's plus log(1/delta)
    markov_term = sp.simplify(bounds.COROLLARY7_LOG_EXPR - bounds.THEOREM6_LOG_EXPR)
    formula_ok = _is_zero(markov_term - sp.log(1 / bounds.delta))
    # ... and so are the public functions' values (their compiled NumPy and mpmath backends)
    sizes = (
        (1e4, 100.0, 400.0, 0.1, 0.0, 0.01, 0.05),
        (1e6, 1e3, 1e4, 0.5, 0.2, 1e-3, 0.5),
        (64.0, 23.0, 4.0, 0.1, 0.0, 0.36, 0.9),
    )
    worst = 0.0
    for n, d0, d1, eps, rho, c, delta in sizes:
        c7 = bounds.corollary7_log_bound(n, d0, d1, eps, rho, c, delta)
        t6 = bounds.theorem6_log_bound(n, d0, d1, eps, rho, c)
        worst = max(worst, abs(c7 - (t6 - math.log(delta))) / max(abs(t6), abs(math.log(delta))))
        with mpmath.workdps(30):
            c7m = bounds.corollary7_log_bound(*map(mpmath.mpf, (n, d0, d1, eps, rho, c, delta)))
            t6m = bounds.theorem6_log_bound(*map(mpmath.mpf, (n, d0, d1, eps, rho, c)))
            worst = max(worst, float(abs(c7m - (t6m - mpmath.log(delta))) / abs(t6m)))
    values_ok = worst <= 1e-12
    N = bounds.N
    F = theorem6_exponent().subs({bounds.d0: d0_law, bounds.d1: d1_law})
    absorbed = dot_eq(F - sp.log(1 / bounds.delta), F, N)
    steps = (
        f"V ~ Uniform(0, b), E V = {mean}, delta = 1/2 + u/2 (0 < u < 1): delta - P(V >= E V / delta) = {gap}",
        f"its numerator has leading coefficient > 0 and discriminant {disc} < 0, denominator > 0: {markov_ok}",
        "(for delta <= 1/2 the threshold E V/delta >= b, so the tail probability is 0 <= delta)",
        f"corollary7_log_bound - theorem6_log_bound = {markov_term}; equals log(1/delta): {formula_ok}",
        f"the public functions agree with it at {len(sizes)} sizes (doubles and mpmath): max relative gap "
        f"{worst:.1e}: {values_ok}",
        f"F - log(1/delta) =. F along d0 = {d0_law}, d1 = {d1_law}: {absorbed}",
    )
    return Derivation(
        "corollary7_from_theorem6",
        "C7",
        "P(V >= E V / delta) <= delta (Markov), so log V <= theorem6_log_bound + log(1/delta) w.p. >= 1 - delta, "
        "which is corollary7_log_bound; and (1/delta) exp(-F) =. exp(-F) for constant delta",
        bool(markov_ok) and formula_ok and values_ok and absorbed,
        steps,
    )


def theorem9_delta_vanishes() -> Derivation:
    r""":math:`\delta = \sqrt{8/\pi}\,d_0^{-1/2} + 2d_0^{1/2}\sqrt{\log d_0}/N \to 0` under A2-A3.

    The first term vanishes because :math:`d_0 \to \infty` (A2).  For the second, let
    :math:`r = \lim \log d_0/\log N \le 1` (A3).  Then

    .. math:: \log\frac{4 d_0\log d_0}{N^2} = \log N\left(\frac{\log d_0}{\log N} - 2
        + \frac{\log\log d_0 + \log 4}{\log N}\right),

    and the bracket tends to :math:`r - 2 \le -1`, so the square of the second term tends to 0.
    SymPy computes the bracket's limit with :math:`\log d_0 = r\log N` and :math:`\delta`'s limit on
    power and sub-polynomial families up to the edge of A3.

    Returns
    -------
    Derivation
        ``holds`` is True iff the bracket tends to :math:`r - 2`, :math:`\delta \to 0` on every
        family inside A3, and :math:`\delta \to \infty` for :math:`d_0 = N^2` (outside A3).
    """
    N, L, r = bounds.N, sp.Symbol("L", positive=True), sp.Symbol("r", positive=True)
    bracket = r - 2 + (sp.log(r * L) + sp.log(4)) / L
    bracket_limit = sp.limit(bracket, L, sp.oo)
    bracket_ok = sp.simplify(bracket_limit - (r - 2)) == 0  # r - 2 <= -1 for r <= 1
    families = (
        N ** sp.Rational(51, 100),
        FAMILY_D0,
        N,
        N * sp.log(N) ** 4,
        N * sp.exp(sp.sqrt(sp.log(N))),
    )
    limits = [
        (law, limit_at_infinity(bounds.THEOREM9_DELTA_EXPR.subs(bounds.d0, law), N))
        for law in families
    ]
    families_ok = all(v == 0 for _, v in limits)
    # beyond A3: d0 = N^2 (ratio 2) does not give delta -> 0
    outside = limit_at_infinity(bounds.THEOREM9_DELTA_EXPR.subs(bounds.d0, N**2), N)
    steps = (
        f"lim_(L->oo) [r - 2 + (log(r L) + log 4)/L] = {bracket_limit} (<= -1 when r <= 1): {bracket_ok}",
        *(f"d0 = {law}: lim delta = {v}" for law, v in limits),
        f"outside A3, d0 = N^2: lim delta = {outside} (the condition d0 <=. N is needed)",
    )
    return Derivation(
        "theorem9_delta_vanishes",
        "T9",
        "theorem9_delta(N, d0) -> 0 whenever d0 -> oo and d0 <=. N (A2, A3)",
        bracket_ok and families_ok and outside == sp.oo,
        steps,
    )


def khatri_rao_symbolic(A: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    r"""Column-wise Kronecker product :math:`A\circ X = [a^{(n)}\otimes x^{(n)}]_n` of SymPy matrices.

    Parameters
    ----------
    A : sympy.Matrix, shape (d1, N)
        Left factor, with as many columns as ``X``.
    X : sympy.Matrix, shape (d0, N)
        Right factor, with as many columns as ``A``.

    Returns
    -------
    sympy.Matrix, shape (d1 * d0, N)
        Column :math:`n` is :math:`a^{(n)}\otimes x^{(n)}`.

    Raises
    ------
    ValueError
        If ``A`` and ``X`` have different numbers of columns.

    Examples
    --------
    >>> import sympy as sp
    >>> khatri_rao_symbolic(sp.Matrix([[1, 2]]), sp.Matrix([[3, 4], [5, 6]]))
    Matrix([
    [3,  8],
    [5, 12]])
    """
    if A.shape[1] != X.shape[1]:
        raise ValueError(
            f"A and X must have the same number of columns; got {A.shape} and {X.shape}"
        )
    cols = [sp.Matrix(sp.kronecker_product(A[:, j], X[:, j])) for j in range(A.shape[1])]
    return sp.Matrix.hstack(*cols)


def gram_identity(d0: int = 2, d1: int = 2, n: int = 3) -> Derivation:
    r"""K1, symbolically: :math:`(A\circ X)^\top(B\circ Y) = (A^\top B)\odot(X^\top Y)` for symbolic matrices.

    Every entry of :math:`A, B \in \mathbb{R}^{d_1\times N}` and :math:`X, Y \in \mathbb{R}^{d_0\times N}`
    is its own symbol; the two sides are expanded and compared entry by entry.

    Parameters
    ----------
    d0 : int
        Rows of :math:`X` (the input dimension): an integer :math:`\ge 1`.
    d1 : int
        Rows of :math:`A` (the hidden width): an integer :math:`\ge 1`.
    n : int
        Columns (the number of datapoints :math:`N`): an integer :math:`\ge 1`.  The symbolic work
        grows quickly with the sizes: keep them small (the audit uses at most 3).

    Returns
    -------
    Derivation
        ``holds`` is True iff the expanded difference of the two :math:`N\times N` matrices is zero.

    Raises
    ------
    TypeError
        If a size is not an integer (a boolean, a float, a str).
    ValueError
        If a size is below 1.
    """
    d0, d1, n = (_validate.require_size(k, v) for k, v in (("d0", d0), ("d1", d1), ("n", n)))
    A, Bm = sp.Matrix(d1, n, sp.symbols(f"a:{d1 * n}")), sp.Matrix(d1, n, sp.symbols(f"b:{d1 * n}"))
    X, Y = sp.Matrix(d0, n, sp.symbols(f"x:{d0 * n}")), sp.Matrix(d0, n, sp.symbols(f"y:{d0 * n}"))
    lhs = khatri_rao_symbolic(A, X).T * khatri_rao_symbolic(Bm, Y)
    rhs = (A.T * Bm).multiply_elementwise(X.T * Y)
    ok = (lhs - rhs).expand() == sp.zeros(n, n)
    return Derivation(
        "gram_identity",
        "K1",
        f"(A o X)^T (B o Y) = (A^T B) * (X^T Y) for symbolic A, B in R^({d1}x{n}), X, Y in R^({d0}x{n})",
        bool(ok),
        (f"expanded difference of the {n}x{n} matrices is zero: {bool(ok)}",),
    )


def mse_gradient_in_region(d0: int = 2, d1: int = 2, n: int = 3) -> Derivation:
    r"""The MSE gradient inside a region, and Lemma 2's first-order step.

    Inside :math:`\mathcal{D}_A`, :math:`f(WX) = A\odot(WX)` and
    :math:`\mathrm{MSE} = \tfrac1N\|y - (A\odot WX)^\top z\|^2`.  SymPy differentiates it with all of
    :math:`W, z, X, y, A` symbolic and checks

    .. math:: \nabla_W \mathrm{MSE} = -\tfrac{2}{N}\operatorname{diag}(z)\,
        \mathrm{reshape}_{d_1\times d_0}\!\big((A\circ X)e\big),\qquad
        \nabla_z \mathrm{MSE} = -\tfrac{2}{N}(A\odot WX)\,e .

    First-order step of Lemma 2: at a critical point with every :math:`z_i \ne 0`, :math:`\operatorname{diag}(z)`
    is invertible, so :math:`(A\circ X)e = 0`.  (Neurons with :math:`z_i = 0` need the paper's
    second-order argument, which is not checked here.)

    Parameters
    ----------
    d0 : int
        Rows of :math:`X` (the input dimension): an integer :math:`\ge 1`.
    d1 : int
        Rows of :math:`A` (the hidden width): an integer :math:`\ge 1`.
    n : int
        Columns (the number of datapoints :math:`N`): an integer :math:`\ge 1`.  The symbolic work
        grows quickly with the sizes: keep them small (the audit uses at most 3).

    Returns
    -------
    Derivation
        ``holds`` is True iff both gradients match the formulas and the first-order step recovers
        :math:`(A\circ X)e` from :math:`\nabla_W\mathrm{MSE}`.

    Raises
    ------
    TypeError
        If a size is not an integer (a boolean, a float, a str).
    ValueError
        If a size is below 1.
    """
    d0, d1, n = (_validate.require_size(k, v) for k, v in (("d0", d0), ("d1", d1), ("n", n)))
    W = sp.Matrix(d1, d0, sp.symbols(f"w:{d1 * d0}"))
    X = sp.Matrix(d0, n, sp.symbols(f"x:{d0 * n}"))
    A = sp.Matrix(d1, n, sp.symbols(f"a:{d1 * n}"))
    z = sp.Matrix(d1, 1, sp.symbols(f"z:{d1}"))
    y = sp.Matrix(n, 1, sp.symbols(f"y:{n}"))
    hidden = A.multiply_elementwise(W * X)
    e = y - hidden.T * z
    mse = (e.T * e)[0, 0] / n
    grad_w = sp.Matrix(d1, d0, lambda i, j: sp.diff(mse, W[i, j]))
    kr_e = khatri_rao_symbolic(A, X) * e
    formula_w = -sp.Rational(2, n) * sp.diag(*z) * kr_e.reshape(d1, d0)
    grad_z = sp.Matrix(d1, 1, lambda i, _: sp.diff(mse, z[i]))
    formula_z = -sp.Rational(2, n) * hidden * e
    w_ok = (grad_w - formula_w).expand() == sp.zeros(d1, d0)
    z_ok = (grad_z - formula_z).expand() == sp.zeros(d1, 1)
    # first-order step: diag(z)^{-1} grad_W = -(2/N) reshape((A o X) e)
    recovered = (-sp.Rational(n, 2) * sp.diag(*z).inv() * grad_w - kr_e.reshape(d1, d0)).applyfunc(
        sp.simplify
    )
    step_ok = recovered == sp.zeros(d1, d0)
    return Derivation(
        "mse_gradient_in_region",
        "L2",
        "grad_W MSE = -(2/N) diag(z) reshape((A o X) e) and grad_z MSE = -(2/N) (A * WX) e inside D_A; "
        "so grad_W = 0 with all z_i != 0 gives (A o X) e = 0",
        bool(w_ok and z_ok and step_ok),
        (
            f"d0={d0}, d1={d1}, N={n}, all entries symbolic: grad_W matches: {bool(w_ok)}",
            f"grad_z matches: {bool(z_ok)}",
            f"-(N/2) diag(z)^(-1) grad_W = reshape((A o X) e): {bool(step_ok)}",
        ),
    )


def section6_reduced_width(d0_law: sp.Expr = FAMILY_D0, d1_law: sp.Expr = FAMILY_D1) -> Derivation:
    r"""Section 6: at a non-differentiable critical point, Theorem 6's bound with :math:`(1-r)d_1`.

    The reduction (a toolkit lemma, exact).  At a critical point where some neural inputs
    :math:`w_i^\top x^{(n)}` vanish, stationarity in the directions that keep them at zero reads
    :math:`P(A\circ X)e = 0`, :math:`P = \operatorname{blockdiag}(P_i)` with :math:`P_i` the projector onto
    :math:`\operatorname{span}\{x^{(n)} : w_i^\top x^{(n)} = 0\}^\perp`.  For every neuron :math:`i` without
    a zero input :math:`P_i = I`, so the rows of those neurons give :math:`(A_S\circ X)e = 0` exactly, with
    :math:`S` the set of such neurons: Theorem 6's condition for the sub-network of width :math:`|S|`.
    Theorem 6's proof bounds the probability that :math:`A\circ X` has a kernel vector :math:`e` with
    MCE :math:`> \epsilon` (CLAIMS.md, T6's proof idea), which the sub-network's :math:`e` is; so its bound
    applies with :math:`d_1 \to |S|`.  With :math:`r` the fraction of neurons that have a zero input,
    :math:`|S| = (1-r)d_1`; and the bound decreases in :math:`d_1` (checked below on the shipped formula),
    so any :math:`|S| \ge (1-r)d_1` gives at most the bound at :math:`(1-r)d_1`.

    What is checked on :data:`.bounds.THEOREM6_LOG_EXPR`: the bound is decreasing in :math:`d_1`; with
    :math:`(1-r)d_1` the exponent is multiplied by :math:`(1-r)^{1/4}` exactly, so it is :math:`=.` to Theorem
    6's for constant :math:`r<1`; and A4 still holds for :math:`(1-r)d_1` along the family.

    A finding about the reading of :math:`r`: if :math:`r` is the fraction of zero neural *inputs* (pairs
    :math:`(i, n)`), the step does not follow from this argument: a single zero input per neuron
    (:math:`r = 1/N`) leaves no neuron with :math:`P_i = I`.  The derivation holds for :math:`r` the fraction
    of *neurons* with a zero input.

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
        ``holds`` is True iff the bound decreases in :math:`d_1`, the exponent with :math:`(1-r)d_1`
        is :math:`(1-r)^{1/4}` times Theorem 6's exactly and :math:`=.` to it at :math:`r = 1/2`,
        and A4 holds for :math:`d_1/2`; ``findings`` records the reading of :math:`r`.

    Raises
    ------
    TypeError
        If a law is neither a SymPy expression, a real number nor a str.
    ValueError
        If a law depends on a symbol other than :math:`N`, is complex for :math:`N > 0`, or is text
        the parser refuses (:class:`.growth.GrowthLawError`).
    UndecidedLimit
        If SymPy cannot decide a limit along the family (see :mod:`.asymptotics`).
    """
    d0_law, d1_law = _law("d0_law", d0_law), _law("d1_law", d1_law)
    N, r = bounds.N, sp.Symbol("r", nonnegative=True)
    t6 = _shipped(bounds.THEOREM6_LOG_EXPR)
    decreasing = sp.simplify(sp.diff(t6, bounds.d1))
    decreasing_ok = bool(decreasing.is_negative)
    family = {bounds.d0: d0_law, bounds.d1: d1_law}
    reduced = t6.subs(bounds.d1, (1 - r) * bounds.d1).subs(family)
    ratio = sp.simplify(reduced / t6.subs(family))
    exact = _is_zero(ratio - (1 - r) ** sp.Rational(1, 4))
    half = reduced.subs(r, sp.Rational(1, 2))
    order = dot_eq(-half, -t6.subs(family), N)
    a4 = check(d0_law, (1 - sp.Rational(1, 2)) * d1_law, N)["A4"].holds
    steps = (
        "P_i = I for the neurons S without a zero input, so P (A o X) e = 0 gives (A_S o X) e = 0: Theorem 6's "
        "condition at width |S| = (1 - r) d1 (r: the fraction of neurons with a zero input)",
        f"d/dd1 theorem6_log_bound = {decreasing} < 0 (the bound decreases in d1, so |S| >= (1-r) d1 suffices): "
        f"{decreasing_ok}",
        f"(exponent with (1-r) d1) / (Theorem 6 exponent) along d0 = {d0_law}, d1 = {d1_law} = {ratio}: "
        f"equals (1-r)^(1/4): {exact}",
        f"at r = 1/2 the exponents are =.: {order} (a constant factor is invisible to the literal order)",
        f"A4 holds for d0 = {d0_law}, d1 = {d1_law}/2: {a4}",
    )
    findings = (
        "With r read as the fraction of zero neural inputs (pairs (i, n)), the substitution d1 -> (1 - r) d1 "
        "does not follow from this argument (one zero input per neuron, r = 1/N, leaves no neuron unconstrained); "
        "it holds with r the fraction of neurons that have a zero input.",
    )
    return Derivation(
        "section6_reduced_width",
        "S6",
        "P (A o X) e = 0 contains Theorem 6's condition for the (1 - r) d1 neurons without zero inputs; "
        f"along d0 = {d0_law}, d1 = {d1_law} the bound's exponent becomes (1-r)^(1/4) gamma N^(3/4)(d0 d1)^(1/4)",
        decreasing_ok and exact and order and a4,
        steps,
        findings,
    )


ALL_DERIVATIONS = (
    theorem10_second_inequality_from_A4,
    theorem9_second_inequality,
    d1_star_times_d0,
    theorem10_from_theorems_6_and_9,
    corollary7_from_theorem6,
    theorem9_delta_vanishes,
    mse_gradient_in_region,
    gram_identity,
    section6_reduced_width,
)
