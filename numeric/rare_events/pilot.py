r"""The plan of generalized splitting: levels and kernels, chosen by an independent pilot run.

:func:`choose_level` picks each level among the observed score values (atoms handled exactly);
:func:`run_pilot` climbs to :math:`\gamma`, tuning the pCN constant of each level towards
:data:`ACCEPTANCE_TARGET`, and returns a :class:`SplittingPlan`.  The pilot only sets the plan: the
estimate is unbiased given it (``docs/methods/splitting.md``, The pilot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .budget import SplittingBudget
from .pcn import Scorer, kernel_step
from .population import clone

__all__ = ["ACCEPTANCE_TARGET", "SplittingPlan", "choose_level", "run_pilot"]

#: Acceptance rate the pilot tunes the pCN constant towards.
ACCEPTANCE_TARGET = 0.3
_MAX_LEVELS = 400
_STALL_ROUNDS = 50


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


def run_pilot(
    scorer: Scorer,
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
            pick = keep[clone(keep.size, n, rng)]
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
                    np.mean(kernel_step(pop, S, previous, c, rng, scorer, block_axis))
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
        levels=tuple(levels),
        conditional_probabilities=tuple(fractions),
        pcn_c=tuple(cs),
        acceptance=tuple(accs),
        reached=reached,
        evaluations=scorer.evaluations - start,
        iid_hits=iid_hits,
        iid_trials=n,
    )
