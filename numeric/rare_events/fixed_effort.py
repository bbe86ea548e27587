r"""Fixed-effort splitting over the integer levels :math:`m\ge1,\dots,m^*` of a misclassification count.

The engine behind ``v2_event_probability(method="dead-points")``, independent of the kernel: a
:class:`LevelProblem` supplies the exact count :math:`m` of a batch of pre-activations :math:`U = WX` and
a move that leaves :math:`\mathcal N(0, I)` restricted to :math:`\{m\ge k\}` invariant.  One repetition with
population :math:`n` draws :math:`n` iid :math:`W`, then at each level keeps the particles with
:math:`m\ge k`, resamples them back to :math:`n` (:func:`~.population.resample_by_repetition`) and moves
them; :math:`\hat p = \prod_k\hat\pi_k`, unbiased for every :math:`n` whatever the kernel's mixing (the
particle estimate of a Feynman-Kac normalizing constant).  :math:`R` repetitions run together and the
interval for :math:`\log p` comes from them (:mod:`~.intervals`).  Derivation: ``docs/methods/dead-points.md``.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from .._checks import positive_int
from ..stats import clopper_pearson
from .budget import SplittingBudget
from .intervals import deepest_level_upper, heavy_tail_interval, log_mean_interval
from .population import resample_by_repetition

__all__ = [
    "FixedEffortRun",
    "LevelProblem",
    "evaluations_per_particle",
    "fixed_effort_plan",
    "fixed_effort_splitting",
    "level_interval",
    "particle_batch",
    "particle_bytes",
]


@dataclass(frozen=True, kw_only=True)
class FixedEffortRun:
    r"""Raw outcome of :func:`fixed_effort_splitting` (wrapped by ``v2_event_probability``).

    Beside the fields of :class:`~vanishing_minima.numeric.RareEventEstimate`: ``level_fractions`` (the
    pooled fraction of particles passing each level), ``population`` (particles per repetition),
    ``moves`` (moves per level), ``residual_fallbacks`` (samples whose count needed the residual: K3 did
    not certify them), ``skipped_moves`` (moves the kernel skipped, e.g. because the K3 test on the
    other rows failed), ``iid_hits`` and ``trials`` (events among the iid first draws), ``final_counts``
    (particles at m* per repetition), ``level_log_estimates`` (R, m*): each repetition's log estimate of
    :math:`P(m\ge k)` for every level :math:`k` (``-inf`` past its extinction), ``iid_level_hits`` the
    iid first draws at each level (:func:`level_interval` reads both), ``interval`` the interval method.
    """

    log_p: float
    log_p_interval: tuple[float, float]
    level: float
    log_estimates: tuple[float, ...]
    level_fractions: tuple[float, ...]
    repetitions: int
    population: int
    moves: int
    evaluations: int
    residual_fallbacks: int
    skipped_moves: int
    iid_hits: int
    trials: int
    final_counts: tuple[int, ...]
    samples: np.ndarray | None
    sample_log_weights: np.ndarray | None
    sample_repetition: np.ndarray | None
    statistic_log: float | None
    statistic_log_interval: tuple[float, float] | None
    seconds: float
    note: str
    level_log_estimates: np.ndarray | None = None
    iid_level_hits: tuple[int, ...] | None = None
    interval: str = "lognormal"


class LevelProblem(Protocol):
    """What :func:`fixed_effort_splitting` needs of a problem: data, an exact count and an invariant move.

    ``levels`` and ``move_name`` name the levels and the moves in the run's note, ``certificate`` says
    where the count is cheap; ``fallbacks`` counts the samples whose count needed the residual.
    ``move_evaluations``: ``None`` when a move costs one evaluation per particle, else a running count of
    the evaluations the moves made (a kernel that evaluates several proposals per move).
    """

    X: np.ndarray
    d0: int
    d1: int
    fallbacks: int
    levels: str
    move_name: str
    certificate: str
    move_evaluations: int | None

    def count(self, U: np.ndarray) -> np.ndarray:
        """Exact misclassification counts of pre-activations ``U`` (B, d1, N)."""

    def move(
        self, W: np.ndarray, U: np.ndarray, k: int, rng: np.random.Generator, batch: int | None
    ) -> int:
        """Move every particle ``W`` (with ``U = W X``) in place by a kernel that leaves N(0, I) restricted
        to {m >= k} invariant; returns the number of skipped moves."""


def particle_batch(n_points: int, d1: int, batch: int | None) -> int:
    """Particles per array operation of a move: ``batch`` checked (an integer >= 1), or by default about
    64 MB of (d1 + 4, N) float64 work arrays per batch."""
    return (
        max(16, (1 << 23) // (n_points * (d1 + 4)))
        if batch is None
        else positive_int("batch", batch)
    )


def particle_bytes(R: int, n: int, d0: int, d1: int, n_points: int, batch: int) -> float:
    """Bytes the engine holds for ``R * n`` particles (``W`` and ``U = WX``, four copies: measured peak
    3.6) and one batch's work arrays (:math:`8N(d_1 + 4)` per particle)."""
    return 8.0 * (4.0 * R * n * d1 * (d0 + n_points) + min(batch, R * n) * n_points * (d1 + 4))


def evaluations_per_particle(m_star: int, moves: int) -> int:
    """Evaluations one particle costs through the levels 1..m*: its iid draw, then per level after the
    first ``moves`` moves and one level test."""
    return 1 + (m_star - 1) * (moves + 1)


def fixed_effort_plan(
    budget, d1: int, m_star: int, default_repetitions: int
) -> tuple[int, int, int]:
    """(repetitions, population, moves) from an int budget (``default_repetitions`` repetitions,
    ``2 d1`` moves) or a SplittingBudget; raises ValueError when fewer than 2 particles fit."""
    if isinstance(budget, SplittingBudget):
        R, moves = budget.repetitions, budget.moves_per_step
        evaluations, n0 = budget.evaluations, budget.n0
    elif (
        isinstance(budget, (bool, np.bool_))
        or not isinstance(budget, (numbers.Integral, np.integer))
        or budget < 1
    ):
        raise ValueError(
            f"budget must be a positive integer (maximum evaluations) or a SplittingBudget; got {budget!r}"
        )
    else:
        R, moves, evaluations, n0 = default_repetitions, 2 * d1, int(budget), None
    per_particle = evaluations_per_particle(m_star, moves)
    if n0 is None:
        n0 = evaluations // (R * per_particle)
    elif evaluations is not None:
        n0 = min(int(n0), evaluations // (R * per_particle))
    if n0 < 2:
        need = 2 * R * per_particle
        raise ValueError(
            f"budget = {evaluations} evaluations cannot pay for {R} repetitions of at least 2 particles through "
            f"{m_star} levels with {moves} moves each ({per_particle} evaluations per particle); "
            f"raise it to at least {need}"
        )
    return R, int(n0), moves


def fixed_effort_splitting(
    problem: LevelProblem,
    m_star: int,
    *,
    R: int,
    n: int,
    moves: int,
    rng: np.random.Generator,
    level: float,
    interval: str,
    statistic: Callable[[np.ndarray], np.ndarray] | None,
    keep_samples: bool,
    batch: int,
    t0: float,
) -> FixedEffortRun:
    """``R`` repetitions of ``n`` particles through the levels 1..``m_star`` of ``problem`` (module
    docstring), on validated inputs; ``t0`` is the caller's start time (for ``seconds``)."""
    X, d0, d1 = problem.X, problem.d0, problem.d1
    evaluations = 0
    skipped = 0

    def count(U):
        return np.concatenate(
            [problem.count(U[j : j + batch]) for j in range(0, U.shape[0], batch)]
        )

    W = rng.standard_normal((R * n, d1, d0))
    U = W @ X
    m = count(U)
    evaluations += R * n
    iid_hits = int(np.sum(m >= m_star))
    iid_level_hits = tuple(int(np.sum(m >= k)) for k in range(1, m_star + 1))
    rep = np.repeat(np.arange(R), n)
    log_est = np.zeros(R)
    level_log = np.full((R, m_star), -np.inf)  # log estimate of P(m >= k) per repetition
    fractions = []
    for k in range(1, m_star + 1):
        before = np.bincount(rep, minlength=R) > 0
        alive = m >= k
        c = np.bincount(rep[alive], minlength=R)
        with np.errstate(divide="ignore"):
            log_est = np.where(before, log_est + np.log(c / n), -np.inf)
        level_log[:, k - 1] = log_est
        fractions.append(float(np.sum(c) / (n * np.sum(before))))
        W, U, m, rep = W[alive], U[alive], m[alive], rep[alive]
        if k == m_star or W.shape[0] == 0:
            break
        pick = resample_by_repetition(rep, R, n, rng)
        W, U, rep = W[pick], U[pick], rep[pick]
        counted = problem.move_evaluations
        for _ in range(moves):
            skipped += problem.move(W, U, k, rng, batch)
        U = W @ X  # the moves update U incrementally; the level test uses the exact product
        m = count(U)
        if counted is None:
            evaluations += W.shape[0] * (moves + 1)
        else:
            evaluations += W.shape[0] + problem.move_evaluations - counted
        if np.any(m < k):  # pragma: no cover - the moves keep every particle at the level
            raise RuntimeError("a move left the level set (report this as a bug)")
    final = np.bincount(rep, minlength=R)
    log_reps = level_log[:, -1]
    notes: list[str] = []
    log_p, ci = _interval(log_reps, level_log, iid_hits, R * n, level, interval, m_star, notes)
    stat_log = stat_ci = None
    if statistic is not None:
        h = np.asarray(statistic(W), dtype=float) if W.shape[0] else np.empty(0)
        stat_log, stat_ci = _statistic_interval(h, rep, final, log_reps, ci, level, interval)
    log_w = log_est - np.log(np.maximum(final, 1))
    note = (
        f"fixed-effort splitting over the {problem.levels} levels 1..{m_star}: {R} repetitions of {n} "
        f"particles, {moves} {problem.move_name} moves per level, {evaluations} evaluations; the residual "
        f"was needed for {problem.fallbacks} samples ({problem.certificate}), {skipped} moves skipped; "
        f"interval {interval} at level {level:g} from the repetitions"
    )
    if notes:
        note += "; " + "; ".join(notes)
    return FixedEffortRun(
        log_p=float(log_p),
        log_p_interval=(float(ci[0]), float(ci[1])),
        level=float(level),
        log_estimates=tuple(float(v) for v in log_reps),
        level_fractions=tuple(fractions),
        repetitions=R,
        population=n,
        moves=moves,
        evaluations=int(evaluations),
        residual_fallbacks=int(problem.fallbacks),
        skipped_moves=int(skipped),
        iid_hits=iid_hits,
        trials=R * n,
        final_counts=tuple(int(v) for v in final),
        samples=W if keep_samples else None,
        sample_log_weights=log_w[rep] if keep_samples else None,
        sample_repetition=rep if keep_samples else None,
        statistic_log=stat_log,
        statistic_log_interval=stat_ci,
        seconds=time.perf_counter() - t0,
        note=note,
        level_log_estimates=level_log,
        iid_level_hits=iid_level_hits,
        interval=interval,
    )


def level_interval(run: FixedEffortRun, k: int) -> tuple[float, tuple[float, float], list[str]]:
    r"""Log estimate of :math:`P(m\ge k)` at an intermediate level ``k`` of ``run`` and its interval, made
    as the run's own (an upper end only when every repetition is 0 there, conservative when heavy-tailed);
    the caveats as a list of notes."""
    if not 1 <= k <= run.level_log_estimates.shape[1]:
        raise ValueError(
            f"k must be a level of the run, 1..{run.level_log_estimates.shape[1]}; got {k}"
        )
    notes: list[str] = []
    logs = run.level_log_estimates[:, :k]
    log_p, ci = _interval(
        logs[:, -1], logs, run.iid_level_hits[k - 1], run.trials, run.level, run.interval, k, notes
    )
    return float(log_p), (float(ci[0]), float(ci[1])), notes


def _interval(log_reps, level_log, iid_hits, trials, level, interval, m_star, notes):
    """``(log_p, interval)`` from the repetitions' logs: an upper end only when every repetition is 0,
    the conservative interval when they are heavy-tailed (and always but for ``"lognormal"`` on
    positive repetitions); the caveats are appended to ``notes``."""
    R = log_reps.size
    log_p, ci = log_mean_interval(log_reps, level, interval)
    if np.all(np.isneginf(log_reps)):
        deepest, upper = deepest_level_upper(level_log, level, interval)
        if deepest >= 0:
            notes.append(
                f"no repetition reached m* = {m_star}: upper end from the {level:g} interval for "
                f"P(m >= {deepest + 1}), a probability >= p, the deepest level passed"
            )
        else:
            upper = math.log(clopper_pearson(iid_hits, trials, 2 * (1 - level))[1])
            notes.append(
                "no repetition passed level 1: upper end from the exact Clopper-Pearson bound of the "
                "iid draws"
            )
        ci = (-math.inf, upper)
    zeros = int(np.sum(np.isneginf(log_reps)))
    if zeros:
        notes.append(f"{zeros} of {R} repetitions ended with no particle at m* (kept as 0)")
    if interval != "lognormal" or not np.all(np.isfinite(log_reps)):
        ci, _, heavy = heavy_tail_interval(log_p, ci, log_reps, iid_hits, trials, level)
        if heavy:
            notes.append(heavy)
    return log_p, ci


def _statistic_interval(h, rep, final, log_reps, ci, level, interval):
    """Log estimate and interval of E[h 1{m >= m*}]: each repetition's estimate times the mean of ``h``
    over its final particles."""
    R = log_reps.size
    sum_h = np.bincount(rep, weights=h, minlength=R)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_stat = np.where(
            final > 0, log_reps + np.log(sum_h) - np.log(np.maximum(final, 1)), -np.inf
        )
    stat_log, stat_ci = log_mean_interval(log_stat, level, interval)
    if np.all(np.isneginf(log_stat)):
        stat_ci = (-math.inf, float(ci[1]))
    return stat_log, stat_ci
