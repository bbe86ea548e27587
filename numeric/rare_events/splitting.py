r"""Generalized splitting (Botev & Kroese 2012) for Gaussian rare events :math:`p = \mathbb P(S(W)\ge\gamma)`.

Problem-agnostic: :math:`W\sim\mathcal N(0, I)` of any shape, :math:`S` a user score evaluated on batches
(``score(W_batch) -> (B,)``, ``W_batch`` of shape ``(B, *shape)``), :math:`\gamma` the threshold.  Levels
:math:`\gamma_1<\dots<\gamma_T=\gamma` and pCN kernels come from an independent pilot
(:mod:`~vanishing_minima.numeric.rare_events.pilot`); :math:`R` independent repetitions with that fixed plan
each return an unbiased :math:`\hat p_r` (Botev & Kroese, Algorithm "GS" with fixed levels; a population
cap with unbiased thinning makes ``budget`` a hard maximum), and the interval for :math:`\log p` comes
from the :math:`R` values (:mod:`~vanishing_minima.numeric.rare_events.intervals`).  ``rng`` is split into
two streams, pilot and repetitions; ``batch`` only chunks the calls to ``score``, so the numbers do not
depend on it.

The estimator, its proof of unbiasedness, the kernel, the pilot, the interval and the budget:
``docs/methods/splitting.md``.

References
----------
Z. I. Botev and D. P. Kroese, "Efficient Monte Carlo simulation via the generalized splitting method",
Statistics and Computing 22 (2012) 1-16.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from .._checks import as_generator, positive_int
from ..stats import clopper_pearson
from .budget import SplittingBudget, as_budget, check_population_memory
from .intervals import (
    INTERVAL_METHODS,
    deepest_level_upper,
    heavy_tail_interval,
    linear_interval,
    log_mean_interval,
)
from .pcn import Scorer, kernel_step
from .pilot import SplittingPlan, run_pilot

__all__ = ["SplittingResult", "generalized_splitting"]


@dataclass(frozen=True, kw_only=True)
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


def worst_case_cost(n0: int, plan: SplittingPlan, budget: SplittingBudget) -> int:
    cap = population_cap(n0, plan, budget)
    steps = sum(math.floor(s) + 1 for s in plan.splitting_factors)
    return n0 + cap * steps * budget.moves_per_step


def population_cap(n0: int, plan: SplittingPlan, budget: SplittingBudget) -> int:
    return max(1, math.ceil(budget.cap_factor * n0 * plan.conditional_probabilities[0]))


def choose_n0(plan: SplittingPlan, budget: SplittingBudget, remaining: int) -> int:
    """Largest n0 whose worst-case cost for R repetitions fits in ``remaining`` (0 if none)."""
    R = budget.repetitions
    lo, hi = 0, max(1, remaining // R)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if R * worst_case_cost(mid, plan, budget) <= remaining:
            lo = mid
        else:
            hi = mid - 1
    return lo


def run_repetitions(
    scorer: Scorer,
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
    cap = population_cap(n0, plan, budget)
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
                kernel_step(sub, Ssub, levels[t], cs[t], rng, scorer, block_axis)
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

    The method (Botev & Kroese 2012), the kernel, the pilot, the interval and the budget are described
    in ``docs/methods/splitting.md``.

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
    shape, gamma, block_axis, batch = _check_arguments(
        score, shape, gamma, level, target, interval, block_axis, batch
    )
    budget = as_budget(budget)
    check_population_memory(budget, shape, max_memory)
    rng = as_generator(rng)
    pilot_rng, main_rng = rng.spawn(2)
    scorer = Scorer(score, batch)
    notes: list[str] = []
    plan = _make_plan(plan, scorer, shape, gamma, pilot_rng, budget, target, block_axis, notes)
    pilot_evals = scorer.evaluations
    R = budget.repetitions
    n0 = _repetition_size(plan, budget, pilot_evals)
    if n0 < 1 or n0 * plan.conditional_probabilities[0] < 1:
        return _pilot_only(
            plan, budget, level, interval, scorer.evaluations, pilot_evals, notes, t0
        )
    pop, S, rep, log_w, log_est, iid_hits = run_repetitions(
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
        ci = (-math.inf, _upper_end(plan, log_est, level, interval, notes))
    zeros = int(np.sum(np.isneginf(log_reps)))
    if zeros:
        notes.append(
            f"{zeros} of {R} repetitions ended with no sample at the last level (kept as 0)"
        )
    trials = plan.iid_trials + R * n0
    exact_upper = math.log(clopper_pearson(plan.iid_hits + iid_hits, trials, 2 * (1 - level))[1])
    ci, share, heavy_note = heavy_tail_interval(
        log_p, ci, log_reps, plan.iid_hits + iid_hits, trials, level
    )
    if heavy_note:
        notes.append(heavy_note)
    stat_log = stat_est = stat_ci = None
    if statistic is not None:
        h = Scorer(statistic, batch)(pop) if pop.shape[0] else np.empty(0)
        if not np.all(np.isfinite(h)):
            raise ValueError("statistic returned a non-finite value")
        if not reached:
            h = h * (S >= gamma)
        stat_log, stat_est, stat_ci = _statistic_estimate(h, rep, log_w, level, interval)
    note = (
        f"generalized splitting: {len(plan.levels)} levels, {R} repetitions of n0 = {n0}, "
        f"{scorer.evaluations} evaluations ({pilot_evals} in the pilot); interval {interval} at level "
        f"{level:g} from the repetitions"
    )
    if notes:
        note += "; " + "; ".join(notes)
    return SplittingResult(
        log_p=float(log_p),
        log_p_interval=(float(ci[0]), float(ci[1])),
        level=float(level),
        reached=bool(reached),
        log_estimates=tuple(float(v) for v in log_reps),
        repetitions=R,
        n0=n0,
        evaluations=scorer.evaluations,
        pilot_evaluations=pilot_evals,
        plan=plan,
        level_log_estimates=log_est,
        statistic_log=stat_log,
        statistic_estimate=stat_est,
        statistic_log_interval=stat_ci,
        samples=pop if keep_samples else None,
        sample_scores=S if keep_samples else None,
        sample_log_weights=log_w[rep] if keep_samples else None,
        sample_repetition=rep if keep_samples else None,
        interval_method=interval,
        seconds=time.perf_counter() - t0,
        note=note,
        final_counts=tuple(int(k) for k in np.bincount(rep[S >= gamma], minlength=R)),
        log_p_upper_exact=exact_upper,
        max_share=share,
    )


def _check_arguments(score, shape, gamma, level, target, interval, block_axis, batch):
    """Validate the arguments of :func:`generalized_splitting` that need no budget; returns the sample
    ``shape`` as a tuple, ``gamma`` as a float, ``block_axis`` and ``batch`` as ints (or None)."""
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
    return shape, gamma, block_axis, batch


def _make_plan(plan, scorer, shape, gamma, rng, budget, target, block_axis, notes) -> SplittingPlan:
    """The pilot's plan (``plan is None``; a note when it did not reach ``gamma``), or the user's,
    checked against ``gamma``."""
    if plan is None:
        first_round = budget.resolved_pilot_size * (1 + budget.pilot_moves * budget.moves_per_step)
        if budget.evaluations is not None and first_round > budget.pilot_cap:
            raise ValueError(
                f"budget = {budget.evaluations} evaluations cannot run the pilot: its first round needs "
                f"{first_round} (pilot_size {budget.resolved_pilot_size} x (1 + {budget.pilot_moves} moves)) and the "
                f"pilot may spend {budget.pilot_fraction:g} of the budget ({budget.pilot_cap}); raise the budget to at "
                f"least {math.ceil(first_round / budget.pilot_fraction)} or lower pilot_size"
            )
        plan = run_pilot(scorer, shape, gamma, rng, budget, target, block_axis)
        if not plan.reached:
            notes.append(
                f"the pilot did not reach gamma = {gamma:g} (last level {plan.levels[-1]:g} after "
                f"{plan.evaluations} evaluations)"
            )
        return plan
    if not isinstance(plan, SplittingPlan):
        raise TypeError(f"plan must be a SplittingPlan; got {type(plan).__name__}")
    if plan.levels[-1] > gamma:
        raise ValueError(f"plan's last level {plan.levels[-1]} exceeds gamma = {gamma}")
    return replace(plan, reached=plan.levels[-1] >= gamma)


def _repetition_size(plan: SplittingPlan, budget: SplittingBudget, pilot_evals: int) -> int:
    """n0: the budget's, unless its worst case does not fit what the pilot left; then the largest that
    fits (0 if none)."""
    if budget.n0 is not None:
        n0 = int(budget.n0)
        if (
            budget.evaluations is not None
            and pilot_evals + budget.repetitions * worst_case_cost(n0, plan, budget)
            > budget.evaluations
        ):
            n0 = choose_n0(plan, budget, budget.evaluations - pilot_evals)
        return n0
    return choose_n0(plan, budget, budget.evaluations - pilot_evals)


def _pilot_only(
    plan, budget, level, interval, evaluations, pilot_evals, notes, t0
) -> SplittingResult:
    """No repetition fits the budget: the only valid statement is the exact binomial bound of the
    pilot's iid stage."""
    notes.append(
        f"the budget left after the pilot ({budget.evaluations - pilot_evals if budget.evaluations else 0} "
        f"evaluations) cannot pay for {budget.repetitions} repetitions; the interval's upper end is the exact "
        f"Clopper-Pearson bound (one-sided at {level:g}) from the pilot's {plan.iid_trials} iid samples "
        f"({plan.iid_hits} with S >= gamma)"
    )
    hi = clopper_pearson(plan.iid_hits, plan.iid_trials, 2 * (1 - level))[1] if level > 0.5 else 1.0
    est = plan.iid_hits / plan.iid_trials
    return SplittingResult(
        log_p=math.log(est) if est > 0 else -math.inf,
        log_p_interval=(-math.inf, math.log(hi)),
        level=level,
        reached=False,
        log_estimates=(),
        repetitions=0,
        n0=0,
        evaluations=evaluations,
        pilot_evaluations=pilot_evals,
        plan=plan,
        level_log_estimates=np.empty((0, len(plan.levels))),
        statistic_log=None,
        statistic_estimate=None,
        statistic_log_interval=None,
        samples=None,
        sample_scores=None,
        sample_log_weights=None,
        sample_repetition=None,
        interval_method=interval,
        seconds=time.perf_counter() - t0,
        note="; ".join(notes),
        final_counts=(),
        log_p_upper_exact=math.log(hi),
        max_share=float("nan"),
    )


def _upper_end(
    plan: SplittingPlan, log_est: np.ndarray, level: float, interval: str, notes
) -> float:
    """The upper end of the interval when the estimate is not of p itself (not reached, or every
    repetition 0): the interval for the deepest level some repetition passed, a probability >= p, or
    the exact bound of the pilot's iid samples; says which in ``notes``."""
    R, T = log_est.shape
    deepest, upper = deepest_level_upper(log_est, level, interval)
    if deepest < 0:
        notes.append("upper end: exact Clopper-Pearson bound from the pilot's iid samples")
        return math.log(clopper_pearson(plan.iid_hits, plan.iid_trials, 2 * (1 - level))[1])
    notes.append(
        f"upper end: the {level:g} interval for P(S >= level {deepest + 1} = {plan.levels[deepest]:g}) "
        f"from the {R} repetitions, a probability >= p"
        + ("" if plan.reached else " (the deepest level the pilot reached)")
        + (
            ""
            if deepest == T - 1 or not plan.reached
            else "; every repetition died out before the last level, "
            "the level was chosen after seeing the data"
        )
    )
    return upper


def _statistic_estimate(h, rep, log_w, level: float, interval: str):
    """``(log estimate, estimate, interval)`` of E[h 1{S >= gamma}] from the final samples' values
    ``h``, their repetitions and the repetitions' log weights (log scale where h >= 0)."""
    R = log_w.size
    shift = float(np.max(log_w))
    per_rep = np.bincount(rep, weights=h, minlength=R) * np.exp(log_w - shift)
    if np.all(h >= 0):
        with np.errstate(divide="ignore"):
            stat_log, stat_ci = log_mean_interval(np.log(per_rep) + shift, level, interval)
        return stat_log, math.exp(stat_log), stat_ci
    mean, lo, hi = linear_interval(per_rep, level)
    return None, mean * math.exp(shift), (lo * math.exp(shift), hi * math.exp(shift))
