r"""How much work a splitting run may do: :class:`SplittingBudget`, and its memory bound.

Shared by :func:`~vanishing_minima.numeric.rare_events.splitting.generalized_splitting`, the dead-point
estimator and :func:`~vanishing_minima.numeric.v2_event_probability` (which checks a budget's work and
memory before any sampling).  See ``docs/methods/splitting.md`` (Budget).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_memory, positive_int

__all__ = ["SplittingBudget", "as_budget", "population_bound", "check_population_memory"]


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
        :math:`n_0\hat\ell_1` (``>= 1``); see ``docs/methods/splitting.md`` (population cap).
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


def as_budget(budget: Any) -> SplittingBudget:
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


def population_bound(budget: SplittingBudget) -> int:
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


def check_population_memory(budget: SplittingBudget, shape: tuple[int, ...], max_memory) -> None:
    """Refuse a budget whose population, two float64 copies of it (the repetitions' first draw and its
    survivors), would exceed ``max_memory`` bytes."""
    held = population_bound(budget)
    check_memory(
        f"generalized splitting with budget evaluations = {budget.evaluations}, n0 = {budget.n0}, "
        f"repetitions = {budget.repetitions} (up to {held} samples of shape {shape}, two copies)",
        2.0 * 8.0 * held * math.prod(shape),
        max_memory,
    )
