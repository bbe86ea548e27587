"""Plain-text tables for the terminal, without the numeric stack (``claims`` and ``--help`` start fast).

:func:`table_lines` lays rows out in columns, the last one wrapped to the terminal's width
(:func:`terminal_width`); :func:`print_table` prints them.  Every table the command prints goes
through here.
"""

from __future__ import annotations

import shutil
import textwrap
from typing import Sequence

__all__ = ["DEFAULT_WIDTH", "terminal_width", "table_lines", "print_table"]

#: Width of the terminal when it cannot be asked (output to a pipe or a file, no ``COLUMNS``).
DEFAULT_WIDTH = 100
#: Narrowest the wrapped last column gets, however many characters the other columns take.
_MIN_LAST = 24


def terminal_width() -> int:
    """Columns of the terminal: ``COLUMNS`` if set, else the terminal's, else :data:`DEFAULT_WIDTH`."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def table_lines(
    rows: Sequence[Sequence[str]], header: Sequence[str], width: int | None = None
) -> list[str]:
    """A plain-text table, columns separated by two spaces; the last column wrapped to fit ``width``.

    Parameters
    ----------
    rows : sequence of sequences of str
        The cells, one sequence per row, as many cells as ``header``.
    header : sequence of str
        Column titles.
    width : int or None
        Line width to fit; None: no limit (the last column is never wrapped).  The other columns are
        never wrapped: if they alone take more than ``width`` minus 24 characters, the last column is
        wrapped at 24 characters and the lines are wider than ``width``.

    Returns
    -------
    list of str
        The lines, without trailing blanks: header, rule, then each row (a wrapped row on several
        lines, its continuation indented to the last column).

    Examples
    --------
    >>> for line in table_lines([("K1", "a key figure that is long enough to wrap")], ("id", "key figure"), width=30):
    ...     print(line)
    id  key figure
    --  --------------------------
    K1  a key figure that is long
        enough to wrap
    """
    header = [str(h) for h in header]
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if width is not None and len(header) > 1:
        lead = sum(widths[:-1]) + 2 * (len(widths) - 1)
        widths[-1] = min(widths[-1], max(width - lead, _MIN_LAST))
    indent = sum(widths[:-1]) + 2 * (len(widths) - 1)

    def render(cells: Sequence[str]) -> list[str]:
        last = textwrap.wrap(
            cells[-1], widths[-1], break_long_words=True, break_on_hyphens=False
        ) or [""]
        first = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths[:-1]))
        lines = [(first + "  " if len(cells) > 1 else "") + last[0]]
        lines += [" " * indent + more for more in last[1:]]
        return [line.rstrip() for line in lines]

    out = render(header) + render(["-" * w for w in widths])
    for r in rows:
        out += render(r)
    return out


def print_table(
    rows: Sequence[Sequence[str]], header: Sequence[str], width: int | None = None
) -> None:
    """Print :func:`table_lines` of ``rows`` under ``header``, fitted to ``width`` (None: no limit)."""
    for line in table_lines(rows, header, width):
        print(line)
