r"""The certified fast path: :func:`certified_residual` and the dispatcher between tall and wide systems."""

from __future__ import annotations

import numpy as np

from .products import ProductData
from .runtime import Clock, blas_threads
from .scaling import scale_inputs
from .tall import tall_residual
from .wide import wide_residual

__all__ = ["certified", "certified_residual"]


def _chunk(n: int, p: int, d1: int, d0: int) -> int:
    """Patterns per internal chunk: about 8 MB of temporaries (Gram and factor, row-product GEMM output,
    pattern-sized arrays), at most 128.  Measured (CPU time, 2-core machine): 64 to 128 patterns best at
    (64, 4, 8) (256 or more: 30-50% slower, cache), 16 to 32 at (256, 8, 16) (4: 45% slower, overhead)."""
    per = 8 * (p * p + d1 * (d1 + 1) // 2 * d0 * (d0 + 1) // 2 + 6 * d1 * n)
    return max(1, min(128, (1 << 23) // per))


def certified_residual(A, X, y) -> tuple[np.ndarray, np.ndarray]:
    r"""Batched least-squares residuals :math:`e = (I - P)y` of :math:`M = (A\circ X)^\top`, with certificates.

    Gram matrices by K1's structure, shifted Cholesky factorization (its success certifies
    :math:`\sigma_{\min}(M)\ge\sqrt\kappa\,\|M\|_F`), refinement, the orthogonality certificate
    :math:`\|M^\top e\|\le` :data:`~vanishing_minima.numeric.lstsq.tall.ORTHOGONALITY_GUARD`
    :math:`\|M\|_F\|y\|`; K3's structural reductions for rank-deficient patterns; for
    :math:`d_0d_1\ge N`, dead points removed and rank certified.  The method and the meaning of the
    certificates: ``docs/methods/certified-least-squares.md``.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Patterns (any real matrices; the reductions apply to two-valued ones).
    X : array_like, shape (d0, N) or (..., d0, N)
        Data, shared by all patterns or one per pattern (broadcast against ``A``'s batch).
    y : array_like, shape (N,)
        Targets, real and finite.

    Returns
    -------
    e : ndarray, shape (batch..., N)
        The residuals; NaN where ``certified`` is False (to be recomputed by another method).
    certified : ndarray of bool, shape (batch...)
        Whether each residual is certified.

    Raises
    ------
    ValueError
        If ``A`` or ``X`` has fewer than 2 dimensions, ``y`` is not a vector, their numbers of columns
        differ, or any of them is not finite.
    """
    A = np.asarray(A, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if A.ndim < 2 or X.ndim < 2:
        raise ValueError(
            f"A and X must have at least 2 dimensions; got shapes {A.shape} and {X.shape}"
        )
    if y.ndim != 1:
        raise ValueError(f"y must be a vector; got shape {y.shape}")
    if not A.shape[-1] == X.shape[-1] == y.shape[0]:
        raise ValueError(
            f"A, X and y must have the same number N of columns; got shapes {A.shape}, {X.shape}, {y.shape}"
        )
    for name, arr in (("A", A), ("X", X), ("y", y)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite (no NaN or inf)")
    with blas_threads(A.shape[-2] * X.shape[-2]):
        e, ok, (_, _, _, ky, batch) = certified(A, X, y, Clock())
    e[~ok] = np.nan
    return np.ldexp(e, ky).reshape(batch + (e.shape[-1],)), ok.reshape(batch)


def certified(A: np.ndarray, X: np.ndarray, y: np.ndarray, clock: Clock):
    """certified_residual on validated arrays; also returns the scaled (A, X, y) and the exponent of y."""
    A, X, y, ky, batch = scale_inputs(A, X, y)
    B, d1, n = A.shape
    d0 = X.shape[-2]
    p = d0 * d1
    data = ProductData.shared_cached(X) if X.ndim == 2 else ProductData(X)
    clock.lap("scale")
    if p < n:
        e, ok, reduced = _tall_in_chunks(A, X, y, data, clock)
    else:
        e, ok = wide_residual(A, data, y, clock)
        reduced = 0
    stats = clock.stats
    if stats is not None:
        stats.patterns += B
        stats.tall += B if p < n else 0
        stats.reduced += reduced
        stats.certified += int(ok.sum())
        stats.shapes.add((n, d0, d1))
    return e, ok, (A, X, y, ky, batch)


def _tall_in_chunks(A, X, y, data: ProductData, clock: Clock):
    """The tall path over chunks of patterns, then one reduction pass (K3) over every pattern it did
    not certify; returns ``(e, ok, number of reduced patterns)``."""
    B, d1, n = A.shape
    d0 = X.shape[-2]
    e = np.empty((B, n))
    ok = np.empty(B, dtype=bool)
    step = _chunk(n, d0 * d1, d1, d0)
    for s in range(0, B, step):
        sl = slice(s, min(s + step, B))
        e[sl], ok[sl], _ = tall_residual(
            A[sl], data if data.shared else ProductData(X[sl]), y, clock
        )
    failed = np.flatnonzero(~ok)  # structural rank loss (K3): one reduction pass over all of them
    reduced = 0
    for s in range(0, failed.size, step):
        idx = failed[s : s + step]
        e_r, ok_r, r = tall_residual(A[idx], data.take(idx), y, clock, reduce=True)
        e[idx[ok_r]], ok[idx[ok_r]] = e_r[ok_r], True
        reduced += r
    return e, ok, reduced
