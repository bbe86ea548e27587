"""The report module renders pages that GitHub shows as intended: math as $...$, docstrings as Markdown,
numbers rounded, no JSON; each claim page in the reader's order; LaTeX and BibTeX for reuse; the API
reference builds; CITATION.cff is valid; the verdict table fits the terminal."""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

# the registry imports every check before a test patches CHECKS
from vanishing_minima.checks import audit, cli, parser, registry, report  # noqa: F401
from vanishing_minima.checks.evidence import Evidence, shown
from vanishing_minima.checks.report import format_interval, format_number
from vanishing_minima.theory import bounds, claims
from vanishing_minima.theory.statements import decimal_latex

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# --- numbers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,text",
    [
        (0.34662499999, "0.347"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (8000, "8000"),
        (2**70, str(2**70)),
        (1234.5, "1230"),
        (999.6, "1000"),
        (-4.4449, "-4.44"),
        (1e-6, "1e-06"),
        (4.4e-12, "4.4e-12"),
        (8.5627e209, "8.56e+209"),
        (0.1, "0.1"),
        (float("inf"), "∞"),
        (float("-inf"), "-∞"),
        (float("nan"), "nan"),
        (True, "True"),
        ("text", "text"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_format_number_uses_the_decimal_shown_not_binary_noise():
    assert (
        format_number(0.1235) == "0.124" and format_number(2.675, digits=3) == "2.68"
    )  # half-even on 2.675
    assert format_number(123456.0, digits=6) == "123456"


@pytest.mark.parametrize(
    "low,high,text",
    [
        (0.32086814509261574, 0.37300788788418243, "[0.32, 0.374]"),
        (0.006760690419044279, 0.018750185357410847, "[0.00676, 0.0188]"),
        (-4.996630261147768, -3.976551640886002, "[-5, -3.97]"),
        (1.0459017228241754, 1.1069850577735385, "[1.04, 1.11]"),
        (0.0, 3.2e-5, "[0, 3.2e-05]"),
        (3.58655384314451, math.inf, "[3.58, ∞]"),
        (0.5, 0.5, "[0.5, 0.5]"),
    ],
)
def test_format_interval_rounds_outward(low, high, text):
    assert format_interval(low, high) == text


@pytest.mark.parametrize("seed", range(20))
def test_printed_interval_contains_the_computed_one(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    low, high = sorted(rng.normal(size=2) * 10.0 ** rng.integers(-8, 8, size=2))
    printed = [float(v) for v in format_interval(low, high)[1:-1].split(", ")]
    assert printed[0] <= low and high <= printed[1]
    assert all(len(re.sub(r"[-.]|e.*|^0+", "", f"{v:.3g}".lstrip("-0."))) <= 3 for v in printed)


@pytest.mark.parametrize("bad", [(1.0, 0.0), (math.nan, 1.0)])
def test_format_interval_refuses_a_non_interval(bad):
    with pytest.raises(ValueError):
        format_interval(*bad)


def test_digits_must_be_positive():
    with pytest.raises(ValueError):
        format_number(1.5, digits=0)


# --- docstrings ---------------------------------------------------------------------------------------
def test_docstring_markdown_converts_roles_math_sections_and_doctests():
    doc = bounds.gamma_eps.__doc__
    md = report.docstring_markdown(__import__("inspect").cleandoc(doc))
    assert ":math:" not in md and ".. math::" not in md and "```text" not in md
    assert r"$\gamma_\epsilon$" in md and "$$\n\\gamma_\\epsilon = \\begin{cases}" in md
    assert "#### Parameters" in md and "- `eps` (*number, array or SymPy expression*):" in md
    assert (
        "#### Returns" in md
        and "```pycon\n>>> round(gamma_eps(0.5, 0, 0.0), 6)\n0.136759\n```" in md
    )
    assert "----" not in md


def test_docstring_markdown_cross_references_and_raises():
    md = report.docstring_markdown(
        "See :func:`~vanishing_minima.theory.bounds.log_cover_count` and :mod:`.cones`.\n\n"
        "Raises\n------\nValueError\n    If ``n`` is bad."
    )
    assert (
        "`log_cover_count()`" in md and "`cones`" in md and "- `ValueError`: If `n` is bad." in md
    )


def test_docstring_markdown_converts_roles_that_run_over_a_line_break():
    md = report.docstring_markdown(
        "For :math:`a +\nb` and ``x\ny`` (:func:`f`).\n\n>>> 1 + 1\n2\n\nThen :math:`c`."
    )
    assert md.startswith("For $a +\nb$ and `x\ny` (`f()`).\n") and "Then $c$." in md, md
    assert "```pycon\n>>> 1 + 1\n2\n```" in md


def test_docstring_markdown_empty():
    assert report.docstring_markdown(None) == "" and report.docstring_markdown("") == ""


# --- the static pages ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def static_pages():
    return {name: make() for name, make in report.PAGES.items()}


def _rst_or_json(text: str) -> list[str]:
    problems = []
    for needle in (
        ":math:",
        ".. math::",
        "```json",
        "```text",
        ":func:`",
        ":class:`",
        ":mod:`",
        ":data:`",
    ):
        if needle in text:
            problems.append(needle)
    return problems


def test_static_pages_have_no_restructuredtext_and_no_json(static_pages):
    for name, text in static_pages.items():
        assert not _rst_or_json(text), (name, _rst_or_json(text))
        assert text.count("$$") % 2 == 0 and text.count("```") % 2 == 0, name


def test_every_committed_page_renders_on_github():
    """Every Markdown page under docs/ (generated or not): no reStructuredText math or roles, no JSON."""
    pages = sorted(DOCS.rglob("*.md"))
    assert len(pages) >= 38
    for page in pages:
        assert not _rst_or_json(page.read_text()), (page.name, _rst_or_json(page.read_text()))


def test_bounds_page_has_each_bounds_latex_from_its_expression_and_the_bibtex(static_pages):
    page = static_pages["bounds.md"]
    for f in bounds.ALL_BOUNDS:
        tex = report.bound_latex(f)
        assert not re.search(r"\\frac\{\d+\}\{10+\}", tex), (f.__name__, tex)  # 0.23, not 23/100
        # printed with decimals, the same function: its expression and the decimal one agree in value
        shown = decimal_latex(f.expr)
        rng = np.random.default_rng(7)
        for _ in range(5):
            point = {
                s: sp.Integer(int(rng.integers(2, 60)))
                if s.is_integer
                else sp.Integer(0)
                if s.name == "rho" and rng.random() < 0.5
                else sp.Float(rng.uniform(0.05, 0.95))
                for s in f.expr.free_symbols
            }
            a, b = complex(f.expr.subs(point).evalf(30)), complex(shown.subs(point).evalf(30))
            assert abs(a - b) <= 1e-13 * max(1.0, abs(a)), (f.__name__, point, a, b)
        assert f"## `{f.__name__}`" in page and f"```latex\n{tex}\n```" in page, f.__name__
    assert (
        report.BIBTEX in page
        and "1702.05777" in report.BIBTEX
        and "Soudry, Daniel and Hoffer, Elad" in report.BIBTEX
    )


def test_gamma_eps_is_its_symbol_with_a_link_to_definition_5(static_pages):
    for cid in ("T6", "T10"):
        summary = report.claim_summary(claims.get(cid), page_links=True)
        assert r"$\gamma_\epsilon$ is the exponent constant of [Definition 5](D5.md)" in summary
        assert "gamma_eps" not in summary.split("- Evaluated by")[0]
    assert "[Definition 5](#d5)" in static_pages["claims.md"]


# --- the audit's pages --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Size(Evidence):
    n: int = shown("N")
    p_hat: float = shown("p_hat")
    p_interval: tuple[float, float] = shown("p_interval", interval=True)
    note: str = shown("note")


@dataclass(frozen=True)
class _Derivation(Evidence):
    name: str = shown("name")
    holds: bool = shown("holds")
    steps: tuple[str, ...] = shown("steps")


@dataclass(frozen=True)
class _T6(Evidence):
    eps: float = shown("eps", symbol=r"$\epsilon$")
    sizes: tuple[_Size, ...] = shown("sizes")
    kappa_range: tuple[float, float] = shown("kappa_range", symbol=r"$\kappa$ range", interval=True)
    local_exponents: tuple[float, ...] = shown("local_exponents")
    derivations: tuple[_Derivation, ...] = shown("derivations")


@dataclass(frozen=True)
class _Nested(Evidence):
    deep: float = shown("deep")


@dataclass(frozen=True)
class _Family(Evidence):
    d0: str = shown("d0")
    nested: _Nested = shown("nested")


@dataclass(frozen=True)
class _T10(Evidence):
    gamma_eps: float = shown("gamma_eps", symbol=r"$\gamma_\epsilon$ ([D5](D5.md))")
    pairs: tuple[tuple[float, float], ...] = shown("pairs")
    family: _Family = shown("family")


@dataclass(frozen=True)
class _Gamma(Evidence):
    relu: float = shown("ReLU")
    lrelu: float = shown("LReLU")


@dataclass(frozen=True)
class _D5(Evidence):
    gamma_eps: dict = shown("gamma_eps")


@pytest.fixture(scope="module")
def fake_results():
    """Results with the shapes typed evidence takes (intervals, rows, nested evidence, lists of lists,
    a mapping of named rows)."""
    t6 = audit.CheckResult(
        claim="T6",
        verdict="consistent",
        key_figure="finite N = 16..64: below e^-F at 5/5",
        method="Monte Carlo",
        evidence=_T6(
            eps=0.1,
            sizes=(
                _Size(16, 0.34662499999, (0.32086814509261574, 0.37300788788418243), "a | b"),
                _Size(24, 0.16775, (0.14794171466305744, 0.1889156061361686), "c"),
            ),
            kappa_range=(1.0459017228241754, 1.1069850577735385),
            local_exponents=(1.3597880083522895, 0.6696678724198019),
            derivations=(_Derivation("x", True, ("step one", "step two")),),
        ),
        figures={"exponent": "<svg/>"},
        seed_sequence=(0, 1353981750),
    )
    t10 = audit.CheckResult(
        claim="T10",
        verdict="derived",
        key_figure="derived from T6 and T9",
        method="derivation",
        evidence=_T10(
            gamma_eps=0.040900426430895226,
            pairs=((0.18052169263944196, 0.18052169263944196),),
            family=_Family("N**(3/4)", _Nested(1.23456)),
        ),
    )
    d5 = audit.CheckResult(
        claim="D5",
        verdict="not checkable",
        key_figure="a definition",
        method="none",
        evidence=_D5({"eps=0.1": _Gamma(0.040900426430895226, 0.1367588182253129)}),
    )
    return [t6, t10, d5]


def test_claim_page_order_statement_verdict_figure_command_details(fake_results):
    pages = report.claim_pages(fake_results, audit.Budget.QUICK, 0)
    t6 = pages["T6.md"]
    marks = [
        "# T6: ",
        "**Theorem 6**",
        "$$\n" + claims.get("T6").statement,
        "**Verdict: consistent**: finite N",
        "![T6: exponent](T6-exponent.svg)",
        "```sh\nvanishing-minima audit --claims T6 --budget quick --seed 0",
        "## Details",
        "### Evidence",
        "## Reuse",
        "```bibtex",
    ]
    positions = [t6.index(m) for m in marks]
    assert positions == sorted(positions)
    assert (
        "--budget standard" in report.claim_pages(fake_results, audit.Budget.STANDARD, 3)["T6.md"]
    )


def test_claim_page_evidence_is_rounded_tables_and_lists_never_json(fake_results):
    pages = report.claim_pages(fake_results, audit.Budget.QUICK, 0)
    t6, t10, d5 = pages["T6.md"], pages["T10.md"], pages["D5.md"]
    for text in pages.values():
        assert not _rst_or_json(text)
        assert not re.search(r"\d\.\d{6,}", text), re.search(
            r"\d\.\d{6,}", text
        )  # no 17-digit floats
    assert "| 16 | 0.347 | [0.32, 0.374] | a \\| b |" in t6
    assert "**$\\kappa$ range**: [1.04, 1.11]" in t6 and "1.36, 0.67" in t6
    assert "**seed_sequence**: 0, 1353981750" in t6  # integers exact: the draws can be reproduced
    assert "step one<br>step two" in t6
    assert r"**$\gamma_\epsilon$ ([D5](D5.md))**: 0.0409" in t10
    assert "  - 0.181, 0.181" in t10 and "  - **deep**: 1.23" in t10
    assert "| eps=0.1 | 0.0409 | 0.137 |" in d5


def test_claim_pages_with_bounds_carry_their_latex(fake_results):
    pages = report.claim_pages(fake_results, audit.Budget.QUICK, 0)
    by_name = {f.__name__: f for f in bounds.ALL_BOUNDS}
    for r in fake_results:
        for name in claims.get(r.claim).bounds:
            assert f"```latex\n{sp.latex(decimal_latex(by_name[name].expr))}\n```" in pages[f"{r.claim}.md"], (
                r.claim,
                name,
            )


def test_committed_claim_pages_carry_bound_latex_and_bibtex():
    by_name = {f.__name__: f for f in bounds.ALL_BOUNDS}
    for c in claims.REGISTRY.values():
        text = (DOCS / "claims" / f"{c.id}.md").read_text()
        assert report.BIBTEX in text and f"```sh\nvanishing-minima audit --claims {c.id} " in text
        for name in c.bounds:
            assert f"```latex\n{sp.latex(decimal_latex(by_name[name].expr))}\n```" in text, (c.id, name)


def test_write_audit_docs_writes_pages_and_figures(fake_results, tmp_path):
    written = report.write_audit_docs(tmp_path / "d", fake_results, audit.Budget.QUICK, 0)
    names = {p.relative_to(tmp_path / "d").as_posix() for p in written}
    assert {
        "claims.md",
        "bounds.md",
        "audit.md",
        "claims/T6.md",
        "claims/T6-exponent.svg",
        "claims/D5.md",
    } <= names


# --- the verdict table in a terminal ------------------------------------------------------------------
LONG = (
    "derived from T6 and T9 with the A4 step, on the shipped formulas; the composed bound is < 1 only for "
    "N > 8.56e+209 (eps = 0.1, ReLU); sampled N = 16..64: log(V(L_eps)/V(G)) <= 23..208 against -F(N)"
)


@pytest.mark.parametrize("width", [60, 80, 100, 200])
def test_table_lines_fit_the_width_and_keep_every_word(width):
    rows = [
        ("T10", "asymptotic theorem", "derived", LONG),
        ("K1", "exact lemma", "proved", "short"),
    ]
    lines = cli.table_lines(rows, ("claim", "kind", "verdict", "key figure"), width)
    assert all(len(line) <= width for line in lines)
    assert " ".join(LONG.split()) in " ".join(" ".join(lines).split())  # wrapped, not cut
    assert [line[:3] for line in lines if line[:3].strip()][2:] == ["T10", "K1 "]


def test_audit_table_fits_the_terminal_and_json_keeps_full_text(monkeypatch, capsys, tmp_path):
    def long(ctx):
        return audit.CheckResult("K2", "consistent", LONG, "test double")

    monkeypatch.setitem(audit.CHECKS, "K2", long)
    monkeypatch.setenv("COLUMNS", "72")
    assert (
        cli.main(["audit", "--claims", "K2", "--json", str(tmp_path / "r.json"), "--docs", ""]) == 0
    )
    out = capsys.readouterr().out
    table = out.split("\n\n== ")[0].splitlines()
    assert all(len(line) <= 72 for line in table) and len(table) > 3
    kept = json.loads((tmp_path / "r.json").read_text())["results"][0]
    assert "; ".join(filter(None, [kept["key_figure"], kept["details"]])) == LONG  # the rest kept
    monkeypatch.delenv("COLUMNS")
    assert cli.terminal_width() == cli.DEFAULT_WIDTH  # pytest captures stdout: not a terminal


# --- API reference ------------------------------------------------------------------------------------
@pytest.mark.audit  # long: pdoc renders every module (about 8 s)
def test_api_reference_builds(tmp_path, capsys):
    pytest.importorskip(
        "pdoc", reason="pdoc is in the test and docs extras: pip install -e '.[test]'"
    )
    start = time.perf_counter()
    assert cli.main(["docs", "--api", str(tmp_path / "api")]) == 0
    seconds = time.perf_counter() - start
    index = tmp_path / "api" / "index.html"
    assert index.exists() and str(index) in capsys.readouterr().out
    page = (tmp_path / "api" / "vanishing_minima" / "theory" / "bounds.html").read_text()
    assert 'id="gamma_eps"' in page and '<h6 id="parameters">Parameters</h6>' in page
    assert r"\( \gamma_\epsilon \)" in page  # :math: rendered as MathJax, not shown raw
    for module in ("numeric/cones.html", "checks/report.html", "checks/cli.html"):
        assert (tmp_path / "api" / "vanishing_minima" / module).exists(), module
    assert seconds < 120


# --- CITATION.cff -------------------------------------------------------------------------------------
def test_citation_cff_is_valid_cff_1_2_0():
    text = (ROOT / "CITATION.cff").read_text()
    try:
        import yaml
    except ImportError:  # a minimal structural check: the required keys at the top level
        for key in ("cff-version: 1.2.0", "message:", "title:", "authors:", "version:"):
            assert re.search(rf"^{re.escape(key)}", text, re.M), key
        return
    data = yaml.safe_load(text)
    assert data["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= data.keys() and data["authors"]
    assert all("name" in a or "family-names" in a for a in data["authors"])
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(
        1
    )
    assert str(data["version"]) == version and data["license"] == "MIT"
    paper = data["references"][0]
    assert paper["year"] == 2017 and [a["family-names"] for a in paper["authors"]] == [
        "Soudry",
        "Hoffer",
    ]
    assert "1702.05777" in paper["url"]


def test_api_page_documents_the_command_the_cli_accepts():
    text = (DOCS / "api.md").read_text()
    assert "vanishing-minima docs --api build/api" in text and "pdoc" in text
    action = next(
        a
        for a in parser.build_parser()._subparsers._group_actions[0].choices["docs"]._actions
        if "--api" in a.option_strings
    )
    assert action.metavar == "DIR"
