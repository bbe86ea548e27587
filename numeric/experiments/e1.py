r"""E1 (Section 5, Figure 5.1): training error against weights/N on Gaussian data.

Setting (CLAIMS.md gives the data and the architecture; the optimizer's constants are ours):
:math:`x^{(n)}\sim\mathcal N(0, I_{d_0})`, labels :math:`\pm 1` with probability 1/2, ReLU
(:math:`\rho = 0`), hidden widths all equal to :math:`d_0`, MSE, full-batch L-BFGS from
:math:`W_l\sim\mathcal N(0, 1/\text{fan-in})` until the gradient is below 1e-10 or ``max_iter``
iterations; training error = fraction of :math:`\operatorname{sign}(\text{output}) \ne y`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._checks import positive_int
from ..points import Seed, SweepPoint, SweepTask, check_task, require_task
from ..training import train_mlp

__all__ = ["E1Task", "E1Point", "e1_point", "weights_count"]


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
class E1Task(SweepTask):
    """One E1 run (:func:`e1_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`, an integer >= 1.
    d0 : int
        Input dimension, also the width of every hidden layer, an integer >= 1.
    layers : int
        Number of hidden layers, an integer >= 1.
    seed : int or tuple of int
        Entropy of ``numpy.random.default_rng``, which draws the data, the labels and then the
        initialization (a list is stored as a tuple).
    max_iter : int
        L-BFGS-B's iteration limit, an integer >= 1.

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    """

    n: int
    d0: int
    layers: int
    seed: Seed
    max_iter: int = 5000

    def __post_init__(self) -> None:
        check_task(self, sizes=("n", "d0", "layers", "max_iter"))

    def run(self) -> E1Point:
        """The task's point: :func:`e1_point`."""
        return e1_point(self)


@dataclass(frozen=True)
class E1Point(SweepPoint):
    """One E1 run (:func:`e1_point`): a network of ``layers`` hidden layers of width ``d0`` trained on
    Gaussian data.

    Attributes
    ----------
    n, d0, layers, seed, max_iter
        The task's values (:class:`E1Task`).
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
    seed: Seed
    max_iter: int
    mce: float
    mse: float
    iterations: int
    seconds: float


def e1_point(task: E1Task) -> E1Point:
    """One E1 run: draw the data and the labels, train (:func:`.training.train_mlp`), count the errors.

    Parameters
    ----------
    task : E1Task
        The sizes, the iteration limit and the seed.

    Returns
    -------
    E1Point
        The task's values plus ``mce``, ``mse``, ``iterations`` and ``seconds``.

    Raises
    ------
    TypeError
        If ``task`` is not an :class:`E1Task`.
    ValueError
        From :func:`.training.train_mlp` when the run needs more work than its cap.
    """
    require_task(task, E1Task)
    rng = np.random.default_rng(task.seed)
    X = rng.standard_normal((task.d0, task.n))
    y = rng.choice([-1.0, 1.0], task.n)
    start = time.perf_counter()
    res = train_mlp(X, y, [task.d0] * task.layers, 0.0, rng=rng, max_iter=task.max_iter)
    return E1Point(
        n=task.n,
        d0=task.d0,
        layers=task.layers,
        seed=task.seed,
        max_iter=task.max_iter,
        mce=float(np.mean(np.where(res.output > 0, 1.0, -1.0) != y)),
        mse=res.mse,
        iterations=res.iterations,
        seconds=time.perf_counter() - start,
    )
