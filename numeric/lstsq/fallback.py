r"""The stable fallbacks of ``dlm_residual``: Householder QR of :math:`[M \mid y]`, then the SVD.

:func:`residual_qr` accepts a pattern when every :math:`|r_{kk}| >` :data:`QR_DIAGONAL_GUARD`
:math:`\max_j|r_{jj}|` and :math:`\|M^\top e\|\le` :data:`QR_CERTIFICATE_GUARD` :math:`\|M\|_F\|y\|`;
:func:`residual_from_r` finishes the others from the same :math:`R` factor by a :math:`p\times p` SVD;
:func:`residual_svd` is the rank-revealing SVD of :math:`M` itself.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "QR_CERTIFICATE_GUARD",
    "QR_DIAGONAL_GUARD",
    "augmented",
    "residual_from_r",
    "residual_qr",
    "residual_svd",
]

#: Relative guards of the QR path of :func:`dlm_residual`.
QR_DIAGONAL_GUARD = 1e-8
QR_CERTIFICATE_GUARD = 1e-10


def residual_svd(M: np.ndarray, y: np.ndarray, rtol: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Residual of y against range(M) by SVD with a relative rank tolerance (rank-revealing)."""
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    if rtol is None:
        rtol = max(M.shape[-2:]) * np.finfo(float).eps
    keep = s > rtol * s[..., :1]
    coeff = (np.swapaxes(U, -1, -2) @ y) * keep
    return y - (U @ coeff[..., None])[..., 0], keep.sum(axis=-1)


def augmented(A: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[M | y] with M = (A o X)^T, shape (..., N, d1 d0 + 1), written in one pass (X may be batched too).

    Stored as its transpose [A o X ; y^T] in C order, so each matrix is Fortran-contiguous (what LAPACK
    reads without a transposing copy) and the product is written with the long axis N innermost.
    """
    batch, (d1, n), d0 = A.shape[:-2], A.shape[-2:], X.shape[-2]
    out = np.empty(batch + (d1 * d0 + 1, n))
    np.multiply(
        A[..., :, None, :], X[..., None, :, :], out=out[..., :-1, :].reshape(batch + (d1, d0, n))
    )
    out[..., -1, :] = y
    return np.swapaxes(out, -1, -2)


def _back_substitution(R: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve R c = b for upper-triangular R, batched: a loop over the p rows, vectorized over the batch."""
    p = R.shape[-1]
    c = np.zeros(b.shape)
    for k in range(p - 1, -1, -1):
        acc = np.einsum("...j,...j->...", R[..., k, k + 1 :], c[..., k + 1 :]) if k < p - 1 else 0.0
        c[..., k] = (b[..., k] - acc) / R[..., k, k]
    return c


def residual_qr(aug: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residual by Householder QR of [M | y] and back substitution; returns (e, accepted mask)."""
    p = aug.shape[-1] - 1
    Mt = np.swapaxes(aug[..., :p], -1, -2)  # (..., p, N), contiguous rows
    # mode="raw" returns the factored matrix transposed, R in its upper triangle; mode="r" would also copy
    # it through triu, which costs 8% of the sampler's time at (64, 4, 8).  Only R's upper triangle is read.
    R = np.swapaxes(np.linalg.qr(aug, mode="raw")[0], -1, -2)
    diag = np.abs(np.diagonal(R[..., :p, :p], axis1=-2, axis2=-1))
    ok = diag.min(axis=-1) > QR_DIAGONAL_GUARD * diag.max(axis=-1)
    Rp = np.where(
        ok[..., None, None], R[..., :p, :p], np.eye(p)
    )  # keep the solve defined everywhere
    c = _back_substitution(Rp, R[..., :p, p])
    e = y - (c[..., None, :] @ Mt)[..., 0, :]
    cert = np.linalg.norm((Mt @ e[..., None])[..., 0], axis=-1)
    scale = np.sqrt(np.einsum("...pn,...pn->...", Mt, Mt)) * np.linalg.norm(y)
    ok &= np.isfinite(cert) & (cert <= QR_CERTIFICATE_GUARD * scale)
    return e, ok, R


def residual_from_r(R: np.ndarray, Mt: np.ndarray, y: np.ndarray, rtol: float | None) -> np.ndarray:
    """Residual for the patterns the QR path refused, from the R factor of [M | y] already computed.

    range(M) = Q range(R_pp) and Q^T y = R[:p, p] on span(Q_p), so e = y - M c with
    c = R_pp^+ R[:p, p], the pseudo-inverse by the SVD of the p x p triangle R_pp with the rank rule of
    residual_svd (Householder QR is backward stable, so R_pp has the singular values of M up to
    rounding).  This is the QR-then-SVD route of LAPACK's gelsd, at a p x p SVD instead of N x p."""
    p, n = Mt.shape[-2:]
    U, s, Vt = np.linalg.svd(np.triu(R[..., :p, :p]))
    if rtol is None:
        rtol = max(n, p) * np.finfo(float).eps
    keep = s > rtol * s[..., :1]
    coeff = np.where(
        keep, (np.swapaxes(U, -1, -2) @ R[..., :p, p, None])[..., 0] / np.where(keep, s, 1.0), 0.0
    )
    c = (np.swapaxes(Vt, -1, -2) @ coeff[..., None])[..., 0]
    return y - (c[..., None, :] @ Mt)[..., 0, :]
