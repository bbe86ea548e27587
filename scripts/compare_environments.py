"""Compare two audit reports made in different environments: the verdicts must agree.

Usage::

    python scripts/compare_environments.py OLDEST.json NEWEST.json [--markdown [--table CLAIM:FIELD]]
    python scripts/compare_environments.py --oldest-pins pyproject.toml

The first form reads two JSON reports of ``vanishing-minima audit`` (same budget and seed, e.g. one made
with the oldest supported NumPy/SciPy/SymPy and one with the newest), prints each claim's verdict and,
where they differ, the two key figures, and exits 1 with the list of claims whose verdict differs (or
that one report lacks), 0 otherwise.  Key figures are reported, not compared: many are measurements
of optimizer runs or rounding errors, which move with the BLAS and the library versions (issue 22,
docs/methods/kink-critical-points.md).  ``--markdown`` prints the same as a Markdown page, with the
number of evidence values that differ per claim and their largest relative difference, and with
``--table CLAIM:FIELD`` an evidence table of both reports side by side.

The second form prints ``name==version`` for each ``name>=version`` of the project's dependencies:
the oldest supported environment, as pip constraints (used by ``.ci/run``).

Exit codes: 0 the verdicts agree (or pins printed), 1 a verdict differs, 2 bad arguments or an
unreadable report.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

try:
    import tomllib  # Python >= 3.11
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    tomllib = None

__all__ = [
    "load",
    "compare",
    "evidence_differences",
    "oldest_pins",
    "render",
    "side_by_side",
    "main",
]


def load(path: str | Path) -> dict:
    """The JSON report at ``path``: a mapping with a ``results`` list of claims.

    Raises
    ------
    ValueError
        If the file is not JSON or has no ``results`` list of mappings with ``claim`` and ``verdict``.
    """
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read a JSON report ({exc})") from exc
    results = report.get("results") if isinstance(report, dict) else None
    if not isinstance(results, list) or not all(
        isinstance(r, dict) and "claim" in r and "verdict" in r for r in results
    ):
        raise ValueError(f"{path}: not an audit report (no 'results' list of claims with verdicts)")
    return report


def compare(a: dict, b: dict) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The claims whose verdicts differ, and those whose key figures differ.

    Parameters
    ----------
    a, b : dict
        Two reports as :func:`load` returns them.

    Returns
    -------
    verdicts : list of (claim, verdict in a, verdict in b)
        Every claim whose verdict differs, or that one report lacks (its verdict ``"missing"``), in
        ``a``'s order and then ``b``'s.
    figures : list of (claim, key figure in a, key figure in b)
        Every claim in both whose key figure differs.
    """
    ra = {r["claim"]: r for r in a["results"]}
    rb = {r["claim"]: r for r in b["results"]}
    claims = list(ra) + [c for c in rb if c not in ra]
    missing = {"verdict": "missing", "key_figure": ""}
    verdicts, figures = [], []
    for c in claims:
        x, y = ra.get(c, missing), rb.get(c, missing)
        if x["verdict"] != y["verdict"]:
            verdicts.append((c, x["verdict"], y["verdict"]))
        elif x.get("key_figure") != y.get("key_figure"):
            figures.append((c, x.get("key_figure", ""), y.get("key_figure", "")))
    return verdicts, figures


def evidence_differences(x, y) -> tuple[int, float]:
    """How many values differ between two evidence trees, and the largest relative difference of the
    numbers among them (``inf`` where a value changed type, shape or text; NaN equals NaN).

    >>> evidence_differences({"a": [1.0, 2.0], "b": "x"}, {"a": [1.0, 2.2], "b": "x"})
    (1, 0.1)
    """
    if isinstance(x, dict) and isinstance(y, dict):
        parts = [evidence_differences(x.get(k), y.get(k)) for k in {**x, **y}]
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        parts = [evidence_differences(p, q) for p, q in zip(x, y)]
    elif _number(x) and _number(y):
        if x == y or (math.isnan(x) and math.isnan(y)):
            return 0, 0.0
        scale = max(abs(x), abs(y))
        return 1, abs(x - y) / scale if math.isfinite(scale) else math.inf
    else:
        return (0, 0.0) if x == y else (1, math.inf)
    return sum(p[0] for p in parts), max((p[1] for p in parts), default=0.0)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _environment(report: dict) -> str:
    """The versions a report records (its ``provenance``: Python, the libraries, the BLAS), on one line."""
    prov = report.get("provenance")
    if not isinstance(prov, dict):
        return "no provenance recorded"
    found = [f"python {prov['python']}"] if prov.get("python") else []
    libraries = prov.get("libraries") if isinstance(prov.get("libraries"), dict) else {}
    found += [f"{k} {v}" for k, v in libraries.items() if v]
    for lib in prov.get("blas") or []:
        if isinstance(lib, dict) and lib.get("user_api") == "blas":
            found.append(f"{lib.get('internal_api', 'blas')} {lib.get('version') or ''}".strip())
    return ", ".join(found) if found else "provenance without versions"


def render(
    a: dict, b: dict, names: tuple[str, str], markdown: bool = False, tables: tuple[str, ...] = ()
) -> str:
    """The comparison as text (or a Markdown page): environments, differing verdicts, key figures; on the
    page, each evidence table of ``tables`` (``"CLAIM:FIELD"``) side by side."""
    verdicts, figures = compare(a, b)
    rb = {r["claim"]: r for r in b["results"]}
    lines = []
    if markdown:
        lines += [
            "# Verdicts and key figures in two environments",
            "",
            f"Output of `python scripts/compare_environments.py {names[0]}.json {names[1]}.json --markdown"
            + "".join(f" --table {t}" for t in tables)
            + "` on two reports of the same audit (budget, seed) made in two environments.",
            "",
            f"- **{names[0]}**: {_environment(a)}",
            f"- **{names[1]}**: {_environment(b)}",
            "",
            f"{len(verdicts)} verdicts differ; {len(figures)} key figures differ.",
            "",
            "| claim | verdict | evidence values that differ | largest relative difference |",
            "|---|---|---|---|",
        ]
        for r in a["results"]:
            other = rb.get(r["claim"])
            count, rel = evidence_differences(r.get("evidence"), other and other.get("evidence"))
            verdict = (
                r["verdict"]
                if other and other["verdict"] == r["verdict"]
                else (f"{r['verdict']} / {other['verdict'] if other else 'missing'}")
            )
            lines.append(f"| {r['claim']} | {verdict} | {count} | {rel:.1e} |")
        lines += ["", "## Key figures that differ", ""]
        for c, x, y in figures:
            lines += [
                f"- **{c}**",
                f"  - {names[0]}: {_escape(x)}",
                f"  - {names[1]}: {_escape(y)}",
            ]
        for spec in tables:
            lines += ["", *side_by_side(a, b, spec, names)]
        return "\n".join(lines) + "\n"
    lines.append(f"{names[0]}: {_environment(a)}")
    lines.append(f"{names[1]}: {_environment(b)}")
    for c, x, y in figures:
        lines.append(f"key figure of {c} differs (reported, not compared):\n  {x}\n  {y}")
    for c, x, y in verdicts:
        lines.append(f"VERDICT of {c} differs: {x} ({names[0]}) vs {y} ({names[1]})")
    shared = len({r["claim"] for r in a["results"]} & set(rb))
    lines.append(
        f"{len(verdicts)} verdicts differ of {shared} claims; {len(figures)} key figures differ"
        if verdicts
        else f"all {shared} verdicts agree; {len(figures)} key figures differ"
    )
    return "\n".join(lines) + "\n"


def side_by_side(a: dict, b: dict, spec: str, names: tuple[str, str]) -> list[str]:
    """The evidence table ``spec`` (``"CLAIM:FIELD"``, a list of rows) of both reports as one Markdown
    table: a cell shows ``x / y`` where the two differ (numbers to 3 significant digits).

    Raises
    ------
    ValueError
        If ``spec`` is not ``CLAIM:FIELD`` or a report has no such list of rows.
    """
    claim, _, field = spec.partition(":")
    rows = []
    for report in (a, b):
        found = next((r for r in report["results"] if r["claim"] == claim), None)
        table = (found or {}).get("evidence", {}).get(field) if field else None
        if not isinstance(table, list) or not all(isinstance(r, dict) for r in table):
            raise ValueError(
                f"{spec}: no table of rows (give CLAIM:FIELD, e.g. S6:training_endpoints)"
            )
        rows.append(table)
    columns = list(rows[0][0]) if rows[0] else []
    out = [
        f"## {claim}: {field} ({names[0]} / {names[1]} where they differ)",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for x, y in zip(*rows):
        cells = []
        for col in columns:
            p, q = _cell(x.get(col)), _cell(y.get(col))
            cells.append(p if p == q else f"{p} / {q}")
        out.append("| " + " | ".join(cells) + " |")
    return out


def _cell(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else _escape(str(value))


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def oldest_pins(pyproject: str | Path) -> list[str]:
    """``name==version`` for each ``name>=version`` in the ``[project] dependencies`` of ``pyproject``.

    Raises
    ------
    ValueError
        If a dependency has no ``>=`` lower bound (nothing to pin).
    """
    if tomllib is None:
        raise ValueError("--oldest-pins reads pyproject.toml with tomllib (Python >= 3.11)")
    deps = tomllib.loads(Path(pyproject).read_text())["project"]["dependencies"]
    pins = []
    for dep in deps:
        m = re.fullmatch(
            r"\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*", dep
        )
        if not m:
            raise ValueError(f"dependency {dep!r} has no single '>=' lower bound to pin")
        pins.append(f"{m.group(1)}=={m.group(2)}")
    return pins


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("reports", nargs="*", help="two JSON reports of `vanishing-minima audit`")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown page")
    parser.add_argument("--oldest-pins", metavar="PYPROJECT", help="print name==version pins")
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="CLAIM:FIELD",
        help="with --markdown: an evidence table side by side (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.oldest_pins:
        try:
            print("\n".join(oldest_pins(args.oldest_pins)))
        except (OSError, KeyError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
            print(f"compare_environments: {exc}", file=sys.stderr)
            return 2
        return 0
    if len(args.reports) != 2:
        print("compare_environments: give two JSON reports", file=sys.stderr)
        return 2
    try:
        a, b = (load(p) for p in args.reports)
    except ValueError as exc:
        print(f"compare_environments: {exc}", file=sys.stderr)
        return 2
    names = (Path(args.reports[0]).stem, Path(args.reports[1]).stem)
    try:
        page = render(a, b, names, args.markdown, tuple(args.table))
    except ValueError as exc:
        print(f"compare_environments: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(page)
    return 1 if compare(a, b)[0] else 0


if __name__ == "__main__":
    sys.exit(main())
