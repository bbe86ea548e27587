r""":class:`RareEventEstimate`: the V2 event probability with its interval, whatever the estimator.

Built by keyword only; :meth:`RareEventEstimate.from_splitting` and
:meth:`RareEventEstimate.from_fixed_effort` read an engine's result
(:class:`~vanishing_minima.numeric.rare_events.splitting.SplittingResult`,
:class:`~vanishing_minima.numeric.rare_events.fixed_effort.FixedEffortRun`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fixed_effort import FixedEffortRun
from .splitting import SplittingResult

__all__ = ["RareEventEstimate"]


@dataclass(frozen=True, kw_only=True)
class RareEventEstimate:
    r"""The V2 event probability with its interval (:func:`~vanishing_minima.numeric.v2_event_probability`).

    Attributes
    ----------
    log_p : float
        Natural log of the estimate (``-inf`` when it is 0: plain Monte Carlo with no event, or every
        splitting repetition died out).
    log_p_interval : tuple of float
        Interval for :math:`\log p` at confidence ``level``.  ``mc``: the exact Clopper-Pearson interval,
        logged (lower end ``-inf`` when no event is seen).  ``splitting``: from the :math:`R` iid
        repetitions (asymptotic, see :mod:`~vanishing_minima.numeric.rare_events.splitting`); :math:`(-\infty, \log u)`
        with an upper confidence end :math:`u` when not ``reached``.
    level : float
    evaluations : int
        Score evaluations (residuals of random first layers) used.
    method : str
        ``"splitting"``, ``"dead-points"``, ``"rank-deficit"``, ``"rank-bound"`` or ``"mc"``.
    reached : bool
        Whether the estimate is of :math:`p` itself (always for ``mc``); ``False``: only the upper end
        of ``log_p_interval`` is informative (see ``note``).
    repetitions : int
        :math:`R` (``1`` for ``mc``).
    log_estimates : tuple of float
        Per-repetition :math:`\log\hat p_r` (``mc``: the single estimate).
    levels, conditional_probabilities : tuple of float
        The pilot's levels of :math:`S = m + \tau` and its fractions (empty for ``mc``).
    m_star : int
        The event is :math:`m \ge m^*` misclassified points.
    seconds : float
    hits, trials : int
        ``mc``: events and samples.  ``splitting``: samples at the last level and :math:`R n_0`.
    statistic_log_p, statistic_log_interval
        For ``event_statistic`` :math:`h`: :math:`\log` of the estimate of :math:`\mathbb E[h(W)1\{\text{V2}\}]`
        and its interval (``None`` without :math:`h`).
    samples : ndarray or None
        The event samples :math:`W` (``keep_samples``): for ``splitting`` the last level of every
        repetition, dependent and with repeats, with ``sample_log_weights`` (module
        :mod:`~vanishing_minima.numeric.rare_events.splitting`); for ``mc`` the iid event samples (log weight
        :math:`-\log n`).
    sample_log_weights, sample_repetition : ndarray or None
    tie_breaker : str
    note : str
    details : SplittingResult or FixedEffortRun or None
        The engine's full result (``splitting``, ``dead-points``, ``rank-deficit``).
    certificate_log_p, certificate_log_interval : float or None, tuple of float or None
        ``rank-deficit`` and ``rank-bound`` only: log of the estimate of :math:`\mathbb P(L\ge1)`, the
        probability that K3's certificate of full column rank fails, and its interval at ``level``.  For
        :math:`X` in general position :math:`p\le\mathbb P(L\ge1)`, so the upper end bounds :math:`p` at
        that level whether or not the event was ``reached`` (``None`` for the other methods).
    """

    log_p: float
    log_p_interval: tuple[float, float]
    level: float
    evaluations: int
    method: str
    reached: bool
    repetitions: int
    log_estimates: tuple[float, ...]
    levels: tuple[float, ...]
    conditional_probabilities: tuple[float, ...]
    m_star: int
    seconds: float
    hits: int
    trials: int
    statistic_log_p: float | None
    statistic_log_interval: tuple[float, float] | None
    samples: np.ndarray | None
    sample_log_weights: np.ndarray | None
    sample_repetition: np.ndarray | None
    tie_breaker: str
    note: str
    details: SplittingResult | FixedEffortRun | None = None
    certificate_log_p: float | None = None
    certificate_log_interval: tuple[float, float] | None = None

    def contains(self, log_value: float) -> bool:
        """Whether ``log_value`` lies in ``log_p_interval``."""
        return self.log_p_interval[0] <= log_value <= self.log_p_interval[1]

    @classmethod
    def from_splitting(
        cls, result: SplittingResult, *, m_star: int, tie_breaker: str, seconds: float
    ) -> RareEventEstimate:
        r"""The estimate of a generalized-splitting run on the score :math:`S = m + \tau` (threshold
        ``m_star``): its levels are the plan's, ``hits`` its final samples, ``trials`` :math:`R n_0`."""
        return cls(
            log_p=result.log_p,
            log_p_interval=result.log_p_interval,
            level=result.level,
            evaluations=result.evaluations,
            method="splitting",
            reached=result.reached,
            repetitions=result.repetitions,
            log_estimates=result.log_estimates,
            levels=result.plan.levels,
            conditional_probabilities=result.plan.conditional_probabilities,
            m_star=m_star,
            seconds=seconds,
            hits=int(sum(result.final_counts)),
            trials=result.repetitions * result.n0,
            statistic_log_p=result.statistic_log,
            statistic_log_interval=result.statistic_log_interval,
            samples=result.samples,
            sample_log_weights=result.sample_log_weights,
            sample_repetition=result.sample_repetition,
            tie_breaker=tie_breaker,
            note=result.note,
            details=result,
        )

    @classmethod
    def from_fixed_effort(
        cls, run: FixedEffortRun, *, method: str, m_star: int, seconds: float
    ) -> RareEventEstimate:
        """The estimate of a fixed-effort run over the integer levels 1..``m_star`` (``method``, e.g.
        ``"dead-points"``): reached when some repetition is positive; no tie-breaker."""
        return cls(
            log_p=run.log_p,
            log_p_interval=run.log_p_interval,
            level=run.level,
            evaluations=run.evaluations,
            method=method,
            reached=bool(np.any(np.isfinite(run.log_estimates))),
            repetitions=run.repetitions,
            log_estimates=run.log_estimates,
            levels=tuple(float(k) for k in range(1, m_star + 1))[: len(run.level_fractions)],
            conditional_probabilities=run.level_fractions,
            m_star=m_star,
            seconds=seconds,
            hits=int(sum(run.final_counts)),
            trials=run.trials,
            statistic_log_p=run.statistic_log,
            statistic_log_interval=run.statistic_log_interval,
            samples=run.samples,
            sample_log_weights=run.sample_log_weights,
            sample_repetition=run.sample_repetition,
            tie_breaker="none",
            note=run.note,
            details=run,
        )
