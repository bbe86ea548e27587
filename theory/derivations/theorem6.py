r"""What follows from Theorem 6, symbolically: Corollary 7 (Markov's inequality) and Section 6's bound at
non-differentiable critical points.

The derivations: ``docs/methods/theorem6-consequences.md``.

References
----------
.. [1] D. Soudry and E. Hoffer, "Exponentially vanishing sub-optimal local minima in multilayer neural
   networks", arXiv:1702.05777, 2017.
"""

from __future__ import annotations

import math

import mpmath
import sympy as sp

from .. import bounds
from ..assumptions import check
from ..asymptotics import dot_eq
from .common import (
    FAMILY_D0,
    FAMILY_D1,
    Derivation,
    is_zero,
    scaling_law,
    shipped,
    theorem6_exponent,
)

__all__ = ["corollary7_from_theorem6", "section6_reduced_width"]


def corollary7_from_theorem6(
    d0_law: sp.Expr = FAMILY_D0, d1_law: sp.Expr = FAMILY_D1
) -> Derivation:
    r"""Corollary 7 from Theorem 6: Markov's inequality, the shipped formula, and the order of :math:`1/\delta`.

    Checks Markov's inequality :math:`\mathbb{P}(V \ge \mathbb{E}V/\delta) \le \delta` exactly on
    :math:`V \sim \mathrm{Uniform}(0, b)` for every :math:`\delta\in(0,1)`; that
    :data:`.bounds.COROLLARY7_LOG_EXPR` is :data:`.bounds.THEOREM6_LOG_EXPR` :math:`+ \log(1/\delta)`,
    symbolically and at sizes evaluated through the public functions; and that
    :math:`\log(1/\delta) - F =. -F` along the family, so the corollary keeps Theorem 6's leading order.

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

    Notes
    -----
    Corollary 7 of Soudry & Hoffer (2017); derivation in ``docs/methods/theorem6-consequences.md``.
    """
    d0_law, d1_law = scaling_law("d0_law", d0_law), scaling_law("d1_law", d1_law)
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
    formula_ok = is_zero(markov_term - sp.log(1 / bounds.delta))
    # ... and so are the public functions' values (their compiled NumPy and mpmath backends)
    sizes = (  # ReLU and leaky units (rho in (0, 1) and rho < 0)
        (1e4, 100.0, 400.0, 0.1, 0.0, 0.01, 0.05),
        (1e6, 1e3, 1e4, 0.5, 0.2, 1e-3, 0.5),
        (64.0, 23.0, 4.0, 0.1, 0.0, 0.36, 0.9),
        (256.0, 64.0, 6.0, 0.1, 0.3, 0.0, 0.1),
        (1e5, 5e3, 50.0, 0.05, -0.5, 0.05, 0.2),
    )
    worst = 0.0
    for n, d0, d1, eps, rho, c, delta in sizes:
        c7 = bounds.corollary7_log_bound(n, d0, d1, eps, rho, c, delta=delta)
        t6 = bounds.theorem6_log_bound(n, d0, d1, eps, rho, c)
        worst = max(worst, abs(c7 - (t6 - math.log(delta))) / max(abs(t6), abs(math.log(delta))))
        with mpmath.workdps(30):
            c7m = bounds.corollary7_log_bound(
                *map(mpmath.mpf, (n, d0, d1, eps, rho, c)), delta=mpmath.mpf(delta)
            )
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


def section6_reduced_width(d0_law: sp.Expr = FAMILY_D0, d1_law: sp.Expr = FAMILY_D1) -> Derivation:
    r"""Section 6: at a non-differentiable critical point, Theorem 6's bound with :math:`(1-r)d_1`.

    Checks on :data:`.bounds.THEOREM6_LOG_EXPR` that the bound decreases in :math:`d_1`; that with
    :math:`(1-r)d_1` the exponent is multiplied by :math:`(1-r)^{1/4}` exactly, hence :math:`=.` to
    Theorem 6's for constant :math:`r<1`; and that A4 still holds for :math:`(1-r)d_1` along the family.
    :math:`r` is the fraction of *neurons* that have a zero input (a finding: read as the fraction of
    zero neural inputs, the step does not follow).

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

    Notes
    -----
    Stationarity in the directions that keep the zero inputs at zero gives :math:`(A_S\circ X)e = 0`
    for the neurons :math:`S` without a zero input: Theorem 6's condition at width :math:`|S|`
    (Section 6 of Soudry & Hoffer (2017); the reduction, a toolkit lemma, in
    ``docs/methods/theorem6-consequences.md``).
    """
    d0_law, d1_law = scaling_law("d0_law", d0_law), scaling_law("d1_law", d1_law)
    N, r = bounds.N, sp.Symbol("r", nonnegative=True)
    t6 = shipped(bounds.THEOREM6_LOG_EXPR)
    decreasing = sp.simplify(sp.diff(t6, bounds.d1))
    decreasing_ok = bool(decreasing.is_negative)
    family = {bounds.d0: d0_law, bounds.d1: d1_law}
    reduced = t6.subs(bounds.d1, (1 - r) * bounds.d1).subs(family)
    ratio = sp.simplify(reduced / t6.subs(family))
    exact = is_zero(ratio - (1 - r) ** sp.Rational(1, 4))
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
