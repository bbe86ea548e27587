r"""First-order training (GD, SGD, momentum, Adam) of ``R`` one-hidden-layer networks side by side (E2).

The runs are stacked along a leading axis and updated with batched matrix products; each optimizer is one
update rule (:data:`UPDATES`), the schedule and the divergence rule are shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_array, as_generator, check_rho, check_work, positive_int, real_number
from .common import STEP_OVERHEAD
from .loss import fast_activation

__all__ = [
    "OPTIMIZERS",
    "DIVERGENCE_FACTOR",
    "UPDATES",
    "FirstOrderResult",
    "train_first_order",
    "batched_mse",
    "batched_grad",
]

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


@dataclass(frozen=True)
class _Settings:
    """The validated constants of one :func:`train_first_order` call."""

    optimizer: str
    lr: float
    epochs: int
    decay_epochs: int
    decay_rate: float
    momentum: float
    beta1: float
    beta2: float
    eps: float
    divergence_factor: float


def _settings(
    optimizer, lr, epochs, decay_epochs, decay_rate, momentum, betas, eps, factor
) -> _Settings:
    """The constants, each checked against its range (``ValueError``/``TypeError`` naming it)."""
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
    decay_rate = real_number("decay_rate", decay_rate, low=0.0, high=1.0, low_open=True)
    momentum = real_number("momentum", momentum, low=0.0, high=1.0, high_open=True)
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
        raise TypeError(f"betas must be two numbers in [0, 1); got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas must be two numbers in [0, 1); got {betas!r}")
    beta1, beta2 = (real_number("betas", b, low=0.0, high=1.0, high_open=True) for b in betas)
    return _Settings(
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        decay_epochs=int(decay_epochs),
        decay_rate=decay_rate,
        momentum=momentum,
        beta1=beta1,
        beta2=beta2,
        eps=real_number("eps", eps, low=0.0, low_open=True),
        divergence_factor=real_number("divergence_factor", factor, low=1.0, low_open=True),
    )


def _runs(X, y, W0, z0) -> tuple[np.ndarray, ...]:
    """``X``, ``y``, ``W0``, ``z0`` validated as :func:`.network.train_network`'s arrays (finite, real,
    non-empty), one run (2-D ``X``) given a leading run axis, the shapes checked to fit."""
    X = np.ascontiguousarray(as_array("X", X, ndim=(2, 3)))
    y = as_array("y", y, ndim=(1, 2))
    W = as_array("W0", W0, ndim=(2, 3))
    z = as_array("z0", z0, ndim=(1, 2))
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
    return X, y, W, z


def _generators(rngs, runs: int, optimizer: str) -> list[np.random.Generator]:
    """One minibatch generator per run (``rngs``: one generator or seed for one run, else a list)."""
    if rngs is None:
        raise ValueError(f"rngs is required by optimizer {optimizer!r} (the minibatch order)")
    if isinstance(rngs, (list, tuple)):
        gens = [as_generator(g) for g in rngs]
    else:
        gens = [as_generator(rngs)] if runs == 1 else None
    if gens is None or len(gens) != runs:
        raise ValueError(f"rngs must give one generator per run ({runs})")
    return gens


def batched_mse(Wt, z, Xr, y, rho):
    """Full-data MSE of R runs: ``Wt`` (R, d0, d1) the transposed first layers, ``Xr`` (R, N, d0), ``y`` (R, N)."""
    U = Xr @ Wt  # (R, N, d1)
    U *= fast_activation(U, rho)
    e = y - (U @ z[:, :, None])[..., 0]
    return np.einsum("rn,rn->r", e, e) / y.shape[1]


def batched_grad(Wt, z, Xb, XbT, yb, rho):
    """MSE gradients (w.r.t. ``Wt`` and ``z``) of R runs on one (mini)batch: ``Xb`` (R, B, d0), its
    transpose ``XbT`` (R, d0, B) (a view is fine: matmul hands the transpose to BLAS), ``yb`` (R, B)."""
    U = Xb @ Wt  # (R, B, d1)
    A = fast_activation(U, rho)
    H = A * U
    g = (yb - (H @ z[:, :, None])[..., 0]) * (-2.0 / yb.shape[1])  # (R, B): dMSE/d(output)
    grad_z = (g[:, None, :] @ H)[:, 0, :]  # (R, d1)
    A *= g[:, :, None]
    grad_Wt = (XbT @ A) * z[:, None, :]  # (R, d0, d1)
    return grad_Wt, grad_z


# --- the optimizers: one update of the parameters in place, from the batch's gradients ---------------------
def _plain_update(params, grads, state, step, t, s: _Settings) -> None:
    """GD and SGD: theta <- theta - step g."""
    for p, g in zip(params, grads):
        p -= step * g


def _momentum_update(params, grads, state, step, t, s: _Settings) -> None:
    """Heavy ball in PyTorch's form: v <- mu v + g, theta <- theta - step v (``state`` holds v)."""
    for v, g, p in zip(state, grads, params):
        v *= s.momentum
        v += g
        p -= step * v


def _adam_update(params, grads, state, step, t, s: _Settings) -> None:
    """Adam with bias correction at step count ``t`` (``state`` holds m for W, z, then v for W, z)."""
    c1, c2 = 1.0 - s.beta1**t, 1.0 - s.beta2**t
    for m, v, g, p in zip(state[:2], state[2:], grads, params):
        m *= s.beta1
        m += (1.0 - s.beta1) * g
        v *= s.beta2
        v += (1.0 - s.beta2) * g * g
        p -= step * (m / c1) / (np.sqrt(v / c2) + s.eps)


#: The update rule of each optimizer and the number of state arrays per parameter it keeps.
UPDATES = {
    "gd": (_plain_update, 0),
    "sgd": (_plain_update, 0),
    "momentum": (_momentum_update, 1),
    "adam": (_adam_update, 2),
}


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

    Parameters
    ----------
    X : array_like, shape (R, d0, N) or (d0, N)
        Inputs of each run (columns are samples); a 2-D array is one run.  ``X``, ``y``, ``W0`` and
        ``z0`` must be non-empty, finite, real arrays (as in :func:`.network.train_network`: booleans,
        strings and complex numbers are refused, never converted).
    y : array_like, shape (R, N) or (N,)
        Targets of each run.
    W0 : array_like, shape (R, d1, d0) or (d1, d0)
        Initial first layer of each run.
    z0 : array_like, shape (R, d1) or (d1,)
        Initial output weights of each run.
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    optimizer : {"gd", "sgd", "momentum", "adam"}
        The update rule (Notes).
    lr : float, > 0
        The step of the first phase.
    epochs : int, >= 1
        Epochs of the first phase, at step ``lr``.
    decay_epochs : int, >= 0
        Epochs of the second phase, the step multiplied by ``decay_rate`` at the start of each.
    decay_rate : float in (0, 1]
        The step's factor per epoch in the second phase.
    batch_size : int, optional
        Minibatch size of ``"sgd"``, ``"momentum"`` and ``"adam"`` (required for them; ignored by
        ``"gd"``); a size above N means N.
    momentum : float in [0, 1)
        :math:`\mu` of ``"momentum"``.
    betas : (float, float), each in [0, 1)
        :math:`(\beta_1, \beta_2)` of ``"adam"``.
    eps : float, > 0
        :math:`\epsilon` of ``"adam"``.
    rngs : Generator, int, or a sequence of R of them
        Minibatch order of each run (required for the minibatch methods).
    divergence_factor : float, > 1
        The divergence rule's factor (Notes).
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

    Notes
    -----
    The update rules (:data:`UPDATES`; ``g`` is the MSE gradient on the current batch, :math:`\eta` the
    current step):

    * ``"gd"``: full batch, :math:`\theta \leftarrow \theta - \eta g`.
    * ``"sgd"``: minibatches of ``batch_size`` drawn without replacement, reshuffled every epoch (the last
      batch of an epoch is smaller when ``batch_size`` does not divide N),
      :math:`\theta \leftarrow \theta - \eta g`.
    * ``"momentum"``: the same minibatches, heavy ball in PyTorch's form: :math:`v \leftarrow \mu v + g`,
      :math:`\theta \leftarrow \theta - \eta v`, :math:`v_0 = 0`.
    * ``"adam"``: the same minibatches, Adam [1]_: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
      :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
      :math:`\theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)` with
      :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`, ``t`` the step count from 1.

    The schedule is the paper's two phases (as in :func:`.network.train_network`).  Divergence rule: at
    the end of every epoch the full-data MSE of each run is computed; a run whose MSE is not finite or
    exceeds ``divergence_factor`` times its MSE at initialization is stopped and reported as diverged
    (its weights NaN, its MSE ``inf``); the other runs go on.

    References
    ----------
    .. [1] D. P. Kingma and J. Ba, "Adam: A method for stochastic optimization", ICLR 2015,
       arXiv:1412.6980.
    """
    rho = check_rho(rho)
    s = _settings(
        optimizer, lr, epochs, decay_epochs, decay_rate, momentum, betas, eps, divergence_factor
    )
    X, y, W, z = _runs(X, y, W0, z0)
    R, d0, n = X.shape
    d1 = W.shape[1]
    minibatch = optimizer != "gd"
    if minibatch:
        if batch_size is None:
            raise ValueError(f"batch_size is required by optimizer {optimizer!r}")
        batch_size = min(positive_int("batch_size", batch_size), n)
    steps_per_epoch = -(-n // batch_size) if minibatch else 1
    total = s.epochs + s.decay_epochs
    check_work(
        f"train_first_order with epochs + decay_epochs = {total} epochs of "
        f"{steps_per_epoch} step(s) for R = {R} runs of d1 x d0 x N = {d1} x {d0} x {n}",
        float(total) * (R * (6.0 * d1 * d0 * n + 12.0 * d1 * n) + steps_per_epoch * STEP_OVERHEAD),
        max_work,
    )
    gens = _generators(rngs, R, optimizer) if minibatch else None
    Wt = np.ascontiguousarray(W.transpose(0, 2, 1))  # the transposed layers (R, d0, d1)
    z = z.copy()
    Xr = np.ascontiguousarray(X.transpose(0, 2, 1))  # (R, N, d0): a minibatch is a gather of rows
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        alive, diverged_epoch, history, t = _train(Wt, z, X, Xr, y, rho, s, gens, batch_size)
    Wt[~alive] = np.nan
    z[~alive] = np.nan
    return FirstOrderResult(
        W=np.ascontiguousarray(Wt.transpose(0, 2, 1)),
        z=z,
        mse=np.where(alive, history[:, -1], np.inf),
        diverged=~alive,
        diverged_epoch=diverged_epoch,
        history=history,
        steps=t,
    )


def _batches(gens, n: int, batch_size: int | None):
    """One epoch's batches: row indices (R, B) of a fresh permutation per run, or ``[None]`` (full batch)."""
    if gens is None:
        return [None]
    perm = np.stack([g.permutation(n) for g in gens])
    return [perm[:, k : k + batch_size] for k in range(0, n, batch_size)]


def _train(Wt, z, X, Xr, y, rho, s: _Settings, gens, batch_size):
    """The epochs in place on ``Wt``, ``z``: the schedule, the batches, the updates, the divergence rule.

    Returns ``alive``, ``diverged_epoch``, ``history`` and the number of steps.
    """
    R = X.shape[0]
    update, per_parameter = UPDATES[s.optimizer]
    state = [np.zeros_like(p) for _ in range(per_parameter) for p in (Wt, z)]
    alive = np.ones(R, dtype=bool)
    diverged_epoch = np.full(R, -1)
    history = np.full((R, s.epochs + s.decay_epochs + 1), np.inf)
    step, t = s.lr, 0
    rows = np.arange(R)[:, None]
    history[:, 0] = batched_mse(Wt, z, Xr, y, rho)
    start = history[:, 0].copy()
    for epoch in range(s.epochs + s.decay_epochs):
        if epoch >= s.epochs:
            step *= s.decay_rate
        for idx in _batches(gens, X.shape[2], batch_size):
            if idx is None:
                grads = batched_grad(Wt, z, Xr, X, y, rho)
            else:
                Xb = Xr[rows, idx]
                grads = batched_grad(Wt, z, Xb, Xb.transpose(0, 2, 1), y[rows, idx], rho)
            t += 1
            update((Wt, z), grads, state, step, t, s)
        value = batched_mse(Wt, z, Xr, y, rho)
        bad = alive & (~np.isfinite(value) | (value > s.divergence_factor * start))
        if bad.any():
            diverged_epoch[bad] = epoch
            alive &= ~bad
            for arr in (Wt, z, *state):
                arr[bad] = 0.0  # keeps the stopped runs finite; they are reported as diverged
        history[alive, epoch + 1] = value[alive]
    return alive, diverged_epoch, history, t
