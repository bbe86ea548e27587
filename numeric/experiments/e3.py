r"""E3 (Section 5, Table 1): zero training error on real binary tasks at about one parameter per sample.

Setting: a binary task from a real data set, inputs whitened (ZCA, :func:`.datasets.whiten`), ReLU, labels
in {0, 1}, MSE, L-BFGS, :math:`d_1 = \lceil N/d_0 \rceil` so that parameters/N is about 1; training MCE
at threshold 1/2.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .._checks import as_array, as_matrix, positive_int, real_number
from ..datasets import whiten
from ..points import Seed, SweepPoint, SweepTask, check_task, require_task
from ..training import train_network

__all__ = ["E3_MAX_WORK", "E3Task", "E3Point", "e3_point"]

#: The work cap :func:`e3_point` gives :func:`.training.train_network` unless the task sets ``max_work``, in
#: floating-point operations (about 6 days at 2e9 per second): E3 trains on whole data sets by design, and
#: the paper's MNIST row (N = 70,000, d0 = 784, d1 = 90) at 20,000 L-BFGS iterations is about 4e14.
E3_MAX_WORK = 1e15


@dataclass(frozen=True, eq=False)
class E3Task(SweepTask):
    """One E3 run (:func:`e3_point`) on a data set held by the task.

    Attributes
    ----------
    X : ndarray, shape (d0, N)
        The inputs, columns are samples: a finite real matrix (stored as float).
    y : ndarray, shape (N,)
        The labels: a finite real vector of length N (stored as float; not checked to be in {0, 1},
        while the MCE thresholds both ``y`` and the output at 1/2).
    seed : int or tuple of int
        Entropy of ``numpy.random.default_rng`` for the initialization (a list is stored as a tuple).
    d1 : int, optional
        The hidden width, an integer >= 1 (``None``: ``ceil(N / d0)``).
    max_iter : int
        L-BFGS's iteration limit, an integer >= 1.
    dtype : {"float64", "float32"}
        The gradient's precision (:func:`.training.train_network`); MCE and MSE are evaluated in double
        precision whatever ``dtype``.
    blas_threads : int, optional
        The BLAS threads during the run, an integer >= 1 (``None``: leave the BLAS as it is).  On a
        machine whose cores other jobs also use, one thread was 3.4x faster than two on MNIST
        (docs/findings-section5.md).
    max_work : float
        The work cap passed to :func:`.training.train_network`, a finite number > 0.

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    TypeError
        If ``X`` or ``y`` is boolean, a string or of non-numeric dtype.
    """

    X: np.ndarray
    y: np.ndarray
    seed: Seed
    d1: int | None = None
    max_iter: int = 20_000
    dtype: str = "float64"
    blas_threads: int | None = None
    max_work: float = E3_MAX_WORK

    def __post_init__(self) -> None:
        X, y = as_matrix("X", self.X), as_array("y", self.y, ndim=1)
        if y.shape[0] != X.shape[1]:
            raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        check_task(self, sizes=("max_iter",))
        for name in ("d1", "blas_threads"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, positive_int(name, getattr(self, name)))
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32'; got {self.dtype!r}")
        real_number("max_work", self.max_work, low=0.0, low_open=True)

    def run(self) -> E3Point:
        """The task's point: :func:`e3_point`."""
        return e3_point(self)


@dataclass(frozen=True)
class E3Point(SweepPoint):
    """One E3 run (:func:`e3_point`): a one-hidden-layer ReLU network trained on whitened real data.

    Attributes
    ----------
    seed, max_iter, dtype, blas_threads
        The task's values (:class:`E3Task`; not its arrays).
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

    seed: Seed
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


def e3_point(task: E3Task) -> E3Point:
    """One E3 run: whiten the task's inputs, train (:func:`.training.train_network`), training MCE.

    Parameters
    ----------
    task : E3Task
        The data, the width, the optimizer's settings and the seed.

    Returns
    -------
    E3Point
        The task's values without ``X`` and ``y`` (``d1`` filled in), plus ``n``, ``d0``,
        ``params_over_n`` (:math:`(d_0 d_1 + d_1)/N`), ``mce``, ``mse``, ``iterations``, ``evaluations``
        (loss-and-gradient calls), ``message`` (the optimizer's), ``whiten_seconds``, ``train_seconds``
        and ``seconds``.

    Raises
    ------
    TypeError
        If ``task`` is not an :class:`E3Task`.
    ValueError
        From :func:`.datasets.whiten` when nothing in ``X`` varies, or from
        :func:`.training.train_network` when the run needs more work than ``max_work``.
    """
    require_task(task, E3Task)
    X, y = task.X, task.y
    d0, n = X.shape
    d1 = math.ceil(n / d0) if task.d1 is None else task.d1
    rng = np.random.default_rng(task.seed)
    start = time.perf_counter()
    with threadpool_limits(limits=task.blas_threads, user_api="blas"):
        Xw = whiten(X)
        whitened = time.perf_counter()
        res = train_network(
            Xw,
            y,
            d1,
            0.0,
            rng=rng,
            max_iter=task.max_iter,
            gtol=1e-10,
            dtype=task.dtype,
            max_work=task.max_work,
        )
    end = time.perf_counter()
    out = np.maximum(res.W @ Xw, 0.0).T @ res.z
    return E3Point(
        seed=task.seed,
        max_iter=task.max_iter,
        dtype=task.dtype,
        blas_threads=task.blas_threads,
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
