r"""Certified residuals of tall systems (:math:`p = d_0d_1 < N`): Gram matrix, certified Cholesky,
refinement and the a posteriori certificates.

A pattern is accepted only if the shifted Cholesky factorization succeeds (:data:`TALL_KAPPA`), the
error estimate :math:`(g^\top(LL^\top)^{-1}g)^{1/2}\ge\|e - e_A\|` is at most :data:`ACCURACY_GUARD`
:math:`\|y\|` after at most :data:`DATA_REFINEMENT_STEPS` steps of the corrected semi-normal equations, and
:math:`\|M^\top e\|\le` :data:`ORTHOGONALITY_GUARD` :math:`\|M\|_F\|y\|`
(``docs/methods/certified-least-squares.md``, Tall systems).
"""

from __future__ import annotations

import numpy as np

from .factor import certified_cholesky
from .products import ProductData
from .reductions import reductions
from .runtime import Clock

__all__ = [
    "ACCURACY_GUARD",
    "DATA_REFINEMENT_STEPS",
    "ORTHOGONALITY_GUARD",
    "TALL_KAPPA",
    "tall_residual",
]

#: Tall systems: accepted only if :math:`\sigma_{\min}(M)^2 \ge` TALL_KAPPA :math:`\|M\|_F^2` (certified).
TALL_KAPPA = 1e-12
#: Orthogonality certificate :math:`\|M^\top e\| \le` ORTHOGONALITY_GUARD :math:`\|M\|_F\|y\|` (100 x the
#: QR path's).
ORTHOGONALITY_GUARD = 1e-12
#: At most this many refinement steps in data space (corrected semi-normal equations), while the error
#: estimate exceeds ACCURACY_GUARD :math:`\|y\|`; a pattern is accepted only if it ends below.
DATA_REFINEMENT_STEPS = 3
ACCURACY_GUARD = 1e-12


def tall_residual(
    A: np.ndarray, data: ProductData, y: np.ndarray, clock: Clock, reduce: bool = False
) -> tuple[np.ndarray, np.ndarray, int]:
    """Certified residuals for p < N (module docstring); returns (e, ok, number of reduced patterns).

    With ``reduce`` the K3 reductions are applied first and only the reduced patterns can be certified
    (the second pass over the patterns the first one did not certify)."""
    B, d1, n = A.shape
    d0 = data.d0
    p = d0 * d1
    red, keep, fit, bad = (
        reductions(A, data) if reduce else (np.zeros(0, dtype=np.intp), None, None, None)
    )
    n_reduced = red.size
    Ar, Yb = A, np.broadcast_to(y, (B, n))
    if n_reduced:
        Ar = A.copy()
        Ar[red] *= keep[:, :, None] & ~fit[:, None, :]
        Yb = np.empty((B, n))
        Yb[:] = y
        Yb[red] *= ~fit
    if reduce:
        clock.lap("reduce")
        if not n_reduced:
            return np.zeros((B, n)), np.zeros(B, dtype=bool), 0
    clock.lap("reduce")
    G = data.gram(Ar)
    diag = G.reshape(B, p * p)[:, :: p + 1]
    tau = diag.sum(axis=-1)
    if n_reduced:  # dropped neurons: their (zero) blocks become a multiple of the identity
        dropped = np.repeat(~keep, d0, axis=1)
        dummy = np.where(tau[red] > 0, tau[red] / np.maximum(p - dropped.sum(axis=-1), 1), 1.0)
        diag[red] += dropped * dummy[:, None]
    clock.lap("gram")
    factor, ok, t = certified_cholesky(G, tau, n + 2, TALL_KAPPA)
    if reduce:  # only reduced patterns, with every subset X_S certified
        reduced = np.zeros(B, dtype=bool)
        reduced[red[~bad]] = True
        ok &= reduced
    clock.lap("factor")
    if not np.any(ok):
        return np.zeros((B, n)), ok, n_reduced
    with np.errstate(
        all="ignore"
    ):  # patterns whose factorization failed carry NaN; discarded below
        solver = factor
        b = data.times_t(Ar, Yb)
        c = solver.solve(b)
        e = Yb - data.times(Ar, c)
        clock.lap("solve")
        g = data.times_t(Ar, e)
        ynorm = np.linalg.norm(y)
        tol = ACCURACY_GUARD * ynorm
        est = np.full(
            B, np.inf
        )  # sqrt(g^T (L L^T)^{-1} g), an upper estimate of ||P e|| = ||e - e_A||
        active = ok.copy()
        for step in range(DATA_REFINEMENT_STEPS + 1):
            count = int(active.sum())
            if count == 0:
                break
            if 4 * count >= B:  # most patterns still refine: whole-batch arrays, masked update
                dc = solver.solve(g)
                est = np.where(active, np.sqrt(np.abs(np.einsum("bp,bp->b", g, dc))), est)
                active &= ~(est <= tol)
                if step == DATA_REFINEMENT_STEPS or not active.any():
                    break
                c += dc * active[:, None]  # one step of the corrected semi-normal equations
                e = Yb - data.times(Ar, c)
                g = data.times_t(Ar, e)
            else:  # the few that remain
                idx = np.flatnonzero(active)
                dc = solver.solve(g[idx], idx)
                est[idx] = np.sqrt(np.abs(np.einsum("bp,bp->b", g[idx], dc)))
                active[idx] = ~(est[idx] <= tol)
                if step == DATA_REFINEMENT_STEPS or not active.any():
                    break
                keep = active[idx]
                idx, dc = idx[keep], dc[keep]
                sub = data.take(idx)
                c[idx] += dc
                e[idx] = Yb[idx] - sub.times(Ar[idx], c[idx])
                g[idx] = sub.times_t(Ar[idx], e[idx])
        cert = (
            ok
            & (est <= tol)
            & (np.linalg.norm(g, axis=-1) <= ORTHOGONALITY_GUARD * np.sqrt(tau) * ynorm)
        )
        if n_reduced:  # the reduced problems' answers, checked against the original M
            sub = data.take(red)
            g0 = sub.times_t(A[red], e[red])
            bound0 = ORTHOGONALITY_GUARD * np.sqrt(sub.frobenius2(A[red])) * ynorm
            cert[red] &= np.linalg.norm(g0, axis=-1) <= bound0
        ok = cert & np.all(np.isfinite(e), axis=-1)
    clock.lap("certify")
    return e, ok, n_reduced
