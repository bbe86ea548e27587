"""Lemma 2 on trained and certified DLMs: the analytic gradient, (A o X) e = 0 and e = e_A."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import check_grad

from vanishing_minima.numeric import (
    activation_pattern, dlm_diagnostics, dlm_in_region, dlm_residual, khatri_rao, mse_and_gradient, train_network,
)

seeds = st.integers(0, 2**32 - 1)


@given(seeds, st.sampled_from([0.0, 0.3, -0.5]))
def test_gradient_matches_finite_differences_and_the_khatri_rao_form(s, rho):
    rng = np.random.default_rng(s)
    d0, d1, n = 3, 4, 9
    X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
    W, z = rng.standard_normal((d1, d0)), rng.standard_normal(d1)

    def f(theta):
        return mse_and_gradient(theta[:12].reshape(4, 3), theta[12:], X, y, rho)[0]

    def g(theta):
        _, gW, gz = mse_and_gradient(theta[:12].reshape(4, 3), theta[12:], X, y, rho)
        return np.r_[gW.ravel(), gz]

    theta = np.r_[W.ravel(), z]
    assert check_grad(f, g, theta, epsilon=1e-7) <= 1e-5 * max(1.0, np.linalg.norm(g(theta)))
    # grad_W = -(2/N) diag(z) reshape((A o X) e): the form derived symbolically for Lemma 2
    mse, gW, _ = mse_and_gradient(W, z, X, y, rho)
    A = activation_pattern(W, X, rho)
    e = y - (A * (W @ X)).T @ z
    assert np.allclose(gW, -(2 / n) * z[:, None] * (khatri_rao(A, X) @ e).reshape(d1, d0))
    assert mse == pytest.approx(e @ e / n)


@pytest.mark.parametrize("n,d0,d1,rho", [(30, 4, 12, 0.0), (30, 4, 12, 0.2), (40, 8, 10, -0.3)])
def test_lemma2_holds_wherever_training_ends_at_a_dlm(n, d0, d1, rho, seed):
    """d0 d1 >= 2N.  At every trained point that is a DLM (gradient < 1e-8, inputs bounded away from 0):
    e = e_A, and (A o X) e = 0 when e != 0 (sub-optimal DLMs do occur: one in 20 runs at N = 30 with ReLU).

    Non-vacuity: at least 3 of 10 runs must end at a DLM.  Measured hit rate 18-20 of 20 per
    configuration, so failing this by chance has probability below 1e-6 for any seed."""
    dlms = 0
    for k in range(10):
        rng = np.random.default_rng(seed + 1000 * k + n)
        X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
        res = train_network(X, y, d1, rho, rng=seed + k)
        d = dlm_diagnostics(res.W, res.z, X, y, rho)
        if res.gradient_norm >= 1e-8 or d.normalized_min_preactivation <= 1e-7:
            continue  # not a DLM (a kink or not converged): Lemma 2 says nothing here
        dlms += 1
        assert d.residual_gap < 1e-6
        if d.mse > 1e-15:
            assert d.stationarity < 1e-6
    assert dlms >= 3


def test_lemma2_at_certified_underparameterized_dlms_and_after_training_from_them():
    """d0 d1 < N: DLMs found by the K6 LPs have zero gradient (checked independently of K6), and
    L-BFGS started next to one ends at a DLM with (A o X) e = 0 and e = e_A of its region."""
    rng = np.random.default_rng(21)
    checked = 0
    for _ in range(60):
        X, y = rng.standard_normal((2, 12)), rng.integers(0, 2, 12).astype(float)
        rho = 0.3
        A = activation_pattern(rng.standard_normal((3, 2)), X, rho)
        cert = dlm_in_region(A, X, y)
        if cert is None or np.any(cert.z == 0):
            continue
        _, gW, gz = mse_and_gradient(cert.W, cert.z, X, y, rho)
        assert max(np.abs(gW).max(), np.abs(gz).max()) < 1e-9
        d = dlm_diagnostics(cert.W, cert.z, X, y, rho)
        assert d.stationarity < 1e-9 and d.residual_gap < 1e-9
        start = (cert.W + 1e-3 * rng.standard_normal(cert.W.shape), cert.z.copy())
        res = train_network(X, y, 3, rho, rng=0, init=start)
        d2 = dlm_diagnostics(res.W, res.z, X, y, rho)
        if res.gradient_norm < 1e-8 and d2.normalized_min_preactivation > 1e-7:
            A2 = activation_pattern(res.W, X, rho)
            assert d2.stationarity < 1e-6
            assert np.allclose(y - (A2 * (res.W @ X)).T @ res.z, dlm_residual(A2, X, y), atol=1e-6)
            checked += 1
    assert checked >= 3


def test_gradient_descent_with_the_two_phase_schedule_runs_and_records_history():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3, 10)), rng.integers(0, 2, 10).astype(float)
    res = train_network(X, y, 8, 0.0, rng=4, method="gd", max_iter=200, decay_epochs=50, decay_rate=0.95, lr=0.05)
    assert res.history.shape == (250,) and res.iterations == 250
    assert res.mse < res.history[0]


def test_diagnostics_refuse_points_on_a_boundary_and_report_kinks():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="exactly 0"):
        dlm_diagnostics(np.array([[1.0, 0.0]]), np.ones(1), X, np.ones(2), 0.0)
    d = dlm_diagnostics(np.array([[1.0, 1e-12]]), np.ones(1), X, np.ones(2), 0.0)
    assert d.min_abs_preactivation == pytest.approx(1e-12)


@pytest.mark.parametrize(
    "kwargs,needle",
    [({"method": "adam"}, "method"), ({"d1": 0}, "d1 must be"), ({"rng": None}, "None")],
)
def test_train_bad_inputs(kwargs, needle):
    X, y = np.ones((2, 3)), np.ones(3)
    args = {"X": X, "y": y, "d1": 2, "rho": 0.0, "rng": 0} | kwargs
    with pytest.raises(ValueError, match=needle):
        train_network(**args)
