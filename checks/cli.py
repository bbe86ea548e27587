"""The ``vanishing-minima`` command.

Sub-commands
------------
``audit``        the theorem audit: a verdict per claim, a JSON report, the docs (the main job)
``bounds``       every bound of :mod:`vanishing_minima.theory.bounds` at one size (``--latex``: their LaTeX)
``claims``       the claim registry: id, kind, reference, title
``assumptions``  decide A2-A4 for growth laws, e.g. ``--d0 'n**(3/4)' --d1 'n**(1/3)'``
``derive``       run the symbolic derivations and print their steps
``docs``         regenerate the generated pages of ``docs/`` (``--api DIR``: the HTML API reference, pdoc)
``table1``       E3: training MCE at params/N about 1 on digits, or MNIST / CIFAR-10 from your files
``bench``        throughput of the V2 sampler, vectorized versus a per-sample loop
``seeds``        run the test suite for consecutive ``--vm-seed`` values (from a clone of the repository)

Exit codes: 0 success, 1 an ``inconsistent`` verdict (audit) or a derivation that does not hold
(derive), 2 usage, input or file errors (one line on stderr), 3 an internal error (a check that raises,
whatever the exception, with its traceback), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM),
141 the output pipe closed (``| head``).

What is refused, and why, is listed in the README ("What the command refuses"): growth laws outside a
whitelist (no code from input is run), numeric flags out of range (each named), work a flag would blow
up, and output paths that cannot be written (checked before the audit runs; files are replaced
atomically, so a failed run leaves the previous report).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import sys
import textwrap
from pathlib import Path
from typing import Callable, Sequence

import mpmath
import sympy as sp

from vanishing_minima import numeric as nm
from vanishing_minima.numeric import lstsq
from vanishing_minima.theory import assumptions, bounds, claims, derivations, growth

from . import audit, bench, report, report_io

__all__ = ["main", "bounds_table", "table_lines", "terminal_width", "latex_lines", "DEFAULT_WIDTH"]


class _UsageError(Exception):
    """Bad input from the command line: one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints usage too)
        raise _UsageError(message)


def _value(log_value: float) -> str:
    """exp(log_value) written out, also where a double underflows (mpmath has no exponent limit); as a
    power of ten once the exponent itself has more digits than a double resolves."""
    log_value = mpmath.mpf(log_value)
    if abs(log_value) >= 1e15:
        return f"10^{_num(log_value / mpmath.log(10))}"
    return mpmath.nstr(mpmath.exp(log_value), 4)


def _num(x: "mpmath.mpf | float") -> str:
    """Six significant digits, as ``%.6g`` where a double holds the value."""
    return f"{float(x):.6g}" if abs(x) < 1e300 else mpmath.nstr(x, 6)


def bounds_table(
    n: float, d0: float, d1: float, eps: float, rho: float, d0_over_n: float | None = None
) -> list[tuple[str, str, str, str]]:
    """Rows (quantity, reference, log value, value) of every bound at one size.

    ``d0_over_n`` defaults to ``d0 / n``, the finite-size stand-in for :math:`\\lim d_0/N`.  The bounds are
    evaluated on their mpmath backend (no overflow at any size), Cover's count in log space
    (:func:`~vanishing_minima.theory.bounds.log_cover_count`), so the table takes well under a second at
    every size up to ``1e300``.
    """
    mp = mpmath.mpf
    N, D0, D1, EPS, RHO = mp(n), mp(d0), mp(d1), mp(eps), mp(rho)
    c = D0 / N if d0_over_n is None else mp(d0_over_n)
    delta = bounds.theorem9_delta(N, D0)
    g = bounds.gamma_eps(EPS, RHO, c)
    t6 = bounds.theorem6_log_bound(N, D0, D1, EPS, RHO, c)
    t9 = bounds.theorem9_log_bound(N, D0, 2 * N / D0)
    t10 = bounds.theorem10_log_bound(N, D0, D1, EPS, RHO, c)
    rows = [("gamma_eps", "Definition 5", "", _num(g))]
    if float(n).is_integer() and float(d0).is_integer():
        ni, d0i = int(n), int(d0)
        if d0i >= 2:
            rows.append(
                ("d1_star = 4 ceil(N/(2 d0 - 2))", "Theorem 8", "", str(bounds.d1_star(ni, d0i)))
            )
        log_cover = bounds.log_cover_count(
            ni, d0i
        )  # in log space: the exact sum has up to d0 terms
        rows.append(
            (
                "C(N, d0), sign patterns of one neuron",
                "G2 (Cover)",
                _num(log_cover),
                _value(log_cover),
            )
        )
        rows.append(
            (
                "2^N, all patterns of one neuron",
                "D1",
                _num(ni * math.log(2)),
                _value(ni * math.log(2)),
            )
        )
    rows += [
        ("delta (failure probability)", "Theorem 9", "", _num(delta)),
        ("E V(L_eps) <=. exp(-gamma N^3/4 (d0 d1)^1/4)", "Theorem 6", _num(t6), _value(t6)),
        ("V(G) >=. exp(-d1* d0 log N), d1* = 2N/d0", "Theorem 9", _num(t9), _value(t9)),
        ("V(L_eps)/V(G) <=. exp(T6 - T9)", "Theorem 10", _num(t10), _value(t10)),
    ]
    if 0 < delta < 1:
        c7 = bounds.corollary7_log_bound(N, D0, D1, EPS, RHO, c, delta)
        rows.append(
            ("V(L_eps) <=. exp(T6)/delta w.p. 1 - delta", "Corollary 7", _num(c7), _value(c7))
        )
    return rows


#: Width of the terminal when it cannot be asked (output to a pipe or a file, no ``COLUMNS``).
DEFAULT_WIDTH = 100
#: Narrowest the wrapped last column gets, however many characters the other columns take.
_MIN_LAST = 24


def terminal_width() -> int:
    """Columns of the terminal: ``COLUMNS`` if set, else the terminal's, else :data:`DEFAULT_WIDTH`."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def table_lines(
    rows: Sequence[Sequence[str]], header: Sequence[str], width: int | None = None
) -> list[str]:
    """A plain-text table, columns separated by two spaces; the last column wrapped to fit ``width``.

    Parameters
    ----------
    rows : sequence of sequences of str
        The cells, one sequence per row, as many cells as ``header``.
    header : sequence of str
        Column titles.
    width : int or None
        Line width to fit; None: no limit (the last column is never wrapped).  The other columns are
        never wrapped: if they alone take more than ``width`` minus 24 characters, the last column is
        wrapped at 24 characters and the lines are wider than ``width``.

    Returns
    -------
    list of str
        The lines, without trailing blanks: header, rule, then each row (a wrapped row on several
        lines, its continuation indented to the last column).

    Examples
    --------
    >>> for line in table_lines([("K1", "a key figure that is long enough to wrap")], ("id", "key figure"), width=30):
    ...     print(line)
    id  key figure
    --  --------------------------
    K1  a key figure that is long
        enough to wrap
    """
    header = [str(h) for h in header]
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if width is not None and len(header) > 1:
        lead = sum(widths[:-1]) + 2 * (len(widths) - 1)
        widths[-1] = min(widths[-1], max(width - lead, _MIN_LAST))
    indent = sum(widths[:-1]) + 2 * (len(widths) - 1)

    def render(cells: Sequence[str]) -> list[str]:
        last = textwrap.wrap(
            cells[-1], widths[-1], break_long_words=True, break_on_hyphens=False
        ) or [""]
        first = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths[:-1]))
        lines = [(first + "  " if len(cells) > 1 else "") + last[0]]
        lines += [" " * indent + more for more in last[1:]]
        return [line.rstrip() for line in lines]

    out = render(header) + render(["-" * w for w in widths])
    for r in rows:
        out += render(r)
    return out


def _print_table(
    rows: Sequence[Sequence[str]], header: Sequence[str], width: int | None = None
) -> None:
    for line in table_lines(rows, header, width):
        print(line)


def latex_lines() -> list[str]:
    """Every bound's LaTeX, as ``bounds --latex`` prints it: a ``%`` comment naming the function and its
    reference, then ``sympy.latex`` of the shipped expression (the one the function evaluates)."""
    out = []
    for f in bounds.ALL_BOUNDS:
        out += [f"% {f.__name__} ({f.reference})", report.bound_latex(f), ""]
    return out[:-1]


def _cmd_bounds(args: argparse.Namespace) -> int:
    if args.latex:
        print("\n".join(latex_lines()))
        return 0
    rows = bounds_table(args.n, args.d0, args.d1, args.eps, args.rho, args.d0_over_n)
    c = args.d0 / args.n if args.d0_over_n is None else args.d0_over_n
    print(
        f"Bounds at N={args.n:g}, d0={args.d0:g}, d1={args.d1:g}, eps={args.eps:g}, rho={args.rho:g}, "
        f"lim d0/N taken as {c:g}{' (d0/N at this size)' if args.d0_over_n is None else ''}"
    )
    print(
        "Natural logs. The theorems are leading-order (<=.) statements: these are the leading-order"
    )
    print("expressions evaluated at one size, not finite-N guarantees.\n")
    _print_table(rows, ("quantity", "reference", "log", "value"))
    n, product = mpmath.mpf(args.n), mpmath.mpf(args.d0) * mpmath.mpf(args.d1)
    a4 = n * mpmath.log(n) ** 4
    t10 = bounds.theorem10_log_bound(
        n,
        mpmath.mpf(args.d0),
        mpmath.mpf(args.d1),
        mpmath.mpf(args.eps),
        mpmath.mpf(args.rho),
        mpmath.mpf(c),
    )
    print(
        f"\nA4 at this size: d0 d1 = {mpmath.nstr(product, 4)} vs N log^4 N = {mpmath.nstr(a4, 4)} "
        f"({'above' if product > a4 else 'below'}); Theorem 10's composed exponent is "
        f"{'negative (informative)' if t10 < 0 else 'non-negative (vacuous at this size)'}."
    )
    return 0


def _cmd_claims(args: argparse.Namespace) -> int:
    rows = [(c.id, c.kind.value, c.reference, c.title) for c in claims.REGISTRY.values()]
    _print_table(rows, ("id", "kind", "reference", "title"), terminal_width())
    return 0


def _parse_law(text: str, name: str, n: sp.Symbol) -> sp.Expr:
    """A growth law from the command line, by the whitelist parser (no code from input is run)."""
    try:
        return growth.parse_growth_law(text, n, name=f"--{name}")
    except growth.GrowthLawError as exc:
        raise _UsageError(str(exc)) from None


def _cmd_assumptions(args: argparse.Namespace) -> int:
    n = sp.Symbol("n", positive=True)
    d0, d1 = _parse_law(args.d0, "d0", n), _parse_law(args.d1, "d1", n)
    try:
        verdicts = assumptions.check(d0, d1, n)
    except (ValueError, TypeError) as exc:
        raise _UsageError(str(exc)) from None
    for v in verdicts.values():
        print(v)
    return 0


def _cmd_derive(args: argparse.Namespace) -> int:
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


def _cmd_docs(args: argparse.Namespace) -> int:
    if args.api is not None:
        _check_output("--api", args.api, report_io.check_output_dir)
        try:
            index = report.build_api_reference(args.api)
        except ModuleNotFoundError as exc:
            if exc.name != "pdoc":
                raise
            raise _UsageError("--api needs pdoc: pip install 'vanishing-minima[docs]'") from None
        print(f"API reference: {index}")
        return 0
    _check_output(
        "--dir", args.dir, lambda path: report_io.check_output_dir(path, files=report.PAGES)
    )
    for path in report.write_docs(args.dir):
        print(f"wrote {path}")
    return 0


#: The paper's Table 1 (CLAIMS.md, E3): d0, d1, N, training MCE, params/N.
PAPER_TABLE1 = {
    "MNIST": (784, 89, 70000, 0.0, 0.999),
    "CIFAR-10": (3072, 16, 50000, 0.0, 0.983),
    "ImageNet 64x64": (12288, 105, 1280000, 0.001, 1.008),
}


def _table1_data(args: argparse.Namespace) -> list[tuple[str, "object", "object"]]:
    import numpy as np

    def mnist(directory):
        X, labels = nm.load_mnist(directory, "train")
        try:  # the paper's N = 70000 is train + test; the test split is optional, but checked if there
            Xt, lt = nm.load_mnist(directory, "test")
        except FileNotFoundError:
            return X, labels
        if Xt.shape[0] != X.shape[0]:
            raise ValueError(f"train images have {X.shape[0]} pixels, test images {Xt.shape[0]}")
        return np.concatenate([X, Xt], axis=1), np.concatenate([labels, lt])

    data = []
    if args.digits:
        X, y = nm.load_digits_binary()
        data.append(("digits (sklearn)", X, y))
    for name, flag, directory, load in (
        ("MNIST", "--mnist", args.mnist, mnist),
        ("CIFAR-10", "--cifar", args.cifar, lambda directory: nm.load_cifar10(directory, "train")),
    ):
        if directory:
            try:  # the loaders raise ValueError naming the file and the rule for every malformed file
                X, labels = load(directory)
                data.append((name, X, nm.binary_labels(labels, range(5, 10))))
            except ValueError as exc:
                raise _UsageError(f"{flag} {directory}: {exc}") from None
    return data


def _cmd_table1(args: argparse.Namespace) -> int:
    import time

    import numpy as np

    if not (args.digits or args.mnist or args.cifar):
        raise _UsageError("name at least one data set: --digits, --mnist DIR or --cifar DIR")
    rows = [
        (name, str(d0), str(d1), str(n), "paper", f"{p:.3f}", f"{100 * m:.1f}%", "")
        for name, (d0, d1, n, m, p) in PAPER_TABLE1.items()
    ]
    for name, X, y in _table1_data(args):
        rng = np.random.default_rng([args.seed, 1])
        if args.limit is not None and args.limit < X.shape[1]:
            idx = np.sort(rng.choice(X.shape[1], args.limit, replace=False))
            X, y = X[:, idx], y[idx]
        start = time.perf_counter()
        r = nm.e3_point(
            {"X": X, "y": y, "seed": [args.seed, 2], "max_iter": args.max_iter, "d1": args.d1}
        )
        rows.append(
            (
                name,
                str(r.d0),
                str(r.d1),
                str(r.n),
                "ours",
                f"{r.params_over_n:.3f}",
                f"{100 * r.mce:.2f}%",
                f"{time.perf_counter() - start:.0f} s ({r.iterations} it.)",
            )
        )
    _print_table(rows, ("data", "d0", "d1", "N", "source", "params/N", "training MCE", "run time"))
    return 0


def _bench_sizes(text: str | None):
    """--sizes "N:d0:d1[:samples],...": samples default to about 0.2 s of the loop at that size.  The
    work is bounded before anything runs (bench.MAX_SIZES, MAX_SAMPLES, MAX_REPEAT_COST)."""
    if text is None:
        return bench.SIZES
    items = text.split(",")
    if len(items) > bench.MAX_SIZES:
        raise _UsageError(f"--sizes: at most {bench.MAX_SIZES} sizes; got {len(items)}")
    sizes = []
    for item in items:
        fields = item.strip().split(":")
        try:
            values = [int(v) for v in fields]
        except ValueError:
            values = []
        if len(values) not in (3, 4) or min(values) < 1:
            raise _UsageError(
                f"--sizes: expected N:d0:d1[:samples] with positive integers; got {item.strip()!r}"
            )
        n, d0, d1 = values[:3]
        samples = values[3] if len(values) == 4 else max(4, int(2e8 / bench.sample_cost(n, d0, d1)))
        if n > 16_384 or d0 * d1 > 4096 or samples > bench.MAX_SAMPLES:
            raise _UsageError(
                f"--sizes: {item.strip()!r} is too large (limits: N <= 16384, d0 d1 <= 4096, "
                f"samples <= {bench.MAX_SAMPLES:,})"
            )
        sizes.append((n, d0, d1, samples))
    cost = sum(s * bench.sample_cost(n, d0, d1) for n, d0, d1, s in sizes)
    if cost > bench.MAX_REPEAT_COST:
        worst = max(sizes, key=lambda z: z[3] * bench.sample_cost(*z[:3]))
        raise _UsageError(
            f"--sizes: would take about {cost / 1e9:.0f} s or more per repeat, most of it at "
            f"{':'.join(map(str, worst))} (limit: samples x (N (d0 d1)^2 + 1e5) <= "
            f"{bench.MAX_REPEAT_COST:.0e} over all sizes, about a minute)"
        )
    return tuple(sizes)


def _cmd_bench(args: argparse.Namespace) -> int:
    import os

    sizes = _bench_sizes(args.sizes)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    default = bench.blas_threads()
    threads = args.threads or None
    used = (
        f"{args.threads} BLAS thread{'s' if args.threads > 1 else ''}"
        if threads
        else f"the default {default} BLAS threads"
    )
    print(
        f"V2 sampler (eps = 0.1, ReLU), median of {args.repeats} runs; same draws for both samplers, both with "
        f"{used} (machine default {default}; the certified residual itself uses one for d0 d1 < "
        f"{_lstsq_threshold()}); load average {load}"
    )
    rows = bench.run_benchmark(repeats=args.repeats, seed=args.seed, sizes=sizes, threads=threads)
    _print_table(
        [
            (
                f"({r.n}, {r.d0}, {r.d1})",
                str(r.samples),
                f"{r.vectorized_per_s:.1f}",
                f"{r.loop_per_s:.1f}",
                f"{r.ratio:.2f}x",
                str(r.events),
                f"{100 * r.fallback_fraction:.2f}%",
                f"{100 * r.reduced_fraction:.2f}%",
            )
            for r in rows
        ],
        (
            "(N, d0, d1)",
            "W drawn",
            "vectorized W/s",
            "loop W/s",
            "ratio",
            "events",
            "fallback",
            "K3-reduced",
        ),
    )
    print(
        "\nTime per W in the vectorized sampler, microseconds (residual stages; other = patterns, MCE, Python)"
    )
    stages = [s for s in (*bench.STAGES, "other") if any(r.stage_us.get(s, 0.0) > 0 for r in rows)]
    _print_table(
        [
            (
                f"({r.n}, {r.d0}, {r.d1})",
                *(f"{r.stage_us.get(s, 0.0):.1f}" for s in stages),
                f"{1e6 / r.vectorized_per_s:.1f}",
            )
            for r in rows
        ],
        ("(N, d0, d1)", *stages, "total"),
    )
    print(
        "\nDominant factorization (Gram matrix + Cholesky) against float64 GEMM of the Gram's size (p x N by N x p)"
    )
    out = []
    for r in rows:
        p = r.d0 * r.d1
        nominal, executed = bench.factorization_flops(r.n, r.d0, r.d1)
        one = bench.gemm_rate(p, r.n, p, threads=1)
        dflt = bench.gemm_rate(p, r.n, p)
        secs = r.factorization_s
        rate = (lambda f: f / secs / 1e9) if secs > 0 else (lambda f: float("nan"))  # noqa: E731
        out.append(
            (
                f"({r.n}, {r.d0}, {r.d1})",
                f"{one.gflops:.1f}",
                f"{dflt.gflops:.1f} ({dflt.threads})",
                f"{r.gemm_gflops:.1f} ({r.gemm_threads})",
                f"{1e6 * secs:.1f}",
                f"{rate(nominal):.1f}",
                f"{rate(executed):.1f}",
                f"{rate(nominal) / r.gemm_gflops:.2f}",
                f"{rate(executed) / r.gemm_gflops:.2f}",
            )
        )
    _print_table(
        out,
        (
            "(N, d0, d1)",
            "GEMM 1 thread",
            "GEMM default",
            "GEMM in the run",
            "factorization us/W",
            "GF/s nominal",
            "GF/s executed",
            "nominal/GEMM",
            "executed/GEMM",
        ),
    )
    print(
        "GF/s: median of 5 (1 thread, default threads: after the runs) or of one per repeat, just before each "
        "vectorized run with the samplers' threads (in the run; the ratios use it). Flops per W: nominal "
        "N p^2 + p^3/3 (a symmetric rank-N update and Cholesky); executed, K1's product "
        "2N d1(d1+1)/2 d0(d0+1)/2 + p^3/3, about half"
    )
    return 0


def _claim_ids(text: str | None) -> list[str] | None:
    """``--claims``: ids split on commas, blanks dropped, each id once (first-seen order); None for all."""
    if text is None:
        return None
    ids = list(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    if not ids:
        raise _UsageError(
            f"--claims names no claim (got {text[:40]!r}); give ids such as T8,L2, or leave "
            "--claims out to run every claim"
        )
    unknown = [c for c in ids if c not in claims.REGISTRY]
    if unknown:
        raise _UsageError(
            f"--claims: unknown claim id(s) {', '.join(unknown)}; known: {', '.join(claims.REGISTRY)}"
        )
    return ids


def _check_output(flag: str, path: str, check: Callable[[str], object]) -> None:
    """Run a pre-check of an output path; its OSError becomes a usage error naming the flag and the reason."""
    try:
        check(path)
    except OSError as exc:
        raise _UsageError(f"{flag} {path}: {exc.strerror or exc}") from None


def _lstsq_threshold() -> int:
    return lstsq.ONE_THREAD_BELOW_P


def _cmd_audit(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    budget = audit.Budget(args.budget)
    ids = _claim_ids(args.claims)
    # where the results go is checked before the work, not after it
    if args.json:
        _check_output("--json", args.json, report_io.check_output_file)
    if args.docs:
        names = (*report.PAGES, "audit.md", *(f"claims/{c}.md" for c in ids or claims.REGISTRY))
        _check_output(
            "--docs", args.docs, lambda path: report_io.check_output_dir(path, ("claims",), names)
        )
    cpus = os.cpu_count() or 1
    if args.workers is not None and args.workers > cpus:
        print(
            f"vanishing-minima: --workers {args.workers} capped at {cpus} (the number of CPUs)",
            file=sys.stderr,
        )
    total = len(ids) if ids else len(claims.REGISTRY)
    with tqdm(total=total, desc="audit", unit="claim", file=sys.stderr, disable=None) as bar:

        def progress(cid: str) -> None:
            bar.set_postfix_str(cid)
            bar.update(1)

        results = audit.run_audit(
            ids, budget=budget, seed=args.seed, progress=progress, workers=args.workers
        )
    rows = [(r.claim, r.kind, r.verdict, r.key_figure) for r in results]
    _print_table(
        rows, ("claim", "kind", "verdict", "key figure"), terminal_width()
    )  # full text: the JSON
    if args.json:  # every file is written whole or not at all (the previous one stays on failure)
        report_io.write_text_atomic(args.json, audit.report_json(results, budget, args.seed))
        print(f"\nJSON report: {args.json}")
    if args.docs:
        written = report.write_audit_docs(args.docs, results, budget, args.seed)
        pages = [p for p in written if p.suffix == ".md"]
        top = sum(p.parent == Path(args.docs) for p in pages)
        print(f"docs: {top} pages in {args.docs}/, {len(pages) - top} in {args.docs}/claims/")
    return audit.exit_code(results)


def _cmd_seeds(args: argparse.Namespace) -> int:
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


# --- argument types: every numeric flag is checked when parsed, the message names the flag -------------
def _int_arg(minimum: int, maximum: int | None = None, why: str = "") -> Callable[[str], int]:
    """An argparse type: an integer in [minimum, maximum]; ``why`` says what a larger value would cost."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text[:40]!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}; got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be <= {maximum} ({why}); got {value}")
        return value

    return parse


def _float_arg(
    minimum: float | None = None, maximum: float | None = None, why: str = ""
) -> Callable[[str], float]:
    """An argparse type: a finite float in [minimum, maximum]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid float value: {text[:40]!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be finite; got {text[:40]!r}")
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum:g}; got {value:g}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be <= {maximum:g} ({why}); got {value:g}")
        return value

    return parse


def _folder_arg(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a folder; got {text!r}")
    return text


_SEED = _int_arg(0)
_SIZE = _float_arg(1.0, 1e300, "Cover's count is computed up to N = 1e300")


def _parser() -> _Parser:
    p = _Parser(
        prog="vanishing-minima", description="Theorem audit of Soudry & Hoffer (arXiv:1702.05777)."
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    au = sub.add_parser("audit", help="the theorem audit (quick budget by default)")
    au.add_argument(
        "--budget",
        choices=[b.value for b in audit.Budget],
        default="quick",
        help="work per check (default quick)",
    )
    au.add_argument("--seed", type=_SEED, default=0, help="seed of every check, >= 0 (default 0)")
    au.add_argument(
        "--workers",
        type=_int_arg(1),
        default=None,
        help="processes for the sweeps (default: all cores; at most the cores; 1: no pool). "
        "Results do not depend on it",
    )
    au.add_argument(
        "--claims", default=None, help="comma-separated claim ids, e.g. T8,L2 (default: all)"
    )
    au.add_argument(
        "--json", default="vanishing-minima-audit.json", help="JSON report path ('' for none)"
    )
    au.add_argument(
        "--docs", default="docs", help="folder for the generated docs ('' for none; default docs)"
    )
    au.set_defaults(func=_cmd_audit)
    b = sub.add_parser("bounds", help="every bound at one size")
    b.add_argument(
        "--n", type=_SIZE, default=10_000, help="number of datapoints N, 1..1e300 (default 10000)"
    )
    b.add_argument(
        "--d0", type=_SIZE, default=100, help="input dimension d0, 1..1e300 (default 100)"
    )
    b.add_argument("--d1", type=_SIZE, default=400, help="hidden width d1, 1..1e300 (default 400)")
    b.add_argument(
        "--eps",
        type=_float_arg(),
        default=0.1,
        help="error threshold epsilon in (0,1) (default 0.1)",
    )
    b.add_argument(
        "--rho", type=_float_arg(), default=0.0, help="LReLU slope, != 1 (default 0: ReLU)"
    )
    b.add_argument(
        "--d0-over-n", type=_float_arg(), default=None, help="lim d0/N in [0,1] (default: d0/N)"
    )
    b.add_argument(
        "--latex",
        action="store_true",
        help="print each bound's LaTeX (sympy.latex of the shipped expression) instead of values",
    )
    b.set_defaults(func=_cmd_bounds)
    sub.add_parser("claims", help="the claim registry").set_defaults(func=_cmd_claims)
    a = sub.add_parser("assumptions", help="decide A2-A4 for growth laws in n")
    a.add_argument("--d0", required=True, help="growth law of d0, e.g. 'n**(3/4)'")
    a.add_argument("--d1", required=True, help="growth law of d1, e.g. 'n**(1/3)'")
    a.set_defaults(func=_cmd_assumptions)
    sub.add_parser("derive", help="run the symbolic derivations").set_defaults(func=_cmd_derive)
    g = sub.add_parser("docs", help="regenerate the generated pages of docs/")
    g.add_argument("--dir", type=_folder_arg, default="docs", help="output folder (default: docs)")
    g.add_argument(
        "--api",
        type=_folder_arg,
        default=None,
        metavar="DIR",
        help="instead, build the HTML API reference (pdoc, from the docstrings) into DIR, "
        "e.g. build/api; needs the docs extra",
    )
    g.set_defaults(func=_cmd_docs)
    h = sub.add_parser("bench", help="throughput of the V2 sampler against a per-sample loop")
    h.add_argument(
        "--repeats",
        type=_int_arg(1, 100, "each repeat runs both samplers at three sizes, a few seconds"),
        default=3,
        help="runs per measurement, 1..100 (median; default 3)",
    )
    h.add_argument("--seed", type=_SEED, default=0, help="seed of data and draws, >= 0 (default 0)")
    h.add_argument(
        "--threads",
        type=_int_arg(0, 1024, "more BLAS threads than cores only oversubscribe"),
        default=1,
        help="BLAS threads for both samplers (default 1, as the audit; 0: the library default)",
    )
    h.add_argument(
        "--sizes",
        default=None,
        help="sizes to run, N:d0:d1[:samples] separated by commas (default 64:4:8:3000,256:8:16:300,1024:16:32:24)",
    )
    h.set_defaults(func=_cmd_bench)
    t1 = sub.add_parser(
        "table1", help="E3 (the paper's Table 1): training MCE at params/N about 1 on real data"
    )
    t1.add_argument("--digits", action="store_true", help="scikit-learn's 8x8 digits (0-4 vs 5-9)")
    t1.add_argument(
        "--mnist", default=None, help="folder with MNIST's IDX files (train, and test if present)"
    )
    t1.add_argument("--cifar", default=None, help="folder with CIFAR-10's python pickle batches")
    t1.add_argument(
        "--limit",
        type=_int_arg(2),
        default=None,
        help="train on this many samples (>= 2) drawn without replacement",
    )
    t1.add_argument(
        "--d1",
        type=_int_arg(
            1,
            10_000,
            "L-BFGS keeps about 20 copies of the d0 x d1 weights: 10,000 x 3072 is already 5 GB",
        ),
        default=None,
        help="hidden width, 1..10000 (default ceil(N/d0))",
    )
    t1.add_argument(
        "--max-iter",
        type=_int_arg(
            1, 1_000_000, "20,000 iterations took 218 s on the digits; a million would take hours"
        ),
        default=20_000,
        help="L-BFGS iterations, 1..1000000 (default 20000)",
    )
    t1.add_argument(
        "--seed", type=_SEED, default=0, help="seed of the subsample and the initialization, >= 0"
    )
    t1.set_defaults(func=_cmd_table1)
    se = sub.add_parser(
        "seeds", help="run the test suite for consecutive --vm-seed values (run in the repository)"
    )
    se.add_argument(
        "--count",
        type=_int_arg(
            1, 1000, "each seed runs the whole test suite, about 90 s: 1000 seeds take a day"
        ),
        default=20,
        help="number of seeds, 1..1000 (default 20)",
    )
    se.add_argument("--start", type=_SEED, default=1, help="first seed, >= 0 (default 1)")
    se.set_defaults(func=_cmd_seeds)
    return p


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the pool is terminated and the command exits cleanly."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    0 success, 1 an inconsistent verdict (audit) or a failing derivation, 2 usage, input or file errors
    (one line on stderr), 3 a check that raised (with its traceback) or another internal error,
    130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 141 the output pipe closed.  Either
    interruption stops the audit's worker processes at once.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave the signals alone
        previous = _NO_HANDLER
    try:
        return _main(argv)
    finally:
        if previous is not _NO_HANDLER:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


_NO_HANDLER = object()


def _main(argv: Sequence[str] | None) -> int:
    import traceback

    try:
        args = _parser().parse_args(argv)
        return args.func(args)
    except KeyboardInterrupt:
        print("vanishing-minima: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("vanishing-minima: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except (
        audit.CheckError
    ) as exc:  # a broken check, whatever it raised: never 2 (usage) or 1 (a finding)
        traceback.print_exception(exc)
        print(f"vanishing-minima: internal error: {_one_line(exc)} (exit code 3)", file=sys.stderr)
        return 3
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as on SIGPIPE
        try:
            os.dup2(
                os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno()
            )  # no second error when Python flushes
        except (OSError, ValueError):
            pass
        return 141
    except (_UsageError, ValueError) as exc:  # invalid sizes, eps, rho, growth laws
        print(f"vanishing-minima: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # missing data files, a report that cannot be written
        what = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
        print(f"vanishing-minima: error: {_one_line(what)}", file=sys.stderr)
        return 2
    except Exception:  # a bug: never exit 1, which means "a claim is inconsistent"
        traceback.print_exc()
        print("vanishing-minima: internal error (exit code 3)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
