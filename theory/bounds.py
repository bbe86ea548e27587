r"""The paper's closed-form bounds, each written once in SymPy.

Every function here evaluates one SymPy expression (``f.expr``) on whatever its caller passes:
SymPy symbols or numbers (exact result), Python numbers (``float``, or ``int`` for the
integer-valued ones), NumPy arrays (broadcasting) or mpmath numbers (at ``mpmath.mp.dps``).
Probabilities that underflow doubles, such as :math:`e^{-2N\log N}`, are returned as natural
logarithms (``*_log_bound``).

Argument order follows the toolkit convention ``(n, d0, d1, eps, rho)``; ``d0_over_n`` is
:math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, which only the LReLU branch of
:math:`\gamma_\epsilon` uses.

Invalid arguments raise ``ValueError`` naming the argument and the rule: sizes must be finite and
:math:`\ge 1`, :math:`\epsilon\in(0,1)`, :math:`\rho\ne 1`, :math:`c\in[0,1]`, and the theorems that
assume :math:`d_0 \lesssim N` (A3) require ``d0 <= n``.

The symbols are module attributes (``N, d0, d1, eps, rho, c, d1s, delta``) so that users can build on
the expressions, e.g. ``theorem6_log_bound(N, d0, d1, eps, rho, c)`` is the SymPy expression itself.
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
    "N",
    "d0",
    "d1",
    "eps",
    "rho",
    "c",
    "d1s",
    "delta",
    "k",
    "gamma_eps",
    "d1_star",
    "theorem9_delta",
    "theorem6_log_bound",
    "corollary7_log_bound",
    "theorem9_log_bound",
    "theorem10_log_bound",
    "theorem10_second_log_bound",
    "cover_count",
    "log_cover_count",
    "ALL_BOUNDS",
]

# --- symbols -----------------------------------------------------------------------------
N = sp.Symbol("N", positive=True)
d0 = sp.Symbol("d_0", positive=True)
d1 = sp.Symbol("d_1", positive=True)
eps = sp.Symbol("epsilon", positive=True)
rho = sp.Symbol("rho", real=True)
c = sp.Symbol("c", nonnegative=True)  # lim d0(N)/N
d1s = sp.Symbol("d_1^*", positive=True)
delta = sp.Symbol("delta", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)

_SIZE = (_validate.AT_LEAST_ONE,)
_n = Param("n", N, _SIZE)
_d0 = Param("d0", d0, _SIZE)
_d1 = Param("d1", d1, _SIZE)
_eps = Param("eps", eps, (_validate.OPEN_UNIT,))
_rho = Param("rho", rho, (_validate.NOT_ONE,))
_c = Param("d0_over_n", c, (_validate.CLOSED_UNIT,))
_A3 = (_validate.D0_AT_MOST_N,)

# --- D5 ------------------------------------------------------------------------------------
GAMMA_EPS_EXPR = sp.Piecewise(
    (sp.Rational(23, 100) * eps ** sp.Rational(3, 4), sp.Eq(rho, 0)),
    (sp.Rational(23, 100) * sp.Max(c, eps) ** sp.Rational(3, 4), True),
)
_GAMMA = Bound("gamma_eps", (_eps, _rho, _c), GAMMA_EPS_EXPR, "Definition 5")


@bound_function(_GAMMA)
def gamma_eps(eps, rho, d0_over_n):
    r"""The exponent constant :math:`\gamma_\epsilon` of Theorems 6 and 10 (Definition 5).

    .. math::
        \gamma_\epsilon = \begin{cases} 0.23\,\epsilon^{3/4} & \rho = 0 \text{ (ReLU)}\\
        0.23\,\max(c, \epsilon)^{3/4} & \rho \notin \{0, 1\} \text{ (leaky ReLU)}\end{cases}
        \qquad c = \lim_{N\to\infty} d_0(N)/N.

    Parameters
    ----------
    eps : number, array or SymPy expression
        Classification-error threshold, :math:`0 < \epsilon < 1`.
    rho : number, array or SymPy expression
        LReLU slope on the negative side, :math:`\rho \ne 1` (0 is the ReLU).
    d0_over_n : number, array or SymPy expression
        :math:`c \in [0, 1]`; ignored (but still validated) when ``rho == 0``.

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        :math:`\gamma_\epsilon > 0`, of the kind of the arguments: ``float`` for Python numbers, an
        array for NumPy input, ``mpmath.mpf`` for mpmath numbers, a SymPy expression (a
        ``Piecewise`` for a symbolic ``rho``) for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, or a result computed in doubles overflows (pass ``mpmath.mpf`` for such
        sizes).

    Examples
    --------
    >>> round(gamma_eps(0.5, 0, 0.0), 6)
    0.136759
    """


# --- T8 ------------------------------------------------------------------------------------
D1_STAR_EXPR = 4 * sp.ceiling(N / (2 * d0 - 2))
_D1_STAR = Bound(
    "d1_star",
    (_n, Param("d0", d0, (_validate.AT_LEAST_TWO,))),
    D1_STAR_EXPR,
    "Theorem 8",
    integer_valued=True,
)


@bound_function(_D1_STAR)
def d1_star(n, d0):
    r"""Hidden width of Theorem 8's interpolating network, :math:`d_1^* = 4\lceil N/(2d_0-2)\rceil`.

    Exact integer arithmetic for integer input (Python ``int`` gives ``int``; integer arrays give
    integer arrays); floats give the ceiling of the float quotient.

    Parameters
    ----------
    n : int, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    d0 : int, array or SymPy expression
        Input dimension :math:`d_0`: finite, :math:`\ge 2` (the formula divides by :math:`2d_0 - 2`).

    Returns
    -------
    int, float, numpy.ndarray, mpmath.mpf or sympy.Expr
        :math:`d_1^*`: an ``int`` for Python ints, an ``object`` array of Python ints for integer
        arrays, a ``float`` (or float array) for float input, ``mpmath.mpf`` for mpmath numbers, a
        SymPy integer (or the unevaluated ceiling, for symbols) for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, or a result computed in doubles overflows (pass ``mpmath.mpf`` for such
        sizes).

    Examples
    --------
    >>> d1_star(1000, 11)
    200
    """


# --- T9 ------------------------------------------------------------------------------------
THEOREM9_DELTA_EXPR = sp.sqrt(8 / sp.pi) / sp.sqrt(d0) + 2 * sp.sqrt(d0) * sp.sqrt(sp.log(d0)) / N
_DELTA = Bound("theorem9_delta", (_n, _d0), THEOREM9_DELTA_EXPR, "Theorem 9", relations=_A3)


@bound_function(_DELTA)
def theorem9_delta(n, d0):
    r"""Failure probability of Theorems 9 and 10.

    .. math:: \delta = \sqrt{8/\pi}\, d_0^{-1/2} + 2\, d_0^{1/2} \sqrt{\log d_0}\,/\,N .

    Requires ``1 <= d0 <= n``.  Note that :math:`\delta < 1` only for :math:`d_0 > 8/\pi \approx 2.55`
    at the very least; below that the theorem says nothing.

    Parameters
    ----------
    n : number, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    d0 : number, array or SymPy expression
        Input dimension :math:`d_0`: finite, :math:`1 \le d_0 \le N` (A3).

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        :math:`\delta > 0`, of the kind of the arguments: ``float`` for Python numbers, an array for
        NumPy input, ``mpmath.mpf`` for mpmath numbers, a SymPy expression for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> round(theorem9_delta(10_000, 100), 6)
    0.163869
    """


THEOREM6_LOG_EXPR = -GAMMA_EPS_EXPR * N ** sp.Rational(3, 4) * (d0 * d1) ** sp.Rational(1, 4)
_T6 = Bound(
    "theorem6_log_bound",
    (_n, _d0, _d1, _eps, _rho, _c),
    THEOREM6_LOG_EXPR,
    "Theorem 6",
    relations=_A3,
)


@bound_function(_T6)
def theorem6_log_bound(n, d0, d1, eps, rho, d0_over_n):
    r"""Log of Theorem 6's bound on the expected angular volume of bad regions.

    .. math:: \log \mathbb{E}_X V(L_\epsilon) \;\lesssim\; -\gamma_\epsilon\, N^{3/4} (d_0 d_1)^{1/4}.

    The theorem is a statement of leading order (:math:`\lesssim`), not a finite-:math:`N`
    inequality: the value returned is the leading-order exponent at this size.

    Parameters
    ----------
    n : number, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    d0 : number, array or SymPy expression
        Input dimension :math:`d_0`: finite, :math:`1 \le d_0 \le N` (A3).
    d1 : number, array or SymPy expression
        Hidden width :math:`d_1`: finite, :math:`\ge 1`.
    eps : number, array or SymPy expression
        Classification-error threshold, :math:`0 < \epsilon < 1`.
    rho : number, array or SymPy expression
        LReLU slope on the negative side, :math:`\rho \ne 1` (0 is the ReLU).
    d0_over_n : number, array or SymPy expression
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``.

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        The natural log :math:`-\gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4} < 0`, of the kind of the
        arguments: ``float`` for Python numbers, an array for NumPy input, ``mpmath.mpf`` for mpmath
        numbers, a SymPy expression for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> round(theorem6_log_bound(10_000, 100, 400, 0.1, 0, 0.01), 3)
    -578.419
    """


COROLLARY7_LOG_EXPR = THEOREM6_LOG_EXPR - sp.log(delta)
_C7 = Bound(
    "corollary7_log_bound",
    (_n, _d0, _d1, _eps, _rho, _c, Param("delta", delta, (_validate.OPEN_UNIT,))),
    COROLLARY7_LOG_EXPR,
    "Corollary 7",
    relations=_A3,
)


@bound_function(_C7)
def corollary7_log_bound(n, d0, d1, eps, rho, d0_over_n, delta):
    r"""Log of Corollary 7's high-probability bound (Markov's inequality applied to Theorem 6).

    .. math:: \log V(L_\epsilon) \;\lesssim\; \log(1/\delta) - \gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4}
        \quad\text{with probability} \ge 1 - \delta .

    Parameters
    ----------
    n : number, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    d0 : number, array or SymPy expression
        Input dimension :math:`d_0`: finite, :math:`1 \le d_0 \le N` (A3).
    d1 : number, array or SymPy expression
        Hidden width :math:`d_1`: finite, :math:`\ge 1`.
    eps : number, array or SymPy expression
        Classification-error threshold, :math:`0 < \epsilon < 1`.
    rho : number, array or SymPy expression
        LReLU slope on the negative side, :math:`\rho \ne 1` (0 is the ReLU).
    d0_over_n : number, array or SymPy expression
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``.
    delta : number, array or SymPy expression
        Failure probability of the high-probability statement, :math:`0 < \delta < 1`.

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        The natural log :math:`\log(1/\delta) - \gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4}`, of the kind
        of the arguments: ``float`` for Python numbers, an array for NumPy input, ``mpmath.mpf`` for
        mpmath numbers, a SymPy expression for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> round(corollary7_log_bound(10_000, 100, 400, 0.1, 0, 0.01, 0.05), 3)
    -575.424
    """


THEOREM9_LOG_EXPR = -d1s * d0 * sp.log(N)
_T9 = Bound(
    "theorem9_log_bound",
    (_n, _d0, Param("d1_star", d1s, (_validate.POSITIVE,))),
    THEOREM9_LOG_EXPR,
    "Theorem 9",
    relations=_A3,
)


@bound_function(_T9)
def theorem9_log_bound(n, d0, d1_star):
    r"""Log of Theorem 9's lower bound on the angular volume of global minima.

    .. math:: \log V(G) \;\gtrsim\; -d_1^* d_0 \log N \quad(\ge -2N\log N \text{ for } d_1^* = 2N/d_0).

    ``d1_star`` is :math:`2N/d_0` in the theorem (or the teacher width of A5); it is a real number, not
    necessarily :func:`d1_star` of Theorem 8.

    Parameters
    ----------
    n : number, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    d0 : number, array or SymPy expression
        Input dimension :math:`d_0`: finite, :math:`1 \le d_0 \le N` (A3).
    d1_star : number, array or SymPy expression
        Width :math:`d_1^*` of the network that reaches a global minimum: finite, :math:`> 0`.

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        The natural log :math:`-d_1^* d_0 \log N \le 0`, of the kind of the arguments: ``float`` for
        Python numbers, an array for NumPy input, ``mpmath.mpf`` for mpmath numbers, a SymPy
        expression for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> round(theorem9_log_bound(10_000, 100, 2 * 10_000 / 100), 3)
    -184206.807
    """


THEOREM10_LOG_EXPR = THEOREM6_LOG_EXPR - THEOREM9_LOG_EXPR.subs(d1s, 2 * N / d0)
_T10 = Bound(
    "theorem10_log_bound",
    (_n, _d0, _d1, _eps, _rho, _c),
    THEOREM10_LOG_EXPR,
    "Theorem 10",
    relations=_A3,
)


@bound_function(_T10)
def theorem10_log_bound(n, d0, d1, eps, rho, d0_over_n):
    r"""Log of the ratio of Theorem 6's and Theorem 9's bounds: the exponent Theorem 10 starts from.

    .. math:: \log\frac{V(L_\epsilon)}{V(G)} \;\lesssim\; -\gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4} + 2N\log N .

    Theorem 10 keeps only the leading order, :math:`-\gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4}`, which is
    legitimate under A4 (then :math:`N\log N` is of lower order; see
    :func:`vanishing_minima.theory.derivations.theorem10_second_inequality_from_A4`).  At a finite size
    the discarded :math:`2N\log N` can dominate: the value returned here keeps it, so a positive value
    means the composed bound says nothing at that size.  The Markov factor :math:`\log(1/\delta)` of
    Corollary 7, of order :math:`\log N`, is left out (see :func:`corollary7_log_bound`).

    Parameters
    ----------
    n : number, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    d0 : number, array or SymPy expression
        Input dimension :math:`d_0`: finite, :math:`1 \le d_0 \le N` (A3).
    d1 : number, array or SymPy expression
        Hidden width :math:`d_1`: finite, :math:`\ge 1`.
    eps : number, array or SymPy expression
        Classification-error threshold, :math:`0 < \epsilon < 1`.
    rho : number, array or SymPy expression
        LReLU slope on the negative side, :math:`\rho \ne 1` (0 is the ReLU).
    d0_over_n : number, array or SymPy expression
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``.

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        The natural log :math:`-\gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4} + 2N\log N` (positive where
        the composed bound is vacuous), of the kind of the arguments: ``float`` for Python numbers,
        an array for NumPy input, ``mpmath.mpf`` for mpmath numbers, a SymPy expression for SymPy
        input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> theorem10_log_bound(10_000, 100, 400, 0.1, 0, 0.01) > 0   # vacuous at this size
    True
    """


THEOREM10_SECOND_LOG_EXPR = -GAMMA_EPS_EXPR * N * sp.log(N)
_T10_SECOND = Bound(
    "theorem10_second_log_bound", (_n, _eps, _rho, _c), THEOREM10_SECOND_LOG_EXPR, "Theorem 10"
)


@bound_function(_T10_SECOND)
def theorem10_second_log_bound(n, eps, rho, d0_over_n):
    r"""Log of Theorem 10's second bound, :math:`e^{-\gamma_\epsilon N\log N}`.

    .. math:: \frac{V(L_\epsilon)}{V(G)} \;\lesssim\; e^{-\gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4}}
        \;\lesssim\; e^{-\gamma_\epsilon N\log N},

    the second inequality by A4 (:math:`d_0 d_1 > N\log^4 N`; see
    :func:`vanishing_minima.theory.derivations.theorem10_second_inequality_from_A4`).

    Parameters
    ----------
    n : number, array or SymPy expression
        Number of datapoints :math:`N`: finite, :math:`\ge 1`.
    eps : number, array or SymPy expression
        Classification-error threshold, :math:`0 < \epsilon < 1`.
    rho : number, array or SymPy expression
        LReLU slope on the negative side, :math:`\rho \ne 1` (0 is the ReLU).
    d0_over_n : number, array or SymPy expression
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``.

    Returns
    -------
    float, numpy.ndarray, mpmath.mpf or sympy.Expr
        The natural log :math:`-\gamma_\epsilon N\log N \le 0`, of the kind of the arguments:
        ``float`` for Python numbers, an array for NumPy input, ``mpmath.mpf`` for mpmath numbers, a
        SymPy expression for SymPy input.

    Raises
    ------
    TypeError
        If an argument is a boolean, a str, a list, a complex number or not a number at all, or
        SymPy or mpmath numbers are mixed with NumPy arrays.
    ValueError
        If an argument breaks the rule given for it above or is NaN or infinite, the arrays do not
        broadcast together, or a result computed in doubles overflows (pass ``mpmath.mpf`` for such
        sizes).

    Examples
    --------
    >>> round(theorem10_second_log_bound(10_000, 0.1, 0, 0.01), 3)
    -3767.068
    """


# --- G2 ------------------------------------------------------------------------------------
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
    working precision (which must resolve :math:`\log m!`).

    :math:`\sum_k \binom{m}{k} = \binom{m}{top}\, R` with :math:`R = \sum_{j \ge 0} \prod_{i<j} r_{top-i}`,
    :math:`r_k = \binom{m}{k-1}/\binom{m}{k} = k/(m-k+1) < 1`, decreasing as :math:`k` falls.  The ratio
    series is summed in doubles from the largest term until the rest, bounded by
    :math:`t_J \min(r/(1-r), top - J)`, is below :math:`10^{-17}` of the sum, or its log is below
    :math:`10^{-15}` of :math:`\log\binom{m}{top}` (it cannot change the result in double precision), or
    ``_SERIES_MAX_TERMS`` terms were summed; then ``(lo, hi)`` bracket the unsummed rest.
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
    r"""Natural log of Cover's count :math:`C(N, d)` (G2), at any size up to :math:`N = 10^{300}`, in under a second.

    .. math:: \log C(N, d) = \log\Big(2 \sum_{k=0}^{d-1} \binom{N-1}{k}\Big), \qquad = N \log 2 \text{ for } d \ge N.

    Computed in log space: :math:`\log\binom{N-1}{d-1}` from log-gamma functions at a working precision
    that resolves :math:`\log N!` (mpmath), times the ratio series
    :math:`\sum_j \prod_{i<j} \frac{k_i}{N - k_i}` summed in doubles from the largest term down until
    the rest is negligible; past the middle (:math:`2(d-1) \ge N-1`) the complement
    :math:`2^N - 2\sum_{k \ge d}\binom{N-1}{k}` is used, so the series always runs on the smaller tail.

    Accuracy: relative error below :math:`10^{-12}` wherever the series converges within
    :math:`2^{22}` terms (every :math:`N` up to about :math:`10^{12}`, and larger :math:`N` unless
    :math:`d` is within a few :math:`\sqrt N` of :math:`N/2`), or its unsummed rest is below
    :math:`10^{-15}` of :math:`\log C` (larger :math:`N` near the middle: the rest is at most
    :math:`\log N` in :math:`\log C \approx N \log 2`; at :math:`N = 10^{300}` the first 64 terms
    suffice).  Otherwise the unsummed rest is bracketed and the midpoint returned; its relative error is
    below :data:`LOG_COVER_REL_TOL` (= 1e-9) or ``ArithmeticError`` is raised (it cannot be, by the bound
    just given, for :math:`N \ge 10^{12}`).

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
        If the bracket of the unsummed rest is wider than :data:`LOG_COVER_REL_TOL` (see the
        accuracy paragraph above).

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


ALL_BOUNDS = (
    gamma_eps,
    d1_star,
    theorem9_delta,
    theorem6_log_bound,
    corollary7_log_bound,
    theorem9_log_bound,
    theorem10_log_bound,
    theorem10_second_log_bound,
    cover_count,
)
