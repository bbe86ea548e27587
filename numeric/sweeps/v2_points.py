r"""Theorem 6's sweep points: the V2 event's probability at one size along a family, from a frozen task.

Two estimators, two task types:

* :class:`V2EventTask` -> :func:`v2_event_point`: plain Monte Carlo over independent pairs
  :math:`(X, W)`, an estimate of :math:`p = \mathbb E_X\mathbb P_W(\text{V2 event})` with its exact
  interval;
* :class:`RareEventTask` -> :func:`v2_splitting_point`: :math:`\mathbb P_W(\text{V2 event})` at one
  Gaussian :math:`X` by a rare-event estimator (generalized splitting or dead points), optionally with the
  event regions decided by K6 (:math:`V(L_\epsilon)`).

A point holds its task and the estimator's result as the estimator returns it
(:class:`~vanishing_minima.numeric.stats.Estimate`,
:class:`~vanishing_minima.numeric.rare_events.RareEventEstimate`,
:class:`~vanishing_minima.numeric.bad_regions.BadRegionEstimate`): nothing is copied or renamed on the way
to the evidence.  Tasks carry their own seeds, so a point is the same on every executor.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

import numpy as np

from .._checks import positive_int
from ..bad_regions import BadRegionEstimate, bad_region_probability
from ..points import Seed, SweepPoint, SweepTask, check_task, require_task
from ..rare_events import RareEventEstimate, SplittingBudget, v2_event_probability
from ..samplers import sample_bad_region_event_over_data
from ..stats import Estimate

__all__ = [
    "SampledTask",
    "V2EventTask",
    "V2EventPoint",
    "v2_event_point",
    "RareEventTask",
    "V2SplittingPoint",
    "v2_splitting_point",
    "RARE_EVENT_METHODS",
]

#: The rare-event estimators of :class:`RareEventTask` (the ``method`` of :func:`v2_event_probability`).
RARE_EVENT_METHODS = ("splitting", "dead-points", "rank-deficit", "rank-bound")


@dataclass(frozen=True)
class SampledTask(SweepTask):
    r"""The fields of a task that samples at one size of the family: :class:`V2EventTask`,
    :class:`~vanishing_minima.numeric.sweeps.volume_points.VolumeRatioTask` (which say what each means).

    Raises
    ------
    ValueError
        If ``n``, ``d0``, ``d1`` or ``n_samples`` is not an integer >= 1, ``eps`` or ``alpha`` is not in
        (0, 1), ``rho`` is 1 or not finite, or ``seed`` is not an entropy (checked on construction).
    TypeError
        If ``rho`` is not a real number.
    """

    n: int
    d0: int
    d1: int
    eps: float
    rho: float
    n_samples: int
    alpha: float
    seed: Seed

    def __post_init__(self) -> None:
        check_task(self, sizes=("n", "d0", "d1", "n_samples"), fractions=("eps", "alpha"))


@dataclass(frozen=True)
class V2EventTask(SampledTask):
    r"""One size of the Theorem 6 sweep by plain Monte Carlo over :math:`(X, W)` (:func:`v2_event_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`, an integer >= 1.
    d0, d1 : int
        Input dimension and hidden width, integers >= 1.
    eps : float
        The MCE threshold :math:`\epsilon` of the V2 event, in (0, 1).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU), finite and not 1.
    n_samples : int
        Independent pairs :math:`(X, W)` to draw, an integer >= 1.
    alpha : float
        Error rate of the exact (Clopper-Pearson) interval, in (0, 1).
    seed : int or tuple of int
        The entropy of ``numpy.random.default_rng`` for the labels and the pairs (a list is stored as a
        tuple).

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    TypeError
        If ``rho`` is not a real number.
    """

    def run(self) -> V2EventPoint:
        """The task's point: :func:`v2_event_point`."""
        return v2_event_point(self)


@dataclass(frozen=True)
class V2EventPoint(SweepPoint):
    r"""One size of the Theorem 6 sweep by plain Monte Carlo over :math:`(X, W)` (:func:`v2_event_point`).

    Attributes
    ----------
    task : V2EventTask
        The size, the settings and the seed.
    v2 : Estimate
        The estimate of :math:`p = \mathbb E_X\mathbb P_W(\text{V2 event})` (linear scale): ``successes``
        pairs of ``trials`` had the V2 event (:math:`\mathrm{MCE}(e_{a(WX)}) > \epsilon`), ``estimate`` is
        their fraction and ``(lower, upper)`` the exact interval at error ``alpha``.
    """

    task: V2EventTask
    v2: Estimate


def v2_event_point(task: V2EventTask) -> V2EventPoint:
    r"""One size of the Theorem 6 sweep: :math:`\mathbb E_X\mathbb P_W(\mathrm{MCE}(e_{a(WX)}) > \epsilon)`.

    The labels are one fixed Bernoulli(1/2) draw from the task's generator (Theorem 6 is for fixed
    labels), then ``n_samples`` independent pairs :math:`(X, W)`
    (:func:`~vanishing_minima.numeric.samplers.sample_bad_region_event_over_data`).

    Parameters
    ----------
    task : V2EventTask
        The size, the sampler's settings and the seed.

    Returns
    -------
    V2EventPoint
        The task and the estimate.

    Raises
    ------
    TypeError
        If ``task`` is not a :class:`V2EventTask`.
    ValueError
        If the sampler refuses the work (its ``max_work``).
    """
    require_task(task, V2EventTask)
    rng = np.random.default_rng(task.seed)
    y = rng.integers(0, 2, task.n).astype(float)
    v2 = sample_bad_region_event_over_data(
        y,
        task.d0,
        task.d1,
        task.eps,
        task.rho,
        n_samples=task.n_samples,
        rng=rng,
        alpha=task.alpha,
    )
    return V2EventPoint(task=task, v2=v2)


@dataclass(frozen=True)
class RareEventTask(SweepTask):
    r"""One data draw of the Theorem 6 sweep beyond plain Monte Carlo (:func:`v2_splitting_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`, an integer >= 1.
    d0, d1 : int
        Input dimension and hidden width, integers >= 1.
    eps : float
        The MCE threshold :math:`\epsilon` of the V2 event, in (0, 1).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU), finite and not 1.
    budget : int
        The run's allowance of score evaluations, an integer >= 1.
    level : float
        Confidence level of the run's interval (and of the bound on :math:`V(L_\epsilon)`), in (0, 1).
    label_seed : int or tuple of int
        Entropy of the labels (one Bernoulli(1/2) draw per N: Theorem 6 is for fixed labels).
    seed : int or tuple of int
        Entropy of this draw's :math:`X` and of the run.
    draw : int
        Index of this X draw at its N, an integer >= 0 (a label of the run: the draw itself is ``seed``'s).
    method : {"splitting", "dead-points", "rank-deficit", "rank-bound"}
        The estimator of :func:`~vanishing_minima.numeric.rare_events.v2_event_probability`: generalized
        splitting on the certified residual, fixed-effort splitting with elliptical moves (ReLU,
        :math:`d_0 d_1 \ge N`), or fixed-effort splitting over K3's rank deficit (leaky units; to the event,
        or to K3's certificate only: the bound :math:`p\le\mathbb P(L\ge1)`).
    dlm : bool or {"all", "units"}
        Whether the event regions are also decided by K6
        (:func:`~vanishing_minima.numeric.bad_regions.bad_region_probability`): ``False``; ``True`` or
        ``"all"`` (every distinct event region); ``"units"`` (only the samples of the bound's units).
    moves : int or None
        Elliptical moves per level of the dead-point estimator (an integer >= 1; the rest of the budget is
        particles), or ``None`` for the estimator's default (2 d1).
    repetitions : int
        Independent repetitions when ``moves`` is given, an integer >= 1.

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    TypeError
        If ``rho`` is not a real number.
    """

    n: int
    d0: int
    d1: int
    eps: float
    rho: float
    budget: int
    level: float
    label_seed: Seed
    seed: Seed
    draw: int = 0
    method: str = "splitting"
    dlm: bool | str = False
    moves: int | None = None
    repetitions: int = 10

    def __post_init__(self) -> None:
        check_task(
            self,
            sizes=("n", "d0", "d1", "budget", "repetitions"),
            fractions=("eps", "level"),
            seeds=("label_seed", "seed"),
        )
        if (
            isinstance(self.draw, bool)
            or not isinstance(self.draw, numbers.Integral)
            or self.draw < 0
        ):
            raise ValueError(f"draw must be an integer >= 0; got {self.draw!r}")
        if self.method not in RARE_EVENT_METHODS:
            raise ValueError(f"method must be one of {RARE_EVENT_METHODS}; got {self.method!r}")
        if not (isinstance(self.dlm, bool) or self.dlm in ("all", "units")):
            raise ValueError(f"dlm must be False, True, 'all' or 'units'; got {self.dlm!r}")
        if self.moves is not None:
            positive_int("moves", self.moves)

    def run(self) -> V2SplittingPoint:
        """The task's point: :func:`v2_splitting_point`."""
        return v2_splitting_point(self)


@dataclass(frozen=True)
class V2SplittingPoint(SweepPoint):
    r"""One data draw of the Theorem 6 sweep by a rare-event estimator (:func:`v2_splitting_point`).

    Attributes
    ----------
    task : RareEventTask
        The size, the estimator's settings and the seeds.
    v2 : RareEventEstimate
        The run's estimate of :math:`p = \mathbb P_W(\text{V2 event})` at this :math:`X`, as
        :func:`~vanishing_minima.numeric.rare_events.v2_event_probability` returns it without the event
        samples and the engine's full result: ``log_p`` and ``log_p_interval`` (natural logs, at
        ``task.level``), ``reached``, ``evaluations``, ``seconds``, ``m_star``, ``note``, ...
    k6 : BadRegionEstimate or None
        With ``task.dlm``: the event regions decided by K6 and the bound on :math:`V(L_\epsilon)`
        (``regions``, ``with_dlm``, ``units``, ``unit_hits``, ``log_v_upper``, ``seconds``, ``note``, ...;
        its ``v2`` is ``v2``); ``None`` without.
    """

    task: RareEventTask
    v2: RareEventEstimate
    k6: BadRegionEstimate | None = None


def _budget(task: RareEventTask) -> int | SplittingBudget:
    """The run's budget: the evaluations, or with ``moves`` the dead-point population's settings."""
    if task.moves is None:
        return task.budget
    return SplittingBudget(
        evaluations=task.budget, repetitions=task.repetitions, moves_per_step=task.moves
    )


def _summary(estimate: RareEventEstimate) -> RareEventEstimate:
    """The estimate without its event samples and the engine's full result (arrays a point does not keep)."""
    return dataclasses.replace(
        estimate, samples=None, sample_log_weights=None, sample_repetition=None, details=None
    )


def v2_splitting_point(task: RareEventTask) -> V2SplittingPoint:
    r"""One data draw of the Theorem 6 sweep beyond plain Monte Carlo: :math:`\mathbb P_W(\text{V2 event})` at fixed X.

    The labels are one Bernoulli(1/2) draw from ``task.label_seed`` (the same for every draw of a size);
    :math:`X\sim\mathcal N` and the run draw from ``task.seed``.  Estimated by
    :func:`~vanishing_minima.numeric.rare_events.v2_event_probability` with at most ``task.budget`` score
    evaluations and ``task.method``; with ``task.dlm`` by
    :func:`~vanishing_minima.numeric.bad_regions.bad_region_probability` (the same V2 numbers, and the
    event regions decided by K6 for :math:`V(L_\epsilon)`).

    Parameters
    ----------
    task : RareEventTask
        The size, the estimator's settings and the seeds.

    Returns
    -------
    V2SplittingPoint
        The task, the run's estimate and, with ``task.dlm``, the K6 decisions.

    Raises
    ------
    TypeError
        If ``task`` is not a :class:`RareEventTask`.
    ValueError
        If the estimator refuses the task (a constraint of
        :func:`~vanishing_minima.numeric.rare_events.v2_event_probability`, e.g. the dead-point
        estimator with :math:`d_0 d_1 < N`).
    """
    require_task(task, RareEventTask)
    y = np.random.default_rng(task.label_seed).integers(0, 2, task.n).astype(float)
    rng = np.random.default_rng(task.seed)
    X = rng.standard_normal((task.d0, task.n))
    args = dict(eps=task.eps, rho=task.rho, rng=rng, budget=_budget(task), method=task.method)
    if not task.dlm:
        res = v2_event_probability(X, y, task.d1, level=task.level, **args)
        return V2SplittingPoint(task=task, v2=_summary(res))
    decide = "all" if task.dlm is True else task.dlm
    bad = bad_region_probability(X, y, task.d1, level=task.level, decide=decide, **args)
    v2 = _summary(bad.v2)
    return V2SplittingPoint(task=task, v2=v2, k6=dataclasses.replace(bad, v2=v2))
