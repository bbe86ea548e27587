r"""Section 5 of the paper (E1, E2, E3) as sweep tasks: one picklable function per training run.

Each function takes one ``task`` dict of plain values (sizes and a ``seed`` for
``numpy.random.default_rng``) and returns a frozen dataclass of the task's parameters and its measurements
(:class:`E1Point`, :class:`E2Point`, :class:`E2ProtocolPoint`, :class:`E3Point`), so a sweep is
``run_sweep(e1_point, tasks, executor=...)`` (:mod:`.sweeps`) on any executor.  Keys a function does not
read (a repeat's label, say) are not in its result: zip the results with the tasks.

Settings (CLAIMS.md gives the data, the architecture and the schedule's shape, not the optimizer's
constants; the constants below are ours and are part of the reported evidence):

* E1: :math:`x^{(n)}\sim\mathcal N(0, I_{d_0})`, labels :math:`\pm 1` with probability 1/2, ReLU
  (:math:`\rho = 0`), hidden widths all equal to :math:`d_0`, MSE, full-batch L-BFGS from
  :math:`W_l\sim\mathcal N(0, 1/\text{fan-in})` until the gradient is below 1e-10 or 5000 iterations;
  training error = fraction of :math:`\operatorname{sign}(\text{output}) \ne y`.
* E2: same data, :math:`d = d_0 = d_1`, :math:`N = \lfloor d^2/5\rfloor`, one hidden layer, plain full-batch
  gradient descent: ``E2_EPOCHS`` epochs at step ``E2_LR``, then ``E2_EPOCHS`` epochs with the step
  multiplied by ``E2_DECAY`` each epoch.
* E2 under several optimizers (:func:`e2_protocol_point`): the same data, sizes and two-phase schedule
  (``E2_EPOCHS`` epochs at a step, then ``E2_EPOCHS`` epochs multiplied by ``E2_DECAY`` each) with
  full-batch GD, minibatch SGD, SGD with momentum 0.9 and Adam (minibatches of ``E2_BATCH``); the runs of
  one protocol at one d are trained side by side (:func:`.training.train_first_order`).
* E3: binary task from a real data set, inputs whitened (ZCA), ReLU, labels in {0, 1}, MSE, L-BFGS,
  :math:`d_1 = \lceil N/d_0 \rceil` so that parameters/N is about 1; training MCE at threshold 1/2.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ._checks import positive_int
from ._points import SweepPoint
from .datasets import whiten
from .training import OPTIMIZERS, train_first_order, train_mlp, train_network

__all__ = [
    "E1Point",
    "e1_point",
    "E2Point",
    "e2_point",
    "E2Run",
    "E2ProtocolPoint",
    "e2_protocol_point",
    "e2_measure",
    "E3Point",
    "e3_point",
    "E2_LR",
    "E2_DECAY",
    "E2_EPOCHS",
    "E2_BATCH",
    "E2_KINK_TOL",
    "E2_KINK_MIN",
    "weights_count",
    "E3_MAX_WORK",
]

E2_LR = 0.2
E2_DECAY = 0.995
E2_EPOCHS = 1000
#: Minibatch size of SGD, momentum and Adam in E2 (N = 20 ... 180 at d = 10 ... 30: 2 to 18 steps per epoch).
E2_BATCH = 10
#: A neural input counts as zero when |w_i^T x^(n)| <= E2_KINK_TOL ||w_i|| ||x^(n)||; a run "ended at a kink"
#: when at least E2_KINK_MIN inputs are zero (several pre-activations on a boundary of the regions).
E2_KINK_TOL = 1e-6
E2_KINK_MIN = 2
#: The work cap :func:`e3_point` gives :func:`.training.train_network` unless the task sets ``max_work``, in
#: floating-point operations (about 6 days at 2e9 per second): E3 trains on whole data sets by design, and
#: the paper's MNIST row (N = 70,000, d0 = 784, d1 = 90) at 20,000 L-BFGS iterations is about 4e14.
E3_MAX_WORK = 1e15


def weights_count(d0: int, widths: list[int]) -> int:
    r"""Number of weights of the bias-free network with hidden ``widths`` and one output.

    Parameters
    ----------
    d0 : int
        Input dimension: an integer >= 1 (Python or NumPy; booleans, floats and strings are refused).
    widths : sequence of int
        Hidden widths, first to last, each an integer >= 1 as ``d0``; may be empty (then the count is
        ``d0``, a linear model).  A string or a single number is refused.

    Returns
    -------
    int
        :math:`d_0 d_1 + d_1 d_2 + \dots + d_{L-1} d_L + d_L` with :math:`d_l` = ``widths[l - 1]``, an
        exact Python integer (NumPy integers are converted first: no overflow).

    Raises
    ------
    TypeError
        If ``widths`` is a string or not a sequence.
    ValueError
        If ``d0`` or an entry of ``widths`` is not an integer >= 1 (the message names ``widths[i]``).
    """
    d0 = positive_int("d0", d0)
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
        raise TypeError(f"widths must be a sequence of integers >= 1; got {type(widths).__name__}")
    fan = [d0] + [positive_int(f"widths[{i}]", w) for i, w in enumerate(widths)]
    return sum(a * b for a, b in zip(fan[:-1], fan[1:])) + fan[-1]


@dataclass(frozen=True)
class E1Point(SweepPoint):
    """One E1 run (:func:`e1_point`): a network of ``layers`` hidden layers of width ``d0`` trained on
    Gaussian data.

    Attributes
    ----------
    n : int
        Number of samples :math:`N`.
    d0 : int
        Input dimension, also the width of every hidden layer.
    layers : int
        Number of hidden layers.
    seed : int or list of int
        Entropy of ``numpy.random.default_rng`` for the data, the labels and the initialization.
    max_iter : int
        L-BFGS-B's iteration limit.
    mce : float
        Training error: the fraction of samples whose output sign differs from the label (an output of
        exactly 0 counting as -1), in [0, 1].
    mse : float
        Final training mean squared error (linear scale).
    iterations : int
        L-BFGS-B's iterations.
    seconds : float
        Wall time of the training, in seconds.
    """

    n: int
    d0: int
    layers: int
    seed: Any
    max_iter: int
    mce: float
    mse: float
    iterations: int
    seconds: float


def e1_point(task: dict) -> E1Point:
    """One E1 run: ``task`` holds ``n, d0, layers, seed``; returns ``mce, mse, iterations, seconds``.

    Parameters
    ----------
    task : dict
        ``n`` (samples), ``d0`` (input dimension) and ``layers`` (number of hidden layers, each of
        width ``d0``), converted with ``int``; ``seed`` for ``numpy.random.default_rng``, which
        draws the data, the labels and then the initialization; optionally ``max_iter`` (default
        5000), passed to :func:`.training.train_mlp`.  Nothing is validated here: ``n``, ``d0`` and
        ``layers`` must be >= 1 for :func:`.training.train_mlp` to accept the run (it raises
        otherwise).  Other keys are ignored.

    Returns
    -------
    E1Point
        The task's values plus ``mce`` (fraction of samples whose output sign differs from the label, an
        output of exactly 0 counting as -1), ``mse``, ``iterations`` (L-BFGS-B's) and ``seconds``
        (wall time of the training).

    Raises
    ------
    KeyError
        If a required key is missing.
    ValueError
        From :func:`.training.train_mlp` (or NumPy's generator) when a size is < 1.
    """
    rng = np.random.default_rng(task["seed"])
    n, d0 = int(task["n"]), int(task["d0"])
    X = rng.standard_normal((d0, n))
    y = rng.choice([-1.0, 1.0], n)
    max_iter = task.get("max_iter", 5000)
    start = time.perf_counter()
    res = train_mlp(X, y, [d0] * int(task["layers"]), 0.0, rng=rng, max_iter=max_iter)
    return E1Point(
        n=task["n"],
        d0=task["d0"],
        layers=task["layers"],
        seed=task["seed"],
        max_iter=max_iter,
        mce=float(np.mean(np.where(res.output > 0, 1.0, -1.0) != y)),
        mse=res.mse,
        iterations=res.iterations,
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class E2Point(SweepPoint):
    r"""One E2 run by full-batch gradient descent (:func:`e2_point`).

    Attributes
    ----------
    d : int
        :math:`d_0 = d_1 = d`.
    seed : int or list of int
        Entropy of ``numpy.random.default_rng`` for the data, the labels and the initialization.
    lr : float
        The step of the first phase.
    init_scale : float or None
        The initialization scale (``None``: :func:`.training.train_network`'s default).
    decay : float
        The step's factor per epoch in the second phase.
    n : int
        Number of samples, :math:`N = \lfloor d^2/5\rfloor`.
    diverged : bool
        Whether the iterates overflowed (then ``mse`` is ``inf`` and the measurements NaN or -1).
    mse : float
        Final training mean squared error (linear scale).
    min_abs_wx : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|` at the end (linear scale).
    normalized_min_abs_wx : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|/(\|w_i\|\|x^{(n)}\|)`.
    pairs_below_1e_3 : int
        Number of pairs :math:`(i, n)` with :math:`|w_i^\top x^{(n)}| < 10^{-3}`.
    seconds : float
        Wall time of training and measurement, in seconds.
    """

    d: int
    seed: Any
    lr: float
    init_scale: float | None
    decay: float
    n: int
    diverged: bool
    mse: float
    min_abs_wx: float
    normalized_min_abs_wx: float
    pairs_below_1e_3: int
    seconds: float


def e2_point(task: dict) -> E2Point:
    r"""One E2 run: ``task`` holds ``d, seed`` and optionally ``lr``, ``init_scale``, ``decay`` (defaults
    ``E2_LR``, 1, ``E2_DECAY``); returns the final MSE and :math:`\min_{i,n}|w_i^\top x^{(n)}|`.

    A run whose iterates overflow (too large a step) is returned with ``diverged = True``, ``mse = inf``
    and ``min_abs_wx = nan``, not raised: the step-size scan of the E2 check counts them.

    Parameters
    ----------
    task : dict
        ``d`` (converted with ``int``; :math:`d_0 = d_1 = d`, :math:`N = \lfloor d^2/5\rfloor`) and
        ``seed`` for ``numpy.random.default_rng``, which draws the data, the labels and then the
        initialization; optionally ``lr``, ``init_scale`` and ``decay``, passed to
        :func:`.training.train_network` as ``lr``, ``init_scale`` and ``decay_rate``.  Nothing is
        validated here; ``d`` must be >= 3 so that :math:`N \ge 1` (else the training raises).  Other
        keys are ignored.

    Returns
    -------
    E2Point
        The task's values (``lr`` and ``decay`` with their defaults filled in) plus ``n``, ``diverged``,
        ``mse``, ``min_abs_wx``, ``normalized_min_abs_wx``, ``pairs_below_1e_3`` (number of
        :math:`|w_i^\top x^{(n)}| < 10^{-3}`) and ``seconds`` (wall time of training and measurement).
        A diverged run (a floating-point overflow or invalid operation during training) has
        ``mse = inf``, NaN measurements and ``pairs_below_1e_3 = -1``.

    Raises
    ------
    KeyError
        If ``d`` or ``seed`` is missing.
    ValueError
        From :func:`.training.train_network` when ``d`` is too small to give a sample.
    """
    rng = np.random.default_rng(task["seed"])
    d = int(task["d"])
    n = d * d // 5
    X = rng.standard_normal((d, n))
    y = rng.choice([-1.0, 1.0], n)
    lr, decay, init_scale = (
        task.get("lr", E2_LR),
        task.get("decay", E2_DECAY),
        task.get("init_scale"),
    )
    params = dict(d=task["d"], seed=task["seed"], lr=lr, init_scale=init_scale, decay=decay, n=n)
    start = time.perf_counter()
    try:
        with np.errstate(over="raise", invalid="raise"):
            res = train_network(
                X,
                y,
                d,
                0.0,
                rng=rng,
                method="gd",
                max_iter=E2_EPOCHS,
                decay_epochs=E2_EPOCHS,
                lr=lr,
                decay_rate=decay,
                init_scale=init_scale,
            )
    except FloatingPointError:
        return E2Point(
            **params,
            diverged=True,
            mse=math.inf,
            min_abs_wx=math.nan,
            normalized_min_abs_wx=math.nan,
            pairs_below_1e_3=-1,
            seconds=time.perf_counter() - start,
        )
    U = np.abs(res.W @ X)
    norms = np.linalg.norm(res.W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]
    return E2Point(
        **params,
        diverged=False,
        mse=res.mse,
        min_abs_wx=float(U.min()),
        normalized_min_abs_wx=float((U / norms).min()),
        pairs_below_1e_3=int(np.sum(U < 1e-3)),
        seconds=time.perf_counter() - start,
    )


def e2_measure(W, X) -> dict:
    r"""E2's measurements of one trained first layer: :math:`\min_{i,n}|w_i^\top x^{(n)}|`, its normalized
    form, the number of zero neural inputs (``E2_KINK_TOL``) and whether the run ended at a kink.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
    X : array_like, shape (d0, N)

    Returns
    -------
    dict
        ``min_abs_wx``, ``normalized_min_abs_wx``, ``zero_inputs``, ``kink``.

    Raises
    ------
    ValueError
        If the shapes do not fit or ``W`` is not finite.
    """
    W, X = np.asarray(W, float), np.asarray(X, float)
    if W.ndim != 2 or X.ndim != 2 or W.shape[1] != X.shape[0]:
        raise ValueError(f"W must be (d1, d0) and X (d0, N); got {W.shape} and {X.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError("W must be finite (a diverged run has no measurements)")
    U = np.abs(W @ X)
    scale = np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]
    zero = int(np.sum(U <= E2_KINK_TOL * scale))
    with np.errstate(divide="ignore", invalid="ignore"):
        normalized = np.where(scale > 0, U / np.where(scale > 0, scale, 1.0), 0.0)
    return {
        "min_abs_wx": float(U.min()),
        "normalized_min_abs_wx": float(normalized.min()),
        "zero_inputs": zero,
        "kink": zero >= E2_KINK_MIN,
    }


@dataclass(frozen=True)
class E2Run(SweepPoint):
    r"""One repeat of an E2 protocol (an entry of :attr:`E2ProtocolPoint.runs`).

    Attributes
    ----------
    rep : int
        The repeat's label (``reps[k]`` of the task, default its index).
    mse : float
        Final training mean squared error (linear scale; ``inf`` or large for a diverged run).
    diverged : bool
        Whether the run diverged (:func:`.training.train_first_order`'s rule).
    diverged_epoch : int
        The epoch at which it diverged (-1 if it did not).
    min_abs_wx : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|` at the end (linear scale; NaN for a diverged run).
    normalized_min_abs_wx : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|/(\|w_i\|\|x^{(n)}\|)` (NaN for a diverged run).
    zero_inputs : int
        Neural inputs counted as zero (``E2_KINK_TOL``; -1 for a diverged run).
    kink : bool
        Whether at least ``E2_KINK_MIN`` inputs are zero (the run ended at a kink).
    """

    rep: int
    mse: float
    diverged: bool
    diverged_epoch: int
    min_abs_wx: float
    normalized_min_abs_wx: float
    zero_inputs: int
    kink: bool


@dataclass(frozen=True)
class E2ProtocolPoint(SweepPoint):
    r"""The repeats of one E2 protocol at one size (:func:`e2_protocol_point`).

    Attributes
    ----------
    optimizer : str
        One of :data:`.training.OPTIMIZERS`.
    d : int
        :math:`d_0 = d_1 = d`.
    lr : float
        The step of the first phase.
    init_scale : float
        The initialization scale :math:`s` (:math:`W_{ij}, z_i \sim \mathcal N(0, s^2/d)`).
    reps : tuple of int
        The labels of the repeats.
    batch_size : int
        Minibatch size (ignored by ``"gd"``).
    epochs : int
        Epochs of each phase.
    decay : float
        The step's factor per epoch in the second phase.
    n : int
        Number of samples, :math:`N = \lfloor d^2/5\rfloor`.
    runs : tuple of E2Run
        One per repeat, in the order of ``reps``.
    steps : int
        Optimizer steps taken (:func:`.training.train_first_order`'s ``steps``).
    seconds : float
        Wall time of the whole task, in seconds.
    """

    optimizer: str
    d: int
    lr: float
    init_scale: float
    reps: tuple[int, ...]
    batch_size: int
    epochs: int
    decay: float
    n: int
    runs: tuple[E2Run, ...]
    steps: int
    seconds: float


def e2_protocol_point(task: dict) -> E2ProtocolPoint:
    r"""The repeats of one E2 protocol at one size, trained side by side.

    ``task`` holds ``optimizer`` (one of :data:`.training.OPTIMIZERS`), ``d``, ``lr``, ``init_scale``,
    ``seeds`` (one per repeat) and optionally ``reps`` (labels of the repeats), ``batch_size``
    (default ``E2_BATCH``; ignored by ``"gd"``), ``epochs`` and ``decay`` (defaults ``E2_EPOCHS``,
    ``E2_DECAY``).  Repeat ``k`` draws, from ``numpy.random.default_rng(seeds[k])`` in this order,
    :math:`X\in\mathbb R^{d\times N}` with iid N(0, 1) entries, :math:`N = \lfloor d^2/5\rfloor`, labels
    :math:`\pm1`, :math:`W_{ij}\sim\mathcal N(0, s^2/d)`, :math:`z_i\sim\mathcal N(0, s^2/d)` (s = ``init_scale``),
    then its minibatch order: the same data and initial directions for every optimizer, step and scale.

    Parameters
    ----------
    task : dict
        The keys above: ``optimizer`` in :data:`.training.OPTIMIZERS`, ``d`` an integer >= 1, ``lr`` and
        ``init_scale`` positive numbers, ``seeds`` a non-empty list of seeds (validated by
        :func:`.training.train_first_order`, as are the optional keys).  Other keys are ignored.

    Returns
    -------
    E2ProtocolPoint
        The task's values without ``seeds`` (the defaults filled in), plus ``n`` and ``runs``: one
        :class:`E2Run` per repeat with ``rep``, ``mse``, ``diverged``, ``diverged_epoch`` and the
        measurements of :func:`e2_measure` (NaN and -1 for a diverged run), ``steps``, and ``seconds``
        (the wall time of the whole task).

    Raises
    ------
    ValueError
        If the optimizer or a constant is invalid (see :func:`.training.train_first_order`) or ``seeds`` is empty.
    """
    optimizer = task["optimizer"]
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}")
    seeds = list(task["seeds"])
    if not seeds:
        raise ValueError("seeds must hold one seed per repeat")
    reps = list(task.get("reps", range(len(seeds))))
    d = int(task["d"])
    n = d * d // 5
    s = float(task.get("init_scale", 1.0))
    epochs = int(task.get("epochs", E2_EPOCHS))
    decay, batch_size = task.get("decay", E2_DECAY), task.get("batch_size", E2_BATCH)
    rngs, Xs, ys, Ws, zs = [], [], [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        Xs.append(rng.standard_normal((d, n)))
        ys.append(rng.choice([-1.0, 1.0], n))
        Ws.append(rng.standard_normal((d, d)) * s / np.sqrt(d))
        zs.append(rng.standard_normal(d) * s / np.sqrt(d))
        rngs.append(rng)
    start = time.perf_counter()
    res = train_first_order(
        np.stack(Xs),
        np.stack(ys),
        np.stack(Ws),
        np.stack(zs),
        0.0,
        optimizer=optimizer,
        lr=task["lr"],
        epochs=epochs,
        decay_epochs=epochs,
        decay_rate=decay,
        batch_size=batch_size,
        rngs=rngs,
    )
    runs = []
    for k, rep in enumerate(reps):
        if res.diverged[k]:
            meas = {
                "min_abs_wx": math.nan,
                "normalized_min_abs_wx": math.nan,
                "zero_inputs": -1,
                "kink": False,
            }
        else:
            meas = e2_measure(res.W[k], Xs[k])
        runs.append(
            E2Run(
                rep=rep,
                mse=float(res.mse[k]),
                diverged=bool(res.diverged[k]),
                diverged_epoch=int(res.diverged_epoch[k]),
                **meas,
            )
        )
    return E2ProtocolPoint(
        optimizer=optimizer,
        d=task["d"],
        lr=task["lr"],
        init_scale=s,
        reps=tuple(reps),
        batch_size=batch_size,
        epochs=epochs,
        decay=decay,
        n=n,
        runs=tuple(runs),
        steps=res.steps,
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class E3Point(SweepPoint):
    """One E3 run (:func:`e3_point`): a one-hidden-layer ReLU network trained on whitened real data.

    Attributes
    ----------
    seed : int or list of int
        Entropy of ``numpy.random.default_rng`` for the initialization.
    max_iter : int
        L-BFGS's iteration limit.
    dtype : str
        The gradient's precision, ``"float64"`` or ``"float32"``.
    blas_threads : int or None
        The BLAS threads during the run (``None``: the BLAS as it was).
    n : int
        Number of samples :math:`N`.
    d0 : int
        Input dimension.
    d1 : int
        Hidden width.
    params_over_n : float
        :math:`(d_0 d_1 + d_1)/N`, weights per sample.
    mce : float
        Training error at threshold 1/2, in [0, 1].
    mse : float
        Final training mean squared error (linear scale, double precision).
    iterations : int
        L-BFGS's iterations.
    evaluations : int
        Loss-and-gradient calls.
    message : str
        The optimizer's message.
    whiten_seconds, train_seconds, seconds : float
        Wall times of the whitening, the training and both, in seconds.
    """

    seed: Any
    max_iter: int
    dtype: str
    blas_threads: int | None
    n: int
    d0: int
    d1: int
    params_over_n: float
    mce: float
    mse: float
    iterations: int
    evaluations: int
    message: str
    whiten_seconds: float
    train_seconds: float
    seconds: float


def e3_point(task: dict) -> E3Point:
    """One E3 run on ``task["X"]`` (d0, N), ``task["y"]`` in {0, 1}: whiten, train, training MCE.

    ``d1`` defaults to ``ceil(N / d0)``; ``max_iter`` to 20,000; ``dtype`` (the gradient's precision, see
    :func:`.training.train_network`) to ``"float64"``.  Returns the task's values without the arrays, plus
    ``n``, ``d0``, ``d1``, ``params_over_n``, ``mce``, ``mse``, ``iterations``, ``evaluations``
    (loss-and-gradient calls), ``message`` (the optimizer's), ``whiten_seconds``, ``train_seconds`` and
    ``seconds``.  MCE and MSE are evaluated in double precision whatever ``dtype``.  ``blas_threads``
    (default: leave the BLAS as it is) limits the BLAS threads during the run: on a machine whose cores
    other jobs also use, one thread was 3.4x faster than two on MNIST (docs/findings-section5.md).

    Parameters
    ----------
    task : dict
        ``X`` (array_like, shape (d0, N), a finite real matrix: :func:`.datasets.whiten` checks it),
        ``y`` (array_like, shape (N,), checked by :func:`.training.train_network` to be a finite
        real vector; not checked to be in {0, 1}, while the MCE thresholds both ``y`` and the output
        at 1/2), ``seed`` (for ``numpy.random.default_rng``, the initialization); optionally ``d1``
        (an integer >= 1; missing or ``None`` means the default ``ceil(N / d0)``), ``max_iter``, ``dtype``
        and ``blas_threads`` as above, and ``max_work``, the work cap passed to
        :func:`.training.train_network` (default :data:`E3_MAX_WORK`).  Other keys (a data set's name,
        say) are ignored.

    Returns
    -------
    E3Point
        The task's values without ``X`` and ``y`` (the defaults filled in), plus ``n``, ``d0``, ``d1``,
        ``params_over_n`` (:math:`(d_0 d_1 + d_1)/N`), ``mce``, ``mse``, ``iterations``, ``evaluations``,
        ``message``, ``whiten_seconds``, ``train_seconds`` and ``seconds``.

    Raises
    ------
    KeyError
        If ``X``, ``y`` or ``seed`` is missing.
    ValueError
        From :func:`.datasets.whiten` or :func:`.training.train_network` when ``X`` or ``y`` is not
        finite or their shapes disagree, ``d1`` is given but not an integer >= 1, ``dtype`` is not
        ``"float64"`` or ``"float32"``, or ``max_iter`` is not an integer >= 1 or needs more work than
        ``max_work``.
    """
    X, y = np.asarray(task["X"], float), np.asarray(task["y"], float)
    d0, n = X.shape
    d1 = math.ceil(n / d0) if task.get("d1") is None else positive_int("d1", task["d1"])
    rng = np.random.default_rng(task["seed"])
    max_iter, dtype = task.get("max_iter", 20_000), task.get("dtype", "float64")
    blas_threads = task.get("blas_threads")
    start = time.perf_counter()
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        Xw = whiten(X)
        whitened = time.perf_counter()
        res = train_network(
            Xw,
            y,
            d1,
            0.0,
            rng=rng,
            max_iter=max_iter,
            gtol=1e-10,
            dtype=dtype,
            max_work=task.get("max_work", E3_MAX_WORK),
        )
    end = time.perf_counter()
    out = np.maximum(res.W @ Xw, 0.0).T @ res.z
    return E3Point(
        seed=task["seed"],
        max_iter=max_iter,
        dtype=dtype,
        blas_threads=blas_threads,
        n=n,
        d0=d0,
        d1=d1,
        params_over_n=(d0 * d1 + d1) / n,
        mce=float(np.mean((out > 0.5) != (y > 0.5))),
        mse=res.mse,
        iterations=res.iterations,
        evaluations=len(res.history),
        message=res.message,
        whiten_seconds=whitened - start,
        train_seconds=end - whitened,
        seconds=end - start,
    )
