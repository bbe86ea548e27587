"""The ``vanishing-minima`` command.

Sub-commands
------------
``audit``        the theorem audit: a verdict per claim, a summary, the JSON report and the pages, in
                 ``vanishing-minima-audit/`` (``--update-docs``: the committed pages of ``docs/``)
``bounds``       every bound of :mod:`vanishing_minima.theory.bounds` at one size (``--latex``: their LaTeX)
``claims``       the claim registry: id, kind, reference, title (``claims T6``: one claim in full)
``assumptions``  decide A2-A4 for growth laws, e.g. ``--d0 'n**(3/4)' --d1 'n**(1/3)'``
``derive``       run the symbolic derivations and print their steps
``docs``         regenerate the static pages of ``docs/`` (``--api DIR``: the HTML API reference, pdoc)
``table1``       E3: training MCE at params/N about 1 on digits, or MNIST / CIFAR-10 from your files
``bench``        throughput of the V2 sampler, vectorized versus a per-sample loop
``seeds``        run the test suite for consecutive ``--vm-seed`` values (from a clone of the repository)
``cite``         BibTeX for the paper and for the toolkit, with its version (:mod:`.cite`)

``vanishing-minima --version`` prints the toolkit's version; each sub-command's ``--help`` has an
example and its exit codes.

Exit codes: 0 success, 1 an ``inconsistent`` verdict (audit), a derivation that does not hold
(derive) or a seed that failed (seeds), 2 usage, input or file errors (one line on stderr), 3 an
internal error (a check that raises, whatever the exception, with its traceback), 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM), 141 the output pipe closed (``| head``).

What is refused, and why, is listed in ``docs/command.md`` ("What the command refuses"): growth laws
outside a whitelist (no code from input is run), numeric flags out of range (each named), abbreviated
flags, unknown claim ids, work a flag would blow up, and output paths that cannot be written (checked
before the audit runs; files are replaced atomically, so a failed run leaves the previous report).

The parser is :mod:`.parser`, the sub-commands :mod:`.commands`, :mod:`.measure_commands` and
:mod:`.claim_index` (``claims``), the terminal tables :mod:`.terminal`; this module is the entry point:
it imports a sub-command's module only when the sub-command runs (:data:`COMMANDS`), so that ``--help``
and ``claims`` start without NumPy, SciPy or SymPy, and maps exceptions and signals to exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import Callable, Sequence

from .parser import UsageError, build_parser
from .terminal import DEFAULT_WIDTH, table_lines, terminal_width

__all__ = ["main", "COMMANDS", "command_function", "table_lines", "terminal_width", "DEFAULT_WIDTH"]

#: The function of each sub-command, as ``"module:function"`` of this package, imported only when the
#: sub-command runs: the command modules import NumPy, SciPy and SymPy (seconds), which ``--help``,
#: ``--version`` and ``claims`` do without.
COMMANDS: dict[str, str] = {
    "audit": "commands:audit_command",
    "bounds": "commands:bounds_command",
    "claims": "claim_index:claims_command",
    "assumptions": "commands:assumptions_command",
    "derive": "commands:derive_command",
    "docs": "commands:docs_command",
    "bench": "measure_commands:bench_command",
    "table1": "measure_commands:table1_command",
    "seeds": "commands:seeds_command",
    "cite": "cite:run",
}
#: ``claims ID ...``: a claim in full needs the registry itself (its statements are SymPy's LaTeX).
CLAIM_DETAILS = "commands:claim_details_command"


def command_function(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    """The function that runs the parsed command line ``args`` (its module imported now).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    callable
        The sub-command's function of :data:`COMMANDS` (``claims`` with ids: :data:`CLAIM_DETAILS`):
        ``args`` in, exit code out.
    """
    target = CLAIM_DETAILS if args.command == "claims" and args.ids else COMMANDS[args.command]
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


class _NeverRaised(Exception):
    """Stands for :class:`.core.CheckError` while the audit is not loaded (then no check can raise)."""


def _check_error() -> type[BaseException]:
    """:class:`.core.CheckError` if the audit's core is loaded, else an exception nothing raises."""
    core = sys.modules.get(f"{__package__}.core")
    return getattr(core, "CheckError", _NeverRaised)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the pool is terminated and the command exits cleanly."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    0 success, 1 an inconsistent verdict (audit) or a failing derivation, 2 usage, input or file errors
    (one line on stderr), 3 a check that raised (with its traceback) or another internal error,
    130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 141 the output pipe closed.  Either
    interruption stops the audit's worker processes at once.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave the signals alone
        previous = _NO_HANDLER
    try:
        return _main(argv)
    finally:
        if previous is not _NO_HANDLER:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


_NO_HANDLER = object()


def _main(argv: Sequence[str] | None) -> int:
    import traceback

    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version print and exit 0
            return exc.code if isinstance(exc.code, int) else 0
        return command_function(args)(args)
    except KeyboardInterrupt:
        print("vanishing-minima: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("vanishing-minima: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except (
        _check_error()
    ) as exc:  # a broken check, whatever it raised: never 2 (usage) or 1 (a finding)
        traceback.print_exception(exc)
        print(f"vanishing-minima: internal error: {_one_line(exc)} (exit code 3)", file=sys.stderr)
        return 3
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as on SIGPIPE
        try:
            os.dup2(
                os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno()
            )  # no second error when Python flushes
        except (OSError, ValueError):
            pass
        return 141
    except (UsageError, ValueError) as exc:  # invalid sizes, eps, rho, growth laws
        print(f"vanishing-minima: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # missing data files, a report that cannot be written
        what = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
        print(f"vanishing-minima: error: {_one_line(what)}", file=sys.stderr)
        return 2
    except Exception:  # a bug: never exit 1, which means "a claim is inconsistent"
        traceback.print_exc()
        print("vanishing-minima: internal error (exit code 3)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
