"""Section 6's critical points on kinks (numeric/training/kink.py) and S6's use of them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg

from vanishing_minima import numeric as nm
from vanishing_minima.checks.claim_checks import theorems
from vanishing_minima.checks.core import KEY_FIGURE_LIMIT
from vanishing_minima.numeric.khatri_rao import dlm_residual
from vanishing_minima.numeric.training import kink
from vanishing_minima.numeric.training.kink import kink_critical_point


@pytest.fixture(scope="module")
def endpoint():
    """An L-BFGS endpoint on a kink (the first of S6's quick runs, seed 0): W, z, X, y."""
    rng = np.random.default_rng([0, 536185329])
    X, y = rng.standard_normal((4, 40)), rng.integers(0, 2, 40).astype(float)
    res = nm.train_network(X, y, 3, 0.0, rng=rng, max_iter=5000)
    return res.W, res.z, X, y


def _face_residual(W, z, X, y, zero):
    """The least-squares residual of the face, by an independent route: SciPy's null_space for each
    neuron's moves, one lstsq on the whole design (no grouping of neurons, no correction steps)."""
    blocks = []
    for i in range(W.shape[0]):
        a = np.where(zero[i], 0.0, (W[i] @ X > 0).astype(float))
        B = scipy.linalg.null_space(X[:, zero[i]].T) if zero[i].any() else np.eye(X.shape[0])
        blocks.append(a[:, None] * (X.T @ B))
    M = np.concatenate(blocks, axis=1)
    return y - M @ np.linalg.lstsq(M, y, rcond=None)[0]


def test_the_endpoint_is_not_critical_but_the_kink_point_is_certified(endpoint):
    W, z, X, y = endpoint
    c = kink_critical_point(W, z, X, y, 0.0)
    # L-BFGS stopped because its line search failed, not at a critical point
    assert c.start_projected > 1e-6
    assert c.zero_pairs > 0 and c.certified and c.radius < 1e-9
    assert c.projected < 1e-13 < 1e-4 < c.unprojected  # P(AoX)e = 0, (AoX)e is not
    assert c.clarke is True and c.local_min_condition is True


def test_the_point_solves_the_faces_least_squares_problem(endpoint):
    W, z, X, y = endpoint
    c = kink_critical_point(W, z, X, y, 0.0)
    U = c.W @ X
    zero = np.abs(U) <= 1e-12 * np.linalg.norm(c.W, axis=1)[:, None] * np.linalg.norm(X, axis=0)
    assert zero.sum() == c.zero_pairs
    e = y - np.maximum(U, 0.0).T @ c.z
    expected = _face_residual(c.W, c.z, X, y, zero)
    assert np.linalg.norm(e - expected) <= 1e-10 * np.linalg.norm(y)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_endpoints_near_the_same_kink_give_the_same_point(endpoint, seed):
    """What made S6's figure depend on the environment: where the optimizer stopped.  A stop point moved
    by 1e-8 (another BLAS, another L-BFGS-B) must lead to the same critical point."""
    W, z, X, y = endpoint
    ref = kink_critical_point(W, z, X, y, 0.0)
    rng = np.random.default_rng(seed)
    moved = W * (1 + 1e-8 * rng.standard_normal(W.shape))
    c = kink_critical_point(moved, z, X, y, 0.0)
    assert c.zero_pairs == ref.zero_pairs and c.certified
    assert np.linalg.norm(c.W - ref.W) <= 1e-9 * np.linalg.norm(ref.W)
    assert c.unprojected == pytest.approx(ref.unprojected, rel=1e-8)


@pytest.mark.parametrize("rho, seed", [(0.2, 1), (0.2, 3), (-0.5, 9), (-0.5, 13)])
def test_at_a_trained_dlm_the_point_is_lemma_2s(rho, seed):
    """L-BFGS converged inside a region (no input within 1e-3 of 0 at these seeds): the point does not
    move and its residual is e_A of its pattern (dlm_residual, Lemma 2, another route)."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((3, 16)), rng.standard_normal(16)
    res = nm.train_network(X, y, 2, rho, rng=rng, max_iter=5000)
    c = kink_critical_point(res.W, res.z, X, y, rho)
    assert c.zero_pairs == 0 and c.certified and c.moved < 1e-6
    A = np.where(c.W @ X > 0, 1.0, rho)
    e = y - (A * (c.W @ X)).T @ c.z
    assert np.linalg.norm(e - dlm_residual(A, X, y)) <= 1e-10 * np.linalg.norm(y)
    assert max(c.projected, c.unprojected) < 1e-12  # no zero input: P is the identity


def test_a_rank_deficient_face_is_not_certified():
    """A neuron active on one sample only cannot be determined (its block has rank 1 < d0 - 1): the
    least-squares problem has no unique solution, and the certificate says so."""
    X = np.array([[1.0, -1.0, -1.0, -1.0], [0.0, 0.5, -0.5, 0.2], [0.0, 0.1, 0.3, -0.4]])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    W, z = np.array([[1.0, 0.0, 0.0]]), np.array([0.5])
    c = kink_critical_point(W, z, X, y, 0.0)
    assert not c.certified and math.isnan(c.radius)
    assert c.clarke is None and c.local_min_condition is None


def test_a_zero_input_with_descent_is_released(endpoint):
    """Pin the input nearest its kink at 0: the loss decreases towards a side, so the method releases
    it and reaches a point where the local-minimum condition holds; held at 0, the condition fails."""
    W, z, X, y = endpoint
    ref = kink_critical_point(W, z, X, y, 0.0)
    U = ref.W @ X
    rel = np.abs(U) / (np.linalg.norm(ref.W, axis=1)[:, None] * np.linalg.norm(X, axis=0))
    rel[rel < 1e-12] = np.inf  # the face's own zero inputs
    i, n = np.unravel_index(np.argmin(rel), rel.shape)
    pinned = ref.W.copy()
    pinned[i] -= U[i, n] / (X[:, n] @ X[:, n]) * X[:, n]
    c = kink_critical_point(pinned, ref.z, X, y, 0.0, tau=1e-12)
    assert c.released_pairs >= 1
    assert c.certified and c.local_min_condition is True
    held = kink_critical_point(pinned, ref.z, X, y, 0.0, tau=1e-12, release=False)
    assert held.released_pairs == 0 and held.local_min_condition is False


def test_a_neuron_pinned_to_zero_is_not_certified():
    """A move that would hold d0 inputs of one neuron at 0 stops the method, uncertified."""
    X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    y = np.array([0.0, 0.0, 5.0])
    W, z = (
        np.array([[1.0, -1.0]]),
        np.array([1.0]),
    )  # input 0 active, 1 inactive; input 2 at its kink
    c = kink_critical_point(W, z, X, y, 0.0)
    assert not c.certified


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"tau": 1.0}, "tau must lie in"),
        ({"tau": -0.1}, "tau must lie in"),
        ({"rho": 1.0}, "rho"),
        ({"release": 1}, "release must be a bool"),
    ],
)
def test_bad_arguments_are_refused(endpoint, kwargs, error):
    W, z, X, y = endpoint
    args = {"rho": 0.0, **kwargs}
    rho = args.pop("rho")
    with pytest.raises(ValueError, match=error):
        kink_critical_point(W, z, X, y, rho, **args)


def test_shapes_are_checked(endpoint):
    W, z, X, y = endpoint
    with pytest.raises(ValueError, match="shapes do not fit"):
        kink_critical_point(W, z[:-1], X, y, 0.0)
    with pytest.raises(TypeError):
        kink_critical_point(W.astype(bool), z, X, y, 0.0)


def test_gamma_is_highams_bound():
    assert kink._gamma(1) == pytest.approx(2.0**-53, rel=1e-15)
    assert kink._gamma(10**6) > 10**6 * 2.0**-53


def test_s6_rows_and_key_figure_come_from_the_certified_points(endpoint):
    W, z, X, y = endpoint
    res = nm.train_network(X, y, 3, 0.0, rng=0, max_iter=5000, init=(W, z))
    row = theorems._s6_row(res, X, y)
    assert row.zero_inputs > 0 and row.radius < 1e-9 and row.local_min_condition == "holds"
    assert row.projected < 1e-13 < row.unprojected
    result = theorems._s6_result(theorems.derivations.section6_reduced_width(), [row, row])
    assert "at 2/2 kinks where L-BFGS stopped, certified" in result.key_figure
    assert len(result.key_figure) <= KEY_FIGURE_LIMIT
    assert "at 2/2 endpoints" in result.details and "certified at 2/2 (within 1e-" in result.details
    assert "local-min condition 2/2" in result.details
    uncertified = theorems.TrainingEndpointRow(**{**row.__dict__, "radius": math.nan})
    result = theorems._s6_result(theorems.derivations.section6_reduced_width(), [uncertified])
    assert "no critical point certified" in result.key_figure


def test_an_input_within_the_radius_of_its_kink_voids_the_certificate(endpoint):
    """The certificate checks the region: move one input off the face to 1e-13 of its kink (so the
    point is no longer the face's solution, and its distance to it exceeds the input's margin)."""
    W, z, X, y = endpoint
    c = kink_critical_point(W, z, X, y, 0.0)
    U = c.W @ X
    zero = np.abs(U) <= 1e-12 * np.linalg.norm(c.W, axis=1)[:, None] * np.linalg.norm(X, axis=0)
    slope = np.where(zero, 0.0, (U > 0).astype(float))
    assert kink._certify(c.W, c.z, X, y, 0.0, zero, slope) is not None
    i, n = np.argwhere(~zero & (slope == 1.0))[0]
    moved = c.W.copy()
    moved[i] -= (U[i, n] - 1e-13 * np.linalg.norm(X[:, n])) / (X[:, n] @ X[:, n]) * X[:, n]
    assert 0 < moved[i] @ X[:, n] < 1e-12
    assert kink._certify(moved, c.z, X, y, 0.0, zero, slope) is None


def test_face_stationarity_does_not_depend_on_the_rescaling(endpoint):
    """(w_i, z_i) -> (c w_i, z_i / c) leaves the output unchanged, and so both measures: two points of one
    critical set must give one figure (the gradient in W would not)."""
    W, z, X, y = endpoint
    c = kink_critical_point(W, z, X, y, 0.0)
    U = c.W @ X
    zero = np.abs(U) <= 1e-12 * np.linalg.norm(c.W, axis=1)[:, None] * np.linalg.norm(X, axis=0)
    slope = np.where(zero, 0.0, (U > 0).astype(float))
    scale = np.array([3.0, 0.5, 2.0])
    before = kink.face_stationarity(c.W, c.z, X, y, zero, slope)
    after = kink.face_stationarity(c.W * scale[:, None], c.z / scale, X, y, zero, slope)
    assert after == pytest.approx(before, rel=1e-10, abs=1e-15)
    assert before[0] < 1e-13 < 1e-4 < before[1]
