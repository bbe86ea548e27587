r"""Generalized splitting (Botev & Kroese 2012) for Gaussian rare events :math:`p = \mathbb P(S(W)\ge\gamma)`.

Problem-agnostic: :math:`W\sim\mathcal N(0, I)` of any shape, :math:`S` a user score evaluated on batches
(``score(W_batch) -> (B,)``, ``W_batch`` of shape ``(B, *shape)``), :math:`\gamma` the threshold.

The estimator (Botev & Kroese, *Efficient Monte Carlo simulation via the generalized splitting method*,
Statistics and Computing 22, 2012, Algorithm "GS" with fixed levels)
---------------------------------------------------------------------------------------------------
Levels :math:`\gamma_1<\dots<\gamma_T=\gamma`, splitting factors :math:`s_1,\dots,s_{T-1}>0` and, for each
level :math:`t<T`, a Markov kernel :math:`K_t` that leaves :math:`f_t = \mathcal N(0,I)` restricted to
:math:`\{S\ge\gamma_t\}` invariant.  One repetition:

1. draw :math:`n_0` iid :math:`W\sim\mathcal N(0,I)`; the population :math:`\mathcal X_1` is those with
   :math:`S\ge\gamma_1`;
2. for :math:`t = 1,\dots,T-1`: every :math:`Y_0\in\mathcal X_t` starts a chain
   :math:`Y_j\sim K_t(Y_{j-1},\cdot)`, :math:`j = 1,\dots,L`, with :math:`L=\lfloor s_t\rfloor + B`,
   :math:`B\sim\mathrm{Bernoulli}(s_t-\lfloor s_t\rfloor)` drawn independently of everything else
   (randomized rounding, :math:`\mathbb E L = s_t`); each :math:`Y_j` with :math:`S(Y_j)\ge\gamma_{t+1}`
   joins :math:`\mathcal X_{t+1}`;
3. return :math:`\hat p = w\,|\mathcal X_T| / (n_0\prod_t s_t)` (:math:`w = 1` without thinning, below).

*Unbiasedness.*  Let :math:`\mu_t(h) = \mathbb E\sum_{Y\in\mathcal X_t} h(Y)` and
:math:`\ell_t = \mathbb P(S\ge\gamma_t)`.  Claim: :math:`\mu_t = n_0\big(\prod_{k<t}s_k\big)\,\ell_t\,f_t` as
measures.  It holds at :math:`t = 1`.  If it holds at :math:`t`, then, :math:`L` being independent of the
chain and :math:`f_tK_t^j = f_t`,

.. math:: \mu_{t+1}(h) = \sum_{j\ge1}\mathbb P(L\ge j)\,\mu_t\big(K_t^j(h1_{t+1})\big)
          = s_t\,n_0\Big(\prod_{k<t}s_k\Big)\ell_t f_t(h1_{t+1}) = n_0\Big(\prod_{k\le t}s_k\Big)\ell_{t+1}f_{t+1}(h),

since :math:`\ell_t f_t(h1_{t+1}) = \mathbb E[h(W)1\{S\ge\gamma_{t+1}\}] = \ell_{t+1}f_{t+1}(h)`.  At :math:`t = T`
with :math:`h = 1` this is :math:`\mathbb E\hat p = p`; with any :math:`h` the weighted sum of :math:`h` over
:math:`\mathcal X_T` is unbiased for :math:`\mathbb E[h(W)1\{S\ge\gamma\}]` (``statistic``).  Only
*invariance* is used: the chains need not mix, be independent or start in stationarity individually;
poor mixing costs variance, never bias (but see *Repetitions and the interval*: a heavy-tailed
estimator makes every interval from few repetitions unreliable).  A repetition that dies out
(:math:`\mathcal X_t=\emptyset`) returns :math:`\hat p = 0`, a valid value of the unbiased estimator, and is
kept.

*Population cap (thinning).*  To make ``budget`` a hard maximum, a repetition whose population at
level :math:`t` exceeds :math:`K` keeps a uniformly random subset of :math:`K` of its :math:`N_t` members and
multiplies its weight :math:`w` by :math:`N_t/K`; each member is kept with probability :math:`K/N_t`, so
:math:`\mathbb E` of the weighted sum is unchanged (unbiased).  :math:`K = \lceil`
``cap_factor`` :math:`\cdot n_0\hat\ell_1\rceil`, about ``cap_factor`` times the expected population.

The kernel: preconditioned Crank-Nicolson with rejection
---------------------------------------------------------
:math:`W' = cW + \sqrt{1-c^2}\,Z`, :math:`Z\sim\mathcal N(0,I)`, is reversible with respect to
:math:`\mathcal N(0,I)`; accepting :math:`W'` iff :math:`S(W')\ge\gamma_t` (else staying at :math:`W`) is the
Metropolis-Hastings kernel for :math:`\mathcal N(0,I)` restricted to :math:`\{S\ge\gamma_t\}`, so it leaves
:math:`f_t` invariant exactly.  With ``block_axis`` set, the move touches one index along that axis of
the sample (e.g. one row of a weight matrix), chosen uniformly at random independently of the state: a
random-scan mixture of reversible block kernels, itself reversible.  ``moves_per_step`` applications
make one chain step (still :math:`f_t`-invariant).  :math:`c` is fixed per level, taken from the pilot.

The pilot (adaptive levels), independent of the estimate
----------------------------------------------------------
An independent population of ``pilot_size`` (its own random stream):

* draw it iid, score it; the next level is chosen among the *observed* distinct score values
  :math:`v > \gamma_{t-1}` (:func:`choose_level`): the one whose empirical survival fraction
  :math:`\#\{S\ge v\}/n` is closest in log to ``target`` (0.2), among those with at least
  ``max(5, n/50)`` survivors.  Atoms (ties) are handled exactly because the fraction counts
  :math:`S\ge v` with the atom included, and a threshold equal to the previous level is never chosen
  (strictly increasing levels, so an atom at :math:`\gamma_{t-1}` can never give a conditional
  probability of ~1), while the minimum survivor count keeps it away from ~0 unless no other
  threshold exists (then the smallest value above the previous level is used).  If at least
  ``target / 2`` of the population already has :math:`S\ge\gamma`, the next level is :math:`\gamma` (the last);
* the survivors are cloned back to ``pilot_size`` and moved ``pilot_moves`` times by the kernel of the
  new level; :math:`c` is adapted after each move towards acceptance rate 0.3 (Robbins-Monro on
  :math:`\log\sqrt{1-c^2}`); the final :math:`c` is the level's;
* repeat until the level :math:`\gamma` is chosen, or the pilot's share of the budget is spent, or the
  population cannot rise above an atom (``reached = False``).

The pilot's conditional fractions :math:`\hat p_t` give the splitting factors :math:`s_t = 1/\hat p_{t+1}`
(Botev & Kroese's choice: an expected population that neither grows nor shrinks).  Pilot estimates
only set the plan: they are not used in the estimate, which is unbiased *given* the plan.

Repetitions and the interval
-----------------------------
:math:`R` independent repetitions with the fixed plan give iid unbiased :math:`\hat p_r`; the estimate is
their mean :math:`\bar p`.  The interval for :math:`\log p` is built from the :math:`R` values only (never
from one run's internal spread).  ``interval="log-t"`` (default): the delta method on the log of the
mean, :math:`\log\bar p \pm t_{R-1,(1+\text{level})/2}\;\widehat{se}/\bar p`, with
:math:`\widehat{se}` the sample standard deviation of the :math:`\hat p_r` over :math:`\sqrt R`;
``interval="t"``: the Student-t interval for the mean, logged (its lower end is :math:`-\infty` when it
crosses 0).  Both are asymptotic in :math:`R` (central limit theorem for the mean of iid variables with
finite variance): their coverage is measured, not guaranteed; see the tests and the README for the
measured coverage that chose the default.

Budget
------
``budget`` is a hard maximum of score evaluations (int), or a :class:`SplittingBudget`.  The pilot may
spend ``pilot_fraction`` of it; :math:`n_0` is then the largest value whose *worst-case* cost (every
level's population at its cap) for :math:`R` repetitions fits in what is left, so the total never exceeds
the budget; the typical use is well below it (reported as ``evaluations``).  If the pilot cannot reach
:math:`\gamma`, the repetitions run with the levels it did reach, :math:`\gamma_1<\dots<\gamma_k<\gamma`,
and the result has ``reached = False`` and an upper bound: :math:`p\le\ell_k=\mathbb P(S\ge\gamma_k)`, and
``log_p_interval`` is :math:`(-\infty, \log u)` with :math:`u` the upper end of the same interval for
:math:`\ell_k` from the :math:`R` repetitions.  Its ``log_p`` is still an unbiased estimate of :math:`p` (the
final samples with :math:`S\ge\gamma`, usually none: :math:`-\infty`), flagged by ``reached = False``.

Reproducibility
---------------
``rng`` (a Generator or an int seed; ``None`` refused) is split into two streams, pilot and repetitions;
every random array is drawn for the whole population at once, in a fixed order, and ``batch`` only
chunks the calls to ``score``; so the numbers do not depend on ``batch`` (tested).
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
from scipy import stats as sps

from ._checks import as_generator, check_memory, positive_int
from .stats import clopper_pearson

__all__ = [
    "SplittingBudget",
    "SplittingPlan",
    "SplittingResult",
    "generalized_splitting",
    "choose_level",
    "log_mean_interval",
    "INTERVAL_METHODS",
    "ACCEPTANCE_TARGET",
]

#: Interval methods for log p from R iid repetitions (see :func:`log_mean_interval`).
INTERVAL_METHODS = ("log-t", "t", "lognormal")
#: Acceptance rate the pilot tunes the pCN constant towards.
ACCEPTANCE_TARGET = 0.3
_MAX_LEVELS = 400
_STALL_ROUNDS = 50


# --- budget, plan, result ------------------------------------------------------------------------
@dataclass(frozen=True)
class SplittingBudget:
    r"""How much work :func:`generalized_splitting` may do.

    Attributes
    ----------
    evaluations : int or None
        Hard maximum of score evaluations, pilot included.  ``None``: no maximum (then ``n0`` is needed).
    n0 : int or None
        Initial samples per repetition.  ``None``: the largest that fits ``evaluations`` (worst case).
    repetitions : int
        :math:`R \ge 2`, the number of independent GS runs the interval is built from.
    pilot_size : int or None
        Population of the pilot.  ``None``: ``clip(evaluations // 500, 100, 500)`` (500 without a maximum).
    pilot_fraction : float
        Share of ``evaluations`` the pilot may spend, in (0, 1).
    pilot_moves : int
        Kernel steps per level in the pilot (also the steps of the pCN adaptation).
    moves_per_step : int
        Kernel applications per chain step, in the pilot and the repetitions.
    cap_factor : float
        Population cap per repetition and level, in multiples of the expected population
        :math:`n_0\hat\ell_1` (``>= 1``); see the module docstring (thinning).
    """

    evaluations: int | None = None
    n0: int | None = None
    repetitions: int = 20
    pilot_size: int | None = None
    pilot_fraction: float = 0.3
    pilot_moves: int = 4
    moves_per_step: int = 1
    cap_factor: float = 2.0

    def __post_init__(self) -> None:
        if self.evaluations is None and self.n0 is None:
            raise ValueError(
                "budget needs evaluations (a maximum) or n0 (samples per repetition); got neither"
            )
        for name in ("evaluations", "n0", "pilot_size"):
            value = getattr(self, name)
            if value is not None:
                positive_int(f"budget.{name}", value)
        if positive_int("budget.repetitions", self.repetitions) < 2:
            raise ValueError(
                f"budget.repetitions must be >= 2 (the interval needs a spread); got {self.repetitions}"
            )
        positive_int("budget.pilot_moves", self.pilot_moves)
        positive_int("budget.moves_per_step", self.moves_per_step)
        if not 0 < float(self.pilot_fraction) < 1:
            raise ValueError(f"budget.pilot_fraction must lie in (0, 1); got {self.pilot_fraction}")
        if not float(self.cap_factor) >= 1:
            raise ValueError(f"budget.cap_factor must be >= 1; got {self.cap_factor}")

    @property
    def resolved_pilot_size(self) -> int:
        if self.pilot_size is not None:
            return int(self.pilot_size)
        if self.evaluations is None:
            return 500
        return int(min(500, max(100, self.evaluations // 500)))

    @property
    def pilot_cap(self) -> int | None:
        return None if self.evaluations is None else int(self.pilot_fraction * self.evaluations)


def _as_budget(budget: Any) -> SplittingBudget:
    if isinstance(budget, SplittingBudget):
        return budget
    if isinstance(budget, (bool, np.bool_)) or not isinstance(
        budget, (numbers.Integral, np.integer)
    ):
        raise ValueError(
            f"budget must be a positive integer (maximum score evaluations) or a SplittingBudget; "
            f"got {budget!r}"
        )
    if budget < 1:
        raise ValueError(
            f"budget must be a positive integer (maximum score evaluations); got {budget}"
        )
    return SplittingBudget(evaluations=int(budget))


def _population_bound(budget: SplittingBudget) -> int:
    """The most samples a run may hold at once: every sample held was evaluated, so at most
    ``evaluations`` (and ``pilot_size``); without a maximum, the repetitions' first draw, ``repetitions * n0``
    (the later levels' populations are not known before the pilot)."""
    if budget.evaluations is not None:
        held = (
            budget.evaluations
            if budget.n0 is None
            else min(budget.evaluations, budget.repetitions * budget.n0)
        )
    else:
        held = budget.repetitions * budget.n0
    return max(int(held), budget.resolved_pilot_size)


def _check_population_memory(budget: SplittingBudget, shape: tuple[int, ...], max_memory) -> None:
    """Refuse a budget whose population, two float64 copies of it (the repetitions' first draw and its
    survivors), would exceed ``max_memory`` bytes."""
    held = _population_bound(budget)
    check_memory(
        f"generalized splitting with budget evaluations = {budget.evaluations}, n0 = {budget.n0}, "
        f"repetitions = {budget.repetitions} (up to {held} samples of shape {shape}, two copies)",
        2.0 * 8.0 * held * math.prod(shape),
        max_memory,
    )


@dataclass(frozen=True)
class SplittingPlan:
    r"""Fixed levels and kernels for the GS repetitions, from the pilot (or given by the user).

    Attributes
    ----------
    levels : tuple of float
        :math:`\gamma_1<\dots<\gamma_T`; :math:`\gamma_T = \gamma` when ``reached``.
    conditional_probabilities : tuple of float
        The pilot's fractions :math:`\hat\ell_1, \hat p_2, \dots, \hat p_T` (:math:`\hat p_t` estimates
        :math:`\mathbb P(S\ge\gamma_t\mid S\ge\gamma_{t-1})`).
    pcn_c : tuple of float
        The pCN constant :math:`c_t` of the kernel at levels :math:`1,\dots,T-1`.
    acceptance : tuple of float
        The pilot's last acceptance rate at each of those levels.
    reached : bool
        Whether the last level is the target :math:`\gamma`.
    evaluations : int
        Score evaluations the pilot spent (0 for a user plan).
    iid_hits, iid_trials : int
        Samples with :math:`S\ge\gamma` among the pilot's first, iid, population (an exact binomial count).
    """

    levels: tuple[float, ...]
    conditional_probabilities: tuple[float, ...]
    pcn_c: tuple[float, ...]
    acceptance: tuple[float, ...] = ()
    reached: bool = True
    evaluations: int = 0
    iid_hits: int = 0
    iid_trials: int = 0

    def __post_init__(self) -> None:
        T = len(self.levels)
        if T < 1 or len(self.conditional_probabilities) != T or len(self.pcn_c) != T - 1:
            raise ValueError(
                f"plan needs T >= 1 levels, T conditional probabilities and T - 1 pCN constants; got "
                f"{T}, {len(self.conditional_probabilities)}, {len(self.pcn_c)}"
            )
        if any(not b > a for a, b in zip(self.levels, self.levels[1:])):
            raise ValueError(f"plan levels must increase strictly; got {self.levels}")
        if any(not 0 < q <= 1 for q in self.conditional_probabilities):
            raise ValueError(
                f"plan conditional probabilities must lie in (0, 1]; got {self.conditional_probabilities}"
            )
        if any(not 0 <= c < 1 for c in self.pcn_c):
            raise ValueError(f"plan pCN constants must lie in [0, 1); got {self.pcn_c}")

    @property
    def splitting_factors(self) -> tuple[float, ...]:
        r""":math:`s_t = 1/\hat p_{t+1}`, :math:`t = 1,\dots,T-1`."""
        return tuple(1.0 / q for q in self.conditional_probabilities[1:])

    @property
    def log_probability(self) -> float:
        """The pilot's (biased, plan-only) estimate of log P(S >= last level): the sum of the logged fractions."""
        return float(np.sum(np.log(self.conditional_probabilities)))


@dataclass(frozen=True)
class SplittingResult:
    r"""Outcome of :func:`generalized_splitting`.

    Attributes
    ----------
    log_p : float
        :math:`\log\bar p`, the log of the mean of the repetitions' unbiased estimates (``-inf`` if all
        are 0).
    log_p_interval : tuple of float
        Interval for :math:`\log p` at confidence ``level`` from the :math:`R` repetitions
        (``interval_method``); :math:`(-\infty, \log u)` when not ``reached`` or when every repetition
        returned 0 (:math:`u` an upper confidence end for the probability of the deepest level reached,
        see ``note``).
    level : float
        Confidence level of the intervals.
    reached : bool
        Whether the plan's last level is :math:`\gamma` and the repetitions ran.
    log_estimates : tuple of float
        :math:`\log\hat p_r` per repetition (``-inf`` for a repetition that died out).
    repetitions, n0 : int
    evaluations : int
        Score evaluations in all (pilot and repetitions).
    pilot_evaluations : int
    plan : SplittingPlan
    level_log_estimates : ndarray, shape (R, T)
        :math:`\log` of each repetition's unbiased estimate of :math:`\mathbb P(S\ge\gamma_t)` at every level.
    statistic_log : float or None
        :math:`\log` of the estimate of :math:`\mathbb E[h(W)1\{S\ge\gamma\}]` (``statistic``; :math:`h\ge0`
        for the log).
    statistic_estimate : float or None
        The same on the linear scale (any real :math:`h`).
    statistic_log_interval : tuple of float or None
    samples : ndarray or None
        The final-level samples of all repetitions (``keep_samples``), shape ``(M, *shape)``.
    sample_scores, sample_log_weights : ndarray or None
        Their scores, and log weights such that the sum of ``exp(log_weight) * h`` over repetition
        ``r``'s samples is its unbiased estimate of :math:`\mathbb E[h1\{S\ge\gamma\}]` (average the
        :math:`R` sums).
    sample_repetition : ndarray of int or None
    interval_method : str
    final_counts : tuple of int
        Samples at the last level per repetition (when not ``reached``: those with :math:`S\ge\gamma`).
    log_p_upper_exact : float
        An exact upper confidence bound on :math:`\log p` at ``level`` (one-sided Clopper-Pearson) from
        the iid draws alone (the pilot's first population and every repetition's :math:`n_0` draws,
        counting :math:`S\ge\gamma`): valid whatever the chains do, but no smaller than about
        :math:`\log(3/\text{draws})`.
    max_share : float
        The largest repetition's share of :math:`\sum_r\hat p_r`.  Heavy-tailed repetitions (share above
        0.5, or more than half of them 0) make the central-limit interval under-cover; the interval is then
        the conservative one: :math:`\log\hat p + \log\tfrac{1-\text{level}}2` below (Markov's inequality
        on the unbiased :math:`\hat p`) and the exact one-sided Clopper-Pearson bound of the iid draws above
        (or the central-limit upper end if larger), each at error :math:`(1-\text{level})/2` (the note says so).
    seconds : float
    note : str
        How the numbers were obtained, and any caveat (not reached, repetitions that died out).
    """

    log_p: float
    log_p_interval: tuple[float, float]
    level: float
    reached: bool
    log_estimates: tuple[float, ...]
    repetitions: int
    n0: int
    evaluations: int
    pilot_evaluations: int
    plan: SplittingPlan
    level_log_estimates: np.ndarray
    statistic_log: float | None
    statistic_estimate: float | None
    statistic_log_interval: tuple[float, float] | None
    samples: np.ndarray | None
    sample_scores: np.ndarray | None
    sample_log_weights: np.ndarray | None
    sample_repetition: np.ndarray | None
    interval_method: str
    seconds: float
    note: str
    final_counts: tuple[int, ...] = ()
    log_p_upper_exact: float = 0.0
    max_share: float = float("nan")

    @property
    def estimate(self) -> float:
        """:math:`\\bar p` (may underflow to 0 where ``log_p`` does not)."""
        return float(np.exp(self.log_p))

    @property
    def zero_repetitions(self) -> int:
        """Repetitions that ended with no sample at the last level (kept as 0)."""
        return int(np.sum(np.isneginf(self.log_estimates)))


# --- intervals -----------------------------------------------------------------------------------
def log_mean_interval(
    log_values, level: float = 0.95, method: str = "log-t"
) -> tuple[float, tuple[float, float]]:
    r"""Log of the mean of iid non-negative estimates, and an interval for the log of their expectation.

    Parameters
    ----------
    log_values : array_like, shape (R,)
        :math:`\log\hat p_r` (``-inf`` for zeros), :math:`R\ge2`, no NaN and no ``+inf``.  Computed in log
        space, so values far below the smallest double are fine.
    level : float
        Confidence level in the open interval (0, 1).
    method : {"log-t", "t", "lognormal"}
        ``"log-t"``: :math:`\log\bar p\pm t_{R-1}\,s/(\sqrt R\,\bar p)` (delta method; never crosses 0).
        ``"t"``: :math:`\log(\bar p\pm t_{R-1}\,s/\sqrt R)`, the lower end ``-inf`` when it is :math:`\le 0`.
        :math:`s` is the sample standard deviation (``ddof=1``).  Both rest on the central limit theorem.
        ``"lognormal"``: for estimates whose logs are close to normal (a product of many level fractions):
        with :math:`\bar\ell, s_\ell` the mean and standard deviation of the :math:`\log\hat p_r`,
        :math:`\bar\ell + s_\ell^2/2 \pm t_{R-1}\sqrt{s_\ell^2/R + s_\ell^4/(2(R-1))}` (modified Cox
        interval for the log of a log-normal mean; Olsson 2005, J. Stat. Educ. 13(1)); the point is still
        :math:`\log\bar p`.  With a zero among the values it falls back to ``"log-t"``.

    Returns
    -------
    log_mean : float
        :math:`\log\bar p` (``-inf`` when every value is 0).
    interval : tuple of float
        ``(-inf, -inf)`` when every value is 0 (the caller supplies an upper bound then).

    Raises
    ------
    ValueError
        If ``log_values`` is not a vector of at least 2 entries without NaN or ``+inf``, ``level`` is not
        in (0, 1), or ``method`` is not one of :data:`INTERVAL_METHODS`.
    """
    v = np.asarray(log_values, dtype=float)
    if v.ndim != 1 or v.size < 2 or np.any(np.isnan(v)) or np.any(v == np.inf):
        raise ValueError(f"log_values must be a vector of >= 2 logs (no NaN, no +inf); got {v!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in the open interval (0, 1); got {level}")
    if method not in INTERVAL_METHODS:
        raise ValueError(f"interval method must be one of {INTERVAL_METHODS}; got {method!r}")
    if np.all(np.isneginf(v)):
        return -math.inf, (-math.inf, -math.inf)
    shift = float(np.max(v))
    x = np.exp(v - shift)
    r = x.size
    mean = float(np.mean(x))
    se = float(np.std(x, ddof=1)) / math.sqrt(r)
    q = float(sps.t.ppf(0.5 + level / 2, r - 1))
    log_mean = shift + math.log(mean)
    if method == "lognormal" and np.all(np.isfinite(v)):
        m_l, s2 = float(np.mean(v)), float(np.var(v, ddof=1))
        half = q * math.sqrt(s2 / r + s2 * s2 / (2 * (r - 1)))
        return log_mean, (m_l + s2 / 2 - half, m_l + s2 / 2 + half)
    if method in ("log-t", "lognormal"):
        half = q * se / mean
        return log_mean, (log_mean - half, log_mean + half)
    lo, hi = mean - q * se, mean + q * se
    return log_mean, (shift + math.log(lo) if lo > 0 else -math.inf, shift + math.log(hi))


def _max_share(log_values: np.ndarray) -> float:
    """Largest value's share of the sum of exp(log_values) (nan when all are 0)."""
    if np.all(np.isneginf(log_values)):
        return float("nan")
    x = np.exp(log_values - np.max(log_values))
    return float(x.max() / x.sum())


def _linear_interval(values: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean and Student-t interval of real values (for statistics h that may be negative)."""
    r = values.size
    mean = float(values.mean())
    half = float(sps.t.ppf(0.5 + level / 2, r - 1)) * float(values.std(ddof=1)) / math.sqrt(r)
    return mean, mean - half, mean + half


def _deepest_level_upper(
    level_log: np.ndarray, level: float, interval: str
) -> tuple[int, float | None]:
    """For per-repetition log estimates of P(level t) (shape (R, T)): the deepest level t that some
    repetition passed (-1 if none) and the upper end of the ``level`` interval for its probability (a
    probability >= p: the upper end when every repetition is 0 at the last level), or None."""
    passed = np.flatnonzero(np.any(np.isfinite(level_log), axis=0))
    if passed.size == 0:
        return -1, None
    t = int(passed[-1])
    return t, log_mean_interval(level_log[:, t], level, interval)[1][1]


def _heavy_tail_interval(
    log_p: float,
    ci: tuple[float, float],
    log_reps: np.ndarray,
    iid_hits: int,
    trials: int,
    level: float,
) -> tuple[tuple[float, float], float, str | None]:
    r"""The interval from :math:`R` iid unbiased repetitions, made conservative when they are heavy-tailed.

    Heavy-tailed: more than half of the repetitions are 0, or the largest carries more than half of the
    sum.  Then the central-limit interval ``ci`` under-covers, and the interval becomes
    :math:`[\log\hat p + \log\tfrac{1-\text{level}}2,\ \max(\text{ci}_1, \log u)]`: Markov's inequality on
    the unbiased mean below, the exact one-sided Clopper-Pearson bound :math:`u` of the ``iid_hits``
    events in ``trials`` iid draws above, each at error :math:`(1-\text{level})/2`.

    Returns ``(interval, max_share, note or None)``.
    """
    R = log_reps.size
    zeros = int(np.sum(np.isneginf(log_reps)))
    share = _max_share(log_reps)
    if not (zeros > R // 2 or share > 0.5) or not np.isfinite(log_p):
        return ci, share, None
    half = (1 - level) / 2
    upper_iid = math.log(clopper_pearson(iid_hits, trials, 1 - level)[1])
    out = (float(log_p) + math.log(half), max(float(ci[1]), upper_iid))
    note = (
        f"heavy-tailed repetitions ({zeros} of {R} zero, the largest carries {share:.0%} of the sum): the "
        f"central-limit interval under-covers in such runs, so the interval is the conservative one "
        f"(Markov's inequality below, exact iid bound above); raise the budget to narrow it"
    )
    return out, share, note


# --- levels --------------------------------------------------------------------------------------
def choose_level(
    scores, previous: float, gamma: float, *, target: float = 0.2, min_count: int | None = None
) -> tuple[float | None, float]:
    r"""Next level from a population of scores (the pilot's rule; handles atoms).

    Candidates are the observed distinct values :math:`v` with :math:`v > \text{previous}`; each has the
    exact empirical survival fraction :math:`f(v) = \#\{S\ge v\}/n`, atoms included.  Returns
    :math:`\gamma` if :math:`f(\gamma)\ge` ``target / 2``; otherwise the candidate with
    :math:`|\log(f(v)/\text{target})|` smallest among those with at least ``min_count`` survivors
    (default ``max(5, n // 50)``), or, if none has that many, the smallest candidate.  A chosen value
    :math:`\ge\gamma` is replaced by :math:`\gamma`.

    Returns
    -------
    level : float or None
        ``None`` when no score exceeds ``previous`` (the population sits on an atom).
    fraction : float
        :math:`f(\text{level})`.
    """
    s = np.sort(np.asarray(scores, dtype=float))
    n = s.size
    if min_count is None:
        min_count = max(5, n // 50)
    f_gamma = (n - np.searchsorted(s, gamma, side="left")) / n
    if f_gamma >= target / 2:
        return float(gamma), float(f_gamma)
    cand = np.unique(s[s > previous])
    if cand.size == 0:
        return None, 0.0
    counts = n - np.searchsorted(s, cand, side="left")
    ok = counts >= min_count
    if np.any(ok):
        c, k = cand[ok], counts[ok]
        i = int(np.argmin(np.abs(np.log(k / n) - math.log(target))))
        v, frac = float(c[i]), float(k[i] / n)
    else:
        v, frac = float(cand[0]), float(counts[0] / n)
    if v >= gamma:
        return float(gamma), float(f_gamma)
    return v, frac


# --- the engine ------------------------------------------------------------------------------------
class _Scorer:
    """Chunked, validated, counted calls to the user's score."""

    def __init__(self, score: Callable, batch: int | None):
        self.score = score
        self.batch = batch
        self.evaluations = 0

    def __call__(self, W: np.ndarray) -> np.ndarray:
        n = W.shape[0]
        if n == 0:
            return np.empty(0)
        step = n if self.batch is None else self.batch
        parts = []
        for i in range(0, n, step):
            out = np.asarray(self.score(W[i : i + step]), dtype=float)
            b = min(step, n - i)
            if out.shape != (b,):
                raise ValueError(
                    f"score must return one value per sample, shape ({b},); got shape {out.shape}"
                )
            if np.any(np.isnan(out)):
                raise ValueError("score returned NaN")
            parts.append(out)
        self.evaluations += n
        return np.concatenate(parts)


def _kernel_step(
    states: np.ndarray,
    S: np.ndarray,
    level: float,
    c: float,
    rng: np.random.Generator,
    scorer: _Scorer,
    block_axis: int | None,
) -> np.ndarray:
    """One pCN move with rejection for every row of ``states`` (in place); returns the acceptance mask."""
    n = states.shape[0]
    Z = rng.standard_normal(states.shape)
    prop = c * states + math.sqrt(1.0 - c * c) * Z
    if block_axis is not None:
        k = states.shape[1 + block_axis]
        idx = rng.integers(k, size=n)
        shape = [n] + [1] * (states.ndim - 1)
        shape[1 + block_axis] = k
        mask = (np.arange(k)[None, :] == idx[:, None]).reshape(shape)
        prop = np.where(mask, prop, states)
    Sp = scorer(prop)
    acc = Sp >= level
    states[acc] = prop[acc]
    S[acc] = Sp[acc]
    return acc


def _clone(idx_count: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices 0..idx_count-1, each repeated floor(n/k) or ceil(n/k) times (random which), n in all."""
    base = np.repeat(np.arange(idx_count), n // idx_count)
    extra = rng.choice(idx_count, size=n - base.size, replace=False)
    return np.concatenate([base, extra])


def _run_pilot(
    scorer: _Scorer,
    shape: tuple[int, ...],
    gamma: float,
    rng: np.random.Generator,
    budget: SplittingBudget,
    target: float,
    block_axis: int | None,
) -> SplittingPlan:
    n = budget.resolved_pilot_size
    cap = budget.pilot_cap
    moves = budget.moves_per_step
    start = scorer.evaluations
    pop = rng.standard_normal((n,) + shape)
    S = scorer(pop)
    iid_hits = int(np.sum(S >= gamma))
    levels: list[float] = []
    fractions: list[float] = []
    cs: list[float] = []
    accs: list[float] = []
    log_sigma = math.log(0.5)
    previous = -math.inf
    stalls = 0
    reached = False
    while len(levels) < _MAX_LEVELS:
        v, frac = choose_level(S, previous, gamma, target=target)
        if v is None:
            stalls += 1
            if stalls > _STALL_ROUNDS or not levels:
                break
        else:
            stalls = 0
            levels.append(v)
            fractions.append(frac)
            previous = v
            if v >= gamma:
                reached = True
                break
            keep = np.flatnonzero(S >= v)
            pick = keep[_clone(keep.size, n, rng)]
            pop, S = pop[pick], S[pick]
        one_round = n * budget.pilot_moves * moves
        if cap is not None and scorer.evaluations - start + one_round > cap:
            break
        rate = 0.0
        for _ in range(budget.pilot_moves):
            c = math.sqrt(max(0.0, 1.0 - math.exp(2 * log_sigma)))
            acc_total = 0.0
            for _ in range(moves):
                acc_total += float(
                    np.mean(_kernel_step(pop, S, previous, c, rng, scorer, block_axis))
                )
            rate = acc_total / moves
            log_sigma = min(0.0, max(math.log(1e-4), log_sigma + (rate - ACCEPTANCE_TARGET)))
        if v is not None:
            cs.append(math.sqrt(max(0.0, 1.0 - math.exp(2 * log_sigma))))
            accs.append(rate)
        else:  # stalled: the moves above refreshed the population at the same level; the constant is updated
            cs[-1] = math.sqrt(max(0.0, 1.0 - math.exp(2 * log_sigma)))
            accs[-1] = rate
    if not levels:  # pragma: no cover - the first call of choose_level always finds a level
        raise RuntimeError("pilot found no level")
    # the kernel of the last level is never used (no chain starts there)
    if len(cs) == len(levels):
        cs, accs = cs[:-1], accs[:-1]
    return SplittingPlan(
        tuple(levels),
        tuple(fractions),
        tuple(cs),
        tuple(accs),
        reached,
        scorer.evaluations - start,
        iid_hits,
        n,
    )


def _worst_case_cost(n0: int, plan: SplittingPlan, budget: SplittingBudget) -> int:
    cap = _population_cap(n0, plan, budget)
    steps = sum(math.floor(s) + 1 for s in plan.splitting_factors)
    return n0 + cap * steps * budget.moves_per_step


def _population_cap(n0: int, plan: SplittingPlan, budget: SplittingBudget) -> int:
    return max(1, math.ceil(budget.cap_factor * n0 * plan.conditional_probabilities[0]))


def _choose_n0(plan: SplittingPlan, budget: SplittingBudget, remaining: int) -> int:
    """Largest n0 whose worst-case cost for R repetitions fits in ``remaining`` (0 if none)."""
    R = budget.repetitions
    lo, hi = 0, max(1, remaining // R)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if R * _worst_case_cost(mid, plan, budget) <= remaining:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _run_repetitions(
    scorer: _Scorer,
    shape: tuple[int, ...],
    gamma: float,
    plan: SplittingPlan,
    n0: int,
    R: int,
    budget: SplittingBudget,
    rng: np.random.Generator,
    block_axis: int | None,
):
    """R independent GS runs with the fixed plan, vectorized over all of them.  Returns the final
    population (samples, scores, repetition), the per-repetition log weights (thinning and
    normalization, so that a final sample of repetition r counts exp(log_w[r])), and the (R, T) log
    estimates of P(S >= gamma_t)."""
    levels, factors, cs = plan.levels, plan.splitting_factors, plan.pcn_c
    T = len(levels)
    cap = _population_cap(n0, plan, budget)
    log_est = np.full((R, T), -np.inf)
    W = rng.standard_normal((R * n0,) + shape)
    S = scorer(W)
    iid_hits = int(np.sum(S >= gamma))
    rep = np.repeat(np.arange(R), n0)
    keep = S >= levels[0]
    pop, S, rep = W[keep], S[keep], rep[keep]
    del W
    log_w = np.full(R, -math.log(n0))  # log(weight / (n0 prod s)) per repetition
    with np.errstate(divide="ignore"):
        log_est[:, 0] = log_w + np.log(np.bincount(rep, minlength=R))
    for t in range(T - 1):
        counts = np.bincount(rep, minlength=R)
        if np.any(
            counts > cap
        ):  # thinning: a uniform subset of `cap` per repetition, weight x count/cap
            order = np.lexsort((rng.random(rep.size), rep))
            starts = np.r_[0, np.cumsum(counts)[:-1]]
            rank = np.empty(rep.size, dtype=np.int64)
            rank[order] = np.arange(rep.size) - starts[rep[order]]
            sel = rank < cap
            over = counts > cap
            log_w[over] += np.log(counts[over] / cap)
            pop, S, rep = pop[sel], S[sel], rep[sel]
        s = factors[t]
        L = math.floor(s) + (rng.random(rep.size) < s - math.floor(s))
        states, Sst = pop.copy(), S.copy()
        out_W, out_S, out_r = [], [], []
        for j in range(1, int(L.max(initial=0)) + 1):
            act = np.flatnonzero(L >= j)
            sub, Ssub = states[act], Sst[act]
            for _ in range(budget.moves_per_step):
                _kernel_step(sub, Ssub, levels[t], cs[t], rng, scorer, block_axis)
            states[act], Sst[act] = sub, Ssub
            hit = Ssub >= levels[t + 1]
            out_W.append(sub[hit]), out_S.append(Ssub[hit]), out_r.append(rep[act][hit])
        log_w -= math.log(s)
        pop = np.concatenate(out_W) if out_W else np.empty((0,) + shape)
        S = np.concatenate(out_S) if out_S else np.empty(0)
        rep = np.concatenate(out_r) if out_r else np.empty(0, dtype=np.int64)
        with np.errstate(divide="ignore"):
            log_est[:, t + 1] = log_w + np.log(np.bincount(rep, minlength=R))
    return pop, S, rep, log_w, log_est, iid_hits


def generalized_splitting(
    score: Callable[[np.ndarray], np.ndarray],
    shape,
    gamma: float,
    *,
    rng,
    budget,
    level: float = 0.95,
    target: float = 0.2,
    block_axis: int | None = None,
    statistic: Callable[[np.ndarray], np.ndarray] | None = None,
    keep_samples: bool = False,
    batch: int | None = None,
    interval: str = "log-t",
    plan: SplittingPlan | None = None,
    max_memory: float | None = None,
) -> SplittingResult:
    r"""Estimate :math:`p = \mathbb P(S(W)\ge\gamma)`, :math:`W\sim\mathcal N(0, I)`, by generalized splitting.

    See the module docstring for the method (Botev & Kroese 2012), the kernel, the pilot, the
    interval and the budget.

    Parameters
    ----------
    score : callable
        ``score(W_batch)`` with ``W_batch`` of shape ``(B, *shape)`` returns ``(B,)`` real scores
        (no NaN).  Must be a deterministic function of each sample alone (not of the batch).
    shape : int or tuple of int
        Shape of one sample :math:`W`: an integer ``>= 1`` or a tuple of them.
    gamma : float
        The threshold, a finite real number; the event is :math:`S\ge\gamma`.
    rng : numpy.random.Generator or int
        The random generator or an integer seed; ``None`` is refused.
    budget : int or SplittingBudget
        Maximum score evaluations (int), or the detailed :class:`SplittingBudget`.  ``ValueError`` when
        it cannot pay for the pilot's first round (``pilot_size`` samples and one round of moves).
    level : float
        Confidence level of the intervals, in the open interval (0.5, 1).
    target : float
        Conditional probability per level the pilot aims at, in [0.05, 0.5].
    block_axis : int, optional
        Move one random index along this axis of the sample per kernel application (e.g. ``0``: one
        row of a matrix): an integer in ``[0, len(shape))``.  Default: move every coordinate.
    statistic : callable, optional
        ``h(W_batch) -> (B,)`` real values; the result then also estimates :math:`\mathbb E[h(W)1\{S\ge\gamma\}]`
        from the same runs (the weighted sum of :math:`h` over the final samples), with its interval.
    keep_samples : bool
        Return the final-level samples (dependent; with duplicates where moves were rejected).
    batch : int, optional
        Samples per call of ``score``, an integer ``>= 1`` (memory only; the numbers do not depend on it).
    interval : {"log-t", "t"}
        See :func:`log_mean_interval`.
    plan : SplittingPlan, optional
        Fixed levels and kernels: no pilot is run.  Its last level must not exceed ``gamma``.
    max_memory : float, optional
        Memory cap in bytes (default :data:`~vanishing_minima.numeric._checks.MAX_MEMORY`, 2 GiB), a
        finite number > 0: the run is refused before any sampling when two float64 copies of the largest
        population the budget allows exceed it.  Every sample held has been evaluated, so that
        population is at most ``evaluations`` (and at least ``pilot_size``); without a maximum of
        evaluations it is taken as ``repetitions * n0``, the repetitions' first draw.

    Returns
    -------
    SplittingResult
        The estimate of :math:`\log p`, its interval at ``level``, the plan, the cost and the diagnostics.

    Raises
    ------
    TypeError
        If ``score`` is not callable, ``plan`` is not a :class:`SplittingPlan`, or ``rng`` is not a
        generator or an integer seed.
    ValueError
        If ``shape`` has an entry that is not an integer >= 1; ``gamma`` is not finite; ``level`` is not in
        (0.5, 1); ``target`` is not in [0.05, 0.5]; ``interval`` is unknown; ``block_axis`` is not an axis of
        the sample; ``batch`` is not an integer >= 1; ``budget`` is not a positive integer or a valid
        :class:`SplittingBudget`, or cannot pay for the pilot's first round, or its population would exceed
        ``max_memory``; ``rng`` is None or a negative seed; ``plan``'s last level exceeds ``gamma``; ``score``
        returns a wrong shape or NaN; or ``statistic`` returns a non-finite value.
    """
    t0 = time.perf_counter()
    if not callable(score):
        raise TypeError(f"score must be callable; got {type(score).__name__}")
    shape = (
        (positive_int("shape", shape),)
        if isinstance(shape, (numbers.Integral, np.integer))
        else tuple(positive_int("shape", k) for k in shape)
    )
    gamma = float(gamma)
    if not math.isfinite(gamma):
        raise ValueError(f"gamma must be finite; got {gamma}")
    if not 0.5 < level < 1:
        raise ValueError(f"level must lie in the open interval (0.5, 1); got {level}")
    if not 0.05 <= target <= 0.5:
        raise ValueError(f"target must lie in [0.05, 0.5]; got {target}")
    if interval not in INTERVAL_METHODS:
        raise ValueError(f"interval must be one of {INTERVAL_METHODS}; got {interval!r}")
    if block_axis is not None:
        if (
            isinstance(block_axis, (bool, np.bool_))
            or not isinstance(block_axis, (numbers.Integral, np.integer))
            or not 0 <= block_axis < len(shape)
        ):
            raise ValueError(
                f"block_axis must be an axis of the sample shape {shape} (0..{len(shape) - 1}); got {block_axis!r}"
            )
        block_axis = int(block_axis)
    if batch is not None:
        batch = positive_int("batch", batch)
    budget = _as_budget(budget)
    _check_population_memory(budget, shape, max_memory)
    rng = as_generator(rng)
    pilot_rng, main_rng = rng.spawn(2)
    scorer = _Scorer(score, batch)
    notes = []
    if plan is None:
        first_round = budget.resolved_pilot_size * (1 + budget.pilot_moves * budget.moves_per_step)
        if budget.evaluations is not None and first_round > budget.pilot_cap:
            raise ValueError(
                f"budget = {budget.evaluations} evaluations cannot run the pilot: its first round needs "
                f"{first_round} (pilot_size {budget.resolved_pilot_size} x (1 + {budget.pilot_moves} moves)) and the "
                f"pilot may spend {budget.pilot_fraction:g} of the budget ({budget.pilot_cap}); raise the budget to at "
                f"least {math.ceil(first_round / budget.pilot_fraction)} or lower pilot_size"
            )
        plan = _run_pilot(scorer, shape, gamma, pilot_rng, budget, target, block_axis)
        if not plan.reached:
            notes.append(
                f"the pilot did not reach gamma = {gamma:g} (last level {plan.levels[-1]:g} after "
                f"{plan.evaluations} evaluations)"
            )
    elif not isinstance(plan, SplittingPlan):
        raise TypeError(f"plan must be a SplittingPlan; got {type(plan).__name__}")
    else:
        reached_plan = plan.levels[-1] >= gamma
        if plan.levels[-1] > gamma:
            raise ValueError(f"plan's last level {plan.levels[-1]} exceeds gamma = {gamma}")
        plan = replace(plan, reached=reached_plan)
    pilot_evals = scorer.evaluations
    R = budget.repetitions
    if budget.n0 is not None:
        n0 = int(budget.n0)
        if (
            budget.evaluations is not None
            and pilot_evals + R * _worst_case_cost(n0, plan, budget) > budget.evaluations
        ):
            n0 = _choose_n0(plan, budget, budget.evaluations - pilot_evals)
    else:
        n0 = _choose_n0(plan, budget, budget.evaluations - pilot_evals)
    T = len(plan.levels)
    if n0 < 1 or n0 * plan.conditional_probabilities[0] < 1:
        # no repetition fits: the only valid statement is the exact binomial bound of the pilot's iid stage
        notes.append(
            f"the budget left after the pilot ({budget.evaluations - pilot_evals if budget.evaluations else 0} "
            f"evaluations) cannot pay for {R} repetitions; the interval's upper end is the exact "
            f"Clopper-Pearson bound (one-sided at {level:g}) from the pilot's {plan.iid_trials} iid samples "
            f"({plan.iid_hits} with S >= gamma)"
        )
        hi = (
            clopper_pearson(plan.iid_hits, plan.iid_trials, 2 * (1 - level))[1]
            if level > 0.5
            else 1.0
        )
        est = plan.iid_hits / plan.iid_trials
        return SplittingResult(
            math.log(est) if est > 0 else -math.inf,
            (-math.inf, math.log(hi)),
            level,
            False,
            (),
            0,
            0,
            scorer.evaluations,
            pilot_evals,
            plan,
            np.empty((0, T)),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            interval,
            time.perf_counter() - t0,
            "; ".join(notes),
            (),
            math.log(hi),
            float("nan"),
        )
    pop, S, rep, log_w, log_est, iid_hits = _run_repetitions(
        scorer, shape, gamma, plan, n0, R, budget, main_rng, block_axis
    )
    reached = plan.reached
    if reached:
        log_reps = log_est[:, -1]
    else:  # unbiased for p all the same: the final samples that also have S >= gamma
        with np.errstate(divide="ignore"):
            log_reps = log_w + np.log(np.bincount(rep[S >= gamma], minlength=R))
    log_p, ci = log_mean_interval(log_reps, level, interval)
    if not reached or np.all(np.isneginf(log_reps)):
        deepest, upper = _deepest_level_upper(log_est, level, interval)
        if deepest >= 0:
            notes.append(
                f"upper end: the {level:g} interval for P(S >= level {deepest + 1} = {plan.levels[deepest]:g}) "
                f"from the {R} repetitions, a probability >= p"
                + ("" if reached else " (the deepest level the pilot reached)")
                + (
                    ""
                    if deepest == T - 1 or not reached
                    else "; every repetition died out before the last level, "
                    "the level was chosen after seeing the data"
                )
            )
        else:
            upper = math.log(clopper_pearson(plan.iid_hits, plan.iid_trials, 2 * (1 - level))[1])
            notes.append("upper end: exact Clopper-Pearson bound from the pilot's iid samples")
        ci = (-math.inf, upper)
    zeros = int(np.sum(np.isneginf(log_reps)))
    if zeros:
        notes.append(
            f"{zeros} of {R} repetitions ended with no sample at the last level (kept as 0)"
        )
    trials = plan.iid_trials + R * n0
    exact_upper = math.log(clopper_pearson(plan.iid_hits + iid_hits, trials, 2 * (1 - level))[1])
    ci, share, heavy_note = _heavy_tail_interval(
        log_p, ci, log_reps, plan.iid_hits + iid_hits, trials, level
    )
    if heavy_note:
        notes.append(heavy_note)
    stat_log = stat_est = stat_ci = None
    if statistic is not None:
        h_scorer = _Scorer(statistic, batch)
        h = h_scorer(pop) if pop.shape[0] else np.empty(0)
        if not np.all(np.isfinite(h)):
            raise ValueError("statistic returned a non-finite value")
        if not reached:
            h = h * (S >= gamma)
        shift = float(np.max(log_w))
        per_rep = np.bincount(rep, weights=h, minlength=R) * np.exp(log_w - shift)
        if np.all(h >= 0):
            with np.errstate(divide="ignore"):
                stat_log, stat_ci = log_mean_interval(np.log(per_rep) + shift, level, interval)
            stat_est = math.exp(stat_log)
        else:
            mean, lo, hi = _linear_interval(per_rep, level)
            stat_est = mean * math.exp(shift)
            stat_ci = (lo * math.exp(shift), hi * math.exp(shift))
    note = (
        f"generalized splitting: {T} levels, {R} repetitions of n0 = {n0}, {scorer.evaluations} evaluations "
        f"({pilot_evals} in the pilot); interval {interval} at level {level:g} from the repetitions"
    )
    if notes:
        note += "; " + "; ".join(notes)
    return SplittingResult(
        float(log_p),
        (float(ci[0]), float(ci[1])),
        float(level),
        bool(reached),
        tuple(float(v) for v in log_reps),
        R,
        n0,
        scorer.evaluations,
        pilot_evals,
        plan,
        log_est,
        stat_log,
        stat_est,
        stat_ci,
        pop if keep_samples else None,
        S if keep_samples else None,
        log_w[rep] if keep_samples else None,
        rep if keep_samples else None,
        interval,
        time.perf_counter() - t0,
        note,
        tuple(int(k) for k in np.bincount(rep[S >= gamma], minlength=R)),
        exact_upper,
        share,
    )
