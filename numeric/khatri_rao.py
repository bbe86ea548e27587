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

import numpy as np

from . import _lstsq
from ._checks import as_array, as_matrix, check_labels, check_rho, check_same_columns, positive_int

__all__ = [
    "khatri_rao",
    "khatri_rao_gram",
    "lrelu",
    "activation_pattern",
    "generic_rank",
    "generic_rank_brute_force",
    "dlm_residual",
    "mce",
    "GENERIC_RANK_MAX_CANDIDATES",
    "QR_DIAGONAL_GUARD",
    "QR_CERTIFICATE_GUARD",
]

#: :func:`generic_rank` refuses inputs that need more candidate subspaces than this.
GENERIC_RANK_MAX_CANDIDATES = 200_000


def khatri_rao(A, X) -> np.ndarray:
    r"""Column-wise Kronecker product :math:`A\circ X`, column :math:`n` equal to :math:`a^{(n)}\otimes x^{(n)}`.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Activation patterns (or any matrices); a leading batch is allowed.
    X : array_like, shape (d0, N)
        Data.

    Returns
    -------
    ndarray, shape (..., d1 * d0, N)
        For 2-D ``A`` equal to ``scipy.linalg.khatri_rao(A, X)``; the batch version has no SciPy
        counterpart, hence ``einsum``.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    d1, d0, n = A.shape[-2], X.shape[0], X.shape[1]
    return np.einsum("...in,jn->...ijn", A, X).reshape(*A.shape[:-2], d1 * d0, n)


def khatri_rao_gram(A, X) -> np.ndarray:
    r"""Gram matrix :math:`(A\circ X)^\top(A\circ X) = (A^\top A)\odot(X^\top X)` (K1), without forming :math:`A\circ X`.

    Cost :math:`O(N^2(d_0 + d_1))` instead of :math:`O(N^2 d_0 d_1)`.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
    X : array_like, shape (d0, N)

    Returns
    -------
    ndarray, shape (..., N, N)
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    return _gram_unchecked(A, X)


def _gram_unchecked(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """K1's (A^T A) * (X^T X) on validated arrays; both may carry batch axes."""
    return (np.swapaxes(A, -1, -2) @ A) * (np.swapaxes(X, -1, -2) @ X)


def lrelu(U, rho: float) -> np.ndarray:
    r"""Leaky ReLU :math:`f(u) = u\,a(u)`: :math:`u` for :math:`u > 0`, :math:`\rho u` otherwise."""
    rho = check_rho(rho)
    U = as_array("U", U)
    return np.where(U > 0, U, rho * U)


def activation_pattern(W, X, rho: float) -> np.ndarray:
    r"""The pattern :math:`A = a(WX)`: entries 1 where :math:`w_i^\top x^{(n)} > 0`, :math:`\rho` where it is :math:`< 0`.

    Parameters
    ----------
    W : array_like, shape (..., d1, d0)
        First layer; a leading batch of networks is allowed.
    X : array_like, shape (d0, N)
    rho : float
        LReLU slope, :math:`\rho \ne 1`.

    Returns
    -------
    ndarray, shape (..., d1, N)

    Raises
    ------
    ValueError
        If some pre-activation is exactly 0: the point :math:`W` lies on a boundary, in no region
        (:math:`a(0)` is undefined).
    """
    rho = check_rho(rho)
    W = as_array("W", W, min_ndim=2)
    X = as_matrix("X", X)
    if W.shape[-1] != X.shape[0]:
        raise ValueError(f"W must have d0 = {X.shape[0]} columns (the rows of X); got shape {W.shape}")
    return _pattern_unchecked(W @ X, rho)


def _pattern_unchecked(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U) for validated pre-activations; raises where an entry is exactly 0."""
    zero = U == 0
    if np.any(zero):
        index = tuple(int(i) for i in np.argwhere(zero)[0])
        raise ValueError(
            f"pre-activation w_i^T x^(n) is exactly 0 at index {index}: W lies on a region boundary "
            "(a(0) is undefined)"
        )
    return np.where(U > 0, 1.0, rho)


def _unique_directions(A: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Distinct column directions of A (up to sign and scale), their multiplicities, and the zero-column count."""
    norms = np.linalg.norm(A, axis=0)
    zero = norms <= tol
    cols = A[:, ~zero] / norms[~zero]
    first = cols[np.argmax(np.abs(cols) > tol, axis=0), np.arange(cols.shape[1])]
    cols = cols * np.sign(first)
    keys = np.round(cols.T, 10) + 0.0  # +0.0 folds -0.0 into 0.0
    uniq, counts = np.unique(keys, axis=0, return_counts=True)
    return uniq.T, counts, int(zero.sum())


def generic_rank(A, d0: int, *, max_candidates: int = GENERIC_RANK_MAX_CANDIDATES) -> int:
    r"""Rank of :math:`A\circ X` for almost every :math:`X` with iid continuous entries (K3).

    .. math:: \operatorname{rank}(A\circ X) = \min_{T\subseteq[N]}\left(N - |T| + d_0\operatorname{rank}(A_T)\right).

    Computed without enumerating the :math:`2^N` subsets: for each rank :math:`r` the best :math:`T` is
    the largest set of columns lying in an :math:`r`-dimensional subspace spanned by :math:`r` columns, so
    only subsets of the *distinct* column directions of size :math:`r < (\text{best so far})/d_0` are
    visited.  Exact for patterns with entries in :math:`\{\rho, 1\}` (columns compared after
    normalization to 10 decimals).

    Parameters
    ----------
    A : array_like, shape (d1, N)
    d0 : int
        Number of rows of :math:`X`, :math:`\ge 1`.
    max_candidates : int
        Refuse (``ValueError``) when more candidate subspaces than this would be visited.  The count
        is :math:`\sum_{r < N/d_0} \binom{u}{r}` with :math:`u` the number of distinct directions.

    Returns
    -------
    int
    """
    A = as_matrix("A", A)
    d0 = positive_int("d0", d0)
    n = A.shape[1]
    tol = 1e-9 * max(1.0, float(np.abs(A).max()))
    rank_a = int(np.linalg.matrix_rank(A))
    dirs, counts, zeros = _unique_directions(A, tol)
    best = min(n, d0 * rank_a, n - zeros)  # T = all columns; T = zero columns (rank 0)
    u = dirs.shape[1]
    r_max = min(rank_a - 1, (best - 1) // d0)  # ranks r with d0 r < best can still improve
    work = sum(math.comb(u, r) for r in range(1, r_max + 1))
    if work > max_candidates:
        raise ValueError(
            f"generic_rank would visit {work} candidate subspaces (> max_candidates = {max_candidates}); "
            f"A has {u} distinct column directions and N/d0 = {n / d0:.3g}"
        )
    for r in range(1, r_max + 1):
        if d0 * r >= best:
            break
        for subset in itertools.combinations(range(u), r):
            basis = dirs[:, subset]
            q, rr = np.linalg.qr(basis)
            if np.min(np.abs(np.diag(rr))) <= tol:  # dependent directions: rank < r, seen at a smaller r
                continue
            residual = dirs - q @ (q.T @ dirs)
            inside = np.linalg.norm(residual, axis=0) <= 1e-8
            m = zeros + int(counts[inside].sum())
            best = min(best, n - m + d0 * r)
    return int(best)


def generic_rank_brute_force(A, d0: int) -> int:
    r"""K3's formula by enumerating every :math:`T\subseteq[N]` (reference for tests; :math:`N \le 16`)."""
    A = as_matrix("A", A)
    n = A.shape[1]
    if n > 16:
        raise ValueError(f"generic_rank_brute_force enumerates 2^N subsets; N must be <= 16, got {n}")
    best = n
    for size in range(1, n + 1):
        for t in itertools.combinations(range(n), size):
            best = min(best, n - size + d0 * int(np.linalg.matrix_rank(A[:, t])))
    return best


def _residual_svd(M: np.ndarray, y: np.ndarray, rtol: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Residual of y against range(M) by SVD with a relative rank tolerance (rank-revealing)."""
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    if rtol is None:
        rtol = max(M.shape[-2:]) * np.finfo(float).eps
    keep = s > rtol * s[..., :1]
    coeff = (np.swapaxes(U, -1, -2) @ y) * keep
    return y - (U @ coeff[..., None])[..., 0], keep.sum(axis=-1)


#: Relative guards of the QR path of :func:`dlm_residual`.
QR_DIAGONAL_GUARD = 1e-8
QR_CERTIFICATE_GUARD = 1e-10
WIDE_GRAM_GUARD = 1e-10


def _augmented(A: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[M | y] with M = (A o X)^T, shape (..., N, d1 d0 + 1), written in one pass (X may be batched too).

    Stored as its transpose [A o X ; y^T] in C order, so each matrix is Fortran-contiguous (what LAPACK
    reads without a transposing copy) and the product is written with the long axis N innermost.
    """
    batch, (d1, n), d0 = A.shape[:-2], A.shape[-2:], X.shape[-2]
    out = np.empty(batch + (d1 * d0 + 1, n))
    np.multiply(A[..., :, None, :], X[..., None, :, :], out=out[..., :-1, :].reshape(batch + (d1, d0, n)))
    out[..., -1, :] = y
    return np.swapaxes(out, -1, -2)


def _back_substitution(R: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve R c = b for upper-triangular R, batched: a loop over the p rows, vectorized over the batch."""
    p = R.shape[-1]
    c = np.zeros(b.shape)
    for k in range(p - 1, -1, -1):
        acc = np.einsum("...j,...j->...", R[..., k, k + 1:], c[..., k + 1:]) if k < p - 1 else 0.0
        c[..., k] = (b[..., k] - acc) / R[..., k, k]
    return c


def _residual_qr(aug: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residual by Householder QR of [M | y] and back substitution; returns (e, accepted mask)."""
    p = aug.shape[-1] - 1
    Mt = np.swapaxes(aug[..., :p], -1, -2)  # (..., p, N), contiguous rows
    # mode="raw" returns the factored matrix transposed, R in its upper triangle; mode="r" would also copy
    # it through triu, which costs 8% of the sampler's time at (64, 4, 8).  Only R's upper triangle is read.
    R = np.swapaxes(np.linalg.qr(aug, mode="raw")[0], -1, -2)
    diag = np.abs(np.diagonal(R[..., :p, :p], axis1=-2, axis2=-1))
    ok = diag.min(axis=-1) > QR_DIAGONAL_GUARD * diag.max(axis=-1)
    Rp = np.where(ok[..., None, None], R[..., :p, :p], np.eye(p))  # keep the solve defined everywhere
    c = _back_substitution(Rp, R[..., :p, p])
    e = y - (c[..., None, :] @ Mt)[..., 0, :]
    cert = np.linalg.norm((Mt @ e[..., None])[..., 0], axis=-1)
    scale = np.sqrt(np.einsum("...pn,...pn->...", Mt, Mt)) * np.linalg.norm(y)
    ok &= np.isfinite(cert) & (cert <= QR_CERTIFICATE_GUARD * scale)
    return e, ok, R


def _residual_from_r(R: np.ndarray, Mt: np.ndarray, y: np.ndarray, rtol: float | None) -> np.ndarray:
    """Residual for the patterns the QR path refused, from the R factor of [M | y] already computed.

    range(M) = Q range(R_pp) and Q^T y = R[:p, p] on span(Q_p), so e = y - M c with
    c = R_pp^+ R[:p, p], the pseudo-inverse by the SVD of the p x p triangle R_pp with the rank rule of
    _residual_svd (Householder QR is backward stable, so R_pp has the singular values of M up to
    rounding).  This is the QR-then-SVD route of LAPACK's gelsd, at a p x p SVD instead of N x p."""
    p, n = Mt.shape[-2:]
    U, s, Vt = np.linalg.svd(np.triu(R[..., :p, :p]))
    if rtol is None:
        rtol = max(n, p) * np.finfo(float).eps
    keep = s > rtol * s[..., :1]
    coeff = np.where(keep, (np.swapaxes(U, -1, -2) @ R[..., :p, p, None])[..., 0] / np.where(keep, s, 1.0), 0.0)
    c = (np.swapaxes(Vt, -1, -2) @ coeff[..., None])[..., 0]
    return y - (c[..., None, :] @ Mt)[..., 0, :]


def _full_rank_gram(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Certify rank N of A o X (shape (..., d1 d0, N), d1 d0 >= N) from its Gram matrix (K1).

    G = (A^T A) * (X^T X) = (A o X)^T (A o X) costs N^2 (d0 + d1) flops; its eigenvalues are computed to
    within about (d0 + d1 + N) eps lambda_max (Weyl), far below the guard, so lambda_min(G) >
    WIDE_GRAM_GUARD lambda_max(G) certifies cond(A o X) < 1e5 and rank N.  Nothing is solved from G."""
    lam = np.linalg.eigvalsh(_gram_unchecked(A, X))
    return np.isfinite(lam).all(axis=-1) & (lam[..., 0] > WIDE_GRAM_GUARD * lam[..., -1])


def _dlm_residual_unchecked(A: np.ndarray, X: np.ndarray, y: np.ndarray, rtol: float | None = None,
                            method: str = "auto", return_rank: bool = False):
    """:func:`dlm_residual` on arrays already validated (the samplers' hot path)."""
    if not return_rank and method != "svd":
        return _lstsq.auto_residual(A, X, y, rtol)
    e, rank = _residual_svd(_augmented(A, X, y)[..., :-1], y, rtol)
    return (e, rank) if return_rank else e


def dlm_residual(A, X, y, *, rtol: float | None = None, return_rank: bool = False, method: str = "auto"):
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
        Targets (need not be binary).
    rtol : float, optional
        Relative rank tolerance of the SVD.
    return_rank : bool
        Also return the numerical rank of :math:`A\circ X` (forces ``method="svd"``).
    method : {"auto", "svd"}

    Returns
    -------
    e : ndarray, shape (..., N)
    rank : ndarray of int, shape (...), only if ``return_rank``
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    y = as_array("y", y, ndim=1)
    if method not in ("auto", "svd"):
        raise ValueError(f"method must be 'auto' or 'svd'; got {method!r}")
    if y.shape[0] != X.shape[1]:
        raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
    return _dlm_residual_unchecked(A, X, y, rtol, method, return_rank)


def mce(output, y) -> np.ndarray | float:
    r"""Mean classification error: the fraction of :math:`n` with :math:`1\{\text{output}_n > 0.5\} \ne y_n`.

    Parameters
    ----------
    output : array_like, shape (..., N)
        Network outputs; a leading batch is allowed.
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    float or ndarray of shape (...)
    """
    out = as_array("output", output, min_ndim=1)
    y = check_labels(y, out.shape[-1])
    err = _mce_unchecked(out, y)
    return float(err) if np.ndim(err) == 0 else err


def _mce_unchecked(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """MCE for validated arrays (threshold 0.5 on both outputs and labels)."""
    return np.mean((output > 0.5) != (y > 0.5), axis=-1)
