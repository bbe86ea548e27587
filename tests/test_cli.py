"""The command line: every sub-command runs; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import pytest

from vanishing_minima.checks.cli import bounds_table, main
from vanishing_minima.theory import bounds as B


def test_bounds_default_prints_every_bound(capsys):
    assert main(["bounds"]) == 0
    out = capsys.readouterr().out
    for ref in ("Definition 5", "Theorem 8", "G2 (Cover)", "Theorem 9", "Theorem 6", "Theorem 10", "Corollary 7"):
        assert ref in out
    assert "vacuous at this size" in out  # d0 d1 = 4e4 is far below N log^4 N at N = 1e4


def test_bounds_table_values_come_from_the_bound_functions():
    rows = {r[1]: r for r in bounds_table(1e6, 1e3, 1e4, 0.1, 0.0)}
    assert float(rows["Theorem 6"][2]) == pytest.approx(B.theorem6_log_bound(1e6, 1e3, 1e4, 0.1, 0.0, 1e-3), rel=1e-5)
    assert rows["Theorem 9"][3].startswith("1.0e-1200")  # exp(-2 N log N) at N = 1e6, printed by mpmath


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
