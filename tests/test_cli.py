"""The command line: every sub-command runs; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import re
import time

import pytest

from vanishing_minima.checks.cli import bounds_table, main
from vanishing_minima.theory import bounds as B


def test_bounds_default_prints_every_bound(capsys):
    assert main(["bounds"]) == 0
    out = capsys.readouterr().out
    for ref in (
        "Definition 5",
        "Theorem 8",
        "G2 (Cover)",
        "Theorem 9",
        "Theorem 6",
        "Theorem 10",
        "Corollary 7",
    ):
        assert ref in out
    assert "vacuous at this size" in out  # d0 d1 = 4e4 is far below N log^4 N at N = 1e4


def test_bounds_table_values_come_from_the_bound_functions():
    rows = {r[1]: r for r in bounds_table(1e6, 1e3, 1e4, 0.1, 0.0)}
    assert float(rows["Theorem 6"][2]) == pytest.approx(
        B.theorem6_log_bound(1e6, 1e3, 1e4, 0.1, 0.0, 1e-3), rel=1e-5
    )
    assert rows["Theorem 9"][3].startswith(
        "1.0e-1200"
    )  # exp(-2 N log N) at N = 1e6, printed by mpmath


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["bounds", "--eps", "1.5"], "eps must lie in the open interval"),
        (["bounds", "--rho", "1"], "rho must differ from 1"),
        (["bounds", "--n", "10", "--d0", "20"], "d0 <= n"),
        (["bounds", "--n", "abc"], "invalid float value"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["assumptions", "--d0", "n**(", "--d1", "n"], "cannot parse"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_claims_and_assumptions_and_derive(capsys):
    assert main(["claims"]) == 0
    assert "T10" in capsys.readouterr().out
    assert main(["assumptions", "--d0", "n**(3/4)", "--d1", "n**(1/3)"]) == 0
    out = capsys.readouterr().out
    assert "A3 (sqrt(N) <. d0 <=. N) holds" in out and "A4" in out
    assert main(["derive"]) == 0
    assert "FAILS" not in capsys.readouterr().out


def test_bench_runs_and_both_samplers_agree(capsys):
    """A smoke test of the benchmark machinery at a tiny size (the benchmark itself is run by hand)."""
    from vanishing_minima.checks.bench import run_benchmark

    rows = run_benchmark(repeats=1, sizes=((16, 2, 4, 20),))
    assert len(rows) == 1 and rows[0].samples == 20
    assert rows[0].vectorized_per_s > 0 and rows[0].loop_per_s > 0


# --- every argument validated, naming the flag; work a flag could blow up is refused ---------------
@pytest.fixture
def no_work(monkeypatch):
    """Make sure a flag that slipped through cannot start the work it asks for (a test suite per seed...)."""
    import subprocess

    from vanishing_minima import numeric
    from vanishing_minima.checks import audit, bench

    def refuse(*args, **kwargs):
        raise AssertionError("work started despite an invalid flag")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(bench, "run_benchmark", refuse)
    monkeypatch.setattr(numeric, "e3_point", refuse)
    monkeypatch.setattr(audit, "run_audit", refuse)


FLAG_CASES = [
    (["table1", "--digits", "--max-iter", "0"], "argument --max-iter: must be >= 1"),
    (["table1", "--digits", "--max-iter", "2000000"], "argument --max-iter: must be <= 1000000"),
    (
        ["table1", "--digits", "--d1", "0"],
        "argument --d1: must be >= 1",
    ),  # was silently the default width
    (["table1", "--digits", "--d1", "100000"], "argument --d1: must be <= 10000"),
    (["table1", "--digits", "--limit", "1"], "argument --limit: must be >= 2"),
    (["table1", "--digits", "--seed", "-1"], "argument --seed: must be >= 0"),
    (
        ["seeds", "--count", "-3"],
        "argument --count: must be >= 1",
    ),  # was "-3 of -3 seeds passed", exit 0
    (["seeds", "--count", "0"], "argument --count: must be >= 1"),
    (
        ["seeds", "--count", "1001"],
        "argument --count: must be <= 1000 (each seed runs the whole test suite",
    ),
    (["seeds", "--start", "-1"], "argument --start: must be >= 0"),
    (["bench", "--repeats", "0"], "argument --repeats: must be >= 1"),
    (["bench", "--repeats", "101"], "argument --repeats: must be <= 100"),
    (["bench", "--seed", "-5"], "argument --seed: must be >= 0"),
    (["docs", "--dir", ""], "argument --dir: must name a folder"),
    (["docs", "--dir", "  "], "argument --dir: must name a folder"),
    (["audit", "--seed", "-1"], "argument --seed: must be >= 0"),
    (["audit", "--workers", "-2"], "argument --workers: must be >= 1"),
    (["audit", "--workers", "two"], "argument --workers: invalid int value"),
    (["bounds", "--n", "nan"], "argument --n: must be finite"),
    (["bounds", "--n", "inf"], "argument --n: must be finite"),
    (["bounds", "--n", "0"], "argument --n: must be >= 1"),
    (["bounds", "--n", "1e301"], "argument --n: must be <= 1e+300"),
    (["bounds", "--d0", "0.5"], "argument --d0: must be >= 1"),
    (["bounds", "--d1", "-1"], "argument --d1: must be >= 1"),
    (["bounds", "--eps", "nan"], "argument --eps: must be finite"),
    (["bounds", "--rho", "inf"], "argument --rho: must be finite"),
    (["bounds", "--d0-over-n", "nan"], "argument --d0-over-n: must be finite"),
]


@pytest.mark.parametrize("argv,needle", FLAG_CASES, ids=[" ".join(a) for a, _ in FLAG_CASES])
def test_every_flag_is_validated_naming_it(argv, needle, capsys, no_work):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--n", "1e6", "--d0", "1e6"],
        ["--n", "1e300", "--d0", "1e299"],
        ["--n", "1.28e6", "--d0", "12288", "--d1", "105"],
        ["--n", "1e300", "--d0", "1e300", "--d1", "1e300"],
        ["--n", "1e300", "--d0", "2"],
    ],
    ids=["1e6-1e6", "1e300-1e299", "imagenet", "all-1e300", "1e300-2"],
)
def test_bounds_answers_in_under_a_second_at_any_size_it_accepts(argv, capsys):
    """n = d0 = 1e6 used to hang (Cover's count summed d binomials); the ImageNet row took 50 s."""
    main(["bounds", "--n", "100"])  # compile the formulas once
    capsys.readouterr()
    start = time.perf_counter()
    assert main(["bounds", *argv]) == 0
    assert time.perf_counter() - start < 1.0
    out = capsys.readouterr().out
    assert "G2 (Cover)" in out
    assert not re.search(r"\b(inf|nan)\b", out)


def test_bounds_cover_row_is_log_cover_count(capsys):
    rows = {r[1]: r for r in bounds_table(1.28e6, 12288.0, 105.0, 0.1, 0.0)}
    assert float(rows["G2 (Cover)"][2]) == pytest.approx(
        B.log_cover_count(1_280_000, 12288), rel=1e-5
    )


def test_workers_above_the_cpus_are_capped_with_a_note(capsys, monkeypatch):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert main(["audit", "--claims", "D5", "--workers", "1000", "--json", "", "--docs", ""]) == 0
    err = capsys.readouterr().err
    assert "--workers 1000 capped at 2" in err


def test_a_closed_output_pipe_ends_quietly():
    """``vanishing-minima derive | head -c 10``: no traceback, no error line, exit 141 (as on SIGPIPE)."""
    import subprocess
    import sys

    code = "import sys; from vanishing_minima.checks.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "derive"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == ""
