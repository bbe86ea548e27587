"""One source for every number: figures in hand-written pages are markers filled from a report.

A hand-written page (``README.md``, ``docs/findings.md``, ...) quotes a figure the audit produces as a
marker around its value::

    the quick budget's fitted exponent is <!-- vm:T6.evidence.kappa_least_squares:.2f -->1.25<!-- /vm -->

The key is ``CLAIM.PATH[:FORMAT]``: ``CLAIM`` a claim id of the JSON report (or ``$``, the report's top
level: ``$.timings_seconds.T6:.0f``), ``PATH`` dot-separated keys (and list indices) into that claim's
result (``key_figure``, ``verdict``, ``evidence.<label>...``),
``FORMAT`` a Python format spec for a number (``.2f``, ``.3g``, ``,d``; default ``str``).  Named
figures that are not one value of one result (the verdict table, the count of claims) are in
:data:`NAMED`; their key is ``@name``.

:func:`fill` rewrites every marker's value from a report; ``vanishing-minima docs`` runs it over the
hand-written pages with the committed report, and the tests check that filling changes nothing (a
hand-edited value, or a report that moved on, fails them).  Nothing here evaluates text: a key is parsed
by a regular expression and looked up, a format spec goes to :func:`format` on a number only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from .report_figures import NAMED
from .report_io import write_files_atomic

__all__ = [
    "MARKER",
    "NAMED",
    "fill",
    "lookup",
    "markers",
    "stale",
    "load_report",
    "PAGES_WITH_MARKERS",
]

#: A marker: ``<!-- vm:KEY -->VALUE<!-- /vm -->`` (the value may span lines).
MARKER = re.compile(r"<!-- vm:(?P<key>[^ >]+) -->(?P<value>.*?)<!-- /vm -->", re.S)
_KEY = re.compile(
    r"^(?P<claim>[A-Z][A-Z0-9]*|\$)\.(?P<path>[^:]+)(?::(?P<fmt>[-+ #0-9,._a-z%]{1,12}))?$"
)

#: The hand-written pages whose markers ``vanishing-minima docs`` fills (paths from the repository root).
PAGES_WITH_MARKERS = (
    "README.md",
    "docs/findings.md",
    "docs/findings-section5.md",
    "docs/command.md",
)
#: The committed report the markers are filled from (written by ``vanishing-minima audit --update-docs``).
COMMITTED_REPORT = "docs/audit-report.json"
#: Other committed reports a marker may name with a prefix (``t6-standard/@t6-scale-relu``), with the
#: command that regenerates each (see docs/command.md).
OTHER_REPORTS = {
    "t6-standard": "docs/reports/T6-standard.json",
}
_PREFIX = re.compile(r"^(?P<name>[a-z0-9-]+)/(?P<key>.+)$")


def load_report(path: str | Path) -> dict[str, Any]:
    """A JSON report of the audit, with its results indexed by claim (``report["by_claim"]``).

    Raises
    ------
    ValueError
        If the file is not a JSON object with a ``results`` list (the file is named).
    """
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON report ({exc})") from None
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ValueError(f"{path}: not an audit report (no 'results' list)")
    body["by_claim"] = {r.get("claim"): r for r in body["results"] if isinstance(r, dict)}
    return body


def lookup(
    key: str, report: Mapping[str, Any], others: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """The text a marker ``key`` stands for in ``report`` (see the module docstring).

    Raises
    ------
    KeyError
        If the key names no claim of the report, no field on its path, or no named figure.
    ValueError
        If the key is malformed or its format does not apply to the value.
    """
    prefixed = _PREFIX.match(key)
    if prefixed is not None:
        if prefixed["name"] not in (others or {}):
            raise KeyError(f"marker {key!r}: no report named {prefixed['name']!r}")
        return lookup(prefixed["key"], (others or {})[prefixed["name"]])
    if key.startswith("@"):
        if key[1:] not in NAMED:
            raise KeyError(f"marker {key!r}: no named figure {key[1:]!r}; known: {sorted(NAMED)}")
        return NAMED[key[1:]](report)
    m = _KEY.match(key)
    if m is None:
        raise ValueError(f"marker {key!r}: expected CLAIM.PATH[:FORMAT] or @name")
    by_claim = report.get("by_claim") or {r["claim"]: r for r in report["results"]}
    if m["claim"] != "$" and m["claim"] not in by_claim:
        raise KeyError(f"marker {key!r}: the report has no claim {m['claim']}")
    value: Any = report if m["claim"] == "$" else by_claim[m["claim"]]
    for part in m["path"].split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            raise KeyError(f"marker {key!r}: no {part!r} on the path in the report")
    if m["fmt"] is None:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"marker {key!r}: format {m['fmt']!r} needs a number; got {value!r}")
    return format(value, m["fmt"])


def markers(text: str) -> list[tuple[str, str]]:
    """The ``(key, value)`` of every marker in ``text``, in order."""
    return [(m["key"], m["value"]) for m in MARKER.finditer(text)]


def fill(
    text: str, report: Mapping[str, Any], others: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """``text`` with every marker's value replaced by :func:`lookup` of its key in ``report`` (or, for a
    key ``name/...``, in ``others[name]``)."""

    def one(m: re.Match) -> str:
        value = lookup(m["key"], report, others)
        line_start = text.rfind("\n", 0, m.start()) + 1
        pad = text[line_start : m.start()]
        if "\n" in value and pad and not pad.strip():  # a block inside a list item keeps its indent
            value = "\n".join(pad + v if v else v for v in value.split("\n")).rstrip(" ")
            value += pad if value.endswith("\n") else ""
        return f"<!-- vm:{m['key']} -->{value}<!-- /vm -->"

    return MARKER.sub(one, text)


def stale(
    text: str, report: Mapping[str, Any], others: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """The markers of ``text`` whose value differs from ``report`` (``key: page says X, report Y``)."""
    filled = markers(fill(text, report, others))
    return [
        f"{key}: the page says {value!r}, the report {want!r}"
        for (key, value), (_, want) in zip(markers(text), filled)
        if value != want
    ]


def load_others(root: str | Path) -> dict[str, dict[str, Any]]:
    """The :data:`OTHER_REPORTS` present under ``root``, loaded, by name."""
    return {
        name: load_report(Path(root) / path)
        for name, path in OTHER_REPORTS.items()
        if (Path(root) / path).is_file()
    }


def fill_pages(root: str | Path, report_path: str | Path | None = None) -> list[Path]:
    """Fill the markers of :data:`PAGES_WITH_MARKERS` under ``root`` from ``report_path`` (default
    ``root/``:data:`COMMITTED_REPORT`); return the pages that changed (written as one set, atomically).

    Raises
    ------
    ValueError
        If the report is not readable or a marker's key is malformed or does not apply.
    KeyError
        If a marker names what the report does not hold.
    """
    root = Path(root)
    report = load_report(report_path if report_path is not None else root / COMMITTED_REPORT)
    others = load_others(root)
    changed = {}
    for name in PAGES_WITH_MARKERS:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new = fill(text, report, others)
        if new != text:
            changed[path] = new
    return write_files_atomic(changed) if changed else []
