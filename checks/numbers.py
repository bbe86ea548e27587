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
import math
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


def _evidence(report: Mapping[str, Any], claim: str) -> Mapping[str, Any]:
    by_claim = report.get("by_claim") or {r["claim"]: r for r in report["results"]}
    if claim not in by_claim:
        raise KeyError(f"the report has no claim {claim}")
    return by_claim[claim]["evidence"]


def _span(values: list[float], fmt: str, sep: str = "..") -> str:
    return f"{format(min(values), fmt)}{sep}{format(max(values), fmt)}"


def _t6_rows(report: Mapping[str, Any]) -> str:
    """T6's plain Monte Carlo rows (N, d0, d1, events, -log p with its interval, F(N))."""
    rows = _evidence(report, "T6")["sizes"]
    out = [
        "",
        "| N | d0 | d1 | events / samples | -log p [interval] | F(N) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lo, hi = (
            math.floor(r["-log p interval"][0] * 100) / 100,
            math.ceil(r["-log p interval"][1] * 100) / 100,
        )
        out.append(
            f"| {r['N']} | {r['d0']} | {r['d1']} | {r['events']} / {r['samples']} | "
            f"{r['-log p']:.2f} [{lo:.2f}, {hi:.2f}] | {r['F(N)']:.2f} |"
        )
    return "\n".join(out) + "\n"


def _t6_sizes(report: Mapping[str, Any]) -> str:
    rows = _evidence(report, "T6")["sizes"]
    return f"{rows[0]['N']}-{rows[-1]['N']}"


def _t6_minus_log_p(report: Mapping[str, Any]) -> str:
    return _span([r["-log p"] for r in _evidence(report, "T6")["sizes"]], ".2f")


def _t6_f(report: Mapping[str, Any]) -> str:
    return _span([r["F(N)"] for r in _evidence(report, "T6")["sizes"]], ".2f")


def _t9_ratio(report: Mapping[str, Any]) -> str:
    return _span([r["ratio"] for r in _evidence(report, "T9")["instances"]], ".2f", "-")


def _t9_sizes(report: Mapping[str, Any]) -> str:
    ns = [r["N"] for r in _evidence(report, "T9")["instances"]]
    return f"{min(ns)}-{max(ns)}"


def _t10_ratio(report: Mapping[str, Any]) -> str:
    values = [r["log_ratio_upper"] for r in _evidence(report, "T10")["ratio_draws"]]
    return _span(values, "+.0f")


def _t10_sizes(report: Mapping[str, Any]) -> str:
    ns = [r["N"] for r in _evidence(report, "T10")["ratio_draws"]]
    return f"{min(ns)}-{max(ns)}"


#: Figures computed from a whole report, by name (key ``@name``).
NAMED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "verdict-table": _verdict_table,
    "claim-count": _claim_count,
    "verdict-counts": _verdict_counts,
    "t6-rows": _t6_rows,
    "t6-sizes": _t6_sizes,
    "t6-minus-log-p": _t6_minus_log_p,
    "t6-f": _t6_f,
    "t9-ratio": _t9_ratio,
    "t9-sizes": _t9_sizes,
    "t10-ratio": _t10_ratio,
    "t10-sizes": _t10_sizes,
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


def fill(text: str, report: Mapping[str, Any]) -> str:
    """``text`` with every marker's value replaced by :func:`lookup` of its key in ``report``."""

    def one(m: re.Match) -> str:
        value = lookup(m["key"], report)
        line_start = text.rfind("\n", 0, m.start()) + 1
        pad = text[line_start : m.start()]
        if "\n" in value and pad and not pad.strip():  # a block inside a list item keeps its indent
            value = "\n".join(pad + v if v else v for v in value.split("\n")).rstrip(" ")
            value += pad if value.endswith("\n") else ""
        return f"<!-- vm:{m['key']} -->{value}<!-- /vm -->"

    return MARKER.sub(one, text)


def stale(text: str, report: Mapping[str, Any]) -> list[str]:
    """The markers of ``text`` whose value differs from ``report`` (``key: page says X, report Y``)."""
    filled = markers(fill(text, report))
    return [
        f"{key}: the page says {value!r}, the report {want!r}"
        for (key, value), (_, want) in zip(markers(text), filled)
        if value != want
    ]


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
    from .report_io import write_files_atomic

    root = Path(root)
    report = load_report(report_path if report_path is not None else root / COMMITTED_REPORT)
    changed = {}
    for name in PAGES_WITH_MARKERS:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new = fill(text, report)
        if new != text:
            changed[path] = new
    return write_files_atomic(changed) if changed else []
