"""Theorem 8 reproduced: an interpolating network for Gaussian X and every kind of label vector, with
all neural inputs bounded away from 0, using at most d1* = 4 ceil(N/(2 d0 - 2)) neurons."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing_minima.numeric import interpolating_network, lrelu
from vanishing_minima.theory.bounds import d1_star


def _labels(kind: str, X: np.ndarray, rng) -> np.ndarray:
    n = X.shape[1]
    return {
        "zeros": np.zeros(n),
        "ones": np.ones(n),
        "random": rng.integers(0, 2, n).astype(float),
        # labels that no single halfspace or gate pattern explains: parity of index against sign of x_1
        "adversarial": ((X[0] > 0) ^ (np.arange(n) % 2 == 0)).astype(float),
    }[kind]


@pytest.mark.parametrize("kind", ["zeros", "ones", "random", "adversarial"])
@pytest.mark.parametrize("n,d0,rho", [(20, 2, 0.0), (50, 5, 0.2), (120, 7, -0.5), (300, 8, 0.0)])
def test_t8_interpolates_with_nonzero_inputs_within_d1_star(kind, n, d0, rho, seed):
    rng = np.random.default_rng(seed + n)
    X = rng.standard_normal((d0, n))
    y = _labels(kind, X, rng)
    net = interpolating_network(X, y, rho, rng=seed + 1)
    out = lrelu(net.W @ X, rho).T @ net.z
    assert np.linalg.norm(out - y) <= 1e-9 * max(np.linalg.norm(y), 1.0)
    assert net.relative_error <= 1e-9
    assert net.margin > 0 and np.min(np.abs(net.W @ X)) == net.margin
    assert net.d1_star == d1_star(n, d0)
    assert net.n_neurons == net.W.shape[0] == 2 * net.gates.shape[0]
    assert net.n_neurons <= net.d1_star and net.within_d1_star


def test_t8_bad_inputs():
    X = np.random.default_rng(0).standard_normal((3, 6))
    with pytest.raises(ValueError, match="d0 >= 2"):
        interpolating_network(np.ones((1, 4)), np.ones(4), 0.0, rng=0)
    with pytest.raises(ValueError, match="length N = 6"):
        interpolating_network(X, np.ones(5), 0.0, rng=0)
    with pytest.raises(ValueError, match="rho must differ from 1"):
        interpolating_network(X, np.ones(6), 1.0, rng=0)
    with pytest.raises(ValueError, match="no zero column"):
        interpolating_network(np.zeros((3, 6)), np.ones(6), 0.0, rng=0)
    # all points on one ray from 0 with labels not in the points' ratio: an exact impossibility, named
    with pytest.raises(ValueError, match="lie on one ray .* no network fits both"):
        interpolating_network(
            np.outer([1.0, 2.0], np.arange(1, 7)), np.arange(6.0), 0.0, rng=0, max_rounds=2
        )


@pytest.mark.parametrize(
    "sx,sy", [(1e-9, 1.0), (1e-150, 1.0), (1e150, 1.0), (1.0, 1e300), (1.0, 1e-300)]
)
def test_t8_is_scale_invariant(sx, sy):
    """The same network up to the scales, at every scale: an absolute floor in the rank tolerance made
    X * 1e-9 fail, and labels near 1e300 gave a NaN relative error."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3, 24)), rng.integers(0, 2, 24).astype(float)
    base = interpolating_network(X, y, 0.0, rng=1)
    net = interpolating_network(X * sx, y * sy, 0.0, rng=1)
    assert net.n_neurons == base.n_neurons
    assert np.isfinite(net.relative_error) and net.relative_error <= 1e-9
    out = np.maximum(net.W @ (X * sx), 0).T @ net.z
    assert np.allclose(out / sy, y, rtol=0, atol=1e-9)
    assert net.normalized_margin == pytest.approx(base.normalized_margin, rel=1e-9)


def test_t8_names_the_impossible_duplicates_and_fits_consistent_ones():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((3, 10)), np.r_[1.0, rng.integers(0, 2, 9).astype(float)]
    with pytest.raises(
        ValueError, match="columns 0 and 10 of X are the same point with labels 1 and 0"
    ):
        interpolating_network(np.c_[X, X[:, 0]], np.r_[y, 0.0], 0.0, rng=0)
    with pytest.raises(ValueError, match="lie on one ray"):
        interpolating_network(np.c_[X, 3 * X[:, 0]], np.r_[y, 1.0], 0.0, rng=0)
    net = interpolating_network(
        np.c_[X, X[:, 0], 2 * X[:, 0]], np.r_[y, y[0], 2 * y[0]], 0.0, rng=0
    )
    assert (
        net.relative_error <= 1e-9
    )  # consistent duplicates are fitted through their representative


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        ({"candidates": 0}, "candidates"),
        ({"max_rounds": 0}, "max_rounds"),
        ({"rank_tol": -1.0}, "rank_tol"),
        ({"rank_tol": float("nan")}, "rank_tol"),
        ({"candidates": 2.5}, "candidates"),
    ],
)
def test_t8_refuses_bad_arguments(kwargs, needle):
    X = np.random.default_rng(0).standard_normal((3, 6))
    with pytest.raises(ValueError, match=needle):
        interpolating_network(X, np.ones(6), 0.0, rng=0, **kwargs)


def test_t8_refuses_runaway_work_before_starting():
    import time

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    with pytest.raises(
        ValueError, match="interpolating_network at N = 3000, d0 = 2 would take about"
    ):
        interpolating_network(
            rng.standard_normal((2, 3000)), rng.integers(0, 2, 3000).astype(float), 0.0, rng=0
        )
    assert time.perf_counter() - start < 1.0
