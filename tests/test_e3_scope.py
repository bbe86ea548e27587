"""E3's scope (issue 21, item 1): the verdict covers the Table 1 rows that ran, the key figure and the
scope rows name the others, and the audit reads the user's data sets (``--data``) before any work."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from test_datasets import idx_bytes
from test_table1_files import IMAGES, LABELS, MNIST_CASES

from vanishing_minima.checks import audit
from vanishing_minima.checks.claim_checks import section5
from vanishing_minima.checks.cli import main
from vanishing_minima.checks.table1_data import TABLE1_DATA, table1_data_folders


def _row(data, n, d1, mce):
    return section5.E3RunRow(
        data=data, rep=0, n=n, d0=784, d1=d1, params_over_n=1.0, mce=mce, mse=0.0, iterations=1
    )


def test_scope_counts_only_the_rows_that_ran():
    """Digits ran, MNIST ran on a subset; CIFAR-10 and ImageNet did not, with the reason."""
    rows = (
        _row("digits (sklearn) 0-4 vs 5-9", 600, 10, 0.0),
        _row("MNIST 0-4 vs 5-9", 2000, 3, 0.002),
    )
    scope = {s.data: s for s in section5._e3_scope(rows, {"mnist": "/x"})}
    assert list(scope) == ["digits", "MNIST", "CIFAR-10", "ImageNet 64x64"]
    assert scope["digits"].status == "ran" and scope["digits"].paper_n is None
    assert scope["MNIST"].status == "ran" and scope["MNIST"].mce == 0.002
    assert (
        scope["MNIST"].note == "a seeded subset of the paper's N"
        and scope["MNIST"].paper_n == 70000
    )
    assert scope["CIFAR-10"].status == "not run" and "--data cifar=DIR" in scope["CIFAR-10"].note
    assert scope["ImageNet 64x64"].status == "not run" and scope["ImageNet 64x64"].mce is None
    full = section5._e3_scope((_row("MNIST 0-4 vs 5-9", 70000, 89, 0.0),), {"mnist": "/x"})
    assert next(s for s in full if s.data == "MNIST").note == "the paper's size"


def test_data_folders_are_checked(tmp_path):
    assert table1_data_folders(None) == ()
    assert table1_data_folders({"mnist": tmp_path}) == (("mnist", str(tmp_path)),)
    with pytest.raises(ValueError, match="unknown data set 'svhn'"):
        table1_data_folders({"svhn": tmp_path})
    with pytest.raises(ValueError, match="not a folder"):
        table1_data_folders({"mnist": tmp_path / "missing"})
    with pytest.raises(TypeError, match="mapping"):
        table1_data_folders([("mnist", tmp_path)])
    with pytest.raises(ValueError, match="not a folder"):
        audit.run_audit(["K1"], data={"cifar": tmp_path / "nope"}, workers=1)
    assert set(TABLE1_DATA) == {"mnist", "cifar", "imagenet"}


def _mnist(folder: Path, n: int = 60) -> None:
    rng = np.random.default_rng(0)
    (folder / IMAGES).write_bytes(idx_bytes(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)))
    (folder / LABELS).write_bytes(idx_bytes((np.arange(n) % 10).astype(np.uint8)))


@pytest.mark.audit  # about 4 s: the digits run and a MNIST run
def test_e3_runs_the_users_mnist_and_says_what_did_not_run(tmp_path):
    """A 60-image MNIST in the IDX format: E3 runs digits and MNIST (all 60 images: fewer than the
    budget's N), lists CIFAR-10 and ImageNet as not run, and the verdict is over the two rows."""
    _mnist(tmp_path)
    (r,) = audit.run_audit(["E3"], data={"mnist": tmp_path}, workers=1)
    scope = {s.data: s for s in r.evidence.scope}
    assert scope["MNIST"].status == "ran" and scope["MNIST"].n == 60
    assert {scope["CIFAR-10"].status, scope["ImageNet 64x64"].status} == {"not run"}
    assert "MNIST N = 60" in r.key_figure and "Table 1 not run here: CIFAR-10" in r.key_figure
    worst = max(run.mce for run in r.evidence.runs)
    assert r.verdict == section5.verdicts.graded(worst, consistent_at=0.001, partial_at=0.01)


@pytest.mark.parametrize("case", ["truncated data", "garbage", "float images"])
def test_audit_refuses_a_malformed_data_file_before_any_check(tmp_path, capsys, case):
    """--data is read before the audit: a malformed file is exit 2 with one line naming it."""
    _mnist(tmp_path)
    name, blob, rule = MNIST_CASES[case]
    (tmp_path / name).write_bytes(blob)
    code = main(
        ["audit", "--claims", "K1", "--json", "", "--docs", "", "--data", f"mnist={tmp_path}"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and name in err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--data", "svhn=/tmp"], "NAME=DIR with NAME one of cifar, imagenet, mnist"),
        (["--data", "mnist"], "NAME=DIR"),
        (["--data", "mnist=/definitely/missing"], "not a folder"),
    ],
)
def test_audit_refuses_bad_data_flags(argv, message, capsys):
    code = main(["audit", "--claims", "K1", "--json", "", "--docs", "", *argv])
    assert code == 2 and message in capsys.readouterr().err


def test_audit_refuses_a_data_set_given_twice(tmp_path, capsys):
    _mnist(tmp_path)
    code = main(
        [
            "audit",
            "--claims",
            "K1",
            "--json",
            "",
            "--docs",
            "",
            "--data",
            f"mnist={tmp_path}",
            "--data",
            f"mnist={tmp_path}",
        ]
    )
    assert code == 2 and "given twice" in capsys.readouterr().err


def test_audit_with_a_valid_data_set_runs_and_records_it(tmp_path, capsys):
    """A valid --data folder passes the check and the audit runs (K1 alone: E3 is marked audit); the
    report's provenance names the data set.  ``--data`` with valid files once crashed on this line."""
    (tmp_path / "m").mkdir()
    _mnist(tmp_path / "m")
    report = tmp_path / "r.json"
    code = main(
        ["audit", "--claims", "K1", "--json", str(report), "--docs", "", "--data", f"mnist={tmp_path / 'm'}"]
    )
    assert code == 0, capsys.readouterr().err
    assert json.loads(report.read_text())["provenance"]["settings"]["data"] == "mnist"


def test_audit_refuses_a_data_folder_whose_name_is_not_utf8(tmp_path, capsys):
    folder = tmp_path / os.fsdecode(b"m\xff")
    folder.mkdir()
    _mnist(folder)
    code = main(["audit", "--claims", "K1", "--json", "", "--docs", "", "--data", f"mnist={folder}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not valid UTF-8" in err and "\\xff" in err
