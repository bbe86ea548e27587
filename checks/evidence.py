r"""Typed evidence: what a check found, as frozen dataclasses whose fields say how they are shown.

Every claim's evidence is a frozen dataclass deriving from :class:`Evidence`; a table's rows are
dataclasses deriving from it too.  Each field is declared with :func:`shown`, which records

* ``label``: the key in the JSON report and the heading on the claim's page;
* ``symbol``: the heading on the page when it differs from the label (Markdown math, e.g.
  ``$\gamma_\epsilon$``);
* ``unit``: the unit of the value, shown after the heading (``"s"``, ``"evaluations"``); empty for
  numbers without a unit;
* ``interval``: the value is a pair ``(low, high)`` shown as an interval (rounded outward);
* ``optional``: a value of ``None`` is left out of the report and the page.

The page renderer (:mod:`.report`) and the JSON report (:func:`evidence_json`) read only this metadata:
nothing is guessed from a key's words.  A field's value is a number, a string, a boolean, a pair
(an interval), a list of those, a tuple of rows (a table), a mapping from names to rows (a table whose
first column is the name), another :class:`Evidence` (a nested list), or a list of lists.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Row(Evidence):
...     n: int = shown("N")
...     p: tuple[float, float] = shown("p interval", interval=True)
>>> @dataclass(frozen=True)
... class Example(Evidence):
...     rows: tuple[Row, ...] = shown("sizes")
...     rho: float = shown("rho", symbol=r"$\rho$")
>>> evidence_json(Example(rows=(Row(16, (0.1, 0.2)),), rho=0.0))
{'sizes': [{'N': 16, 'p interval': [0.1, 0.2]}], 'rho': 0.0}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Iterator

from vanishing_minima.numeric.points import plain

__all__ = ["Show", "shown", "Evidence", "evidence_json", "entries", "words"]


@dataclasses.dataclass(frozen=True)
class Show:
    """How one field of an :class:`Evidence` is shown (see the module docstring)."""

    label: str
    symbol: str | None = None
    unit: str = ""
    interval: bool = False
    optional: bool = False

    @property
    def heading(self) -> str:
        """The page's heading: the symbol (or the label in words, :func:`words`), then the unit in
        parentheses if any."""
        text = self.symbol if self.symbol is not None else words(self.label)
        return f"{text} ({self.unit})" if self.unit else text


#: How a JSON key's parts read on a page (the keys themselves stay as they are: readers of the JSON
#: depend on them).
_WORDS = {
    "hat": "estimate",
    "star": "*",
    "dlm": "DLM",
    "dlms": "DLMs",
    "mse": "MSE",
    "mce": "MCE",
    "cp": "Clopper-Pearson",
    "lp": "LP",
    "lps": "LPs",
    "svd": "SVD",
    "sd": "SD",
    "wx": "WX",
    "lstsq": "least-squares",
    "kron": "Kronecker",
    "n": "N",
    "v": "V",
    "init": "initial",
    "abs": "absolute",
}


def words(label: str) -> str:
    """A snake_case JSON key as words for a page's heading; other labels unchanged.

    >>> words("p_hat"), words("m_star"), words("dlm_unit_hits"), words("log_p_interval")
    ('p estimate', 'm*', 'DLM unit hits', 'log p interval')
    >>> words("-log p interval")
    '-log p interval'
    """
    if "_" not in label:
        return label
    parts = label.replace("_", " ").split()
    out: list[str] = []
    for p in parts:
        w = _WORDS.get(p, p)
        if w == "*" and out:
            out[-1] += "*"
        else:
            out.append(w)
    return " ".join(out)


def shown(
    label: str,
    *,
    symbol: str | None = None,
    unit: str = "",
    interval: bool = False,
    optional: bool = False,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field of an :class:`Evidence`, with how it is shown (:class:`Show`).

    ``optional=True`` implies ``default=None`` unless a default is given.
    """
    if not isinstance(label, str) or not label:
        raise ValueError(f"label must be a non-empty string; got {label!r}")
    if optional and default is dataclasses.MISSING and default_factory is dataclasses.MISSING:
        default = None
    return dataclasses.field(
        default=default,
        default_factory=default_factory,
        metadata={"show": Show(label, symbol, unit, interval, optional)},
    )


class Evidence:
    """Base of the frozen evidence dataclasses (a claim's evidence, a table's row).

    Subclasses are ``@dataclass(frozen=True)`` with every field declared by :func:`shown`.
    """

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON report's form: ``{label: value}`` in field order (see :func:`evidence_json`)."""
        return evidence_json(self)


def entries(evidence: Evidence) -> Iterator[tuple[Show, Any]]:
    """The ``(Show, value)`` of each field of ``evidence`` in order, optional ``None`` values left out.

    Raises
    ------
    TypeError
        If ``evidence`` is not a dataclass instance deriving from :class:`Evidence`, or one of its fields
        was not declared with :func:`shown`.
    """
    if not (isinstance(evidence, Evidence) and dataclasses.is_dataclass(evidence)):
        raise TypeError(f"evidence must be an Evidence dataclass; got {type(evidence).__name__}")
    for f in dataclasses.fields(evidence):
        show = f.metadata.get("show")
        if show is None:
            raise TypeError(
                f"{type(evidence).__name__}.{f.name} must be declared with shown(...) (no label)"
            )
        value = getattr(evidence, f.name)
        if value is None and show.optional:
            continue
        yield show, value


def _json(value: Any) -> Any:
    if isinstance(value, Evidence):
        return evidence_json(value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return plain(value)


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    """``evidence`` as JSON-ready values: ``{label: value}`` in field order; rows and nested evidence
    likewise, tuples as lists, NumPy values as Python's, optional ``None`` values left out."""
    return {show.label: _json(value) for show, value in entries(evidence)}
