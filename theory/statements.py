r"""The bounds as statements to paste into a paper: LaTeX, labelled by who states them, with numbers.

Each public bound of :mod:`.bounds` is printed as an equation: what it bounds (the left-hand side), the
relation (:math:`=` or the paper's asymptotic :math:`\dot\le`, :math:`\dot\ge`) and its SymPy
expression, in LaTeX.  :data:`STATEMENTS` says whose statement each equation is: the paper's (a
definition or theorem as the paper states it) or the toolkit's (a derivation the paper does not state:
Theorem 10's composed exponent :math:`-\gamma_\epsilon N^{3/4}(d_0 d_1)^{1/4} + 2N\log N`, which keeps
Theorem 9's :math:`2N\log N` where the paper keeps only the leading order).

:func:`statement_latex` substitutes the numbers it is given (the branch of :math:`\gamma_\epsilon` is
chosen by ``rho``; the other numbers are written where their symbols stood, not evaluated away) and
appends the value, computed by the bound function itself.  Constants the paper writes as decimals stay
decimals (:math:`0.23`, not :math:`\frac{23}{100}`), and fractional powers are written
:math:`N^{3/4}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import mpmath
import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import bounds

__all__ = [
    "PAPER",
    "TOOLKIT",
    "ASYMPTOTIC_LE",
    "ASYMPTOTIC_GE",
    "GAMMA",
    "FLAG_OF",
    "Term",
    "Statement",
    "STATEMENTS",
    "TermLatex",
    "statement_terms",
    "decimal_latex",
    "number_latex",
    "statement_latex",
]

#: Who states an equation: the paper (Soudry & Hoffer 2017) or the toolkit (a derivation of its own).
PAPER, TOOLKIT = "paper", "toolkit"
#: The paper's asymptotic order, :math:`\dot\le` and :math:`\dot\ge` (leading order of the log as
#: :math:`N \to \infty`), as relations.
ASYMPTOTIC_LE, ASYMPTOTIC_GE = r"\mathrel{\dot{\le}}", r"\mathrel{\dot{\ge}}"
#: :math:`\gamma_\epsilon` as a symbol: how the statements are written when no ``rho`` picks its branch
#: (its definition, :data:`.bounds.GAMMA_EPS_EXPR`, is the statement of ``gamma_eps``).
GAMMA = sp.Symbol("gamma_epsilon", positive=True)
#: The name under which each bound parameter is given a number (the ``bounds`` flags): Cover's count
#: calls the input dimension ``d``.
FLAG_OF = {"n": "n", "d0": "d0", "d": "d0", "d1": "d1", "eps": "eps", "rho": "rho"}
FLAG_OF["d0_over_n"] = "d0_over_n"


@dataclass(frozen=True)
class Term:
    """One right-hand side of a statement: ``relation`` then the expression of the bound ``function``.

    ``fixed`` sets parameters from the others as the statement does (Theorem 9's second step sets
    :math:`d_1^* = 2N/d_0`), in the bound's symbols.
    """

    relation: str
    function: Callable[..., Any]
    fixed: Mapping[str, sp.Expr] = field(default_factory=dict)


@dataclass(frozen=True)
class Statement:
    """An equation about one bound function: ``lhs`` followed by its ``terms``, stated by ``source``
    (:data:`PAPER`, :data:`TOOLKIT` or a work the paper cites), described by ``label`` (plain text)."""

    function: str
    source: str
    label: str
    lhs: str
    terms: tuple[Term, ...]

    @property
    def heading(self) -> str:
        """Whose statement this is and what it says, in one line of plain text."""
        if self.source == PAPER:
            return f"the paper's statement: {self.label}"
        if self.source == TOOLKIT:
            return f"the toolkit's derivation, NOT the paper's statement: {self.label}"
        return f"{self.source}, as the paper uses it: {self.label}"


def _one(name: str, label: str, lhs: str, relation: str, source: str = PAPER) -> Statement:
    return Statement(name, source, label, lhs, (Term(relation, getattr(bounds, name)),))


_RATIO = r"\log \frac{V(L_\epsilon)}{V(G)}"
_WP = "with probability at least 1 - delta"
#: The statements printed for each public bound, in :data:`.bounds.ALL_BOUNDS` order.
STATEMENTS: dict[str, tuple[Statement, ...]] = {
    "gamma_eps": (_one("gamma_eps", "Definition 5", r"\gamma_\epsilon", "="),),
    "d1_star": (_one("d1_star", "Theorem 8, the width of its network", r"d_1^*", "="),),
    "theorem9_delta": (
        _one("theorem9_delta", "Theorem 9, its failure probability delta", r"\delta", "="),
    ),
    "theorem6_log_bound": (
        _one(
            "theorem6_log_bound",
            "Theorem 6, in logs",
            r"\log \mathbb{E}_X V(L_\epsilon)",
            ASYMPTOTIC_LE,
        ),
    ),
    "corollary7_log_bound": (
        _one(
            "corollary7_log_bound",
            f"Corollary 7, in logs, {_WP} (delta has no flag: it stays a symbol)",
            r"\log V(L_\epsilon)",
            ASYMPTOTIC_LE,
        ),
    ),
    "theorem9_log_bound": (
        Statement(
            "theorem9_log_bound",
            PAPER,
            f"Theorem 9, in logs, {_WP}; the second step sets d1* = 2N/d0",
            r"\log V(G)",
            (
                Term(ASYMPTOTIC_GE, bounds.theorem9_log_bound),
                Term(
                    ASYMPTOTIC_GE, bounds.theorem9_log_bound, {"d1_star": 2 * bounds.N / bounds.d0}
                ),
            ),
        ),
    ),
    "theorem10_log_bound": (
        Statement(
            "theorem10_log_bound",
            PAPER,
            f"Theorem 10, in logs, {_WP}; the second step by A4",
            _RATIO,
            (
                Term(ASYMPTOTIC_LE, bounds.theorem6_log_bound),
                Term(ASYMPTOTIC_LE, bounds.theorem10_second_log_bound),
            ),
        ),
        _one(
            "theorem10_log_bound",
            "Theorem 6's exponent minus Theorem 9's (d1* = 2N/d0). It keeps the + 2 N log N that the "
            "paper drops as lower order under A4; at a finite N it can dominate. This is what "
            "theorem10_log_bound evaluates",
            _RATIO,
            ASYMPTOTIC_LE,
            source=TOOLKIT,
        ),
    ),
    "theorem10_second_log_bound": (
        _one(
            "theorem10_second_log_bound",
            "Theorem 10's second bound, in logs (by A4)",
            _RATIO,
            ASYMPTOTIC_LE,
        ),
    ),
    "cover_count": (
        _one(
            "cover_count",
            "the number of sign patterns of one neuron on N points in general position in R^d (G2)",
            r"C(N, d)",
            "=",
            source="Cover (1965)",
        ),
    ),
}


# --- numbers and decimals ---------------------------------------------------------------------------
def _is_decimal(q: sp.Rational) -> bool:
    """A non-integer rational whose denominator is a power of ten (23/100, not 3/4)."""
    den = int(q.q)
    while den % 10 == 0:
        den //= 10
    return den == 1 and q.q != 1


def decimal_latex(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` with every rational of denominator :math:`10^k` made a decimal, for printing.

    Parameters
    ----------
    expr : sympy.Expr
        Any expression, e.g. a bound's ``expr``.

    Returns
    -------
    sympy.Expr
        The same expression with such rationals as ``sympy.Float`` (printed ``0.23``, not
        :math:`\frac{23}{100}`); other rationals (exponents such as :math:`3/4`) are kept.  For
        display only: evaluate the original.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> sp.latex(decimal_latex(sp.Rational(23, 100) * x ** sp.Rational(3, 4)))
    '0.23 x^{\\frac{3}{4}}'
    """
    return expr.replace(
        lambda a: isinstance(a, sp.Rational) and _is_decimal(a),
        lambda a: sp.Float(str(mpmath.mpf(int(a.p)) / int(a.q)), 15),
    )


def number_latex(x: float | int | mpmath.mpf, digits: int | None = None) -> str:
    r"""A number as LaTeX: integers in full below :math:`10^{15}`, others in their shortest form.

    Parameters
    ----------
    x : float, int or mpmath.mpf
        A finite real number.
    digits : int or None
        Significant digits (at least 1); None: the shortest ``repr`` of the double (``0.1``, ``1e+20``).

    Returns
    -------
    str
        E.g. ``1000``, ``0.1``, ``-578.419``, ``1.5 \cdot 10^{-7}``, ``10^{300}``.

    Raises
    ------
    ValueError
        If ``x`` is not finite or ``digits`` is below 1.

    Examples
    --------
    >>> number_latex(1000.0), number_latex(0.23), number_latex(6.02e23, 3)
    ('1000', '0.23', '6.02 \\cdot 10^{23}')
    """
    if digits is not None and digits < 1:
        raise ValueError(f"digits must be >= 1; got {digits}")
    value = mpmath.mpf(x)
    if not mpmath.isfinite(value):
        raise ValueError(f"x must be finite; got {x!r}")
    if value == mpmath.floor(value) and abs(value) < 10**15 and digits is None:
        return str(int(value))
    text = repr(float(value)) if digits is None else mpmath.nstr(value, digits, min_fixed=-4)
    mantissa, _, exponent = text.partition("e")
    if mantissa.endswith(".0"):
        mantissa = mantissa[:-2]
    if not exponent:
        return mantissa
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else f"{mantissa} \\cdot {power}"


class _Printer(LatexPrinter):
    """``sympy.latex`` with :math:`N^{3/4}` powers and given numbers in place of their symbols."""

    def __init__(self, numbers: Mapping[sp.Dummy, str]):
        super().__init__({"fold_frac_powers": True})
        self._numbers = numbers

    def _print_Dummy(self, expr: sp.Dummy) -> str:
        text = self._numbers.get(expr)
        if text is None:
            return self._print_Symbol(expr)
        return rf"\left({text}\right)" if text.startswith("-") else text


# --- one statement -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TermLatex:
    """One term of a statement as printed: its ``relation``, its ``latex`` (numbers in place), the
    ``shown`` expression the LaTeX prints (given numbers as placeholders, see ``numbers``) and the bound
    function's ``value`` (None unless every parameter the term reads was given)."""

    relation: str
    latex: str
    shown: sp.Expr
    numbers: Mapping[sp.Dummy, Any]
    value: Any

    def substituted(self) -> sp.Expr:
        """The printed expression with the given numbers put in (as exact rationals of the doubles):
        a number where ``value`` is not None, which equals it."""
        return self.shown.xreplace(
            {d: sp.nsimplify(v, rational=True) for d, v in self.numbers.items()}
        )


def statement_terms(
    statement: Statement, values: Mapping[str, Any] | None = None
) -> list[TermLatex]:
    """The terms of ``statement`` with ``values`` substituted (see :func:`statement_latex`).

    Parameters
    ----------
    statement : Statement
        An entry of :data:`STATEMENTS`.
    values : mapping or None
        Numbers by flag name, as for :func:`statement_latex`.

    Returns
    -------
    list of TermLatex
        One per term of the statement, in order.

    Raises
    ------
    ValueError
        If a number breaks its rule (named by the bound function).
    """
    values = {k: v for k, v in (values or {}).items() if v is not None}
    _validate(statement, values)
    return [_term(term, values) for term in statement.terms]


def _term(term: Term, values: Mapping[str, Any]) -> TermLatex:
    """One term with the given numbers in place, and the bound function's value (or None)."""
    f = term.function
    symbols = {p.name: p.symbol for p in f.bound.params}
    expr = f.expr.xreplace({symbols[name]: rule for name, rule in term.fixed.items()})
    if (
        values.get("rho") is None and f is not bounds.gamma_eps
    ):  # no branch chosen: the paper's symbol
        expr = expr.xreplace({bounds.GAMMA_EPS_EXPR: GAMMA})
    numbers, arguments, missing = {}, {}, []
    for p in f.bound.params:
        if p.name in term.fixed:
            continue
        value = values.get(FLAG_OF.get(p.name, ""))
        if value is None:
            missing.append(p.name)
        elif p.name == "rho":  # substituted as a number, so that gamma_eps's branch is taken
            arguments[p.name] = value
            expr = expr.xreplace({p.symbol: sp.Float(repr(float(value)), 15) if value else 0})
        else:  # shown where its symbol stood, not evaluated away
            arguments[p.name] = value
            shown = sp.Dummy(p.symbol.name, **p.symbol.assumptions0)
            numbers[shown] = value
            expr = expr.xreplace({p.symbol: shown})
    if arguments.get("rho", 1) == 0:  # the ReLU branch: c does not enter
        missing = [name for name in missing if name != "d0_over_n"]
    expr = decimal_latex(expr)
    latex = _Printer({d: number_latex(v) for d, v in numbers.items()}).doprint(expr)
    value = None
    if not missing:
        exact = {name: sp.nsimplify(v, rational=True) for name, v in arguments.items()}
        for name, rule in term.fixed.items():
            arguments[name] = rule.xreplace({symbols[n]: v for n, v in exact.items()})
        value = _evaluate(f, arguments)
    return TermLatex(term.relation, latex, expr, numbers, value)


def _evaluate(f: Callable[..., Any], arguments: Mapping[str, Any]) -> Any:
    """The bound function's value: exact integers for integer-valued bounds on integers, else mpmath."""
    if f.bound.integer_valued and all(float(v).is_integer() for v in arguments.values()):
        args = {k: int(v) for k, v in arguments.items()}
        try:
            return f(**args)
        except (
            ValueError
        ):  # Cover's exact count refuses sums too long to write out: its log instead
            if f is not bounds.cover_count:
                raise
            return mpmath.exp(mpmath.mpf(bounds.log_cover_count(args["n"], args["d"])))
    with mpmath.workdps(30):
        return f(
            **{
                k: mpmath.mpf(str(v) if isinstance(v, float) else sp.N(v, 30))
                for k, v in arguments.items()
            }
        )


def _value_latex(value: Any) -> str:
    if isinstance(value, int) and abs(value) < 10**15:
        return f" = {value}"
    return rf" \approx {number_latex(mpmath.mpf(value), 6)}"


def statement_latex(statement: Statement, values: Mapping[str, Any] | None = None) -> str:
    r"""One statement as a LaTeX equation, with the given numbers substituted and the value appended.

    Parameters
    ----------
    statement : Statement
        An entry of :data:`STATEMENTS`.
    values : mapping or None
        Numbers by flag name (``n``, ``d0``, ``d1``, ``eps``, ``rho``, ``d0_over_n``); a missing or None
        entry stays a symbol.  ``rho`` picks the branch of :math:`\gamma_\epsilon` (0: the ReLU form;
        omitted: the full ``cases``).  The numbers are validated by the bound functions (e.g.
        ``d0 <= n``, ``eps`` in :math:`(0, 1)`).

    Returns
    -------
    str
        ``lhs relation expression [\approx value] ...``: each term followed by the bound function's own
        value where every parameter it reads has a number (natural logs for the ``*_log_bound``;
        an exact integer after ``=`` for :math:`d_1^*`).

    Raises
    ------
    ValueError
        If a number breaks its rule (named by the bound function).  (``rho != 0`` without ``d0_over_n``
        is not an error here: :math:`c` stays a symbol and the terms that read it get no value.)

    Examples
    --------
    >>> print(statement_latex(STATEMENTS["gamma_eps"][0], {"eps": 0.1, "rho": 0}))
    \gamma_\epsilon = 0.23 \cdot 0.1^{3/4} \approx 0.0409004
    """
    out = [statement.lhs]
    for term in statement_terms(statement, values):
        value = "" if term.value is None else _value_latex(term.value)
        out.append(f"{term.relation} {term.latex}{value}")
    return " ".join(out)


def _validate(statement: Statement, values: Mapping[str, Any]) -> None:
    """Each bound function checks the numbers it reads (symbols stand for the others)."""
    for term in statement.terms:
        f = term.function
        args = {}
        for p in f.bound.params:
            flag = FLAG_OF.get(p.name)
            given = values.get(flag) if flag is not None else None
            if given is not None:
                args[p.name] = sp.nsimplify(given, rational=True)
            elif p.needed is None or p.name in term.fixed:
                args[p.name] = p.symbol
        if args.get("rho") is not None and args["rho"] != 0 and "d0_over_n" not in args:
            args["d0_over_n"] = bounds.c
        f.bound.check(**args)  # validation only: evaluating Cover's sum at N = 1e300 would not end
