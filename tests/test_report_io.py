"""Nothing lost: reports and pages are replaced atomically, and where they go is checked before the audit runs."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vanishing_minima.checks import audit, registry, report, report_io  # noqa: F401
from vanishing_minima.checks.cli import main

QUICK_CLAIMS = (
    "A1,A5,D3,D4,D5,K1"  # checks that take well under a second; their JSON is about 2.8 kB
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- the writer -----------------------------------------------------------------------------------
def test_atomic_write_replaces_keeps_the_mode_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "r.json"
    report_io.write_text_atomic(path, "first ünïcode\n")
    assert path.read_bytes() == "first ünïcode\n".encode()
    os.chmod(path, 0o640)
    report_io.write_text_atomic(path, "second\n")
    assert path.read_text() == "second\n" and (path.stat().st_mode & 0o777) == 0o640
    assert _leftovers(tmp_path) == []


def test_a_write_that_fails_midway_leaves_the_previous_file_byte_identical(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_bytes(b'{"previous": true}\n')

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        report_io.write_text_atomic(path, "x" * 100_000)
    assert path.read_bytes() == b'{"previous": true}\n'
    assert _leftovers(tmp_path) == []


def test_an_interrupt_while_writing_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "page.md"
    path.write_text("previous page\n")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report_io.write_text_atomic(path, "new page\n")
    assert path.read_text() == "previous page\n" and _leftovers(tmp_path) == []


# --- the command: a failed write is exit 2, one line, and the previous files stay ------------------
def _run_with_file_size_limit(
    argv: list[str], limit: int, cwd: Path
) -> subprocess.CompletedProcess:
    """Run the command with writes beyond ``limit`` bytes failing (EFBIG), as on a full disk."""

    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    code = "import sys; from vanishing_minima.checks.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=limit_writes,
        timeout=120,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics")
def test_a_report_cut_at_1_kib_leaves_the_previous_json_and_exits_2(tmp_path):
    path = tmp_path / "report.json"
    assert main(["audit", "--claims", QUICK_CLAIMS, "--json", str(path), "--docs", ""]) == 0
    previous = path.read_bytes()
    assert len(previous) > 1024
    proc = _run_with_file_size_limit(
        ["audit", "--claims", QUICK_CLAIMS, "--seed", "1", "--json", str(path), "--docs", ""],
        1024,
        tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert path.read_bytes() == previous  # used to be a corrupt 1,024-byte JSON
    last = proc.stderr.strip().splitlines()[-1]
    assert "report.json" in last and "Traceback" not in proc.stderr
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics")
@pytest.mark.audit  # long: writes every static page twice, once in a subprocess (about 9 s)
def test_docs_cut_at_8_kib_leave_the_previous_pages_and_exit_2(tmp_path):
    folder = tmp_path / "docs"
    assert main(["docs", "--dir", str(folder)]) == 0
    before = _tree(folder)
    assert max(len(b) for b in before.values()) > 8192
    (folder / "claims.md").write_bytes(
        b"previous claims page\n"
    )  # must survive a failed regeneration
    before["claims.md"] = b"previous claims page\n"
    proc = _run_with_file_size_limit(["docs", "--dir", str(folder)], 8192, tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert _tree(folder) == before


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (subfolders included) by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --- where the output goes is checked before the audit runs ------------------------------------------
@pytest.fixture
def audit_must_not_run(monkeypatch):
    def ran(*args, **kwargs):
        raise AssertionError("the audit ran before the output paths were checked")

    monkeypatch.setattr(audit, "run_audit", ran)


def _bad_outputs(tmp_path: Path) -> dict[str, list[str]]:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    a_dir = tmp_path / "a_dir"
    a_dir.mkdir()
    return {
        "json-is-a-directory": ["--json", str(a_dir), "--docs", ""],
        "json-under-a-file": ["--json", str(a_file / "r.json"), "--docs", ""],
        "json-missing-folder": ["--json", str(tmp_path / "missing" / "r.json"), "--docs", ""],
        "json-is-a-device": ["--json", "/dev/full", "--docs", ""],
        "docs-is-a-file": ["--json", "", "--docs", str(a_file)],
        "docs-under-a-file": ["--json", "", "--docs", str(a_file / "docs")],
        "docs-claims-is-a-file": ["--json", "", "--docs", str(_with_claims_file(tmp_path))],
    }


def _with_claims_file(tmp_path: Path) -> Path:
    folder = tmp_path / "docs_with_claims_file"
    folder.mkdir(exist_ok=True)
    (folder / "claims").write_text("a file where the claims/ folder goes")
    return folder


@pytest.mark.parametrize(
    "case",
    [
        "json-is-a-directory",
        "json-under-a-file",
        "json-missing-folder",
        "json-is-a-device",
        "docs-is-a-file",
        "docs-under-a-file",
        "docs-claims-is-a-file",
    ],
)
def test_unwritable_outputs_are_refused_before_the_audit_runs(
    case, tmp_path, capsys, audit_must_not_run
):
    if case == "json-is-a-device" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    argv = _bad_outputs(tmp_path)[case]
    assert main(["audit", "--claims", "K1", *argv]) == 2
    err = capsys.readouterr().err
    flag = "--json" if case.startswith("json") else "--docs"
    assert err.count("\n") == 1 and flag in err and "Traceback" not in err
    if case == "json-is-a-device":
        assert "regular file" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused_before_the_audit_runs(tmp_path, capsys, audit_must_not_run):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert (
            main(["audit", "--claims", "K1", "--json", str(folder / "r.json"), "--docs", ""]) == 2
        )
        assert "cannot be written" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_docs_dir_that_is_a_file_is_exit_2(tmp_path, capsys):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert main(["docs", "--dir", str(a_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--dir" in err


def test_a_failing_write_after_the_audit_is_exit_2_naming_the_path(tmp_path, capsys, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text('{"previous": true}\n')

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert main(["audit", "--claims", "K1", "--json", str(path), "--docs", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "No space left on device" in err[-1] and "Traceback" not in "\n".join(err)
    assert path.read_text() == '{"previous": true}\n'


def test_claims_that_name_no_claim_are_refused_and_the_report_is_kept(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text('{"results": "33 claims"}\n')
    for text in (",", " , ,", ""):
        assert main(["audit", "--claims", text, "--json", str(path), "--docs", ""]) == 2
        assert "--claims names no claim" in capsys.readouterr().err
    assert path.read_text() == '{"results": "33 claims"}\n'


def test_repeated_claim_ids_run_once_in_first_seen_order(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["audit", "--claims", "D5,K1, D5,,K1", "--json", str(path), "--docs", ""]) == 0
    assert [r["claim"] for r in json.loads(path.read_text())["results"]] == ["D5", "K1"]
    assert [r.claim for r in audit.run_audit(["K1", "K1"], workers=1)] == ["K1"]
