"""The ``vanishing-minima bounds`` command's output: every bound at one size, as a table or as LaTeX.

:func:`bounds_table` evaluates every bound of :mod:`vanishing_minima.theory.bounds` at one size and
:func:`bounds_lines` prints it with its header (what ``vanishing-minima bounds`` prints),
:func:`latex_lines` gives the bounds as LaTeX statements, with the numbers given substituted and each
labelled as the paper's statement or the toolkit's derivation (``bounds --latex``).  The columns are
laid out by :func:`.terminal.table_lines`.
"""

from __future__ import annotations

import math

import mpmath

from vanishing_minima.theory import bounds, statements

from .terminal import table_lines

__all__ = ["BOUNDS_DEFAULTS", "bounds_table", "bounds_lines", "latex_lines"]


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


#: The size ``vanishing-minima bounds`` evaluates at when a flag is not given (``--latex`` keeps the
#: quantity of a flag not given as a symbol instead).
BOUNDS_DEFAULTS = {"n": 10_000.0, "d0": 100.0, "d1": 400.0, "eps": 0.1, "rho": 0.0}


def _filled(**given: float | None) -> dict[str, float]:
    return {k: BOUNDS_DEFAULTS[k] if given.get(k) is None else given[k] for k in BOUNDS_DEFAULTS}


def bounds_table(
    n: float | None = None,
    d0: float | None = None,
    d1: float | None = None,
    eps: float | None = None,
    rho: float | None = None,
    d0_over_n: float | None = None,
) -> list[tuple[str, str, str, str]]:
    """Rows (quantity, reference, log value, value) of every bound at one size.

    A size not given (None) is :data:`BOUNDS_DEFAULTS`'s.  ``d0_over_n`` defaults to ``d0 / n``, the
    finite-size stand-in for :math:`\\lim d_0/N` (read only where ``rho != 0``).  The bounds are
    evaluated on their mpmath backend (no overflow at any size), Cover's count in log space
    (:func:`~vanishing_minima.theory.bounds.log_cover_count`), so the table takes well under a second at
    every size up to ``1e300``.
    """
    n, d0, d1, eps, rho = _filled(n=n, d0=d0, d1=d1, eps=eps, rho=rho).values()
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


def bounds_lines(
    n: float | None = None,
    d0: float | None = None,
    d1: float | None = None,
    eps: float | None = None,
    rho: float | None = None,
    d0_over_n: float | None = None,
) -> list[str]:
    """What ``vanishing-minima bounds`` prints: the size, :func:`bounds_table` and where A4 stands.

    Arguments as :func:`bounds_table`'s (None: :data:`BOUNDS_DEFAULTS`).
    """
    n, d0, d1, eps, rho = _filled(n=n, d0=d0, d1=d1, eps=eps, rho=rho).values()
    rows = bounds_table(n, d0, d1, eps, rho, d0_over_n)
    c = d0 / n if d0_over_n is None else d0_over_n
    used = f"lim d0/N taken as {c:g}{' (d0/N at this size)' if d0_over_n is None else ''}"
    out = [
        f"Bounds at N={n:g}, d0={d0:g}, d1={d1:g}, eps={eps:g}, rho={rho:g}, "
        + (used if rho != 0 else "ReLU (lim d0/N does not enter)"),
        "Natural logs. The theorems are leading-order (<=.) statements: these are the leading-order",
        "expressions evaluated at one size, not finite-N guarantees.",
        "",
        *table_lines(rows, ("quantity", "reference", "log", "value")),
    ]
    N, D0, D1 = mpmath.mpf(n), mpmath.mpf(d0), mpmath.mpf(d1)
    product, a4 = D0 * D1, N * mpmath.log(N) ** 4
    t10 = bounds.theorem10_log_bound(N, D0, D1, mpmath.mpf(eps), mpmath.mpf(rho), mpmath.mpf(c))
    out += [
        "",
        f"A4 at this size: d0 d1 = {mpmath.nstr(product, 4)} vs N log^4 N = {mpmath.nstr(a4, 4)} "
        f"({'above' if product > a4 else 'below'}); Theorem 10's composed exponent is "
        f"{'negative (informative)' if t10 < 0 else 'non-negative (vacuous at this size)'}.",
    ]
    return out


def latex_lines(
    n: float | None = None,
    d0: float | None = None,
    d1: float | None = None,
    eps: float | None = None,
    rho: float | None = None,
    d0_over_n: float | None = None,
) -> list[str]:
    r"""The bounds as LaTeX statements, as ``bounds --latex`` prints them.

    Parameters
    ----------
    n, d0, d1, eps, rho, d0_over_n : float or None
        The numbers to substitute; None keeps the quantity a symbol.  ``rho`` picks the branch of
        :math:`\gamma_\epsilon` (0: the ReLU form; None: :math:`\gamma_\epsilon` stays a symbol,
        defined by its own statement).  Where ``rho != 0`` and ``d0_over_n`` is None, :math:`c` is
        ``d0 / n`` when both are given (as in :func:`bounds_table`), else a symbol.

    Returns
    -------
    list of str
        ``%`` comment lines saying what was given and what the notation means, then for each bound of
        :data:`~vanishing_minima.theory.bounds.ALL_BOUNDS` and each of its
        :data:`~vanishing_minima.theory.statements.STATEMENTS`: a ``%`` line with the function, its
        reference and whose statement it is (the paper's, or the toolkit's derivation), then the LaTeX
        (:func:`~vanishing_minima.theory.statements.statement_latex`), the bound function's value
        after ``\approx`` where every quantity it reads was given.

    Raises
    ------
    ValueError
        If a number breaks its bound's rule (e.g. ``d0 > n``, ``rho == 1``), naming it.
    """
    values = {"n": n, "d0": d0, "d1": d1, "eps": eps, "rho": rho, "d0_over_n": d0_over_n}
    given = [f"--{k.replace('_', '-')} {v:g}" for k, v in values.items() if v is not None]
    out = [
        "% Soudry & Hoffer, arXiv:1702.05777: the bounds as LaTeX (vanishing-minima bounds --latex).",
        "% Given: " + (" ".join(given) if given else "no numbers") + "; the rest stays symbolic.",
    ]
    if rho is None:
        out.append(
            "% rho not given: gamma_epsilon is Definition 5's (both branches); --rho 0: ReLU."
        )
    elif rho == 0:
        out.append(
            "% rho = 0: the ReLU branch, gamma_epsilon = 0.23 epsilon^{3/4} (c does not enter)."
        )
    elif d0_over_n is None and n is not None and d0 is not None:
        values["d0_over_n"] = d0 / n
        out.append(
            f"% c = lim d0/N taken as d0/N = {values['d0_over_n']:g} at this size "
            "(--d0-over-n sets it)."
        )
    elif d0_over_n is None:
        out.append("% c = lim d0(N)/N stays a symbol (--d0-over-n sets it; so do --n and --d0).")
    out += [
        r"% \mathrel{\dot{\le}}, \mathrel{\dot{\ge}}: the paper's asymptotic order (leading order of "
        "the log as N -> oo), not finite-N inequalities.",
        r"% \approx v: the toolkit's bound function at the numbers given (natural logs for the "
        "*_log_bound).",
    ]
    for f in bounds.ALL_BOUNDS:
        for statement in statements.STATEMENTS[f.__name__]:
            out += [
                "",
                f"% {f.__name__} ({f.reference}) -- {statement.heading}",
                statements.statement_latex(statement, values),
            ]
    return out
