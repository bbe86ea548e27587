"""One source for every number: the figures hand-written pages quote are markers filled from the
committed report, and a page that disagrees with it fails here (issue 22, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vanishing_minima.checks import audit, numbers

ROOT = Path(__file__).resolve().parent.parent
PAGES = [p for p in numbers.PAGES_WITH_MARKERS if (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def committed():
    return numbers.load_report(ROOT / numbers.COMMITTED_REPORT)


@pytest.fixture(scope="module")
def others():
    return numbers.load_others(ROOT)


def test_every_other_report_is_committed(others):
    assert set(others) == set(numbers.OTHER_REPORTS)


@pytest.mark.parametrize("page", PAGES)
def test_every_marked_figure_agrees_with_the_committed_report(page, committed, others):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert numbers.stale(text, committed, others) == []


def test_the_readme_and_findings_quote_the_report_through_markers():
    keys = {k for p in PAGES for k, _ in numbers.markers((ROOT / p).read_text(encoding="utf-8"))}
    assert {"@verdict-table", "@claim-count", "T10.evidence.N_star", "@t6-rows"} <= keys


def test_a_hand_edited_figure_is_caught(committed):
    text = (ROOT / "docs/findings.md").read_text(encoding="utf-8")
    key, value = next((k, v) for k, v in numbers.markers(text) if k.endswith(":.2f"))
    edited = text.replace(
        f"<!-- vm:{key} -->{value}<!-- /vm -->", f"<!-- vm:{key} -->9.99<!-- /vm -->", 1
    )
    assert edited != text and numbers.stale(edited, committed)
    assert (
        numbers.fill(edited, committed) == text
    )  # and the docs command puts the report's value back


def test_a_named_figure_is_computed_from_the_report_not_copied(committed):
    changed = json.loads(json.dumps(committed))
    row = changed["by_claim"]["T6"]["evidence"]["sizes"][0]
    row["-log p"] = 7.0
    assert "| 7.00 [" in numbers.lookup("@t6-rows", changed)
    assert numbers.lookup("@t6-minus-log-p", changed).endswith("..7.00")
    next(r for r in changed["results"] if r["claim"] == "E2")["verdict"] = "consistent"
    assert "| inconsistent |" not in numbers.lookup("@verdict-table", changed)


@pytest.mark.parametrize(
    ("key", "error"),
    [
        ("Z9.verdict", KeyError),  # no such claim
        ("T6.evidence.nothing", KeyError),
        ("@nothing", KeyError),
        ("T6.verdict:.2f", ValueError),  # a number format on text
        ("__import__('os').system('true')", ValueError),  # parsed, never evaluated
        ("T6.evidence.kappa_least_squares:{0.__class__}", ValueError),
    ],
)
def test_a_bad_marker_is_refused_by_name(key, error, committed):
    with pytest.raises(error, match="marker|report has no claim|no named"):
        numbers.lookup(key, committed)


def test_fill_pages_rewrites_only_what_moved(tmp_path, committed):
    (tmp_path / "docs").mkdir()
    (tmp_path / numbers.COMMITTED_REPORT).write_text(
        (ROOT / numbers.COMMITTED_REPORT).read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "README.md").write_text("N* = <!-- vm:T10.evidence.N_star -->1<!-- /vm -->\n")
    (tmp_path / "docs/findings.md").write_text("none here\n")
    written = numbers.fill_pages(tmp_path)
    assert written == [tmp_path / "README.md"]
    assert numbers.stale((tmp_path / "README.md").read_text(), committed) == []
    assert numbers.fill_pages(tmp_path) == []


@pytest.mark.audit
def test_the_committed_report_is_what_the_quick_audit_gives_now(quick_audit, others):
    """The committed report (and so every marked figure) is current: a fresh quick audit fills every
    marker but the timings with the same text (the other reports are longer runs: their own command)."""
    fresh = json.loads(audit.report_json(quick_audit, audit.Budget.QUICK, 0))
    for page in PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        moved = [
            s for s in numbers.stale(text, fresh, others) if not s.startswith("$.timings_seconds")
        ]
        assert moved == [], page
