"""Benchmark of the V2 sampler (``vanishing-minima bench``): vectorized versus a per-sample loop.

At each size both samplers draw the same random first layers (same seed), so they must count the
same events; the benchmark checks that and reports throughput (random ``W`` per second) and the
ratio.  Times are the median of ``repeats`` runs of ``time.perf_counter``.  Not a timed test: run it
by hand, on an otherwise idle machine.

Also measured in the same run: the time per ``W`` of each stage of the certified residual (statistics
of :func:`vanishing_minima.numeric.lstsq.collect_stats`), the fraction of patterns that fell back to
Householder QR or the SVD, the machine's float64 matrix-multiply rate (GEMM of the Gram product's
size, with one BLAS thread and with the default threads the samplers use), and the flop rate achieved
by the dominant factorization (Gram matrix and Cholesky) against it.
"""

from __future__ import annotations

import statistics
import time
import timeit
from dataclasses import dataclass, field

import numpy as np

from vanishing_minima.numeric import lstsq
from vanishing_minima.numeric.samplers import sample_bad_region_event, sample_bad_region_event_loop

__all__ = [
    "SIZES",
    "MAX_SIZES",
    "MAX_SAMPLES",
    "MAX_REPEAT_COST",
    "sample_cost",
    "BenchRow",
    "GemmRate",
    "run_benchmark",
    "gemm_rate",
    "blas_threads",
    "factorization_flops",
    "ONE_THREAD_BELOW_P",
]

#: (N, d0, d1, samples per run) as the numeric issue asks; samples chosen for about 1 s of loop time.
SIZES = ((64, 4, 8, 3000), (256, 8, 16, 300), (1024, 16, 32, 24))

#: Limits of ``vanishing-minima bench --sizes`` (checked before any work): at most MAX_SIZES sizes, at most
#: MAX_SAMPLES samples per size, and at most MAX_REPEAT_COST in :func:`sample_cost` units per repeat over all
#: sizes (about a minute: the loop sampler runs 0.5e9 to 2.7e9 units per second, measured at the three
#: default sizes and at N = 2 and 16).
MAX_SIZES = 10
MAX_SAMPLES = 1_000_000
MAX_REPEAT_COST = 6e10


def sample_cost(n: int, d0: int, d1: int) -> float:
    """Cost of one sample of the per-sample loop, in units of about a nanosecond: its least-squares solve,
    :math:`N (d_0 d_1)^2`, plus a fixed 1e5 (Python and small arrays, which dominate at tiny sizes)."""
    return n * float(d0 * d1) ** 2 + 1e5


#: Seconds one GEMM timing aims at, and the most products one timing may run (tiny sizes: a product of
#: a microsecond would otherwise be repeated 50,000 times per timing).
GEMM_TIMING_SECONDS = 0.05
GEMM_MAX_CALLS = 10_000

#: ``d0 d1`` below which the certified residual runs its products on one BLAS thread (numeric/lstsq/).
ONE_THREAD_BELOW_P = lstsq.ONE_THREAD_BELOW_P

#: Stages of the certified residual, in pipeline order (see numeric/lstsq/).
STAGES = ("scale", "gram", "factor", "solve", "certify", "reduce", "fallback_qr", "fallback_svd")


@dataclass(frozen=True)
class BenchRow:
    n: int
    d0: int
    d1: int
    samples: int
    vectorized_per_s: float
    loop_per_s: float
    events: int
    #: microseconds per W in each stage of the residual (mean over the repeats), and the rest
    #: (patterns, MCE, Python) under "other"
    stage_us: dict = field(default_factory=dict)
    #: fraction of patterns the fast path did not certify (recomputed by QR or the SVD)
    fallback_fraction: float = 0.0
    #: fraction certified through a K3 reduction (structural rank loss)
    reduced_fraction: float = 0.0
    #: GEMM rate (p x N by N x p, GFLOP/s) measured between the vectorized runs, with the samplers'
    #: BLAS threads (median), and that thread count
    gemm_gflops: float = float("nan")
    gemm_threads: int = 0

    @property
    def ratio(self) -> float:
        return self.vectorized_per_s / self.loop_per_s

    @property
    def factorization_s(self) -> float:
        """Seconds per W in the dominant factorization: Gram matrix and Cholesky."""
        return (self.stage_us.get("gram", 0.0) + self.stage_us.get("factor", 0.0)) * 1e-6


@dataclass(frozen=True)
class GemmRate:
    """Float64 GEMM rate of an (m x k) by (k x n) product, median of repeats, in GFLOP/s."""

    m: int
    k: int
    n: int
    threads: int
    gflops: float


def factorization_flops(n: int, d0: int, d1: int) -> tuple[float, float]:
    """(nominal, executed) flops of the Gram matrix plus Cholesky factorization for one pattern.

    Nominal: :math:`Np^2 + p^3/3` (a symmetric rank-N update and the Cholesky factorization,
    :math:`p = d_0d_1`).  Executed by K1's product: :math:`2N\\,\\tfrac{d_1(d_1+1)}2\\tfrac{d_0(d_0+1)}2 + p^3/3`
    (the row products against the symmetric products of X's rows), about half the nominal count."""
    p = d0 * d1
    chol = p**3 / 3
    return n * p**2 + chol, 2 * n * (d1 * (d1 + 1) // 2) * (d0 * (d0 + 1) // 2) + chol


def blas_threads() -> int:
    """Threads of the BLAS the samplers use (threadpoolctl; 1 if unknown)."""
    from threadpoolctl import threadpool_info

    counts = [
        int(info.get("num_threads", 1))
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return max(counts) if counts else 1


def gemm_rate(
    m: int, k: int, n: int, *, threads: int | None = None, repeats: int = 5, seed: int = 0
) -> GemmRate:
    """Measure float64 GEMM at (m, k) x (k, n): median over ``repeats`` of ``2mkn / time``.

    ``threads``: BLAS threads (``None``: the default, what the samplers use).  Each timing runs the
    product as many times as fit in about :data:`GEMM_TIMING_SECONDS` by the warm-up call's time, at
    least once and at most :data:`GEMM_MAX_CALLS` times (``timeit``)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    out = np.empty((m, n))
    timer = timeit.Timer(lambda: np.matmul(a, b, out=out))
    with threadpool_limits(limits=threads, user_api="blas"):
        used = blas_threads()
        once = timer.timeit(1)  # warm up, and the time of one product
        calls = int(min(GEMM_MAX_CALLS, max(1.0, GEMM_TIMING_SECONDS / max(once, 1e-9))))
        times = [t / calls for t in timer.repeat(repeat=repeats, number=calls)]
    return GemmRate(m, k, n, used, 2.0 * m * k * n / statistics.median(times) / 1e9)


def _median_time(run, repeats: int, between=None) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        if between is not None:
            between()
        t = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def run_benchmark(
    repeats: int = 3,
    seed: int = 0,
    eps: float = 0.1,
    rho: float = 0.0,
    sizes=SIZES,
    threads: int | None = 1,
) -> list[BenchRow]:
    """Run both samplers at each size; raise if they disagree on the event count.

    ``threads``: BLAS threads for both samplers (``None``: the library default).  The default is one,
    the audit's setting (``sweeps.one_blas_thread``): on a shared 2-core machine a second thread makes
    both samplers erratic (measured: the loop 10x slower at (256, 8, 16) with the other core busy)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        return [
            _bench_size(n, d0, d1, samples, repeats, seed, eps, rho) for n, d0, d1, samples in sizes
        ]


def _bench_size(
    n: int, d0: int, d1: int, samples: int, repeats: int, seed: int, eps: float, rho: float
) -> BenchRow:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    y = rng.integers(0, 2, n).astype(float)
    p = d0 * d1
    gemms: list[GemmRate] = []
    with lstsq.collect_stats() as stats:
        t_fast, fast = _median_time(
            lambda: sample_bad_region_event(X, y, d1, eps, rho, n_samples=samples, rng=seed + 1),
            repeats,
            between=lambda: gemms.append(gemm_rate(p, n, p, repeats=1)),
        )
    t_loop, slow = _median_time(
        lambda: sample_bad_region_event_loop(X, y, d1, eps, rho, n_samples=samples, rng=seed + 1),
        repeats,
    )
    if fast.successes != slow.successes:
        raise RuntimeError(
            f"samplers disagree at N={n}: {fast.successes} vs {slow.successes} events"
        )
    per_w = 1e6 / (repeats * samples)
    stage_us = {s: stats.times.get(s, 0.0) * per_w for s in STAGES}
    stage_us["other"] = max(0.0, t_fast / samples * 1e6 - sum(stage_us.values()))
    return BenchRow(
        n,
        d0,
        d1,
        samples,
        samples / t_fast,
        samples / t_loop,
        fast.successes,
        stage_us,
        stats.fallback_fraction,
        stats.reduced / stats.patterns if stats.patterns else 0.0,
        statistics.median(g.gflops for g in gemms),
        gemms[0].threads,
    )
