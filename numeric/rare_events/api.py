r""":func:`v2_event_probability`: the V2 event at fixed data, far below what plain Monte Carlo sees.

For fixed :math:`X`, labels :math:`y`, width :math:`d_1`, slope :math:`\rho\ne1` and :math:`\epsilon\in(0,1)`,
with :math:`W\sim\mathcal N(0, I_{d_1\times d_0})`, the target is

.. math:: p = \mathbb P_W\big(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon\big) = \mathbb P_W\big(m(W)\ge m^*\big),

:math:`m(W)` the number of misclassified points and :math:`m^*` the threshold of
:func:`~vanishing_minima.numeric.rare_events.score.misclassification_threshold`.  :math:`p` bounds the
angular volume of the bad regions from above (V2); it is Theorem 6's quantity at fixed :math:`X`.  Four
estimators: generalized splitting on the score of
:class:`~vanishing_minima.numeric.rare_events.score.V2Score`, fixed-effort splitting over the dead points
(:mod:`~vanishing_minima.numeric.rare_events.dead_points`, ReLU) or over K3's rank deficit
(:mod:`~vanishing_minima.numeric.rare_events.rank_deficit`, leaky units) and plain Monte Carlo
(:mod:`~vanishing_minima.numeric.rare_events.monte_carlo`).  Each budget is checked against a work and a
memory cap before any sampling.  Methods and measurements: ``docs/methods/splitting.md``,
``docs/methods/dead-points.md`` and ``docs/methods/rank-deficit.md``.
"""

from __future__ import annotations

import numbers
import time
from typing import Callable

import numpy as np

from .._checks import MAX_WORK, as_generator, check_memory, check_work, positive_int
from ..khatri_rao import pattern_unchecked
from .budget import SplittingBudget, as_budget, population_bound
from .dead_points import estimate_by_dead_points
from .estimate import RareEventEstimate
from .fixed_effort import evaluations_per_particle
from .intervals import INTERVAL_METHODS
from .monte_carlo import estimate_by_monte_carlo
from .rank_deficit import estimate_by_rank_deficit
from .score import V2Score
from .splitting import generalized_splitting

__all__ = ["V2_MAX_WORK", "V2_METHODS", "v2_event_probability"]

#: Estimators of :func:`v2_event_probability`.
V2_METHODS = ("splitting", "dead-points", "rank-deficit", "rank-bound", "mc")
#: The methods run by the fixed-effort engine (integer levels, their own memory check).
_FIXED_EFFORT = ("dead-points", "rank-deficit", "rank-bound")
#: Default work cap of :func:`v2_event_probability`, in floating-point operations: 100 times
#: :data:`~vanishing_minima.numeric._checks.MAX_WORK` (about 80 minutes at 2e9 per second), because rare-event
#: runs are long by design: the audit's thorough T6 runs need up to 4.3e12 (dead points at N = 1024).
V2_MAX_WORK = 100 * MAX_WORK
#: Operations charged to every evaluation beside the product WX (patterns, counts, sorting, Python): below
#: every per-evaluation time measured (2.8 us at d0 x N = 6 x 12), so the estimate is a lower bound.
_EVALUATION_OVERHEAD = 4e3
#: Bytes per unit of a residual call's work arrays, :math:`Np + \min(N, p)^2 + 8d_1N` per sample
#: (:math:`p = d_0d_1`): three float64 copies, above the tracemalloc peaks measured at 12 sizes (2.25 copies at
#: d0 d1 = N, where the fallback solves run; 0.4 to 1.3 elsewhere).
_RESIDUAL_BYTES = 24.0


def _statistic_wrapper(
    event_statistic: Callable, score: V2Score
) -> Callable[[np.ndarray], np.ndarray]:
    def h(W: np.ndarray) -> np.ndarray:
        A = pattern_unchecked(W @ score.X, score.rho)
        out = np.asarray(event_statistic(W, A), dtype=float)
        if out.shape != (W.shape[0],):
            raise ValueError(f"event_statistic must return shape ({W.shape[0]},); got {out.shape}")
        if np.any(~np.isfinite(out)) or np.any(out < 0) or np.any(out > 1):
            raise ValueError("event_statistic must return values in [0, 1]")
        return out

    return h


def _check_budget(score: V2Score, method: str, budget, batch: int, max_work, max_memory) -> int:
    """Validate ``budget`` and refuse, before any sampling, one whose evaluations would take more than
    ``max_work`` (default :data:`V2_MAX_WORK`) or, for ``"mc"`` and ``"splitting"``, whose population and
    ``batch`` samples' residual work arrays would hold more than ``max_memory``; returns the evaluations
    the budget allows (the dead-point engine checks its own memory)."""
    if isinstance(budget, SplittingBudget):
        if method == "mc" and budget.evaluations is None:
            raise ValueError("budget for method='mc' must give evaluations (the number of samples)")
        moves, evaluations = budget.moves_per_step, budget.evaluations
        if evaluations is None:  # no maximum: the least the repetitions cost
            per = evaluations_per_particle(score.m_star, moves) if method in _FIXED_EFFORT else 1
            evaluations = budget.repetitions * budget.n0 * per
    elif (
        isinstance(budget, (bool, np.bool_))
        or not isinstance(budget, (numbers.Integral, np.integer))
        or budget < 1
    ):
        raise ValueError(
            "budget must be a positive integer (maximum score evaluations; the number of samples for "
            f"method='mc') or a SplittingBudget; got {budget!r}"
        )
    else:
        moves, evaluations = 2 * score.d1, int(budget)
    d0, d1, n = score.d0, score.d1, score.n
    if method in (
        "dead-points",
        "rank-deficit",
    ):  # a row move (2 d0 N) per move, a count (WX) per level
        flops = (moves * 2.0 * d0 * n + 2.0 * d1 * d0 * n) / (moves + 1)
    else:  # WX; the certified residual's solve, where needed, comes on top
        flops = 2.0 * d1 * d0 * n
    check_work(
        f"v2_event_probability(method={method!r}) with budget = {evaluations} evaluations at "
        f"d1 x d0 x N = {d1} x {d0} x {n} (at least {flops + _EVALUATION_OVERHEAD:.2g} operations each)",
        evaluations * (flops + _EVALUATION_OVERHEAD),
        V2_MAX_WORK if max_work is None else max_work,
    )
    if method not in _FIXED_EFFORT:  # these engines check their own memory
        p = d0 * d1
        held = 0 if method == "mc" else population_bound(as_budget(budget))
        check_memory(
            f"v2_event_probability(method={method!r}) with budget = {evaluations} and batch = {batch} at "
            f"d1 x d0 x N = {d1} x {d0} x {n} ({min(batch, evaluations)} samples per residual call"
            + (f", up to {held} samples held)" if held else ")"),
            16.0 * held * p
            + _RESIDUAL_BYTES * min(batch, evaluations) * (n * p + min(n, p) ** 2 + 8 * d1 * n),
            max_memory,
        )
    return evaluations


def v2_event_probability(
    X,
    y,
    d1: int,
    *,
    eps: float,
    rho: float = 0.0,
    rng,
    method: str = "splitting",
    budget: int | SplittingBudget = 100_000,
    level: float = 0.95,
    tie_breaker: str = "auto",
    block_axis: int | None = 0,
    event_statistic: Callable | None = None,
    keep_samples: bool = False,
    batch: int | None = None,
    interval: str | None = None,
    max_work: float | None = None,
    max_memory: float | None = None,
) -> RareEventEstimate:
    r"""Estimate :math:`p = \mathbb P_{W\sim\mathcal N}(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)` at fixed
    :math:`X`, with an interval for :math:`\log p`.

    Methods
    -------
    ``"splitting"`` (default): generalized splitting (Botev & Kroese 2012;
    :func:`~vanishing_minima.numeric.rare_events.generalized_splitting`) on the score
    :math:`S = m + \tau` of :class:`V2Score`, threshold :math:`m^*`, with pCN moves of one random row of
    :math:`W` (one neuron) at a time (``block_axis=0``).  Chosen because the event is a union of
    thin regions of :math:`W`-space (:math:`e^{-5}` to :math:`e^{-50}` along the audit's family) reached
    through a chain of less rare ones (one more dead or misclassified point at a time), which is what
    splitting exploits; it needs no likelihood ratio (importance sampling would need a proposal for a
    union of polyhedral cones of unknown shape) and its only requirement for unbiasedness is a kernel
    that leaves :math:`\mathcal N(0,I)` restricted to each level set invariant, which pCN with rejection does
    exactly.  Guarantees: for the fixed levels of the independent pilot each repetition is an unbiased
    estimate of :math:`p` (zeros included); the interval is the ``interval`` method over the :math:`R`
    iid repetitions, asymptotic in :math:`R` (central limit theorem), with coverage measured in the tests
    (it under-covers when the repetitions are too small: see the README's measurement).
    ``"dead-points"``: fixed-effort splitting over the integer levels :math:`m\ge1,\dots,m^*` with exact
    elliptical moves of one neuron at a time (:mod:`~vanishing_minima.numeric.rare_events.dead_points`).  For ReLU
    (:math:`\rho = 0`) with :math:`d_0d_1\ge N` and :math:`X` in general position (e.g. drawn from a density:
    K3 is used for every pattern at once), where the event is carried by dead points; :math:`m` stays exact
    (the residual is computed wherever K3 does not certify it).  Unbiased for every population (no pilot,
    no extinction of the kind splitting factors cause); the interval is the same as for ``"splitting"``.
    ``budget`` fixes the population (``SplittingBudget``: ``repetitions``, ``n0`` and ``moves_per_step``,
    the moves per level, are used).  Reaches :math:`p\approx e^{-100}` at :math:`N = 512` (README).
    ``"rank-deficit"``: the same engine for leaky units (:math:`\rho\notin\{0, 1\}`, no dead points), over
    the integer levels of :math:`S = \min(L, 1) + m`, :math:`L` the K3 deficit of the pattern
    (:mod:`~vanishing_minima.numeric.rare_events.rank_deficit`), with elliptical slice moves of one neuron.
    Beside the estimate of :math:`p` it reports ``certificate_log_interval``, an interval for
    :math:`\mathbb P(L\ge1)`, the probability that K3 cannot certify :math:`A\circ X` of full column rank:
    for :math:`X` in general position :math:`p\le\mathbb P(L\ge1)`, a rigorous bound (up to the interval's
    level) that stays informative where the event itself is out of reach.  Needs :math:`d_0d_1\ge N`,
    :math:`d_1\le62`.
    ``"rank-bound"``: the same run stopped at :math:`L\ge1`: only the bound (``reached`` is ``False``,
    ``log_p_interval`` is :math:`(-\infty, \log u]`), without the residual's solves of the levels of
    :math:`m` (rank-deficient, so by the SVD: 3 ms each at :math:`N = 96`, the bulk of a full run's time).
    Its ``samples`` and ``event_statistic`` are those of :math:`\{L\ge1\}` instead of the event:
    ``statistic_log_p`` estimates :math:`\mathbb E[h1\{L\ge1\}]`.
    ``"mc"``: plain Monte Carlo with ``budget`` samples (the draws of
    :func:`~vanishing_minima.numeric.sample_bad_region_event`) and the exact Clopper-Pearson interval at
    error rate ``1 - level``; with no event, ``log_p = -inf`` and the interval is
    :math:`(-\infty, \log u)`, :math:`u` the exact upper end.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data, real and finite, with no zero column.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width: an integer ``>= 1``.
    eps : float
        The MCE threshold, a real number in the open interval (0, 1).
    rho : float
        LReLU slope: a finite real number, ``!= 1`` (0: ReLU).
    rng : numpy.random.Generator or int
        The random generator or an integer seed; ``None`` is refused.
    method : {"splitting", "dead-points", "rank-deficit", "rank-bound", "mc"}
        The estimator, as described above.
    budget : int or SplittingBudget
        Maximum number of score evaluations, an integer ``>= 1`` (``mc``: the number of samples); see
        :class:`~vanishing_minima.numeric.rare_events.SplittingBudget` for the detailed form (for ``mc`` it
        must give ``evaluations``).
    level : float
        Confidence level, a real number in the open interval (0.5, 1).
    tie_breaker : str
        One of :data:`TIE_BREAKERS`; the default ``"auto"`` (``"dead-max"`` if :math:`d_0d_1\ge N`, else
        ``"residual"``) was chosen by measurement (``docs/methods/splitting.md``).
    block_axis : int or None
        ``0``: move one neuron per kernel application; ``1``: one input coordinate; ``None``: move all of
        :math:`W` (``splitting`` only).
    event_statistic : callable, optional
        ``h(W_batch, A_batch) -> (B,)`` values in [0, 1] (e.g. whether the region of :math:`W` holds a
        DLM); the result then also estimates :math:`\mathbb P(\text{V2 event and } h)`
        (:math:`\mathbb E[h1\{\text{V2}\}]`) from the same runs, with its interval.  For ``mc`` the point
        estimate is the mean of :math:`h1\{\text{V2}\}` and the interval is Clopper-Pearson on
        Bernoulli(:math:`h`) draws, exact.  It must return one finite value in [0, 1] per sample.
    keep_samples : bool
        Return the event samples (``samples``).
    batch : int, optional
        Samples per residual call, an integer ``>= 1`` (memory; the numbers do not depend on it).
    interval : str, optional
        Interval method for ``splitting``, ``dead-points`` and ``rank-deficit``, one of
        :data:`~vanishing_minima.numeric.rare_events.INTERVAL_METHODS`.  Default: ``"log-t"`` for ``splitting``
        (its repetitions can be 0 and heavy-tailed), ``"lognormal"`` for the other two (the log of a product
        of many level fractions; measured coverage at level 0.95 on the family: README).
    max_work : float, optional
        Work cap, a finite number > 0 (default :data:`V2_MAX_WORK`, 1e13): the call is refused before any
        sampling when the budget's evaluations (for a ``SplittingBudget`` without ``evaluations``, the least
        its repetitions make) times the operations of one evaluation exceed it.  One evaluation is counted
        as the product :math:`WX` (:math:`2d_1d_0N`; for ``"dead-points"`` mostly row moves,
        :math:`2d_0N`) plus a fixed 4e3: a lower bound on the operations (the certified residual's
        solve comes on top); the message converts it to seconds at 2e9 operations per second.
    max_memory : float, optional
        Memory cap in bytes, a finite number > 0 (default
        :data:`~vanishing_minima.numeric._checks.MAX_MEMORY`, 2 GiB): refused before any sampling when
        the estimated peak exceeds it: for ``"mc"`` and ``"splitting"``, ``batch`` samples' residual work
        arrays (:math:`24(Np + \min(N, p)^2 + 8d_1N)` bytes each, :math:`p = d_0d_1`) plus, for
        ``"splitting"``, two float64 copies of the population the budget allows (up to ``evaluations``
        samples, see :func:`~vanishing_minima.numeric.rare_events.generalized_splitting`); for
        ``"dead-points"``, four copies of its ``R * n`` particles with their :math:`WX` and a batch's
        work arrays.  An estimate: measured peaks (tracemalloc) were 0.2 to 1.3 times it (the most at
        :math:`d_0d_1 = N`, where the residual's fallback solves run).

    Returns
    -------
    RareEventEstimate
        :math:`\log \hat p`, its interval at ``level``, the cost and the run's diagnostics (and the
        statistic's estimate when ``event_statistic`` is given).

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, ``rho`` is not a real number, ``rng`` is not a
        generator or an integer seed, or ``event_statistic`` is not callable.
    ValueError
        ``eps`` outside (0, 1), ``y`` not binary or of the wrong length, ``d1`` or ``batch`` not an integer
        ``>= 1``, ``X`` not 2-D, empty, with NaN or inf or with a zero column, ``rho`` not finite or ``= 1``,
        an unknown ``tie_breaker``, ``method`` or ``interval``, ``level`` outside (0.5, 1), a budget that is
        not a positive integer or a valid :class:`~vanishing_minima.numeric.rare_events.SplittingBudget` or
        cannot pay for the pilot, a budget whose work exceeds ``max_work`` or whose population (or a
        ``batch`` whose work arrays) would exceed ``max_memory``, ``max_work`` or ``max_memory`` not a
        finite number > 0, a ``block_axis`` that is not an axis of :math:`W`, or an
        ``event_statistic`` that returns the wrong shape or values outside [0, 1]; for ``"dead-points"``
        also ``rho != 0``, for ``"rank-deficit"`` and ``"rank-bound"`` ``rho == 0``, and for all three
        ``d0 * d1 < N``, ``d1 > 62`` or ``X`` not in general position (parallel columns or rank below ``min(d0, N)``:
        :func:`~vanishing_minima.numeric.check_general_position`).
    """
    t0 = time.perf_counter()
    score = V2Score(X, y, d1, eps, rho, tie_breaker)
    if method not in V2_METHODS:
        raise ValueError(f"method must be one of {V2_METHODS}; got {method!r}")
    if (
        isinstance(level, (bool, np.bool_))
        or not isinstance(level, numbers.Real)
        or not 0.5 < level < 1
    ):
        raise ValueError(f"level must lie in the open interval (0.5, 1); got {level!r}")
    user_batch = None if batch is None else positive_int("batch", batch)
    if batch is None:  # the residual's default; the dead-point engine sizes its own
        batch = max(1, min(1024, (1 << 20) // (score.n * (score.d0 * score.d1 + 1))))
    else:
        batch = user_batch
    h = None if event_statistic is None else _statistic_wrapper(event_statistic, score)
    if event_statistic is not None and not callable(event_statistic):
        raise TypeError("event_statistic must be callable")
    if interval is None:
        interval = "lognormal" if method in _FIXED_EFFORT else "log-t"
    n = _check_budget(score, method, budget, batch, max_work, max_memory)
    if method in _FIXED_EFFORT:
        if interval not in INTERVAL_METHODS:
            raise ValueError(f"interval must be one of {INTERVAL_METHODS}; got {interval!r}")
        args = (score, rng, budget, level, interval, h, keep_samples, user_batch, t0, max_memory)
        if method == "dead-points":
            return estimate_by_dead_points(*args)
        return estimate_by_rank_deficit(*args, method=method)
    if method == "mc":
        return estimate_by_monte_carlo(
            score, n, as_generator(rng), level, batch, h, keep_samples, t0
        )
    res = generalized_splitting(
        score,
        score.shape,
        float(score.m_star),
        rng=rng,
        budget=budget,
        level=level,
        block_axis=block_axis,
        statistic=h,
        keep_samples=keep_samples,
        batch=batch,
        interval=interval,
        max_memory=max_memory,
    )
    return RareEventEstimate.from_splitting(
        res, m_star=score.m_star, tie_breaker=score.tie_breaker, seconds=time.perf_counter() - t0
    )
