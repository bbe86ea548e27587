r"""The V2 event at fixed data through its dead points: fixed-effort splitting with exact elliptical moves.

Setting: ReLU (:math:`\rho = 0`), :math:`X\in\mathbb R^{d_0\times N}` in general position (e.g. Gaussian),
labels :math:`y\in\{0,1\}^N`, :math:`W\sim\mathcal N(0, I_{d_1\times d_0})`, and the target of
:func:`~vanishing_minima.numeric.v2_event_probability`,

.. math:: p = \mathbb P_W\big(m(W)\ge m^*\big),\qquad
          m(W) = \#\{n : \text{point } n \text{ misclassified by } y - e_{a(WX)}\}.

Why dead points
---------------
A point is *dead* when every neuron is off there (:math:`w_i^\top x_n < 0` for all :math:`i`); its column of
:math:`A\circ X` is zero, so :math:`e_n = y_n` and a dead point of label 1 is misclassified, whatever the rest.
Where K3 certifies that the live columns are independent
(:func:`~vanishing_minima.numeric.khatri_rao.k3_full_rank_certificate`, a test on the pattern's
multiplicities that holds for every :math:`X` in general position), :math:`e_A = 0` on the live points and

.. math:: m(W) = D(W) := \#\{n : y_n = 1,\ w_i^\top x_n < 0\ \forall i\}

exactly.  Where it does not certify, :math:`m` is computed by the certified residual
(:func:`~vanishing_minima.numeric.dlm_residual`); so :math:`m` is exact everywhere, and cheap (one product
:math:`WX`) almost everywhere.  The estimator reports how often it needed the residual.

The estimator: fixed-effort splitting (sequential Monte Carlo) with fixed integer levels
---------------------------------------------------------------------------------------
Levels :math:`k = 1, 2, \dots, m^*` (fixed before any sampling: no pilot).  One repetition with population
:math:`n`:

1. draw :math:`n` iid :math:`W`; :math:`\hat\pi_1` is the fraction with :math:`m\ge1`;
2. for :math:`k = 1,\dots,m^*-1`: resample the survivors (:math:`m\ge k`) to :math:`n` particles, each
   survivor :math:`\lfloor n/c\rfloor` times plus one more for :math:`n \bmod c` of them chosen uniformly
   (:math:`c` survivors; each is copied :math:`n/c` times in expectation); move every particle by
   ``moves`` applications of a kernel :math:`K_k` that leaves :math:`\mathcal N(0,I)` restricted to
   :math:`\{m\ge k\}` invariant; :math:`\hat\pi_{k+1}` is the fraction with :math:`m\ge k+1`;
3. return :math:`\hat p = \prod_k\hat\pi_k` (0 if some level has no survivor).

*Unbiasedness* (Del Moral 2004, Thm. 7.4.2; Cérou, Del Moral, Furon & Guyader 2012): this is the particle
approximation of the Feynman-Kac flow with potentials :math:`G_k = 1\{m\ge k\}` and mutation kernels
:math:`K_k`, whose normalizing constant :math:`\prod_k\eta_k(G_k)` equals
:math:`\prod_k\mathbb P(m\ge k+1\mid m\ge k)\cdot\mathbb P(m\ge1) = p` because each :math:`K_k` preserves the
law conditioned on :math:`m\ge k`; the particle estimate :math:`\prod_k\eta^n_k(G_k)` is unbiased for every
:math:`n\ge1` and any conditionally unbiased resampling (expected copies proportional to the weights),
whatever the kernels' mixing.  Poor mixing costs variance, not bias.  Unlike generalized splitting with
fixed splitting factors (:mod:`~vanishing_minima.numeric.splitting`), the population cannot die out
gradually: a repetition is 0 only if no particle at all passes a level.

The kernel: exact Gibbs on an ellipse, one neuron at a time
------------------------------------------------------------
Pick a neuron :math:`i` uniformly, draw :math:`\nu\sim\mathcal N(0, I_{d_0})` and move row :math:`w_i` to
:math:`w_i\cos\theta + \nu\sin\theta` with :math:`\theta` drawn *uniformly from the set of angles where the level
still holds* (the exact version of Murray, Adams & MacKay's elliptical slice sampling).  The Gaussian
density of the pair :math:`(w_i, \nu)` is constant on the ellipse, so this is a Gibbs step in the angle and
leaves :math:`\mathcal N(0,I)` restricted to the level set invariant; it never rejects.  The set is exact:
with the other rows fixed, only the label-1 points :math:`C` where every other neuron is off can be dead,
and point :math:`n\in C` is dead iff :math:`a_n\cos\theta + b_n\sin\theta < 0`
(:math:`a_n = w_i^\top x_n`, :math:`b_n = \nu^\top x_n`), an arc of length :math:`\pi`; so
:math:`D(\theta)` is a step function with :math:`2|C|` breakpoints, and :math:`\{\theta: D(\theta)\ge k\}` a union
of intervals, sampled exactly.  This equals :math:`\{\theta: m(\theta)\ge k\}` when K3 certifies every
pattern on the ellipse; a sufficient test uses the multiplicities of the patterns of the *other* rows
(any pattern on the ellipse restricts to one of them, so :math:`c_r` over them bounds :math:`c_r` on the
whole ellipse).  Where that test fails the move is skipped (the particle stays: the test depends only
on the rows the move does not change, so skipping is itself an invariant kernel).

Repetitions and the interval
----------------------------
:math:`R` independent repetitions (vectorized together) give iid unbiased :math:`\hat p_r`; the estimate is
their mean and the interval for :math:`\log p` is built from them alone
(:func:`~vanishing_minima.numeric.splitting.log_mean_interval`).  Default ``"lognormal"``: each
:math:`\log\hat p_r` is a sum of :math:`m^*` logged level fractions, close to normal, and the modified Cox
interval for the log of a log-normal mean uses that; it is an assumption, checked by measured coverage
(``scripts/dead_point_coverage.py``; README).  With a zero repetition, or with ``"log-t"``/``"t"``, the
splitting rules apply (delta method, and the conservative interval when the repetitions are
heavy-tailed).  When every repetition is 0, only an upper end is given: the interval's upper end for
:math:`\mathbb P(m\ge k)\ge p` at the deepest level :math:`k` some repetition passed (or the exact
Clopper-Pearson bound of the iid draws).

Cost
----
An *evaluation* is one new sample's misclassification count: each iid draw, each row move (one
:math:`d_0\times N` product and a sort of :math:`2N` angles), and each level test.  A repetition costs
:math:`n\,(1 + (m^*-1)(\text{moves}+1))` evaluations; ``budget`` fixes :math:`n`.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass

import numpy as np

from ._checks import as_generator, check_memory, positive_int
from .khatri_rao import (
    dlm_residual_unchecked,
    pattern_codes,
    top_multiplicity_certificate,
)
from .splitting import (
    SplittingBudget,
    _clone,
    _deepest_level_upper,
    _heavy_tail_interval,
    log_mean_interval,
)
from .stats import clopper_pearson

__all__ = ["DeadPointRun", "dead_point_splitting", "DEAD_POINT_DEFAULT_REPETITIONS"]

#: Repetitions when the budget is an integer.
DEAD_POINT_DEFAULT_REPETITIONS = 10
_TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class DeadPointRun:
    """Raw outcome of :func:`dead_point_splitting` (wrapped by ``v2_event_probability(method="dead-points")``).

    Beside the fields of :class:`~vanishing_minima.numeric.RareEventEstimate`: ``level_fractions`` (the
    pooled fraction of particles passing each level), ``population`` (particles per repetition),
    ``moves`` (elliptical moves per level), ``residual_fallbacks`` (samples whose count needed the
    residual: K3 did not certify them), ``skipped_moves`` (moves skipped because the K3 test on the other
    rows failed), ``iid_hits`` and ``trials`` (events among the iid first draws), ``final_counts``
    (particles at m* per repetition).
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


class _Problem:
    """X, labels and sizes, with the exact misclassification count of a batch of pre-activations."""

    def __init__(self, X: np.ndarray, y: np.ndarray, d1: int):
        self.X, self.y, self.d1 = X, y, d1
        self.d0, self.n = X.shape
        self.label1 = y > 0.5
        self.fallbacks = 0

    def count(self, U: np.ndarray) -> np.ndarray:
        """Exact m for pre-activations U (B, d1, N): dead label-1 points where K3 certifies, else the residual."""
        if np.any(U == 0):
            raise ValueError(
                "a pre-activation w_i^T x_n is exactly 0: W lies on a region boundary (a(0) is undefined)"
            )
        A = U > 0
        dead = ~A.any(axis=1)
        m = np.sum(dead & self.label1, axis=1)
        codes = pattern_codes(A)
        live = codes != 0
        ok = top_multiplicity_certificate(codes, live, self.d0, self.d1, live.sum(axis=1))
        if not np.all(ok):
            bad = np.flatnonzero(~ok)
            self.fallbacks += bad.size
            e = dlm_residual_unchecked(A[bad].astype(float), self.X, self.y)
            m[bad] = np.sum(((self.y - e) > 0.5) != self.label1, axis=1)
        return m


def _ellipse_moves(
    W: np.ndarray,
    U: np.ndarray,
    k: int,
    prob: _Problem,
    rng: np.random.Generator,
    batch: int | None = None,
) -> int:
    """One exact elliptical Gibbs move of one random row per particle at level ``m >= k`` (in place).

    The random numbers are drawn for all particles at once, so ``batch`` (particles per array operation)
    does not change them.  Returns the number of particles whose move was skipped (the K3 test on the
    other rows failed)."""
    B = W.shape[0]
    i = rng.integers(prob.d1, size=B)
    nu = rng.standard_normal((B, prob.d0))
    u = rng.random(B)
    step = B if batch is None else batch
    return sum(
        _ellipse_chunk(
            W[j : j + step],
            U[j : j + step],
            k,
            prob,
            i[j : j + step],
            nu[j : j + step],
            u[j : j + step],
        )
        for j in range(0, B, max(1, step))
    )


def _ellipse_chunk(
    W: np.ndarray,
    U: np.ndarray,
    k: int,
    prob: _Problem,
    i: np.ndarray,
    nu: np.ndarray,
    u: np.ndarray,
) -> int:
    """:func:`_ellipse_moves` on a chunk, with its random numbers (row, direction, uniform) given."""
    B = W.shape[0]
    if B == 0:
        return 0
    d1, d0, N = prob.d1, prob.d0, prob.n
    ar = np.arange(B)
    a = U[ar, i]
    b = nu @ prob.X
    pos = U > 0
    others_on = pos.sum(axis=1) - pos[ar, i]
    cand = (others_on == 0) & prob.label1[None, :]  # label-1 points only row i can keep alive
    # K3 on every pattern of the ellipse: multiplicities of the other rows' patterns (zero included)
    codes = pattern_codes(pos) & ~(np.int64(1) << i.astype(np.int64))[:, None]
    ok = top_multiplicity_certificate(codes, np.ones((B, N), dtype=bool), d0, d1, np.full(B, N))
    # only the candidates matter: gather them into (B, K), K the largest count in the chunk
    n_cand = cand.sum(axis=1)
    K = max(1, int(n_cand.max()))
    rows, cols = np.nonzero(cand)
    rank = np.cumsum(cand, axis=1)[rows, cols] - 1
    idx = np.zeros((B, K), dtype=np.int64)
    idx[rows, rank] = cols
    valid = np.arange(K)[None, :] < n_cand[:, None]
    a_c = np.take_along_axis(a, idx, axis=1)
    b_c = np.take_along_axis(b, idx, axis=1)
    # dead arc of a candidate: a cos t + b sin t < 0  <=>  t in (phi + pi/2, phi + 3 pi/2) mod 2 pi
    phi = np.arctan2(b_c, a_c)
    s = np.mod(phi + 0.5 * math.pi, _TWO_PI)
    e = np.mod(s + math.pi, _TWO_PI)
    w = valid.astype(np.int64)
    where = np.concatenate([s, e], axis=1)
    step = np.concatenate([w, -w], axis=1)
    order = np.argsort(where, axis=1)
    where = np.take_along_axis(where, order, axis=1)
    step = np.take_along_axis(step, order, axis=1)
    start_count = np.sum(valid & (a_c < 0), axis=1)  # dead points at theta = 0
    counts = np.concatenate(
        [start_count[:, None], start_count[:, None] + np.cumsum(step, axis=1)], 1
    )
    lo = np.concatenate([np.zeros((B, 1)), where], axis=1)
    hi = np.concatenate([where, np.full((B, 1), _TWO_PI)], axis=1)
    length = np.where(counts >= k, hi - lo, 0.0)
    cum = np.cumsum(length, axis=1)
    total = cum[:, -1]
    u = u * total
    j = np.minimum(np.sum(cum <= u[:, None], axis=1), cum.shape[1] - 1)
    # guard: land inside a segment of positive length that satisfies the level
    theta = lo[ar, j] + (u - np.where(j > 0, cum[ar, np.maximum(j - 1, 0)], 0.0))
    theta = np.clip(theta, lo[ar, j], hi[ar, j])
    move = ok & (total > 0)
    c, sn = np.cos(theta), np.sin(theta)
    new_w = W[ar, i] * c[:, None] + nu * sn[:, None]
    new_u = a * c[:, None] + b * sn[:, None]
    W[ar[move], i[move]] = new_w[move]
    U[ar[move], i[move]] = new_u[move]
    return int(B - np.sum(move))


def _resample(rep: np.ndarray, R: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices into the survivors (grouped by repetition ``rep``): n per repetition with survivors,
    each survivor floor(n/c) times and n mod c of them once more, chosen uniformly."""
    out = [
        idx[_clone(idx.size, n, rng)]
        for idx in (np.flatnonzero(rep == r) for r in range(R))
        if idx.size
    ]
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


def _plan(budget, d1: int, m_star: int) -> tuple[int, int, int]:
    """(repetitions, population, moves) from an int budget or a SplittingBudget."""
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
        R, moves, evaluations, n0 = DEAD_POINT_DEFAULT_REPETITIONS, 2 * d1, int(budget), None
    per_particle = 1 + (m_star - 1) * (moves + 1)
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


def dead_point_splitting(
    X: np.ndarray,
    y: np.ndarray,
    d1: int,
    m_star: int,
    *,
    rng,
    budget,
    level: float,
    interval: str = "lognormal",
    statistic=None,
    keep_samples: bool = False,
    batch: int | None = None,
    max_memory: float | None = None,
) -> DeadPointRun:
    """The engine of ``v2_event_probability(method="dead-points")`` on validated inputs (module docstring).

    ``batch``: particles per array operation (memory only; default about 64 MB of work arrays).
    ``max_memory``: memory cap in bytes (default :data:`~vanishing_minima.numeric._checks.MAX_MEMORY`,
    2 GiB): the run is refused before any sampling when its ``R * n`` particles (``W`` and ``U = WX``,
    :math:`8 d_1 (d_0 + N)` bytes each, four copies: measured peak 3.6) and a batch's work arrays
    (:math:`8 N (d_1 + 4)` bytes per particle) exceed it.
    ``statistic(W_batch) -> (B,)`` values in [0, 1] (validated by the caller) is averaged over the final
    survivors of each repetition and multiplied by its estimate (unbiased for E[h 1{event}]).
    """
    t0 = time.perf_counter()
    d0, N = X.shape
    R, n, moves = _plan(budget, d1, m_star)
    batch = max(16, (1 << 23) // (N * (d1 + 4))) if batch is None else positive_int("batch", batch)
    check_memory(
        f"dead-point splitting with budget = {budget!r} ({R} repetitions of n = {n} particles at "
        f"d1 x d0 x N = {d1} x {d0} x {N}, four copies)",
        8.0 * (4.0 * R * n * d1 * (d0 + N) + min(batch, R * n) * N * (d1 + 4)),
        max_memory,
    )
    rng = as_generator(rng)
    prob = _Problem(X, y, d1)
    evaluations = 0
    skipped = 0

    def count(U):
        return np.concatenate([prob.count(U[j : j + batch]) for j in range(0, U.shape[0], batch)])

    W = rng.standard_normal((R * n, d1, d0))
    U = W @ X
    m = count(U)
    evaluations += R * n
    iid_hits = int(np.sum(m >= m_star))
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
        pick = _resample(rep, R, n, rng)
        W, U, rep = W[pick], U[pick], rep[pick]
        for _ in range(moves):
            skipped += _ellipse_moves(W, U, k, prob, rng, batch)
        U = W @ X  # the moves update U incrementally; the level test uses the exact product
        m = count(U)
        evaluations += W.shape[0] * (moves + 1)
        if np.any(m < k):  # pragma: no cover - the moves keep every particle at the level
            raise RuntimeError("an elliptical move left the level set (report this as a bug)")
    final = np.bincount(rep, minlength=R)
    log_reps = level_log[:, -1]
    notes = []
    log_p, ci = log_mean_interval(log_reps, level, interval)
    if np.all(np.isneginf(log_reps)):
        deepest, upper = _deepest_level_upper(level_log, level, interval)
        if deepest >= 0:
            notes.append(
                f"no repetition reached m* = {m_star}: upper end from the {level:g} interval for "
                f"P(m >= {deepest + 1}), a probability >= p, the deepest level passed"
            )
        else:
            upper = math.log(clopper_pearson(iid_hits, R * n, 2 * (1 - level))[1])
            notes.append(
                "no repetition passed level 1: upper end from the exact Clopper-Pearson bound of the "
                "iid draws"
            )
        ci = (-math.inf, upper)
    zeros = int(np.sum(np.isneginf(log_reps)))
    if zeros:
        notes.append(f"{zeros} of {R} repetitions ended with no particle at m* (kept as 0)")
    if interval != "lognormal" or not np.all(np.isfinite(log_reps)):
        ci, _, heavy = _heavy_tail_interval(log_p, ci, log_reps, iid_hits, R * n, level)
        if heavy:
            notes.append(heavy)
    stat_log = stat_ci = None
    if statistic is not None:
        h = np.asarray(statistic(W), dtype=float) if W.shape[0] else np.empty(0)
        sum_h = np.bincount(rep, weights=h, minlength=R)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_stat = np.where(
                final > 0, log_reps + np.log(sum_h) - np.log(np.maximum(final, 1)), -np.inf
            )
        stat_log, stat_ci = log_mean_interval(log_stat, level, interval)
        if np.all(np.isneginf(log_stat)):
            stat_ci = (-math.inf, float(ci[1]))
    log_w = log_est - np.log(np.maximum(final, 1))
    note = (
        f"fixed-effort splitting over the dead-point levels 1..{m_star}: {R} repetitions of {n} particles, "
        f"{moves} elliptical moves per level, {evaluations} evaluations; the residual was needed for "
        f"{prob.fallbacks} samples (elsewhere K3 certifies m = dead label-1 points), {skipped} moves skipped; "
        f"interval {interval} at level {level:g} from the repetitions"
    )
    if notes:
        note += "; " + "; ".join(notes)
    return DeadPointRun(
        float(log_p),
        (float(ci[0]), float(ci[1])),
        float(level),
        tuple(float(v) for v in log_reps),
        tuple(fractions),
        R,
        n,
        moves,
        int(evaluations),
        int(prob.fallbacks),
        int(skipped),
        iid_hits,
        R * n,
        tuple(int(v) for v in final),
        W if keep_samples else None,
        log_w[rep] if keep_samples else None,
        rep if keep_samples else None,
        stat_log,
        stat_ci,
        time.perf_counter() - t0,
        note,
    )
