"""Citing: ``vanishing-minima cite`` prints well-formed BibTeX for the paper and for the toolkit at the
package's version, and CITATION.cff says the same things (version, date, title, authors, the paper)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

import pytest

from vanishing_minima.checks import cite, cli, pages, parser

ROOT = Path(__file__).resolve().parents[1]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vanishing-minima")
    cite.add_parser(parser.add_subparsers(dest="command"))
    return parser


def _cite(capsys, *argv: str) -> str:
    assert cite.run(_parser().parse_args(["cite", *argv])) == 0
    return capsys.readouterr().out


def _pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'^\[project\][^\[]*?^version\s*=\s*"([^"]+)"', text, re.M | re.S).group(1)


def _cff() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def parse_bibtex(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(type, key, fields) of each entry; fails on unbalanced braces or a line that is not a field."""
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "a closing brace without its opening one"
    assert depth == 0, "unbalanced braces"
    entries = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        head = re.fullmatch(r"@(\w+)\{([A-Za-z0-9_:.-]+),", lines[0])
        assert head and lines[-1] == "}", block
        fields = {}
        for line in lines[1:-1]:
            field = re.fullmatch(r"  (\w+)\s*= \{(.*)\},?", line)
            assert field, line
            value = field.group(2)
            assert value.count("{") == value.count("}"), line
            assert field.group(1) not in fields, f"field {field.group(1)} twice"
            fields[field.group(1)] = value
        assert not lines[-2].endswith(","), "a trailing comma before the closing brace"
        entries.append((head.group(1), head.group(2), fields))
    return entries


def test_cite_prints_the_paper_then_the_toolkit_at_the_package_version(capsys):
    entries = parse_bibtex(_cite(capsys))
    assert [(t, k) for t, k, _ in entries] == [
        ("article", cite.PAPER_KEY),
        ("software", cite.toolkit_key(_pyproject_version())),
    ]
    paper, toolkit = entries[0][2], entries[1][2]
    assert paper["author"] == "Soudry, Daniel and Hoffer, Elad" and paper["year"] == "2017"
    assert paper["eprint"] == "1702.05777" and paper["title"] == cite.PAPER_TITLE
    version = metadata.version("vanishing-minima")
    assert toolkit["version"] == version == _pyproject_version()
    assert toolkit["year"] == cite.RELEASE_DATE[:4] and toolkit["date"] == cite.RELEASE_DATE
    assert toolkit["author"] == "{The vanishing-minima contributors}"  # one name, not split
    assert "arXiv:1702.05777" in toolkit["note"] and r"{Soudry} \& {Hoffer}" in toolkit["title"]
    plain = re.sub(r"[{}]", "", toolkit["title"]).replace(r"\&", "&").replace("`", "'")
    assert plain == cite.TOOLKIT_TITLE


@pytest.mark.parametrize(
    "flag,keys", [("--paper", ["article"]), ("--toolkit", ["software"])], ids=["paper", "toolkit"]
)
def test_each_flag_prints_only_its_entry(capsys, flag, keys):
    assert [t for t, _, _ in parse_bibtex(_cite(capsys, flag))] == keys
    assert len(parse_bibtex(_cite(capsys, "--paper", "--toolkit"))) == 2


def test_the_papers_entry_is_the_one_the_pages_print():
    assert cite.PAPER_BIBTEX == pages.BIBTEX


def test_the_bibtex_parser_of_these_tests_rejects_broken_entries():
    good = cite.toolkit_bibtex("1.2.3")
    parse_bibtex(good)
    for broken in (good[:-1], good.replace("= {", "= ", 1), good.replace("}\n}", "},\n}")):
        with pytest.raises(AssertionError):
            parse_bibtex(broken)


def test_toolkit_key_and_refused_versions():
    assert cite.toolkit_key("0.1.0") == "vanishing_minima_0_1_0"
    assert cite.toolkit_key("1.0rc1+g12") == "vanishing_minima_1_0rc1_g12"
    for bad in ("", "1.0}", "1,0", "1.0\n@misc{x,"):
        with pytest.raises(ValueError, match="version"):
            cite.toolkit_bibtex(bad)


def test_citation_cff_agrees_with_the_package_and_the_cite_command():
    data = _cff()
    assert data["cff-version"] == "1.2.0" and data["type"] == "software"
    assert str(data["version"]) == _pyproject_version() == metadata.version("vanishing-minima")
    assert str(data["date-released"]) == cite.RELEASE_DATE
    assert data["title"] == cite.TOOLKIT_TITLE
    assert [a.get("name") for a in data["authors"]] == [cite.TOOLKIT_AUTHORS]
    license = re.search(
        r'^license\s*=\s*\{\s*text\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M
    )
    assert data["license"] == license.group(1)
    paper = data["references"][0]
    assert (
        paper["type"] == "article" and paper["title"] == cite.PAPER_TITLE and paper["year"] == 2017
    )
    assert {"type": "other", "value": "arXiv:1702.05777", "description": "arXiv identifier"} in (
        paper["identifiers"]
    )
    assert "vanishing-minima cite" in data["message"]


def test_the_release_date_is_a_date_and_not_in_the_future_of_the_changelog():
    """RELEASE_DATE is an ISO date no later than the newest date the changelog names."""
    released = date.fromisoformat(cite.RELEASE_DATE)
    dates = re.findall(r"^## .*?(\d{4}-\d{2}-\d{2})", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert dates and released <= max(map(date.fromisoformat, dates))


def test_importing_cite_loads_no_numeric_library():
    code = (
        "import sys, vanishing_minima.checks.cite; "
        "print(sorted(m for m in ('numpy', 'scipy', 'sympy', 'mpmath', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cite_is_a_sub_command_of_vanishing_minima(capsys):
    if "cite" not in parser.build_parser()._subparsers._group_actions[0].choices:
        pytest.skip("cite is not wired into checks/parser.py yet (cite.add_parser, cite.run)")
    assert cli.main(["cite", "--toolkit"]) == 0
    assert parse_bibtex(capsys.readouterr().out)[0][2]["version"] == _pyproject_version()
