r"""Full-batch training of the one-hidden-layer LReLU network on the MSE (L-BFGS-B or gradient descent).

:func:`train_network` is the trainer of Lemma 2's checks, of E2's plain gradient descent and of E3; its loss
and gradient are :func:`.loss.mse_grad_unchecked` (float64, or float32 products on large data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._checks import (
    as_array,
    as_generator,
    as_matrix,
    check_work,
    positive_int,
    real_number,
)
from .common import STEP_OVERHEAD, lbfgs_options, training_data
from .loss import mse_grad_unchecked, step_flops

__all__ = ["TrainResult", "train_network"]


def _unpack(theta: np.ndarray, d1: int, d0: int) -> tuple[np.ndarray, np.ndarray]:
    return theta[: d1 * d0].reshape(d1, d0), theta[d1 * d0 :]


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train_network`: final weights, loss history and the optimizer's report.

    Attributes
    ----------
    W : ndarray, shape (d1, d0)
    z : ndarray, shape (d1,)
        The final weights.
    mse, gradient_norm : float
        The MSE and the norm of the full gradient at them, in double precision on the float64 data.
    iterations : int
        L-BFGS-B's iterations, or the epochs of gradient descent.
    converged : bool
        SciPy's success flag, or (gradient descent) ``gradient_norm <= gtol``.
    message : str
        The optimizer's message.
    history : ndarray
        The MSE at every loss evaluation (one per epoch for gradient descent).
    """

    W: np.ndarray
    z: np.ndarray
    mse: float
    gradient_norm: float
    iterations: int
    converged: bool
    message: str
    history: np.ndarray


def train_network(
    X,
    y,
    d1: int,
    rho: float,
    *,
    rng,
    method: str = "lbfgs",
    max_iter: int = 20_000,
    gtol: float = 1e-12,
    init_scale: float | None = None,
    init=None,
    lr: float = 0.1,
    decay_epochs: int = 0,
    decay_rate: float = 0.99,
    dtype: str = "float64",
    max_work: float | None = None,
) -> TrainResult:
    r"""Full-batch training of the one-hidden-layer LReLU network on the MSE.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array with one entry per column of ``X`` (any real values).
    d1 : int
        Hidden width: an integer >= 1 (Python or NumPy; booleans and floats are refused).
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    rng : numpy Generator or int seed
        A ``numpy.random.Generator``, an integer seed or a ``SeedSequence``; ``None`` is refused.
        Initialization: :math:`W_{ij}\sim\mathcal N(0, s^2/d_0)`,
        :math:`z_i\sim\mathcal N(0, s^2/d_1)`, :math:`s` = ``init_scale`` (default 1).  Not used
        when ``init`` is given, but validated all the same (``None`` is refused then too).
    method : {"lbfgs", "gd"}
        ``"lbfgs"``: SciPy's L-BFGS-B with the analytic gradient, stopping when the projected
        gradient is below ``gtol`` or after ``max_iter`` iterations (or ``4 * max_iter`` loss
        evaluations; ``ftol`` is 0).  ``"gd"``: plain gradient descent for ``max_iter`` epochs at
        step ``lr``, then ``decay_epochs`` more epochs with the step multiplied by ``decay_rate`` at
        the start of each (the paper's two-phase schedule in Section 5).  Any other value is
        refused.
    max_iter : int
        L-BFGS-B's iteration limit, or the number of constant-step epochs of ``"gd"``: an integer
        >= 1.
    gtol : float
        L-BFGS-B's projected-gradient tolerance; for ``"gd"`` only the threshold of
        ``TrainResult.converged`` (final gradient norm <= ``gtol``): a finite number >= 0.
    init_scale : float, optional
        The scale :math:`s` of the random initialization (``None`` means 1): a finite number > 0.
        Ignored when ``init`` is given.
    init : tuple (W, z), optional
        Starting point instead of the random initialization: a pair (tuple or list) of ``W``, a finite
        real matrix of shape (d1, d0), and ``z``, a finite real vector of shape (d1,) (both copied).
    lr : float
        Step of ``"gd"``: a finite number > 0.  Ignored by ``"lbfgs"``.
    decay_epochs : int
        Number of decaying-step epochs of ``"gd"``: an integer >= 0.  Ignored by ``"lbfgs"``.
    decay_rate : float
        Factor applied to the step at the start of each decay epoch of ``"gd"``: a finite number in
        (0, 1].  Ignored by ``"lbfgs"``.
    dtype : {"float64", "float32"}
        Precision of the loss and gradient products.  ``"float32"`` keeps one single-precision copy of
        ``X`` and runs the two (d1 x d0 x N) products in single precision (about twice as fast on large
        data, e.g. MNIST); the MSE is summed and the weights and the optimizer's state are kept in
        double precision.  Single precision resolves the MSE to about 1e-7 relative, enough for the
        training error of E3, not for MSEs of 1e-30 (E2).  Any other value is refused.
    max_work : float, optional
        Work cap: the run is refused before it starts when its estimated floating-point operations
        exceed it (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute).
        The estimate is the number of loss evaluations a run to its limit makes at least
        (``max_iter + decay_epochs`` for ``"gd"``; ``max_iter`` for ``"lbfgs"``, which may make up to four
        times as many) times :math:`4 d_1 d_0 N + 8 d_1 N` plus a fixed 2e4 per evaluation (and
        L-BFGS's own :math:`120 P` per iteration, :math:`P = d_1 d_0 + d_1`).  A finite number > 0.

    Returns
    -------
    TrainResult
        The final ``W``, ``z``; ``mse`` and ``gradient_norm`` recomputed at them in double
        precision; ``iterations`` (L-BFGS-B's count, or ``max_iter + decay_epochs`` for ``"gd"``);
        ``converged`` (SciPy's success flag, or final gradient norm <= ``gtol`` for ``"gd"``);
        ``message``; and ``history``, the MSE at every loss evaluation (one per epoch for
        ``"gd"``).

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, an array is boolean, a string or non-numeric, ``init`` is not a
        tuple or list, or ``rng`` is neither a Generator, an integer nor a ``SeedSequence``.
    ValueError
        If ``method`` or ``dtype`` is not one of its values, ``d1`` or ``max_iter`` is not an integer
        >= 1, ``decay_epochs`` not an integer >= 0, ``gtol``, ``init_scale``, ``lr``, ``decay_rate`` or
        ``max_work`` outside its range above, ``rho`` is not finite or equals 1, ``X``, ``y`` or
        ``init`` has the wrong shape or is not finite (``init`` not a pair), the estimated work exceeds
        ``max_work``, or ``rng`` is None or a negative seed.
    """
    rho, X, y = training_data(X, y, rho)
    d0, n = X.shape
    d1 = positive_int("d1", d1)
    max_iter = positive_int("max_iter", max_iter)
    gtol = real_number("gtol", gtol, low=0.0)
    if init_scale is not None:
        init_scale = real_number("init_scale", init_scale, low=0.0, low_open=True)
    lr = real_number("lr", lr, low=0.0, low_open=True)
    if decay_epochs != 0:  # 0 (no decay phase) is the default
        decay_epochs = positive_int("decay_epochs", decay_epochs)
    decay_rate = real_number("decay_rate", decay_rate, low=0.0, high=1.0, low_open=True)
    if method not in ("lbfgs", "gd"):
        raise ValueError(f"method must be 'lbfgs' or 'gd'; got {method!r}")
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}")
    if init is not None:
        init = _initial_point(init, d1, d0)
    _check_train_work(method, max_iter, decay_epochs, d0, d1, n, max_work)
    Xc = np.ascontiguousarray(X, dtype=dtype)  # the working copy (no copy for contiguous float64 X)
    rng = as_generator(rng)
    if init is None:
        s = 1.0 if init_scale is None else float(init_scale)
        W = rng.standard_normal((d1, d0)) * s / np.sqrt(d0)
        z = rng.standard_normal(d1) * s / np.sqrt(d1)
    else:
        W, z = init
    if method == "lbfgs":
        return _lbfgs(W, z, X, Xc, y, rho, max_iter, gtol)
    return _gradient_descent(W, z, X, Xc, y, rho, (lr, max_iter, decay_epochs, decay_rate), gtol)


def _lbfgs(W, z, X, Xc, y, rho, max_iter, gtol) -> TrainResult:
    """L-BFGS-B from ``(W, z)`` on the working copy ``Xc``; the result measured on ``X`` in float64."""
    d1, d0 = W.shape
    history: list[float] = []

    def fun(theta):
        Wt, zt = _unpack(theta, d1, d0)
        value, gW, gz = mse_grad_unchecked(Wt, zt, Xc, y, rho)
        history.append(value)
        return value, np.concatenate([gW.ravel(), gz])

    res = optimize.minimize(
        fun,
        np.concatenate([W.ravel(), z]),
        jac=True,
        method="L-BFGS-B",
        options=lbfgs_options(max_iter, gtol),
    )
    W, z = _unpack(res.x, d1, d0)
    value, gW, gz = mse_grad_unchecked(W, z, X, y, rho)
    return TrainResult(
        W=W,
        z=z,
        mse=value,
        gradient_norm=float(np.sqrt(np.sum(gW**2) + np.sum(gz**2))),
        iterations=int(res.nit),
        converged=bool(res.success),
        message=str(res.message),
        history=np.array(history),
    )


def _gradient_descent(W, z, X, Xc, y, rho, schedule, gtol) -> TrainResult:
    """The two-phase schedule ``(lr, epochs, decay_epochs, decay_rate)`` from ``(W, z)`` on ``Xc``."""
    lr, epochs, decay_epochs, decay_rate = schedule
    history: list[float] = []
    step = float(lr)
    for epoch in range(epochs + decay_epochs):
        value, gW, gz = mse_grad_unchecked(W, z, Xc, y, rho)
        history.append(value)
        if epoch >= epochs:
            step *= decay_rate
        W = W - step * gW
        z = z - step * gz
    value, gW, gz = mse_grad_unchecked(W, z, X, y, rho)
    gnorm = float(np.sqrt(np.sum(gW**2) + np.sum(gz**2)))
    return TrainResult(
        W=W,
        z=z,
        mse=value,
        gradient_norm=gnorm,
        iterations=epochs + decay_epochs,
        converged=gnorm <= gtol,
        message="gradient descent finished",
        history=np.array(history),
    )


def _initial_point(init, d1: int, d0: int) -> tuple[np.ndarray, np.ndarray]:
    """``train_network``'s ``init``: a pair (W, z) of shapes (d1, d0) and (d1,), finite, copied."""
    if not isinstance(init, (tuple, list)):
        raise TypeError(f"init must be a pair (W, z) (a tuple or list); got {type(init).__name__}")
    if len(init) != 2:
        raise ValueError(f"init must be a pair (W, z); got {len(init)} items")
    W, z = as_matrix("init W", init[0]).copy(), as_array("init z", init[1], ndim=1).copy()
    if W.shape != (d1, d0) or z.shape != (d1,):
        raise ValueError(
            f"init must be (W, z) of shapes ({d1}, {d0}) and ({d1},); got {W.shape} and {z.shape}"
        )
    return W, z


def _check_train_work(method, max_iter, decay_epochs, d0, d1, n, max_work) -> None:
    """``train_network``'s work cap (its docstring gives the estimate)."""
    if method == "gd":
        steps, per_step, what = max_iter + decay_epochs, 0.0, "max_iter + decay_epochs"
    else:
        steps, per_step, what = max_iter, 120.0 * (d1 * d0 + d1), "max_iter"
    check_work(
        f"train_network(method={method!r}) with {what} = {steps} loss evaluations on "
        f"d1 x d0 x N = {d1} x {d0} x {n}",
        float(steps) * (step_flops(d0, d1, n) + per_step + STEP_OVERHEAD),
        max_work,
    )
