"""The command line: every sub-command runs; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from vanishing_minima.checks.cli import main
from vanishing_minima.checks.tables import bounds_table
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


# --- the command itself: version, help, claim ids, no abbreviations, a light start (issue 22, item 8) --
def test_version_is_the_installed_distributions(capsys):
    import importlib.metadata

    assert main(["--version"]) == 0
    assert (
        capsys.readouterr().out
        == f"vanishing-minima {importlib.metadata.version('vanishing-minima')}\n"
    )


def test_version_without_metadata_reads_pyproject_then_says_unknown(tmp_path, monkeypatch):
    import importlib.metadata

    from vanishing_minima.checks import version

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version.metadata, "version", missing)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[build-system]\nversion = "9"\n\n[project]\nname = "x"\nversion = "1.2.3"\n'
    )
    assert version.toolkit_version(pyproject) == "1.2.3"
    pyproject.write_text('[tool.x]\nversion = "9"\n')  # a version, but not the project's
    assert version.toolkit_version(pyproject) == "unknown"
    assert version.toolkit_version(tmp_path / "missing.toml") == "unknown"
    beside = Path(version.__file__).resolve().parents[1] / "pyproject.toml"
    if (
        beside.is_file()
    ):  # an editable install: this checkout's pyproject.toml (pip install . has none)
        assert version.toolkit_version() not in ("", "unknown")


def _subcommands() -> list[str]:
    from vanishing_minima.checks.cli import COMMANDS

    return sorted(COMMANDS)


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_help_has_a_description_an_example_and_exit_codes(command, capsys):
    from vanishing_minima.checks.parser import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices[command]
    assert sub.description and len(sub.description) > 40
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    example = out.index("example")
    assert f"  vanishing-minima {command}" in out[example:]  # the example runs this sub-command
    codes = out[out.index("exit codes:") :]
    for code in ("0 ", "2 ", "3 ", "130 "):
        assert f"\n  {code}" in codes, (command, code)


def test_the_command_list_is_the_parsers():
    from vanishing_minima.checks.parser import build_parser

    assert sorted(build_parser()._subparsers._group_actions[0].choices) == _subcommands()


def test_main_help_lists_examples_and_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "vanishing-minima claims T6" in out and "\n  1    a finding" in out


ABBREVIATED = [
    ["audit", "--claim", "T6"],
    ["audit", "--bud", "quick"],
    ["audit", "--update", "--claims", "K1"],
    ["bounds", "--lat"],
    ["bounds", "--d0-over", "0.5"],
    ["table1", "--dig"],
    ["seeds", "--cou", "3"],
    ["docs", "--di", "x"],
    ["bench", "--rep", "2"],
    ["--vers", "claims"],
]


@pytest.mark.parametrize("argv", ABBREVIATED, ids=[" ".join(a) for a in ABBREVIATED])
def test_long_flags_are_never_abbreviated(argv, capsys, no_work):
    """``audit --claim T6`` was read as ``--claims T6`` (argparse's prefix matching)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    flag = next(a for a in argv if a.startswith("--"))
    assert err.count("\n") == 1 and f"unrecognized arguments: {flag}" in err, err


def test_claims_lists_every_claim_of_the_registry(capsys):
    from vanishing_minima.theory.claims import REGISTRY

    assert main(["claims"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:] if not line.startswith(" ")] == list(REGISTRY)


def test_claims_id_shows_one_claim_as_the_registry_has_it(capsys):
    from vanishing_minima.theory.claims import REGISTRY

    assert main(["claims", "t10"]) == 0
    out = capsys.readouterr().out
    c = REGISTRY["T10"]
    assert out.startswith(f"T10: {c.title}\n")
    for key, value in (
        ("reference", c.reference),
        ("kind", c.kind.value),
        ("statement", c.statement),
    ):
        assert f"\n  {key:<12} {value}\n" in out
    assert f"  assumptions  {', '.join(c.assumptions)}\n" in out
    assert "T6" not in out.splitlines()[0] and out.count("\n\n") == 0  # one claim, no other


def test_claims_ids_in_any_case_each_once_in_the_order_given(capsys):
    assert main(["claims", "K1", "g2", "k1"]) == 0
    heads = [
        line.split(":")[0] for line in capsys.readouterr().out.splitlines() if ": " in line[:5]
    ]
    assert heads == ["K1", "G2"]


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["claims", "T66"], "unknown claim id(s) T66 (did you mean T6?)"),
        (["claims", "K1", "x9z"], "unknown claim id(s) x9z; known: A1"),
        (["audit", "--claims", "t66"], "--claims: unknown claim id(s) t66 (did you mean T6?)"),
        (["audit", "--claims", "K1,t1O"], "unknown claim id(s) t1O (did you mean T10?)"),
    ],
)
def test_unknown_claim_ids_are_refused_with_the_nearest_known_one(argv, needle, capsys, no_work):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_audit_claim_ids_in_any_case(monkeypatch, capsys):
    from vanishing_minima.checks import audit
    from vanishing_minima.checks.core import CheckResult

    asked = []

    def run_audit(ids, **kwargs):
        asked.append(ids)
        return [CheckResult(c, "proved", "fig", "symbolic") for c in ids]

    monkeypatch.setattr(audit, "run_audit", run_audit)
    assert main(["audit", "--claims", "t8, k1,T8", "--json", "", "--docs", ""]) == 0
    assert asked == [["T8", "K1"]]


LIGHT = [["--help"], ["--version"], ["claims"], *([c, "--help"] for c in _subcommands())]


@pytest.mark.parametrize("argv", LIGHT, ids=[" ".join(a) for a in LIGHT])
def test_help_version_and_claims_start_without_the_numeric_stack(argv):
    """A fresh interpreter: ``--help`` used to import SciPy and SymPy first (2.5-6 s)."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\n"
        "from vanishing_minima.checks.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(sys.argv[1:])\n"
        "heavy = ('numpy', 'scipy', 'sympy', 'mpmath', 'sklearn', 'matplotlib', 'tqdm')\n"
        "print(code, len(out.getvalue()) > 0, sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "0 True []", done.stdout + done.stderr


def test_budget_choices_are_the_audits():
    from vanishing_minima.checks.core import Budget
    from vanishing_minima.checks.parser import BUDGETS

    assert BUDGETS == tuple(b.value for b in Budget)


# --- the audit's closing summary (issue 22, item 3) ---------------------------------------------------
def _results(*verdicts: tuple[str, str]):
    from vanishing_minima.checks.core import CheckResult

    return [CheckResult(cid, verdict, "figure", "test double") for cid, verdict in verdicts]


def test_summary_counts_each_verdict_and_says_what_the_exit_code_means():
    from vanishing_minima.checks.commands import audit_summary

    results = _results(
        ("K1", "proved"),
        ("E2", "inconsistent"),
        ("T6", "consistent"),
        ("A1", "not checkable"),
        ("T9", "consistent"),
        ("C7", "derived"),
        ("E3", "partial"),
        ("T10", "inconclusive"),
    )
    head, tail = audit_summary(results, "out/report.json", "out")
    assert head == (
        "== 8 claims: 1 proved, 1 derived, 2 consistent, 1 partial, 1 inconclusive, "
        "1 not checkable, 1 inconsistent =="
    )
    assert (
        tail == "exit code 1: a claim did not reproduce (E2); report: out/report.json, pages: out/"
    )
    two = audit_summary(_results(("E2", "inconsistent"), ("S6", "inconsistent")), "", "docs/")
    assert two[1] == (
        "exit code 1: 2 claims did not reproduce (E2, S6); no report (--json ''), pages: docs/"
    )
    assert audit_summary(_results(("K1", "pending")), "", "")[0] == "== 1 claim: 1 pending =="


@pytest.mark.parametrize("inconsistent", [False, True])
def test_audit_ends_with_the_summary_and_its_exit_code(inconsistent, monkeypatch, capsys):
    from vanishing_minima.checks import audit

    verdicts = [("K1", "proved"), ("E2", "inconsistent" if inconsistent else "consistent")]
    monkeypatch.setattr(audit, "run_audit", lambda ids, **kwargs: _results(*verdicts))
    code = main(["audit", "--claims", "K1,E2", "--json", "", "--docs", ""])
    lines = capsys.readouterr().out.splitlines()
    assert code == int(inconsistent)
    assert lines[-3] == ""  # after the table
    if inconsistent:
        assert lines[-2] == "== 2 claims: 1 proved, 1 inconsistent =="
        assert lines[-1].startswith("exit code 1: a claim did not reproduce (E2); no report")
    else:
        assert lines[-2] == "== 2 claims: 1 proved, 1 consistent =="
        assert lines[-1].startswith("exit code 0: no claim is inconsistent; no report")


def test_the_summary_shown_in_docs_command_md_is_the_commands():
    from pathlib import Path

    from vanishing_minima.checks.commands import audit_summary
    from vanishing_minima.checks.parser import AUDIT_FOLDER

    text = (Path(__file__).resolve().parents[1] / "docs" / "command.md").read_text()
    shown = (
        text.split("The run ends, like pytest's", 1)[1].split("```console\n", 1)[1].split("```")[0]
    )
    results = _results(("K1", "proved"), ("T8", "consistent"), ("E2", "inconsistent"))
    assert shown.splitlines() == audit_summary(results, f"{AUDIT_FOLDER}/report.json", AUDIT_FOLDER)
