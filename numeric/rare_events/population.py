"""Resampling of a particle population: every survivor copied about equally often.

Shared by the pilot of generalized splitting and by the fixed-effort estimators (dead points): ``n``
indices into ``k`` survivors, each survivor ``floor(n / k)`` times and ``n mod k`` of them, chosen uniformly
without replacement, once more (each copied ``n / k`` times in expectation: conditionally unbiased).
"""

from __future__ import annotations

import numpy as np

__all__ = ["clone", "resample_by_repetition"]


def clone(idx_count: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices 0..idx_count-1, each repeated floor(n/k) or ceil(n/k) times (random which), n in all."""
    base = np.repeat(np.arange(idx_count), n // idx_count)
    extra = rng.choice(idx_count, size=n - base.size, replace=False)
    return np.concatenate([base, extra])


def resample_by_repetition(rep: np.ndarray, R: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices into the survivors (grouped by repetition ``rep``): n per repetition with survivors,
    each survivor floor(n/c) times and n mod c of them once more, chosen uniformly."""
    out = [
        idx[clone(idx.size, n, rng)]
        for idx in (np.flatnonzero(rep == r) for r in range(R))
        if idx.size
    ]
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)
