"""The ``vanishing-minima`` command.

Sub-commands
------------
``audit``        the theorem audit: a verdict per claim, a JSON report, the docs (the main job)
``bounds``       every bound of :mod:`vanishing_minima.theory.bounds` at one size (``--latex``: their LaTeX)
``claims``       the claim registry: id, kind, reference, title
``assumptions``  decide A2-A4 for growth laws, e.g. ``--d0 'n**(3/4)' --d1 'n**(1/3)'``
``derive``       run the symbolic derivations and print their steps
``docs``         regenerate the generated pages of ``docs/`` (``--api DIR``: the HTML API reference, pdoc)
``table1``       E3: training MCE at params/N about 1 on digits, or MNIST / CIFAR-10 from your files
``bench``        throughput of the V2 sampler, vectorized versus a per-sample loop
``seeds``        run the test suite for consecutive ``--vm-seed`` values (from a clone of the repository)

Exit codes: 0 success, 1 an ``inconsistent`` verdict (audit) or a derivation that does not hold
(derive), 2 usage, input or file errors (one line on stderr), 3 an internal error (a check that raises,
whatever the exception, with its traceback), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM),
141 the output pipe closed (``| head``).

What is refused, and why, is listed in the README ("What the command refuses"): growth laws outside a
whitelist (no code from input is run), numeric flags out of range (each named), work a flag would blow
up, and output paths that cannot be written (checked before the audit runs; files are replaced
atomically, so a failed run leaves the previous report).

The parser is :mod:`.parser`, the sub-commands :mod:`.commands` (and :mod:`.measure_commands`), the
terminal tables :mod:`.tables`; this module is the entry point: exit codes and signals.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Sequence

from . import audit
from .commands import COMMANDS
from .parser import UsageError, build_parser
from .tables import DEFAULT_WIDTH, bounds_table, latex_lines, table_lines, terminal_width

__all__ = ["main", "bounds_table", "table_lines", "terminal_width", "latex_lines", "DEFAULT_WIDTH"]


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
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("vanishing-minima: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("vanishing-minima: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except (
        audit.CheckError
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
