"""The base of the sweep points' result classes (:mod:`.sweeps`, :mod:`.experiments`): ``to_dict``."""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["SweepPoint"]


def _plain(value: Any) -> Any:
    """``value`` with every tuple turned into a list and every dict and list walked (JSON's shapes)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class SweepPoint:
    """Mixin of the frozen result dataclasses of the sweep point functions.

    The results are module-level frozen dataclasses of plain values, so they pickle (process pools, Dask)
    and compare field by field.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict in field order (``dataclasses.asdict``), tuples as lists (as in JSON)."""
        return _plain(dataclasses.asdict(self))
