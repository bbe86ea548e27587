"""Exact power-of-two scaling of the inputs, so that results do not depend on the scales.

``X``, each pattern (outside :math:`[2^{-64}, 2^{64}]`) and ``y`` are divided by powers of two
(``frexp``/``ldexp``, exact) before any product is formed; the residual is scaled back by ``y``'s exponent.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALE_FREE", "pow2_exponent", "scale_inputs"]

SCALE_FREE = 64  # inputs whose largest entry lies in [2^-64, 2^64] are used unscaled (scaling is exact anyway)


def pow2_exponent(amax: np.ndarray, free: int) -> np.ndarray:
    """Exponents k with amax * 2^-k in [0.5, 1) where amax lies outside [2^-free, 2^free], else 0."""
    k = np.frexp(amax)[1]
    return np.where((np.abs(k) > free) & (amax > 0), k, 0)


def scale_inputs(A: np.ndarray, X: np.ndarray, y: np.ndarray):
    """``(A, X, y, ky, batch)``: ``A`` flattened to (B, d1, N) and ``X`` broadcast to it when batched,
    each scaled by an exact power of two, ``y`` divided by ``2**ky``, and the broadcast batch shape."""
    batch = np.broadcast_shapes(A.shape[:-2], X.shape[:-2])
    d1, n = A.shape[-2:]
    d0 = X.shape[-2]
    A = np.broadcast_to(A, batch + (d1, n)).reshape(-1, d1, n)
    B = A.shape[0]
    if X.ndim > 2:
        X = np.broadcast_to(X, batch + (d0, n)).reshape(B, d0, n)
        kx = pow2_exponent(np.abs(X).max(axis=(1, 2)), 0)
        X = np.ldexp(X, -kx[:, None, None])
    else:
        X = np.ldexp(X, -pow2_exponent(np.abs(X).max(), 0))
    ka = pow2_exponent(np.abs(A).max(axis=(1, 2)), SCALE_FREE)
    if np.any(ka):
        A = np.ldexp(A, -ka[:, None, None])
    ky = int(pow2_exponent(np.abs(y).max(), 0))
    y = np.ldexp(y, -ky)
    return A, X, y, ky, batch
