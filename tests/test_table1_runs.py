"""The long Table 1 runs quoted in docs/findings-section5.md come from docs/reports/table1-runs.jsonl:
each line is the JSON record `scripts/mnist_table1.py` printed at the end of a run (hand-copied figures
go stale; this checks the page against the records)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "docs" / "reports" / "table1-runs.jsonl"
PAGE = ROOT / "docs" / "findings-section5.md"


def _records() -> list[dict]:
    return [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]


def _rows(title: str) -> dict[int, list[str]]:
    """The rows of the first table after ``title`` on the page, by their d1 (first cell)."""
    text = PAGE.read_text()
    start = text.index(title)
    rows, seen = {}, False
    for line in text[start:].splitlines():
        if line.startswith("|"):
            seen = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0].isdigit():
                rows[int(cells[0])] = cells
        elif seen:
            break
    return rows


def test_every_record_is_a_finished_run_of_the_script():
    records = _records()
    assert records
    for r in records:
        assert {"data", "n", "d1", "errors", "iterations", "seconds", "stop_reason", "mse"} <= set(r)
        assert r["errors"] == round(r["mce"] * r["n"])
        assert (r["errors"] == 0) == (r["stop_reason"] == "target_mce")


def test_the_findings_tables_show_the_records():
    """Each record's row: d1, params/N, the error count, MSE, iterations and seconds as the record has them."""
    tables = {
        "Fashion-MNIST": _rows("**Fashion-MNIST under the same protocol**"),
        "MNIST": _rows("**MNIST at the same smaller widths**"),
    }
    for r in _records():
        row = tables[r["data"]].get(r["d1"])
        assert row is not None, (r["data"], r["d1"])
        text = " | ".join(row)
        assert f"{r['params_over_n']:.3f}" == row[1], (r["data"], r["d1"], row)
        assert f"({r['errors']:,} of {r['n']:,})" in row[2], (r["d1"], row)
        assert f"{r['mse']:.2e}".replace("e-0", "e-") == row[3], (r["d1"], row)
        assert f"{r['iterations']:,}" == row[4], (r["d1"], row)
        assert re.match(rf"{r['seconds']:,.0f} s\b", row[5]), (r["d1"], row, text)


def test_the_readme_quotes_the_smallest_width_the_records_hold():
    fashion = [r for r in _records() if r["data"] == "Fashion-MNIST" and r["errors"] == 0]
    best = min(fashion, key=lambda r: r["d1"])
    mnist = [r["errors"] for r in _records() if r["data"] == "MNIST"]
    readme = (ROOT / "README.md").read_text()
    assert (
        f"down to d1 = {best['d1']} (params/N {best['params_over_n']:.2f}, {best['iterations']:,} iterations)"
        in readme
    )
    assert f"still had {min(mnist)}-{max(mnist)}\n  errors" in readme or f"still had {min(mnist)}-{max(mnist)} errors" in readme
