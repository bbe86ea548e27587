r"""Khatri-Rao products, activation patterns and the DLM residual (supporting lemmas K1-K5).

Notation (CLAIMS.md): data :math:`X\in\mathbb R^{d_0\times N}`, first layer :math:`W\in\mathbb R^{d_1\times d_0}`,
activation pattern :math:`A = a(WX)\in\{\rho,1\}^{d_1\times N}`, and the Khatri-Rao product

.. math:: A\circ X = [a^{(1)}\otimes x^{(1)}, \dots, a^{(N)}\otimes x^{(N)}] \in \mathbb R^{d_0 d_1\times N}.

Inside the region :math:`\mathcal D_A` the network output is :math:`(A\circ X)^\top v` with
:math:`v = \operatorname{vec}(\operatorname{diag}(z) W)` (K5), so every DLM of the region has the residual
:math:`e_A = (I - P)y`, :math:`P` the orthogonal projector onto the row space of :math:`A\circ X`.

Functions accept a leading batch of patterns where it makes sense (``A`` of shape ``(..., d1, N)``),
so that samplers evaluate many random ``W`` in one array operation.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from . import _lstsq
from ._checks import (
    as_array,
    as_matrix,
    check_labels,
    check_rho,
    check_same_columns,
    open_unit,
    positive_int,
    power_of_two_scale,
)
from ._lstsq import _augmented, _residual_svd

__all__ = [
    "khatri_rao",
    "khatri_rao_gram",
    "lrelu",
    "activation_pattern",
    "generic_rank",
    "generic_rank_brute_force",
    "k3_full_rank_certificate",
    "dlm_residual",
    "mce",
    "GENERIC_RANK_MAX_CANDIDATES",
]

#: :func:`generic_rank` refuses inputs that need more candidate subspaces than this.
GENERIC_RANK_MAX_CANDIDATES = 200_000


def khatri_rao(A, X) -> np.ndarray:
    r"""Column-wise Kronecker product :math:`A\circ X`, column :math:`n` equal to :math:`a^{(n)}\otimes x^{(n)}`.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Activation patterns (or any matrices), real and finite, at least 2-D; a leading batch is allowed.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A``.

    Returns
    -------
    ndarray, shape (..., d1 * d0, N)
        For 2-D ``A`` equal to ``scipy.linalg.khatri_rao(A, X)``; the batch version has no SciPy
        counterpart, hence ``einsum``.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``A`` has fewer than 2 dimensions, ``X`` is not 2-D, either is empty or not finite, or their
        numbers of columns differ.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    d1, d0, n = A.shape[-2], X.shape[0], X.shape[1]
    return np.einsum("...in,jn->...ijn", A, X).reshape(*A.shape[:-2], d1 * d0, n)


def khatri_rao_gram(A, X) -> np.ndarray:
    r"""Gram matrix :math:`(A\circ X)^\top(A\circ X) = (A^\top A)\odot(X^\top X)` (K1), without forming
    :math:`A\circ X`.

    Cost :math:`O(N^2(d_0 + d_1))` instead of :math:`O(N^2 d_0 d_1)`.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Real and finite, at least 2-D; a leading batch is allowed.
    X : array_like, shape (d0, N)
        Real and finite, with as many columns as ``A``.

    Returns
    -------
    ndarray, shape (..., N, N)
        The Gram matrix of the columns of :math:`A\circ X`, one per batch entry.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``A`` has fewer than 2 dimensions, ``X`` is not 2-D, either is empty or not finite, or their
        numbers of columns differ.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    return _gram_unchecked(A, X)


def _gram_unchecked(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """K1's (A^T A) * (X^T X) on validated arrays; both may carry batch axes."""
    return (np.swapaxes(A, -1, -2) @ A) * (np.swapaxes(X, -1, -2) @ X)


def lrelu(U, rho: float) -> np.ndarray:
    r"""Leaky ReLU :math:`f(u) = u\,a(u)`: :math:`u` for :math:`u > 0`, :math:`\rho u` otherwise.

    Parameters
    ----------
    U : array_like
        Pre-activations, real and finite, non-empty, any shape.
    rho : float
        LReLU slope: a finite real number (not a boolean), :math:`\rho \ne 1`.

    Returns
    -------
    ndarray
        :math:`f(U)` elementwise, of the shape of ``U``.

    Raises
    ------
    TypeError
        If ``U`` is not a real numeric array or ``rho`` is not a real number.
    ValueError
        If ``U`` is empty or not finite, or ``rho`` is not finite or equals 1.
    """
    return lrelu_unchecked(as_array("U", U), check_rho(rho))


def lrelu_unchecked(U: np.ndarray, rho: float) -> np.ndarray:
    """f(U) for a validated array and slope."""
    return np.where(U > 0, U, rho * U)


def activation_of(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U): 1 where U > 0, rho elsewhere (the caller has excluded or accepted exact zeros)."""
    return np.where(U > 0, 1.0, rho)


def activation_pattern(W, X, rho: float) -> np.ndarray:
    r"""The pattern :math:`A = a(WX)`: entries 1 where :math:`w_i^\top x^{(n)} > 0`, :math:`\rho` where it is
    :math:`< 0`.

    Parameters
    ----------
    W : array_like, shape (..., d1, d0)
        First layer, real and finite, at least 2-D; a leading batch of networks is allowed.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many rows as ``W`` has columns.
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.

    Returns
    -------
    ndarray, shape (..., d1, N)
        The pattern, entries in :math:`\{\rho, 1\}`.

    Raises
    ------
    TypeError
        If ``W`` or ``X`` is not a real numeric array or ``rho`` is not a real number.
    ValueError
        If ``rho`` is not finite or equals 1; ``W`` has fewer than 2 dimensions or ``X`` is not 2-D, either
        is empty or not finite; the columns of ``W`` do not match the rows of ``X``; or some
        pre-activation is exactly 0: the point :math:`W` lies on a boundary, in no region
        (:math:`a(0)` is undefined).
    """
    rho = check_rho(rho)
    W = as_array("W", W, min_ndim=2)
    X = as_matrix("X", X)
    if W.shape[-1] != X.shape[0]:
        raise ValueError(
            f"W must have d0 = {X.shape[0]} columns (the rows of X); got shape {W.shape}"
        )
    # columns divided by powers of two: the same signs exactly, and no overflow of W X at any scale
    return pattern_unchecked(W @ (X / power_of_two_scale(X, axis=0)), rho)


def pattern_unchecked(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U) for validated pre-activations; raises where an entry is exactly 0."""
    zero = U == 0
    if np.any(zero):
        index = tuple(int(i) for i in np.argwhere(zero)[0])
        raise ValueError(
            f"pre-activation w_i^T x^(n) is exactly 0 at index {index}: W lies on a region boundary "
            "(a(0) is undefined)"
        )
    return activation_of(U, rho)


def _primitive_integer_column(col: np.ndarray) -> tuple[int, ...] | None:
    """The exact direction of a float column, up to sign and scale: a primitive integer vector.

    Every double is a rational with a power-of-two denominator, so ``Fraction(x)`` is exact; the column
    times the least common denominator, divided by the gcd of its entries, with its first non-zero entry
    made positive, is the same tuple for two columns iff they are parallel (exactly).  ``None`` for a
    zero column.
    """
    fr = [Fraction(float(v)) for v in col]
    den = math.lcm(*(f.denominator for f in fr))
    ints = [int(f * den) for f in fr]
    g = math.gcd(*ints)
    if g == 0:
        return None
    ints = [i // g for i in ints]
    sign = 1 if next(i for i in ints if i) > 0 else -1
    return tuple(sign * i for i in ints)


class _ExactSpan:
    """An exact row-echelon basis of integer vectors (fraction-free elimination over the rationals)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[int]]] = []  # (pivot index, vector), zero before the pivot

    def reduce(self, v) -> list[int]:
        v = list(v)
        for p, b in self.rows:
            if v[p]:
                a, c = b[p], v[p]
                v = [a * vi - c * bi for vi, bi in zip(v, b)]
                g = math.gcd(*v)
                if g > 1:
                    v = [x // g for x in v]
        return v

    def contains(self, v) -> bool:
        return not any(self.reduce(v))

    def add(self, v) -> bool:
        """Add ``v``; False (and nothing added) if it is already in the span."""
        r = self.reduce(v)
        if not any(r):
            return False
        self.rows.append((next(i for i, x in enumerate(r) if x), r))
        return True

    def copy(self) -> "_ExactSpan":
        out = _ExactSpan()
        out.rows = list(self.rows)
        return out


def _float_direction(v: tuple[int, ...]) -> np.ndarray:
    m = max(abs(x) for x in v)
    u = np.array([float(Fraction(x, m)) for x in v])
    return u / np.linalg.norm(u)


def generic_rank(A, d0: int, *, max_candidates: int = GENERIC_RANK_MAX_CANDIDATES) -> int:
    r"""Rank of :math:`A\circ X` for almost every :math:`X` with iid continuous entries (K3).

    .. math:: \operatorname{rank}(A\circ X) = \min_{T\subseteq[N]}\left(N - |T| + d_0\operatorname{rank}(A_T)\right).

    (This is the rank of the union of :math:`d_0` copies of the column matroid of :math:`A`, by the
    matroid union theorem, so it holds for any real :math:`A`, not only activation patterns.)

    Computed without enumerating the :math:`2^N` subsets: for each rank :math:`r` the best :math:`T` is
    the largest set of columns lying in an :math:`r`-dimensional subspace spanned by :math:`r` columns, so
    only independent subsets of the *distinct* column directions of size :math:`r < (\text{best so far})/d_0`
    are visited (depth-first, extending a subset only while it can still improve the minimum).

    **Exact for every finite float matrix.**  Each double is a rational number, and every decision
    (which columns are parallel, which subsets are independent, which directions lie in a span) is made
    in exact rational arithmetic, or by a floating-point test whose rounding error is bounded and
    smaller than the quantity it decides: a direction is declared *outside* a span only when its
    floating-point distance to it exceeds :math:`10^3\max(d_1, r)\,\varepsilon\,(\kappa + 1)`,
    :math:`\kappa` the condition number of the spanning directions (an upper bound on the error of the
    Householder projection), and every other case is settled exactly.  So entries such as
    :math:`\rho = 10^{-13}`, :math:`1 - 10^{-12}` or :math:`10^{12}` are handled exactly, where a
    tolerance would not.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        Any finite real matrix, 2-D and non-empty (typically a pattern with entries in :math:`\{\rho, 1\}`).
    d0 : int
        Number of rows of :math:`X`: an integer :math:`\ge 1`.
    max_candidates : int
        An integer :math:`\ge 1`.  Refuse (``ValueError``) when more candidate subspaces than this could be
        visited.  The count
        is :math:`\sum_{r < N/d_0} \binom{u}{r}` with :math:`u` the number of distinct directions.

    Returns
    -------
    int
        The generic rank of :math:`A\circ X`, between 0 and :math:`\min(N, d_0 d_1)`.

    Raises
    ------
    TypeError
        If ``A`` is not a real numeric array.
    ValueError
        For a non-2-D, non-finite or empty ``A``, ``d0`` or ``max_candidates`` not an integer >= 1, or more
        candidate subspaces than ``max_candidates``.

    Examples
    --------
    >>> generic_rank(np.array([[1e-13, 1, 1e-13], [1e-13, 1e-13, 1e-13]]), 2)
    3
    >>> generic_rank(np.ones((3, 7)), 2)
    2
    """
    A = as_matrix("A", A)
    d0 = positive_int("d0", d0)
    max_candidates = positive_int("max_candidates", max_candidates)
    d1, n = A.shape
    counts: dict[tuple[int, ...], int] = {}
    zeros = 0
    for col in A.T:
        key = _primitive_integer_column(col)
        if key is None:
            zeros += 1
        else:
            counts[key] = counts.get(key, 0) + 1
    keys = list(counts)
    u = len(keys)
    span = _ExactSpan()
    rank_a = sum(span.add(k) for k in keys)
    best = min(n, d0 * rank_a, n - zeros)  # T = all columns; T = zero columns (rank 0)
    r_max = min(rank_a - 1, (best - 1) // d0)  # ranks r with d0 r < best can still improve
    work = sum(math.comb(u, r) for r in range(1, r_max + 1))
    if work > max_candidates:
        raise ValueError(
            f"generic_rank would visit up to {work} candidate subspaces (> max_candidates = {max_candidates}); "
            f"A has {u} distinct column directions and N/d0 = {n / d0:.3g}"
        )
    if r_max < 1:
        return int(best)
    units = np.array([_float_direction(k) for k in keys]).T  # (d1, u), unit columns
    mult = np.array([counts[k] for k in keys])
    eps = np.finfo(float).eps

    def inside_count(subset: tuple[int, ...], exact: _ExactSpan) -> int:
        basis = units[:, subset]
        sv = np.linalg.svd(basis, compute_uv=False)
        kappa = sv[0] / sv[-1] if sv[-1] > 0 else np.inf
        if kappa < 1e10:
            q = np.linalg.qr(basis)[0]
            dist = np.linalg.norm(units - q @ (q.T @ units), axis=0)
            maybe = dist <= 1e3 * max(d1, len(subset)) * eps * (kappa + 1)
        else:
            maybe = np.ones(u, dtype=bool)
        maybe[list(subset)] = False  # the spanning directions themselves are inside
        return int(mult[list(subset)].sum()) + int(
            sum(mult[j] for j in np.flatnonzero(maybe) if exact.contains(keys[j]))
        )

    def visit(start: int, subset: tuple[int, ...], exact: _ExactSpan) -> None:
        nonlocal best
        r = len(subset) + 1
        if d0 * r >= best:
            return
        for j in range(start, u):
            grown = exact.copy()
            if not grown.add(keys[j]):  # dependent: this span is visited with fewer directions
                continue
            sub = (*subset, j)
            m = zeros + inside_count(sub, grown)
            best = min(best, n - m + d0 * r)
            if r < r_max:
                visit(j + 1, sub, grown)

    visit(0, (), _ExactSpan())
    return int(best)


def generic_rank_brute_force(A, d0: int) -> int:
    r"""K3's formula by enumerating every :math:`T\subseteq[N]` (reference for tests; :math:`N \le 16`).

    Parameters
    ----------
    A : array_like, shape (d1, N)
        Real and finite, 2-D and non-empty, with :math:`N \le 16` columns.
    d0 : int
        Number of rows of :math:`X`: an integer :math:`\ge 1`.

    Returns
    -------
    int
        :math:`\min_T (N - |T| + d_0\operatorname{rank}(A_T))`, ranks by ``numpy.linalg.matrix_rank``.

    Raises
    ------
    TypeError
        If ``A`` is not a real numeric array.
    ValueError
        If ``A`` is not 2-D, is empty or not finite, or has more than 16 columns; or ``d0`` is not an
        integer >= 1.
    """
    A = as_matrix("A", A)
    d0 = positive_int("d0", d0)
    n = A.shape[1]
    if n > 16:
        raise ValueError(
            f"generic_rank_brute_force enumerates 2^N subsets; N must be <= 16, got {n}"
        )
    best = n
    for size in range(1, n + 1):
        for t in itertools.combinations(range(n), size):
            best = min(best, n - size + d0 * int(np.linalg.matrix_rank(A[:, t])))
    return best


def pattern_codes(A: np.ndarray) -> np.ndarray:
    """Integer code sum_i A[..., i, n] 2^i of each column of 0/1 patterns ``A`` (..., d1, N), d1 <= 62."""
    codes = np.zeros(A.shape[:-2] + A.shape[-1:], dtype=np.int64)
    for i in range(A.shape[-2]):
        codes |= (A[..., i, :] != 0).astype(np.int64) << i
    return codes


def top_multiplicity_certificate(
    codes: np.ndarray, valid: np.ndarray, d0: int, d1: int, size: np.ndarray
) -> np.ndarray:
    r"""For each row of ``codes`` (B, N): whether, for every :math:`r = 1..d_1` with :math:`d_0r <` ``size``,
    the :math:`2^r - 1` most frequent values among the ``valid`` entries cover at most :math:`d_0r` of them."""
    B, N = codes.shape
    if B == 0:
        return np.ones(0, dtype=bool)
    c = np.where(valid, codes, -1)
    s = np.sort(c, axis=1)
    start = np.ones((B, N), dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run = np.cumsum(start, axis=1) - 1
    flat = (np.arange(B)[:, None] * N + run).ravel()
    counts = np.bincount(flat, weights=(s >= 0).ravel(), minlength=B * N).reshape(B, N)
    cum = np.cumsum(-np.sort(-counts, axis=1), axis=1)
    ok = np.ones(B, dtype=bool)
    for r in range(1, d1 + 1):
        k = min((1 << r) - 1, N) if r < 62 else N
        ok &= (d0 * r >= size) | (cum[:, k - 1] <= d0 * r)
    return ok


def k3_full_rank_certificate(A, d0: int) -> np.ndarray | bool:
    r"""Whether K3 certifies, from the activation pattern alone, that the live columns of :math:`A\circ X`
    are independent for every :math:`X` in general position.

    The live columns are those with :math:`a^{(n)}\ne0` (a dead column of :math:`A\circ X` is zero).  By
    K3 (:func:`generic_rank`), for :math:`X` with iid continuous entries the live columns :math:`L` are
    independent almost surely iff :math:`|T|\le d_0\operatorname{rank}(A_T)` for every :math:`T\subseteq L`;
    and since :math:`A` takes finitely many values, almost every :math:`X` satisfies K3 for every
    :math:`A` at once, so the certificate may be applied to a pattern :math:`A = a(WX)` that depends on
    :math:`X`.  A set :math:`T` with :math:`\operatorname{rank}(A_T) = r` has its columns in an
    :math:`r`-dimensional subspace, which holds at most :math:`2^r - 1` distinct non-zero 0/1 vectors
    (Odlyzko's bound), so :math:`|T|` is at most the sum :math:`c_r` of the :math:`2^r - 1` largest
    multiplicities of the live columns.  Certified: :math:`c_r\le d_0r` for every :math:`r` with
    :math:`d_0r < |L|` (for the others :math:`|T|\le|L|\le d_0r` holds anyway).  Then
    :math:`e_A = y` on the dead columns and :math:`0` on the live ones (K5), so the misclassified points are
    exactly the dead points of label 1.  Sufficient, not necessary: ``False`` means "not certified".

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        ReLU activation patterns, entries in {0, 1}, ``d1 <= 62``; leading axes are a batch.
    d0 : int
        Rows of :math:`X`: an integer :math:`\ge 1`.

    Returns
    -------
    bool or ndarray of bool, shape (...)
        ``True`` where certified.

    Raises
    ------
    ValueError
        If ``A`` has fewer than 2 axes, is empty, has an entry outside {0, 1} or ``d1 > 62``, or ``d0`` is
        not an integer >= 1.
    """
    A = as_array("A", A)
    d0 = positive_int("d0", d0)
    if A.ndim < 2 or A.size == 0:
        raise ValueError(f"A must be a non-empty array of shape (..., d1, N); got shape {A.shape}")
    if not np.all((A == 0) | (A == 1)):
        raise ValueError("A must have entries in {0, 1} (ReLU activation patterns)")
    d1, n = A.shape[-2:]
    if d1 > 62:
        raise ValueError(
            f"A must have d1 <= 62 rows (patterns are coded as 64-bit integers); got {d1}"
        )
    batch = A.shape[:-2]
    codes = pattern_codes(A.reshape((-1, d1, n)))
    live = codes != 0
    out = top_multiplicity_certificate(codes, live, d0, d1, live.sum(axis=1))
    return bool(out[0]) if not batch else out.reshape(batch)


def dlm_residual_unchecked(
    A: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    rtol: float | None = None,
    method: str = "auto",
    return_rank: bool = False,
):
    """:func:`dlm_residual` on arrays already validated (the samplers' hot path)."""
    if not return_rank and method != "svd":
        return _lstsq.auto_residual(A, X, y, rtol)
    e, rank = _residual_svd(_augmented(A, X, y)[..., :-1], y, rtol)
    return (e, rank) if return_rank else e


def dlm_residual(
    A, X, y, *, rtol: float | None = None, return_rank: bool = False, method: str = "auto"
):
    r"""The residual :math:`e_A = (I - P)y` shared by every DLM of the region :math:`\mathcal D_A` (K5, Lemma 2).

    :math:`P` projects onto the row space of :math:`A\circ X`, i.e. the column space of
    :math:`M = (A\circ X)^\top \in \mathbb R^{N\times d_0d_1}`.

    * ``method="svd"``: SVD of :math:`M`; singular values :math:`s_k > \text{rtol}\cdot s_{\max}` count,
      default :math:`\text{rtol} = \max(N, d_0d_1)\,\varepsilon_{\text{machine}}` (NumPy's ``matrix_rank`` rule).
    * ``method="auto"`` (default): a certified fast path (``numeric/_lstsq.py``, where the math and the
      constants are), then Householder QR, then the SVD, each for what the previous one did not certify.
      When :math:`d_0d_1 < N`: Gram matrix :math:`M^\top M` by K1's structure (one GEMM for the batch,
      :math:`M` never formed), Cholesky factorization of :math:`M^\top M - tI` whose success certifies
      :math:`\sigma_{\min}(M)^2 \ge 10^{-12}\|M\|_F^2` (Rump's shift, rounding included), refinement by the
      corrected semi-normal equations; a pattern is accepted only if the a posteriori bound
      :math:`(g^\top(LL^\top)^{-1}g)^{1/2} \ge \|e - e_A\|`, :math:`g = M^\top e`, is at most :math:`10^{-12}\|y\|`
      and :math:`\|M^\top e\| \le 10^{-12}\|M\|_F\|y\|`.  Structurally rank-deficient patterns (K3: two
      neurons whose rows differ on fewer than :math:`d_0` points, or a neuron active on fewer) fail that
      factorization; they are reduced exactly (those points fitted, that neuron dropped) and certified
      the same way.  The rest goes to Householder QR of
      :math:`[M \mid y]`, accepted if every :math:`|r_{kk}| > 10^{-8}\max_j|r_{jj}|` and
      :math:`\|M^\top e\| \le 10^{-10}\|M\|_F\|y\|`, else to the SVD.  When :math:`d_0d_1 \ge N`: dead points
      (no neuron active) get :math:`e_n = y_n`, and :math:`e = 0` on the others once the shifted Cholesky
      factorization of K1's :math:`N\times N` Gram matrix :math:`(A^\top A)*(X^\top X)` (dead points removed)
      certifies that their rows are independent (:math:`\lambda_{\min} > 10^{-10}\operatorname{tr}`); every other
      pattern goes to the SVD.  Inputs are scaled by powers of two first (results do not depend on the
      scales of :math:`X` and :math:`y`).

    Both give the same vector up to rounding where the SVD's rank decision is unambiguous (tested).
    Batched: one call for all patterns.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Activation patterns (any real matrices work).
    X : array_like, shape (d0, N)
    y : array_like, shape (N,)
        Targets (need not be binary), real and finite, one per column of ``X``.
    rtol : float, optional
        Relative rank tolerance of the SVD, in the open interval (0, 1); ``None`` for the default above.
    return_rank : bool
        Also return the numerical rank of :math:`A\circ X` (forces ``method="svd"``).
    method : {"auto", "svd"}
        The algorithm, as described above.

    Returns
    -------
    e : ndarray, shape (..., N)
        The residual :math:`e_A`, one per pattern.
    rank : ndarray of int, shape (...), only if ``return_rank``
        The numerical rank of :math:`A\circ X` under ``rtol``.

    Raises
    ------
    TypeError
        If ``A``, ``X`` or ``y`` is not a real numeric array.
    ValueError
        If ``A`` has fewer than 2 dimensions, ``X`` is not 2-D or ``y`` not 1-D, any is empty or not finite;
        ``A`` and ``X`` differ in their number of columns; ``method`` is not ``"auto"`` or ``"svd"``;
        ``rtol`` is not in (0, 1); or ``y`` does not have length N.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    y = as_array("y", y, ndim=1)
    if method not in ("auto", "svd"):
        raise ValueError(f"method must be 'auto' or 'svd'; got {method!r}")
    if rtol is not None:
        rtol = open_unit("rtol", rtol)
    if y.shape[0] != X.shape[1]:
        raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
    return dlm_residual_unchecked(A, X, y, rtol, method, return_rank)


def mce(output, y) -> np.ndarray | float:
    r"""Mean classification error: the fraction of :math:`n` with :math:`1\{\text{output}_n > 0.5\} \ne y_n`.

    Parameters
    ----------
    output : array_like, shape (..., N)
        Network outputs, real and finite, at least 1-D; a leading batch is allowed.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per last-axis entry of ``output``.

    Returns
    -------
    float or ndarray of shape (...)
        The error rate in [0, 1]: a float for 1-D ``output``, else one per batch entry.

    Raises
    ------
    TypeError
        If ``output`` or ``y`` is not a real numeric array.
    ValueError
        If either is empty or not finite, ``y`` is not 1-D, has an entry outside {0, 1}, or its length
        differs from the last axis of ``output``.
    """
    out = as_array("output", output, min_ndim=1)
    y = check_labels(y, out.shape[-1])
    err = mce_unchecked(out, y)
    return float(err) if np.ndim(err) == 0 else err


def mce_unchecked(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """MCE for validated arrays (threshold 0.5 on both outputs and labels)."""
    return np.mean((output > 0.5) != (y > 0.5), axis=-1)
