"""The named figures that hand-written pages quote from a report (marker key ``@name``, :mod:`.numbers`):
tables and ranges computed from a whole report, never copied.  Each takes the report as
:func:`.numbers.load_report` returns it."""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping

__all__ = ["NAMED", "VERDICT_MEANING"]


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


_ESTIMATOR = {"splitting": "GS", "dead-points": "DP"}


def _down(x: float, digits: int = 2) -> str:
    return f"{math.floor(x * 10**digits) / 10**digits:.{digits}f}" if math.isfinite(x) else str(x)


def _up(x: float, digits: int = 2) -> str:
    return f"{math.ceil(x * 10**digits) / 10**digits:.{digits}f}" if math.isfinite(x) else "inf"


def _t6_scale_relu(report: Mapping[str, Any]) -> str:
    """T6's ReLU rows at one budget: plain Monte Carlo, then each rare-event estimator per N."""
    ev = _evidence(report, "T6")
    out = [
        "",
        "| N | d0 | d1 | estimator | -log p [interval] | F(N) | evaluations (all runs) | event regions with a DLM |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ev["sizes"]:
        lo, hi = r["-log p interval"]
        est = (
            f"{r['-log p']:.2f} [{_down(lo)}, {_up(hi)}]"
            if r["events"]
            else f">= {_down(lo)} (no event)"
        )
        out.append(
            f"| {r['N']} | {r['d0']} | {r['d1']} | MC | {est} | {r['F(N)']:.2f} | {r['samples']:,} | |"
        )
    for r in sorted(ev["splitting_sizes"], key=lambda r: (r["N"], r["estimator"] != "splitting")):
        lo, hi = r["-log p interval"]
        if r.get("-log p") is None or not math.isfinite(hi):
            est = f">= {_down(lo)} (upper end only)"
        else:
            est = f"{r['-log p']:.2f} [{_down(lo)}, {_up(hi)}]"
        regions = r.get("event regions (K6)")
        dlm = f"{r.get('with a DLM', 0)} of {regions}" if regions else "none reached"
        out.append(
            f"| {r['N']} | {r['d0']} | {r['d1']} | {_ESTIMATOR.get(r['estimator'], r['estimator'])} "
            f"({r['X draws']} X) | {est} | {r['F(N)']:.2f} | {r['evaluations']:,} | {dlm} |"
        )
    return "\n".join(out) + "\n"


def _t6_scale_leaky(report: Mapping[str, Any]) -> str:
    """T6's leaky rows: K3's certificate bound (a lower end on -log p) per slope and N."""
    branches = _evidence(report, "T6")["leaky branches"]
    sizes = sorted(
        {(r["N"], r["d0"], r["d1"], r["F(N)"]) for b in branches for r in b["certificate bounds"]}
    )
    head = " | ".join(f"rho = {b['rho']:g}: -log p >=" for b in branches)
    out = [
        "",
        f"| N | d0 | d1 | {head} | F(N) |",
        "|---|---|---|" + "---|" * len(branches) + "---|",
    ]
    for n, d0, d1, f in sizes:
        cells = []
        for b in branches:
            row = next((r for r in b["certificate bounds"] if r["N"] == n), None)
            cells.append(_down(row["-log p interval"][0], 1) if row else "")
        out.append(f"| {n} | {d0} | {d1} | {' | '.join(cells)} | {f:.2f} |")
    return "\n".join(out) + "\n"


def _t6_kappa(report: Mapping[str, Any]) -> str:
    return f"{_evidence(report, 'T6')['kappa_least_squares']:.2f}"


def _t6_leaky_kappas(report: Mapping[str, Any]) -> str:
    branches = _evidence(report, "T6")["leaky branches"]
    return " and ".join(f"{b['kappa_least_squares']:.2f} (rho = {b['rho']:g})" for b in branches)


def _t6_leaky_below(report: Mapping[str, Any]) -> str:
    branches = _evidence(report, "T6")["leaky branches"]
    return ", ".join(
        f"{b['sizes below e^-F']} of {b['sizes below e^-F'] + b['sizes above e^-F']} for rho = {b['rho']:g}"
        for b in branches
    )


def _t6_factor(report: Mapping[str, Any]) -> str:
    """-log p / F(N) at the smallest and the largest N with an estimate (MC, else GS or DP)."""
    ev = _evidence(report, "T6")
    points = [(r["N"], r["-log p"] / r["F(N)"]) for r in ev["sizes"] if r["events"]]
    points += [
        (r["N"], r["-log p"] / r["F(N)"])
        for r in ev["splitting_sizes"]
        if r.get("-log p") is not None and math.isfinite(r["-log p interval"][1])
    ]
    (n0, f0), (n1, f1) = min(points), max(points)
    return f"{f0:.1f} at N = {n0} to {f1:.1f} at N = {n1}"


def _t6_leaky_margin(report: Mapping[str, Any]) -> str:
    """How far below e^-F the leaky bound puts p: the least and the most of (lower end of -log p) - F."""
    gaps = [
        r["-log p interval"][0] - r["F(N)"]
        for b in _evidence(report, "T6")["leaky branches"]
        for r in b["certificate bounds"]
    ]
    return f"e^{math.floor(min(gaps)):.0f}-e^{math.floor(max(gaps)):.0f}"


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
    "t6-scale-relu": _t6_scale_relu,
    "t6-scale-leaky": _t6_scale_leaky,
    "t6-kappa": _t6_kappa,
    "t6-leaky-kappas": _t6_leaky_kappas,
    "t6-leaky-below": _t6_leaky_below,
    "t6-factor": _t6_factor,
    "t6-leaky-margin": _t6_leaky_margin,
}
