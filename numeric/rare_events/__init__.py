r"""Rare-event estimators for Gaussian first layers: the V2 event far below what plain Monte Carlo sees.

One module per job:

* :mod:`.api`: :func:`v2_event_probability`, the V2 event at fixed data (method dispatch, work and
  memory caps)
* :mod:`.score`: :class:`V2Score`, the splitting score :math:`S = m + \tau`, and :math:`m^*`
* :mod:`.estimate`: :class:`RareEventEstimate`, the result of every method
* :mod:`.splitting`: generalized splitting (Botev & Kroese 2012), problem-agnostic
* :mod:`.pilot`: the levels and kernels of generalized splitting, from an independent pilot
* :mod:`.pcn`: the counted score and the pCN kernel with rejection
* :mod:`.budget`: :class:`SplittingBudget` and its memory bound
* :mod:`.intervals`: intervals for :math:`\log p` from iid repetitions (heavy tails included)
* :mod:`.population`: resampling of a particle population
* :mod:`.fixed_effort`: fixed-effort splitting over integer levels of the misclassification count
* :mod:`.dead_points`: the dead-point problem (ReLU) and its exact elliptical moves
* :mod:`.rank_deficit`: the K3-deficit problem (leaky units) and its elliptical slice moves; the bound
  :math:`p\le\mathbb P(\text{K3's certificate fails})`
* :mod:`.monte_carlo`: plain Monte Carlo with the exact Clopper-Pearson interval

A new estimator of the V2 event is a new module: a
:class:`~vanishing_minima.numeric.rare_events.fixed_effort.LevelProblem` (an exact count and an invariant
move) run by :func:`~vanishing_minima.numeric.rare_events.fixed_effort.fixed_effort_splitting`, and its
name in :data:`V2_METHODS`.  The derivations are in ``docs/methods/splitting.md``,
``docs/methods/dead-points.md`` and ``docs/methods/rank-deficit.md``.
"""

from .api import V2_MAX_WORK, V2_METHODS, v2_event_probability
from .budget import SplittingBudget
from .dead_points import DEAD_POINT_DEFAULT_REPETITIONS, dead_point_splitting
from .estimate import RareEventEstimate
from .fixed_effort import FixedEffortRun
from .intervals import INTERVAL_METHODS, log_mean_interval
from .pilot import ACCEPTANCE_TARGET, SplittingPlan, choose_level
from .rank_deficit import RANK_DEFICIT_DEFAULT_REPETITIONS, RankDeficitRun, rank_deficit_splitting
from .score import TIE_BREAKERS, V2Score, misclassification_threshold
from .splitting import SplittingResult, generalized_splitting

__all__ = [
    "v2_event_probability",
    "V2_METHODS",
    "V2_MAX_WORK",
    "V2Score",
    "TIE_BREAKERS",
    "misclassification_threshold",
    "RareEventEstimate",
    "SplittingBudget",
    "SplittingPlan",
    "SplittingResult",
    "generalized_splitting",
    "choose_level",
    "log_mean_interval",
    "INTERVAL_METHODS",
    "ACCEPTANCE_TARGET",
    "FixedEffortRun",
    "dead_point_splitting",
    "DEAD_POINT_DEFAULT_REPETITIONS",
    "RankDeficitRun",
    "rank_deficit_splitting",
    "RANK_DEFICIT_DEFAULT_REPETITIONS",
]
