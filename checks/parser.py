"""The ``vanishing-minima`` command line: its parser, its help texts and the types of its arguments.

Every numeric flag is checked when it is parsed (its type names the flag, the rule and, for an upper
limit, what a larger value would cost); a parse error is a :class:`UsageError` (one line on stderr, exit
code 2), not argparse's usage text and exit.  Long flags are never abbreviated (``audit --claim T6`` is
refused, not read as ``--claims``).  Each sub-command's ``--help`` ends with an example and its exit
codes.

This module imports no part of the numeric stack (NumPy, SciPy, SymPy): ``vanishing-minima --help``,
``<sub-command> --help`` and ``claims`` start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, Callable, Sequence

from . import cite
from .numbers import COMMITTED_REPORT
from .version import toolkit_version

__all__ = [
    "UsageError",
    "Parser",
    "int_arg",
    "float_arg",
    "folder_arg",
    "SEED",
    "SIZE",
    "BUDGETS",
    "AUDIT_FOLDER",
    "COMMITTED_DOCS",
    "COMMITTED_REPORT",
    "build_parser",
]


class UsageError(Exception):
    """Bad input from the command line: one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (argparse's own prints usage and exits),
    that never abbreviates long flags, and whose description and epilog keep their line breaks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints usage too)
        raise UsageError(message)


class _Version(argparse.Action):
    """``--version``: print ``vanishing-minima X.Y.Z`` and exit 0 (the version is looked up only then)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{parser.prog} {toolkit_version()}", file=sys.stdout)
        parser.exit(0)


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


#: The audit's budgets (:class:`.core.Budget`'s values, here without importing the audit).
BUDGETS = ("quick", "standard", "thorough")
#: Where ``audit`` writes its JSON report (``report.json``) and its pages unless told otherwise: a folder
#: that ``.gitignore`` lists, so a run leaves a checkout clean.
AUDIT_FOLDER = "vanishing-minima-audit"
#: The committed pages, which ``audit --update-docs`` (with the committed report,
#: :data:`.numbers.COMMITTED_REPORT`) and ``docs`` regenerate.
COMMITTED_DOCS = "docs"

_EXIT_2 = "2    usage, input or file error: one line on stderr, before any work"
_EXITS_AFTER = (
    "  3    internal error, with its traceback (a check that raised, whatever the exception)\n"
    "  130  interrupted (Ctrl-C); 143 terminated (SIGTERM); 141 the output pipe closed (| head)"
)


def _help(
    description: str, examples: Sequence[str], exits: Sequence[str] = (), refused: str = ""
) -> dict[str, str]:
    """A sub-parser's ``description`` and ``epilog``: examples, then the exit codes (0 and the
    command's own, ``exits``; 2 with what the command refuses, ``refused``; then 3 and the signals)."""
    lines = ["example:" if len(examples) == 1 else "examples:"]
    lines += [f"  {e}" for e in examples]
    lines += ["", "exit codes:", *(f"  {e}" for e in (exits or ("0    success",)))]
    lines.append(f"  {_EXIT_2}" + (f",\n       e.g. {refused}" if refused else ""))
    return {"description": description, "epilog": "\n".join(lines) + "\n" + _EXITS_AFTER}


_MAIN_EPILOG = f"""examples:
  vanishing-minima audit                      the quick audit: a verdict per claim, report and pages
                                              in {AUDIT_FOLDER}/ (git ignores it)
  vanishing-minima audit --claims T6,K1       two claims
  vanishing-minima claims T6                  one claim: statement, kind, reference
  vanishing-minima bounds --n 1e6 --d0 1e3    every bound at one size
  vanishing-minima COMMAND --help             a command's options, an example and its exit codes

exit codes:
  0    success
  1    a finding: a claim is inconsistent (audit), a derivation does not hold (derive), a seed failed (seeds)
  {_EXIT_2}
{_EXITS_AFTER}

Every option, what is refused and why: docs/command.md."""


def build_parser() -> Parser:
    """The command's parser: one sub-parser per sub-command, its name in ``args.command``.

    Returns
    -------
    Parser
        Long flags are not abbreviated on any of its parsers; ``--version`` prints the toolkit's version.
    """
    p = Parser(
        prog="vanishing-minima",
        description="Theorem audit of Soudry & Hoffer (arXiv:1702.05777): a verdict per claim of the "
        "paper, with its evidence.",
        epilog=_MAIN_EPILOG,
    )
    p.add_argument("--version", action=_Version, help="print the toolkit's version and exit")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    au = sub.add_parser(
        "audit",
        help="the theorem audit (quick budget by default)",
        **_help(
            "The theorem audit: one check per claim of the paper (or those of --claims), a table of\n"
            "verdicts, a summary line, and the JSON report and the pages (audit.md, a page per claim,\n"
            f"figures) written into one folder, {AUDIT_FOLDER}/ unless --out, --json or --docs say\n"
            "otherwise. Nothing tracked by git is written: regenerating the committed pages in\n"
            f"{COMMITTED_DOCS}/ and the committed report {COMMITTED_REPORT} is --update-docs, from\n"
            "a whole audit. Output paths are checked before the checks run.",
            [
                "vanishing-minima audit                               every claim, quick budget",
                "vanishing-minima audit --claims t6,K1 --json ''      two claims, no report file",
                "vanishing-minima audit --update-docs                 regenerate docs/ and its report",
            ],
            [
                "0    no claim is inconsistent",
                "1    a claim is inconsistent: it did not reproduce (a finding, named in the summary)",
            ],
            refused="an unknown claim id (with the nearest known one), an\n       "
            "abbreviated flag (--claim), an output path that cannot be written",
        ),
    )
    au.add_argument(
        "--budget", choices=BUDGETS, default="quick", help="work per check (default quick)"
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
        "--claims",
        default=None,
        help="comma-separated claim ids in any case, e.g. T8,l2 (default: all)",
    )
    au.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=DIR",
        type=data_folder,
        help="a Table 1 data set for E3 from your files: mnist=DIR (IDX files), cifar=DIR (python "
        "batches) or imagenet=DIR (Downsampled ImageNet's npz batches); repeatable; read before the "
        "audit starts",
    )
    au.add_argument(
        "--out",
        type=folder_arg,
        default=AUDIT_FOLDER,
        metavar="DIR",
        help=f"folder for the JSON report (DIR/report.json) and the pages (default {AUDIT_FOLDER}; "
        "created if needed)",
    )
    au.add_argument(
        "--json",
        default=None,
        metavar="PATH",
        help="JSON report path instead of OUT/report.json ('' for none)",
    )
    au.add_argument(
        "--docs",
        default=None,
        metavar="DIR",
        help="folder for the pages instead of OUT ('' for none)",
    )
    au.add_argument(
        "--update-docs",
        action="store_true",
        help=f"write the committed pages, {COMMITTED_DOCS}/, and report, {COMMITTED_REPORT}, from every "
        "claim (not with --claims, --json or --docs)",
    )
    b = sub.add_parser(
        "bounds",
        help="every bound at one size",
        **_help(
            "Every bound of the paper at one size: gamma_eps, d1*, Cover's count, Theorem 9's\n"
            "failure probability and volume, Theorem 6's and Theorem 10's exponents, Corollary 7.\n"
            "Leading-order expressions evaluated at one size, not finite-N guarantees (natural logs).",
            ["vanishing-minima bounds --n 1e6 --d0 1e3 --d1 1e4 --eps 0.1"],
            refused="a size outside 1..1e300, eps outside (0, 1), rho = 1, d0 > N",
        ),
    )
    # Defaults None: the table fills in tables.BOUNDS_DEFAULTS, --latex keeps a flag not given symbolic
    b.add_argument(
        "--n", type=SIZE, default=None, help="number of datapoints N, 1..1e300 (default 10000)"
    )
    b.add_argument(
        "--d0", type=SIZE, default=None, help="input dimension d0, 1..1e300 (default 100)"
    )
    b.add_argument("--d1", type=SIZE, default=None, help="hidden width d1, 1..1e300 (default 400)")
    b.add_argument(
        "--eps",
        type=float_arg(),
        default=None,
        help="error threshold epsilon in (0,1) (default 0.1)",
    )
    b.add_argument(
        "--rho", type=float_arg(), default=None, help="LReLU slope, != 1 (default 0: ReLU)"
    )
    b.add_argument(
        "--d0-over-n", type=float_arg(), default=None, help="lim d0/N in [0,1] (default: d0/N)"
    )
    b.add_argument(
        "--latex",
        action="store_true",
        help="print the bounds as LaTeX statements instead: the flags given substituted (--rho 0: "
        "the ReLU form), the others symbols; the paper's statements labelled apart from the "
        "toolkit's derived exponents",
    )
    c = sub.add_parser(
        "claims",
        help="the claim registry, or one claim in full",
        **_help(
            "The claim registry: one row per claim (id, kind, reference in the paper, title). With\n"
            "ids, each of those claims in full: title, reference, kind, its statement (LaTeX), the\n"
            "assumptions it is stated under, the claims it builds on and the bound functions that\n"
            "evaluate it. Ids in any case (t6 is T6).",
            ["vanishing-minima claims", "vanishing-minima claims T6 t10"],
            refused="an unknown id (with the nearest known one)",
        ),
    )
    c.add_argument(
        "ids", nargs="*", metavar="ID", help="claim ids to show in full (default: list all)"
    )
    a = sub.add_parser(
        "assumptions",
        help="decide A2-A4 for growth laws in n",
        **_help(
            "Decide Assumptions A2-A4 for growth laws of d0 and d1 in n. The laws are read by a\n"
            "whitelist (n, numbers, + - * / **, parentheses, log, exp, sqrt, pi, E): no code from\n"
            "the input is run.",
            ["vanishing-minima assumptions --d0 'n**(3/4)' --d1 'n**(1/3)'"],
            refused="a law refused by the whitelist or that cannot be decided",
        ),
    )
    a.add_argument("--d0", required=True, help="growth law of d0, e.g. 'n**(3/4)'")
    a.add_argument("--d1", required=True, help="growth law of d1, e.g. 'n**(1/3)'")
    sub.add_parser(
        "derive",
        help="run the symbolic derivations",
        **_help(
            "Run the symbolic derivations (SymPy) behind the audit's proved and derived verdicts and\n"
            "print each one's steps and findings.",
            ["vanishing-minima derive"],
            ["0    every derivation holds", "1    a derivation does not hold (marked FAILS)"],
        ),
    )
    g = sub.add_parser(
        "docs",
        help="regenerate the static pages of docs/",
        **_help(
            "Regenerate the static pages of docs/: the theory, the bounds, the numeric layer, the\n"
            "claim list (no measurement on them). The audit's pages are `audit --update-docs`.\n"
            "--api DIR builds the HTML API reference (pdoc) instead.",
            ["vanishing-minima docs", "vanishing-minima docs --api build/api"],
            refused="the folder cannot be written (checked first), or --api without pdoc",
        ),
    )
    g.add_argument("--dir", type=folder_arg, default="docs", help="output folder (default: docs)")
    g.add_argument(
        "--api",
        type=folder_arg,
        default=None,
        metavar="DIR",
        help="instead, build the HTML API reference (pdoc, from the docstrings) into DIR, "
        "e.g. build/api; needs the docs extra",
    )
    h = sub.add_parser(
        "bench",
        help="throughput of the V2 sampler against a per-sample loop",
        **_help(
            "Throughput of the V2 sampler, vectorized against a per-sample loop, at three sizes (or\n"
            "--sizes): the median of --repeats runs.",
            ["vanishing-minima bench --repeats 5 --sizes 64:4:8:3000"],
            refused="sizes whose work would exceed about a minute per repeat",
        ),
    )
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
        "table1",
        help="E3 (the paper's Table 1): training MCE at params/N about 1 on real data",
        **_help(
            "E3, the paper's Table 1: train the one-hidden-layer network at about one parameter per\n"
            "sample on real data (scikit-learn's 8x8 digits, or MNIST and CIFAR-10 from your own\n"
            "files: nothing is downloaded) and print the training error beside the paper's rows.",
            [
                "vanishing-minima table1 --digits",
                "vanishing-minima table1 --mnist DIR --limit 2000",
            ],
            refused="no data set named, or a missing or malformed data file (named)",
        ),
    )
    t1.add_argument("--digits", action="store_true", help="scikit-learn's 8x8 digits (0-4 vs 5-9)")
    t1.add_argument(
        "--mnist", default=None, help="folder with MNIST's IDX files (train, and test if present)"
    )
    t1.add_argument("--cifar", default=None, help="folder with CIFAR-10's python pickle batches")
    t1.add_argument(
        "--imagenet",
        default=None,
        help="folder with Downsampled ImageNet 64x64's train_data_batch_1..10.npz (with --limit: the "
        "1.28M images do not fit in memory; scripts/imagenet_table1.py streams the full row)",
    )
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
        "seeds",
        help="run the test suite for consecutive --vm-seed values (run in the repository)",
        **_help(
            "Run the test suite with the audit's tests (pytest --run-audit --vm-seed K) for K from\n"
            "--start on, --count times, from a clone of the repository, and report each seed.",
            ["vanishing-minima seeds --count 5 --start 1"],
            ["0    every seed passed", "1    a seed failed (listed)"],
            refused="--count outside 1..1000",
        ),
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
    _add_cite(sub)
    return p


def _add_cite(sub: argparse._SubParsersAction) -> None:
    """``cite`` (:mod:`.cite`): its own description and examples, the command's exit codes."""
    c = cite.add_parser(sub)
    examples = (c.epilog or "").split("\n\n")[0].splitlines()[1:]
    c.epilog = _help(c.description or "", [e.strip() for e in examples])["epilog"]


def data_folder(text: str) -> tuple[str, str]:
    """``--data NAME=DIR``: a name and a folder, both non-empty.  Whether the name is a Table 1 data set
    (:data:`.table1_data.TABLE1_DATA`) is checked by the audit command before any work."""
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"expected NAME=DIR, e.g. mnist=DIR; got {text!r}")
    return name, folder
