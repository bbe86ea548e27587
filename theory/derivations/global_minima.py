r"""Theorems 8 and 9, symbolically: the width of the interpolating network times :math:`d_0`, Theorem 9's
second inequality and its failure probability :math:`\delta \to 0`.

The derivations: ``docs/methods/global-minima.md``.

References
----------
.. [1] D. Soudry and E. Hoffer, "Exponentially vanishing sub-optimal local minima in multilayer neural
   networks", arXiv:1702.05777, 2017.
"""

from __future__ import annotations

import sympy as sp

from .. import bounds
from ..asymptotics import dot_eq, limit_at_infinity
from .common import FAMILY_D0, Derivation, is_zero

__all__ = ["theorem9_second_inequality", "d1_star_times_d0", "theorem9_delta_vanishes"]


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

    Notes
    -----
    Theorem 9 of Soudry & Hoffer (2017); derivation in ``docs/methods/global-minima.md``.
    """
    N, d0 = bounds.N, bounds.d0
    with_real = bounds.THEOREM9_LOG_EXPR.subs(bounds.d1s, 2 * N / d0)
    exact = is_zero(with_real + 2 * N * sp.log(N))
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

    Confirms the sandwich :math:`\frac{2N d_0}{d_0-1} \le d_1^* d_0 < \frac{2N d_0}{d_0 - 1} + 4 d_0`
    symbolically on the shipped formula :data:`.bounds.D1_STAR_EXPR` and with exact integers, and that
    the shorter form :math:`2N + O(N/d_0)` is false under A3.

    Returns
    -------
    Derivation
        ``holds`` is True iff the sandwich is confirmed symbolically, the exact integers stay inside
        it, and the short form :math:`2N + O(N/d_0)` fails at :math:`d_0 = N`; ``findings`` records
        that failure.

    Notes
    -----
    From :math:`x \le \lceil x\rceil < x + 1` with :math:`x = N/(2d_0-2)`, so
    :math:`0 < d_1^* d_0 - 2N < 4N/d_0 + 4d_0` for :math:`d_0 \ge 2`; at :math:`d_0 = N` the width is 4
    and :math:`d_1^* d_0 - 2N = 2N` (Theorem 8 of Soudry & Hoffer (2017);
    ``docs/methods/global-minima.md``).
    """
    N, d0 = bounds.N, bounds.d0
    theta = sp.Symbol("theta", nonnegative=True)  # ceil(x) = x + theta, 0 <= theta < 1
    product = (
        bounds.D1_STAR_EXPR.replace(sp.ceiling, lambda x: x + theta) * d0
    )  # the shipped d1* formula
    excess = sp.simplify(product - 2 * N)
    lower = sp.simplify(excess.subs(theta, 0) - 2 * N / (d0 - 1))
    upper = sp.simplify(excess.subs(theta, 1) - (2 * N / (d0 - 1) + 4 * d0))
    monotone = is_zero(sp.diff(excess, theta) - 4 * d0)
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


def theorem9_delta_vanishes() -> Derivation:
    r""":math:`\delta = \sqrt{8/\pi}\,d_0^{-1/2} + 2d_0^{1/2}\sqrt{\log d_0}/N \to 0` under A2-A3.

    SymPy computes the limit of the log of the second term's square, with :math:`\log d_0 = r\log N`,
    :math:`r \le 1` (A3), and :math:`\delta`'s limit on power and sub-polynomial families up to the edge
    of A3, and beyond it (:math:`d_0 = N^2`).

    Returns
    -------
    Derivation
        ``holds`` is True iff the bracket tends to :math:`r - 2`, :math:`\delta \to 0` on every
        family inside A3, and :math:`\delta \to \infty` for :math:`d_0 = N^2` (outside A3).

    Notes
    -----
    The first term vanishes because :math:`d_0 \to \infty` (A2); the second because
    :math:`\log(4 d_0\log d_0/N^2) = \log N\,(r - 2 + o(1))` with :math:`r - 2 \le -1` (Theorem 9 of
    Soudry & Hoffer (2017); ``docs/methods/global-minima.md``).
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
