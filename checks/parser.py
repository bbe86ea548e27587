"""The ``vanishing-minima`` command line: its parser and the types of its arguments.

Every numeric flag is checked when it is parsed (its type names the flag, the rule and, for an upper
limit, what a larger value would cost); a parse error is a :class:`UsageError` (one line on stderr, exit
code 2), not argparse's usage text and exit.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable

from . import audit
from .table1_data import TABLE1_DATA

__all__ = [
    "UsageError",
    "Parser",
    "int_arg",
    "float_arg",
    "folder_arg",
    "SEED",
    "SIZE",
    "build_parser",
]


class UsageError(Exception):
    """Bad input from the command line: one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (argparse's own prints usage and exits)."""

    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints usage too)
        raise UsageError(message)


def int_arg(minimum: int, maximum: int | None = None, why: str = "") -> Callable[[str], int]:
    """An argparse type: an integer in [minimum, maximum]; ``why`` says what a larger value would cost."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text[:40]!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}; got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be <= {maximum} ({why}); got {value}")
        return value

    return parse


def float_arg(
    minimum: float | None = None, maximum: float | None = None, why: str = ""
) -> Callable[[str], float]:
    """An argparse type: a finite float in [minimum, maximum]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid float value: {text[:40]!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be finite; got {text[:40]!r}")
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum:g}; got {value:g}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be <= {maximum:g} ({why}); got {value:g}")
        return value

    return parse


def folder_arg(text: str) -> str:
    """An argparse type: a folder name that is not blank."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a folder; got {text!r}")
    return text


SEED = int_arg(0)
SIZE = float_arg(1.0, 1e300, "Cover's count is computed up to N = 1e300")


def build_parser() -> Parser:
    """The command's parser: one sub-parser per sub-command, its name in ``args.command``."""
    p = Parser(
        prog="vanishing-minima", description="Theorem audit of Soudry & Hoffer (arXiv:1702.05777)."
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    au = sub.add_parser("audit", help="the theorem audit (quick budget by default)")
    au.add_argument(
        "--budget",
        choices=[b.value for b in audit.Budget],
        default="quick",
        help="work per check (default quick)",
    )
    au.add_argument("--seed", type=SEED, default=0, help="seed of every check, >= 0 (default 0)")
    au.add_argument(
        "--workers",
        type=int_arg(1),
        default=None,
        help="processes for the sweeps (default: all cores; at most the cores; 1: no pool). "
        "Results do not depend on it",
    )
    au.add_argument(
        "--claims", default=None, help="comma-separated claim ids, e.g. T8,L2 (default: all)"
    )
    au.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=DIR",
        type=data_folder,
        help="a Table 1 data set for E3 from your files: mnist=DIR (IDX files) or cifar=DIR (python "
        "batches); repeatable; read before the audit starts",
    )
    au.add_argument(
        "--json", default="vanishing-minima-audit.json", help="JSON report path ('' for none)"
    )
    au.add_argument(
        "--docs", default="docs", help="folder for the generated docs ('' for none; default docs)"
    )
    b = sub.add_parser("bounds", help="every bound at one size")
    b.add_argument(
        "--n", type=SIZE, default=10_000, help="number of datapoints N, 1..1e300 (default 10000)"
    )
    b.add_argument(
        "--d0", type=SIZE, default=100, help="input dimension d0, 1..1e300 (default 100)"
    )
    b.add_argument("--d1", type=SIZE, default=400, help="hidden width d1, 1..1e300 (default 400)")
    b.add_argument(
        "--eps",
        type=float_arg(),
        default=0.1,
        help="error threshold epsilon in (0,1) (default 0.1)",
    )
    b.add_argument(
        "--rho", type=float_arg(), default=0.0, help="LReLU slope, != 1 (default 0: ReLU)"
    )
    b.add_argument(
        "--d0-over-n", type=float_arg(), default=None, help="lim d0/N in [0,1] (default: d0/N)"
    )
    b.add_argument(
        "--latex",
        action="store_true",
        help="print each bound's LaTeX (sympy.latex of the shipped expression) instead of values",
    )
    sub.add_parser("claims", help="the claim registry")
    a = sub.add_parser("assumptions", help="decide A2-A4 for growth laws in n")
    a.add_argument("--d0", required=True, help="growth law of d0, e.g. 'n**(3/4)'")
    a.add_argument("--d1", required=True, help="growth law of d1, e.g. 'n**(1/3)'")
    sub.add_parser("derive", help="run the symbolic derivations")
    g = sub.add_parser("docs", help="regenerate the generated pages of docs/")
    g.add_argument("--dir", type=folder_arg, default="docs", help="output folder (default: docs)")
    g.add_argument(
        "--api",
        type=folder_arg,
        default=None,
        metavar="DIR",
        help="instead, build the HTML API reference (pdoc, from the docstrings) into DIR, "
        "e.g. build/api; needs the docs extra",
    )
    h = sub.add_parser("bench", help="throughput of the V2 sampler against a per-sample loop")
    h.add_argument(
        "--repeats",
        type=int_arg(1, 100, "each repeat runs both samplers at three sizes, a few seconds"),
        default=3,
        help="runs per measurement, 1..100 (median; default 3)",
    )
    h.add_argument("--seed", type=SEED, default=0, help="seed of data and draws, >= 0 (default 0)")
    h.add_argument(
        "--threads",
        type=int_arg(0, 1024, "more BLAS threads than cores only oversubscribe"),
        default=1,
        help="BLAS threads for both samplers (default 1, as the audit; 0: the library default)",
    )
    h.add_argument(
        "--sizes",
        default=None,
        help="sizes to run, N:d0:d1[:samples] separated by commas (default 64:4:8:3000,256:8:16:300,1024:16:32:24)",
    )
    t1 = sub.add_parser(
        "table1", help="E3 (the paper's Table 1): training MCE at params/N about 1 on real data"
    )
    t1.add_argument("--digits", action="store_true", help="scikit-learn's 8x8 digits (0-4 vs 5-9)")
    t1.add_argument(
        "--mnist", default=None, help="folder with MNIST's IDX files (train, and test if present)"
    )
    t1.add_argument("--cifar", default=None, help="folder with CIFAR-10's python pickle batches")
    t1.add_argument(
        "--limit",
        type=int_arg(2),
        default=None,
        help="train on this many samples (>= 2) drawn without replacement",
    )
    t1.add_argument(
        "--d1",
        type=int_arg(
            1,
            10_000,
            "L-BFGS keeps about 20 copies of the d0 x d1 weights: 10,000 x 3072 is already 5 GB",
        ),
        default=None,
        help="hidden width, 1..10000 (default ceil(N/d0))",
    )
    t1.add_argument(
        "--max-iter",
        type=int_arg(
            1, 1_000_000, "20,000 iterations took 218 s on the digits; a million would take hours"
        ),
        default=20_000,
        help="L-BFGS iterations, 1..1000000 (default 20000)",
    )
    t1.add_argument(
        "--seed", type=SEED, default=0, help="seed of the subsample and the initialization, >= 0"
    )
    se = sub.add_parser(
        "seeds", help="run the test suite for consecutive --vm-seed values (run in the repository)"
    )
    se.add_argument(
        "--count",
        type=int_arg(
            1, 1000, "each seed runs the whole test suite, about 90 s: 1000 seeds take a day"
        ),
        default=20,
        help="number of seeds, 1..1000 (default 20)",
    )
    se.add_argument("--start", type=SEED, default=1, help="first seed, >= 0 (default 1)")
    return p


def data_folder(text: str) -> tuple[str, str]:
    """``--data NAME=DIR``: a Table 1 data set name of :data:`.table1_data.TABLE1_DATA` and a folder."""
    name, sep, folder = text.partition("=")
    if not sep or name not in TABLE1_DATA or not folder:
        raise argparse.ArgumentTypeError(
            f"expected NAME=DIR with NAME one of {', '.join(sorted(TABLE1_DATA))}; got {text!r}"
        )
    return name, folder
