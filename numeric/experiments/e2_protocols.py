r"""E2 under several optimizers: the repeats of one protocol (optimizer, step, initialization scale) at one d.

The data, sizes and two-phase schedule of :mod:`.e2` (``E2_EPOCHS`` epochs at a step, then ``E2_EPOCHS``
epochs multiplied by ``E2_DECAY`` each) with full-batch GD, minibatch SGD, SGD with momentum 0.9 and Adam
(minibatches of ``E2_BATCH``); the runs of one protocol at one d are trained side by side
(:func:`.training.train_first_order`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._checks import positive_int, real_number
from ..points import Seed, SweepPoint, SweepTask, require_task, task_seed
from ..training import OPTIMIZERS, train_first_order
from .e2 import E2_BATCH, E2_DECAY, E2_EPOCHS, E2Measurement, e2_measure, e2_samples

__all__ = ["E2ProtocolTask", "E2Run", "E2ProtocolPoint", "e2_protocol_point"]


@dataclass(frozen=True)
class E2ProtocolTask(SweepTask):
    r"""The repeats of one E2 protocol at one size (:func:`e2_protocol_point`).

    Repeat ``k`` draws, from ``numpy.random.default_rng(seeds[k])`` in this order,
    :math:`X\in\mathbb R^{d\times N}` with iid N(0, 1) entries, :math:`N = \lfloor d^2/5\rfloor`, labels
    :math:`\pm1`, :math:`W_{ij}\sim\mathcal N(0, s^2/d)`, :math:`z_i\sim\mathcal N(0, s^2/d)`
    (s = ``init_scale``), then its minibatch order: the same data and initial directions for every
    optimizer, step and scale.

    Attributes
    ----------
    optimizer : str
        One of :data:`.training.OPTIMIZERS`.
    d : int
        :math:`d_0 = d_1 = d`, an integer >= 3.
    lr : float
        The step of the first phase, > 0.
    seeds : tuple of seeds
        One entropy per repeat (an integer >= 0 or a tuple of them; lists are stored as tuples),
        at least one.
    init_scale : float
        The initialization scale :math:`s`, > 0.
    reps : tuple of int, optional
        The labels of the repeats, one per seed (default ``0, 1, ...``).
    batch_size : int
        Minibatch size (ignored by ``"gd"``), an integer >= 1.
    epochs : int
        Epochs of each phase, an integer >= 1.
    decay : float
        The step's factor per epoch in the second phase, in (0, 1].

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    """

    optimizer: str
    d: int
    lr: float
    seeds: tuple[Seed, ...]
    init_scale: float = 1.0
    reps: tuple[int, ...] | None = None
    batch_size: int = E2_BATCH
    epochs: int = E2_EPOCHS
    decay: float = E2_DECAY

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {self.optimizer!r}")
        e2_samples(self.d)
        real_number("lr", self.lr, low=0.0, low_open=True)
        real_number("init_scale", self.init_scale, low=0.0, low_open=True)
        real_number("decay", self.decay, low=0.0, high=1.0, low_open=True)
        positive_int("batch_size", self.batch_size)
        positive_int("epochs", self.epochs)
        if isinstance(self.seeds, (str, bytes)) or not self.seeds:
            raise ValueError(f"seeds must hold one seed per repeat; got {self.seeds!r}")
        seeds = tuple(task_seed(f"seeds[{k}]", s) for k, s in enumerate(self.seeds))
        reps = tuple(range(len(seeds))) if self.reps is None else tuple(self.reps)
        if len(reps) != len(seeds):
            raise ValueError(f"reps must label each of the {len(seeds)} seeds; got {len(reps)}")
        object.__setattr__(self, "seeds", seeds)
        object.__setattr__(self, "reps", reps)

    def run(self) -> E2ProtocolPoint:
        """The task's point: :func:`e2_protocol_point`."""
        return e2_protocol_point(self)


@dataclass(frozen=True)
class E2Run(SweepPoint):
    r"""One repeat of an E2 protocol (an entry of :attr:`E2ProtocolPoint.runs`).

    Attributes
    ----------
    rep : int
        The repeat's label (``reps[k]`` of the task).
    mse : float
        Final training mean squared error (linear scale; ``inf`` for a diverged run).
    diverged : bool
        Whether the run diverged (:func:`.training.train_first_order`'s rule).
    diverged_epoch : int
        The epoch at which it diverged (-1 if it did not).
    min_abs_wx, normalized_min_abs_wx, zero_inputs, kink
        The measurements of :func:`.e2.e2_measure` (:class:`.e2.E2Measurement`; NaN, NaN, -1 and
        ``False`` for a diverged run).
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
    optimizer, d, lr, init_scale, reps, batch_size, epochs, decay
        The task's values (:class:`E2ProtocolTask`; its ``seeds`` are not repeated here).
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


def e2_protocol_point(task: E2ProtocolTask) -> E2ProtocolPoint:
    r"""The repeats of one E2 protocol at one size, trained side by side.

    Parameters
    ----------
    task : E2ProtocolTask
        The protocol, the size, the schedule and one seed per repeat.

    Returns
    -------
    E2ProtocolPoint
        The task's values without ``seeds``, plus ``n``, ``runs`` (one :class:`E2Run` per repeat),
        ``steps`` and ``seconds`` (the wall time of the whole task).

    Raises
    ------
    TypeError
        If ``task`` is not an :class:`E2ProtocolTask`.
    ValueError
        From :func:`.training.train_first_order` when the run needs more work than its cap.
    """
    require_task(task, E2ProtocolTask)
    d, s = task.d, float(task.init_scale)
    n = e2_samples(d)
    rngs, Xs, ys, Ws, zs = [], [], [], [], []
    for seed in task.seeds:
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
        optimizer=task.optimizer,
        lr=task.lr,
        epochs=task.epochs,
        decay_epochs=task.epochs,
        decay_rate=task.decay,
        batch_size=task.batch_size,
        rngs=rngs,
    )
    runs = []
    for k, rep in enumerate(task.reps):
        m = E2Measurement.diverged() if res.diverged[k] else e2_measure(res.W[k], Xs[k])
        runs.append(
            E2Run(
                rep=rep,
                mse=float(res.mse[k]),
                diverged=bool(res.diverged[k]),
                diverged_epoch=int(res.diverged_epoch[k]),
                min_abs_wx=m.min_abs_wx,
                normalized_min_abs_wx=m.normalized_min_abs_wx,
                zero_inputs=m.zero_inputs,
                kink=m.kink,
            )
        )
    return E2ProtocolPoint(
        optimizer=task.optimizer,
        d=d,
        lr=task.lr,
        init_scale=s,
        reps=task.reps,
        batch_size=task.batch_size,
        epochs=task.epochs,
        decay=task.decay,
        n=n,
        runs=tuple(runs),
        steps=res.steps,
        seconds=time.perf_counter() - start,
    )
