r"""Resumable training of the one-hidden-layer LReLU network at Table 1's sizes (the MNIST row: d0 = 784,
N = 70,000, d1 = 89): full-batch L-BFGS, minibatch SGD with momentum or Adam, checkpoints that resume to
the bit, a progress record per iteration.

The loss and gradient are :func:`.loss.mse_grad_unchecked`'s (the MSE of ``f(WX)^T z``), computed by a
kernel of its own that also counts the misclassified points and writes the gradient product as
``(X @ B.T).T`` on one C-contiguous (d0, N) working copy of ``X``: with two BLAS threads on this machine
that orientation ran 2-4x faster than ``B @ X.T`` (see ``docs/methods/training.md``, "Large runs").
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import line_search

from .._checks import as_generator, check_labels, check_work, positive_int, real_number
from .common import STEP_OVERHEAD, check_checkpoint_settings, training_data
from .loss import fast_activation, step_flops

__all__ = ["LargeTrainResult", "LargeTrainProgress", "train_large", "LARGE_OPTIMIZERS"]

#: The optimizers of :func:`train_large`.
LARGE_OPTIMIZERS = ("lbfgs", "sgd", "adam")
#: L-BFGS memory (correction pairs) and line-search constants (Wolfe, SciPy's ``line_search``).
LBFGS_PAIRS, WOLFE_C1, WOLFE_C2, LINE_SEARCH_ITER = 30, 1e-4, 0.9, 20
#: Adam's constants.
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
#: Default steps when ``lr`` is None.
DEFAULT_LR = {"sgd": 0.01, "adam": 1e-3}
_FORMAT = 1


@dataclass(frozen=True)
class LargeTrainProgress:
    """One progress record of :func:`train_large`, passed to ``progress`` after every iteration (L-BFGS)
    or epoch (SGD, Adam).

    Attributes
    ----------
    iteration : int
        Iterations (L-BFGS) or epochs (SGD, Adam) done, counting those of earlier sessions.
    loss, mce : float
        Full-data MSE and training misclassification error at the current weights (working dtype).
    evaluations : int
        Loss-and-gradient evaluations so far (all sessions).
    seconds : float
        Training time so far (all sessions).
    evaluations_per_second : float
        This session's rate.
    eta_seconds : float
        Time to reach ``max_iter`` at this session's rate of iterations.
    """

    iteration: int
    loss: float
    mce: float
    evaluations: int
    seconds: float
    evaluations_per_second: float
    eta_seconds: float


@dataclass(frozen=True)
class LargeTrainResult:
    """Outcome of :func:`train_large`.

    Attributes
    ----------
    W : ndarray, shape (d1, d0)
    z : ndarray, shape (d1,)
        The final weights (float64).
    loss, mce : float
        MSE and training misclassification error at them, recomputed in float64 on ``X``.
    iterations : int
        L-BFGS iterations or SGD/Adam epochs, all sessions.
    evaluations : int
        Loss(-and-gradient) evaluations, all sessions (minibatch gradients count one each for SGD/Adam,
        as does each full-data loss at an epoch's end).
    seconds : float
        Training time, all sessions.
    converged : bool
        Whether the training MCE reached ``target_mce``.
    stop_reason : str
        ``"target_mce"``, ``"max_iter"``, ``"stop_after"`` or ``"line_search"`` (L-BFGS found no Wolfe
        step, even along the steepest descent).
    history : ndarray, shape (k, 3)
        ``(iteration, loss, mce)`` at the start and after every iteration or epoch (working dtype).
    dtype, optimizer : str
        The settings used.
    resumed_at : int
        The iteration this session started from (0 for a fresh run).
    """

    W: np.ndarray
    z: np.ndarray
    loss: float
    mce: float
    iterations: int
    evaluations: int
    seconds: float
    converged: bool
    stop_reason: str
    history: np.ndarray
    dtype: str
    optimizer: str
    resumed_at: int


def _kernel(W, z, Xw, yw, rho, grad=True):
    """MSE, misclassified count and (optionally) the float64 gradients on the working copy ``Xw``.

    As :func:`.loss.mse_grad_unchecked` (same operations, same order for the loss and ``grad_z``), with
    the ``grad_W`` product written ``(X @ B.T).T`` and the errors counted on the output.
    """
    n = Xw.shape[1]
    dt = Xw.dtype
    U = W.astype(dt, copy=False) @ Xw
    A = fast_activation(U, rho)
    U *= A  # H = f(U)
    out = z.astype(dt, copy=False) @ U
    errors = int(np.count_nonzero((out > 0.5) != (yw > 0.5)))
    e = yw - out
    e64 = e.astype(float, copy=False)
    loss = float(e64 @ e64 / n)
    if not grad:
        return loss, errors, None
    gz = (U @ e).astype(float) * (-2.0 / n)
    A *= e
    gW = (Xw @ A.T).T.astype(float) * (z[:, None] * (-2.0 / n))
    return loss, errors, np.concatenate([gW.ravel(), gz])


def _fingerprint(X, y) -> tuple[str, str]:
    """sha256 of the float64 bytes of ``X`` (row by row, no copy of the whole) and of ``y``."""
    hx = hashlib.sha256()
    for row in X:
        hx.update(np.ascontiguousarray(row).tobytes())
    return hx.hexdigest(), hashlib.sha256(np.ascontiguousarray(y).tobytes()).hexdigest()


def _check_options(optimizer, dtype, lr, momentum, batch_size, n):
    if optimizer not in LARGE_OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {LARGE_OPTIMIZERS}; got {optimizer!r}")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    if optimizer == "lbfgs":
        return None, None, None
    lr = DEFAULT_LR[optimizer] if lr is None else real_number("lr", lr, low=0.0, low_open=True)
    momentum = real_number("momentum", momentum, low=0.0, high=1.0, high_open=True)
    batch_size = min(256, n) if batch_size is None else positive_int("batch_size", batch_size)
    if batch_size > n:
        raise ValueError(f"batch_size must be at most N = {n}; got {batch_size}")
    return lr, (momentum if optimizer == "sgd" else None), batch_size


def _work(optimizer, max_iter, d0, d1, n, batch_size) -> float:
    """Estimated operations of a run to ``max_iter`` (at least one evaluation per L-BFGS iteration)."""
    p = d1 * d0 + d1
    if optimizer == "lbfgs":
        return max_iter * (step_flops(d0, d1, n) + 4.0 * LBFGS_PAIRS * p + STEP_OVERHEAD)
    steps = -(-n // batch_size)
    return max_iter * (6.0 * d1 * d0 * n + 12.0 * d1 * n + steps * STEP_OVERHEAD)


def train_large(
    X,
    y,
    d1: int,
    rho: float,
    *,
    rng,
    optimizer: str = "lbfgs",
    max_iter: int = 1000,
    target_mce: float = 0.0,
    lr: float | None = None,
    momentum: float = 0.9,
    batch_size: int | None = None,
    init_scale: float = 1.0,
    dtype: str = "float32",
    checkpoint=None,
    checkpoint_seconds: float = 300.0,
    progress=None,
    stop_after: float | None = None,
    max_work: float | None = None,
) -> LargeTrainResult:
    r"""Train the one-hidden-layer LReLU network on the MSE at large sizes, resumably.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Binary labels (entries in {0, 1}), one per column of ``X``.
    d1 : int
        Hidden width: an integer >= 1.
    rho : float, != 1
        LReLU slope: a finite real number different from 1 (0 is the ReLU).
    rng : numpy Generator or int seed
        Initialization :math:`W_{ij}\sim\mathcal N(0, s^2/d_0)`, :math:`z_i\sim\mathcal N(0, s^2/d_1)`
        (``s = init_scale``) and, for SGD/Adam, one permutation of the samples per epoch.  A resumed run
        continues the stream saved in the checkpoint; the ``rng`` passed must then be in the state the
        first session started from (same seed), or the checkpoint is refused.
    optimizer : {"lbfgs", "sgd", "adam"}
        ``"lbfgs"``: full-batch L-BFGS (two-loop recursion, 30 pairs, SciPy's Wolfe line search with
        c1 = 1e-4, c2 = 0.9, step 1 tried first; pairs with :math:`s^\top y \le 10^{-10} y^\top y` are
        skipped; after a failed search the memory is dropped and the steepest descent tried once).
        ``"sgd"``: minibatch SGD with heavy-ball momentum in PyTorch's form,
        :math:`v \leftarrow \mu v + g`, :math:`\theta \leftarrow \theta - \eta v`.  ``"adam"``: Adam with
        :math:`\beta = (0.9, 0.999)`, :math:`\epsilon = 10^{-8}`, bias-corrected.
    max_iter : int
        Limit on iterations (L-BFGS) or epochs (SGD, Adam), counting earlier sessions: an integer >= 1.
    target_mce : float
        Stop when the training MCE (fraction of points with ``(output > 0.5) != label``) is at most this,
        checked at every iteration (L-BFGS) or epoch (SGD, Adam): a number in [0, 1].
    lr : float, optional
        Step of SGD/Adam (default 0.01 and 0.001): a finite number > 0.  Ignored by L-BFGS.
    momentum : float
        :math:`\mu` of SGD, in [0, 1) (0 is plain SGD).  Ignored by L-BFGS and Adam.
    batch_size : int, optional
        Minibatch size of SGD/Adam: an integer in [1, N] (default ``min(256, N)``; the last batch of an
        epoch may be smaller).  Ignored by L-BFGS.
    init_scale : float
        The initialization's scale ``s``: a finite number > 0.
    dtype : {"float32", "float64"}
        Precision of the products.  The weights, the optimizer's state and the sums of the MSE are
        float64 either way; ``result.loss`` and ``result.mce`` are recomputed in float64.
    checkpoint : str or Path, optional
        A ``.npz`` file: if it exists, the run resumes from it (after checking that ``X``, ``y`` and the
        settings above other than the stopping rules are those it was written with); it is written
        atomically every ``checkpoint_seconds`` and when the run stops.
    checkpoint_seconds : float
        Seconds between checkpoints: a finite number > 0.
    progress : callable, optional
        Called with a :class:`LargeTrainProgress` after every iteration or epoch.
    stop_after : float, optional
        Stop (and checkpoint) once this session has trained that many seconds: a finite number > 0.
    max_work : float, optional
        Work cap: refused before it starts when ``max_iter`` iterations' estimated operations exceed it
        (default 1e11).  The estimate per L-BFGS iteration is one evaluation, :math:`4 d_1 d_0 N +
        8 d_1 N`, plus :math:`120 P` and 2e4; per SGD/Adam epoch :math:`6 d_1 d_0 N + 12 d_1 N` plus
        2e4 per minibatch.

    Returns
    -------
    LargeTrainResult
        The final weights, their float64 loss and MCE, the counters, the stop reason and the history.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, an array is boolean, a string or non-numeric, ``rng`` has a wrong
        type or ``progress`` is not callable.
    ValueError
        If an argument is outside its range above (the message names it), ``y`` is not binary or does
        not fit ``X``, the estimated work exceeds ``max_work``, or the checkpoint was written for other
        data or settings (the message names each difference) or is not a checkpoint of this function.
    """
    rho, X, y = training_data(X, y, rho)
    y = check_labels(y, X.shape[1])
    d0, n = X.shape
    d1 = positive_int("d1", d1)
    max_iter = positive_int("max_iter", max_iter)
    target_mce = real_number("target_mce", target_mce, low=0.0, high=1.0)
    init_scale = real_number("init_scale", init_scale, low=0.0, low_open=True)
    lr, momentum, batch_size = _check_options(optimizer, dtype, lr, momentum, batch_size, n)
    every = real_number("checkpoint_seconds", checkpoint_seconds, low=0.0, low_open=True)
    if stop_after is not None:
        stop_after = real_number("stop_after", stop_after, low=0.0, low_open=True)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable; got {type(progress).__name__}")
    if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a path (str or Path); got {type(checkpoint).__name__}")
    check_work(
        f"train_large(optimizer={optimizer!r}) with max_iter = {max_iter} on d1 x d0 x N = "
        f"{d1} x {d0} x {n}",
        _work(optimizer, max_iter, d0, d1, n, batch_size),
        max_work,
    )
    rng = as_generator(rng)
    start_state = json.dumps(rng.bit_generator.state, sort_keys=True)
    xs, ys = _fingerprint(X, y)
    settings = {
        "format": _FORMAT,
        "X_sha256": xs,
        "y_sha256": ys,
        "shape": [d0, n],
        "d1": d1,
        "rho": rho,
        "optimizer": optimizer,
        "dtype": dtype,
        "init_scale": init_scale,
        "lr": lr,
        "momentum": momentum,
        "batch_size": batch_size,
        "rng_start": hashlib.sha256(start_state.encode()).hexdigest(),
    }
    run = _Run(X, y, d1, rho, dtype, settings, rng)
    path = None if checkpoint is None else Path(checkpoint)
    if path is not None and path.exists():
        run.load(path)
    else:
        run.start(init_scale)
    limits = (max_iter, target_mce, stop_after, path, every, progress)
    if optimizer == "lbfgs":
        reason = run.lbfgs(limits)
    else:
        reason = run.first_order(limits, lr, momentum, batch_size)
    return run.result(reason, target_mce)


class _Run:
    """The state of one training run: weights, optimizer state, counters, history; its checkpoint."""

    def __init__(self, X, y, d1, rho, dtype, settings, rng):
        self.X, self.y, self.d1, self.rho, self.dtype = X, y, d1, rho, dtype
        self.settings, self.rng = settings, rng
        self.Xw = np.ascontiguousarray(X, dtype=dtype)  # the working copy, C-contiguous (d0, N)
        self.yw = y.astype(dtype)
        self.n = X.shape[1]
        self.iterations = self.evaluations = self.resumed_at = 0
        self.seconds_before = 0.0
        self.state: dict[str, np.ndarray] = {}
        self.scalars: dict = {}
        self.history: list[tuple[float, float, float]] = []

    # --- the loss at theta -------------------------------------------------------------------------
    def split(self, theta):
        d0 = self.X.shape[0]
        return theta[: self.d1 * d0].reshape(self.d1, d0), theta[self.d1 * d0 :]

    def evaluate(self, theta, Xw=None, yw=None, grad=True):
        W, z = self.split(theta)
        self.evaluations += 1
        Xw, yw = (self.Xw, self.yw) if Xw is None else (Xw, yw)
        return _kernel(W, z, Xw, yw, self.rho, grad)

    def start(self, init_scale):
        d0 = self.X.shape[0]
        W = self.rng.standard_normal((self.d1, d0)) * init_scale / np.sqrt(d0)
        z = self.rng.standard_normal(self.d1) * init_scale / np.sqrt(self.d1)
        self.theta = np.concatenate([W.ravel(), z])
        grad = self.settings["optimizer"] == "lbfgs"
        loss, errors, g = self.evaluate(self.theta, grad=grad)
        self.scalars.update(loss=loss, errors=errors, old_loss=None, t=0)
        if grad:
            self.state.update(g=g, S=np.empty((0, g.size)), Y=np.empty((0, g.size)))
        elif self.settings["optimizer"] == "sgd":
            self.state.update(vel=np.zeros_like(self.theta))
        else:
            self.state.update(m=np.zeros_like(self.theta), v=np.zeros_like(self.theta))
        self.history.append((0.0, loss, errors / self.n))

    # --- stopping, progress, checkpoints -----------------------------------------------------------
    def step_done(self, limits, clock):
        """After an iteration/epoch: history, progress, checkpoint; the stop reason or None."""
        max_iter, target, stop_after, path, every, progress = limits
        now = time.perf_counter()
        self.scalars["seconds"] = self.seconds_before + now - clock["start"]
        self.history.append((float(self.iterations), self.scalars["loss"], self.mce))
        if progress is not None:
            session = now - clock["start"]
            done = self.iterations - self.resumed_at
            progress(
                LargeTrainProgress(
                    iteration=self.iterations,
                    loss=self.scalars["loss"],
                    mce=self.mce,
                    evaluations=self.evaluations,
                    seconds=self.seconds_before + session,
                    evaluations_per_second=(self.evaluations - clock["evals"]) / max(session, 1e-9),
                    eta_seconds=(max_iter - self.iterations) * session / max(done, 1),
                )
            )
        reason = self.stop_reason(limits, now - clock["start"])
        if path is not None and (reason is not None or now - clock["saved"] >= every):
            self.save(path, self.scalars["seconds"])
            clock["saved"] = now
        return reason

    @property
    def mce(self) -> float:
        return self.scalars["errors"] / self.n

    def stop_reason(self, limits, session_seconds):
        max_iter, target, stop_after = limits[:3]
        if self.mce <= target:
            return "target_mce"
        if self.iterations >= max_iter:
            return "max_iter"
        if stop_after is not None and session_seconds >= stop_after:
            return "stop_after"
        return None

    def begin(self, limits):
        """The clock of this session, and the reason to stop before any iteration (or None)."""
        clock = {"start": time.perf_counter(), "evals": self.evaluations}
        clock["saved"] = clock["start"]
        self.seconds_before = float(self.scalars.get("seconds", self.seconds_before))
        reason = self.stop_reason(limits, 0.0)
        if reason is not None and limits[3] is not None:
            self.save(limits[3], self.seconds_before)
        return clock, reason

    def save(self, path, seconds):
        self.scalars["seconds"] = seconds
        meta = {
            "settings": self.settings,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "scalars": self.scalars,
            "rng_state": self.rng.bit_generator.state,
        }
        arrays = {f"state_{k}": v for k, v in self.state.items()}
        history = np.array(self.history, dtype=float).reshape(-1, 3)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                meta = np.array(json.dumps(meta))
                np.savez(fh, theta=self.theta, history=history, meta=meta, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                theta, history = data["theta"], data["history"]
                state = {k[6:]: data[k] for k in data.files if k.startswith("state_")}
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise ValueError(f"checkpoint {path} is not a train_large checkpoint: {exc}") from None
        if not isinstance(meta, dict) or "settings" not in meta:
            raise ValueError(f"checkpoint {path} is not a train_large checkpoint (no settings)")
        check_checkpoint_settings(path, meta["settings"], self.settings)
        if theta.shape != (self.d1 * (self.X.shape[0] + 1),):
            raise ValueError(f"checkpoint {path}: theta has shape {theta.shape}")
        self.theta, self.state, self.scalars = theta.astype(float), dict(state), meta["scalars"]
        self.history = [tuple(map(float, row)) for row in history]
        self.iterations, self.evaluations = int(meta["iterations"]), int(meta["evaluations"])
        self.resumed_at = self.iterations
        self.rng.bit_generator.state = meta["rng_state"]

    def result(self, reason, target):
        W, z = self.split(self.theta)
        loss, errors, _ = _kernel(W, z, self.X, self.y, self.rho, grad=False)  # float64 on X
        return LargeTrainResult(
            W=W.copy(),
            z=z.copy(),
            loss=loss,
            mce=errors / self.n,
            iterations=self.iterations,
            evaluations=self.evaluations,
            seconds=float(self.scalars.get("seconds", 0.0)),
            converged=self.mce <= target,
            stop_reason=reason,
            history=np.array(self.history, dtype=float).reshape(-1, 3),
            dtype=self.dtype,
            optimizer=self.settings["optimizer"],
            resumed_at=self.resumed_at,
        )

    # --- L-BFGS ------------------------------------------------------------------------------------
    def lbfgs(self, limits) -> str:
        clock, reason = self.begin(limits)
        while reason is None:
            if not self.lbfgs_step():
                reason = "line_search"
                self.scalars["seconds"] = self.seconds_before + time.perf_counter() - clock["start"]
                if limits[3] is not None:
                    self.save(limits[3], self.scalars["seconds"])
                break
            self.iterations += 1
            reason = self.step_done(limits, clock)
        return reason

    def lbfgs_step(self) -> bool:
        """One L-BFGS iteration (True), or False when no Wolfe step exists along either direction."""
        S, Y, g = self.state["S"], self.state["Y"], self.state["g"]
        f = self.scalars["loss"]
        cache: list = []  # the points evaluated in this iteration's line search

        def lookup(x):
            for point, value in cache:
                if np.array_equal(point, x):
                    return value
            value = self.evaluate(x)
            cache.append((x.copy(), value))
            del cache[:-2]
            return value

        attempts = [(_two_loop(g, S, Y), None)] if len(S) else []
        attempts.append((-g, f + np.linalg.norm(g) / 2))  # SciPy BFGS's first step guess
        for d, old_old in attempts:
            if g @ d >= 0:
                S, Y = S[:0], Y[:0]
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                alpha = line_search(
                    lambda x: lookup(x)[0],
                    lambda x: lookup(x)[2],
                    self.theta,
                    d,
                    g,
                    f,
                    old_old,
                    c1=WOLFE_C1,
                    c2=WOLFE_C2,
                    maxiter=LINE_SEARCH_ITER,
                )[0]
            if alpha is not None:
                break
            S, Y = S[:0], Y[:0]  # drop the memory, try the steepest descent
        else:
            return False
        new = self.theta + alpha * d
        loss, errors, g_new = lookup(new)
        s, yv = new - self.theta, g_new - g
        if s @ yv > 1e-10 * (yv @ yv):
            S = np.concatenate([S, s[None]])[-LBFGS_PAIRS:]
            Y = np.concatenate([Y, yv[None]])[-LBFGS_PAIRS:]
        self.theta = new
        self.state.update(g=g_new, S=S, Y=Y)
        self.scalars.update(loss=loss, errors=errors, old_loss=f)
        return True

    # --- SGD (momentum) and Adam ---------------------------------------------------------------
    def first_order(self, limits, lr, momentum, batch_size) -> str:
        clock, reason = self.begin(limits)
        buffer = np.empty_like(self.Xw)
        adam = self.settings["optimizer"] == "adam"
        b1, b2 = ADAM_BETAS
        while reason is None:
            perm = self.rng.permutation(self.n)
            np.take(self.Xw, perm, axis=1, out=buffer)
            yp = self.yw[perm]
            for a in range(0, self.n, batch_size):
                batch = slice(a, a + batch_size)
                g = self.evaluate(self.theta, buffer[:, batch], yp[batch])[2]
                if adam:
                    t = self.scalars["t"] = self.scalars["t"] + 1
                    m, v = self.state["m"], self.state["v"]
                    m *= b1
                    m += (1.0 - b1) * g
                    v *= b2
                    v += (1.0 - b2) * g * g
                    mhat, vhat = m / (1.0 - b1**t), v / (1.0 - b2**t)
                    self.theta -= lr * mhat / (np.sqrt(vhat) + ADAM_EPS)
                else:
                    vel = self.state["vel"]
                    vel *= momentum
                    vel += g
                    self.theta -= lr * vel
            loss, errors, _ = self.evaluate(self.theta, grad=False)
            self.scalars.update(loss=loss, errors=errors)
            self.iterations += 1
            reason = self.step_done(limits, clock)
        return reason


def _two_loop(g, S, Y) -> np.ndarray:
    """The L-BFGS direction :math:`-H g` from the pairs ``S``, ``Y`` (oldest first), :math:`H_0 =
    (s^\\top y / y^\\top y) I` from the newest pair."""
    q = g.copy()
    rhos = 1.0 / np.einsum("ij,ij->i", S, Y)
    alphas = np.empty(len(S))
    for i in range(len(S) - 1, -1, -1):
        alphas[i] = rhos[i] * (S[i] @ q)
        q -= alphas[i] * Y[i]
    q *= (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
    for i in range(len(S)):
        beta = rhos[i] * (Y[i] @ q)
        q += (alphas[i] - beta) * S[i]
    return -q
