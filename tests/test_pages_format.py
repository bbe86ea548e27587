"""The pages read as tables on GitHub: every table row has its header's cell count, headers are words,
and every page ends with its provenance line (issue 22, items 1 and 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vanishing_minima.checks import audit, provenance, report
from vanishing_minima.checks.evidence import Evidence, shown
from vanishing_minima.checks.markdown import _rowstable, cell

ROOT = Path(__file__).resolve().parent.parent
SNAKE = re.compile(r"^[A-Za-z0-9]+(_[A-Za-z0-9]+)+$")


def cells(line: str) -> list[str]:
    """A GitHub table row's cells: split at every ``|`` not escaped by a backslash (GitHub splits at
    those inside code spans too), the outer pipes dropped."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [p.strip() for p in parts[1:-1]]


def tables(text: str) -> list[list[str]]:
    """The tables of a Markdown text, each as its lines (header, delimiter, rows); fenced code skipped."""
    out, current, fenced = [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.lstrip().startswith("|"):
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return [t for t in out if len(t) >= 2 and set(t[1].replace("|", "").strip()) <= set("-: ")]


def row_count_errors(text: str) -> list[str]:
    errors = []
    for t in tables(text):
        width = len(cells(t[0]))
        for line in t[1:]:
            if len(cells(line)) != width:
                errors.append(f"{len(cells(line))} cells, header {width}: {line[:120]}")
    return errors


def test_the_table_parser_sees_a_broken_row():
    """The law's instrument works: an unescaped pipe in a cell is caught, an escaped one is not."""
    good = "| a | b |\n|---|---|\n| max \\|x\\| | 2 |\n"
    bad = "| a | b |\n|---|---|\n| max |x| | 2 |\n"
    assert row_count_errors(good) == [] and len(row_count_errors(bad)) == 1


def test_cell_escapes_each_pipe_once_and_joins_lines():
    assert cell("|x|") == "\\|x\\|" and cell(cell("|x|")) == "\\|x\\|" and cell("a\nb") == "a b"


@pytest.mark.parametrize(
    "path",
    sorted(
        p.relative_to(ROOT).as_posix() for p in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    ),
)
def test_every_committed_table_row_has_the_headers_cell_count(path):
    assert row_count_errors((ROOT / path).read_text(encoding="utf-8")) == []


#: Control characters other than tab and newline: a Python escape slipped into text ("\\a" of "\\approx"
#: written in a non-raw string becomes the bell, 0x07), invisible in most editors, broken math on GitHub.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def test_no_committed_text_holds_a_control_character():
    texts = [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")]
    texts += [*(ROOT / "docs").rglob("*.json"), *(ROOT / "docs").rglob("*.svg")]
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line[:80]!r}"
        for p in texts
        for n, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1)
        if CONTROL.search(line)
    ]
    assert found == []
    assert CONTROL.search("$6 d_1 \x07pprox 10^{13}$") and not CONTROL.search("a\tb")


@pytest.fixture(scope="module")
def cheap_results():
    """Two cheap checks, K4 (its key figure holds |...|) and T8."""
    return audit.run_audit(["K4", "T8"], workers=1)


def test_generated_audit_pages_have_whole_rows_word_headers_and_a_provenance_line(cheap_results):
    prov = provenance.collect(budget="quick", seed=0)
    pages = {"audit.md": report.audit_page(cheap_results, audit.Budget.QUICK, 0, prov)}
    pages |= report.claim_pages(cheap_results, audit.Budget.QUICK, 0, prov)
    assert "|" in cheap_results[0].key_figure  # the case that broke docs/audit.md's K4 row
    for name, text in pages.items():
        assert row_count_errors(text) == [], name
        for t in tables(text):
            assert not [h for h in cells(t[0]) if SNAKE.match(h)], (name, t[0])
        assert text.rstrip("\n").splitlines()[-1] == prov.line(), name


def test_long_text_columns_go_below_the_table():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Row(Evidence):
        n: int = shown("N")
        note: str = shown("note_of_the_row")

    text = _rowstable((Row(16, "a" * 80 + " | x"), Row(32, "short")))
    assert row_count_errors(text) == []
    header = cells(text.splitlines()[0])
    assert header == ["N"]  # the long column left the table
    assert "note of the row:" in text and "- N = 16: " + "a" * 80 + " | x" in text


def test_static_pages_end_with_the_static_provenance_line(tmp_path):
    pages = report.static_pages(tmp_path)
    assert pages and all(t.rstrip("\n").endswith(provenance.static_line()) for t in pages.values())


def test_report_json_records_provenance(cheap_results):
    body = json.loads(audit.report_json(cheap_results, audit.Budget.QUICK, 0, wall_seconds=1.5))
    prov = body["provenance"]
    for key in (
        "toolkit",
        "git",
        "python",
        "libraries",
        "blas",
        "platform",
        "cpus",
        "started",
        "load",
    ):
        assert key in prov, key
    assert prov["wall_seconds"] == 1.5 and prov["blas_threads_in_checks"] == 1
    assert set(provenance.LIBRARIES) <= set(prov["libraries"])
    assert prov["settings"] == {"budget": "quick", "seed": 0}
    # run from this checkout (an editable install): the commit is the checkout's HEAD
    if prov["git"]["commit"] is not None:
        assert re.fullmatch(r"[0-9a-f]{40}", prov["git"]["commit"])
        assert isinstance(prov["git"]["modified"], bool)
    assert list(body)[-2:] == ["timings_seconds", "provenance"]  # kept apart, at the end


def test_provenance_without_git_says_so(monkeypatch):
    monkeypatch.setattr(provenance, "_git", lambda folder, *args: None)
    p = provenance.collect(seed=3)
    assert p.git == {"commit": None, "modified": None, "where": "not a git checkout"}
    assert "(no git checkout)" in p.line() and p.line().endswith(".")


def _legend_clear_of_axes(fig) -> bool:
    """The legend's box lies outside the axes' box (so it covers no data point)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None:
            continue
        a, b = ax.get_window_extent(renderer), leg.get_window_extent(renderer)
        if b.x0 < a.x1 and b.x1 > a.x0 and b.y0 < a.y1 and b.y1 > a.y0:
            return False
    return True


def test_figure_legends_cover_no_data_and_axes_are_labelled_in_math(monkeypatch):
    from vanishing_minima.checks import plots

    seen = []

    def capture(fig):
        seen.append(
            (
                _legend_clear_of_axes(fig),
                [ax.get_xlabel() for ax in fig.axes],
                fig.axes[0].get_legend(),
            )
        )
        plots._pyplot().close(fig)
        return ""

    monkeypatch.setattr(plots, "svg", capture)
    n = [16, 32, 64, 128, 256]
    plots.exponent_figure(
        n,
        [1, 2, 3, 4, 5],
        [2, 3, 4, 5, 6],
        [1, 2, 3, 4, 5],
        [3, 4, 5, 6, 7],
        title="t",
        ylabel=r"$-\log p$",
        claim_label="F",
    )
    plots.ratio_figure(n, [1, 2, 3, 4, 5], [0, 1, 2, 3, 4], [-1, -2, -3, -4, -5], title="t")
    plots.error_against_ratio_figure(
        {"a": ([0.5, 1, 2], [0.3, 0.1, 0], [0.1, 0.1, 0])}, title="t", xlabel="x", ylabel="y"
    )
    assert len(seen) == 3
    assert all(clear for clear, _, legend in seen if legend is not None)
    assert seen[0][1] == ["$N$"] and seen[1][1] == ["$N$"]
