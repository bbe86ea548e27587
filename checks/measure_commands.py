"""The sub-commands that measure outside the audit: ``bench`` (the V2 sampler's throughput) and
``table1`` (E3 on real data, next to the paper's Table 1).

Like every command (:mod:`.commands`), each takes the parsed ``args`` and returns the exit code; bad
input raises :class:`.parser.UsageError` before any work (``--sizes`` is bounded by
:func:`bench_sizes`).
"""

from __future__ import annotations

import argparse
import os

from vanishing_minima import numeric as nm

from . import bench
from .claim_checks.section5 import E3_PAPER_TABLE
from .parser import UsageError
from .table1_data import TABLE1_DATA, load_table1
from .terminal import print_table

__all__ = ["table1_command", "load_table1_for", "bench_sizes", "bench_command"]


def _table1_data(args: argparse.Namespace) -> list[tuple[str, "object", "object", str]]:
    """``(name, X, y, source)`` of each data set asked for; ``source`` is its flag and folder."""
    data = []
    if args.digits:
        X, y = nm.load_digits_binary()
        data.append(("digits (sklearn)", X, y, "--digits"))
    for key, flag, directory in (
        ("mnist", "--mnist", args.mnist),
        ("cifar", "--cifar", args.cifar),
        ("imagenet", "--imagenet", args.imagenet),
    ):
        if directory:
            X, y = load_table1_for(f"{flag} {directory}", key, directory)
            data.append((TABLE1_DATA[key], X, y, f"{flag} {directory}"))
    return data


def load_table1_for(source: str, name: str, folder) -> tuple:
    """:func:`.table1_data.load_table1` for a command: a missing or malformed file (the loaders name it
    and the rule) or a data set larger than memory is a :class:`.parser.UsageError` led by ``source``,
    the flag and folder that asked for it (``table1 --mnist DIR``, ``audit --data mnist=DIR``)."""
    try:
        return load_table1(name, folder)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(f"{source}: {exc}") from None
    except MemoryError:  # within the loaders' caps, more than this machine holds
        raise UsageError(
            f"{source}: not enough memory to load the data set (8 bytes per pixel as float64)"
        ) from None


def table1_command(args: argparse.Namespace) -> int:
    """``vanishing-minima table1``: E3, training MCE at params/N about 1 next to the paper's Table 1.

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
        If no data set is named, or a data file is malformed (the message names the flag and the file).
    """
    import time

    import numpy as np

    if not (args.digits or args.mnist or args.cifar or args.imagenet):
        raise UsageError(
            "name at least one data set: --digits, --mnist DIR, --cifar DIR or --imagenet DIR"
        )
    if args.imagenet and args.limit is None:
        raise UsageError(
            "--imagenet needs --limit N: the 1.28M images do not fit in memory "
            "(scripts/imagenet_table1.py streams the full row)"
        )
    rows = [
        (
            r.data,
            str(r.d0),
            str(r.d1),
            str(r.n),
            "paper",
            f"{r.params_over_n:.3f}",
            f"{100 * r.mce:.1f}%",
            "",
        )
        for r in E3_PAPER_TABLE
    ]
    for name, X, y, source in _table1_data(args):
        rng = np.random.default_rng([args.seed, 1])
        if args.limit is not None and args.limit < X.shape[1]:
            idx = np.sort(rng.choice(X.shape[1], args.limit, replace=False))
            X, y = X[:, idx], y[idx]
        elif isinstance(X, nm.ImageNetFiles):  # every image asked for: read them into one array
            X = X[:, np.arange(X.shape[1])]
        start = time.perf_counter()
        try:  # what the data make the run refuse (e.g. every image equal: nothing to whiten)
            r = nm.e3_point(
                nm.E3Task(X=X, y=y, seed=(args.seed, 2), max_iter=args.max_iter, d1=args.d1)
            )
        except ValueError as exc:
            raise UsageError(f"{source}: {exc}") from None
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
    print_table(rows, ("data", "d0", "d1", "N", "source", "params/N", "training MCE", "run time"))
    return 0


def bench_sizes(text: str | None) -> tuple[tuple[int, int, int, int], ...]:
    """The sizes of ``bench --sizes "N:d0:d1[:samples],..."``, their work bounded before anything runs.

    Parameters
    ----------
    text : str or None
        Sizes ``N:d0:d1[:samples]`` separated by commas, positive integers; ``samples`` defaults to
        about 0.2 s of the loop at that size.  None: :data:`.bench.SIZES`.

    Returns
    -------
    tuple of (int, int, int, int)
        ``(N, d0, d1, samples)`` per size.

    Raises
    ------
    UsageError
        If a size is malformed, too large (``N <= 16384``, ``d0 d1 <= 4096``, ``samples <=``
        :data:`.bench.MAX_SAMPLES`), there are more than :data:`.bench.MAX_SIZES` sizes, or the work
        per repeat exceeds :data:`.bench.MAX_REPEAT_COST`.
    """
    if text is None:
        return bench.SIZES
    items = text.split(",")
    if len(items) > bench.MAX_SIZES:
        raise UsageError(f"--sizes: at most {bench.MAX_SIZES} sizes; got {len(items)}")
    sizes = []
    for item in items:
        fields = item.strip().split(":")
        try:
            values = [int(v) for v in fields]
        except ValueError:
            values = []
        if len(values) not in (3, 4) or min(values) < 1:
            raise UsageError(
                f"--sizes: expected N:d0:d1[:samples] with positive integers; got {item.strip()!r}"
            )
        n, d0, d1 = values[:3]
        samples = values[3] if len(values) == 4 else max(4, int(2e8 / bench.sample_cost(n, d0, d1)))
        if n > 16_384 or d0 * d1 > 4096 or samples > bench.MAX_SAMPLES:
            raise UsageError(
                f"--sizes: {item.strip()!r} is too large (limits: N <= 16384, d0 d1 <= 4096, "
                f"samples <= {bench.MAX_SAMPLES:,})"
            )
        sizes.append((n, d0, d1, samples))
    cost = sum(s * bench.sample_cost(n, d0, d1) for n, d0, d1, s in sizes)
    if cost > bench.MAX_REPEAT_COST:
        worst = max(sizes, key=lambda z: z[3] * bench.sample_cost(*z[:3]))
        raise UsageError(
            f"--sizes: would take about {cost / 1e9:.0f} s or more per repeat, most of it at "
            f"{':'.join(map(str, worst))} (limit: samples x (N (d0 d1)^2 + 1e5) <= "
            f"{bench.MAX_REPEAT_COST:.0e} over all sizes, about a minute)"
        )
    return tuple(sizes)


def bench_command(args: argparse.Namespace) -> int:
    """``vanishing-minima bench``: throughput of the V2 sampler, vectorized against a per-sample loop.

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
        If ``--sizes`` is malformed or asks for more work than :func:`bench_sizes` allows.
    """

    sizes = bench_sizes(args.sizes)
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
        f"{bench.ONE_THREAD_BELOW_P}); load average {load}"
    )
    rows = bench.run_benchmark(repeats=args.repeats, seed=args.seed, sizes=sizes, threads=threads)
    print_table(
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
    print_table(
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
    print_table(
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
