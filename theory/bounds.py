r"""The paper's closed-form bounds, each written once in SymPy.

Every function here evaluates one SymPy expression (``f.expr``) on whatever its caller passes:
SymPy symbols or numbers (exact result), Python numbers (``float``, or ``int`` for the
integer-valued ones), NumPy arrays (broadcasting) or mpmath numbers (at ``mpmath.mp.dps``).
Probabilities that underflow doubles, such as :math:`e^{-2N\log N}`, are returned as natural
logarithms (``*_log_bound``).

Argument order follows the toolkit convention ``(n, d0, d1, eps, rho)``; ``d0_over_n`` is
:math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, which only the LReLU branch of
:math:`\gamma_\epsilon` uses.  It is optional: for the ReLU (``rho == 0``, everywhere for arrays) it may
be omitted; where ``rho != 0`` omitting it raises ``ValueError`` naming it.  A symbolic ``rho`` (a SymPy
expression with free symbols) without ``d0_over_n`` gives the ``Piecewise`` in the symbol ``c``: both
branches, the LReLU one in terms of ``c``, as for every value of :math:`\rho` at once (substitute ``c`` or
pass ``d0_over_n`` for a number).

Invalid arguments raise ``ValueError`` naming the argument and the rule: sizes must be finite and
:math:`\ge 1`, :math:`\epsilon\in(0,1)`, :math:`\rho\ne 1`, :math:`c\in[0,1]`, and the theorems that
assume :math:`d_0 \lesssim N` (A3) require ``d0 <= n``.

The symbols are module attributes (``N, d0, d1, eps, rho, c, d1s, delta``) so that users can build on
the expressions, e.g. ``theorem6_log_bound(N, d0, d1, eps, rho, c)`` is the SymPy expression itself.
"""

from __future__ import annotations

import sympy as sp

from . import _validate
from ._compile import Bound, Param, bound_function

# Cover's count (G2) lives in .cover; its formula and limits stay readable here, beside the others
from .cover import (  # noqa: F401
    COVER_COUNT_EXPR,
    COVER_EXACT_BITS_LIMIT,
    COVER_EXACT_WORK_LIMIT,
    LOG_COVER_MAX_N,
    LOG_COVER_REL_TOL,
    cover_count,
    k,
    log_cover_count,
)

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

_SIZE = (_validate.AT_LEAST_ONE,)
_n = Param("n", N, _SIZE)
_d0 = Param("d0", d0, _SIZE)
_d1 = Param("d1", d1, _SIZE)
_eps = Param("eps", eps, (_validate.OPEN_UNIT,))
_rho = Param("rho", rho, (_validate.NOT_ONE,))
_c = Param("d0_over_n", c, (_validate.CLOSED_UNIT,), needed=_validate.RHO_NOT_ZERO)
_A3 = (_validate.D0_AT_MOST_N,)

# --- D5 ------------------------------------------------------------------------------------
GAMMA_EPS_EXPR = sp.Piecewise(
    (sp.Rational(23, 100) * eps ** sp.Rational(3, 4), sp.Eq(rho, 0)),
    (sp.Rational(23, 100) * sp.Max(c, eps) ** sp.Rational(3, 4), True),
)
_GAMMA = Bound("gamma_eps", (_eps, _rho, _c), GAMMA_EPS_EXPR, "Definition 5")


@bound_function(_GAMMA)
def gamma_eps(eps, rho, d0_over_n=None):
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
    d0_over_n : number, array, SymPy expression or None
        :math:`c \in [0, 1]`; ignored (but still validated) when ``rho == 0``; may be omitted (None)
        there, required where ``rho != 0``.

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
        If an argument breaks the rule given for it above or is NaN or infinite,
        ``d0_over_n`` is omitted where ``rho != 0``, the arrays do not
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
def theorem6_log_bound(n, d0, d1, eps, rho, d0_over_n=None):
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
    d0_over_n : number, array, SymPy expression or None
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``,
        where it may be omitted; required where ``rho != 0``.

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
        If an argument breaks the rule given for it above or is NaN or infinite,
        ``d0_over_n`` is omitted where ``rho != 0``, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> round(theorem6_log_bound(10_000, 100, 400, 0.1, 0), 3)   # ReLU
    -578.419
    >>> round(theorem6_log_bound(10_000, 100, 400, 0.1, 0.2, 0.5), 3)   # leaky ReLU, c = 0.5
    -1934.062
    """


COROLLARY7_LOG_EXPR = THEOREM6_LOG_EXPR - sp.log(delta)
_C7 = Bound(
    "corollary7_log_bound",
    (
        _n,
        _d0,
        _d1,
        _eps,
        _rho,
        _c,
        Param("delta", delta, (_validate.OPEN_UNIT,), keyword_only=True),
    ),
    COROLLARY7_LOG_EXPR,
    "Corollary 7",
    relations=_A3,
)


@bound_function(_C7)
def corollary7_log_bound(n, d0, d1, eps, rho, d0_over_n=None, *, delta):
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
    d0_over_n : number, array, SymPy expression or None
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``,
        where it may be omitted; required where ``rho != 0``.
    delta : number, array or SymPy expression
        Failure probability of the high-probability statement, :math:`0 < \delta < 1`; keyword-only
        (``delta=0.05``), so that it cannot be taken for ``d0_over_n``, which may be omitted before it.

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
        If an argument breaks the rule given for it above or is NaN or infinite,
        ``d0_over_n`` is omitted where ``rho != 0``, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> round(corollary7_log_bound(10_000, 100, 400, 0.1, 0, delta=0.05), 3)
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
def theorem10_log_bound(n, d0, d1, eps, rho, d0_over_n=None):
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
    d0_over_n : number, array, SymPy expression or None
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``,
        where it may be omitted; required where ``rho != 0``.

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
        If an argument breaks the rule given for it above or is NaN or infinite,
        ``d0_over_n`` is omitted where ``rho != 0``, the arrays do not
        broadcast together, ``d0 > n`` (A3), or a result computed in doubles overflows (pass
        ``mpmath.mpf`` for such sizes).

    Examples
    --------
    >>> theorem10_log_bound(10_000, 100, 400, 0.1, 0) > 0   # vacuous at this size
    True
    """


THEOREM10_SECOND_LOG_EXPR = -GAMMA_EPS_EXPR * N * sp.log(N)
_T10_SECOND = Bound(
    "theorem10_second_log_bound", (_n, _eps, _rho, _c), THEOREM10_SECOND_LOG_EXPR, "Theorem 10"
)


@bound_function(_T10_SECOND)
def theorem10_second_log_bound(n, eps, rho, d0_over_n=None):
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
    d0_over_n : number, array, SymPy expression or None
        :math:`c = \lim_{N\to\infty} d_0(N)/N \in [0, 1]`, used by the LReLU branch of
        :math:`\gamma_\epsilon` (:func:`gamma_eps`); ignored (but still validated) when ``rho == 0``,
        where it may be omitted; required where ``rho != 0``.

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
        If an argument breaks the rule given for it above or is NaN or infinite,
        ``d0_over_n`` is omitted where ``rho != 0``, the arrays do not
        broadcast together, or a result computed in doubles overflows (pass ``mpmath.mpf`` for such
        sizes).

    Examples
    --------
    >>> round(theorem10_second_log_bound(10_000, 0.1, 0), 3)
    -3767.068
    """


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
