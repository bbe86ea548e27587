"""``bounds --latex``: the branch and the numbers asked for, decimals as the paper writes them, the
paper's statements labelled apart from the toolkit's derivations, values that are the bound functions'
own, and LaTeX that a real parser (matplotlib's mathtext) accepts."""

from __future__ import annotations

import re

import mpmath
import pytest
import sympy as sp
from matplotlib.mathtext import MathTextParser

from vanishing_minima.checks import cli, parser
from vanishing_minima.checks.tables import BOUNDS_DEFAULTS, latex_lines
from vanishing_minima.theory import bounds as B
from vanishing_minima.theory import statements as S

ALL = {"n": 1000.0, "d0": 100.0, "d1": 400.0, "eps": 0.1, "rho": 0.0}
LEAKY = {**ALL, "rho": 0.2, "d0_over_n": 0.3}
EVERY_STATEMENT = [s for group in S.STATEMENTS.values() for s in group]


def _statements(lines: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Function name -> [(heading, latex)] from ``latex_lines`` output."""
    out: dict[str, list[tuple[str, str]]] = {}
    for heading, latex in zip(lines, lines[1:]):
        found = re.match(r"% (\w+) \((.*?)\) -- (.*)$", heading)
        if found:
            out.setdefault(found.group(1), []).append((found.group(3), latex))
    return out


def _mathtext_ok(latex: str) -> None:
    """Parsed by matplotlib's mathtext (which has no \\mathrel: the relation is given bare)."""
    text = latex.replace(S.ASYMPTOTIC_LE, r"\dot{\leq}").replace(S.ASYMPTOTIC_GE, r"\dot{\geq}")
    MathTextParser("path").parse(f"${text}$")


def _balanced(latex: str) -> bool:
    depth = 0
    for ch in latex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and latex.count(r"\left") == latex.count(r"\right")


# --- the branch and the numbers asked for ------------------------------------------------------------
def test_rho_zero_and_n_give_the_relu_form_with_n_substituted():
    lines = latex_lines(n=1000.0, rho=0.0)
    body = [line for line in lines if line and not line.startswith("%")]
    assert len(body) == len(EVERY_STATEMENT)
    for latex in body:
        assert r"\begin{cases}" not in latex and r"\max" not in latex and r"\frac{23" not in latex
        assert r"\gamma" not in latex.split("=", 1)[-1].split(r"\dot{\le}}", 1)[-1]
        assert re.search(r"(?<![\w{])N(?![\w}])", latex.split(" ", 3)[-1]) is None, latex
    got = _statements(lines)
    assert got["gamma_eps"] == [
        ("the paper's statement: Definition 5", r"\gamma_\epsilon = 0.23 \epsilon^{3/4}")
    ]
    t6 = got["theorem6_log_bound"][0][1]
    assert t6.endswith(r"- 0.23 \cdot 1000^{3/4} \sqrt[4]{d_{0}} \sqrt[4]{d_{1}} \epsilon^{3/4}")
    assert "% Given: --n 1000 --rho 0;" in "\n".join(lines)


def test_without_rho_gamma_is_its_symbol_and_its_definition_has_both_branches():
    got = _statements(latex_lines())
    assert (
        r"\begin{cases}" in got["gamma_eps"][0][1]
        and r"\max\left(c, \epsilon\right)" in (got["gamma_eps"][0][1])
    )
    t6 = got["theorem6_log_bound"][0][1]
    assert r"\gamma_{\epsilon}" in t6 and r"\begin{cases}" not in t6
    assert r"N^{3/4}" in t6 and "0.23" not in t6  # the constant lives in gamma's definition


def test_leaky_rho_takes_c_from_the_flag_or_from_d0_over_n_or_keeps_it_symbolic():
    given = _statements(latex_lines(**LEAKY))["gamma_eps"][0][1]
    assert given.startswith(r"\gamma_\epsilon = 0.23 \max\left(0.3, 0.1\right)^{3/4} \approx ")
    lines = latex_lines(**{**LEAKY, "d0_over_n": None})
    assert r"\max\left(0.1, 0.1\right)" in _statements(lines)["gamma_eps"][0][1]
    assert "% c = lim d0/N taken as d0/N = 0.1 at this size (--d0-over-n sets it)." in lines
    symbolic = _statements(latex_lines(eps=0.1, rho=0.2))["gamma_eps"][0][1]
    assert (
        symbolic == r"\gamma_\epsilon = 0.23 \max\left(0.1, c\right)^{3/4}"
    )  # no value: c unknown


def test_decimals_stay_decimals_and_exponents_stay_fractions():
    x = sp.Symbol("x")
    assert sp.latex(S.decimal_latex(sp.Rational(23, 100) * x ** sp.Rational(3, 4))) == (
        r"0.23 x^{\frac{3}{4}}"
    )
    assert S.decimal_latex(sp.Rational(1, 3) + x) == sp.Rational(1, 3) + x
    for latex in latex_lines(**ALL) + latex_lines(**LEAKY) + latex_lines():
        assert r"\frac{23}{100}" not in latex and r"\frac{23 " not in latex and "0.75" not in latex


@pytest.mark.parametrize(
    "x,digits,text",
    [
        (1000.0, None, "1000"),
        (0.1, None, "0.1"),
        (1e300, None, "10^{300}"),
        (1.5e-7, None, r"1.5 \cdot 10^{-7}"),
        (-578.4193776, 6, "-578.419"),
        (6.02e23, 3, r"6.02 \cdot 10^{23}"),
        (mpmath.mpf("1.4344022e139"), 6, r"1.4344 \cdot 10^{139}"),
    ],
)
def test_number_latex(x, digits, text):
    assert S.number_latex(x, digits) == text


def test_number_latex_refuses_non_finite_numbers_and_no_digits():
    with pytest.raises(ValueError, match="x must be finite"):
        S.number_latex(float("inf"))
    with pytest.raises(ValueError, match="digits must be >= 1"):
        S.number_latex(1.0, 0)


# --- values: the bound functions' own -----------------------------------------------------------------
@pytest.mark.parametrize("values", [ALL, LEAKY], ids=["relu", "leaky"])
@pytest.mark.parametrize("statement", EVERY_STATEMENT, ids=lambda s: f"{s.function}-{s.source}")
def test_each_substituted_expression_equals_the_value_printed_and_the_functions(statement, values):
    """The printed expression with the numbers put in evaluates to the value printed after it, and that
    value is the bound function's at those numbers (computed here independently of the printer)."""
    terms = S.statement_terms(statement, values)
    printed = re.findall(
        r"(?:\\approx|=) (-?[0-9.]+(?: \\cdot 10\^\{-?\d+\})?)(?= \\mathrel|$)",
        S.statement_latex(statement, values),
    )
    with_value = [t for t in terms if t.value is not None]
    assert len(printed) == len(with_value)
    for term, text in zip(with_value, printed):
        exact = term.substituted()
        exact = exact.doit() if exact.has(sp.Sum) else exact
        assert float(exact.evalf(30)) == pytest.approx(float(term.value), rel=1e-12)
        mantissa, _, power = text.partition(r" \cdot 10^")
        shown = float(mantissa) * 10 ** int(power.strip("{}") or 0)
        assert shown == pytest.approx(float(term.value), rel=1e-5)
    # independently: the bound function called directly on the numbers
    f = getattr(B, statement.function)
    if statement.function in ("theorem9_log_bound", "corollary7_log_bound"):
        return  # d1*, delta: no flag; the second step of T9 is checked against T9 below
    args = {
        p.name: values[S.FLAG_OF[p.name]] for p in f.bound.params if S.FLAG_OF.get(p.name) in values
    }
    if statement.source != "paper" or len(terms) == 1:
        assert float(terms[-1 if statement.source != "paper" else 0].value) == pytest.approx(
            float(f(**{k: (int(v) if f.bound.integer_valued else v) for k, v in args.items()})),
            rel=1e-9,
        )


def test_theorem9s_second_step_is_minus_two_n_log_n():
    first, second = S.statement_terms(S.STATEMENTS["theorem9_log_bound"][0], ALL)
    assert first.value is None and "d^{*}_{1}" in first.latex  # d1* has no flag
    assert second.latex == r"- 2 \cdot 1000 \log{\left(1000 \right)}"
    assert float(second.value) == pytest.approx(-2 * 1000 * float(mpmath.log(1000)), rel=1e-12)


# --- labels: the paper's statement apart from the toolkit's derivation --------------------------------
def test_theorem10_prints_the_papers_statement_and_the_toolkits_composed_exponent_apart():
    got = _statements(latex_lines(**ALL))["theorem10_log_bound"]
    (paper_heading, paper), (toolkit_heading, toolkit) = got
    assert paper_heading.startswith("the paper's statement: Theorem 10")
    assert toolkit_heading.startswith("the toolkit's derivation, NOT the paper's statement")
    assert "2 N log N" in toolkit_heading and "theorem10_log_bound evaluates" in toolkit_heading
    assert r"+ 2 \cdot 1000 \log{\left(1000 \right)}" in toolkit and "+ 2" not in paper
    assert paper.count(S.ASYMPTOTIC_LE) == 2  # T6's exponent, then gamma N log N (A4)


def test_every_statement_says_whose_it_is():
    lines = latex_lines()
    headings = [line for line in lines if re.match(r"% \w+ \(", line)]
    assert len(headings) == len(EVERY_STATEMENT)
    for heading in headings:
        assert re.search(
            r" -- (the paper's statement|the toolkit's derivation, NOT the paper's statement|"
            r"Cover \(1965\), as the paper uses it): ",
            heading,
        ), heading
    sources = {(s.function, s.source) for s in EVERY_STATEMENT}
    assert {f for f, src in sources if src == S.TOOLKIT} == {"theorem10_log_bound"}
    assert {f.__name__ for f in B.ALL_BOUNDS} == set(S.STATEMENTS)


# --- LaTeX that parses --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [
        ALL,
        LEAKY,
        {"n": 1000.0, "rho": 0.0},
        {"n": 1e300, "d0": 1e3, "d1": 1e5, "eps": 0.5, "rho": -0.5},
    ],
    ids=["relu", "leaky", "n-only", "huge"],
)
def test_every_printed_statement_parses_as_mathtext(values):
    body = [line for line in latex_lines(**values) if line and not line.startswith("%")]
    for latex in body:
        assert _balanced(latex), latex
        _mathtext_ok(latex)


def test_the_symbolic_statements_are_balanced_and_parse_but_for_the_cases_block():
    for latex in [line for line in latex_lines() if line and not line.startswith("%")]:
        assert _balanced(latex), latex
        if r"\begin{cases}" in latex:
            assert latex.count(r"\begin{cases}") == latex.count(r"\end{cases}") == 1
            continue
        _mathtext_ok(latex)


def test_the_mathtext_check_can_fail():
    with pytest.raises(ValueError):
        _mathtext_ok(r"\frac{1}{")
    assert not _balanced(r"\left(1 )") and not _balanced("}{")


# --- the command ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv,values",
    [
        (["--rho", "0", "--n", "1000"], {"n": 1000.0, "rho": 0.0}),
        ([], {}),
        (
            ["--n", "1e6", "--d0", "1e3", "--d1", "1e4", "--eps", "0.1", "--rho", "0.2"],
            {"n": 1e6, "d0": 1e3, "d1": 1e4, "eps": 0.1, "rho": 0.2},
        ),
    ],
    ids=["relu-n", "symbolic", "leaky-all"],
)
def test_bounds_latex_prints_latex_lines_of_the_flags_given(capsys, argv, values):
    assert cli.main(["bounds", "--latex", *argv]) == 0
    assert capsys.readouterr().out == "\n".join(latex_lines(**values)) + "\n"


def test_bounds_latex_refuses_numbers_that_break_a_rule(capsys):
    assert cli.main(["bounds", "--latex", "--n", "10", "--d0", "20"]) == 2
    assert "d0 <= n" in capsys.readouterr().err


def test_the_bounds_flags_default_to_none_and_their_help_states_the_tables_defaults(capsys):
    sub = parser.build_parser()._subparsers._group_actions[0].choices["bounds"]
    actions = {a.dest: a for a in sub._actions}
    for name, value in BOUNDS_DEFAULTS.items():
        assert actions[name].default is None, name  # so that --latex can tell a flag given
        assert f"(default {value:g}" in actions[name].help, name
    assert cli.main(["bounds"]) == 0
    d = BOUNDS_DEFAULTS
    assert capsys.readouterr().out.startswith(
        f"Bounds at N={d['n']:g}, d0={d['d0']:g}, d1={d['d1']:g}, eps={d['eps']:g}, rho={d['rho']:g}, "
    )
