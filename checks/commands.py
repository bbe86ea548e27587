"""The sub-commands of ``vanishing-minima``: one function per sub-command, ``args`` in, exit code out.

:data:`.cli.COMMANDS` maps each sub-command's name to its function (here, in :mod:`.measure_commands`,
or :func:`.claim_index.claims_command`); :func:`.cli.main` parses the command line (:mod:`.parser`) and
imports this module only to run one of them.  A command raises :class:`.parser.UsageError` for bad input
(one line on stderr, exit code 2), naming the flag and the rule, before any work; output paths are
checked before the work too.

``audit`` writes its JSON report and its pages into one folder, ``vanishing-minima-audit/`` by default
(:data:`.parser.AUDIT_FOLDER`, listed in ``.gitignore``), and ends with a summary: the count of each
verdict, what the exit code means and where the files are (:func:`audit_summary`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import sympy as sp

from vanishing_minima.theory import assumptions, claims, derivations, growth

from . import audit, numbers, pages, provenance, report, report_io, table1_data
from .claim_index import resolve_claim_ids
from .measure_commands import load_table1_for
from .parser import COMMITTED_DOCS, COMMITTED_REPORT, UsageError
from .tables import bounds_lines, latex_lines
from .terminal import print_table, terminal_width

__all__ = [
    "audit_command",
    "audit_outputs",
    "audit_summary",
    "bounds_command",
    "claim_details_command",
    "assumptions_command",
    "derive_command",
    "docs_command",
    "seeds_command",
]


def bounds_command(args: argparse.Namespace) -> int:
    """``vanishing-minima bounds``: every bound at one size as a table (``--latex``: as LaTeX statements).

    A size flag not given is :data:`.tables.BOUNDS_DEFAULTS`'s in the table; with ``--latex`` it stays
    a symbol, and the flags given are substituted (``--rho 0``: the ReLU form), each statement labelled
    as the paper's or the toolkit's derivation (:func:`.tables.latex_lines`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    int
        The exit code, 0.
    """
    values = {k: getattr(args, k) for k in ("n", "d0", "d1", "eps", "rho", "d0_over_n")}
    print("\n".join(latex_lines(**values) if args.latex else bounds_lines(**values)))
    return 0


def claim_details_command(args: argparse.Namespace) -> int:
    """``vanishing-minima claims ID ...``: each claim named, in full, as the registry has it.

    Title, reference, kind, statement (LaTeX, on one line, to copy), assumptions, the claims it builds
    on and the functions of :mod:`vanishing_minima.theory.bounds` that evaluate it.  Ids are read in any
    case (:func:`.claim_index.resolve_claim_ids`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`), with ``args.ids``.

    Returns
    -------
    int
        The exit code, 0.

    Raises
    ------
    UsageError
        If an id is unknown (exit code 2), naming the nearest known id.
    """
    for i, cid in enumerate(resolve_claim_ids(args.ids, "claims")):
        c = claims.REGISTRY[cid]
        rows = [
            ("reference", c.reference),
            ("kind", c.kind.value),
            ("statement", c.statement),
            ("assumptions", ", ".join(c.assumptions) or "none"),
            ("builds on", ", ".join(c.depends_on) or "none"),
        ]
        if c.bounds:
            rows.append(("bounds", ", ".join(f"theory.bounds.{name}" for name in c.bounds)))
        print(("\n" if i else "") + f"{c.id}: {c.title}")
        for key, value in rows:
            print(f"  {key:<12} {value}")
    return 0


def _parse_law(text: str, name: str, n: sp.Symbol) -> sp.Expr:
    """A growth law from the command line, by the whitelist parser (no code from input is run)."""
    try:
        return growth.parse_growth_law(text, n, name=f"--{name}")
    except growth.GrowthLawError as exc:
        raise UsageError(str(exc)) from None


def assumptions_command(args: argparse.Namespace) -> int:
    """``vanishing-minima assumptions``: decide A2-A4 for the growth laws ``--d0`` and ``--d1``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    int
        The exit code, 0.

    Raises
    ------
    UsageError
        If a growth law is refused by the whitelist parser or cannot be decided.
    """
    n = sp.Symbol("n", positive=True)
    d0, d1 = _parse_law(args.d0, "d0", n), _parse_law(args.d1, "d1", n)
    try:
        verdicts = assumptions.check(d0, d1, n)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    for v in verdicts.values():
        print(v)
    return 0


def derive_command(args: argparse.Namespace) -> int:
    """``vanishing-minima derive``: run every symbolic derivation and print its steps and findings.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    int
        The exit code: 0 if every derivation holds, else 1.
    """
    failed = 0
    for derive in derivations.ALL_DERIVATIONS:
        d = derive()
        failed += not d.holds
        print(f"[{'holds' if d.holds else 'FAILS'}] {d.claim} {d.name}: {d.statement}")
        for step in d.steps:
            print(f"    - {step}")
        for finding in d.findings:
            print(f"    ! {finding}")
    return 1 if failed else 0


def docs_command(args: argparse.Namespace) -> int:
    """``vanishing-minima docs``: write the static pages of ``docs/`` (``--api DIR``: the HTML API reference).

    In a checkout (``--dir``'s parent holds ``docs/audit-report.json``) it also fills the figures of the
    hand-written pages from the committed reports (:func:`.numbers.fill_pages`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    int
        The exit code, 0.

    Raises
    ------
    UsageError
        If the output folder cannot be written (checked first) or ``--api`` is asked without pdoc.
    """
    if args.api is not None:
        _check_output("--api", args.api, report_io.check_output_dir)
        try:
            index = report.build_api_reference(args.api)
        except ModuleNotFoundError as exc:
            if exc.name != "pdoc":
                raise
            raise UsageError("--api needs pdoc: pip install 'vanishing-minima[docs]'") from None
        print(f"API reference: {index}")
        return 0
    _check_output(
        "--dir",
        args.dir,
        lambda path: report_io.check_output_dir(path, pages.page_folders(), pages.PAGES),
    )
    for path in pages.write_docs(args.dir):
        print(f"wrote {path}")
    root = Path(args.dir).resolve().parent  # a checkout: fill the hand-written pages' figures too
    if (root / numbers.COMMITTED_REPORT).is_file():
        _fill_figures(root)
    return 0


def _fill_figures(root: Path) -> None:
    """Fill the hand-written pages' markers under ``root``; a marker the reports cannot fill is exit 2."""
    try:
        written = numbers.fill_pages(root)
    except (KeyError, ValueError) as exc:
        raise UsageError(f"figures of the hand-written pages: {exc}") from None
    for path in written:
        print(f"filled the figures of {path}")


def _claim_ids(text: str | None) -> list[str] | None:
    """``--claims``: ids split on commas, blanks dropped, in any case, each id once (first-seen order);
    None for all."""
    if text is None:
        return None
    ids = [c.strip() for c in text.split(",") if c.strip()]
    if not ids:
        raise UsageError(
            f"--claims names no claim (got {text[:40]!r}); give ids such as T8,L2, or leave "
            "--claims out to run every claim"
        )
    return resolve_claim_ids(ids, "--claims")


def _check_output(flag: str, path: str, check: Callable[[str], object]) -> None:
    """Run a pre-check of an output path; its OSError becomes a usage error naming the flag and the reason."""
    try:
        check(path)
    except OSError as exc:
        raise UsageError(f"{flag} {path}: {exc.strerror or exc}") from None


def _data_sets(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``--data`` as a mapping, each data set read once before the audit starts (a missing or malformed
    file is refused now, naming it, not after the other checks have run)."""
    data: dict[str, str] = {}
    for name, folder in pairs:
        if name not in table1_data.TABLE1_DATA:
            raise UsageError(
                f"--data: expected NAME=DIR with NAME one of {', '.join(sorted(table1_data.TABLE1_DATA))}; "
                f"got {name}={folder}"
            )
        if name in data:
            raise UsageError(f"--data {name}: given twice ({data[name]} and {folder})")
        try:  # the folder is named on E3's page and in the report, which are UTF-8
            folder.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(
                f"--data {name}={os.fsencode(folder).decode('utf-8', 'backslashreplace')}: the folder's "
                "name is not valid UTF-8 (the report names it); rename it or link it under another name"
            ) from None
        try:
            checked = table1_data.table1_data_folders({name: folder})[0][1]
        except ValueError as exc:
            raise UsageError(f"--data {name}={folder}: {exc}") from None
        load_table1_for(f"--data {name}={folder}", name, checked)
        data[name] = folder
    return data


def audit_outputs(args: argparse.Namespace) -> tuple[str, str]:
    """Where ``audit`` writes: the JSON report's path and the pages' folder (``""``: not written).

    By default both go into one folder, ``args.out`` (:data:`.parser.AUDIT_FOLDER`, which git ignores):
    ``OUT/report.json`` and the pages in ``OUT/``.  ``--json PATH`` and ``--docs DIR`` replace either
    (``''``: none).  ``--update-docs`` writes the committed pages (``docs/``) and the committed report
    (``docs/audit-report.json``, which the hand-written pages' figures are filled from), from every
    claim: it is refused with ``--claims``, ``--json`` or ``--docs``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``out``, ``json``, ``docs``, ``update_docs``, ``claims``).

    Returns
    -------
    tuple of str
        ``(report, pages)``.

    Raises
    ------
    UsageError
        If ``--update-docs`` comes with ``--claims``, ``--json`` or ``--docs``.
    """
    if args.update_docs:
        given = [
            flag
            for flag, value in (
                ("--claims", args.claims),
                ("--json", args.json),
                ("--docs", args.docs),
            )
            if value is not None
        ]
        if given:
            raise UsageError(
                f"--update-docs writes the committed pages ({COMMITTED_DOCS}/) and report "
                f"({COMMITTED_REPORT}) from every claim: not with {', '.join(given)}"
            )
        return COMMITTED_REPORT, COMMITTED_DOCS
    json_path = os.path.join(args.out, "report.json") if args.json is None else args.json
    return json_path, args.out if args.docs is None else args.docs


#: The verdicts in the order of the summary line: what holds, what does not decide, what failed.
_SUMMARY_ORDER = (
    audit.Verdict.PROVED,
    audit.Verdict.DERIVED,
    audit.Verdict.CONSISTENT,
    audit.Verdict.PARTIAL,
    audit.Verdict.INCONCLUSIVE,
    audit.Verdict.NOT_CHECKABLE,
    audit.Verdict.PENDING,
    audit.Verdict.INCONSISTENT,
)


def audit_summary(results: list[audit.CheckResult], report_path: str, pages_dir: str) -> list[str]:
    """The two lines that end ``audit``: the count of each verdict, then what the exit code means and
    where the report and the pages are.

    Parameters
    ----------
    results : list of CheckResult
        The audit's results.
    report_path, pages_dir : str
        Where the JSON report and the pages were written (``""``: not written).

    Returns
    -------
    list of str
        E.g. ``== 33 claims: 1 proved, 3 derived, 19 consistent, 1 inconclusive, 8 not checkable,
        1 inconsistent ==`` and ``exit code 1: a claim did not reproduce (E2); report:
        vanishing-minima-audit/report.json, pages: vanishing-minima-audit/``.  Verdicts no claim got
        are left out; the exit code is :func:`.audit.exit_code`'s.

    Examples
    --------
    >>> from vanishing_minima.checks.core import CheckResult
    >>> lines = audit_summary([CheckResult("K1", "proved", "", "")], "r.json", "")
    >>> print("\\n".join(lines))
    == 1 claim: 1 proved ==
    exit code 0: no claim is inconsistent; report: r.json, no pages (--docs '')
    """
    counts = Counter(str(r.verdict) for r in results)
    order = [str(v) for v in _SUMMARY_ORDER]
    order += sorted(set(counts) - set(order))  # a verdict added later still counts
    tally = ", ".join(f"{counts[v]} {v}" for v in order if counts[v])
    claims_word = "claim" if len(results) == 1 else "claims"
    head = f"== {len(results)} {claims_word}: {tally or 'none run'} =="
    failed = [r.claim for r in results if r.verdict == audit.Verdict.INCONSISTENT]
    code = audit.exit_code(results)
    if code:
        who = "a claim" if len(failed) == 1 else f"{len(failed)} claims"
        meaning = f"exit code {code}: {who} did not reproduce ({', '.join(failed)})"
    else:
        meaning = f"exit code {code}: no claim is inconsistent"
    where = [
        f"report: {report_path}" if report_path else "no report (--json '')",
        f"pages: {pages_dir.rstrip('/')}/" if pages_dir else "no pages (--docs '')",
    ]
    return [head, f"{meaning}; {', '.join(where)}"]


def audit_command(args: argparse.Namespace) -> int:
    """``vanishing-minima audit``: run the checks, print the verdict table and the summary, write the JSON
    report and the pages (by default both into ``vanishing-minima-audit/``; :func:`audit_outputs`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    int
        The exit code of :func:`.audit.exit_code`: 1 if a verdict is inconsistent, else 0.

    Raises
    ------
    UsageError
        If ``--claims`` names no claim or an unknown one, an output path cannot be written,
        ``--update-docs`` comes with ``--claims``, ``--json`` or ``--docs``, or a ``--data`` name is
        unknown, its folder is missing, holds a missing or malformed file, or is given twice (all
        checked before the audit runs).
    """
    from tqdm import tqdm

    budget = audit.Budget(args.budget)
    ids = _claim_ids(args.claims)
    json_path, docs = audit_outputs(args)
    # where the results go is checked before the work, not after it
    report_dir = "" if args.json is not None else os.path.dirname(json_path)  # may not exist yet
    if report_dir:
        _check_output(
            "--update-docs" if args.update_docs else "--out",
            report_dir,
            lambda path: report_io.check_output_dir(path, (), (os.path.basename(json_path),)),
        )
    elif json_path:
        _check_output("--json", json_path, report_io.check_output_file)
    if docs:
        flag = "--update-docs" if args.update_docs else "--out" if args.docs is None else "--docs"
        names = (*pages.PAGES, "audit.md", *(f"claims/{c}.md" for c in ids or claims.REGISTRY))
        folders = ("claims", *pages.page_folders())
        _check_output(flag, docs, lambda path: report_io.check_output_dir(path, folders, names))
    data = _data_sets(args.data)
    cpus = os.cpu_count() or 1
    if args.workers is not None and args.workers > cpus:
        print(
            f"vanishing-minima: --workers {args.workers} capped at {cpus} (the number of CPUs)",
            file=sys.stderr,
        )
    total = len(ids) if ids else len(claims.REGISTRY)
    settings = {"budget": budget.value, "seed": args.seed}
    if ids:
        settings["claims"] = ",".join(ids)
    if data:
        settings["data"] = ",".join(sorted(data))
    prov = provenance.collect(**settings)
    started = time.perf_counter()
    with tqdm(total=total, desc="audit", unit="claim", file=sys.stderr, disable=None) as bar:

        def progress(cid: str) -> None:
            bar.set_postfix_str(cid)
            bar.update(1)

        results = audit.run_audit(
            ids, budget=budget, seed=args.seed, progress=progress, workers=args.workers, data=data
        )
    rows = [(r.claim, r.kind, r.verdict, r.key_figure) for r in results]
    print_table(
        rows, ("claim", "kind", "verdict", "key figure"), terminal_width()
    )  # full text: the JSON
    if json_path:  # every file is written whole or not at all (the previous one stays on failure)
        if report_dir:
            os.makedirs(report_dir, exist_ok=True)
        report_io.write_text_atomic(
            json_path,
            audit.report_json(results, budget, args.seed, prov, time.perf_counter() - started),
        )
    if docs:
        report.write_audit_docs(docs, results, budget, args.seed, prov)
    if args.update_docs:  # the hand-written pages' figures, from the report just written
        _fill_figures(Path(COMMITTED_DOCS).resolve().parent)
    print("\n" + "\n".join(audit_summary(results, json_path, docs)))
    return audit.exit_code(results)


def seeds_command(args: argparse.Namespace) -> int:
    """``vanishing-minima seeds``: run the test suite once per ``--vm-seed`` value, from ``--start`` on.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (:func:`.parser.build_parser`).

    Returns
    -------
    int
        The exit code: 0 if every seed passed, else 1.
    """
    import subprocess

    failed = []
    for seed in range(args.start, args.start + args.count):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--run-audit",
                "--vm-seed",
                str(seed),
            ],
            capture_output=True,
            text=True,
        )
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()
        print(f"seed {seed}: {last}", flush=True)
        if proc.returncode != 0:
            failed.append(seed)
    print(
        f"{args.count - len(failed)} of {args.count} seeds passed"
        + (f"; failed: {failed}" if failed else "")
    )
    return 1 if failed else 0
