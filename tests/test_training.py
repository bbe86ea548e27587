"""Lemma 2 on trained and certified DLMs: the analytic gradient, (A o X) e = 0 and e = e_A."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vanishing_minima.numeric import (
    activation_pattern,
    dlm_diagnostics,
    dlm_in_region,
    dlm_residual,
    khatri_rao,
    mse_and_gradient,
    train_network,
)

#: Entries of magnitude in [1/4, 2], never 0 (no zero row of W or column of X).
NONZERO = st.floats(0.25, 2.0) | st.floats(-2.0, -0.25)
#: Any entries in [-2, 2], 0 included.
ENTRIES = st.floats(-2.0, 2.0)


def _reference_gradient(W, z, X, y, rho):
    """The MSE and its gradients in the Khatri-Rao form, computed here: a(0) = rho, as the trainers."""
    n = X.shape[1]
    U = W @ X
    A = np.where(U > 0, 1.0, rho)
    e = y - (A * U).T @ z
    grad_W = -(2 / n) * z[:, None] * (khatri_rao(A, X) @ e).reshape(W.shape)
    return e @ e / n, grad_W, -(2 / n) * (A * U) @ e


@given(
    W=hnp.arrays(float, (4, 3), elements=ENTRIES),
    z=hnp.arrays(float, 4, elements=ENTRIES),
    X=hnp.arrays(float, (3, 9), elements=ENTRIES),
    y=hnp.arrays(float, 9, elements=ENTRIES),
    rho=st.floats(-2.0, 0.9),
)
def test_gradient_is_the_khatri_rao_form_for_every_input(W, z, X, y, rho):
    """grad_W = -(2/N) diag(z) reshape((A o X) e) and grad_z = -(2/N) f(WX) e: the form derived
    symbolically for Lemma 2, for every input (with the one-sided a(0) = rho at an exact zero)."""
    mse, gW, gz = mse_and_gradient(W, z, X, y, rho)
    ref_mse, ref_W, ref_z = _reference_gradient(W, z, X, y, rho)
    assert mse == pytest.approx(ref_mse, rel=1e-12, abs=1e-12)
    assert np.allclose(gW, ref_W, rtol=1e-10, atol=1e-10) and np.allclose(
        gz, ref_z, rtol=1e-10, atol=1e-10
    )


@given(
    W=hnp.arrays(float, (4, 3), elements=NONZERO),
    z=hnp.arrays(float, 4, elements=ENTRIES),
    X=hnp.arrays(float, (3, 9), elements=NONZERO),
    y=hnp.arrays(float, 9, elements=ENTRIES),
    rho=st.sampled_from([0.0, 0.3, -0.5]),
)
def test_gradient_is_the_derivative_of_the_mse_off_the_kinks(W, z, X, y, rho):
    """Central differences equal the gradient wherever no pre-activation is within 1e-2 of 0 (a step of
    1e-6 stays in one region, where the MSE is quadratic in each weight: the quotient is exact up to
    rounding)."""
    assume(np.abs(W @ X).min() > 1e-2)
    theta = np.r_[W.ravel(), z]

    def f(t):
        return mse_and_gradient(t[:12].reshape(4, 3), t[12:], X, y, rho)[0]

    h = 1e-6
    numeric = np.array(
        [(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    )
    _, gW, gz = mse_and_gradient(W, z, X, y, rho)
    assert np.allclose(np.r_[gW.ravel(), gz], numeric, atol=1e-6 * (1 + np.abs(numeric).max()))


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
    res = train_network(
        X, y, 8, 0.0, rng=4, method="gd", max_iter=200, decay_epochs=50, decay_rate=0.95, lr=0.05
    )
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
    [
        ({"method": "adam"}, "method"),
        ({"d1": 0}, "d1 must be"),
        ({"rng": None}, "None"),
        ({"max_iter": 0}, "max_iter"),
        ({"gtol": -1.0}, "gtol"),
        ({"gtol": float("nan")}, "gtol"),
        ({"init_scale": 0.0}, "init_scale"),
        ({"lr": -0.1}, "lr"),
        ({"decay_epochs": -5}, "decay_epochs"),  # used to shorten the run silently
        ({"decay_rate": 1.5}, "decay_rate"),
    ],
)
def test_train_bad_inputs(kwargs, needle):
    X, y = np.ones((2, 3)), np.ones(3)
    args = {"X": X, "y": y, "d1": 2, "rho": 0.0, "rng": 0} | kwargs
    with pytest.raises(ValueError, match=needle):
        train_network(**args)


# --- first-order methods for E2 (train_first_order) ---------------------------------------------------

from vanishing_minima.numeric import train_first_order  # noqa: E402
from vanishing_minima.numeric.training import OPTIMIZERS  # noqa: E402


def _small_problem(seed=0, d0=4, d1=6, n=12):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((d0, n)), rng.choice([-1.0, 1.0], n)
    return X, y, rng.standard_normal((d1, d0)) / 2, rng.standard_normal(d1) / 2


@pytest.mark.parametrize(
    "optimizer,lr", [("gd", 0.1), ("sgd", 0.02), ("momentum", 0.005), ("adam", 0.01)]
)
def test_each_optimizer_decreases_the_loss_on_a_small_problem(optimizer, lr):
    X, y, W0, z0 = _small_problem()
    res = train_first_order(
        X,
        y,
        W0,
        z0,
        0.0,
        optimizer=optimizer,
        lr=lr,
        epochs=150,
        decay_epochs=50,
        decay_rate=0.99,
        batch_size=4,
        rngs=1,
    )
    assert not res.diverged[0] and res.W.shape == (1, 6, 4) and res.history.shape == (1, 201)
    assert res.mse[0] < 0.25 * res.history[0, 0]
    assert res.steps == 200 * (1 if optimizer == "gd" else 3)


def _reference(X, y, W, z, steps, update):
    """Hand-written loop: full-batch gradient from mse_and_gradient, one update rule per step."""
    state = {}
    for t in range(1, steps + 1):
        _, gW, gz = mse_and_gradient(W, z, X, y, 0.0)
        W, z = update(W, z, gW, gz, t, state)
    return W, z


def test_momentum_and_adam_steps_match_a_hand_written_reference():
    """batch_size = N: every step sees all the data, so the minibatch order cannot matter."""
    X, y, W0, z0 = _small_problem(3)
    lr, mu, b1, b2, eps = 0.05, 0.9, 0.9, 0.999, 1e-8

    def heavy_ball(W, z, gW, gz, t, s):
        s["vW"] = mu * s.get("vW", 0.0) + gW
        s["vz"] = mu * s.get("vz", 0.0) + gz
        return W - lr * s["vW"], z - lr * s["vz"]

    def adam(W, z, gW, gz, t, s):
        out = []
        for key, p, g in (("W", W, gW), ("z", z, gz)):
            s["m" + key] = b1 * s.get("m" + key, 0.0) + (1 - b1) * g
            s["v" + key] = b2 * s.get("v" + key, 0.0) + (1 - b2) * g * g
            mhat, vhat = s["m" + key] / (1 - b1**t), s["v" + key] / (1 - b2**t)
            out.append(p - lr * mhat / (np.sqrt(vhat) + eps))
        return tuple(out)

    for name, rule in (("momentum", heavy_ball), ("adam", adam)):
        W_ref, z_ref = _reference(X, y, W0, z0, 3, rule)
        res = train_first_order(
            X,
            y,
            W0,
            z0,
            0.0,
            optimizer=name,
            lr=lr,
            epochs=3,
            batch_size=X.shape[1],
            rngs=0,
            momentum=mu,
            betas=(b1, b2),
            eps=eps,
        )
        assert res.steps == 3
        assert np.allclose(res.W[0], W_ref, rtol=1e-12, atol=1e-14) and np.allclose(
            res.z[0], z_ref, rtol=1e-12, atol=1e-14
        )


def test_gd_is_train_network_gd_and_the_decay_phase_matches():
    X, y, W0, z0 = _small_problem(5)
    a = train_network(
        X,
        y,
        6,
        0.2,
        rng=0,
        init=(W0, z0),
        method="gd",
        max_iter=80,
        decay_epochs=40,
        lr=0.05,
        decay_rate=0.97,
    )
    b = train_first_order(
        X, y, W0, z0, 0.2, optimizer="gd", lr=0.05, epochs=80, decay_epochs=40, decay_rate=0.97
    )
    assert np.allclose(a.W, b.W[0], atol=1e-13) and b.mse[0] == pytest.approx(a.mse, rel=1e-10)


def test_runs_side_by_side_equal_runs_alone_and_a_diverging_run_does_not_touch_the_others():
    problems = [_small_problem(s) for s in (1, 2, 3)]
    X, y, W0, z0 = (np.stack([p[i] for p in problems]) for i in range(4))
    W0 = W0.copy()
    W0[1] *= 30.0  # a large start with a large step: this run blows up
    together = train_first_order(
        X,
        y,
        W0,
        z0,
        0.0,
        optimizer="sgd",
        lr=0.3,
        epochs=20,
        batch_size=5,
        rngs=[np.random.default_rng(k) for k in range(3)],
    )
    assert together.diverged.tolist() == [False, True, False]
    assert (
        together.mse[1] == np.inf
        and np.isnan(together.W[1]).all()
        and together.diverged_epoch[1] >= 0
    )
    assert np.isinf(together.history[1, together.diverged_epoch[1] + 1 :]).all()
    for k in (0, 2):
        alone = train_first_order(
            X[k],
            y[k],
            W0[k],
            z0[k],
            0.0,
            optimizer="sgd",
            lr=0.3,
            epochs=20,
            batch_size=5,
            rngs=np.random.default_rng(k),
        )
        assert (
            np.allclose(alone.W[0], together.W[k], rtol=1e-12, atol=1e-14)
            and together.diverged_epoch[k] == -1
        )


def test_divergence_rule_fires_on_the_loss_ratio_not_only_on_overflow():
    """A growth by more than divergence_factor counts, even while every number is finite."""
    X, y, W0, z0 = _small_problem(4)
    kw = dict(optimizer="gd", lr=2.0, epochs=5)
    loose = train_first_order(X, y, W0, z0, 0.0, divergence_factor=1e300, **kw)
    tight = train_first_order(X, y, W0, z0, 0.0, divergence_factor=10.0, **kw)
    ratio = np.nanmax(loose.history[0, 1:] / loose.history[0, 0])
    assert np.isfinite(ratio) and ratio > 10.0
    assert tight.diverged[0] and not loose.diverged[0]
    first = int(np.argmax(loose.history[0, 1:] > 10.0 * loose.history[0, 0]))
    assert tight.diverged_epoch[0] == first


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"lr": 0.0}, "lr"),
        ({"epochs": 0}, "epochs"),
        ({"decay_epochs": -1}, "decay_epochs"),
        ({"decay_rate": 1.5}, "decay_rate"),
        ({"momentum": 1.0}, "momentum"),
        ({"betas": (0.9, 1.0)}, "betas"),
        ({"eps": 0.0}, "eps"),
        ({"divergence_factor": 1.0}, "divergence_factor"),
        ({"optimizer": "adam", "batch_size": None}, "batch_size"),
        ({"optimizer": "sgd", "rngs": None}, "rngs"),
        ({"optimizer": "sgd", "rngs": [0, 1]}, "rngs"),
        ({"batch_size": 0, "optimizer": "sgd"}, "batch_size"),
        ({"z0": np.ones(5)}, "shapes"),
    ],
)
def test_train_first_order_bad_inputs(kwargs, needle):
    X, y, W0, z0 = _small_problem()
    args = (
        dict(
            X=X, y=y, W0=W0, z0=z0, rho=0.0, optimizer="gd", lr=0.1, epochs=2, batch_size=4, rngs=0
        )
        | kwargs
    )
    with pytest.raises(ValueError, match=needle):
        train_first_order(**args)
    assert set(OPTIMIZERS) == {"gd", "sgd", "momentum", "adam"}


def test_float32_gradient_is_the_float64_one_to_single_precision_and_training_agrees():
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((20, 300)), rng.integers(0, 2, 300).astype(float)
    W, z = rng.standard_normal((5, 20)), rng.standard_normal(5)
    from vanishing_minima.numeric.training.loss import mse_grad_unchecked

    m64, gW64, gz64 = mse_grad_unchecked(W, z, X, y, 0.0)
    m32, gW32, gz32 = mse_grad_unchecked(W, z, X.astype(np.float32), y, 0.0)
    assert gW32.dtype == np.float64 and isinstance(m32, float)
    assert m32 == pytest.approx(m64, rel=1e-5)
    assert np.linalg.norm(gW32 - gW64) <= 1e-5 * np.linalg.norm(gW64) and np.allclose(
        gz32, gz64, rtol=1e-4, atol=1e-6
    )
    a = train_network(X, y, 5, 0.0, rng=1, max_iter=200, gtol=1e-10)
    b = train_network(X, y, 5, 0.0, rng=1, max_iter=200, gtol=1e-10, dtype="float32")
    assert b.mse == pytest.approx(
        a.mse, rel=0.05, abs=1e-4
    )  # reported in double precision on the float64 X
    with pytest.raises(ValueError, match="dtype"):
        train_network(X, y, 5, 0.0, rng=1, dtype="float16")
