"""The bases of the sweeps' tasks and points (:mod:`.sweeps`, :mod:`.experiments`): ``run`` and ``to_dict``."""

from __future__ import annotations

import dataclasses
import numbers
from enum import Enum
from typing import Any

import numpy as np

from ._checks import check_rho, open_unit, positive_int

__all__ = ["SweepPoint", "SweepTask", "Seed", "task_seed", "check_task", "require_task", "plain"]

#: The entropy of a task's generator (``numpy.random.default_rng(seed)``): an integer or a tuple of them.
Seed = int | tuple[int, ...]


def plain(value: Any) -> Any:
    """JSON-ready: NumPy scalars and arrays to Python, tuples to lists, enums to their values, dict keys
    to strings, floats kept exact (also the audit's evidence, :mod:`vanishing_minima.checks.audit`)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Enum):
        return value.value
    return value


class SweepPoint:
    """Mixin of the frozen result dataclasses of the sweep point functions.

    The results are module-level frozen dataclasses of plain values, so they pickle (process pools, Dask)
    and compare field by field.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict in field order (``dataclasses.asdict``), JSON's shapes (:func:`plain`)."""
        return plain(dataclasses.asdict(self))


class SweepTask:
    """Mixin of the frozen task dataclasses of the sweep point functions.

    A task is a module-level frozen dataclass of plain values that carries its own seed, so it pickles
    (process pools, Dask) and gives the same point on every executor.  ``run()`` computes its point with
    the point function of its type (``numeric.run_task`` maps tasks of several types at once).
    """

    __slots__ = ()

    def run(self) -> SweepPoint:
        """The task's point (each task type names its point function)."""
        raise NotImplementedError(f"{type(self).__name__} must define run()")

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict in field order, JSON's shapes (:func:`plain`)."""
        return plain(dataclasses.asdict(self))


def task_seed(name: str, value: Any) -> Seed:
    """A task's seed: an integer >= 0, or a sequence of them as a tuple (``ValueError`` naming ``name`` else).

    A tuple keeps the frozen task immutable and hashable; ``default_rng`` draws the same from a list and
    from the tuple of its entries.
    """
    entries = value if isinstance(value, (list, tuple)) else [value]
    if not entries or any(
        isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 for v in entries
    ):
        raise ValueError(
            f"{name} must be an integer >= 0 or a non-empty sequence of them; got {value!r}"
        )
    return tuple(int(v) for v in entries) if isinstance(value, (list, tuple)) else int(value)


def check_task(
    task: SweepTask,
    *,
    sizes: tuple[str, ...] = (),
    fractions: tuple[str, ...] = (),
    seeds: tuple[str, ...] = ("seed",),
) -> None:
    """Check a frozen task's fields before any work, naming the field that breaks its rule.

    ``sizes``: integers >= 1; ``fractions``: numbers in the open interval (0, 1) (``eps``, an error
    rate, a confidence level); ``rho``, when the task has one: an LReLU slope (finite, not 1); each of
    ``seeds``: an entropy (:func:`task_seed`), a list stored as a tuple.

    Raises
    ------
    ValueError
        If a field breaks its rule.
    TypeError
        If ``rho`` is not a real number.
    """
    for name in sizes:
        positive_int(name, getattr(task, name))
    for name in fractions:
        open_unit(name, getattr(task, name))
    if hasattr(task, "rho"):
        check_rho(task.rho)
    for name in seeds:
        object.__setattr__(task, name, task_seed(name, getattr(task, name)))


def require_task(task: Any, kind: type) -> None:
    """``TypeError`` unless ``task`` is a ``kind`` (a point function given a dict, say)."""
    if not isinstance(task, kind):
        raise TypeError(f"task must be a {kind.__name__}; got {type(task).__name__}")
