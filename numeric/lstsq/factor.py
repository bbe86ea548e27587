r"""The certified Cholesky factorization: Rump's shifted Cholesky test, batched and blocked.

:func:`certified_cholesky` factors :math:`\hat G - tI` with a shift :math:`t` that covers every rounding
error, so that success certifies :math:`\lambda_{\min}(M^\top M)\ge\kappa\|M\|_F^2`; :class:`Factor` is
the batched blocked factorization (and its solves).  The error analysis: ``docs/methods/certified-least-squares.md``.

References
----------
S. M. Rump, "Verification of positive definiteness", BIT 46 (2006) 433-452.
N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM 2002, Thm 10.3.
"""

from __future__ import annotations

import numpy as np

try:  # NumPy's batched Cholesky kernel; the public wrapper raises for the whole batch if one matrix fails
    from numpy.linalg._umath_linalg import cholesky_lo as _cholesky_lo_gufunc
except ImportError:  # pragma: no cover - present in every NumPy this package supports (>= 1.24)
    _cholesky_lo_gufunc = None

__all__ = ["OFFDIAG_ALLOWANCE", "Factor", "block_size", "certified_cholesky", "gamma_k"]

_U = np.finfo(float).eps / 2  # unit roundoff 2^-53
_SUBNORMAL = 2.0**-1074


def gamma_k(k: int | np.ndarray) -> float | np.ndarray:
    """Higham's :math:`\\gamma_k = ku/(1-ku)`, :math:`u = 2^{-53}`."""
    return k * _U / (1 - k * _U)


def _cholesky_lower(G: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of a stack of symmetric matrices (only the lower triangles are read); a
    matrix whose factorization breaks down comes back as NaN, the others are unaffected."""
    if _cholesky_lo_gufunc is not None:
        with np.errstate(all="ignore"):
            return _cholesky_lo_gufunc(G, signature="d->d")
    out = np.full(G.shape, np.nan)  # pragma: no cover - only without the gufunc
    for idx in np.ndindex(G.shape[:-2]):  # pragma: no cover
        try:
            out[idx] = np.linalg.cholesky(G[idx])
        except np.linalg.LinAlgError:
            pass
    return out  # pragma: no cover


def _diagonal_blocks(T: np.ndarray, size: int) -> np.ndarray:
    """Writable view (S, n // size, size, size) of the diagonal blocks of a C-contiguous stack (S, n, n)."""
    S, n = T.shape[0], T.shape[-1]
    s0, s1, s2 = T.strides
    return np.ndarray((S, n // size, size, size), T.dtype, T, 0, (s0, size * (s1 + s2), s1, s2))


def _triangular_inverse(T: np.ndarray) -> np.ndarray:
    """Inverses of a stack of lower-triangular matrices (S, n, n), n a power of two, by doubling:
    inv([[T11, 0], [T21, T22]]) = [[X11, 0], [-X22 T21 X11, X22]], all diagonal blocks of one size at
    once (strided views, no copies)."""
    T = np.ascontiguousarray(T)
    X = np.empty_like(T)
    d = np.arange(T.shape[-1])
    X[:, d, d] = 1.0 / T[:, d, d]
    h = 1
    while h < T.shape[-1]:  # the strict upper triangle is zeroed block by block, each entry once
        Tb, Xb = _diagonal_blocks(T, 2 * h), _diagonal_blocks(X, 2 * h)
        Xb[..., :h, h:] = 0.0
        Xb[..., h:, :h] = -(Xb[..., h:, h:] @ (Tb[..., h:, :h] @ Xb[..., :h, :h]))
        h *= 2
    return X


def block_size(p: int) -> int:
    """Block size of the Cholesky factorization and of the triangular solves: a power of two, the whole
    (padded) matrix up to p = 32, then 32, and 64 for p > 256 (measured on the benchmark sizes)."""
    return min(1 << max(p - 1, 1).bit_length(), 64 if p > 256 else 32)


class Factor:
    r"""A batched blocked Cholesky factorization ``L L^T = S`` (S: (B, p, p), lower triangle read).

    Right-looking, one block column at a time, vectorized over the batch: the diagonal block by LAPACK
    (NumPy's batched ``cholesky``), its inverse by doubling, the block column below it as a product with
    that inverse, and the trailing lower blocks updated by matrix products.  ``offdiag`` bounds, a
    posteriori, what the explicit inverse adds to the backward error: with
    :math:`P = \operatorname{fl}(\hat S_{ij}X_j^\top)`, :math:`X_j` the computed inverse of :math:`L_{jj}`,

    .. math:: \|PL_{jj}^\top - \hat S_{ij}\|_F \le \|\hat S_{ij}\|_F\big(\|\operatorname{fl}(L_{jj}X_j) - I\|_F
              + 2\gamma_{n_b}\|L_{jj}\|_F\|X_j\|_F\big),

    summed over the block columns (times :math:`\sqrt2` for the symmetric blocks).  Everything else is
    the standard Cholesky error (the same sums in another order).  The inverses of the diagonal blocks
    are kept for the solves, each of which is then a few batched matrix-vector products.

    A batch of one multi-block matrix (the large sizes, where one factorization per draw dominates) is
    factored by one call of LAPACK's ``dpotrf`` instead (SciPy's, measured 1.9 ms against 3.4 ms for the
    blocked loop at p = 512), with the standard error bound; its diagonal blocks are then inverted in one
    batched call."""

    def __init__(self, S: np.ndarray) -> None:
        B, p = S.shape[0], S.shape[-1]
        nb = block_size(p)
        self.p, self.nb = p, nb
        self.starts = list(range(0, p, nb))
        self.offdiag = np.zeros(B)
        if B == 1 and len(self.starts) > 1:
            self._lapack(S)
            return
        L = S  # overwritten in place, block column by block column; its upper triangle is never read
        self.Dinv = np.empty((B, len(self.starts), nb, nb)) if len(self.starts) > 1 else None
        self.offdiag = np.zeros(B)
        with np.errstate(all="ignore"):
            for j, j0 in enumerate(self.starts):
                j1 = min(j0 + nb, p)
                m = j1 - j0
                Ljj = _cholesky_lower(L[:, j0:j1, j0:j1])
                L[:, j0:j1, j0:j1] = Ljj
                if m < nb:
                    D = np.zeros((B, nb, nb))
                    D[:, range(m, nb), range(m, nb)] = 1.0
                    D[:, :m, :m] = Ljj
                else:
                    D = Ljj
                X = _triangular_inverse(D)
                if self.Dinv is None:
                    self.Dinv = X[:, None]
                else:
                    self.Dinv[:, j] = X
                if j1 == p:
                    break
                Xm = X[:, :m, :m]
                Sij = L[:, j1:, j0:j1]
                R = Ljj @ Xm
                R.reshape(B, m * m)[:, :: m + 1] -= 1.0
                self.offdiag += np.sqrt(np.einsum("bij,bij->b", Sij, Sij)) * (
                    np.sqrt(np.einsum("bij,bij->b", R, R))
                    + 2
                    * gamma_k(m)
                    * np.sqrt(np.einsum("bij,bij->b", Ljj, Ljj) * np.einsum("bij,bij->b", Xm, Xm))
                )
                Lij = Sij @ np.swapaxes(Xm, -1, -2)
                L[:, j1:, j0:j1] = Lij
                for i0 in range(j1, p, nb):  # trailing update, lower block triangle only
                    i1 = min(i0 + nb, p)
                    L[:, i0:i1, j1:i1] -= Lij[:, i0 - j1 : i1 - j1] @ np.swapaxes(
                        Lij[:, : i1 - j1], -1, -2
                    )
        self.offdiag *= np.sqrt(2.0)
        self.L = L
        self.DinvT = np.swapaxes(self.Dinv, -1, -2)

    def _lapack(self, S: np.ndarray) -> None:
        """One matrix: LAPACK's dpotrf in place on its lower triangle (the upper of the Fortran view)."""
        from scipy.linalg.lapack import dpotrf

        _, info = dpotrf(S[0].T, lower=0, clean=0, overwrite_a=1)
        if info != 0:  # not positive definite (or an argument error): no factor
            S[0] = np.nan
        self.L = S
        self.Dinv = self.DinvT = (
            None  # inverted at the first solve (part of solving, not of the factorization)
        )

    def _invert_diagonal_blocks(self) -> None:
        p, nb = self.p, self.nb
        D = np.zeros((len(self.starts), nb, nb))
        for j, j0 in enumerate(self.starts):
            m = min(nb, p - j0)
            D[j, :m, :m] = np.tril(self.L[0, j0 : j0 + m, j0 : j0 + m])
            D[j, range(m, nb), range(m, nb)] = 1.0
        with np.errstate(all="ignore"):
            self.Dinv = _triangular_inverse(D)[None]
        self.DinvT = np.swapaxes(self.Dinv, -1, -2)

    def diagonal(self) -> np.ndarray:
        return self.L.reshape(self.L.shape[0], self.p * self.p)[:, :: self.p + 1]

    def solve(self, b: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """(L L^T)^{-1} b for b (B, p), or for the patterns ``idx`` only (b then (len(idx), p))."""
        if self.Dinv is None:
            self._invert_diagonal_blocks()
        L, Dinv, DinvT, p, nb = self.L, self.Dinv, self.DinvT, self.p, self.nb
        if idx is not None and idx.size != L.shape[0]:
            L, Dinv, DinvT = L[idx], Dinv[idx], DinvT[idx]
        x = np.empty(b.shape + (1,))
        b = b[..., None]
        for j, j0 in enumerate(self.starts):  # L x = b
            j1 = min(j0 + nb, p)
            rhs = b[:, j0:j1] - L[:, j0:j1, :j0] @ x[:, :j0] if j0 else b[:, j0:j1]
            x[:, j0:j1] = Dinv[:, j, : j1 - j0, : j1 - j0] @ rhs
        for j in range(len(self.starts) - 1, -1, -1):  # L^T z = x, in place
            j0 = self.starts[j]
            j1 = min(j0 + nb, p)
            rhs = (
                x[:, j0:j1] - np.swapaxes(L[:, j1:, j0:j1], -1, -2) @ x[:, j1:]
                if j1 < p
                else x[:, j0:j1]
            )
            x[:, j0:j1] = DinvT[:, j, : j1 - j0, : j1 - j0] @ rhs
        return x[..., 0]


#: Allowance in the shift for the explicit-inverse term of a multi-block factorization (relative to tau).
OFFDIAG_ALLOWANCE = 1e-11


def certified_cholesky(
    G: np.ndarray, tau: np.ndarray, n_terms: int, kappa: float
) -> tuple[Factor, np.ndarray, np.ndarray]:
    r"""Shifted Cholesky factorization with Rump's certificate, in place on ``G``
    (``docs/methods/certified-least-squares.md``).

    ``G`` (B, p, p) is the computed Gram matrix of a matrix :math:`M` with :math:`\|M\|_F^2 =` ``tau`` (B,)
    whose entries are sums of ``n_terms`` products bounded by :math:`\gamma_{\text{n\_terms}}|M|^\top|M|`.
    ``G`` is overwritten by the factor (its lower triangle).  Returns ``(factor, ok, t)``: ``ok`` certifies
    :math:`\lambda_{\min}(M^\top M)\ge\kappa\tau`.  A multi-block factorization adds
    :data:`OFFDIAG_ALLOWANCE` :math:`\tau` to the shift and is accepted only if its a posteriori term
    (:class:`Factor`) stays below that allowance."""
    p = G.shape[-1]
    flat = G.reshape(G.shape[0], p * p)
    diag = flat[:, :: p + 1]
    tr = diag.sum(axis=-1)
    g = gamma_k(p + 1)
    delta = (
        (g / (1 - g)) * (1 + _U) * tr + gamma_k(n_terms) * (1 + _U) * tau + _U * diag.max(axis=-1)
    )
    delta += 8.0 * (n_terms + 2) * p * _SUBNORMAL
    allowance = OFFDIAG_ALLOWANCE * tau if p > block_size(p) else 0.0
    t = kappa * tau + delta + allowance
    diag -= t[:, None]
    factor = Factor(G)
    ok = np.all(factor.diagonal() > 0, axis=-1) & (tau > 0) & (factor.offdiag <= allowance)
    return factor, ok, t
