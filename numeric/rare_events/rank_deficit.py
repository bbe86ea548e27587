r"""The V2 event for leaky units through K3's rank deficit: fixed-effort splitting with elliptical slice moves.

For a leaky unit (:math:`\rho\notin\{0, 1\}`) no column of :math:`A = a(WX)` is zero, so a misclassified
point needs rank loss: :math:`e_A\ne0` needs :math:`A\circ X` of rank :math:`< N`, and for :math:`X` in
general position (K3) a set :math:`T` of points with :math:`|T| > d_0\operatorname{rank}(A_T)`.  The
patterns of a rank-:math:`r` set take at most :math:`2^r` values, so the *deficit*

.. math:: L(W) = \max_{r:\,d_0r<N}\big(c_r(W) - d_0r\big),\qquad c_r = \text{the } 2^r
          \text{ largest pattern multiplicities, summed}

(:func:`~vanishing_minima.numeric.generic_rank.top_multiplicity_deficit`) is :math:`\le 0` wherever
:math:`A\circ X` has full column rank certified, and there :math:`m(W) = 0`.  The integer score

.. math:: S(W) = \min(L(W), 1) + m(W)

is exact (:math:`m` by the certified residual only where :math:`L\ge1`), and the V2 event is
:math:`S\ge 1+m^*`.  :class:`RankDeficitProblem` climbs its integer levels from a base set by an
independent pilot, through :math:`S\ge1` (K3's certificate fails: a rigorous upper bound on :math:`p`,
:math:`p\le\mathbb P(L\ge1)`), to :math:`S\ge1+m^*`; its move is an elliptical slice step (Murray, Adams &
MacKay 2010) of one random row of :math:`W`, which leaves :math:`\mathcal N(0, I)` restricted to
:math:`\{S\ge k\}` invariant.  :func:`estimate_by_rank_deficit` is
``v2_event_probability(method="rank-deficit")``.  Derivation and measurements:
``docs/methods/rank-deficit.md``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from .._checks import as_generator, check_memory
from ..generic_rank import pattern_codes, top_multiplicity_deficit
from ..khatri_rao import dlm_residual_unchecked, pattern_unchecked
from .estimate import RareEventEstimate
from .fixed_effort import (
    FixedEffortRun,
    fixed_effort_plan,
    fixed_effort_splitting,
    level_interval,
    particle_batch,
    particle_bytes,
)
from .score import V2Score

__all__ = [
    "RANK_DEFICIT_DEFAULT_REPETITIONS",
    "RANK_DEFICIT_PILOT",
    "SLICE_MAX_SHRINKS",
    "RankDeficitProblem",
    "RankDeficitRun",
    "estimate_by_rank_deficit",
    "rank_deficit_splitting",
]

#: Repetitions when the budget is an integer.
RANK_DEFICIT_DEFAULT_REPETITIONS = 10
#: iid draws of the independent pilot that sets the base level (the median of :math:`S` there).
RANK_DEFICIT_PILOT = 200
#: Proposals of one elliptical slice move at most; a particle whose proposals all fail stays put (the
#: truncated shrinkage is still reversible: forward and backward paths use the same proposals).
SLICE_MAX_SHRINKS = 24
#: Evaluations one slice move is planned to cost (measured 2.1 at N = 96 and 3.5 at N = 256 on the audit's
#: family, rho = 0.3); the reported ``evaluations`` are counted, not planned.
_PLANNED_EVALUATIONS_PER_MOVE = 3
_TWO_PI = 2.0 * math.pi


class RankDeficitProblem:
    r"""X, labels, slope and sizes, with the exact score :math:`S - \text{base}` of a batch of
    pre-activations and the elliptical slice move (a
    :class:`~vanishing_minima.numeric.rare_events.fixed_effort.LevelProblem`).

    ``base``: the level below the first (level :math:`k` is :math:`S\ge\text{base}+k`).
    """

    levels = "K3-deficit"
    move_name = "elliptical slice"
    certificate = "elsewhere the K3 deficit L <= 0 certifies m = 0"

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        d1: int,
        rho: float,
        base: int = 0,
        residual_batch: int = 64,
        with_m: bool = True,
    ):
        self.X, self.y, self.d1, self.rho, self.base = X, y, d1, rho, int(base)
        self.d0, self.n = X.shape
        self.label1 = y > 0.5
        self.fallbacks = 0
        self.move_evaluations = 0
        self.residual_batch = residual_batch
        self.with_m = with_m  # False: S = min(L, 1) only (the levels stop at S >= 1)

    def score(self, U: np.ndarray) -> np.ndarray:
        r""":math:`S = \min(L, 1) + m` of pre-activations ``U`` (B, d1, N); the residual only where :math:`L\ge1`."""
        _refuse_zero(U)
        return self._score(pattern_codes(U > 0), lambda rows: U[rows])

    def _score(self, codes: np.ndarray, pre_activations) -> np.ndarray:
        """:math:`S` from the pattern codes (B, N); ``pre_activations(rows)`` gives those rows' ``U`` where
        the residual is needed (in chunks of ``residual_batch``)."""
        B, N = codes.shape
        L = top_multiplicity_deficit(
            codes, np.ones((B, N), dtype=bool), self.d0, self.d1, N, affine=True
        )
        S = np.minimum(L, 1)
        bad = np.flatnonzero(L >= 1) if self.with_m else np.zeros(0, dtype=np.int64)
        self.fallbacks += bad.size
        for j in range(0, bad.size, self.residual_batch):
            rows = bad[j : j + self.residual_batch]
            A = pattern_unchecked(pre_activations(rows), self.rho)
            e = dlm_residual_unchecked(A, self.X, self.y)
            S[rows] += np.sum(((self.y - e) > 0.5) != self.label1, axis=1)
        return S

    def count(self, U: np.ndarray) -> np.ndarray:
        r""":math:`S - \text{base}` (the engine's levels are 1, 2, ...)."""
        return self.score(U) - self.base

    def move(
        self, W: np.ndarray, U: np.ndarray, k: int, rng: np.random.Generator, batch: int | None
    ) -> int:
        """One elliptical slice move of one random row per particle at level ``count >= k`` (in place).

        The random numbers are drawn for all particles at once (``batch`` does not change them).  Returns
        the number of particles that stayed put after :data:`SLICE_MAX_SHRINKS` proposals."""
        B = W.shape[0]
        i = rng.integers(self.d1, size=B)
        nu = rng.standard_normal((B, self.d0))
        u = rng.random((B, SLICE_MAX_SHRINKS))
        step = B if batch is None else max(1, batch)
        return sum(
            self._slice_chunk(
                W[j : j + step],
                U[j : j + step],
                k,
                i[j : j + step],
                nu[j : j + step],
                u[j : j + step],
            )
            for j in range(0, B, step)
        )

    def _slice_chunk(self, W, U, k, i, nu, u) -> int:
        """The slice move on a chunk, with its random numbers (row, direction, uniforms) given.  Only row
        ``i`` changes along the ellipse, so the other rows' pattern bits are coded once."""
        B = W.shape[0]
        if B == 0:
            return 0
        bit = np.int64(1) << i.astype(np.int64)
        others = pattern_codes(U > 0) & ~bit[:, None]
        w0 = W[np.arange(B), i].copy()
        theta = _TWO_PI * u[:, 0]
        lo, hi = theta - _TWO_PI, theta.copy()
        active = np.ones(B, dtype=bool)
        for t in range(SLICE_MAX_SHRINKS):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            th = theta[idx]
            w = w0[idx] * np.cos(th)[:, None] + nu[idx] * np.sin(th)[:, None]
            row = w @ self.X
            _refuse_zero(row)
            codes = others[idx] | np.where(row > 0, bit[idx, None], 0)

            def pre_activations(rows, idx=idx, row=row):
                Ut = U[idx[rows]].copy()
                Ut[np.arange(rows.size), i[idx[rows]]] = row[rows]
                return Ut

            self.move_evaluations += idx.size
            ok = self._score(codes, pre_activations) - self.base >= k
            took = idx[ok]
            W[took, i[took]] = w[ok]
            U[took, i[took]] = row[ok]
            active[took] = False
            rej = idx[~ok]
            below = theta[rej] < 0
            lo[rej] = np.where(below, theta[rej], lo[rej])
            hi[rej] = np.where(below, hi[rej], theta[rej])
            if t + 1 < SLICE_MAX_SHRINKS:
                theta[rej] = lo[rej] + u[rej, t + 1] * (hi[rej] - lo[rej])
        return int(np.sum(active))


def _refuse_zero(U: np.ndarray) -> None:
    if np.any(U == 0):
        raise ValueError(
            "a pre-activation w_i^T x_n is exactly 0: W lies on a region boundary (a(0) is undefined)"
        )


@dataclass(frozen=True, kw_only=True)
class RankDeficitRun:
    r"""A fixed-effort run on :class:`RankDeficitProblem` with where its levels sit.

    ``run``: the engine's :class:`~vanishing_minima.numeric.rare_events.fixed_effort.FixedEffortRun`;
    ``base``: level ``k`` is :math:`S\ge\text{base}+k`; ``certificate_level``: the engine's level of
    :math:`S\ge1`; ``certificate_log_p``, ``certificate_log_interval``: the log estimate of
    :math:`\mathbb P(L\ge1)` and its interval (the rigorous bound :math:`p\le\mathbb P(L\ge1)`), with
    ``certificate_notes`` the interval's caveats;
    ``pilot_evaluations``: the pilot's draws.
    """

    run: FixedEffortRun
    base: int
    certificate_level: int
    certificate_log_p: float
    certificate_log_interval: tuple[float, float]
    certificate_notes: tuple[str, ...]
    pilot_evaluations: int


def rank_deficit_splitting(
    X: np.ndarray,
    y: np.ndarray,
    d1: int,
    rho: float,
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
    to_event: bool = True,
) -> RankDeficitRun:
    r"""The engine of ``v2_event_probability(method="rank-deficit")`` and ``"rank-bound"`` on validated inputs.

    An independent pilot (:data:`RANK_DEFICIT_PILOT` iid draws from a generator spawned from ``rng``)
    sets the base at the median of :math:`S` minus 1; the levels are then :math:`S\ge\text{base}+1, \dots,
    1+m^*` (``to_event``) or up to :math:`S\ge1` only (K3's certificate fails: the bound, without the
    residual's solves that the levels of :math:`m` need).  ``budget`` fixes the repetitions, population
    and moves per level as for the dead-point engine, planning :data:`_PLANNED_EVALUATIONS_PER_MOVE`
    evaluations per slice move.  ``batch``: particles per array operation of a move.  ``max_memory``: refused
    before any sampling when four copies of the particles and a batch's residual work arrays exceed it.
    """
    t0 = time.perf_counter()
    gen = as_generator(rng)
    pilot_rng, run_rng = gen.spawn(2)
    d0, N = X.shape
    p = d0 * d1
    residual_batch = max(1, min(4096, (1 << 22) // (N * (p + 1))))
    problem = RankDeficitProblem(X, y, d1, rho, residual_batch=residual_batch, with_m=to_event)
    pilot = problem.score(pilot_rng.standard_normal((RANK_DEFICIT_PILOT, d1, d0)) @ X)
    problem.fallbacks = 0
    base = min(int(np.median(pilot)) - 1, 0)
    problem.base = base
    levels = (1 + m_star if to_event else 1) - base
    R, n, moves = fixed_effort_plan(_planned(budget), d1, levels, RANK_DEFICIT_DEFAULT_REPETITIONS)
    p = d0 * d1
    batch = particle_batch(N, d1, batch)
    check_memory(
        f"rank-deficit splitting with budget = {budget!r} ({R} repetitions of n = {n} particles at "
        f"d1 x d0 x N = {d1} x {d0} x {N}, four copies, and residual calls of {residual_batch} samples)",
        particle_bytes(R, n, d0, d1, N, batch)
        + 24.0 * residual_batch * (N * p + min(N, p) ** 2 + 8 * d1 * N),
        max_memory,
    )
    run = fixed_effort_splitting(
        problem,
        levels,
        R=R,
        n=n,
        moves=moves,
        rng=run_rng,
        level=level,
        interval=interval,
        statistic=statistic,
        keep_samples=keep_samples,
        batch=batch,
        t0=t0,
    )
    cert = 1 - base  # the engine's level of S >= 1
    c_log, c_ci, c_notes = level_interval(run, cert)
    c_log, c_ci = min(c_log, 0.0), (min(c_ci[0], 0.0), min(c_ci[1], 0.0))  # a probability: log <= 0
    return RankDeficitRun(
        run=run,
        base=base,
        certificate_level=cert,
        certificate_log_p=c_log,
        certificate_log_interval=c_ci,
        certificate_notes=tuple(c_notes),
        pilot_evaluations=RANK_DEFICIT_PILOT,
    )


def _planned(budget):
    """The budget as the engine plans it: an integer budget divided by the evaluations a slice move is
    planned to cost (a :class:`SplittingBudget` is taken as given)."""
    if (
        isinstance(budget, (int, np.integer))
        and not isinstance(budget, (bool, np.bool_))
        and budget >= 1
    ):
        return max(1, int(budget) // _PLANNED_EVALUATIONS_PER_MOVE)
    return budget


def estimate_by_rank_deficit(
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
    *,
    method: str = "rank-deficit",
) -> RareEventEstimate:
    r"""``v2_event_probability(method="rank-deficit")`` and ``"rank-bound"``: checks the domain (a leaky
    unit, ``d0 d1 >= N``, ``d1 <= 62``, X in general position as far as
    :func:`~vanishing_minima.numeric.generic_rank.check_general_position` tests it) and wraps
    :func:`rank_deficit_splitting`.  ``"rank-bound"`` stops at K3's certificate: its result is not
    ``reached`` and its interval is :math:`(-\infty, \log u]`, :math:`u` the upper end for
    :math:`\mathbb P(L\ge1)\ge p`; its samples and statistic are those of :math:`\{L\ge1\}`
    (:math:`\mathbb E[h1\{L\ge1\}]`, e.g. with :math:`h = 1\{\operatorname{rank}(A\circ X) < N\}` the
    probability of rank loss itself, which implies :math:`L\ge1`)."""
    if score.rho == 0:
        raise ValueError(
            f"method={method!r} needs a leaky unit (rho != 0: with ReLU, dead columns carry the event); "
            "got rho = 0; use method='dead-points'"
        )
    score.require_certificate_domain(method)
    to_event = method == "rank-deficit"
    out = rank_deficit_splitting(
        score.X,
        score.y,
        score.d1,
        score.rho,
        score.m_star,
        rng=rng,
        budget=budget,
        level=level,
        interval=interval,
        statistic=h,
        keep_samples=keep_samples,
        batch=batch,
        max_memory=max_memory,
        to_event=to_event,
    )
    run = out.run
    lo, hi = out.certificate_log_interval
    top = 1 + score.m_star if to_event else 1
    note = (
        f"{run.note}; levels S >= {out.base + 1}..{top} of S = min(L, 1) + m (pilot of "
        f"{out.pilot_evaluations} draws); K3's certificate fails (L >= 1, a rigorous bound p <= P(L >= 1) "
        f"for X in general position) with log P = {out.certificate_log_p:.4g} [{lo:.4g}, {hi:.4g}]"
        + "".join(f" ({c})" for c in out.certificate_notes)
    )
    est = RareEventEstimate.from_fixed_effort(
        run, method=method, m_star=score.m_star, seconds=time.perf_counter() - t0
    )
    est = replace(
        est,
        evaluations=est.evaluations + out.pilot_evaluations,
        levels=tuple(float(out.base + k) for k in range(1, len(run.level_fractions) + 1)),
        note=note,
        certificate_log_p=out.certificate_log_p,
        certificate_log_interval=out.certificate_log_interval,
    )
    if to_event:
        return est
    return replace(
        est,
        log_p=-math.inf,
        log_p_interval=(-math.inf, hi),
        reached=False,
        hits=0,
        note=note + "; stopped at the certificate's level: only the upper end on p is given",
    )
