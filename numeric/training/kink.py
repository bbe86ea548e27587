r"""Section 6's non-differentiable critical points, found by an exact condition and certified.

Where L-BFGS stops on a kink (some neural inputs :math:`w_i^\top x^{(n)}` at 0), it stops because its line
search makes no more progress, not because a gradient vanished: the point it returns depends on the
rounding of the run (BLAS, thread count, SciPy's L-BFGS-B), and so does any stationarity measured there.
:func:`kink_critical_point` replaces that endpoint by a point defined by an exact condition.

On a face of the loss (the inputs :math:`Z` held at 0, the slope :math:`a_{in}` of every other input
fixed) the network's output depends on the weights only through :math:`v_i = z_i w_i`:
:math:`\hat y = \sum_i a_i\odot(X^\top v_i)`, linear in :math:`v`.  A point of the face with
:math:`z_i \ne 0` is critical there exactly when :math:`v` solves the least-squares problem
:math:`\min\|y - \sum_i a_i\odot(X^\top v_i)\|` with :math:`v_i \perp x^{(n)}` for :math:`(i, n)\in Z`,
i.e. when :math:`e` is that problem's residual (Lemma 2's :math:`e = e_A` with the zero inputs left out)
and Section 6's :math:`P(A\circ X)e = 0`.  From the endpoint the method moves to the nearest solution; a
move that would carry an input across 0 stops at that kink and adds it to :math:`Z`, and a zero input
along which the loss still decreases is released to that side, once.  A least-squares a-posteriori bound
then certifies that the exact solution lies in the same activation region, and the signs of the
multipliers of :math:`Z` decide whether it is a Clarke critical point of the whole (non-differentiable)
loss and whether the first-order condition of a local minimum holds.  The derivation is in
``docs/methods/kink-critical-points.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..khatri_rao import khatri_rao
from .common import network_arrays

__all__ = ["KinkCriticalPoint", "kink_critical_point", "face_stationarity"]

#: Unit roundoff of float64.
_U = 2.0**-53


def _gamma(k: int) -> float:
    r"""Higham's :math:`\gamma_k = k u/(1 - k u)`: the relative error bound of a k-term dot product, in any
    order of summation, with or without fused multiply-adds."""
    return k * _U / (1.0 - k * _U)


@dataclass(frozen=True)
class KinkCriticalPoint:
    r"""A critical point of the loss on a kink's face, reached from an optimizer's endpoint and certified.

    Attributes
    ----------
    W : ndarray, shape (d1, d0)
    z : ndarray, shape (d1,)
        The point reached (``z`` is the endpoint's: the move changes :math:`W` only).
    zero_pairs : int
        :math:`|Z|`, the inputs held at 0 (the face).
    zero_neurons : int
        Neurons with at least one input in :math:`Z` (Section 6's :math:`r d_1`).
    added_pairs, released_pairs : int
        Inputs added to :math:`Z` because a move reached their kink, and released from it.
    moved : float
        :math:`\|W - W_0\|_F/\|W_0\|_F`: how far the endpoint :math:`W_0` lies from the point.
    certified : bool
        The least-squares problem of the face has a unique solution (its matrix has full column rank,
        beyond the rounding-error bound), and no input outside :math:`Z` changes sign between the point
        and that exact solution: an exact critical point of the face lies in the same activation region
        within ``radius``.
    radius : float
        The certified bound on :math:`\|W - W^*\|_F/\|W\|_F` (NaN when not certified).
    start_projected : float
        :func:`face_stationarity`'s projected measure at the start (the optimizer's endpoint, with its
        zero inputs and slopes): how far from critical the optimizer stopped.
    projected : float
        Section 6's :math:`\|P(A\circ X)e\|/(\|A\circ X\|_2\|e\|)` at the point (:func:`face_stationarity`;
        0 at the exact solution).
    unprojected : float
        The same without :math:`P`: Lemma 2's :math:`\|(A\circ X)e\|/(\|A\circ X\|_2\|e\|)`, which a
        critical point on a kink need not meet.
    clarke : bool or None
        At the exact solution, :math:`0\in[\min,\max]\{\lambda_n + c_n, \lambda_n + \rho c_n\}` for every
        input of :math:`Z` (a Clarke critical point of the whole loss); ``None`` when a sign is within its
        error bound or the point is not certified.
    local_min_condition : bool or None
        At the exact solution, :math:`\lambda_n + c_n \ge 0 \ge \lambda_n + \rho c_n` for every input of
        :math:`Z` (no direction of first-order descent: the necessary condition of a local minimum);
        ``None`` as for ``clarke``.
    """

    W: np.ndarray
    z: np.ndarray
    zero_pairs: int
    zero_neurons: int
    added_pairs: int
    released_pairs: int
    moved: float
    certified: bool
    radius: float
    start_projected: float
    projected: float
    unprojected: float
    clarke: bool | None
    local_min_condition: bool | None


def kink_critical_point(
    W, z, X, y, rho: float, *, tau: float = 1e-6, release: bool = True
) -> KinkCriticalPoint:
    r"""From ``(W, z)``, the critical point of the loss on the kink's face, and its certificate.

    The starting face: :math:`Z = \{(i, n) : |w_i^\top x^{(n)}| \le \tau\|w_i\|\|x^{(n)}\|\}` (each
    :math:`w_i` projected onto the complement of its zero inputs), the slope
    :math:`a_{in} = a(w_i^\top x^{(n)})` of every other input.  Neurons with :math:`z_i = 0` or no
    nonzero slope do not move; neurons with the same zero inputs and slopes share one :math:`v`.  Each
    move solves the face's least-squares problem for the correction of :math:`v` of least norm (the
    solution nearest the current point, :math:`\delta w_i = \delta v\,z_i/\sum_{j} z_j^2` over the
    neurons sharing :math:`v`); a move that would change the sign of an input outside :math:`Z` stops at
    the first such kink and adds it to :math:`Z`.  When a move no longer changes :math:`W` (relative
    1e-12), the multipliers are examined: a zero input along which the loss decreases to first order
    is released to that side (each input at most once) and the moves go on.

    Certificate: with :math:`M` the face's least-squares matrix, :math:`c` the point's coordinates and
    :math:`\sigma` a lower bound of :math:`M`'s smallest singular value,
    :math:`\|c - c^*\| \le \|M^\top(y - Mc)\|/\sigma^2` (the normal equations), evaluated with
    first-order rounding-error bounds (Higham's :math:`\gamma_k`, so independent of the BLAS and of the
    summation order).  The exact solution lies in the same region when every input outside :math:`Z`
    satisfies :math:`|w_i^\top x^{(n)}| > \|w_i - w_i^*\|\|x^{(n)}\|` beyond its rounding bound.  At it
    the face gradient of neuron :math:`i` is :math:`\sum_{n\in Z_i}\lambda_n x^{(n)}`; with
    :math:`c_n = -\tfrac2N e_n z_i`, the whole loss changes along a move with
    :math:`t = x^{(n)\top}\delta w_i` at the rate :math:`\lambda_n + c_n` for :math:`t > 0` and
    :math:`\lambda_n + \rho c_n` for :math:`t < 0`, which decides ``clarke`` and
    ``local_min_condition`` (the zero inputs of a neuron must be linearly independent, as for data in
    general position).  The face is the one computed: its zero inputs are 0 to rounding, about 1e-16
    relative.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer, e.g. an optimizer's endpoint: a non-empty, finite, real 2-D array.
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array with one entry per row of ``W``.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array with one entry per column of ``X``.
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    tau : float
        Relative threshold of the starting face: ``0 <= tau < 1``.
    release : bool
        Release zero inputs along which the loss decreases (default); ``False`` keeps every input that
        reaches 0 on the face, so the point is the face's critical point even where a zero input still
        offers descent (``local_min_condition`` False).

    Returns
    -------
    KinkCriticalPoint
        ``certified`` is False (``radius`` NaN, ``clarke`` and ``local_min_condition`` None) when the
        least-squares matrix is rank-deficient within its error bound, an input outside :math:`Z`
        could change sign before the exact solution, or a move would have held :math:`d_0` inputs of a
        neuron at 0 (pinning :math:`w_i` to 0).  The method is local: from a point far from any critical
        point (a random start) it may wander through many faces.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty or
        is not finite, the shapes of ``W``, ``z``, ``X``, ``y`` do not fit together, or ``tau`` is not
        in [0, 1), or ``release`` is not a bool.
    """
    W, z, X, y, rho = network_arrays(W, z, X, y, rho)
    if not 0 <= tau < 1:
        raise ValueError(f"tau must lie in [0, 1); got {tau}")
    if not isinstance(release, (bool, np.bool_)):
        raise ValueError(f"release must be a bool; got {release!r}")
    W0 = W
    U = W @ X
    zero = (
        np.abs(U) <= tau * np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]
    )
    slope = np.where(zero, 0.0, np.where(U > 0, 1.0, rho))
    side = np.where(zero, 0.0, np.sign(U))  # the side each input must keep
    start = face_stationarity(W, z, X, y, zero, slope)[0]
    W = _project(W, X, zero)
    added = released = 0
    collapsed = False
    tried: set[tuple[int, int]] = set()
    for _ in range(4 * zero.size + 8):
        face = _Face(X, zero, slope, z)
        if not face.groups:
            break
        dW = face.correction(W, z, y)
        U, Unew = W @ X, (W + dW) @ X
        cross = ~zero & face.moving[:, None] & (np.sign(Unew) != side)
        if cross.any():
            frac = np.where(cross, U / np.where(cross, U - Unew, 1.0), np.inf)
            i, n = np.unravel_index(np.argmin(frac), frac.shape)
            if zero[i].sum() + 1 >= X.shape[0]:
                collapsed = (
                    True  # d0 zero inputs would pin w_i to 0: no face of this region holds it
                )
                break
            zero[i, n], slope[i, n], side[i, n] = True, 0.0, 0.0
            W = _project(W + float(np.clip(frac[i, n], 0.0, 1.0)) * dW, X, zero)
            added += 1
            continue
        W = W + dW
        if np.linalg.norm(dW) > 1e-12 * np.linalg.norm(W):
            continue
        pair = _descent_pair(W, z, X, y, rho, zero, slope, tried) if release else None
        if pair is None:
            break
        i, n, sign = pair
        tried.add((i, n))
        zero[i, n], slope[i, n], side[i, n] = False, (1.0 if sign > 0 else rho), sign
        released += 1
    cert = None if collapsed else _certify(W, z, X, y, rho, zero, slope)
    projected, unprojected = face_stationarity(W, z, X, y, zero, slope)
    return KinkCriticalPoint(
        W=W,
        z=z,
        zero_pairs=int(zero.sum()),
        zero_neurons=int(zero.any(axis=1).sum()),
        added_pairs=added,
        released_pairs=released,
        moved=float(np.linalg.norm(W - W0) / max(np.linalg.norm(W0), np.finfo(float).tiny)),
        certified=cert is not None,
        radius=cert[0] if cert else float("nan"),
        start_projected=start,
        projected=projected,
        unprojected=unprojected,
        clarke=cert[1] if cert else None,
        local_min_condition=cert[2] if cert else None,
    )


def _project(W, X, zero) -> np.ndarray:
    """Each :math:`w_i` projected onto the complement of its zero inputs' span (onto the face)."""
    W = W.copy()
    for i in range(W.shape[0]):
        if zero[i].any():
            Q = np.linalg.qr(X[:, zero[i]])[0]
            W[i] -= Q @ (Q.T @ W[i])
    return W


def face_stationarity(W, z, X, y, zero, slope) -> tuple[float, float]:
    r"""Section 6's and Lemma 2's stationarity on a face: :math:`\|P(A\circ X)e\|` and
    :math:`\|(A\circ X)e\|`, each divided by :math:`\|A\circ X\|_2\|e\|` (0 when :math:`e = 0`).

    :math:`A` is ``slope`` (0 on the zero inputs, whose :math:`f(0) = 0`), :math:`e = y - (A\odot WX)^\top
    z`, and :math:`P` projects block :math:`i` of :math:`(A\circ X)e`, :math:`X(a_i\odot e)`, onto the
    complement of :math:`\operatorname{span}\{x^{(n)} : (i, n)\text{ zero}\}`.  Unlike the gradient in
    :math:`W`, neither depends on the rescaling :math:`(w_i, z_i)\to(c\,w_i, z_i/c)`, so two points of the
    same critical set give the same values.

    Parameters
    ----------
    W : ndarray, shape (d1, d0)
    z : ndarray, shape (d1,)
    X : ndarray, shape (d0, N)
    y : ndarray, shape (N,)
        Validated float arrays (as :func:`kink_critical_point` holds them).
    zero : ndarray of bool, shape (d1, N)
        The zero inputs.
    slope : ndarray, shape (d1, N)
        The slopes :math:`a_{in}` (0 where ``zero``).

    Returns
    -------
    projected, unprojected : float
    """
    e = y - (slope * (W @ X)).T @ z
    K = khatri_rao(slope, X)
    g = (K @ e).reshape(W.shape)
    proj = g.copy()
    for i in np.flatnonzero(zero.any(axis=1)):
        Q = np.linalg.qr(X[:, zero[i]])[0]
        proj[i] -= Q @ (Q.T @ g[i])
    scale = np.linalg.norm(K, 2) * np.linalg.norm(e)
    scale = scale if scale > 0 else 1.0
    return float(np.linalg.norm(proj) / scale), float(np.linalg.norm(g) / scale)


class _Face:
    """The least-squares problem of a face: groups of moving neurons, their bases, the matrix M."""

    def __init__(self, X, zero, slope, z):
        d0 = X.shape[0]
        self.moving = np.any(slope != 0, axis=1) & (z != 0) & (zero.sum(axis=1) < d0)
        groups: dict[bytes, list[int]] = {}
        for i in np.flatnonzero(self.moving):
            groups.setdefault(zero[i].tobytes() + slope[i].tobytes(), []).append(int(i))
        self.groups = list(groups.values())
        self.bases, blocks = [], []
        for g in self.groups:
            Xz = X[:, zero[g[0]]]
            B = np.linalg.qr(Xz, mode="complete")[0][:, Xz.shape[1] :] if Xz.size else np.eye(d0)
            self.bases.append(B)
            blocks.append(slope[g[0]][:, None] * (X.T @ B))
        self.M = np.concatenate(blocks, axis=1) if blocks else np.zeros((X.shape[1], 0))
        self.X, self.slope, self.z = X, slope, z

    def coordinates(self, W) -> tuple[np.ndarray, float]:
        """``c`` with :math:`v_g \\approx B_g c_g`, and :math:`\\|v - Bc\\|` (the part off the face)."""
        cs, off = [], 0.0
        for g, B in zip(self.groups, self.bases):
            v = self.z[g] @ W[g]
            cs.append(B.T @ v)
            off += float(np.sum((v - B @ cs[-1]) ** 2))
        return (np.concatenate(cs) if cs else np.zeros(0)), off**0.5

    def correction(self, W, z, y) -> np.ndarray:
        """The least-norm move of ``W`` to the least-squares solution of the face."""
        r = y - (self.slope * (W @ self.X)).T @ z
        dc = np.linalg.lstsq(self.M, r, rcond=None)[0]
        dW, col = np.zeros_like(W), 0
        for g, B in zip(self.groups, self.bases):
            dv = B @ dc[col : col + B.shape[1]]
            col += B.shape[1]
            dW[g] = np.outer(z[g] / float(z[g] @ z[g]), dv)
        return dW


def _multipliers(W, z, X, e, zero, slope):
    """Per neuron with zero inputs: (their indices, lambda, the fit's residual, sigma_min of X_Z,
    |g_i|)."""
    n = X.shape[1]
    out = []
    for i in np.flatnonzero(zero.any(axis=1)):
        idx = np.flatnonzero(zero[i])
        Xz = X[:, idx]
        g = -2.0 / n * z[i] * (X @ (slope[i] * e))
        lam = np.linalg.lstsq(Xz, g, rcond=None)[0]
        smin = np.linalg.svd(Xz, compute_uv=False)[-1]
        out.append((int(i), idx, lam, float(np.linalg.norm(Xz @ lam - g)), float(smin)))
    return out


def _descent_pair(W, z, X, y, rho, zero, slope, tried):
    """The zero input with the steepest first-order descent not yet released, with its side, or None."""
    e = y - (slope * (W @ X)).T @ z
    # rates within 1e-9 of the gradient's scale are rounding, not descent
    best, worst = (
        None,
        -1e-9 * 2.0 / X.shape[1] * np.linalg.norm(X, 2) * np.linalg.norm(e) * np.max(np.abs(z)),
    )
    for i, idx, lam, _, _ in _multipliers(W, z, X, e, zero, slope):
        c = -2.0 / X.shape[1] * e[idx] * z[i]
        for k, n in enumerate(idx):
            if (i, int(n)) in tried:
                continue
            for rate, sign in ((lam[k] + c[k], 1.0), (-(lam[k] + rho * c[k]), -1.0)):
                if rate < worst:  # moving to this side decreases the loss at this rate
                    best, worst = (int(i), int(n), sign), rate
    return best


def _certify(W, z, X, y, rho, zero, slope):
    """``(radius, clarke, local_min_condition)`` at ``(W, z)``, or None when the certificate fails."""
    d1, d0 = W.shape
    n = X.shape[1]
    face = _Face(X, zero, slope, z)
    M = face.M
    q = M.shape[1]
    U = W @ X
    dU = _gamma(d0) * (np.abs(W) @ np.abs(X))
    H = slope * U
    dH = np.abs(slope) * dU + _U * np.abs(H)
    r = y - H.T @ z
    dr = _U * np.abs(r) + _gamma(d1) * (np.abs(H).T @ np.abs(z)) + dH.T @ np.abs(z)
    xnorm2 = np.linalg.norm(X, 2) * (1 + 10 * (d0 + n) * _U)
    amax = max(1.0, abs(rho))
    dW = np.zeros(d1)  # bounds of |w_i - w_i*|
    de = float(np.linalg.norm(dr))  # bound of |r - e*| (e* the exact solution's residual)
    if q:
        dM = np.concatenate(
            [
                _gamma(d0 + 1) * np.abs(slope[g[0]])[:, None] * (np.abs(X).T @ np.abs(B))
                for g, B in zip(face.groups, face.bases)
            ],
            axis=1,
        )
        c, off = face.coordinates(W)
        off += _gamma(2 * d0 * d1) * float(np.linalg.norm(np.abs(z) @ np.abs(W)))
        mr = M.T @ r
        dmr = _gamma(n) * (np.abs(M).T @ np.abs(r)) + np.abs(M).T @ dr + dM.T @ np.abs(r)
        sv = np.linalg.svd(M, compute_uv=False)
        smin = sv[-1] - 10 * (n + q) * _U * sv[0] - float(np.linalg.norm(dM))
        if not smin > 0:
            return None
        normal = (
            np.linalg.norm(mr)
            + 2 * np.linalg.norm(dmr)
            + (sv[0] + np.linalg.norm(dM)) * (amax * xnorm2 * off)
        )
        dc = float(normal / smin**2) + off
        for g in face.groups:
            dW[g] = dc * np.abs(z[g]) / float(z[g] @ z[g])
        de += (sv[0] + np.linalg.norm(dM)) * dc + amax * xnorm2 * off
    # every input off the face keeps the side of its slope, beyond rounding and the distance to W*
    reach = dW[:, None] * np.linalg.norm(X, axis=0)[None, :] * (1 + 4 * _U)
    side_ok = np.where(slope == 1.0, U > 0, U < 0)
    if np.any(~zero & (~side_ok | (np.abs(U) - dU <= reach))):
        return None
    radius = float(np.linalg.norm(dW) / max(np.linalg.norm(W), np.finfo(float).tiny))
    return (radius, *_conditions(W, z, X, r, de, rho, zero, slope, dW))


def _conditions(W, z, X, r, de, rho, zero, slope, dW):
    """Clarke and local-minimum conditions at the exact solution: each a bool, or None when a sign is
    within its bound."""
    n = X.shape[1]
    xnorm2 = np.linalg.norm(X, 2) * (1 + 10 * sum(X.shape) * _U)
    clarke = local = True
    for i, idx, lam, fit, smin in _multipliers(W, z, X, r, zero, slope):
        if smin <= 0:
            return None, None
        # g_i at the exact solution differs from the computed one by the change of e and rounding
        dg = (
            2.0
            / n
            * abs(z[i])
            * (
                xnorm2 * de
                + _gamma(n + 2) * np.linalg.norm(np.abs(X) @ (np.abs(slope[i]) * np.abs(r)))
            )
        )
        dlam = (dg + fit) / (smin * (1 - 1e-8)) if slope[i].any() else 0.0
        c = -2.0 / n * r[idx] * z[i]
        dc = 2.0 / n * abs(z[i]) * (de + _U * np.abs(r[idx]))
        right, left = lam + c, lam + rho * c  # the loss's rates for t > 0 and for -t < 0
        dright, dleft = dlam + dc, dlam + abs(rho) * dc
        pos = _sign(right, dright)
        neg = _sign(left, dleft)
        if pos is None or neg is None:
            return None, None
        local &= bool(np.all(pos >= 0) and np.all(neg <= 0))
        clarke &= bool(np.all(np.minimum(pos, neg) <= 0) and np.all(np.maximum(pos, neg) >= 0))
    return clarke, local


def _sign(value: np.ndarray, bound) -> np.ndarray | None:
    """The signs of ``value`` (0 only where it is exactly 0 with a bound of 0), or None when one of
    them is within its bound."""
    bound = np.broadcast_to(bound, value.shape)
    exact0 = (value == 0) & (bound == 0)
    if np.any(~exact0 & (np.abs(value) <= bound)):
        return None
    return np.where(exact0, 0.0, np.sign(value))
