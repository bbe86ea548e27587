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
from .khatri_rao import _pattern_unchecked, dlm_residual, khatri_rao, mce

__all__ = ["mse_and_gradient", "TrainResult", "train_network", "DLMDiagnostics", "dlm_diagnostics"]


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
    A = np.where(U > 0, 1.0, rho)
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
    rho = check_rho(rho)
    X = as_matrix("X", X)
    y = as_array("y", y, ndim=1)
    d0, n = X.shape
    if y.shape[0] != n:
        raise ValueError(f"y must have length N = {n}; got {y.shape[0]}")
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
