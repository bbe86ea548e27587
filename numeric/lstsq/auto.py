r""":func:`auto_residual`: the certified fast path, then QR, then the SVD, each for what the previous
one did not certify (``dlm_residual(method="auto")``)."""

from __future__ import annotations

import numpy as np

from .certified import certified
from .fallback import augmented, residual_from_r, residual_qr, residual_svd
from .runtime import Clock, blas_threads

__all__ = ["auto_residual"]


def auto_residual(
    A: np.ndarray, X: np.ndarray, y: np.ndarray, rtol: float | None = None
) -> np.ndarray:
    """``dlm_residual(method="auto")`` on validated arrays: the certified fast path, then for what it
    does not certify Householder QR (p < N) and, where QR refuses, the SVD, as ``khatri_rao`` does."""
    with blas_threads(A.shape[-2] * X.shape[-2]):
        return _auto(A, X, y, rtol)


def _auto(A: np.ndarray, X: np.ndarray, y: np.ndarray, rtol: float | None) -> np.ndarray:
    clock = Clock()
    e, ok, (As, Xs, ys, ky, batch) = certified(A, X, y, clock)
    bad = np.flatnonzero(~ok)
    if bad.size:
        n = As.shape[-1]
        Xb = Xs if Xs.ndim == 2 else Xs[bad]
        aug = augmented(As[bad], Xb, ys)
        if As.shape[-2] * Xs.shape[-2] < n:
            with np.errstate(all="ignore"):
                eb, okb, R = residual_qr(aug, ys)
            clock.lap("fallback_qr")
            if not np.all(okb):
                M = aug[..., :-1]
                eb[~okb] = residual_from_r(R[~okb], np.swapaxes(M[~okb], -1, -2), ys, rtol)
            clock.lap("fallback_svd")
        else:
            okb = np.zeros(bad.size, dtype=bool)
            eb = residual_svd(aug[..., :-1], ys, rtol)[0]
            clock.lap("fallback_svd")
        e[bad] = eb
        if clock.stats is not None:
            clock.stats.qr_accepted += int(okb.sum())
            clock.stats.svd += int((~okb).sum())
    return np.ldexp(e, ky).reshape(batch + (e.shape[-1],))
