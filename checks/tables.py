"""Terminal tables of the ``vanishing-minima`` command: every bound at one size, and plain-text tables.

:func:`bounds_table` evaluates every bound of :mod:`vanishing_minima.theory.bounds` at one size (what
``vanishing-minima bounds`` prints), :func:`latex_lines` gives their LaTeX (``bounds --latex``), and
:func:`table_lines` lays rows out in columns, the last one wrapped to the terminal's width.
"""

from __future__ import annotations

import math
import shutil
import textwrap
from typing import Sequence

import mpmath

from vanishing_minima.theory import bounds

from .pages import bound_latex

__all__ = [
    "bounds_table",
    "DEFAULT_WIDTH",
    "terminal_width",
    "table_lines",
    "print_table",
    "latex_lines",
]


def _value(log_value: float) -> str:
    """exp(log_value) written out, also where a double underflows (mpmath has no exponent limit); as a
    power of ten once the exponent itself has more digits than a double resolves."""
    log_value = mpmath.mpf(log_value)
    if abs(log_value) >= 1e15:
        return f"10^{_num(log_value / mpmath.log(10))}"
    return mpmath.nstr(mpmath.exp(log_value), 4)


def _num(x: "mpmath.mpf | float") -> str:
    """Six significant digits, as ``%.6g`` where a double holds the value."""
    return f"{float(x):.6g}" if abs(x) < 1e300 else mpmath.nstr(x, 6)


def bounds_table(
    n: float, d0: float, d1: float, eps: float, rho: float, d0_over_n: float | None = None
) -> list[tuple[str, str, str, str]]:
    """Rows (quantity, reference, log value, value) of every bound at one size.

    ``d0_over_n`` defaults to ``d0 / n``, the finite-size stand-in for :math:`\\lim d_0/N`.  The bounds are
    evaluated on their mpmath backend (no overflow at any size), Cover's count in log space
    (:func:`~vanishing_minima.theory.bounds.log_cover_count`), so the table takes well under a second at
    every size up to ``1e300``.
    """
    mp = mpmath.mpf
    N, D0, D1, EPS, RHO = mp(n), mp(d0), mp(d1), mp(eps), mp(rho)
    c = D0 / N if d0_over_n is None else mp(d0_over_n)
    delta = bounds.theorem9_delta(N, D0)
    g = bounds.gamma_eps(EPS, RHO, c)
    t6 = bounds.theorem6_log_bound(N, D0, D1, EPS, RHO, c)
    t9 = bounds.theorem9_log_bound(N, D0, 2 * N / D0)
    t10 = bounds.theorem10_log_bound(N, D0, D1, EPS, RHO, c)
    rows = [("gamma_eps", "Definition 5", "", _num(g))]
    if float(n).is_integer() and float(d0).is_integer():
        ni, d0i = int(n), int(d0)
        if d0i >= 2:
            rows.append(
                ("d1_star = 4 ceil(N/(2 d0 - 2))", "Theorem 8", "", str(bounds.d1_star(ni, d0i)))
            )
        log_cover = bounds.log_cover_count(
            ni, d0i
        )  # in log space: the exact sum has up to d0 terms
        rows.append(
            (
                "C(N, d0), sign patterns of one neuron",
                "G2 (Cover)",
                _num(log_cover),
                _value(log_cover),
            )
        )
        rows.append(
            (
                "2^N, all patterns of one neuron",
                "D1",
                _num(ni * math.log(2)),
                _value(ni * math.log(2)),
            )
        )
    rows += [
        ("delta (failure probability)", "Theorem 9", "", _num(delta)),
        ("E V(L_eps) <=. exp(-gamma N^3/4 (d0 d1)^1/4)", "Theorem 6", _num(t6), _value(t6)),
        ("V(G) >=. exp(-d1* d0 log N), d1* = 2N/d0", "Theorem 9", _num(t9), _value(t9)),
        ("V(L_eps)/V(G) <=. exp(T6 - T9)", "Theorem 10", _num(t10), _value(t10)),
    ]
    if 0 < delta < 1:
        c7 = bounds.corollary7_log_bound(N, D0, D1, EPS, RHO, c, delta=delta)
        rows.append(
            ("V(L_eps) <=. exp(T6)/delta w.p. 1 - delta", "Corollary 7", _num(c7), _value(c7))
        )
    return rows


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


def latex_lines() -> list[str]:
    """Every bound's LaTeX, as ``bounds --latex`` prints it: a ``%`` comment naming the function and its
    reference, then ``sympy.latex`` of the shipped expression (the one the function evaluates)."""
    out = []
    for f in bounds.ALL_BOUNDS:
        out += [f"% {f.__name__} ({f.reference})", bound_latex(f), ""]
    return out[:-1]
