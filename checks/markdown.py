r"""Markdown for the generated pages: numbers as a page shows them, tables, and a check's evidence.

Numbers are rounded to three significant digits (:func:`format_number`; intervals outward,
:func:`format_interval`).  Typed evidence (:mod:`.evidence`) is rendered from its fields' metadata: rows
as tables, nested evidence as nested lists, intervals where a field says so; never JSON.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .evidence import Evidence, entries

if (
    TYPE_CHECKING
):  # only for annotations: the runner does not depend on its renderer, nor the reverse
    from .core import CheckResult

__all__ = ["format_number", "format_interval", "table", "evidence_markdown"]


# --- numbers ---------------------------------------------------------------------------------------
def _round(x: float, digits: int, rounding: str) -> str:
    d = Decimal(
        repr(float(x))
    )  # the shortest decimal of the double: no binary noise in the rounding
    if d == 0:
        return "0"
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=rounding)
    exponent = q.adjusted()  # after rounding: 9.996 may have become 10.0
    if -4 <= exponent < 6:  # fixed notation (1230, not 1.23e+03), trailing zeros dropped as by %g
        text = f"{q:.{max(0, digits - 1 - exponent)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{float(q):.{digits}g}"


def format_number(x: Any, digits: int = 3) -> str:
    """A number as a page shows it: ``digits`` significant digits for floats, integers exact.

    Parameters
    ----------
    x : int, float, bool or any other value
        Integers (Python or NumPy) are written in full; ``bool`` as ``True``/``False``; a float is
        rounded half-to-even to ``digits`` significant digits (``%g`` style, so large and small
        values get an exponent); infinities are ``∞`` and ``-∞``.  Any other value is ``str(x)``.
    digits : int
        Significant digits, at least 1.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``digits`` is below 1.

    Examples
    --------
    >>> format_number(0.34662499999), format_number(8000), format_number(8.5627e209), format_number(-0.0)
    ('0.347', '8000', '8.56e+209', '0')
    >>> format_number(float("inf")), format_number(1e-6)
    ('∞', '1e-06')
    """
    if digits < 1:
        raise ValueError(f"digits must be >= 1; got {digits}")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return str(x)
    if isinstance(x, numbers.Integral):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return _round(x, digits, ROUND_HALF_EVEN)


def format_interval(low: float, high: float, digits: int = 3) -> str:
    """An interval ``[low, high]`` at ``digits`` significant digits, rounded outward.

    The lower end is rounded down and the upper end up, so the interval printed contains the interval
    computed: a confidence interval keeps (at least) its coverage, and a value inside the computed
    interval is inside the printed one.

    Parameters
    ----------
    low, high : float
        The ends, ``low <= high`` (either may be infinite).
    digits : int
        Significant digits of each end, at least 1.

    Returns
    -------
    str
        ``"[low, high]"``.

    Raises
    ------
    ValueError
        If ``digits`` is below 1, an end is NaN, or ``low > high``.

    Examples
    --------
    >>> format_interval(0.32086814509261574, 0.37300788788418243)
    '[0.32, 0.374]'
    >>> format_interval(-4.996630261147768, -3.976551640886002)
    '[-5, -3.97]'
    >>> format_interval(3.58655384314451, float("inf"))
    '[3.58, ∞]'
    """
    if digits < 1:
        raise ValueError(f"digits must be >= 1; got {digits}")
    low, high = float(low), float(high)
    if math.isnan(low) or math.isnan(high) or low > high:
        raise ValueError(f"not an interval: [{low!r}, {high!r}]")
    ends = [
        format_number(v) if math.isinf(v) else _round(v, digits, mode)
        for v, mode in ((low, ROUND_FLOOR), (high, ROUND_CEILING))
    ]
    return f"[{ends[0]}, {ends[1]}]"


# --- the audit's pages -----------------------------------------------------------------------------------
def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell: ``|`` escaped (once), line breaks as spaces.

    >>> print(cell("max |x| = 2"))
    max \\|x\\| = 2
    """
    return re.sub(r"(?<!\\)\|", r"\\|", " ".join(str(text).splitlines()))


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _is_pair(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
    )


def _shown_text(value: Any, interval: bool = False, *, cell: bool = False) -> str:
    """A typed evidence value as inline Markdown: an interval where its field says so (``|`` escaped
    inside table cells)."""
    if interval and _is_pair(value):
        text = format_interval(*value)
    elif isinstance(value, Evidence):
        text = "; ".join(
            f"{show.heading}: {_shown_text(v, show.interval, cell=cell)}"
            for show, v in entries(value)
        )
    elif isinstance(value, Mapping):
        text = "; ".join(f"{k}: {_shown_text(v, cell=cell)}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        sep = "<br>" if cell and any(isinstance(v, str) for v in value) else ", "
        text = sep.join(_shown_text(v, cell=cell) for v in value) if value else "none"
    else:
        text = format_number(value)
    return text.replace("|", "\\|") if cell else text


#: A table column whose text cells run longer than this (characters) is listed below the table instead.
LONG_CELL = 60


def _rowstable(rows: Sequence[Evidence], first: Sequence[str] | None = None) -> str:
    """A table of evidence rows of one class: a column per shown field (and ``first`` names a leading
    column of row names).  Columns of long text (notes, conditions: a cell over :data:`LONG_CELL`
    characters) go below the table as lists keyed by the row's first cell, so the table stays readable."""
    # a column per field shown in any row (an optional field left out of one row is an empty cell there)
    by_row = [{show.label: (show, v) for show, v in entries(row)} for row in rows]
    labels = [f.metadata["show"].label for f in dataclasses.fields(rows[0])]
    labels = [lab for lab in labels if any(lab in r for r in by_row)]
    shows = [next(r[lab][0] for r in by_row if lab in r) for lab in labels]
    cells = [
        [
            _shown_text(r[lab][1], r[lab][0].interval, cell=True) if lab in r else ""
            for lab in labels
        ]
        for r in by_row
    ]
    long = {
        j
        for j, lab in enumerate(labels)
        if any(
            lab in r and isinstance(r[lab][1], str) and len(cells[i][j]) > LONG_CELL
            for i, r in enumerate(by_row)
        )
    }
    keep = [j for j in range(len(shows)) if j not in long]
    header = ([""] if first is not None else []) + [shows[j].heading for j in keep]
    names = [_shown_text(f, cell=True) for f in first] if first is not None else None
    body = [
        ([names[i]] if names is not None else []) + [c[j] for j in keep]
        for i, c in enumerate(cells)
    ]
    out = table(header, body)
    for j in sorted(long):
        out += f"\n{shows[j].heading}:\n\n"
        for i, c in enumerate(cells):
            key = (
                names[i]
                if names is not None
                else f"{header[0]} = {body[i][0]}"
                if keep
                else str(i + 1)
            )
            out += f"- {key}: {c[j].replace(chr(92) + '|', '|')}\n"
    return out


def _is_rows(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(v, Evidence) and type(v) is type(value[0]) for v in value)
    )


def _typed_items(evidence: Evidence, depth: int = 0) -> str:
    """Typed evidence as Markdown, read from its fields' metadata: rows as tables, nested evidence and
    mappings as nested lists, lists of lists as sub-lists, the rest as list items."""
    pad = "  " * depth
    out = []
    for show, value in entries(evidence):
        label = show.heading
        if _is_rows(value) and depth == 0:
            out.append(f"\n**{label}**\n\n" + _rowstable(value) + "\n")
        elif isinstance(value, Mapping) and value and depth == 0 and _is_rows(list(value.values())):
            out.append(f"\n**{label}**\n\n" + _rowstable(list(value.values()), list(value)) + "\n")
        elif isinstance(value, Evidence):
            out.append(f"{pad}- **{label}**:\n" + _typed_items(value, depth + 1))
        elif isinstance(value, Mapping) and value:
            out.append(f"{pad}- **{label}**:\n")
            out += [f"{pad}  - **{k}**: {_shown_text(v)}\n" for k, v in value.items()]
        elif (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(v, (list, tuple, Mapping, Evidence)) for v in value)
        ):
            out.append(f"{pad}- **{label}**:\n")
            out += [f"{pad}  - {_shown_text(v, show.interval)}\n" for v in value]
        else:
            out.append(f"{pad}- **{label}**: {_shown_text(value, show.interval)}\n")
    return "".join(out)


def evidence_markdown(result: CheckResult) -> str:
    """The evidence of one result, then its seed sequence: list items and tables, never JSON."""
    items = "" if result.evidence is None else _typed_items(result.evidence)
    if result.seed_sequence:
        items += f"- **seed_sequence**: {_shown_text(list(result.seed_sequence))}\n"
    text = re.sub(r"\n{3,}", "\n\n", items).strip("\n")
    return "\n" + text + "\n"
