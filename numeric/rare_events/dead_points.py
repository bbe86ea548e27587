r"""The V2 event at fixed data through its dead points: fixed-effort splitting with exact elliptical moves.

For ReLU (:math:`\rho = 0`), :math:`d_0d_1\ge N` and :math:`X` in general position, a point is *dead* when
every neuron is off there; a dead point of label 1 is misclassified, and where K3 certifies the live
columns independent (:func:`~vanishing_minima.numeric.generic_rank.top_multiplicity_certificate`) the
misclassification count :math:`m(W)` is exactly the number :math:`D(W)` of dead label-1 points (else the
certified residual computes it: :class:`DeadPointProblem`).  :func:`ellipse_moves` moves one neuron at a
time by an exact Gibbs step on an ellipse (it never rejects), and
:func:`~vanishing_minima.numeric.rare_events.fixed_effort.fixed_effort_splitting` climbs the integer levels
:math:`m\ge1,\dots,m^*`.  :func:`estimate_by_dead_points` is ``v2_event_probability(method="dead-points")``.

Derivation (why dead points, unbiasedness, the kernel, the interval, the cost):
``docs/methods/dead-points.md``.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._checks import as_generator, check_memory
from ..generic_rank import pattern_codes, top_multiplicity_certificate
from ..khatri_rao import dlm_residual_unchecked
from .estimate import RareEventEstimate
from .fixed_effort import (
    FixedEffortRun,
    fixed_effort_plan,
    fixed_effort_splitting,
    particle_batch,
    particle_bytes,
)
from .score import V2Score

__all__ = [
    "DEAD_POINT_DEFAULT_REPETITIONS",
    "DeadPointProblem",
    "dead_point_splitting",
    "ellipse_moves",
    "estimate_by_dead_points",
]

#: Repetitions when the budget is an integer.
DEAD_POINT_DEFAULT_REPETITIONS = 10
_TWO_PI = 2.0 * math.pi


class DeadPointProblem:
    """X, labels and sizes, with the exact misclassification count of a batch of pre-activations and
    the elliptical move (a :class:`~vanishing_minima.numeric.rare_events.fixed_effort.LevelProblem`)."""

    levels = "dead-point"
    move_name = "elliptical"
    certificate = "elsewhere K3 certifies m = dead label-1 points"
    move_evaluations = None  # one evaluation per move: the exact arc is chosen without trials

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

    def move(
        self, W: np.ndarray, U: np.ndarray, k: int, rng: np.random.Generator, batch: int | None
    ) -> int:
        """:func:`ellipse_moves` at level ``m >= k``; returns the number of skipped moves."""
        return ellipse_moves(W, U, k, self, rng, batch)


def ellipse_moves(
    W: np.ndarray,
    U: np.ndarray,
    k: int,
    prob: DeadPointProblem,
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
    prob: DeadPointProblem,
    i: np.ndarray,
    nu: np.ndarray,
    u: np.ndarray,
) -> int:
    """:func:`ellipse_moves` on a chunk, with its random numbers (row, direction, uniform) given."""
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
) -> FixedEffortRun:
    """The engine of ``v2_event_probability(method="dead-points")`` on validated inputs.

    ``budget`` fixes the repetitions, the population and the moves per level
    (:func:`~vanishing_minima.numeric.rare_events.fixed_effort.fixed_effort_plan`).
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
    R, n, moves = fixed_effort_plan(budget, d1, m_star, DEAD_POINT_DEFAULT_REPETITIONS)
    batch = particle_batch(N, d1, batch)
    check_memory(
        f"dead-point splitting with budget = {budget!r} ({R} repetitions of n = {n} particles at "
        f"d1 x d0 x N = {d1} x {d0} x {N}, four copies)",
        particle_bytes(R, n, d0, d1, N, batch),
        max_memory,
    )
    return fixed_effort_splitting(
        DeadPointProblem(X, y, d1),
        m_star,
        R=R,
        n=n,
        moves=moves,
        rng=as_generator(rng),
        level=level,
        interval=interval,
        statistic=statistic,
        keep_samples=keep_samples,
        batch=batch,
        t0=t0,
    )


def estimate_by_dead_points(
    score: V2Score,
    rng,
    budget,
    level: float,
    interval: str,
    h,
    keep_samples: bool,
    batch: int | None,
    t0: float,
    max_memory: float | None = None,
) -> RareEventEstimate:
    """``v2_event_probability(method="dead-points")``: checks its domain (ReLU, ``d0 d1 >= N``,
    ``d1 <= 62``, X in general position as far as
    :func:`~vanishing_minima.numeric.generic_rank.check_general_position` tests it) and wraps
    :func:`dead_point_splitting`; ``t0`` is the caller's start time."""
    if score.rho != 0:
        raise ValueError(
            f"method='dead-points' needs ReLU (rho = 0: dead points exist only there); got rho = {score.rho}"
        )
    score.require_certificate_domain("dead-points")
    run = dead_point_splitting(
        score.X,
        score.y,
        score.d1,
        score.m_star,
        rng=rng,
        budget=budget,
        level=level,
        interval=interval,
        statistic=h,
        keep_samples=keep_samples,
        batch=batch,
        max_memory=max_memory,
    )
    return RareEventEstimate.from_fixed_effort(
        run, method="dead-points", m_star=score.m_star, seconds=time.perf_counter() - t0
    )
