r"""Training the one-hidden-layer LReLU network with MSE, and checking Lemma 2 at the trained point.

The network (CLAIMS.md): output :math:`f(WX)^\top z`, residual :math:`e = y - f(WX)^\top z`,
:math:`\mathrm{MSE} = \|e\|^2/N`.  With :math:`U = WX`, :math:`A = a(U)`, :math:`H = f(U) = A\odot U`:

.. math:: \nabla_z \mathrm{MSE} = -\tfrac2N H e, \qquad
          \nabla_W \mathrm{MSE} = -\tfrac2N \big(\operatorname{diag}(z)\,(A \odot \mathbf 1 e^\top)\big) X^\top
          = -\tfrac2N\operatorname{diag}(z)\,\mathrm{reshape}\big((A\circ X)e\big)

(the second form is checked symbolically in :func:`vanishing_minima.theory.derivations.mse_gradient_in_region`).

Lemma 2 says that at every DLM in :math:`\mathcal D_A`, :math:`(A\circ X)e = 0` and :math:`e = e_A`.
:func:`dlm_diagnostics` measures both at a trained point, together with the distance of the point
from the region boundaries, :math:`\min_{i,n}|w_i^\top x^{(n)}|`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ._checks import as_array, as_generator, as_matrix, check_rho, positive_int
from .khatri_rao import (
    _activation,
    _lrelu_unchecked,
    _pattern_unchecked,
    dlm_residual,
    khatri_rao,
    mce,
)

__all__ = ["mse_and_gradient", "TrainResult", "train_network", "DLMDiagnostics", "dlm_diagnostics", "MLPResult", "train_mlp",
           "KinkStationarity", "kink_stationarity"]


def _training_data(X, y, rho) -> tuple[float, np.ndarray, np.ndarray]:
    """Validate the trainers' data: rho != 1, X a (d0, N) matrix, y a vector of length N."""
    rho = check_rho(rho)
    X = as_matrix("X", X)
    y = as_array("y", y, ndim=1)
    if y.shape[0] != X.shape[1]:
        raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
    return rho, X, y


def _unpack(theta: np.ndarray, d1: int, d0: int) -> tuple[np.ndarray, np.ndarray]:
    return theta[: d1 * d0].reshape(d1, d0), theta[d1 * d0:]


def mse_and_gradient(W, z, X, y, rho: float) -> tuple[float, np.ndarray, np.ndarray]:
    r"""MSE and its gradients :math:`(\nabla_W, \nabla_z)` at a point of differentiability.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
    z : array_like, shape (d1,)
    X : array_like, shape (d0, N)
    y : array_like, shape (N,)
    rho : float, != 1

    Returns
    -------
    mse : float
    grad_W : ndarray, shape (d1, d0)
    grad_z : ndarray, shape (d1,)
    """
    rho = check_rho(rho)
    W = as_matrix("W", W)
    X = as_matrix("X", X)
    z = as_array("z", z, ndim=1)
    y = as_array("y", y, ndim=1)
    if W.shape[1] != X.shape[0] or z.shape[0] != W.shape[0] or y.shape[0] != X.shape[1]:
        raise ValueError(f"shapes do not fit: W {W.shape}, z {z.shape}, X {X.shape}, y {y.shape}")
    return _mse_grad(W, z, X, y, rho)


def _mse_grad(W, z, X, y, rho):
    n = X.shape[1]
    U = W @ X
    A = _activation(U, rho)
    H = A * U
    e = y - H.T @ z
    grad_z = -(2.0 / n) * (H @ e)
    grad_W = -(2.0 / n) * ((z[:, None] * A * e[None, :]) @ X.T)
    return float(e @ e / n), grad_W, grad_z


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train_network`: final weights, loss history and the optimizer's report."""

    W: np.ndarray
    z: np.ndarray
    mse: float
    gradient_norm: float
    iterations: int
    converged: bool
    message: str
    history: np.ndarray


def train_network(X, y, d1: int, rho: float, *, rng, method: str = "lbfgs", max_iter: int = 20_000,
                  gtol: float = 1e-12, init_scale: float | None = None, init=None, lr: float = 0.1,
                  decay_epochs: int = 0, decay_rate: float = 0.99) -> TrainResult:
    r"""Full-batch training of the one-hidden-layer LReLU network on the MSE.

    Parameters
    ----------
    X : array_like, shape (d0, N)
    y : array_like, shape (N,)
    d1 : int
        Hidden width.
    rho : float, != 1
    rng : numpy Generator or int seed
        Initialization: :math:`W_{ij}\sim\mathcal N(0, s^2/d_0)`, :math:`z_i\sim\mathcal N(0, s^2/d_1)`,
        :math:`s` = ``init_scale`` (default 1).  Not used when ``init`` is given.
    init : tuple (W, z), optional
        Starting point instead of the random initialization.
    method : {"lbfgs", "gd"}
        ``"lbfgs"``: SciPy's L-BFGS-B with the analytic gradient, stopping when the projected gradient
        is below ``gtol`` or after ``max_iter`` iterations.  ``"gd"``: plain gradient descent for
        ``max_iter`` epochs at step ``lr``, then ``decay_epochs`` more epochs with the step multiplied
        by ``decay_rate`` each epoch (the paper's two-phase schedule in Section 5).

    Returns
    -------
    TrainResult
    """
    rho, X, y = _training_data(X, y, rho)
    d0, n = X.shape
    d1 = positive_int("d1", d1)
    if method not in ("lbfgs", "gd"):
        raise ValueError(f"method must be 'lbfgs' or 'gd'; got {method!r}")
    rng = as_generator(rng)
    if init is None:
        s = 1.0 if init_scale is None else float(init_scale)
        W = rng.standard_normal((d1, d0)) * s / np.sqrt(d0)
        z = rng.standard_normal(d1) * s / np.sqrt(d1)
    else:
        W, z = as_matrix("init W", init[0]).copy(), as_array("init z", init[1], ndim=1).copy()
        if W.shape != (d1, d0) or z.shape != (d1,):
            raise ValueError(f"init must be (W, z) of shapes ({d1}, {d0}) and ({d1},); got {W.shape} and {z.shape}")
    history: list[float] = []

    if method == "lbfgs":
        def fun(theta):
            Wt, zt = _unpack(theta, d1, d0)
            value, gW, gz = _mse_grad(Wt, zt, X, y, rho)
            history.append(value)
            return value, np.concatenate([gW.ravel(), gz])

        res = optimize.minimize(
            fun, np.concatenate([W.ravel(), z]), jac=True, method="L-BFGS-B",
            options={"maxiter": max_iter, "gtol": gtol, "ftol": 0.0, "maxcor": 30, "maxfun": 4 * max_iter},
        )
        W, z = _unpack(res.x, d1, d0)
        value, gW, gz = _mse_grad(W, z, X, y, rho)
        return TrainResult(W, z, value, float(np.sqrt(np.sum(gW**2) + np.sum(gz**2))), int(res.nit),
                           bool(res.success), str(res.message), np.array(history))

    step = float(lr)
    for epoch in range(max_iter + decay_epochs):
        value, gW, gz = _mse_grad(W, z, X, y, rho)
        history.append(value)
        if epoch >= max_iter:
            step *= decay_rate
        W = W - step * gW
        z = z - step * gz
    value, gW, gz = _mse_grad(W, z, X, y, rho)
    gnorm = float(np.sqrt(np.sum(gW**2) + np.sum(gz**2)))
    return TrainResult(W, z, value, gnorm, max_iter + decay_epochs, gnorm <= gtol, "gradient descent finished",
                       np.array(history))


@dataclass(frozen=True)
class DLMDiagnostics:
    r"""Lemma 2 measured at a point :math:`(W, z)`.

    Attributes
    ----------
    mse, mce : float
    stationarity : float
        :math:`\|(A\circ X)e\| / (\|A\circ X\|_2\,\|e\|)` (0 when :math:`e = 0`); Lemma 2 says 0 at a DLM.
    residual_gap : float
        :math:`\|e - e_A\| / \|y\|`; Lemma 2 says 0 at a DLM.
    min_abs_preactivation : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|`: distance-like measure from the region boundaries.
    normalized_min_preactivation : float
        The same divided by :math:`\|w_i\|\|x^{(n)}\|`.
    """

    mse: float
    mce: float
    stationarity: float
    residual_gap: float
    min_abs_preactivation: float
    normalized_min_preactivation: float


def dlm_diagnostics(W, z, X, y, rho: float) -> DLMDiagnostics:
    """Measure the quantities of :class:`DLMDiagnostics` at ``(W, z)``."""
    rho = check_rho(rho)
    W = as_matrix("W", W)
    X = as_matrix("X", X)
    z = as_array("z", z, ndim=1)
    y = as_array("y", y, ndim=1)
    U = W @ X
    A = _pattern_unchecked(U, rho)  # raises where a pre-activation is exactly 0 (no differentiable region)
    e = y - (A * U).T @ z
    K = khatri_rao(A, X)
    ke = np.linalg.norm(K @ e)
    ne = np.linalg.norm(e)
    stationarity = 0.0 if ne == 0 else float(ke / (np.linalg.norm(K, 2) * ne))
    e_a = dlm_residual(A, X, y)
    ny = np.linalg.norm(y)
    labels = np.all((y == 0) | (y == 1))
    return DLMDiagnostics(
        mse=float(e @ e / X.shape[1]),
        mce=mce(y - e, y) if labels else float("nan"),
        stationarity=stationarity,
        residual_gap=float(np.linalg.norm(e - e_a) / (ny if ny > 0 else 1.0)),
        min_abs_preactivation=float(np.min(np.abs(U))),
        normalized_min_preactivation=float(
            np.min(np.abs(U) / (np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]))
        ),
    )


def _mlp_unpack(theta: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    out, k = [], 0
    for r, c in shapes:
        out.append(theta[k: k + r * c].reshape(r, c))
        k += r * c
    return out


def _mlp_loss_grad(theta: np.ndarray, shapes, X: np.ndarray, y: np.ndarray, rho: float):
    *Ws, z = _mlp_unpack(theta, shapes)
    H, cache = X, []
    for W in Ws:
        U = W @ H
        A = _activation(U, rho)
        cache.append((H, A))
        H = A * U
    e = y - H.T @ z[:, 0]
    n = X.shape[1]
    g = -(2.0 / n) * e
    grads = [(H @ g)[:, None]]
    dH = z[:, 0][:, None] * g[None, :]
    for W, (H_in, A) in zip(reversed(Ws), reversed(cache)):
        dU = A * dH
        grads.append(dU @ H_in.T)
        dH = W.T @ dU
    return float(e @ e / n), np.concatenate([gr.ravel() for gr in reversed(grads)])


@dataclass(frozen=True)
class MLPResult:
    """Outcome of :func:`train_mlp`: the layers ``Ws`` (first to last hidden), ``z``, final MSE and gradient."""

    Ws: tuple[np.ndarray, ...]
    z: np.ndarray
    mse: float
    gradient_norm: float
    iterations: int
    output: np.ndarray


def train_mlp(X, y, widths, rho: float, *, rng, max_iter: int = 5000, gtol: float = 1e-10) -> MLPResult:
    r"""Full-batch L-BFGS training of an LReLU network with hidden ``widths`` (no biases) on the MSE.

    Output :math:`z^\top f(W_L \cdots f(W_1 X))`; the gradient is back-propagated analytically
    (checked against finite differences in the tests).  Initialization :math:`W_l \sim \mathcal N(0, 1/\text{fan-in})`,
    :math:`z \sim \mathcal N(0, 1/d_L)`.  For one hidden layer this is the model of the paper; E1 also
    uses two.

    Parameters
    ----------
    X : array_like, shape (d0, N)
    y : array_like, shape (N,)
        Real targets (E1 uses +-1).
    widths : sequence of int
        Hidden widths, e.g. ``[d1]`` or ``[d1, d2]``.
    rho : float, != 1
    rng : numpy Generator or int seed
    max_iter : int
    gtol : float

    Returns
    -------
    MLPResult
    """
    rho, X, y = _training_data(X, y, rho)
    widths = [positive_int("widths", w) for w in widths]
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    rng = as_generator(rng)
    fan_in = [X.shape[0]] + widths
    shapes = [(w, f) for w, f in zip(widths, fan_in[:-1])] + [(widths[-1], 1)]
    theta = np.concatenate([rng.standard_normal(r * c) / np.sqrt(c if i < len(widths) else r)
                            for i, (r, c) in enumerate(shapes)])
    res = optimize.minimize(_mlp_loss_grad, theta, args=(shapes, X, y, rho), jac=True, method="L-BFGS-B",
                            options={"maxiter": max_iter, "gtol": gtol, "ftol": 0.0, "maxcor": 30, "maxfun": 4 * max_iter})
    value, grad = _mlp_loss_grad(res.x, shapes, X, y, rho)
    *Ws, z = _mlp_unpack(res.x, shapes)
    H = X
    for W in Ws:
        H = _lrelu_unchecked(W @ H, rho)
    return MLPResult(tuple(Ws), z[:, 0], value, float(np.linalg.norm(grad)), int(res.nit), H.T @ z[:, 0])


@dataclass(frozen=True)
class KinkStationarity:
    r"""Section 6's stationarity at a point where some neural inputs vanish.

    Attributes
    ----------
    zero_fraction : float
        :math:`r`, the fraction of pairs :math:`(i, n)` with :math:`|w_i^\top x^{(n)}| \le \tau\|w_i\|\|x^{(n)}\|`.
    projected : float
        :math:`\|P(\operatorname{diag}(z)\otimes I)(A\circ X)e\| / (\|X\|_2\|e\|\|z\|)`, where :math:`P` projects each
        block :math:`i` onto the complement of :math:`\mathrm{span}\{x^{(n)}: (i,n)\text{ zero}\}` (the
        directions that keep the zero inputs at zero) and zero pairs are left out of :math:`A\circ X`.
    full : float
        The same without the projection (the one-sided gradient that a smooth method sees).
    output_gradient : float
        :math:`\|f(WX)e\| / (\|f(WX)\|_2\|e\|)`, the stationarity in :math:`z` (a smooth direction).
    """

    zero_fraction: float
    projected: float
    full: float
    output_gradient: float


def kink_stationarity(W, z, X, y, rho: float, *, tau: float = 1e-6) -> KinkStationarity:
    r"""Measure Section 6's condition :math:`P(A\circ X)e = 0` at ``(W, z)`` (see :class:`KinkStationarity`).

    ``tau`` is the relative threshold below which a neural input counts as zero; a loop over the
    ``d1`` neurons (not over samples), each with one QR of its zero inputs.
    """
    rho = check_rho(rho)
    W, X = as_matrix("W", W), as_matrix("X", X)
    z, y = as_array("z", z, ndim=1), as_array("y", y, ndim=1)
    if W.shape[1] != X.shape[0] or z.shape[0] != W.shape[0] or y.shape[0] != X.shape[1]:
        raise ValueError(f"shapes do not fit: W {W.shape}, z {z.shape}, X {X.shape}, y {y.shape}")
    if not 0 <= tau < 1:
        raise ValueError(f"tau must lie in [0, 1); got {tau}")
    U = W @ X
    zero = np.abs(U) <= tau * np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]
    A = _activation(U, rho)
    H = A * U
    e = y - H.T @ z
    proj, full = np.zeros_like(W), np.zeros_like(W)
    for i in range(W.shape[0]):
        full[i] = z[i] * (X @ (A[i] * e))
        g = z[i] * (X @ (A[i] * e * ~zero[i]))
        if zero[i].any():
            Q = np.linalg.qr(X[:, zero[i]])[0]
            g = g - Q @ (Q.T @ g)
        proj[i] = g
    scale = np.linalg.norm(X, 2) * np.linalg.norm(e) * np.linalg.norm(z)
    scale = scale if scale > 0 else 1.0
    hs = np.linalg.norm(H, 2) * np.linalg.norm(e)
    return KinkStationarity(float(zero.mean()), float(np.linalg.norm(proj) / scale), float(np.linalg.norm(full) / scale),
                            float(np.linalg.norm(H @ e) / (hs if hs > 0 else 1.0)))
