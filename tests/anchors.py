"""Independent anchors for the value of every shipped formula.

Each anchor recomputes a bound from the paper's statement (CLAIMS.md), typed here once more and
evaluated with mpmath at 40 digits, by a route that does not go through the package's SymPy
expression or its compiled backends; :func:`check_anchors` compares the public functions with it at a
few sizes.  The test suite calls it (tests/test_bounds.py), and the mutation tests call it to see that a
deliberately broken formula is noticed (tests/test_mutations.py).

Nothing here imports the expressions of ``vanishing_minima.theory.bounds``; only the public functions
under test.

The hand-computed references of the region checks (``A o X`` by numpy.kron, the exact bad volumes at
d0 = 2 by least squares) are run by the checks themselves, so they live in the package
(:mod:`vanishing_minima.checks.claim_checks.references`); the tests take them from here.
"""

from __future__ import annotations

import functools
import math

import mpmath
import sympy as sp

from vanishing_minima.checks.claim_checks.references import (  # noqa: F401 (for the tests)
    bad_volume_one_neuron_by_hand,
    khatri_rao_by_columns,
    v2_volume_by_hand,
)
from vanishing_minima.numeric import clopper_pearson
from vanishing_minima.theory import bounds as B

mp = mpmath.mp


def gamma_eps(eps, rho, c):
    """Definition 5: 0.23 eps^(3/4) for ReLU (rho = 0); 0.23 max(c, eps)^(3/4) otherwise."""
    eps, c = mpmath.mpf(eps), mpmath.mpf(c)
    return mpmath.mpf("0.23") * (eps if rho == 0 else max(c, eps)) ** (mpmath.mpf(3) / 4)


def d1_star(n: int, d0: int) -> int:
    """Theorem 8: 4 ceil(N / (2 d0 - 2)), in integers."""
    q, r = divmod(n, 2 * d0 - 2)
    return 4 * (q + (r > 0))


def theorem9_delta(n, d0):
    """Theorem 9: sqrt(8/pi) d0^(-1/2) + 2 d0^(1/2) sqrt(log d0) / N."""
    n, d0 = mpmath.mpf(n), mpmath.mpf(d0)
    return (
        mpmath.sqrt(8 / mpmath.pi) / mpmath.sqrt(d0)
        + 2 * mpmath.sqrt(d0) * mpmath.sqrt(mpmath.log(d0)) / n
    )


def theorem6_log(n, d0, d1, eps, rho, c):
    """Theorem 6: log of exp(-gamma_eps N^(3/4) (d1 d0)^(1/4))."""
    n, d0, d1 = mpmath.mpf(n), mpmath.mpf(d0), mpmath.mpf(d1)
    return -gamma_eps(eps, rho, c) * n ** (mpmath.mpf(3) / 4) * (d1 * d0) ** (mpmath.mpf(1) / 4)


def corollary7_log(n, d0, d1, eps, rho, c, delta):
    """Corollary 7: log of (1/delta) exp(-gamma_eps N^(3/4) (d1 d0)^(1/4))."""
    return mpmath.log(1 / mpmath.mpf(delta)) + theorem6_log(n, d0, d1, eps, rho, c)


def theorem9_log(n, d0, d1s):
    """Theorem 9: log of exp(-d1* d0 log N)."""
    return -mpmath.mpf(d1s) * mpmath.mpf(d0) * mpmath.log(mpmath.mpf(n))


def theorem10_log(n, d0, d1, eps, rho, c):
    """Theorem 10's starting exponent: Theorem 6's over Theorem 9's with d1* = 2N/d0."""
    return theorem6_log(n, d0, d1, eps, rho, c) - theorem9_log(
        n, d0, 2 * mpmath.mpf(n) / mpmath.mpf(d0)
    )


def theorem10_second_log(n, eps, rho, c):
    """Theorem 10's second bound: log of exp(-gamma_eps N log N)."""
    n = mpmath.mpf(n)
    return -gamma_eps(eps, rho, c) * n * mpmath.log(n)


def cover_count(n: int, d: int) -> int:
    """G2 (Cover 1965): 2 sum_{k < d} binom(N - 1, k), in integers."""
    return 2 * sum(math.comb(n - 1, k) for k in range(d))


@functools.cache  # about 3 s at CP_CASES; its value depends on nothing in the package
def clopper_pearson_by_binomial_sums(k: int, n: int, alpha: float) -> tuple[float, float]:
    """The exact interval from its definition, with no beta function: the lower end p solves
    P(Bin(n, p) >= k) = alpha/2 and the upper end P(Bin(n, p) <= k) = alpha/2, each binomial
    probability an explicit mpmath sum, each equation solved by bisection (monotone in p)."""

    def cdf(j_max: int, p) -> mpmath.mpf:  # P(Bin(n, p) <= j_max)
        return mpmath.fsum(
            mpmath.binomial(n, j) * p**j * (1 - p) ** (n - j) for j in range(j_max + 1)
        )

    def solve(g, target) -> mpmath.mpf:  # g increasing in p
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(110):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if g(mid) < target else (lo, mid)
        return (lo + hi) / 2

    with mpmath.workdps(40):
        half = mpmath.mpf(alpha) / 2
        lo = mpmath.mpf(0) if k == 0 else solve(lambda p: 1 - cdf(k - 1, p), half)
        hi = mpmath.mpf(1) if k == n else solve(lambda p: -cdf(k, p), -half)
        return float(lo), float(hi)


#: (n, d0, d1, eps, rho, c, delta) at which every real-valued bound is compared with its anchor.
SIZES = (
    (1e4, 100.0, 400.0, 0.1, 0.0, 0.01, 0.05),
    (1e6, 1e3, 1e4, 0.5, 0.2, 1e-3, 0.5),
    (64.0, 23.0, 4.0, 0.1, 0.0, 0.36, 0.9),
    (1e9, 3e7, 3e3, 0.05, -0.5, 0.7, 0.01),
)
INTEGER_SIZES = ((1000, 11), (70000, 784), (5, 2), (10**12, 3))
COVER_SIZES = ((6, 2), (10, 3), (40, 7), (64, 64), (100, 50))
CP_CASES = ((0, 200, 1e-6), (37, 200, 1e-6), (200, 200, 1e-3), (51, 20_000, 1e-6))


def _close(name: str, got, want, rel: float = 1e-12) -> None:
    if not abs(mpmath.mpf(got) - want) <= rel * max(abs(want), mpmath.mpf(10) ** -300):
        raise AssertionError(
            f"anchor {name}: the shipped function gives {got!r}, the paper's formula {mpmath.nstr(want, 17)}"
        )


def check_anchors() -> int:
    """Compare every public bound (and the Clopper-Pearson routine) with its anchor; return the count.

    Raises AssertionError naming the first quantity that differs (relative tolerance 1e-12 for
    doubles, exact for integers)."""
    count = 0
    with mpmath.workdps(40):
        for n, d0, d1, eps, rho, c, delta in SIZES:
            _close("gamma_eps", B.gamma_eps(eps, rho, c), gamma_eps(eps, rho, c))
            _close("theorem9_delta", B.theorem9_delta(n, d0), theorem9_delta(n, d0))
            _close(
                "theorem6_log_bound",
                B.theorem6_log_bound(n, d0, d1, eps, rho, c),
                theorem6_log(n, d0, d1, eps, rho, c),
            )
            _close(
                "corollary7_log_bound",
                B.corollary7_log_bound(n, d0, d1, eps, rho, c, delta=delta),
                corollary7_log(n, d0, d1, eps, rho, c, delta),
            )
            _close(
                "theorem9_log_bound",
                B.theorem9_log_bound(n, d0, 2 * n / d0),
                theorem9_log(n, d0, 2 * n / d0),
            )
            # Theorem 10's value is a difference of two large terms: relative to their sizes
            t10 = theorem10_log(n, d0, d1, eps, rho, c)
            scale = abs(theorem6_log(n, d0, d1, eps, rho, c)) + abs(theorem9_log(n, d0, 2 * n / d0))
            if (
                not abs(mpmath.mpf(B.theorem10_log_bound(n, d0, d1, eps, rho, c)) - t10)
                <= 1e-12 * scale
            ):
                raise AssertionError(f"anchor theorem10_log_bound differs at n = {n}")
            _close(
                "theorem10_second_log_bound",
                B.theorem10_second_log_bound(n, eps, rho, c),
                theorem10_second_log(n, eps, rho, c),
            )
            count += 7
    for n, d0 in INTEGER_SIZES:
        if B.d1_star(n, d0) != d1_star(n, d0):
            raise AssertionError(
                f"anchor d1_star: {B.d1_star(n, d0)} != {d1_star(n, d0)} at N = {n}, d0 = {d0}"
            )
        count += 1
    for n, d in COVER_SIZES:
        if B.cover_count(n, d) != cover_count(n, d):
            raise AssertionError(f"anchor cover_count: differs at N = {n}, d = {d}")
        if B.cover_count(sp.Integer(n), sp.Integer(d)) != cover_count(
            n, d
        ):  # the SymPy formula itself
            raise AssertionError(
                f"anchor cover_count (SymPy expression): differs at N = {n}, d = {d}"
            )
        count += 1
    for k, n, alpha in CP_CASES:
        got, want = clopper_pearson(k, n, alpha), clopper_pearson_by_binomial_sums(k, n, alpha)
        if not all(abs(g - w) <= 1e-9 * max(w, 1e-300) + 1e-15 for g, w in zip(got, want)):
            raise AssertionError(
                f"anchor clopper_pearson: {got} != {want} at k = {k}, n = {n}, alpha = {alpha}"
            )
        count += 1
    return count
