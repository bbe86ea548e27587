"""Shared cases of the rare-event tests (test_rare_events.py, test_dead_points.py): Gaussian data and the
exact V2 probability at d0 = 2, computed by summing exact arc volumes over every region (no sampling)."""

from __future__ import annotations

import itertools

import numpy as np

from vanishing_minima.numeric import dlm_residual, mce, plane_row_patterns


def data(n, d0, seed):
    """X ~ N (d0 x N) and Bernoulli(1/2) labels from one seed."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)


def v2_in_the_plane(X, y, d1, eps, rho):
    """exact_volumes_in_the_plane's V2 sum (every region, exact arc volumes), without its DLM linear programs."""
    signs, probs = plane_row_patterns(X)
    combos = np.array(list(itertools.product(range(signs.shape[0]), repeat=d1)))
    A = np.where(signs[combos] > 0, 1.0, rho)
    err = mce(y - dlm_residual(A, X, y), y)
    return float(np.sum(np.prod(probs[combos], axis=1), where=err > eps))
