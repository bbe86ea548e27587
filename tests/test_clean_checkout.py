"""A run of the README's first command leaves a fresh clone as it was: the audit writes into a folder git
ignores (issue 22, item 2), and ends with its summary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.audit  # long: writes every static page besides two claims' (about 10-25 s)
def test_an_audit_in_a_fresh_clone_leaves_git_status_clean(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    code = "import sys; from vanishing_minima.checks.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "audit", "--claims", "K1,T8"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-2] == "== 2 claims: 1 proved, 1 consistent =="
    assert lines[-1] == (
        "exit code 0: no claim is inconsistent; report: vanishing-minima-audit/report.json, "
        "pages: vanishing-minima-audit/"
    )
    report = json.loads((clone / "vanishing-minima-audit" / "report.json").read_text())
    assert [r["claim"] for r in report["results"]] == ["K1", "T8"]
    assert {"toolkit", "git", "python", "libraries", "started"} <= set(report["provenance"])
    assert (clone / "vanishing-minima-audit" / "claims" / "T8.md").is_file()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
