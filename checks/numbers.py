"""One source for every number: figures in hand-written pages are markers filled from a report.

A hand-written page (``README.md``, ``docs/findings.md``, ...) quotes a figure the audit produces as a
marker around its value::

    the quick budget's fitted exponent is <!-- vm:T6.evidence.kappa_least_squares:.2f -->1.25<!-- /vm -->

The key is ``CLAIM.PATH[:FORMAT]``: ``CLAIM`` a claim id of the JSON report, ``PATH`` dot-separated keys
(and list indices) into that claim's result (``key_figure``, ``verdict``, ``evidence.<label>...``),
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
from typing import Any, Callable, Mapping

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
    r"^(?P<claim>[A-Z][A-Z0-9]*)\.(?P<path>[^:]+)(?::(?P<fmt>[-+ #0-9,._a-z%]{1,12}))?$"
)

#: The hand-written pages whose markers ``vanishing-minima docs`` fills (paths from the repository root).
PAGES_WITH_MARKERS = (
    "README.md",
    "docs/findings.md",
    "docs/findings-section5.md",
    "docs/command.md",
)


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


#: What each verdict means, for the README's table (the audit's own definitions: :mod:`.audit`).
VERDICT_MEANING = {
    "proved": "derived symbolically, and the shipped function equals an independent computation",
    "derived": "follows by a SymPy derivation on the shipped formulas from the claims it names",
    "consistent": "numeric evidence agrees: exact identities on random instances, or exact intervals at "
    "a declared error rate that resolve the claim",
    "partial": "the claim holds with a stated deviation",
    "inconclusive": "the evidence gathered decides nothing either way; the claim's page says what was "
    "measured",
    "not checkable": "hypotheses and definitions",
    "inconsistent": "the evidence contradicts the claim; the claim's page holds the instance",
    "pending": "no check written yet: no verdict claimed",
}


def _ranges(ids: list[str]) -> str:
    """Claim ids with runs of one letter and consecutive numbers shortened: K2, K3, K4 -> K2-K4."""
    out: list[list[str]] = []
    for cid in ids:
        m = re.fullmatch(r"([A-Z]+)(\d+)", cid)
        prev = out[-1] if out else None
        if m and prev:
            pm = re.fullmatch(r"([A-Z]+)(\d+)", prev[-1])
            if pm and pm[1] == m[1] and int(pm[2]) + 1 == int(m[2]):
                prev.append(cid)
                continue
        out.append([cid])
    return ", ".join(", ".join(run) if len(run) < 3 else f"{run[0]}-{run[-1]}" for run in out)


def _verdict_table(report: Mapping[str, Any]) -> str:
    """The README's verdict table: the claims of each verdict (the audit's order of verdicts), and what
    the verdict means."""
    groups: dict[str, list[str]] = {}
    for r in report["results"]:
        groups.setdefault(r["verdict"], []).append(r["claim"])
    order = [v for v in VERDICT_MEANING if v in groups] + [
        v for v in groups if v not in VERDICT_MEANING
    ]
    rows = [f"| {v} | {_ranges(groups[v])} | {VERDICT_MEANING.get(v, '')} |" for v in order]
    return "\n| verdict | claims | what it means |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def _claim_count(report: Mapping[str, Any]) -> str:
    return str(len(report["results"]))


def _verdict_counts(report: Mapping[str, Any]) -> str:
    counts: dict[str, int] = {}
    for r in report["results"]:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return ", ".join(f"{n} {v}" for v, n in counts.items())


#: Figures computed from a whole report, by name (key ``@name``).
NAMED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "verdict-table": _verdict_table,
    "claim-count": _claim_count,
    "verdict-counts": _verdict_counts,
}


def lookup(key: str, report: Mapping[str, Any]) -> str:
    """The text a marker ``key`` stands for in ``report`` (see the module docstring).

    Raises
    ------
    KeyError
        If the key names no claim of the report, no field on its path, or no named figure.
    ValueError
        If the key is malformed or its format does not apply to the value.
    """
    if key.startswith("@"):
        if key[1:] not in NAMED:
            raise KeyError(f"marker {key!r}: no named figure {key[1:]!r}; known: {sorted(NAMED)}")
        return NAMED[key[1:]](report)
    m = _KEY.match(key)
    if m is None:
        raise ValueError(f"marker {key!r}: expected CLAIM.PATH[:FORMAT] or @name")
    by_claim = report.get("by_claim") or {r["claim"]: r for r in report["results"]}
    if m["claim"] not in by_claim:
        raise KeyError(f"marker {key!r}: the report has no claim {m['claim']}")
    value: Any = by_claim[m["claim"]]
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


def fill(text: str, report: Mapping[str, Any]) -> str:
    """``text`` with every marker's value replaced by :func:`lookup` of its key in ``report``."""

    def one(m: re.Match) -> str:
        return f"<!-- vm:{m['key']} -->{lookup(m['key'], report)}<!-- /vm -->"

    return MARKER.sub(one, text)


def stale(text: str, report: Mapping[str, Any]) -> list[str]:
    """The markers of ``text`` whose value differs from ``report`` (``key: page says X, report Y``)."""
    out = []
    for key, value in markers(text):
        want = lookup(key, report)
        if value != want:
            out.append(f"{key}: the page says {value!r}, the report {want!r}")
    return out
