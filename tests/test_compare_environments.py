"""scripts/compare_environments.py: verdicts compared, key figures reported, the oldest pins."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "compare_environments", ROOT / "scripts" / "compare_environments.py"
)
ce = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ce)


def _report(*results, provenance=None):
    out = {
        "results": [
            {"claim": c, "verdict": v, "key_figure": f, "evidence": {"x": [1.0, 2.0]}}
            for c, v, f in results
        ]
    }
    if provenance is not None:
        out["provenance"] = provenance
    return out


def _write(tmp_path, name, report):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(report))
    return str(path)


def test_same_verdicts_pass_and_key_figures_are_reported(tmp_path, capsys):
    a = _report(("K4", "consistent", "max 2.3e-15"), ("S6", "derived", "same"))
    b = _report(("K4", "consistent", "max 2.9e-15"), ("S6", "derived", "same"))
    assert ce.main([_write(tmp_path, "oldest", a), _write(tmp_path, "newest", b)]) == 0
    out = capsys.readouterr().out
    assert "key figure of K4 differs (reported, not compared)" in out and "S6" not in out
    assert "all 2 verdicts agree; 1 key figures differ" in out


def test_a_differing_verdict_fails_with_the_claim_and_both_verdicts(tmp_path, capsys):
    a = _report(("E1", "consistent", "f"), ("E2", "inconsistent", "g"))
    b = _report(("E1", "inconclusive", "f"), ("E2", "inconsistent", "g"))
    assert ce.main([_write(tmp_path, "oldest", a), _write(tmp_path, "newest", b)]) == 1
    out = capsys.readouterr().out
    assert "VERDICT of E1 differs: consistent (oldest) vs inconclusive (newest)" in out
    assert "1 verdicts differ of 2 claims" in out


def test_a_claim_missing_from_one_report_is_a_difference(tmp_path, capsys):
    a = _report(("E1", "consistent", "f"), ("E2", "inconsistent", "g"))
    b = _report(("E1", "consistent", "f"))
    assert ce.main([_write(tmp_path, "a", a), _write(tmp_path, "b", b)]) == 1
    assert "VERDICT of E2 differs: inconsistent (a) vs missing (b)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, message",
    [("not json", "cannot read a JSON report"), ('{"results": [{"claim": "E1"}]}', "not an audit")],
)
def test_unreadable_reports_exit_2(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    good = _write(tmp_path, "good", _report(("E1", "consistent", "f")))
    assert ce.main([str(bad), good]) == 2
    assert message in capsys.readouterr().err
    assert ce.main([good]) == 2


def test_evidence_differences_count_and_relative_size():
    assert ce.evidence_differences({"a": [1.0, float("nan")]}, {"a": [1.0, float("nan")]}) == (
        0,
        0.0,
    )
    assert ce.evidence_differences({"a": 2.0, "b": "x"}, {"a": 2.5, "b": "y"}) == (2, float("inf"))
    assert ce.evidence_differences([1.0, 4.0], [1.0, 5.0]) == (1, pytest.approx(0.2))
    assert ce.evidence_differences([True], [1]) == (0, 0.0)  # True == 1 in JSON terms too


def test_markdown_names_the_environments_and_escapes_cells(tmp_path, capsys):
    prov = {"python": "3.11.7", "libraries": {"numpy": "1.25.0", "scipy": "1.10.1"}}
    a = _report(("S6", "derived", "P(AoX)e |x| 1"), provenance=prov)
    b = _report(("S6", "derived", "P(AoX)e |x| 2"))
    assert ce.main([_write(tmp_path, "old", a), _write(tmp_path, "new", b), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "**old**: python 3.11.7, numpy 1.25.0, scipy 1.10.1" in out
    assert "**new**: no provenance recorded" in out
    assert "\\|x\\|" in out and "| S6 | derived | 0 | 0.0e+00 |" in out


def test_oldest_pins_are_the_lower_bounds_of_pyproject(capsys):
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert ce.main(["--oldest-pins", str(ROOT / "pyproject.toml")]) == 0
    pins = capsys.readouterr().out.split()
    assert len(pins) == len(deps)
    for dep, pin in zip(deps, pins):
        name, low = re.fullmatch(r"([\w.\-]+)>=([\w.]+)", dep.replace(" ", "")).groups()
        assert pin == f"{name}=={low}"
    assert {p.split("==")[0] for p in pins} >= {"numpy", "scipy", "sympy", "mpmath", "scikit-learn"}


def test_a_dependency_without_a_lower_bound_is_refused(tmp_path, capsys):
    pytest.importorskip("tomllib")
    py = tmp_path / "pyproject.toml"
    py.write_text('[project]\ndependencies = ["numpy>=1.25", "scipy"]\n')
    assert ce.main(["--oldest-pins", str(py)]) == 2
    assert "'scipy' has no single '>=' lower bound" in capsys.readouterr().err


def test_a_table_side_by_side_marks_the_cells_that_differ(tmp_path, capsys):
    a, b = _report(("S6", "derived", "f")), _report(("S6", "derived", "f"))
    a["results"][0]["evidence"]["rows"] = [{"N": 40, "endpoint": 0.007, "certified": 0.0198}]
    b["results"][0]["evidence"]["rows"] = [{"N": 40, "endpoint": 0.00395, "certified": 0.0198}]
    args = [_write(tmp_path, "old", a), _write(tmp_path, "new", b), "--markdown"]
    assert ce.main([*args, "--table", "S6:rows"]) == 0
    out = capsys.readouterr().out
    assert "| N | endpoint | certified |" in out and "| 40 | 0.007 / 0.00395 | 0.0198 |" in out
    assert ce.main([*args, "--table", "S6:nothing"]) == 2
    assert "no table of rows" in capsys.readouterr().err
