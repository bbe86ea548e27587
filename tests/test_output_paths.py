"""Untrusted output paths: symbolic links are written through or refused, never replaced by a file, and a
set of pages is written all or nothing (a failure while moving them into place names what was moved)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vanishing_minima.checks import audit, parser, report, report_io
from vanishing_minima.checks import pages as docs_pages
from vanishing_minima.checks.cli import main
from vanishing_minima.checks.core import Budget, CheckResult

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="POSIX")


def _leftovers(*folders: Path) -> list[str]:
    return sorted(p.name for f in folders for p in f.rglob("*") if p.name.endswith(".tmp"))


def _tree(folder: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under ``folder``: ("link", its target) or ("file", its bytes)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(folder))] = ("link", os.readlink(p).encode())
        elif p.is_file():
            out[str(p.relative_to(folder))] = ("file", p.read_bytes())
    return out


@pytest.fixture
def audit_must_not_run(monkeypatch):
    def ran(*args, **kwargs):
        raise AssertionError("the audit ran before the output paths were checked")

    monkeypatch.setattr(audit, "run_audit", ran)


# --- 1. a link to a regular file is written through; the link stays -----------------------------------
def test_json_through_a_symlink_replaces_the_file_it_leads_to_and_keeps_the_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "report.json"
    real.write_text('{"previous": true}\n')
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main(["audit", "--claims", "K1", "--json", str(link), "--docs", ""]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)  # was replaced by a regular file
    assert [r["claim"] for r in json.loads(real.read_text())["results"]] == ["K1"]
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


@settings(max_examples=20)  # each example makes a folder tree and fsyncs a file
@given(
    hops=st.lists(st.tuples(st.booleans(), st.booleans()), max_size=4),
    text=st.text(max_size=50),
    existing=st.booleans(),
)
def test_a_chain_of_links_is_written_through_to_its_end(hops, text, existing):
    """Each hop sits in its own folder (or the same one), relative or absolute: the links stay as
    they are, the file at the end of the chain holds the text, no temporary file is left."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        end = root / "end" / "file.txt"
        end.parent.mkdir()
        if existing:
            end.write_text("previous")
        target, links = end, {}
        for i, (own_folder, relative) in enumerate(hops):
            link = (root / f"hop{i}" if own_folder else root) / f"link{i}"
            link.parent.mkdir(exist_ok=True)
            to = os.path.relpath(target, link.parent) if relative else str(target)
            link.symlink_to(to)
            links[link] = to
            target = link
        report_io.write_text_atomic(target, text)
        assert end.read_bytes() == text.encode()
        assert all(p.is_symlink() and os.readlink(p) == to for p, to in links.items())
        assert _leftovers(root) == []


def test_a_link_to_the_file_stdout_goes_to_is_refused_before_the_audit(
    tmp_path, capsys, audit_must_not_run
):
    """``/dev/stdout`` -> ``/proc/self/fd/1`` -> a file: replacing that file would lose the output
    (with stdout a pipe or a terminal, the link leads to a special file and is refused as such)."""
    if not os.path.exists("/proc/self/fd/1"):
        pytest.skip("no /proc/self/fd")
    log = tmp_path / "stdout.log"
    link = tmp_path / "out.json"
    link.symlink_to("/proc/self/fd/1")
    sys_stdout = os.dup(1)
    try:
        with open(log, "wb") as fh:
            os.dup2(fh.fileno(), 1)
        code = main(["audit", "--claims", "K1", "--json", str(link), "--docs", ""])
    finally:
        os.dup2(sys_stdout, 1)
        os.close(sys_stdout)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "--json" in err and "standard output" in err
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


# --- 2. loops, dangling links, links to directories and special files: refused before any work ---------
def _refused(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """argv after ``audit --claims K1`` and a word of the expected reason, by case."""
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing" / "r.json")
    (tmp_path / "dir").mkdir()
    (tmp_path / "to_dir").symlink_to("dir")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "to_fifo").symlink_to("fifo")
    docs_loop = tmp_path / "docs_claims_loop"
    docs_loop.mkdir()
    (docs_loop / "claims").symlink_to("claims")
    docs_page = tmp_path / "docs_page_loop"
    (docs_page / "claims").mkdir(parents=True)
    (docs_page / "claims" / "K1.md").symlink_to("K1.md")
    docs_fifo = tmp_path / "docs_page_fifo"
    docs_fifo.mkdir()
    (docs_fifo / "audit.md").symlink_to(tmp_path / "fifo")
    return {
        "json-loop": (["--json", str(tmp_path / "a"), "--docs", ""], "symbolic link loop"),
        "json-under-a-loop": (["--json", str(tmp_path / "a" / "r.json"), "--docs", ""], "loop"),
        "json-dangling-into-a-missing-folder": (
            ["--json", str(tmp_path / "dangling"), "--docs", ""],
            "folder does not exist",
        ),
        "json-link-to-a-directory": (
            ["--json", str(tmp_path / "to_dir"), "--docs", ""],
            "symbolic link to a directory",
        ),
        "json-link-to-a-pipe": (
            ["--json", str(tmp_path / "to_fifo"), "--docs", ""],
            "symbolic link to a pipe",
        ),
        "docs-loop": (["--json", "", "--docs", str(tmp_path / "a")], "symbolic link loop"),
        "docs-dangling": (["--json", "", "--docs", str(tmp_path / "dangling")], "does not exist"),
        "docs-claims-loop": (["--json", "", "--docs", str(docs_loop)], "symbolic link loop"),
        "docs-page-loop": (["--json", "", "--docs", str(docs_page)], "claims/K1.md: symbolic"),
        "docs-page-to-a-pipe": (
            ["--json", "", "--docs", str(docs_fifo)],
            "audit.md: is a symbolic",
        ),
    }


CASES = [
    "json-loop",
    "json-under-a-loop",
    "json-dangling-into-a-missing-folder",
    "json-link-to-a-directory",
    "json-link-to-a-pipe",
    "docs-loop",
    "docs-dangling",
    "docs-claims-loop",
    "docs-page-loop",
    "docs-page-to-a-pipe",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_links_are_refused_before_the_audit_runs(case, tmp_path, capsys, audit_must_not_run):
    argv, reason = _refused(tmp_path)[case]
    before = _tree(tmp_path)
    assert main(["audit", "--claims", "K1", *argv]) == 2
    err = capsys.readouterr().err
    flag = "--json" if case.startswith("json") else "--docs"
    assert err.count("\n") == 1 and f"{flag} {tmp_path}" in err and reason in err, err
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("flag", ["--dir", "--api"])
def test_docs_folders_that_are_link_loops_are_refused_before_any_page(
    flag, tmp_path, monkeypatch, capsys
):
    def ran(*args, **kwargs):
        raise AssertionError("pages were built before the folder was checked")

    monkeypatch.setattr(docs_pages, "write_docs", ran)
    monkeypatch.setattr(report, "build_api_reference", ran)
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert main(["docs", flag, str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{flag} {tmp_path / 'a'}: symbolic link loop" in err, err


def test_a_link_loop_is_an_oserror_naming_the_path_and_the_reason(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    for check in (report_io.check_output_file, report_io.check_output_dir):
        with pytest.raises(OSError) as info:
            check(tmp_path / "a")
        assert info.value.errno == errno.ELOOP and info.value.filename == str(tmp_path / "a")
        assert info.value.strerror == "symbolic link loop"


def test_docs_through_a_link_to_a_folder_and_a_page_link_are_written_through(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_pages, "PAGES", {"one.md": lambda: "one\n", "two.md": lambda: "two\n"})
    real = tmp_path / "real_docs"
    real.mkdir()
    kept = tmp_path / "kept" / "two.md"
    kept.parent.mkdir()
    kept.write_text("previous two\n")
    (real / "two.md").symlink_to(kept)
    (tmp_path / "docs").symlink_to(real)
    assert main(["docs", "--dir", str(tmp_path / "docs")]) == 0
    rendered = _rendered(real)
    assert rendered["one.md"].startswith(b"one\n") and rendered["two.md"].startswith(b"two\n")
    assert (real / "one.md").read_bytes() == rendered["one.md"]
    assert (real / "two.md").is_symlink() and kept.read_bytes() == rendered["two.md"]
    assert (tmp_path / "docs").is_symlink() and _leftovers(tmp_path) == []


# --- 3. a set of pages: all or nothing while writing; an exact account when a move fails -------------
def _fail_at(k: int, what: str):
    """A stand-in for ``os.<what>`` whose call number ``k`` (from 0) fails with ENOSPC."""
    real = getattr(os, what)
    calls = []

    def fake(*args, **kwargs):
        calls.append(1)
        if len(calls) == k + 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    return fake


_PAGE_SETS = st.lists(
    st.tuples(st.one_of(st.none(), st.binary(max_size=30)), st.text(max_size=30)),
    min_size=1,
    max_size=6,
)


@contextlib.contextmanager
def _seeded_pages(pages) -> Iterator[tuple[Path, dict[str, bytes | None], pytest.MonkeyPatch]]:
    """A temporary folder holding each page's old bytes (none where ``old`` is None), and a monkeypatch
    under which ``pages.PAGES`` renders page i as its new text: the folder, its pages before, the patch."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        folder = Path(tmp)
        before = {}
        for i, (old, _) in enumerate(pages):
            if old is not None:
                (folder / f"p{i}.md").write_bytes(old)
            before[f"p{i}.md"] = old
        mp.setattr(
            docs_pages, "PAGES", {f"p{i}.md": (lambda t=new: t) for i, (_, new) in enumerate(pages)}
        )
        yield folder, before, mp


def _rendered(folder: Path) -> dict[str, bytes]:
    """The static pages as the writer renders them into ``folder`` (with their foot line), by name."""
    return {
        str(p.relative_to(folder)): text.encode()
        for p, text in docs_pages.static_pages(folder).items()
    }


def _now(folder: Path, names) -> dict[str, bytes | None]:
    return {n: (folder / n).read_bytes() if (folder / n).exists() else None for n in names}


@given(pages=_PAGE_SETS, k=st.integers(0, 5), what=st.sampled_from(["open", "fsync"]))
def test_a_page_that_cannot_be_written_leaves_every_page_as_it_was(pages, k, what):
    """The k-th page's temporary file cannot be created (open) or flushed (fsync): no page changes,
    with the old write-one-page-at-a-time writer the pages before the k-th were already new."""
    k = k % len(pages)
    with _seeded_pages(pages) as (folder, before, mp):
        mp.setattr(os, what, _fail_at(k, what))
        with pytest.raises(OSError) as info:
            report.write_docs(folder)
        mp.undo()
        assert _now(folder, before) == before
        assert info.value.filename == str(folder / f"p{k}.md")
        assert "No space left on device" in info.value.strerror
        assert f"nothing was replaced (none of the {len(pages)} files)" in info.value.strerror
        assert _leftovers(folder) == []


@given(pages=_PAGE_SETS, k=st.integers(0, 5))
def test_a_move_that_fails_replaces_exactly_the_pages_before_it_and_says_which(pages, k):
    k = k % len(pages)
    with _seeded_pages(pages) as (folder, before, mp):
        rendered = _rendered(folder)
        mp.setattr(os, "replace", _fail_at(k, "replace"))
        with pytest.raises(OSError) as info:
            report.write_docs(folder)
        mp.undo()
        names = list(before)
        expected = {n: (rendered[n] if i < k else before[n]) for i, n in enumerate(names)}
        assert _now(folder, names) == expected
        error = info.value
        assert isinstance(error, report_io.PartialWriteError)
        assert error.replaced == [folder / n for n in names[:k]]
        assert error.not_replaced == [folder / n for n in names[k:]]
        assert error.filename == str(folder / names[k])
        message = str(error)
        assert f"replaced {k} of {len(names)} files" in message
        assert all(str(folder / n) in message for n in names)
        assert _leftovers(folder) == []


def _results() -> list[CheckResult]:
    return [
        CheckResult("K1", "proved", "k1 figure", "symbolic", figures={"fig": "<svg>k1</svg>\n"}),
        CheckResult("D5", "consistent", "d5 figure", "numeric", figures={"a": "<svg>a</svg>\n"}),
    ]


@pytest.mark.parametrize("what", ["fsync", "replace"])
def test_the_audit_pages_are_one_set(tmp_path, monkeypatch, what):
    """A failure at the last file (a figure) while writing leaves the static pages, audit.md and the
    claim pages as they were; at its move, everything else is new and the error names the figure."""
    monkeypatch.setattr(docs_pages, "PAGES", {"claims.md": lambda: "new claims page\n"})
    docs = tmp_path / "docs"
    rendered = _rendered(docs)
    (docs / "claims").mkdir(parents=True)
    for name in ("claims.md", "audit.md", "claims/K1.md", "claims/D5.md", "claims/D5-a.svg"):
        (docs / name).write_text(f"previous {name}\n")
    before = _tree(docs)
    last = 6  # claims.md, audit.md, K1.md, D5.md, K1-fig.svg, D5-a.svg
    monkeypatch.setattr(os, what, _fail_at(last - 1, what))
    with pytest.raises(OSError) as info:
        report.write_audit_docs(docs, _results(), Budget.QUICK, 0)
    monkeypatch.undo()
    assert info.value.filename == str(docs / "claims" / "D5-a.svg")
    after = _tree(docs)
    if what == "fsync":
        assert after == before and "nothing was replaced" in info.value.strerror
    else:
        assert after["claims.md"] == ("file", rendered["claims.md"])
        assert after["claims/D5-a.svg"] == before["claims/D5-a.svg"]
        assert info.value.not_replaced == [docs / "claims" / "D5-a.svg"]
        assert len(info.value.replaced) == last - 1
    assert _leftovers(docs) == []


def test_a_failed_set_is_exit_2_one_line_saying_nothing_was_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(docs_pages, "PAGES", {"one.md": lambda: "one\n", "two.md": lambda: "two\n"})
    (tmp_path / "one.md").write_text("old one\n")
    monkeypatch.setattr(os, "fsync", _fail_at(1, "fsync"))
    assert main(["docs", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two.md" in err and "nothing was replaced" in err
    assert (tmp_path / "one.md").read_text() == "old one\n"
    assert not (tmp_path / "two.md").exists()


def test_two_names_for_one_file_are_refused_before_writing(tmp_path):
    (tmp_path / "a.md").write_text("a\n")
    (tmp_path / "b.md").symlink_to("a.md")
    with pytest.raises(ValueError, match="same file"):
        report_io.write_files_atomic({tmp_path / "a.md": "1", tmp_path / "b.md": "2"})
    assert (tmp_path / "a.md").read_text() == "a\n" and _leftovers(tmp_path) == []


# --- 4. where the audit writes: one folder git ignores by default; docs/ only when asked -------------
@pytest.fixture
def one_static_page(monkeypatch):
    """One static page instead of all of them (rendering them all takes seconds)."""
    monkeypatch.setattr(docs_pages, "PAGES", {"claims.md": lambda: "the claims page\n"})


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_by_default_the_report_and_the_pages_go_into_one_folder(
    tmp_path, monkeypatch, capsys, one_static_page
):
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "--claims", "K1"]) == 0
    out = parser.AUDIT_FOLDER
    assert _files(tmp_path) == [
        f"{out}/{n}" for n in ("audit.md", "claims.md", "claims/K1.md", "report.json")
    ]
    report_json = json.loads((tmp_path / out / "report.json").read_text())
    assert [r["claim"] for r in report_json["results"]] == ["K1"]
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.endswith(f"; report: {out}/report.json, pages: {out}/")


def test_out_names_the_folder_and_json_and_docs_override_it(tmp_path, capsys, one_static_page):
    assert main(["audit", "--claims", "K1", "--out", str(tmp_path / "a" / "b")]) == 0
    assert _files(tmp_path / "a" / "b") == ["audit.md", "claims.md", "claims/K1.md", "report.json"]
    argv = ["--out", str(tmp_path / "c"), "--json", str(tmp_path / "r.json"), "--docs", ""]
    assert main(["audit", "--claims", "K1", *argv]) == 0
    assert not (tmp_path / "c").exists() and (tmp_path / "r.json").is_file()
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(f"report: {tmp_path / 'r.json'}, no pages (--docs '')")
    )


def test_update_docs_writes_the_committed_pages_and_report_from_every_claim(
    tmp_path, monkeypatch, capsys, one_static_page
):
    from vanishing_minima.theory.claims import REGISTRY

    asked = []

    def run_audit(ids, **kwargs):  # the whole audit, as test doubles
        asked.append(ids)
        return [CheckResult(c, "not checkable", "test double", "none") for c in REGISTRY]

    monkeypatch.setattr(audit, "run_audit", run_audit)
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "--update-docs"]) == 0
    assert asked == [None]  # every claim
    docs = Path(parser.COMMITTED_DOCS)
    assert parser.COMMITTED_REPORT == str(docs / "audit-report.json")
    assert _files(tmp_path) == sorted(
        [str(docs / n) for n in ("audit.md", "audit-report.json", "claims.md")]
        + [str(docs / "claims" / f"{c}.md") for c in REGISTRY]
    )
    saved = json.loads((tmp_path / parser.COMMITTED_REPORT).read_text())
    assert [r["claim"] for r in saved["results"]] == list(REGISTRY)
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(f"report: {parser.COMMITTED_REPORT}, pages: {parser.COMMITTED_DOCS}/")
    )


@pytest.mark.parametrize(
    "argv,named",
    [
        (["--docs", "d"], "--docs"),
        (["--json", "r.json"], "--json"),
        (["--json", ""], "--json"),
        (["--claims", "K1"], "--claims"),
        (["--claims", "K1", "--docs", ""], "--claims, --docs"),
    ],
)
def test_update_docs_with_a_part_or_another_place_is_refused_before_the_audit(
    argv, named, tmp_path, monkeypatch, capsys, audit_must_not_run
):
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "--update-docs", *argv]) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "--update-docs" in err
        and f"from every claim: not with {named}\n" in err
    )
    assert _files(tmp_path) == []


def test_an_output_folder_that_cannot_be_written_is_refused_before_the_audit(
    tmp_path, capsys, audit_must_not_run
):
    (tmp_path / "file.txt").write_text("a file where the folder would go\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").symlink_to(tmp_path / "out")  # a link to a directory
    cases = {
        str(tmp_path / "file.txt" / "out"): "is not a directory",
        str(tmp_path / "out"): "report.json: is a symbolic link to a directory",
    }
    for folder, reason in cases.items():
        assert main(["audit", "--claims", "K1", "--out", folder]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"--out {folder}:" in err and reason in err, err
    assert not (tmp_path / "file.txt").is_dir() and _files(tmp_path / "out") == []


def test_git_ignores_the_default_folder():
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    found = subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "check-ignore",
            "--no-index",
            f"{parser.AUDIT_FOLDER}/report.json",
        ],
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stderr
