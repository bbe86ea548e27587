r"""Theorem 9 and Theorem 10's sweep points: the region of Theorem 8's network at one Gaussian X.

* :class:`GlobalMinimumTask` -> :func:`global_minimum_point`: the lower side of :math:`\log V(G)`, since
  the region of Theorem 8's interpolating network holds a global minimum
  (:math:`V(G)\ge V(\mathcal D_{A^*})`);
* :class:`VolumeRatioTask` -> :func:`volume_ratio_point`: an upper confidence bound on
  :math:`\log(V(L_\epsilon)/V(G))` at one X, from the V2 event's probability and that region.

A point holds its task and the estimators' results as they return them
(:class:`~vanishing_minima.numeric.volumes.RegionLogVolume`,
:class:`~vanishing_minima.numeric.stats.Estimate`).  Volumes are probabilities under the Gaussian measure
of the weights, their logs natural logs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..construction import interpolating_network
from ..khatri_rao import activation_pattern
from ..points import Seed, SweepPoint, SweepTask, check_task, require_task
from ..samplers import sample_bad_region_event
from ..stats import Estimate
from ..volumes import RegionLogVolume, region_log_volume
from .v2_points import SampledTask

__all__ = [
    "GlobalMinimumTask",
    "GlobalMinimumPoint",
    "global_minimum_point",
    "VolumeRatioTask",
    "VolumeRatioPoint",
    "volume_ratio_point",
]


class RegionOfTheNetwork:
    """What a point's ``volume`` (the region of Theorem 8's network, row by row) says at a glance."""

    __slots__ = ()
    volume: RegionLogVolume

    @property
    def neurons(self) -> int:
        """Hidden neurons of Theorem 8's network (one row cone each)."""
        return len(self.volume.rows)

    @property
    def min_margin(self) -> float:
        """The smallest margin over the rows of the region."""
        return float(min(r.margin for r in self.volume.rows))

    @property
    def cap_hits(self) -> tuple[int, ...]:
        """Per row of the network, the samples in the cap that fell in the row's cone."""
        return tuple(r.successes for r in self.volume.rows)


def _interpolating_region(
    rng: np.random.Generator, n: int, d0: int, rho: float, n_samples: int, alpha: float
) -> tuple[np.ndarray, np.ndarray, RegionLogVolume]:
    """Gaussian X, Bernoulli(1/2) labels, and the lower side of the log volume of Theorem 8's network's region."""
    X = rng.standard_normal((d0, n))
    y = rng.integers(0, 2, n).astype(float)
    net = interpolating_network(X, y, rho, rng=rng)
    volume = region_log_volume(
        activation_pattern(net.W, X, rho), X, n_samples=n_samples, rng=rng, alpha=alpha
    )
    return X, y, volume


@dataclass(frozen=True)
class GlobalMinimumTask(SweepTask):
    r"""One instance of the Theorem 9 sweep (:func:`global_minimum_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`, an integer >= 1.
    d0 : int
        Input dimension, an integer >= 1 (the construction needs :math:`d_0 \ge 2`).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU), finite and not 1.
    n_samples : int
        Samples per row cone of the cap-conditioned sampler, an integer >= 1.
    alpha : float
        Error rate of the rigorous lower bound, in (0, 1).
    seed : int or tuple of int
        Entropy of ``numpy.random.default_rng`` for the data, the labels, the network and the sampler.

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    TypeError
        If ``rho`` is not a real number.
    """

    n: int
    d0: int
    rho: float
    n_samples: int
    alpha: float
    seed: Seed

    def __post_init__(self) -> None:
        check_task(self, sizes=("n", "d0", "n_samples"), fractions=("alpha",))

    def run(self) -> GlobalMinimumPoint:
        """The task's point: :func:`global_minimum_point`."""
        return global_minimum_point(self)


@dataclass(frozen=True)
class GlobalMinimumPoint(RegionOfTheNetwork, SweepPoint):
    r"""One instance of the Theorem 9 sweep: the lower side of :math:`\log V(G)` (:func:`global_minimum_point`).

    Attributes
    ----------
    task : GlobalMinimumTask
        The size, the sampler's settings and the seed.
    volume : RegionLogVolume
        The lower side of :math:`\log V(\mathcal D_{A^*})` for the region of Theorem 8's network:
        ``log_inscribed`` (the deterministic inscribed-cap bound), ``log_estimate`` (an estimate of a
        lower side of :math:`\log V(G)`), ``log_lower`` (the rigorous lower confidence bound at error
        ``task.alpha``; ``-inf`` when a row has no hit) and the ``rows``; ``neurons``, ``min_margin`` and
        ``cap_hits`` summarize them.
    """

    task: GlobalMinimumTask
    volume: RegionLogVolume


def global_minimum_point(task: GlobalMinimumTask) -> GlobalMinimumPoint:
    r"""One instance of the Theorem 9 sweep: the lower side of :math:`\log V(G)` at Gaussian :math:`X`.

    Draws :math:`X\sim\mathcal N`, labels Bernoulli(1/2), builds Theorem 8's interpolating network (its
    region holds a global minimum, so :math:`V(G)\ge V(\mathcal D_{A^*})`), and bounds
    :math:`\log V(\mathcal D_{A^*})` from below by cap-conditioned sampling
    (:func:`~vanishing_minima.numeric.volumes.region_log_volume`; the rigorous ``log_lower`` holds with
    probability at least ``1 - alpha``).

    Parameters
    ----------
    task : GlobalMinimumTask
        The size, the sampler's settings and the seed.

    Returns
    -------
    GlobalMinimumPoint
        The task and the region's log volume.

    Raises
    ------
    TypeError
        If ``task`` is not a :class:`GlobalMinimumTask`.
    ValueError
        If a value breaks the constraint of the function it is passed to
        (:func:`~vanishing_minima.numeric.construction.interpolating_network`,
        :func:`~vanishing_minima.numeric.volumes.region_log_volume`), e.g. ``d0 = 1``.
    """
    require_task(task, GlobalMinimumTask)
    rng = np.random.default_rng(task.seed)
    _, _, volume = _interpolating_region(rng, task.n, task.d0, task.rho, task.n_samples, task.alpha)
    return GlobalMinimumPoint(task=task, volume=volume)


@dataclass(frozen=True)
class VolumeRatioTask(SampledTask):
    r"""One instance of the Theorem 10 sweep (:func:`volume_ratio_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`, an integer >= 1.
    d0, d1 : int
        Input dimension and hidden width, integers >= 1 (the construction needs :math:`d_0 \ge 2`).
    eps : float
        The MCE threshold :math:`\epsilon` of the V2 event, in (0, 1).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU), finite and not 1.
    n_samples : int
        Samples of :math:`W` for the V2 event, and per row cone of the cap-conditioned sampler.
    alpha : float
        Joint error rate of the bound (``alpha / 2`` for each side), in (0, 1).
    seed : int or tuple of int
        Entropy of ``numpy.random.default_rng`` for the data, the labels, the network and both samplers.

    Raises
    ------
    ValueError
        If a field breaks the rule above (checked on construction, before any work).
    TypeError
        If ``rho`` is not a real number.
    """

    def run(self) -> VolumeRatioPoint:
        """The task's point: :func:`volume_ratio_point`."""
        return volume_ratio_point(self)


@dataclass(frozen=True)
class VolumeRatioPoint(RegionOfTheNetwork, SweepPoint):
    r"""One instance of the Theorem 10 sweep: a bound on :math:`\log(V(L_\epsilon)/V(G))` (:func:`volume_ratio_point`).

    Attributes
    ----------
    task : VolumeRatioTask
        The size, the samplers' settings and the seed.
    volume : RegionLogVolume
        As in :class:`GlobalMinimumPoint`, at error ``task.alpha / 2``.
    v2 : Estimate
        :math:`\mathbb P_W(\text{V2 event})` at this :math:`X`: ``successes`` of ``trials`` samples of
        :math:`W`, the ``estimate`` and the exact interval ``(lower, upper)`` at error ``task.alpha / 2``
        (linear scale).
    log_ratio_upper : float or None
        :math:`\log p_{\text{upper}} - \log \underline V`, an upper confidence bound on
        :math:`\log(V(L_\epsilon)/V(G))` at error ``task.alpha`` (log scale); ``None`` when the network needs
        more than ``d1`` neurons or ``volume.log_lower`` is not finite.
    """

    task: VolumeRatioTask
    volume: RegionLogVolume
    v2: Estimate
    log_ratio_upper: float | None


def volume_ratio_point(task: VolumeRatioTask) -> VolumeRatioPoint:
    r"""One instance of the Theorem 10 sweep: an upper confidence bound on :math:`V(L_\epsilon)/V(G)` at one :math:`X`.

    At one Gaussian :math:`X` and Bernoulli(1/2) labels: :math:`V(L_\epsilon) \le \mathbb P_W(\text{V2
    event})` (sampled, exact interval at ``alpha / 2``) and :math:`V(G) \ge V(\mathcal D_{A^*})` for
    Theorem 8's network when it needs at most ``d1`` neurons (the other rows are free, with output weight
    0), bounded from below at ``alpha / 2``.  So, with probability at least ``1 - alpha``,
    :math:`\log(V(L_\epsilon)/V(G)) \le \log \bar p - \log \underline V` (``log_ratio_upper``), which is
    ``None`` when the network needs more than ``d1`` neurons.

    Parameters
    ----------
    task : VolumeRatioTask
        The size, the samplers' settings and the seed.

    Returns
    -------
    VolumeRatioPoint
        The task, the region's log volume, the V2 estimate and the bound.

    Raises
    ------
    TypeError
        If ``task`` is not a :class:`VolumeRatioTask`.
    ValueError
        If a value breaks the constraint of the function it is passed to
        (:func:`~vanishing_minima.numeric.samplers.sample_bad_region_event`,
        :func:`~vanishing_minima.numeric.volumes.region_log_volume`), e.g. ``d0 = 1``.
    """
    require_task(task, VolumeRatioTask)
    rng = np.random.default_rng(task.seed)
    alpha = task.alpha / 2
    X, y, volume = _interpolating_region(rng, task.n, task.d0, task.rho, task.n_samples, alpha)
    v2 = sample_bad_region_event(
        X, y, task.d1, task.eps, task.rho, n_samples=task.n_samples, rng=rng, alpha=alpha
    )
    fits = len(volume.rows) <= task.d1 and np.isfinite(volume.log_lower)
    return VolumeRatioPoint(
        task=task,
        volume=volume,
        v2=v2,
        log_ratio_upper=float(math.log(v2.upper) - volume.log_lower) if fits else None,
    )
