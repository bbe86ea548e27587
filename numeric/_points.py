"""The base of the sweep points' result classes (:mod:`.sweeps`, :mod:`.experiments`): ``to_dict``."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import numpy as np

__all__ = ["SweepPoint", "plain"]


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
