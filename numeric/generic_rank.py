r"""K3: the generic rank of :math:`A\circ X` from the pattern alone, and K3's full-rank certificate.

For :math:`X` with iid continuous entries, :math:`\operatorname{rank}(A\circ X) = \min_{T\subseteq[N]}(N - |T| +
d_0\operatorname{rank}(A_T))` almost surely (:func:`generic_rank`, exact in rational arithmetic;
:func:`generic_rank_brute_force` enumerates every :math:`T`).  :func:`k3_full_rank_certificate` decides
from the multiplicities of a ReLU pattern's columns that the live columns are independent for every
:math:`X` in general position (:func:`pattern_codes`, :func:`top_multiplicity_certificate`: the
vectorized test the dead-point estimator uses).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from ._checks import as_array, as_matrix, positive_int, scaled_norm

__all__ = [
    "GENERIC_RANK_MAX_CANDIDATES",
    "generic_rank",
    "generic_rank_brute_force",
    "GENERAL_POSITION_TOLERANCE",
    "check_general_position",
    "k3_full_rank_certificate",
    "pattern_codes",
    "top_multiplicity_certificate",
    "top_multiplicity_deficit",
]

#: :func:`generic_rank` refuses inputs that need more candidate subspaces than this.
GENERIC_RANK_MAX_CANDIDATES = 200_000
#: :func:`check_general_position`: columns whose directions differ by less than this in
#: :math:`1 - |\cos\angle|` (an angle of about 1.4e-6 rad) count as parallel, singular values of the
#: column-normalized :math:`X` below this times the largest as zero.
GENERAL_POSITION_TOLERANCE = 1e-12


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


def check_general_position(X, what: str = "this method") -> None:
    r"""Refuse data on which K3's certificates do not hold: rank below :math:`\min(d_0, N)`, or parallel columns.

    K3's certificates (:func:`k3_full_rank_certificate`, :func:`top_multiplicity_deficit`) hold for
    :math:`X` in general position, e.g. drawn from a density.  Two necessary conditions are cheap and
    checked here on the column-normalized :math:`X` (so the test is scale-free): no two columns parallel
    (duplicated or collinear points, :math:`1 - |\cos\angle| \le` :data:`GENERAL_POSITION_TOLERANCE`:
    their columns of :math:`A\circ X` are parallel whenever their patterns agree) and full rank
    (singular values below that tolerance times the largest count as zero).  Other degeneracies (three
    points on a plane when :math:`d_0\ge3`, ...) are not checked: the subsets to test grow
    combinatorially.  Cost: :math:`O(d_0N^2)` in blocks of about 4M entries.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Real, finite data with no zero column.
    what : str
        The method that assumes general position, named in the error.

    Returns
    -------
    None
        When both conditions hold.

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array or has a zero column; naming the first pair of parallel
        columns; or the rank found.
    TypeError
        If ``X`` is not a real numeric array.
    """
    X = as_matrix("X", X)
    if np.any(np.all(X == 0, axis=0)):
        raise ValueError(
            f"X must have no zero column; column {int(np.flatnonzero(np.all(X == 0, axis=0))[0])} is 0"
        )
    d0, n = X.shape
    Xn = X / scaled_norm(X, axis=0)
    step = max(1, (1 << 22) // max(n, 1))
    for j in range(0, n, step):
        G = np.abs(Xn[:, j : j + step].T @ Xn)
        G[np.arange(G.shape[0]), np.arange(j, j + G.shape[0])] = 0.0
        near = np.argwhere(G >= 1.0 - GENERAL_POSITION_TOLERANCE)
        if near.size:
            a, b = int(near[0, 0]) + j, int(near[0, 1])
            raise ValueError(
                f"{what} needs X in general position; columns {min(a, b)} and {max(a, b)} of X are "
                "parallel (duplicated or collinear points); use method='splitting' or 'mc', which compute "
                "the residual of every sample"
            )
    s = np.linalg.svd(Xn, compute_uv=False)
    rank = int(np.sum(s > GENERAL_POSITION_TOLERANCE * s[0]))
    if rank < min(d0, n):
        raise ValueError(
            f"{what} needs X in general position; X has rank {rank} < min(d0, N) = {min(d0, n)}; use "
            "method='splitting' or 'mc', which compute the residual of every sample"
        )


def pattern_codes(A: np.ndarray) -> np.ndarray:
    """Integer code sum_i A[..., i, n] 2^i of each column of 0/1 patterns ``A`` (..., d1, N), d1 <= 62."""
    codes = np.zeros(A.shape[:-2] + A.shape[-1:], dtype=np.int64)
    for i in range(A.shape[-2]):
        codes |= (A[..., i, :] != 0).astype(np.int64) << i
    return codes


def top_multiplicity_deficit(
    codes: np.ndarray,
    valid: np.ndarray,
    d0: int,
    d1: int,
    size: np.ndarray | int,
    *,
    affine: bool = False,
) -> np.ndarray:
    r"""K3's largest deficit :math:`\max_r(c_r - d_0r)` over :math:`r = 1..d_1` with :math:`d_0r <` ``size``.

    :math:`c_r` is the sum of the :math:`k_r` largest multiplicities of the values of a row of ``codes``
    among its ``valid`` entries: :math:`k_r = 2^r - 1` (distinct non-zero 0/1 vectors in an
    :math:`r`-dimensional subspace, Odlyzko's bound) or, with ``affine``, :math:`k_r = 2^r` (distinct
    vectors :math:`\rho\mathbf 1 + (1-\rho)s`, :math:`s\in\{0,1\}^{d_1}`, :math:`\rho\ne1`, in an
    :math:`r`-dimensional subspace: the :math:`s` lie in an affine :math:`r`-dimensional subspace, which
    holds at most :math:`2^r` vertices of the cube).  A set :math:`T` of columns whose patterns have rank
    :math:`r` has :math:`|T|\le c_r`, so a deficit :math:`\le 0` certifies
    :math:`|T|\le d_0\operatorname{rank}(A_T)` for every :math:`T` (K3: independent columns of
    :math:`A\circ X` for :math:`X` in general position).  Derivation: ``docs/methods/rank-deficit.md``.

    Parameters
    ----------
    codes : ndarray of int64, shape (B, N)
        Pattern codes :math:`\sum_i s_{in}2^i` (:func:`pattern_codes`), values below :math:`2^{d_1}`.
    valid : ndarray of bool, shape (B, N)
        The columns that count (e.g. the live ones of a ReLU pattern).
    d0, d1 : int
        Rows of :math:`X` and of the pattern, integers :math:`\ge 1`.
    size : int or ndarray of int, shape (B,)
        The number of columns in the test (only :math:`r` with :math:`d_0r <` ``size`` count).
    affine : bool
        ``True`` for leaky patterns (:math:`k_r = 2^r`), ``False`` for 0/1 patterns without the zero
        pattern (:math:`k_r = 2^r - 1`).

    Returns
    -------
    ndarray of int64, shape (B,)
        The deficit per row; :math:`-N` for rows with no :math:`r` to test.

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([[1] * 5 + [2] * 3 + [3] * 2 + [4]])
    >>> valid = np.ones_like(codes, dtype=bool)
    >>> int(top_multiplicity_deficit(codes, valid, 2, 3, 11, affine=True)[0])  # c_2 - 4 = 11 - 4
    7
    """
    B, N = codes.shape
    out = np.full(B, -N, dtype=np.int64)
    if B == 0:
        return out
    if d1 < 20 and (1 << d1) <= 4 * N:  # few possible codes: count them directly
        K = 1 << d1
        flat = (np.arange(B)[:, None] * K + codes).ravel()
        counts = np.bincount(flat, weights=valid.ravel(), minlength=B * K).reshape(B, K)
    else:  # count the runs of the sorted codes
        c = np.where(valid, codes, -1)
        s = np.sort(c, axis=1)
        start = np.ones((B, N), dtype=bool)
        start[:, 1:] = s[:, 1:] != s[:, :-1]
        run = np.cumsum(start, axis=1) - 1
        flat = (np.arange(B)[:, None] * N + run).ravel()
        counts = np.bincount(flat, weights=(s >= 0).ravel(), minlength=B * N).reshape(B, N)
    cum = np.cumsum(-np.sort(-counts, axis=1), axis=1).astype(np.int64)
    for r in range(1, d1 + 1):
        k = min((1 << r) - (0 if affine else 1), N) if r < 62 else N
        k = min(k, cum.shape[1])  # no more distinct codes than columns of counts
        out = np.where(d0 * r < size, np.maximum(out, cum[:, k - 1] - d0 * r), out)
    return out


def top_multiplicity_certificate(
    codes: np.ndarray, valid: np.ndarray, d0: int, d1: int, size: np.ndarray
) -> np.ndarray:
    r"""For each row of ``codes`` (B, N): whether, for every :math:`r = 1..d_1` with :math:`d_0r <` ``size``,
    the :math:`2^r - 1` most frequent values among the ``valid`` entries cover at most :math:`d_0r` of them
    (:func:`top_multiplicity_deficit` :math:`\le 0`)."""
    return top_multiplicity_deficit(codes, valid, d0, d1, size) <= 0


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
