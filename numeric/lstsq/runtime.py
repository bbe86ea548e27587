"""Runtime of the certified residual: stage statistics for the benchmark, and BLAS threads.

:func:`collect_stats` gathers a :class:`ResidualStats` (counts and stage times) over every
:func:`~vanishing_minima.numeric.lstsq.auto_residual` call in its block; :class:`Clock` is the stage
timer the paths share; :func:`blas_threads` runs small patterns with one BLAS thread.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["ONE_THREAD_BELOW_P", "Clock", "ResidualStats", "blas_threads", "collect_stats"]


@dataclass
class ResidualStats:
    """Counts and stage times (seconds) gathered by :func:`auto_residual` inside :func:`collect_stats`."""

    patterns: int = 0
    tall: int = 0
    reduced: int = 0
    certified: int = 0
    qr_accepted: int = 0
    svd: int = 0
    times: dict = field(default_factory=dict)
    shapes: set = field(default_factory=set)

    @property
    def fallback_fraction(self) -> float:
        """Fraction of patterns not certified by the fast path (recomputed by QR or the SVD)."""
        return (self.patterns - self.certified) / self.patterns if self.patterns else 0.0

    def add_time(self, stage: str, seconds: float) -> None:
        self.times[stage] = self.times.get(stage, 0.0) + seconds


_STATS: ResidualStats | None = None


@contextmanager
def collect_stats():
    """Gather a :class:`ResidualStats` over every :func:`auto_residual` call in the block (not thread-safe)."""
    global _STATS
    previous, _STATS = _STATS, ResidualStats()
    try:
        yield _STATS
    finally:
        _STATS = previous


class Clock:
    """Stage timer that costs one attribute test when no statistics are collected."""

    __slots__ = ("stats", "last")

    def __init__(self) -> None:
        self.stats = _STATS
        self.last = time.perf_counter() if self.stats is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.stats is not None:
            now = time.perf_counter()
            self.stats.add_time(stage, now - self.last)
            self.last = now


# --- BLAS threads ------------------------------------------------------------------------------------
#: Patterns with p = d0 d1 below this run their matrix products with one BLAS thread (see blas_threads).
ONE_THREAD_BELOW_P = 512
_CONTROLLER = None


@contextmanager
def blas_threads(p: int):
    """One BLAS thread while the fast path runs on small patterns (p < ONE_THREAD_BELOW_P); the caller's
    setting otherwise.  Its products are many moderate GEMMs: on this project's 2-core machine a second
    BLAS thread gained nothing when idle and cost up to 25x when the other core was busy (measured at
    (64, 4, 8): 7 versus 179 us per pattern for the Gram stage), the oversubscription that
    ``sweeps.one_blas_thread`` avoids for the same reason.  Like threadpoolctl itself this changes a
    process-wide setting for the duration of the call."""
    global _CONTROLLER
    if p >= ONE_THREAD_BELOW_P:
        yield
        return
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield
