"""Scale invariance in X (issue 19): answers that depend on X only through the directions of its columns, or
up to its scale, are the same for X and 10^k X, k in [-300, 300].

Regions (K6, D1), the exact volumes in the plane (D4, V2), the bad-region probability and the V2 estimators
(same seed, same estimate).  Decisions are compared exactly, exact volumes to rounding (10^k X is X rounded).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vanishing_minima.numeric import (
    SplittingBudget,
    arc_probability,
    bad_region_probability,
    coherence,
    dlm_in_region,
    exact_volumes_in_the_plane,
    plane_row_patterns,
    region_contains_dlm,
    region_is_nonempty,
    v2_event_probability,
)
from vanishing_minima.numeric._checks import MarginWarning

seeds = st.integers(0, 2**32 - 1)
exponents = st.integers(-300, 300)


def _scaled(X: np.ndarray, k) -> np.ndarray:
    return X * 10.0 ** np.asarray(k, dtype=float)


def _region_case(seed: int, rho: float):
    """(A, X, y, W): a pattern of a random W on Gaussian data (3 x 6), with labels, computed by NumPy."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 6))
    y = (rng.random(6) < 0.5).astype(float)
    W = rng.standard_normal((2, 3))
    return np.where(W @ X > 0, 1.0, rho), X, y


# --- K6 and D1: region decisions ------------------------------------------------------------------------
@settings(max_examples=30)
@given(seeds, exponents, st.sampled_from([0.0, 0.3, -0.5]))
def test_region_and_dlm_decisions_do_not_depend_on_the_scale(seed, k, rho):
    """Whether the region of a real W is non-empty and whether it holds a DLM (region_contains_dlm,
    dlm_in_region) is the same at 10^k X as at X, and a certificate found at 10^k X is checked there with
    NumPy: its pattern is A and its output is y - e_A, e_A the least-squares residual at scale 1."""
    A, X, y = _region_case(seed, rho)
    Xs = _scaled(X, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarginWarning)
        assert region_is_nonempty(A, Xs) == region_is_nonempty(A, X)
        holds = region_contains_dlm(A, X, y)
        assert region_contains_dlm(A, Xs, y) == holds
        cert = dlm_in_region(A, Xs, y)
    assert (cert is not None) == holds
    if cert is not None:
        U = cert.W @ Xs
        assert np.array_equal(np.where(U > 0, 1.0, rho), A)
        M = np.vstack([A[i] * X for i in range(A.shape[0])]).T  # (A o X)^T at scale 1
        e = y - M @ np.linalg.lstsq(M, y, rcond=None)[0]
        np.testing.assert_allclose((A * U).T @ cert.z, y - e, atol=1e-6)


@settings(max_examples=30)
@given(seeds, st.lists(exponents, min_size=6, max_size=6))
def test_region_decisions_depend_on_the_directions_of_the_columns_only(seed, ks):
    """Each column scaled by its own 10^k_n: the row cones, hence non-emptiness, do not change; a random
    pattern (often empty) gets the same answer as at scale 1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 6))
    A = np.where(rng.random((2, 6)) < 0.5, 1.0, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarginWarning)
        assert region_is_nonempty(A, _scaled(X, ks)) == region_is_nonempty(A, X)


# --- the plane: exact volumes ---------------------------------------------------------------------------
def _plane_case(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 8))
    return rng.standard_normal((2, n)), (rng.random(n) < 0.5).astype(float)


@settings(max_examples=12)
@given(seeds, exponents, st.sampled_from([0.0, 0.3]))
def test_exact_volumes_in_the_plane_do_not_depend_on_the_scale(seed, k, rho):
    """V(L_eps), the V2 event and V(G) at 10^k X equal those at X (to rounding: 10^k X is rounded)."""
    X, y = _plane_case(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarginWarning)
        ref = exact_volumes_in_the_plane(X, y, 1, 0.2, rho)
        got = exact_volumes_in_the_plane(_scaled(X, k), y, 1, 0.2, rho)
    assert got.regions == ref.regions
    for name in ("bad", "v2_event", "global_minima", "total"):
        assert getattr(got, name) == pytest.approx(getattr(ref, name), rel=1e-12, abs=1e-15), name


@settings(max_examples=30)
@given(seeds, st.lists(exponents, min_size=6, max_size=6))
def test_plane_arcs_depend_on_the_directions_of_the_columns_only(seed, ks):
    """Each column scaled by its own 10^k_n: the arcs of plane_row_patterns and arc_probability do not change
    (to rounding)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, 6))
    signs, probs = plane_row_patterns(X)
    Xs = _scaled(X, ks)
    signs_s, probs_s = plane_row_patterns(Xs)
    assert np.array_equal(signs_s, signs)
    np.testing.assert_allclose(probs_s, probs, rtol=1e-12, atol=1e-15)
    assert arc_probability(signs[0], Xs) == pytest.approx(arc_probability(signs[0], X), rel=1e-12)


# --- the bad-region probability and the V2 estimators --------------------------------------------------
@functools.lru_cache(maxsize=None)
def _bad_region_reference(seed: int):
    X, y = _bad_region_case(seed)
    return _bad_region_summary(X, y)


def _bad_region_case(seed: int):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 6)), np.array([0.0, 1.0] * 3)


def _bad_region_summary(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarginWarning)
        est = bad_region_probability(X, y, 2, eps=0.2, rng=1, method="mc", budget=100)
    return est.v2.hits, est.regions, est.with_dlm, est.undecided, est.q, est.log_v


@settings(max_examples=8)
@given(st.sampled_from([1, 3, 5, 7]), exponents)
def test_bad_region_probability_does_not_depend_on_the_scale(seed, k):
    """Same seed, same V2 samples: the same event regions and the same K6 decisions at 10^k X."""
    X, y = _bad_region_case(seed)
    ref = _bad_region_reference(seed)
    assert ref[2] > 0  # some event region holds a DLM: the decisions are exercised
    assert _bad_region_summary(_scaled(X, k), y) == ref


_V2_BUDGETS = {
    "mc": 400,
    "splitting": SplittingBudget(evaluations=800, pilot_size=40, repetitions=4),
    "dead-points": SplittingBudget(evaluations=800, repetitions=4),
}


def _v2_summary(X, y, method):
    res = v2_event_probability(X, y, 2, eps=0.2, rng=7, method=method, budget=_V2_BUDGETS[method])
    return res.log_p, res.log_p_interval, res.evaluations, res.hits, res.levels


@settings(max_examples=30)
@given(seeds, exponents, st.sampled_from(sorted(_V2_BUDGETS)))
def test_v2_estimates_do_not_depend_on_the_scale(seed, k, method):
    """v2_event_probability with the same seed gives the same estimate, interval and cost at 10^k X
    (ReLU, d0 d1 = N so that 'dead-points' applies)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 8))
    y = np.array([0.0, 1.0] * 4)
    assert _v2_summary(_scaled(X, k), y, method) == _v2_summary(X, y, method)


# --- the zero-column test is exact ---------------------------------------------------------------------
@pytest.mark.parametrize("k", [-300, 0, 300])
def test_only_an_exactly_zero_column_is_refused(k):
    """A column of zeros is refused at every scale; tiny and huge non-zero columns are data."""
    rng = np.random.default_rng(0)
    X = _scaled(rng.standard_normal((3, 6)), k)
    y = np.array([0.0, 1.0] * 3)
    A = np.ones((2, 6))
    assert coherence(X) <= 1.0
    v2_event_probability(X, y, 2, eps=0.2, rng=0, method="mc", budget=10)
    X[:, 2] = 0.0
    calls = [
        lambda: region_is_nonempty(A, X),
        lambda: coherence(X),
        lambda: arc_probability(np.ones(6), X[:2]),
        lambda: v2_event_probability(X, y, 2, eps=0.2, rng=0, method="mc", budget=10),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="X must have no zero column.*column 2"):
            call()
