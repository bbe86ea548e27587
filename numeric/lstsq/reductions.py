r"""K3's structural reductions of rank-deficient two-valued patterns.

Two neurons whose rows differ on a set :math:`S` of fewer than :math:`d_0` points (or a neuron non-zero on
fewer than :math:`d_0` points when one value is 0) make :math:`M` rank-deficient; then, exactly,
:math:`e_S = 0` and the rest of :math:`e` is the residual without that neuron and those points, once
:math:`X_S` is certified of full column rank (``docs/methods/certified-least-squares.md``, Structural rank
loss).
"""

from __future__ import annotations

import numpy as np

from .factor import certified_cholesky
from .products import ProductData

__all__ = ["SUBSET_KAPPA", "reductions"]

#: Reductions: :math:`X_S` certified of full column rank with :math:`\lambda_{\min}(X_S^\top X_S) \ge`
#: SUBSET_KAPPA :math:`\|X_S\|_F^2`.
SUBSET_KAPPA = 1e-10


def _subset_independent(data: ProductData, idx: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Certify that the columns x_n, n in S, are linearly independent (S: (E, N) bool, |S| < d0)."""
    m = data.d0 - 1
    size = S.sum(axis=-1)
    if m == 0 or not np.any(size):
        return np.ones(S.shape[0], dtype=bool)
    cols = np.argsort(~S, axis=-1, kind="stable")[:, :m]  # the points of S first
    valid = np.arange(m) < size[:, None]
    if data.shared:
        XS = np.swapaxes(data.X[:, cols], 0, 1)  # (E, d0, m)
    else:
        XS = np.take_along_axis(data.X[idx], cols[:, None, :], axis=2)
    XS = XS * valid[:, None, :]
    K = np.swapaxes(XS, -1, -2) @ XS
    tau = np.einsum("ejm,ejm->e", XS, XS)
    dummy = np.where(size > 0, tau / np.maximum(size, 1), 1.0)
    K.reshape(K.shape[0], m * m)[:, :: m + 1] += ~valid * dummy[:, None]
    _, ok, _ = certified_cholesky(K, np.where(size > 0, tau, 1.0), data.d0, SUBSET_KAPPA)
    return ok


def reductions(
    A: np.ndarray, data: ProductData
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K3 reductions of every two-valued pattern of A (B, d1, N), one at a time until none applies.

    Returns ``(red, keep, fit, failed)``: the indices of the reduced patterns, their kept neurons
    (R, d1), their exactly fitted points (R, N), and whether some subset X_S failed its certificate (R,).
    A candidate is a pair i < k of kept neurons whose rows differ on fewer than d0 remaining points, or,
    when one of the two values is 0, a kept neuron non-zero on fewer than d0 remaining points; the one
    with the fewest points is applied (neuron k dropped, its points S fitted)."""
    B, d1, n = A.shape
    d0 = data.d0
    lo, hi = A.min(axis=(1, 2)), A.max(axis=(1, 2))
    high = A == hi[:, None, None]
    two = np.all(high | (A == lo[:, None, None]), axis=(1, 2))
    upper = np.triu(np.ones((d1, d1), dtype=bool), 1)
    keep = np.ones((B, d1), dtype=bool)
    fit = np.zeros((B, n), dtype=bool)
    reduced = np.zeros(B, dtype=bool)
    failed = np.zeros(B, dtype=bool)
    act = np.flatnonzero(two)
    for _ in range(d1):
        if act.size == 0:
            break
        s = high[act] & ~fit[act][:, None, :] if reduced.any() else high[act]
        sf = s.astype(float)
        cnt = sf.sum(axis=-1)
        diff = (
            cnt[:, :, None] + cnt[:, None, :] - 2.0 * (sf @ np.swapaxes(sf, -1, -2))
        )  # |{n: A_in != A_kn}|
        kept = keep[act]
        diff = np.where(kept[:, :, None] & kept[:, None, :] & upper, diff, np.inf)
        remaining = n - fit[act].sum(axis=-1)
        nonzero = np.where(
            (lo[act] == 0)[:, None],
            cnt,
            np.where((hi[act] == 0)[:, None], remaining[:, None] - cnt, np.inf),
        )
        cand = np.concatenate([diff.reshape(act.size, -1), np.where(kept, nonzero, np.inf)], axis=1)
        best = cand.argmin(axis=-1)
        event = cand[np.arange(act.size), best] < d0
        if not np.any(event):
            break
        act, best = act[event], best[event]
        use_zero = best >= d1 * d1
        i = np.where(use_zero, 0, best // d1)
        drop = np.where(use_zero, best - d1 * d1, best % d1)
        row = high[act, drop]
        S = (
            np.where(
                use_zero[:, None], np.where((lo[act] == 0)[:, None], row, ~row), high[act, i] ^ row
            )
            & ~fit[act]
        )
        keep[act, drop] = False
        fit[act] |= S
        reduced[act] = True
        good = _subset_independent(data, act, S)
        failed[act[~good]] = True
        act = act[good]
    red = np.flatnonzero(reduced)
    return red, keep[red], fit[red], failed[red]
