"""Benchmark of the V2 sampler (``vanishing-minima bench``): vectorized versus a per-sample loop.

At each size both samplers draw the same random first layers (same seed), so they must count the
same events; the benchmark checks that and reports throughput (random ``W`` per second) and the
ratio.  Times are the median of ``repeats`` runs of ``time.perf_counter``.  Not a timed test: run it
by hand, on an otherwise idle machine.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from vanishing_minima.numeric.samplers import sample_bad_region_event, sample_bad_region_event_loop

__all__ = ["SIZES", "BenchRow", "run_benchmark"]

#: (N, d0, d1, samples per run) as the numeric issue asks; samples chosen for about 1 s of loop time.
SIZES = ((64, 4, 8, 3000), (256, 8, 16, 300), (1024, 16, 32, 24))


@dataclass(frozen=True)
class BenchRow:
    n: int
    d0: int
    d1: int
    samples: int
    vectorized_per_s: float
    loop_per_s: float
    events: int

    @property
    def ratio(self) -> float:
        return self.vectorized_per_s / self.loop_per_s


def _median_time(run, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def run_benchmark(repeats: int = 3, seed: int = 0, eps: float = 0.1, rho: float = 0.0,
                  sizes=SIZES) -> list[BenchRow]:
    """Run both samplers at each size; raise if they disagree on the event count."""
    rows = []
    for n, d0, d1, samples in sizes:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((d0, n))
        y = rng.integers(0, 2, n).astype(float)
        t_fast, fast = _median_time(
            lambda: sample_bad_region_event(X, y, d1, eps, rho, n_samples=samples, rng=seed + 1), repeats)
        t_loop, slow = _median_time(
            lambda: sample_bad_region_event_loop(X, y, d1, eps, rho, n_samples=samples, rng=seed + 1), repeats)
        if fast.successes != slow.successes:
            raise RuntimeError(f"samplers disagree at N={n}: {fast.successes} vs {slow.successes} events")
        rows.append(BenchRow(n, d0, d1, samples, samples / t_fast, samples / t_loop, fast.successes))
    return rows
