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

from ._checks import (
    as_array,
    as_generator,
    as_matrix,
    check_rho,
    check_work,
    positive_int,
    real_number,
)
from .khatri_rao import (
    activation_of,
    dlm_residual,
    khatri_rao,
    lrelu_unchecked,
    mce,
    pattern_unchecked,
)

__all__ = [
    "mse_and_gradient",
    "TrainResult",
    "train_network",
    "DLMDiagnostics",
    "dlm_diagnostics",
    "MLPResult",
    "train_mlp",
    "KinkStationarity",
    "kink_stationarity",
    "OPTIMIZERS",
    "DIVERGENCE_FACTOR",
    "FirstOrderResult",
    "train_first_order",
]


def _training_data(X, y, rho) -> tuple[float, np.ndarray, np.ndarray]:
    """Validate the trainers' data: rho != 1, X a (d0, N) matrix, y a vector of length N."""
    rho = check_rho(rho)
    X = as_matrix("X", X)
    y = as_array("y", y, ndim=1)
    if y.shape[0] != X.shape[1]:
        raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
    return rho, X, y


#: Operations charged to every training step (or loss evaluation) beside its matrix products, for the work
#: caps of the trainers: Python, temporaries and SciPy's bookkeeping, about 10 us.
_STEP_OVERHEAD = 2e4


def _step_flops(d0: int, d1: int, n: int) -> float:
    """Floating-point operations of one full-data loss and gradient (``_mse_grad``): the two (d1 x d0 x N)
    products and the (d1 x N) element-wise work."""
    return 4.0 * d1 * d0 * n + 8.0 * d1 * n


def _unpack(theta: np.ndarray, d1: int, d0: int) -> tuple[np.ndarray, np.ndarray]:
    return theta[: d1 * d0].reshape(d1, d0), theta[d1 * d0 :]


def mse_and_gradient(W, z, X, y, rho: float) -> tuple[float, np.ndarray, np.ndarray]:
    r"""MSE and its gradients :math:`(\nabla_W, \nabla_z)` at a point of differentiability.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer: a non-empty, finite, real 2-D array; its column count must equal ``X``'s row
        count.
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array with one entry per row of ``W``.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array with one entry per column of ``X`` (any real values,
        not only labels).
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.

    Returns
    -------
    mse : float
        :math:`\|e\|^2/N`.
    grad_W : ndarray, shape (d1, d0)
        :math:`\nabla_W \mathrm{MSE}`.
    grad_z : ndarray, shape (d1,)
        :math:`\nabla_z \mathrm{MSE}`.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty
        or is not finite, or the shapes of ``W``, ``z``, ``X``, ``y`` do not fit together.

    Notes
    -----
    "At a point of differentiability" is not checked: where a pre-activation
    :math:`w_i^\top x^{(n)}` is exactly 0 the one-sided value :math:`a(0) = \rho` is used (the mask
    is ``U > 0``).
    """
    rho = check_rho(rho)
    W = as_matrix("W", W)
    X = as_matrix("X", X)
    z = as_array("z", z, ndim=1)
    y = as_array("y", y, ndim=1)
    _check_shapes(W, z, X, y)
    return _mse_grad(W, z, X, y, rho)


def _check_shapes(W, z, X, y) -> None:
    """W (d1, d0), z (d1,), X (d0, N), y (N,): the rule named in the message."""
    if W.shape[1] != X.shape[0] or z.shape[0] != W.shape[0] or y.shape[0] != X.shape[1]:
        raise ValueError(
            f"shapes do not fit: W {W.shape}, z {z.shape}, X {X.shape}, y {y.shape} "
            "(need W (d1, d0), z (d1,), X (d0, N), y (N,))"
        )


def _fast_activation(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U) as arithmetic on the mask ``U > 0`` (``np.where`` with scalar branches is several times slower)."""
    mask = U > 0
    if rho == 0.0:
        return mask.astype(U.dtype)
    return mask * U.dtype.type(1.0 - rho) + U.dtype.type(rho)


def _mse_grad(W, z, X, y, rho):
    """MSE and gradients; the products run in ``X``'s dtype (float64, or float32 for speed), results in float64.

    Two (d1, N) temporaries (``U``, then ``H`` in place; ``A``, then ``A * e`` in place), the activation
    from the mask ``U > 0`` (not ``np.where``), and ``diag(z)`` applied to the (d1, d0) product rather than
    to a (d1, N) array: on MNIST-sized data the two matrix products are almost all the time
    (``scripts/profile_e3.py`` measures this against the earlier form).
    """
    n = X.shape[1]
    dt = X.dtype
    U = W.astype(dt, copy=False) @ X
    A = _fast_activation(U, rho)
    U *= A  # H = f(U)
    e = y.astype(dt, copy=False) - z.astype(dt, copy=False) @ U
    grad_z = (U @ e).astype(float) * (-2.0 / n)
    A *= e  # A o (1 e^T)
    grad_W = (A @ X.T).astype(float) * (z[:, None] * (-2.0 / n))
    e64 = e.astype(float, copy=False)
    return float(e64 @ e64 / n), grad_W, grad_z


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


def _lbfgs_options(max_iter: int, gtol: float) -> dict:
    """SciPy L-BFGS-B options of both trainers: stop on the projected gradient (``gtol``) or after
    ``max_iter`` iterations / ``4 max_iter`` evaluations, never on a small relative decrease (``ftol = 0``:
    E2's MSEs go down to 1e-30), 30 correction pairs."""
    return {"maxiter": max_iter, "gtol": gtol, "ftol": 0.0, "maxcor": 30, "maxfun": 4 * max_iter}


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
    rho, X, y = _training_data(X, y, rho)
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
    Xc = np.ascontiguousarray(
        X, dtype=dtype
    )  # the working copy (no copy for contiguous float64 input)
    rng = as_generator(rng)
    if init is None:
        s = 1.0 if init_scale is None else float(init_scale)
        W = rng.standard_normal((d1, d0)) * s / np.sqrt(d0)
        z = rng.standard_normal(d1) * s / np.sqrt(d1)
    else:
        W, z = init
    history: list[float] = []

    if method == "lbfgs":

        def fun(theta):
            Wt, zt = _unpack(theta, d1, d0)
            value, gW, gz = _mse_grad(Wt, zt, Xc, y, rho)
            history.append(value)
            return value, np.concatenate([gW.ravel(), gz])

        res = optimize.minimize(
            fun,
            np.concatenate([W.ravel(), z]),
            jac=True,
            method="L-BFGS-B",
            options=_lbfgs_options(max_iter, gtol),
        )
        W, z = _unpack(res.x, d1, d0)
        value, gW, gz = _mse_grad(W, z, X, y, rho)
        return TrainResult(
            W,
            z,
            value,
            float(np.sqrt(np.sum(gW**2) + np.sum(gz**2))),
            int(res.nit),
            bool(res.success),
            str(res.message),
            np.array(history),
        )

    step = float(lr)
    for epoch in range(max_iter + decay_epochs):
        value, gW, gz = _mse_grad(W, z, Xc, y, rho)
        history.append(value)
        if epoch >= max_iter:
            step *= decay_rate
        W = W - step * gW
        z = z - step * gz
    value, gW, gz = _mse_grad(W, z, X, y, rho)
    gnorm = float(np.sqrt(np.sum(gW**2) + np.sum(gz**2)))
    return TrainResult(
        W,
        z,
        value,
        gnorm,
        max_iter + decay_epochs,
        gnorm <= gtol,
        "gradient descent finished",
        np.array(history),
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
        float(steps) * (_step_flops(d0, d1, n) + per_step + _STEP_OVERHEAD),
        max_work,
    )


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
    r"""Measure the quantities of :class:`DLMDiagnostics` at ``(W, z)``.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer: a non-empty, finite, real 2-D array.  No pre-activation
        :math:`w_i^\top x^{(n)}` may be exactly 0 (the point must lie inside a differentiable
        region).
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array.  ``mce`` is computed only when every entry is 0 or 1.
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.

    Returns
    -------
    DLMDiagnostics
        ``mce`` is NaN when ``y`` is not a {0, 1} label vector; ``residual_gap`` divides by 1
        instead of :math:`\|y\|` when ``y = 0``.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty
        or is not finite, a pre-activation is exactly 0, or the shapes of ``W``, ``z``, ``X``, ``y``
        do not fit together (``W`` (d1, d0), ``z`` (d1,), ``X`` (d0, N), ``y`` (N,); checked before
        any product).
    """
    rho = check_rho(rho)
    W = as_matrix("W", W)
    X = as_matrix("X", X)
    z = as_array("z", z, ndim=1)
    y = as_array("y", y, ndim=1)
    _check_shapes(W, z, X, y)
    U = W @ X
    A = pattern_unchecked(
        U, rho
    )  # raises where a pre-activation is exactly 0 (no differentiable region)
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
            np.min(
                np.abs(U)
                / (np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :])
            )
        ),
    )


def _mlp_unpack(theta: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    out, k = [], 0
    for r, c in shapes:
        out.append(theta[k : k + r * c].reshape(r, c))
        k += r * c
    return out


def _mlp_loss_grad(theta: np.ndarray, shapes, X: np.ndarray, y: np.ndarray, rho: float):
    *Ws, z = _mlp_unpack(theta, shapes)
    H, cache = X, []
    for W in Ws:
        U = W @ H
        A = activation_of(U, rho)
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


def train_mlp(
    X,
    y,
    widths,
    rho: float,
    *,
    rng,
    max_iter: int = 5000,
    gtol: float = 1e-10,
    max_work: float | None = None,
) -> MLPResult:
    r"""Full-batch L-BFGS training of an LReLU network with hidden ``widths`` (no biases) on the MSE.

    Output :math:`z^\top f(W_L \cdots f(W_1 X))`; the gradient is back-propagated analytically
    (checked against finite differences in the tests).  Initialization :math:`W_l \sim \mathcal N(0, 1/\text{fan-in})`,
    :math:`z \sim \mathcal N(0, 1/d_L)`.  For one hidden layer this is the model of the paper; E1 also
    uses two.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Real targets (E1 uses +-1): a finite, real 1-D array with one entry per column of ``X``.
    widths : sequence of int
        Hidden widths, e.g. ``[d1]`` or ``[d1, d2]``: at least one, each an integer >= 1 (booleans
        and floats are refused).
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    rng : numpy Generator or int seed
        A ``numpy.random.Generator``, an integer seed or a ``SeedSequence`` for the initialization;
        ``None`` is refused.
    max_iter : int
        L-BFGS-B's iteration limit (and ``4 * max_iter`` loss evaluations): an integer >= 1.
    gtol : float
        L-BFGS-B's projected-gradient tolerance (``ftol`` is 0): a finite number >= 0.
    max_work : float, optional
        Work cap: the run is refused before it starts when ``max_iter`` loss evaluations (the least a
        run to the limit makes) would take more floating-point operations than this (default
        :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), at
        :math:`4N\sum_l d_l d_{l-1} + 4N d_L` per evaluation plus a fixed 2e4 and L-BFGS's own
        :math:`120 P` (:math:`P` the number of weights).  A finite number > 0.

    Returns
    -------
    MLPResult
        The layers ``Ws`` (first to last hidden) and ``z`` at the end, the MSE and the norm of the
        full gradient there, L-BFGS-B's iteration count, and ``output``, the network's output on
        ``X`` (shape (N,)).

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, an array is boolean, a string or non-numeric, or ``rng`` is
        neither a Generator, an integer nor a ``SeedSequence``.
    ValueError
        If ``widths`` is empty or holds something other than an integer >= 1, ``rho`` is not finite
        or equals 1, ``X`` or ``y`` has the wrong shape or is not finite, ``max_iter`` is not an
        integer >= 1, ``gtol`` not a finite number >= 0, ``max_work`` not a finite number > 0, the
        estimated work exceeds ``max_work``, or ``rng`` is None or a negative seed.
    """
    rho, X, y = _training_data(X, y, rho)
    widths = [positive_int("widths", w) for w in widths]
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    max_iter = positive_int("max_iter", max_iter)
    gtol = real_number("gtol", gtol, low=0.0)
    fan_in = [X.shape[0]] + widths
    shapes = [(w, f) for w, f in zip(widths, fan_in[:-1])] + [(widths[-1], 1)]
    weights = sum(r * c for r, c in shapes)
    n = X.shape[1]
    check_work(
        f"train_mlp with max_iter = {max_iter} loss evaluations on {weights} weights and N = {n}",
        float(max_iter) * (4.0 * n * weights + 120.0 * weights + _STEP_OVERHEAD),
        max_work,
    )
    rng = as_generator(rng)
    theta = np.concatenate(
        [
            rng.standard_normal(r * c) / np.sqrt(c if i < len(widths) else r)
            for i, (r, c) in enumerate(shapes)
        ]
    )
    res = optimize.minimize(
        _mlp_loss_grad,
        theta,
        args=(shapes, X, y, rho),
        jac=True,
        method="L-BFGS-B",
        options=_lbfgs_options(max_iter, gtol),
    )
    value, grad = _mlp_loss_grad(res.x, shapes, X, y, rho)
    *Ws, z = _mlp_unpack(res.x, shapes)
    H = X
    for W in Ws:
        H = lrelu_unchecked(W @ H, rho)
    return MLPResult(
        tuple(Ws), z[:, 0], value, float(np.linalg.norm(grad)), int(res.nit), H.T @ z[:, 0]
    )


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

    A loop over the ``d1`` neurons (not over samples), each with one QR of its zero inputs.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer: a non-empty, finite, real 2-D array whose column count equals ``X``'s row
        count.
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array with one entry per row of ``W``.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array with one entry per column of ``X``.
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    tau : float
        Relative threshold: the input :math:`(i, n)` counts as zero when
        :math:`|w_i^\top x^{(n)}| \le \tau\|w_i\|\|x^{(n)}\|`.  Must satisfy ``0 <= tau < 1``
        (checked by that comparison only: its type is not checked, and NaN is refused).

    Returns
    -------
    KinkStationarity
        The zero fraction and the three normalized stationarity measures; a normalizer that is 0 is
        replaced by 1.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty
        or is not finite, the shapes of ``W``, ``z``, ``X``, ``y`` do not fit together, or ``tau``
        is not in [0, 1).
    """
    rho = check_rho(rho)
    W, X = as_matrix("W", W), as_matrix("X", X)
    z, y = as_array("z", z, ndim=1), as_array("y", y, ndim=1)
    _check_shapes(W, z, X, y)
    if not 0 <= tau < 1:
        raise ValueError(f"tau must lie in [0, 1); got {tau}")
    U = W @ X
    zero = (
        np.abs(U) <= tau * np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]
    )
    A = activation_of(U, rho)
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
    return KinkStationarity(
        float(zero.mean()),
        float(np.linalg.norm(proj) / scale),
        float(np.linalg.norm(full) / scale),
        float(np.linalg.norm(H @ e) / (hs if hs > 0 else 1.0)),
    )


#: The first-order methods of :func:`train_first_order` (E2 under several optimizers).
OPTIMIZERS = ("gd", "sgd", "momentum", "adam")

#: Divergence rule of :func:`train_first_order`: a run has diverged once its full-data MSE at the end of an
#: epoch is not finite or exceeds ``DIVERGENCE_FACTOR`` times its MSE at initialization.
DIVERGENCE_FACTOR = 1e4


@dataclass(frozen=True)
class FirstOrderResult:
    """Outcome of :func:`train_first_order` for ``R`` independent runs trained side by side.

    Attributes
    ----------
    W : ndarray, shape (R, d1, d0)
        Final first layers (NaN for diverged runs).
    z : ndarray, shape (R, d1)
        Final output weights (NaN for diverged runs).
    mse : ndarray, shape (R,)
        Final full-data MSE (``inf`` for diverged runs).
    diverged : ndarray of bool, shape (R,)
    diverged_epoch : ndarray of int, shape (R,)
        The epoch at whose end the divergence rule fired (-1 if it never did).
    history : ndarray, shape (R, epochs + 1)
        Full-data MSE at initialization and at the end of every epoch (``inf`` after a divergence).
    steps : int
        Parameter updates per run.
    """

    W: np.ndarray
    z: np.ndarray
    mse: np.ndarray
    diverged: np.ndarray
    diverged_epoch: np.ndarray
    history: np.ndarray
    steps: int


def _first_order_arrays(X, y, W0, z0) -> tuple[np.ndarray, ...]:
    """``train_first_order``'s arrays, validated as :func:`train_network`'s (finite, real, non-empty), as
    float arrays of one run (2-D ``X``) or ``R`` runs (3-D ``X``); ``X`` C-contiguous."""
    X = np.ascontiguousarray(as_array("X", X, ndim=(2, 3)))
    y = as_array("y", y, ndim=(1, 2))
    W = as_array("W0", W0, ndim=(2, 3))
    z = as_array("z0", z0, ndim=(1, 2))
    return X, y, W, z


def _batched_mse(Wt, z, Xr, y, rho):
    """Full-data MSE of R runs: ``Wt`` (R, d0, d1) the transposed first layers, ``Xr`` (R, N, d0), ``y`` (R, N)."""
    U = Xr @ Wt  # (R, N, d1)
    U *= _fast_activation(U, rho)
    e = y - (U @ z[:, :, None])[..., 0]
    return np.einsum("rn,rn->r", e, e) / y.shape[1]


def _batched_grad(Wt, z, Xb, XbT, yb, rho):
    """MSE gradients (w.r.t. ``Wt`` and ``z``) of R runs on one (mini)batch: ``Xb`` (R, B, d0), its
    transpose ``XbT`` (R, d0, B) (a view is fine: matmul hands the transpose to BLAS), ``yb`` (R, B)."""
    U = Xb @ Wt  # (R, B, d1)
    A = _fast_activation(U, rho)
    H = A * U
    g = (yb - (H @ z[:, :, None])[..., 0]) * (-2.0 / yb.shape[1])  # (R, B): dMSE/d(output)
    grad_z = (g[:, None, :] @ H)[:, 0, :]  # (R, d1)
    A *= g[:, :, None]
    grad_Wt = (XbT @ A) * z[:, None, :]  # (R, d0, d1)
    return grad_Wt, grad_z


def train_first_order(
    X,
    y,
    W0,
    z0,
    rho: float,
    *,
    optimizer: str,
    lr: float,
    epochs: int,
    decay_epochs: int = 0,
    decay_rate: float = 1.0,
    batch_size: int | None = None,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    rngs=None,
    divergence_factor: float = DIVERGENCE_FACTOR,
    max_work: float | None = None,
) -> FirstOrderResult:
    r"""Train ``R`` independent one-hidden-layer LReLU networks side by side with a first-order method.

    The ``R`` runs (each its own data, initialization and minibatch order) are stacked along a leading
    axis and updated with batched matrix products: one Python iteration per (mini)batch step, none per
    sample or per run.  Each run's result is the same as if it were trained alone.

    Methods (``g`` is the MSE gradient on the current batch, :math:`\eta` the current step):

    * ``"gd"``: full batch, :math:`\theta \leftarrow \theta - \eta g` (``batch_size`` is ignored).
    * ``"sgd"``: minibatches of ``batch_size`` drawn without replacement, reshuffled every epoch (the last
      batch of an epoch is smaller when ``batch_size`` does not divide N), :math:`\theta \leftarrow \theta - \eta g`.
    * ``"momentum"``: the same minibatches, heavy ball in PyTorch's form: :math:`v \leftarrow \mu v + g`,
      :math:`\theta \leftarrow \theta - \eta v`, :math:`\mu` = ``momentum``, :math:`v_0 = 0`.
    * ``"adam"``: the same minibatches, Adam (Kingma & Ba): :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
      :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
      :math:`\theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)` with
      :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`,
      ``t`` the step count from 1.

    Schedule (the paper's two phases): ``epochs`` epochs at step ``lr``, then ``decay_epochs`` epochs
    with the step multiplied by ``decay_rate`` at the start of each (as in :func:`train_network`).

    Divergence rule: at the end of every epoch the full-data MSE of each run is computed; a run whose
    MSE is not finite or exceeds ``divergence_factor`` times its MSE at initialization is stopped and
    reported as diverged (its weights NaN, its MSE ``inf``); the other runs go on.

    Parameters
    ----------
    X : array_like, shape (R, d0, N) or (d0, N)
        Inputs of each run (columns are samples); a 2-D array is one run.  ``X``, ``y``, ``W0`` and
        ``z0`` must be non-empty, finite, real arrays (as in :func:`train_network`: booleans, strings
        and complex numbers are refused, never converted).
    y : array_like, shape (R, N) or (N,)
    W0 : array_like, shape (R, d1, d0) or (d1, d0)
    z0 : array_like, shape (R, d1) or (d1,)
    rho : float, != 1
    optimizer : {"gd", "sgd", "momentum", "adam"}
    lr : float, > 0
    epochs : int, >= 1
    decay_epochs : int, >= 0
    decay_rate : float in (0, 1]
    batch_size : int, optional
        Minibatch size of ``"sgd"``, ``"momentum"`` and ``"adam"`` (required for them).
    momentum : float in [0, 1)
    betas : (float, float), each in [0, 1)
    eps : float, > 0
    rngs : Generator, int, or a sequence of R of them
        Minibatch order of each run (required for the minibatch methods).
    divergence_factor : float, > 1
    max_work : float, optional
        Work cap: the call is refused before it starts when its estimated floating-point operations exceed
        it (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute).  The estimate
        is ``(epochs + decay_epochs)`` times :math:`R(6 d_1 d_0 N + 12 d_1 N)` (the gradients over all
        batches and the full-data MSE of every epoch) plus a fixed 2e4 per (mini)batch step.  A finite
        number > 0.

    Returns
    -------
    FirstOrderResult
        With the leading run axis kept even for one run.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, an array is boolean, a string or of non-numeric (e.g. complex)
        dtype, ``betas`` is not a pair, or an entry of ``rngs`` is not a generator or an integer seed.
    ValueError
        If ``optimizer`` is unknown, a constant is outside its range, an array is empty, has the wrong
        number of dimensions or is not finite (NaN or inf: refused, not counted as a divergence), a
        minibatch method has no ``batch_size`` or ``rngs``, the shapes of ``X``, ``y``, ``W0``, ``z0`` do
        not fit together, a seed in ``rngs`` is negative, or the estimated work exceeds ``max_work``.
    """
    rho = check_rho(rho)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}")
    lr = real_number("lr", lr, low=0.0, low_open=True)
    epochs = positive_int("epochs", epochs)
    if (
        isinstance(decay_epochs, (bool, np.bool_))
        or not isinstance(decay_epochs, (int, np.integer))
        or decay_epochs < 0
    ):
        raise ValueError(f"decay_epochs must be an integer >= 0; got {decay_epochs!r}")
    decay_epochs = int(decay_epochs)
    decay_rate = real_number("decay_rate", decay_rate, low=0.0, high=1.0, low_open=True)
    momentum = real_number("momentum", momentum, low=0.0, high=1.0, high_open=True)
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
        raise TypeError(f"betas must be two numbers in [0, 1); got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas must be two numbers in [0, 1); got {betas!r}")
    beta1, beta2 = (real_number("betas", b, low=0.0, high=1.0, high_open=True) for b in betas)
    eps = real_number("eps", eps, low=0.0, low_open=True)
    divergence_factor = real_number("divergence_factor", divergence_factor, low=1.0, low_open=True)
    X, y, W, z = _first_order_arrays(X, y, W0, z0)
    if X.ndim == 2:
        X, y, W, z = X[None], y[None], W[None], z[None]
    if X.ndim != 3 or y.ndim != 2 or W.ndim != 3 or z.ndim != 2:
        raise ValueError(
            f"X, y, W0, z0 must be (R, d0, N), (R, N), (R, d1, d0), (R, d1); got "
            f"{X.shape}, {y.shape}, {W.shape}, {z.shape}"
        )
    R, d0, n = X.shape
    d1 = W.shape[1]
    if y.shape != (R, n) or W.shape != (R, d1, d0) or z.shape != (R, d1):
        raise ValueError(f"shapes do not fit: X {X.shape}, y {y.shape}, W0 {W.shape}, z0 {z.shape}")
    minibatch = optimizer != "gd"
    if minibatch:
        if batch_size is None:
            raise ValueError(f"batch_size is required by optimizer {optimizer!r}")
        batch_size = min(positive_int("batch_size", batch_size), n)
    steps_per_epoch = -(-n // batch_size) if minibatch else 1
    check_work(
        f"train_first_order with epochs + decay_epochs = {epochs + decay_epochs} epochs of "
        f"{steps_per_epoch} step(s) for R = {R} runs of d1 x d0 x N = {d1} x {d0} x {n}",
        float(epochs + decay_epochs)
        * (R * (6.0 * d1 * d0 * n + 12.0 * d1 * n) + steps_per_epoch * _STEP_OVERHEAD),
        max_work,
    )
    if minibatch:
        if rngs is None:
            raise ValueError(f"rngs is required by optimizer {optimizer!r} (the minibatch order)")
        if isinstance(rngs, (list, tuple)):
            gens = [as_generator(g) for g in rngs]
        else:
            gens = [as_generator(rngs)] if R == 1 else None
        if gens is None or len(gens) != R:
            raise ValueError(f"rngs must give one generator per run ({R})")
    W, z = (
        np.ascontiguousarray(W.transpose(0, 2, 1)),
        z.copy(),
    )  # W holds the transposed layers (R, d0, d1)
    Xr = np.ascontiguousarray(X.transpose(0, 2, 1))  # (R, N, d0): a minibatch is a gather of rows
    alive = np.ones(R, dtype=bool)
    diverged_epoch = np.full(R, -1)
    history = np.full((R, epochs + decay_epochs + 1), np.inf)
    state = [np.zeros_like(W), np.zeros_like(z)] if optimizer in ("momentum", "adam") else None
    second = [np.zeros_like(W), np.zeros_like(z)] if optimizer == "adam" else None
    step, t = lr, 0
    rows = np.arange(R)[:, None]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        history[:, 0] = _batched_mse(W, z, Xr, y, rho)
        start = history[:, 0].copy()
        for epoch in range(epochs + decay_epochs):
            if epoch >= epochs:
                step *= decay_rate
            if minibatch:
                perm = np.stack([g.permutation(n) for g in gens])
                batches = [perm[:, k : k + batch_size] for k in range(0, n, batch_size)]
            else:
                batches = [None]
            for idx in batches:
                if idx is None:
                    gW, gz = _batched_grad(W, z, Xr, X, y, rho)
                else:
                    Xb = Xr[rows, idx]
                    gW, gz = _batched_grad(W, z, Xb, Xb.transpose(0, 2, 1), y[rows, idx], rho)
                t += 1
                if optimizer in ("gd", "sgd"):
                    W -= step * gW
                    z -= step * gz
                elif optimizer == "momentum":
                    for v, g, p in ((state[0], gW, W), (state[1], gz, z)):
                        v *= momentum
                        v += g
                        p -= step * v
                else:
                    c1, c2 = 1.0 - beta1**t, 1.0 - beta2**t
                    for m, v, g, p in ((state[0], second[0], gW, W), (state[1], second[1], gz, z)):
                        m *= beta1
                        m += (1.0 - beta1) * g
                        v *= beta2
                        v += (1.0 - beta2) * g * g
                        p -= step * (m / c1) / (np.sqrt(v / c2) + eps)
            value = _batched_mse(W, z, Xr, y, rho)
            bad = alive & (~np.isfinite(value) | (value > divergence_factor * start))
            if bad.any():
                diverged_epoch[bad] = epoch
                alive &= ~bad
                for arr in (W, z, *(state or []), *(second or [])):
                    arr[bad] = 0.0  # keeps the stopped runs finite; they are reported as diverged
            history[alive, epoch + 1] = value[alive]
    W[~alive] = np.nan
    z[~alive] = np.nan
    mse = np.where(alive, history[:, -1], np.inf)
    return FirstOrderResult(
        np.ascontiguousarray(W.transpose(0, 2, 1)), z, mse, ~alive, diverged_epoch, history, t
    )
