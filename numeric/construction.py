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
rounds without one, the best partial gain is taken (and the network grows beyond
:math:`2\lceil N/d_0\rceil`).  Then :math:`u` solves the linear system (least squares, exact at full rank), and
:math:`c_k = \max_n |u_k^\top x^{(n)}| / |g_k^\top x^{(n)}|`
makes :math:`|v_k^\top x| \le |g_k^\top x|/2`, so every neural input is at least half its gate's.

If every gate adds :math:`d_0` dimensions the network has
:math:`2\lceil N/d_0\rceil \le d_1^* = 4\lceil N/(2d_0-2)\rceil` neurons.  The count actually needed is
returned, never padded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from vanishing_minima.theory.bounds import d1_star

from ._checks import (
    as_array,
    as_generator,
    as_matrix,
    check_rho,
    check_work,
    positive_int,
    power_of_two_scale,
    real_number,
)
from .khatri_rao import activation_of, lrelu

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
    a = activation_of(gate @ X, rho)
    return (X * a).T


def interpolating_network(
    X,
    y,
    rho: float,
    *,
    rng,
    candidates: int = 16,
    max_rounds: int = 50,
    rank_tol: float = 1e-9,
    max_work: float | None = None,
) -> InterpolatingNetwork:
    r"""Build :math:`(W, z)` with :math:`f(WX)^\top z = y` and every :math:`w_i^\top x^{(n)} \ne 0` (Theorem 8).

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data in general position (e.g. Gaussian), real and finite, :math:`d_0 \ge 2`, no zero column.
    y : array_like, shape (N,)
        Targets (Theorem 8: labels in {0, 1}; any finite reals are accepted), one per column of ``X``.
    rho : float
        LReLU slope: a finite real number, :math:`\ne 1`.
    rng : numpy Generator or int seed
        Source of the candidate gate directions (``None`` is refused).
    candidates : int
        Random candidates drawn per gate (the best accepted one is kept): an integer :math:`\ge 1`.
    max_rounds : int
        Rounds of ``candidates`` draws before settling for a gate with less than the full rank gain: an
        integer :math:`\ge 1`.
    rank_tol : float
        Relative tolerance of the rank increase, in (0, 1): a singular value of the projected block counts
        when it exceeds ``rank_tol`` times the block's largest singular value (scale invariant).
    max_work : float, optional
        Positive.  Refuse, before starting, when the estimated cost exceeds this many floating-point operations
        (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`; the estimate is
        :math:`2\,\text{candidates}\,N^3` for the gate search plus :math:`N^3` for the final solve).

    Returns
    -------
    InterpolatingNetwork
        The weights, the number of neurons against Theorem 8's width, and the fit's error and margins.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, ``rho`` is not a real number, or ``rng`` is not a
        generator or an integer seed.
    ValueError
        For ``rho`` not finite or equal to 1; ``X`` not 2-D, empty, not finite, with fewer than 2 rows or a
        zero column; ``y`` not 1-D, empty, not finite or not of length N; ``candidates`` or ``max_rounds``
        not an integer >= 1; ``rank_tol`` outside (0, 1); ``max_work`` not positive; ``rng`` None; for two
        datapoints on one ray from the origin
        (:math:`x^{(m)} = c\,x^{(n)}`, :math:`c > 0`, equal points included) whose labels are not in the same
        ratio (:math:`y_m \ne c\,y_n`): a bias-free network is positively homogeneous, so no network fits
        both, an exact impossibility named with the two indices; for a cost above ``max_work``.
    RuntimeError
        If no candidate raises the rank at all in ``max_rounds * candidates`` draws (X not in general position).
    """
    rho = check_rho(rho)
    X = as_matrix("X", X)
    d0, n = X.shape
    if d0 < 2:
        raise ValueError(
            f"X must have d0 >= 2 rows (Theorem 8's width divides by 2 d0 - 2); got d0 = {d0}"
        )
    y = as_array("y", y, ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"y must have length N = {n}; got {y.shape[0]}")
    candidates = positive_int("candidates", candidates)
    max_rounds = positive_int("max_rounds", max_rounds)
    rank_tol = real_number("rank_tol", rank_tol, low=0.0, high=1.0, low_open=True, high_open=True)
    check_work(
        f"interpolating_network at N = {n}, d0 = {d0}",
        2.0 * candidates * n**3 + float(n) ** 3,
        max_work,
    )
    rng = as_generator(rng)
    # Exact rescalings by powers of two (no rounding): the network for X / s has W * s, and the network
    # is linear in z, so y / t is fitted and z scaled back by t.  Nothing depends on the data's scale.
    x_scale, y_scale = float(power_of_two_scale(X)), float(power_of_two_scale(y))
    X = X / x_scale
    x_norms = np.linalg.norm(X, axis=0)
    if np.any(x_norms == 0):
        raise ValueError("X must have no zero column (w^T x = 0 for every w)")
    keep = _ray_representatives(
        X, y, x_norms
    )  # consistent duplicates follow from their representative
    y = y / y_scale
    Xk, yk, nk, k_norms = X[:, keep], y[keep], len(keep), x_norms[keep]

    Q = np.zeros((nk, 0))
    gates: list[np.ndarray] = []
    while Q.shape[1] < nk:
        want = min(d0, nk - Q.shape[1])
        best = None  # (gain, margin, gate, new directions)
        for _ in range(max_rounds):
            G = rng.standard_normal((candidates, d0))
            for g in G:
                block = _gate_block(Xk, g, rho)
                proj = block - Q @ (Q.T @ block)
                U, s, _ = np.linalg.svd(proj, full_matrices=False)
                gain = int(
                    np.sum(s > rank_tol * np.linalg.norm(block, 2))
                )  # relative: scale invariant
                if gain == 0:
                    continue
                margin = float(np.min(np.abs(g @ Xk) / (np.linalg.norm(g) * k_norms)))
                if best is None or (gain, margin) > best[:2]:
                    best = (gain, margin, g, U[:, :gain])
            if best is not None and best[0] == want:
                break
        if best is None:
            raise RuntimeError(
                f"no gate raised rank(A o X) beyond {Q.shape[1]} of N = {nk} after {max_rounds * candidates} draws; "
                "X may not be in general position"
            )
        gates.append(best[2])
        new = best[3] - Q @ (Q.T @ best[3])  # second Gram-Schmidt pass for stability
        q_new, _ = np.linalg.qr(new)
        Q = np.hstack([Q, q_new])

    G = np.array(gates)
    M = np.hstack([_gate_block(Xk, g, rho) for g in G])  # (N, K d0) = (A o X)^T
    u = linalg.lstsq(M, yk)[0].reshape(len(G), d0)
    W, z = [], []
    for g, uk in zip(G, u):
        gx, ux = g @ Xk, uk @ Xk
        c = float(np.max(np.abs(ux) / np.abs(gx)))
        if c == 0.0:
            v, c = np.zeros(d0), 1.0
        else:
            v = uk / (2 * c)
        W += [g + v, g - v]
        z += [c, -c]
    W, z = np.array(W), np.array(z)
    pre = W @ X  # = (W / x_scale) @ (X * x_scale): the neural inputs of the returned network
    output = lrelu(pre, rho).T @ z  # in units of y_scale
    y_norm = float(np.linalg.norm(y))
    rel = (
        float(np.linalg.norm(output - y) / y_norm) if y_norm > 0 else float(np.linalg.norm(output))
    )
    d1s = d1_star(n, d0)  # Theorem 8's width, from its one formula in theory.bounds
    return InterpolatingNetwork(
        W=W / x_scale,
        z=z * y_scale,
        n_neurons=W.shape[0],
        d1_star=d1s,
        within_d1_star=W.shape[0] <= d1s,
        relative_error=rel,
        margin=float(np.min(np.abs(pre))),
        normalized_margin=float(
            np.min(np.abs(pre) / (np.linalg.norm(W, axis=1)[:, None] * x_norms[None, :]))
        ),
        gates=G / x_scale,
    )


def _ray_representatives(X: np.ndarray, y: np.ndarray, x_norms: np.ndarray) -> np.ndarray:
    r"""Indices of one datapoint per ray from the origin; refuses rays whose labels are not in the points' ratio.

    A bias-free network with a positively homogeneous activation satisfies
    :math:`f(Wcx)^\top z = c\,f(Wx)^\top z` for :math:`c > 0`, so :math:`x^{(m)} = c\,x^{(n)}` forces
    :math:`y_m = c\,y_n`: then fitting the first point fits the others, and otherwise no network fits both.
    Equal points (``c = 1``) are compared exactly; directions and ratios to 1e-12 and 1e-9 relative.
    """
    U = X / x_norms
    _, inverse = np.unique(np.round(U, 12), axis=1, return_inverse=True)
    inverse = np.ravel(inverse)
    drop = set()
    for group in np.unique(inverse):
        members = np.flatnonzero(inverse == group)
        if members.size < 2:
            continue
        ref = members[0]
        for m in members[1:]:
            c = x_norms[m] / x_norms[ref]
            same = np.array_equal(X[:, m], X[:, ref])
            if not np.allclose(U[:, m], U[:, ref], rtol=0, atol=1e-12):
                continue
            drop.add(int(m))
            if (same and y[m] != y[ref]) or (
                not same and not np.isclose(y[m], c * y[ref], rtol=1e-9, atol=0)
            ):
                what = (
                    f"columns {ref} and {m} of X are the same point with labels {y[ref]:g} and {y[m]:g}"
                    if same
                    else f"columns {ref} and {m} of X lie on one ray (x_{m} = {c:.6g} x_{ref}) with labels "
                    f"{y[ref]:g} and {y[m]:g}, not in that ratio"
                )
                raise ValueError(
                    f"{what}: a bias-free network is positively homogeneous, so no network fits both"
                )
    return np.array([i for i in range(X.shape[1]) if i not in drop])
