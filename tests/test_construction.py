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
    with pytest.raises(RuntimeError, match="general position"):  # all points on one line through 0
        interpolating_network(np.outer([1.0, 2.0], np.arange(1, 7)), np.arange(6.0), 0.0, rng=0, max_rounds=2)
