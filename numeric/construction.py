r"""Theorem 8, constructively: an interpolating one-hidden-layer LReLU network with all neural inputs non-zero.

Construction (the hint of CLAIMS.md, not the paper's proof)
-----------------------------------------------------------
Two neurons :math:`g + v` and :math:`g - v` with output weights :math:`c` and :math:`-c` act, on every point
with :math:`|g^\top x| > |v^\top x|`, exactly as the *gated linear unit* :math:`a(g^\top x)\,(2c\,v)^\top x`:
both neurons see the sign of :math:`g^\top x`, and the two outputs differ by :math:`2c\,a(g^\top x)\,v^\top x`.
With :math:`K` gates :math:`g_k` the network output is :math:`(A\circ X)^\top\operatorname{vec}(u)` with
:math:`A = a(GX)` and :math:`u_k = 2c_k v_k`, so :math:`y` is reachable iff :math:`y` lies in the row space of
:math:`A\circ X`; full column rank :math:`N` suffices for every :math:`y`.

Gates are chosen greedily: random candidate directions are scored by how much they raise
:math:`\operatorname{rank}(A\circ X)` (checked numerically on the projection onto the current null space),
then by their normalized margin :math:`\min_n |g^\top x^{(n)}|/(\|g\|\|x^{(n)}\|)`.  Drawing stops as soon
as a candidate adds :math:`\min(d_0, N - \text{rank})`, the most one gate can add; after ``max_rounds``
rounds without one, the best partial gain is taken (and the network grows beyond :math:`2\lceil N/d_0\rceil`).  Then :math:`u` solves the
linear system (least squares, exact at full rank), and :math:`c_k = \max_n |u_k^\top x^{(n)}| / |g_k^\top x^{(n)}|`
makes :math:`|v_k^\top x| \le |g_k^\top x|/2`, so every neural input is at least half its gate's.

If every gate adds :math:`d_0` dimensions the network has :math:`2\lceil N/d_0\rceil \le d_1^* = 4\lceil N/(2d_0-2)\rceil`
neurons.  The count actually needed is returned, never padded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ._checks import as_array, as_generator, as_matrix, check_rho
from .khatri_rao import lrelu

__all__ = ["InterpolatingNetwork", "interpolating_network"]


@dataclass(frozen=True)
class InterpolatingNetwork:
    """The network of :func:`interpolating_network` and what it achieves.

    Attributes
    ----------
    W : ndarray, shape (n_neurons, d0)
    z : ndarray, shape (n_neurons,)
    n_neurons : int
        Neurons used (twice the number of gates).
    d1_star : int
        Theorem 8's width :math:`4\\lceil N/(2d_0-2)\\rceil`.
    within_d1_star : bool
        ``n_neurons <= d1_star``.
    relative_error : float
        :math:`\\|f(WX)^\\top z - y\\| / \\max(\\|y\\|, 1)`.
    margin : float
        :math:`\\min_{i,n}|w_i^\\top x^{(n)}|`.
    normalized_margin : float
        :math:`\\min_{i,n}|w_i^\\top x^{(n)}|/(\\|w_i\\|\\|x^{(n)}\\|)`.
    gates : ndarray, shape (K, d0)
    """

    W: np.ndarray
    z: np.ndarray
    n_neurons: int
    d1_star: int
    within_d1_star: bool
    relative_error: float
    margin: float
    normalized_margin: float
    gates: np.ndarray


def _gate_block(X: np.ndarray, gate: np.ndarray, rho: float) -> np.ndarray:
    """Rows of A o X contributed by one gate, as columns: (X diag(a(g^T X)))^T, shape (N, d0)."""
    a = np.where(gate @ X > 0, 1.0, rho)
    return (X * a).T


def interpolating_network(X, y, rho: float, *, rng, candidates: int = 16, max_rounds: int = 50,
                          rank_tol: float = 1e-9) -> InterpolatingNetwork:
    r"""Build :math:`(W, z)` with :math:`f(WX)^\top z = y` and every :math:`w_i^\top x^{(n)} \ne 0` (Theorem 8).

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data in general position (e.g. Gaussian); :math:`d_0 \ge 2`.
    y : array_like, shape (N,)
        Targets (Theorem 8: labels in {0, 1}; any finite reals are accepted).
    rho : float
        LReLU slope, :math:`\ne 1`.
    rng : numpy Generator or int seed
        Source of the candidate gate directions.
    candidates : int
        Random candidates drawn per gate (the best accepted one is kept).
    max_rounds : int
        Rounds of ``candidates`` draws before settling for a gate with less than the full rank gain.
    rank_tol : float
        Relative tolerance of the rank increase (singular values of the projected block).

    Returns
    -------
    InterpolatingNetwork

    Raises
    ------
    RuntimeError
        If no candidate raises the rank at all in ``max_rounds * candidates`` draws (X not in general position).
    """
    rho = check_rho(rho)
    X = as_matrix("X", X)
    d0, n = X.shape
    if d0 < 2:
        raise ValueError(f"X must have d0 >= 2 rows (Theorem 8's width divides by 2 d0 - 2); got d0 = {d0}")
    y = as_array("y", y, ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"y must have length N = {n}; got {y.shape[0]}")
    rng = as_generator(rng)
    x_norms = np.linalg.norm(X, axis=0)
    if np.any(x_norms == 0):
        raise ValueError("X must have no zero column (w^T x = 0 for every w)")

    Q = np.zeros((n, 0))
    gates: list[np.ndarray] = []
    while Q.shape[1] < n:
        want = min(d0, n - Q.shape[1])
        best = None  # (gain, margin, gate, new directions)
        for _ in range(max_rounds):
            G = rng.standard_normal((candidates, d0))
            for g in G:
                block = _gate_block(X, g, rho)
                proj = block - Q @ (Q.T @ block)
                U, s, _ = np.linalg.svd(proj, full_matrices=False)
                gain = int(np.sum(s > rank_tol * max(1.0, np.linalg.norm(block, 2))))
                if gain == 0:
                    continue
                margin = float(np.min(np.abs(g @ X) / (np.linalg.norm(g) * x_norms)))
                if best is None or (gain, margin) > best[:2]:
                    best = (gain, margin, g, U[:, :gain])
            if best is not None and best[0] == want:
                break
        if best is None:
            raise RuntimeError(
                f"no gate raised rank(A o X) beyond {Q.shape[1]} of N = {n} after {max_rounds * candidates} draws; "
                "X may not be in general position"
            )
        gates.append(best[2])
        new = best[3] - Q @ (Q.T @ best[3])  # second Gram-Schmidt pass for stability
        q_new, _ = np.linalg.qr(new)
        Q = np.hstack([Q, q_new])

    G = np.array(gates)
    M = np.hstack([_gate_block(X, g, rho) for g in G])  # (N, K d0) = (A o X)^T
    u = linalg.lstsq(M, y)[0].reshape(len(G), d0)
    W, z = [], []
    for g, uk in zip(G, u):
        gx, ux = g @ X, uk @ X
        c = float(np.max(np.abs(ux) / np.abs(gx)))
        if c == 0.0:
            v, c = np.zeros(d0), 1.0
        else:
            v = uk / (2 * c)
        W += [g + v, g - v]
        z += [c, -c]
    W, z = np.array(W), np.array(z)
    pre = W @ X
    output = lrelu(pre, rho).T @ z
    rel = float(np.linalg.norm(output - y) / max(np.linalg.norm(y), 1.0))
    d1s = 4 * (-(-n // (2 * d0 - 2)))
    return InterpolatingNetwork(
        W=W, z=z, n_neurons=W.shape[0], d1_star=d1s, within_d1_star=W.shape[0] <= d1s, relative_error=rel,
        margin=float(np.min(np.abs(pre))),
        normalized_margin=float(np.min(np.abs(pre) / (np.linalg.norm(W, axis=1)[:, None] * x_norms[None, :]))),
        gates=G,
    )
