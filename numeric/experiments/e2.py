r"""E2 (Section 5, Figure 5.2): where full-batch gradient descent ends, and the measurements of a trained layer.

Setting: :math:`x^{(n)}\sim\mathcal N(0, I_d)`, labels :math:`\pm 1`, ReLU, :math:`d = d_0 = d_1`,
:math:`N = \lfloor d^2/5\rfloor`, one hidden layer, plain full-batch gradient descent: ``E2_EPOCHS`` epochs
at step ``E2_LR``, then ``E2_EPOCHS`` epochs with the step multiplied by ``E2_DECAY`` each epoch (the
constants are ours: CLAIMS.md gives the schedule's shape only).  The same measurements under several
optimizers are :mod:`.e2_protocols`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .._checks import positive_int, real_number
from ..points import Seed, SweepPoint, SweepTask, check_task, require_task
from ..training import train_network

__all__ = [
    "E2_LR",
    "E2_DECAY",
    "E2_EPOCHS",
    "E2_BATCH",
    "E2_KINK_TOL",
    "E2_KINK_MIN",
    "e2_samples",
    "E2Task",
    "E2Point",
    "e2_point",
    "E2Measurement",
    "e2_measure",
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


def e2_samples(d) -> int:
    r"""E2's number of samples at width ``d``: :math:`N = \lfloor d^2/5\rfloor`, checked to be >= 1.

    Raises
    ------
    ValueError
        If ``d`` is not an integer >= 3 (below 3 there is no sample).
    """
    d = positive_int("d", d)
    if d * d // 5 < 1:
        raise ValueError(f"d must be an integer >= 3 (N = floor(d^2/5) >= 1); got {d!r}")
    return d * d // 5


@dataclass(frozen=True)
class E2Task(SweepTask):
    r"""One E2 run by full-batch gradient descent (:func:`e2_point`).

    Attributes
    ----------
    d : int
        :math:`d_0 = d_1 = d`, an integer >= 3 (so that :math:`N = \lfloor d^2/5\rfloor \ge 1`).
    seed : int or tuple of int
        Entropy of ``numpy.random.default_rng``, which draws the data, the labels and then the
        initialization (a list is stored as a tuple).
    lr : float
        The step of the first phase, > 0.
    init_scale : float or None
        The initialization scale, > 0 (``None``: :func:`.training.train_network`'s default, 1).
    decay : float
        The step's factor per epoch in the second phase, in (0, 1].

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    """

    d: int
    seed: Seed
    lr: float = E2_LR
    init_scale: float | None = None
    decay: float = E2_DECAY

    def __post_init__(self) -> None:
        check_task(self)
        e2_samples(self.d)
        real_number("lr", self.lr, low=0.0, low_open=True)
        real_number("decay", self.decay, low=0.0, high=1.0, low_open=True)
        if self.init_scale is not None:
            real_number("init_scale", self.init_scale, low=0.0, low_open=True)

    def run(self) -> E2Point:
        """The task's point: :func:`e2_point`."""
        return e2_point(self)


@dataclass(frozen=True)
class E2Point(SweepPoint):
    r"""One E2 run by full-batch gradient descent (:func:`e2_point`).

    Attributes
    ----------
    d, seed, lr, init_scale, decay
        The task's values (:class:`E2Task`).
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
    seed: Seed
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


def e2_point(task: E2Task) -> E2Point:
    r"""One E2 run: the final MSE and :math:`\min_{i,n}|w_i^\top x^{(n)}|` after the two-phase schedule.

    A run whose iterates overflow (too large a step) is returned with ``diverged = True``, ``mse = inf``
    and ``min_abs_wx = nan``, not raised: a step-size scan counts them.

    Parameters
    ----------
    task : E2Task
        The width, the schedule's constants and the seed.

    Returns
    -------
    E2Point
        The task's values plus ``n``, ``diverged``, ``mse``, ``min_abs_wx``, ``normalized_min_abs_wx``
        (:func:`e2_measure`), ``pairs_below_1e_3`` and ``seconds`` (wall time of training and
        measurement).  A diverged run (a floating-point overflow or invalid operation during training) has
        ``mse = inf``, NaN measurements and ``pairs_below_1e_3 = -1``.

    Raises
    ------
    TypeError
        If ``task`` is not an :class:`E2Task`.
    """
    require_task(task, E2Task)
    rng = np.random.default_rng(task.seed)
    n = e2_samples(task.d)
    X = rng.standard_normal((task.d, n))
    y = rng.choice([-1.0, 1.0], n)
    params = dict(
        d=task.d, seed=task.seed, lr=task.lr, init_scale=task.init_scale, decay=task.decay, n=n
    )
    start = time.perf_counter()
    try:
        with np.errstate(over="raise", invalid="raise"):
            res = train_network(
                X,
                y,
                task.d,
                0.0,
                rng=rng,
                method="gd",
                max_iter=E2_EPOCHS,
                decay_epochs=E2_EPOCHS,
                lr=task.lr,
                decay_rate=task.decay,
                init_scale=task.init_scale,
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
    m = e2_measure(res.W, X)
    return E2Point(
        **params,
        diverged=False,
        mse=res.mse,
        min_abs_wx=m.min_abs_wx,
        normalized_min_abs_wx=m.normalized_min_abs_wx,
        pairs_below_1e_3=int(np.sum(np.abs(res.W @ X) < 1e-3)),
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class E2Measurement(SweepPoint):
    r"""E2's measurements of one trained first layer (:func:`e2_measure`).

    Attributes
    ----------
    min_abs_wx : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|` (linear scale; NaN for a diverged run).
    normalized_min_abs_wx : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|/(\|w_i\|\|x^{(n)}\|)`, a pair with a zero norm counting as 0
        (NaN for a diverged run).
    zero_inputs : int
        Neural inputs counted as zero (``E2_KINK_TOL``; -1 for a diverged run).
    kink : bool
        Whether at least ``E2_KINK_MIN`` inputs are zero (the run ended at a kink).
    """

    min_abs_wx: float
    normalized_min_abs_wx: float
    zero_inputs: int
    kink: bool

    @classmethod
    def diverged(cls) -> E2Measurement:
        """The measurements of a diverged run (none): NaN, NaN, -1, no kink."""
        return cls(min_abs_wx=math.nan, normalized_min_abs_wx=math.nan, zero_inputs=-1, kink=False)


def e2_measure(W, X) -> E2Measurement:
    r"""E2's measurements of one trained first layer: :math:`\min_{i,n}|w_i^\top x^{(n)}|`, its normalized
    form, the number of zero neural inputs (``E2_KINK_TOL``) and whether the run ended at a kink.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        The trained first layer: finite, real.
    X : array_like, shape (d0, N)
        The inputs, columns are samples.

    Returns
    -------
    E2Measurement

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
    return E2Measurement(
        min_abs_wx=float(U.min()),
        normalized_min_abs_wx=float(normalized.min()),
        zero_inputs=zero,
        kink=zero >= E2_KINK_MIN,
    )
