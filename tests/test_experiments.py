"""Section 5 runs (E1-E3), the multi-layer trainer, and Section 6's stationarity measure."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.training import _mlp_loss_grad


@given(seed=st.integers(0, 2**16), layers=st.integers(1, 3), rho=st.sampled_from([0.0, 0.2, -0.5]))
def test_mlp_gradient_is_the_derivative_of_the_mse(seed, layers, rho):
    """The back-propagated gradient equals central finite differences (the loss is smooth off the kinks)."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((3, 7)), rng.standard_normal(7)
    widths = [int(w) for w in rng.integers(1, 4, layers)]
    fan = [3] + widths
    shapes = [(w, f) for w, f in zip(widths, fan[:-1])] + [(widths[-1], 1)]
    theta = rng.standard_normal(sum(r * c for r, c in shapes))
    _, grad = _mlp_loss_grad(theta, shapes, X, y, rho)
    h = 1e-6
    numeric = np.array([(_mlp_loss_grad(theta + h * e, shapes, X, y, rho)[0] - _mlp_loss_grad(theta - h * e, shapes, X, y, rho)[0]) / (2 * h)
                        for e in np.eye(theta.size)])
    assert np.allclose(grad, numeric, atol=1e-5 * (1 + np.abs(numeric).max()))


@given(seed=st.integers(0, 2**16))
def test_train_mlp_interpolates_when_wide(seed):
    """Widths 24 on N = 12 points (about 50x more weights than points): zero training loss.

    (At widths 6 the same nets stop at MSE 0.08-0.4 in 3 of 4 seeds: dead ReLUs without biases.)"""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((6, 12)), rng.choice([-1.0, 1.0], 12)
    res = nm.train_mlp(X, y, [24, 24], 0.0, rng=rng)
    assert res.mse < 1e-12 and np.all(np.sign(res.output) == y)


@pytest.mark.parametrize("kwargs,match", [(dict(widths=[]), "widths"), (dict(widths=[0]), "widths"),
                                          (dict(rho=1.0), "rho"), (dict(y=np.zeros(3)), "length")])
def test_train_mlp_refuses_bad_input(kwargs, match):
    args = dict(X=np.ones((2, 4)), y=np.zeros(4), widths=[2], rho=0.0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        nm.train_mlp(args["X"], args["y"], args["widths"], args["rho"], rng=0)


@given(seed=st.integers(0, 2**16))
def test_kink_stationarity_without_zero_inputs_is_the_plain_gradient(seed):
    """No zero input: P is the identity, so the projected and unprojected measures agree."""
    rng = np.random.default_rng(seed)
    W, z, X, y = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((4, 9)), rng.standard_normal(9)
    k = nm.kink_stationarity(W, z, X, y, 0.1, tau=0.0)
    assert k.zero_fraction == 0 and k.projected == pytest.approx(k.full, rel=1e-12)


def test_kink_stationarity_projects_out_the_zero_input_directions():
    """A neuron with w^T x1 = 0: the projected block is orthogonal to x1 and r counts the pair."""
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((3, 5)), rng.standard_normal(5)
    W = rng.standard_normal((2, 3))
    W[0] -= (W[0] @ X[:, 0]) / (X[:, 0] @ X[:, 0]) * X[:, 0]
    k = nm.kink_stationarity(W, np.array([1.0, -0.5]), X, y, 0.0, tau=1e-12)
    assert k.zero_fraction == pytest.approx(1 / 10) and k.projected < k.full
    with pytest.raises(ValueError, match="tau"):
        nm.kink_stationarity(W, np.ones(2), X, y, 0.0, tau=1.0)


def test_section5_points_report_their_measurements():
    e1 = nm.e1_point({"n": 20, "d0": 5, "layers": 2, "seed": [1]})
    assert 0 <= e1["mce"] <= 1 and e1["mse"] >= 0
    e2 = nm.e2_point({"d": 10, "seed": [2]})
    assert e2["n"] == 20 and e2["min_abs_wx"] >= 0 and e2["mse"] >= 0
    X, y = nm.load_digits_binary()
    e3 = nm.e3_point({"X": X[:, :120], "y": y[:120], "seed": [3], "max_iter": 500})
    assert e3["d1"] == 2 and "X" not in e3 and 0 <= e3["mce"] <= 1
    assert nm.weights_count(10, [10]) == 110 and nm.weights_count(10, [10, 10]) == 210


def test_e2_run_with_too_large_a_step_is_reported_as_diverged_not_raised():
    r = nm.e2_point({"d": 10, "seed": 0, "lr": 50.0})
    assert r["diverged"] and r["mse"] == np.inf and np.isnan(r["min_abs_wx"])
    ok = nm.e2_point({"d": 10, "seed": 0, "lr": 0.1, "init_scale": 0.3})
    assert not ok["diverged"] and np.isfinite(ok["mse"]) and ok["lr"] == 0.1
