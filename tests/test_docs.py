"""Generated docs are deterministic and the committed copies are current."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanishing_minima.checks import report as docs

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", list(docs.PAGES))
def test_committed_page_is_current(name):
    committed = DOCS / name
    assert committed.exists(), f"run `vanishing-minima docs` to generate docs/{name}"
    assert committed.read_text() == docs.PAGES[name](), (
        f"docs/{name} is stale: run `vanishing-minima docs`"
    )


def test_generation_is_deterministic(tmp_path):
    first = [p.read_text() for p in docs.write_docs(tmp_path / "a")]
    second = [p.read_text() for p in docs.write_docs(tmp_path / "b")]
    assert first == second
