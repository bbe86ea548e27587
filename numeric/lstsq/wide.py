r"""Certified residuals of wide systems (:math:`p = d_0d_1\ge N`): dead points removed exactly, the live
rows certified independent, nothing solved.

The shifted Cholesky test on K1's :math:`N\times N` Gram matrix :math:`(A^\top A)\odot(X^\top X)` (dead rows
and columns replaced by the identity) certifies :math:`\operatorname{range}(M) = \mathbb R^{\text{live}}`;
then :math:`e` is :math:`y` on the dead points and 0 elsewhere (``docs/methods/certified-least-squares.md``,
Wide systems).
"""

from __future__ import annotations

import numpy as np

from .factor import certified_cholesky
from .products import ProductData
from .runtime import Clock

__all__ = ["WIDE_KAPPA", "wide_residual"]

#: Wide systems: the live rows are certified independent with :math:`\lambda_{\min} \ge` WIDE_KAPPA
#: :math:`\operatorname{tr}`.
WIDE_KAPPA = 1e-10


def wide_residual(
    A: np.ndarray, data: ProductData, y: np.ndarray, clock: Clock
) -> tuple[np.ndarray, np.ndarray]:
    """Certified residuals for p >= N: dead points removed exactly, the live rows certified independent."""
    B, d1, n = A.shape
    dead = ~np.any(A != 0, axis=-2)  # (B, N)
    K = (np.swapaxes(A, -1, -2) @ A) * data.xtx()
    diag = K.reshape(B, n * n)[:, :: n + 1]
    tau = diag.sum(axis=-1)
    dummy = np.where(tau > 0, tau / np.maximum((~dead).sum(axis=-1), 1), 1.0)
    diag += dead * dummy[:, None]
    clock.lap("gram")
    _, ok, _ = certified_cholesky(K, tau, data.d0 + d1 + 1, WIDE_KAPPA)
    clock.lap("factor")
    return np.where(dead, y, 0.0), ok
