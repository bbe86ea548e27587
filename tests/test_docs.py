"""Generated docs are deterministic and the committed copies are current."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from vanishing_minima import numeric
from vanishing_minima.checks import audit, pages
from vanishing_minima.checks import report as docs
from vanishing_minima.checks.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs"
NUMERIC_DIR = Path(numeric.__file__).resolve().parent


@pytest.mark.parametrize("name", list(docs.PAGES))
def test_committed_page_is_current(name):
    committed = DOCS / name
    assert committed.exists(), f"run `vanishing-minima docs` to generate docs/{name}"
    assert committed.read_text() == pages.page_text(name), (
        f"docs/{name} is stale: run `vanishing-minima docs`"
    )


@pytest.mark.audit  # long: writes every static page twice (about 6 s)
def test_generation_is_deterministic(tmp_path):
    first = [p.read_text() for p in docs.write_docs(tmp_path / "a")]
    second = [p.read_text() for p in docs.write_docs(tmp_path / "b")]
    assert first == second


# --- the numeric reference: an index and one page per module -----------------------------------------
def _defining_module(obj) -> str:
    """The module that defines ``obj``, from its source file (not ``__module__``): ``cones`` for
    numeric/cones.py, ``rare_events.api`` for numeric/rare_events/api.py."""
    path = Path(inspect.getsourcefile(obj)).resolve().relative_to(NUMERIC_DIR)
    return ".".join(path.with_suffix("").parts)


def _headings(page: str) -> list[str]:
    return re.findall(r"^## `(\w+)` \((?:function|class)\)$", page, re.M)


def test_each_public_numeric_name_is_documented_once_on_its_modules_page():
    module_pages = {n: make() for n, make in docs.PAGES.items() if n.startswith("numeric/")}
    documented = {name: n for n, page in module_pages.items() for name in _headings(page)}
    assert sum(len(_headings(p)) for p in module_pages.values()) == len(documented)
    assert set(documented) == set(numeric.__all__)
    for name, page in documented.items():
        assert page == f"numeric/{_defining_module(getattr(numeric, name))}.md", name


def test_the_numeric_index_is_short_and_links_every_module_page():
    index = docs.PAGES["numeric.md"]()
    linked = set(re.findall(r"\]\((numeric/[\w.]+\.md)\)", index))
    assert linked == {n for n in docs.PAGES if n.startswith("numeric/")} and linked
    assert len(index.split()) < 3000  # the whole reference on one page was about 22,000 words
    for name in docs.PAGES:
        if name.startswith("numeric/"):
            assert "](../numeric.md)" in docs.PAGES[name](), name


def test_no_committed_numeric_page_is_left_from_a_module_that_moved():
    committed = {f"numeric/{p.name}" for p in (DOCS / "numeric").glob("*.md")}
    assert committed <= set(docs.PAGES), f"stale pages: {sorted(committed - set(docs.PAGES))}"


@pytest.mark.parametrize("command", [["docs", "--dir"], ["audit", "--claims", "K2", "--docs"]])
def test_a_numeric_folder_that_cannot_be_written_is_refused_before_any_work(
    command, tmp_path, monkeypatch, capsys
):
    def refuse(*args, **kwargs):
        raise AssertionError("work started before the output folders were checked")

    monkeypatch.setattr(pages, "write_docs", refuse)
    monkeypatch.setattr(audit, "run_audit", refuse)
    (tmp_path / "numeric").write_text("a file where the module pages go\n")
    assert main([*command, str(tmp_path), *(["--json", ""] if "audit" in command else [])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "numeric is not a directory" in err, err
