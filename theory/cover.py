r"""Cover's count of homogeneous linear dichotomies (supporting lemma G2), exactly and in log space.

:func:`cover_count` is :math:`C(N, d) = 2 \sum_{k=0}^{d-1} \binom{N-1}{k}`, the number of sign patterns
of one neuron on :math:`N` points in general position in :math:`\mathbb{R}^d`, written once in SymPy
(``COVER_COUNT_EXPR``) and evaluated like every bound of :mod:`.bounds` (which re-exports it), with an
exact integer backend that refuses counts too long to write out.  :func:`log_cover_count` is its
natural log at any size up to :math:`N = 10^{300}`; the method and its accuracy are in
``docs/methods/cover-count.md``.
"""

from __future__ import annotations

import math
import numbers

import mpmath
import numpy as np
import sympy as sp

from . import _validate
from ._compile import Bound, Param, bound_function

__all__ = [
    "k",
    "COVER_COUNT_EXPR",
    "COVER_EXACT_WORK_LIMIT",
    "COVER_EXACT_BITS_LIMIT",
    "LOG_COVER_MAX_N",
    "LOG_COVER_REL_TOL",
    "cover_count",
    "log_cover_count",
]

#: The summation index of Cover's count.
k = sp.Symbol("k", integer=True, nonnegative=True)
_cover_d = sp.Symbol("d", positive=True, integer=True)
_cover_n = sp.Symbol("N", positive=True, integer=True)
COVER_COUNT_EXPR = 2 * sp.Sum(sp.binomial(_cover_n - 1, k), (k, 0, _cover_d - 1))

#: Work the exact count may take: (terms summed) x (bits of the count), about 0.5 s on this project's
#: machine (1.1e-10 s per unit measured at N = 10^5..10^6); beyond it ``cover_count`` refuses.
COVER_EXACT_WORK_LIMIT = 4 * 10**9
#: Largest count, in bits, that ``cover_count`` writes out exactly (2^N: N bits; 12.5 MB at the limit).
COVER_EXACT_BITS_LIMIT = 10**8


def _cover_count_exact(n: int, d: int) -> int:
    """C(N, d) exactly: 2^N when d >= N; else the shorter of the sum and its complement, term by term
    (binom(m, k+1) = binom(m, k) (m-k)/(k+1)); refuses sums that would take more than about a second."""
    if d >= n:
        if n > COVER_EXACT_BITS_LIMIT:
            raise ValueError(
                f"cover_count(n={n}, d={d}) = 2^n has {n} bits (limit {COVER_EXACT_BITS_LIMIT}); "
                "use log_cover_count(n, d) for its natural log"
            )
        return 2**n
    m, top = n - 1, d - 1  # C = 2 sum_{k <= top} binom(m, k), top <= m - 1
    complement = 2 * top > m  # then sum_{k <= top} = 2^m - sum_{k <= m - top - 1}
    terms = m - top if complement else top + 1
    bits = log_cover_count(n, d) / math.log(2)
    if terms * bits > COVER_EXACT_WORK_LIMIT or bits > COVER_EXACT_BITS_LIMIT:
        raise ValueError(
            f"cover_count(n={n}, d={d}): the exact sum needs about {terms:.3g} terms of up to {bits:.3g} bits "
            f"(work {terms * bits:.2g} bit-terms, limit {COVER_EXACT_WORK_LIMIT:.0g}, about a second); "
            "use log_cover_count(n, d) for its natural log"
        )
    term = total = 1
    for j in range(terms - 1):
        term = term * (m - j) // (j + 1)
        total += term
    return 2**n - 2 * total if complement else 2 * total


_COVER = Bound(
    "cover_count",
    (
        Param("n", _cover_n, (_validate.INTEGRAL, _validate.AT_LEAST_ONE)),
        Param("d", _cover_d, (_validate.INTEGRAL, _validate.AT_LEAST_ONE)),
    ),
    COVER_COUNT_EXPR,
    "Cover (1965), supporting lemma G2",
    integer_valued=True,
    elementwise=True,
    python_modules=[{"binomial": math.comb}],
    exact=_cover_count_exact,
)


@bound_function(_COVER)
def cover_count(n, d):
    r"""Cover's count of homogeneous linear dichotomies (supporting lemma G2).

    .. math:: C(N, d) = 2 \sum_{k=0}^{d-1} \binom{N-1}{k},

    the number of sign patterns :math:`\operatorname{sign}(w^\top X)` of :math:`N` points in general
    position in :math:`\mathbb{R}^d` (equal to :math:`2^N` when :math:`d \ge N`).

    Exact: Python ints give an ``int``, integer NumPy arrays give an ``object`` array of Python ints
    (the count overflows ``int64`` from :math:`N = 64` on), SymPy integers give a SymPy ``Integer`` and
    symbols the unevaluated sum.  Arguments must be integers :math:`\ge 1`.

    The integer is computed as :math:`2^N` when :math:`d \ge N`, else as the shorter of the sum and its
    complement :math:`2^N - 2\sum_{k=d}^{N-1}\binom{N-1}{k}`.  Counts whose exact value would take more
    than about a second (terms times bits above ``COVER_EXACT_WORK_LIMIT``, or more than
    ``COVER_EXACT_BITS_LIMIT`` bits) are refused: use :func:`log_cover_count`, which answers at any size.

    Parameters
    ----------
    n : int, integer array or SymPy integer
        Number of points :math:`N`: an integer (integral floats are accepted) :math:`\ge 1`.
    d : int, integer array or SymPy integer
        Dimension :math:`d`: an integer (integral floats are accepted) :math:`\ge 1`.

    Returns
    -------
    int, numpy.ndarray, mpmath.mpf or sympy.Expr
        :math:`C(N, d)`: an ``int`` for Python numbers, an ``object`` array of Python ints for NumPy
        input, ``mpmath.mpf`` for mpmath numbers, a SymPy ``Integer`` for SymPy integers and the
        unevaluated sum for symbols.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        For arguments that are not integers >= 1 (or are NaN or infinite), arrays that do not
        broadcast together, or a count too large to write out exactly (the message gives the number
        of terms and points to :func:`log_cover_count`).

    Examples
    --------
    >>> cover_count(4, 2)
    8
    """


#: Largest N that :func:`log_cover_count` accepts.
LOG_COVER_MAX_N = 1e300
#: Terms of the ratio series summed at most before :func:`log_cover_count` brackets the rest.
_SERIES_MAX_TERMS = 1 << 22
#: Relative error that :func:`log_cover_count` guarantees (it raises ArithmeticError beyond).
LOG_COVER_REL_TOL = 1e-9


def _whole(name: str, value: object) -> int:
    """A size given as an int or an integral float (Python, NumPy or mpmath), as an exact int >= 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, mpmath.mpf)):
        raise TypeError(
            f"{name} must be an integer >= 1 (int, or an integral float); got {type(value).__name__}"
        )
    if isinstance(value, numbers.Integral):
        exact = int(value)
    else:
        x = mpmath.mpf(value) if isinstance(value, mpmath.mpf) else float(value)
        if (
            not (mpmath.isfinite(x) if isinstance(x, mpmath.mpf) else math.isfinite(x))
            or int(x) != x
        ):
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
        exact = int(x)
    if exact < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return exact


def _log_lower_tail(m: int, top: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    r"""Bracket ``(lo, hi)`` of :math:`\log \sum_{k=0}^{top} \binom{m}{k}` for :math:`2\,top < m`, at the
    working precision (which must resolve :math:`\log m!`): :math:`\log\binom{m}{top}` plus the log of
    the ratio series, summed in doubles until its rest is negligible or ``_SERIES_MAX_TERMS`` terms
    were summed, the rest then bracketed (``docs/methods/cover-count.md``).
    """
    log_b = mpmath.loggamma(m + 1) - mpmath.loggamma(top + 1) - mpmath.loggamma(m - top + 1)
    gap0, den0 = m - 2 * top + 1, m - top + 1  # exact ints: 1 - r_k = (m - 2k + 1)/(m - k + 1)
    partial, log_t, summed, rest = 1.0, 0.0, 0, 0.0
    scale = abs(
        float(log_b)
    )  # log C >= log binom(m, top): huge N needs no more than the first terms
    chunk = 64
    while summed < top:
        i = np.arange(summed, min(top, summed + chunk), dtype=np.float64)  # ratio r_{top - i}
        k = float(top) - i
        den = float(den0) + i
        x = (float(gap0) + 2.0 * i) / den  # 1 - r, without cancellation when r is near 1
        log_r = np.where(x <= 0.5, np.log1p(-np.minimum(x, 0.5)), np.log(k) - np.log(den))
        logs = log_t + np.cumsum(log_r)
        partial += float(np.sum(np.exp(logs)))
        summed += i.size
        log_t = float(logs[-1])
        r = math.exp(float(log_r[-1]))  # the next ratios are smaller
        rest = math.exp(log_t) * min(r / (1.0 - r) if r < 1.0 else math.inf, float(top - summed))
        if rest <= 1e-17 * partial or summed >= _SERIES_MAX_TERMS:
            break
        if (
            math.log1p(rest / partial) <= 1e-15 * scale
        ):  # the rest cannot move log C in double precision
            break
        chunk = min(chunk * 4, 1 << 20)
    # doubles: each ratio to ~3e-16 relative, so each term to ~3e-16 x (its index)
    slack = 1e-15 + 4e-16 * summed
    lo = log_b + math.log(partial) + math.log1p(-slack)
    hi = log_b + math.log(partial + rest) + math.log1p(slack)
    return lo, hi


def _log_cover_bracket(n: int, d: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Bracket of log C(n, d) for exact ints n, d >= 1 (at the caller's working precision)."""
    if d >= n:
        value = n * mpmath.log(2)
        return value, value
    m, top = n - 1, d - 1
    if 2 * top < m:
        lo, hi = _log_lower_tail(m, top)
    else:  # sum_{k <= top} = 2^m (1 - x), x = 2^-m sum_{k <= m - top - 1} binom(m, k) <= 1/2
        t_lo, t_hi = _log_lower_tail(m, m - top - 1)
        half = m * mpmath.log(2)
        x_lo, x_hi = mpmath.exp(t_lo - half), min(mpmath.mpf(0.5), mpmath.exp(t_hi - half))
        lo, hi = half + mpmath.log1p(-x_hi), half + mpmath.log1p(-x_lo)
    return lo + mpmath.log(2), hi + mpmath.log(2)


def log_cover_count(n, d) -> float:
    r"""Natural log of Cover's count :math:`C(N, d)` (G2), at any size up to :math:`N = 10^{300}`.

    .. math:: \log C(N, d) = \log\Big(2 \sum_{k=0}^{d-1} \binom{N-1}{k}\Big), \qquad = N \log 2 \text{ for } d \ge N.

    Parameters
    ----------
    n : int or integral float
        Number of points :math:`N`, :math:`1 \le N \le 10^{300}`.
    d : int or integral float
        Dimension :math:`d \ge 1`.

    Returns
    -------
    float
        :math:`\log C(N, d) > 0` (natural log).

    Raises
    ------
    TypeError
        For arguments that are not real numbers (or are booleans).
    ValueError
        For arguments that are not integers >= 1, or ``n`` above 1e300.
    ArithmeticError
        If the bracket of the series' unsummed rest is wider than :data:`LOG_COVER_REL_TOL` (it
        cannot be for :math:`N \ge 10^{12}`; see Notes).

    See Also
    --------
    cover_count : the exact integer, for counts that can be written out in about a second.

    Notes
    -----
    Computed in log space, in under a second at every size: :math:`\log\binom{N-1}{d-1}` from
    log-gamma functions at a working precision that resolves :math:`\log N!`, times the ratio series
    :math:`\sum_j \prod_{i<j} \frac{k_i}{N - k_i}` summed in doubles on the smaller tail (past the
    middle, :math:`2(d-1) \ge N-1`, through the complement).  The relative error is below
    :math:`10^{-12}` wherever the series converges within :math:`2^{22}` terms (every :math:`N` up to
    about :math:`10^{12}`) or its unsummed rest cannot move :math:`\log C` in double precision;
    otherwise the rest is bracketed and the midpoint returned, within :data:`LOG_COVER_REL_TOL`.  The
    method and the accuracy argument: ``docs/methods/cover-count.md``.

    References
    ----------
    .. [1] T. M. Cover, "Geometrical and statistical properties of systems of linear inequalities
       with applications in pattern recognition", IEEE Transactions on Electronic Computers EC-14(3),
       326-334, 1965.

    Examples
    --------
    >>> round(log_cover_count(4, 2), 12) == round(math.log(8), 12)
    True
    >>> log_cover_count(1.28e6, 12288) > 0   # the paper's ImageNet row, instantly
    True
    """
    n_int, d_int = _whole("n", n), _whole("d", d)
    if n_int > LOG_COVER_MAX_N:
        raise ValueError(f"n must be at most {LOG_COVER_MAX_N:g}; got {float(n_int):g}")
    if d_int >= n_int:
        return float(n_int) * math.log(2)
    digits = 30 + int(
        math.log10(float(n_int) * math.log(float(n_int) + 1.0) + 1.0)
    )  # resolve log N!
    with mpmath.workdps(digits):
        lo, hi = _log_cover_bracket(n_int, d_int)
        mid = (lo + hi) / 2
        if (hi - lo) / 2 > LOG_COVER_REL_TOL * abs(mid):
            raise ArithmeticError(
                f"log_cover_count({n_int}, {d_int}): bracket [{mpmath.nstr(lo, 12)}, "
                f"{mpmath.nstr(hi, 12)}] wider than the relative tolerance {LOG_COVER_REL_TOL:g}"
            )
        return float(mid)
