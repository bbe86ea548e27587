"""train_large (numeric/training/large.py): its gradient, resuming to the bit in a new process, refusals.

Synthetic data only (the MNIST row runs from scripts/mnist_table1.py).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.training.large import _kernel


def _data(d0=6, n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    y = (rng.standard_normal(n) > 0).astype(float)
    return X, y


SETTINGS = {
    "lbfgs": {"optimizer": "lbfgs"},
    "sgd": {"optimizer": "sgd", "lr": 0.05, "batch_size": 16},
    "adam": {"optimizer": "adam", "lr": 0.01, "batch_size": 16},
}


@pytest.mark.parametrize("rho", [0.0, 0.3, -0.5])
def test_gradient_matches_finite_differences(rho):
    X, y = _data(d0=4, n=12)
    rng = np.random.default_rng(1)
    W, z = rng.standard_normal((3, 4)), rng.standard_normal(3)
    loss, errors, g = _kernel(W, z, X, y, rho)
    theta = np.concatenate([W.ravel(), z])
    h = 1e-6
    fd = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        up = _kernel((theta + step)[:12].reshape(3, 4), (theta + step)[12:], X, y, rho, grad=False)
        down = _kernel(
            (theta - step)[:12].reshape(3, 4), (theta - step)[12:], X, y, rho, grad=False
        )
        fd[i] = (up[0] - down[0]) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)
    ref_loss, ref_gW, ref_gz = nm.mse_and_gradient(W, z, X, y, rho)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(g, np.concatenate([ref_gW.ravel(), ref_gz]), rtol=1e-10, atol=1e-14)
    out = nm.lrelu(W @ X, rho).T @ z
    assert errors == np.count_nonzero((out > 0.5) != (y > 0.5))


def test_float32_kernel_close_to_float64():
    X, y = _data(d0=10, n=200)
    rng = np.random.default_rng(2)
    W, z = rng.standard_normal((5, 10)), rng.standard_normal(5)
    l64, _, g64 = _kernel(W, z, X, y, 0.0)
    l32, _, g32 = _kernel(W, z, X.astype(np.float32), y.astype(np.float32), 0.0)
    assert l32 == pytest.approx(l64, rel=1e-5)
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-5 * np.abs(g64).max())


RESUME = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from vanishing_minima import numeric as nm

    data = np.load(sys.argv[1])
    for name, kwargs in json.loads(sys.argv[2]).items():
        r = nm.train_large(data["X"], data["y"], 5, 0.0, rng=0, max_iter=12, max_work=1e12,
                           checkpoint=sys.argv[3] + name + ".npz", **kwargs)
        np.savez(sys.argv[3] + name + "-out.npz", W=r.W, z=r.z, history=r.history,
                 counts=[r.iterations, r.evaluations, r.resumed_at], loss=r.loss, mce=r.mce)
    """
)


def test_resume_in_a_new_process_is_bit_identical(tmp_path):
    X, y = _data(d0=8, n=120)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    prefix = str(tmp_path) + "/"
    for name, kwargs in SETTINGS.items():  # first session: 5 iterations, then stop
        first = nm.train_large(
            X, y, 5, 0.0, rng=0, max_iter=5, checkpoint=prefix + name + ".npz", **kwargs
        )
        assert first.stop_reason == "max_iter" and first.iterations == 5
    import json

    subprocess.run(
        [sys.executable, "-c", RESUME, str(tmp_path / "data.npz"), json.dumps(SETTINGS), prefix],
        check=True,
        timeout=120,
    )
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]  # written atomically
    for name, kwargs in SETTINGS.items():
        whole = nm.train_large(X, y, 5, 0.0, rng=0, max_iter=12, **kwargs)
        resumed = np.load(prefix + name + "-out.npz")
        assert resumed["counts"].tolist() == [whole.iterations, whole.evaluations, 5]
        assert whole.iterations == 12 and whole.stop_reason == "max_iter"
        for key in ("W", "z", "history"):
            assert np.array_equal(resumed[key], getattr(whole, key)), (name, key)
        assert float(resumed["loss"]) == whole.loss and float(resumed["mce"]) == whole.mce


def test_mismatched_checkpoint_refused(tmp_path):
    X, y = _data()
    path = tmp_path / "run.npz"
    nm.train_large(X, y, 4, 0.0, rng=0, max_iter=3, checkpoint=path)
    with pytest.raises(ValueError, match=r"d1 = 4 there, 5 here"):
        nm.train_large(X, y, 5, 0.0, rng=0, max_iter=3, checkpoint=path)
    with pytest.raises(ValueError, match="X_sha256"):
        nm.train_large(X + 1e-12, y, 4, 0.0, rng=0, max_iter=3, checkpoint=path)
    with pytest.raises(ValueError, match="rng_start"):
        nm.train_large(X, y, 4, 0.0, rng=1, max_iter=3, checkpoint=path)
    with pytest.raises(ValueError, match="optimizer = 'lbfgs' there, 'adam' here"):
        nm.train_large(X, y, 4, 0.0, rng=0, optimizer="adam", max_iter=3, checkpoint=path)
    with pytest.raises(ValueError, match="dtype"):
        nm.train_large(X, y, 4, 0.0, rng=0, max_iter=3, checkpoint=path, dtype="float64")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a train_large checkpoint"):
        nm.train_large(X, y, 4, 0.0, rng=0, max_iter=3, checkpoint=bad)
    # the stopping rules may change between sessions
    more = nm.train_large(X, y, 4, 0.0, rng=0, max_iter=6, checkpoint=path, stop_after=100.0)
    assert more.resumed_at == 3 and more.iterations >= 3


@pytest.mark.parametrize(
    "change, match",
    [
        ({"X": np.ones((3, 0))}, "X must not be empty"),
        ({"X": np.full((6, 80), np.nan)}, "X must be finite"),
        ({"y": np.full(80, 0.5)}, "y must have entries in"),
        ({"y": np.zeros(79)}, "y must have length"),
        ({"d1": 0}, "d1 must be an integer >= 1"),
        ({"rho": 1.0}, "rho must differ from 1"),
        ({"optimizer": "newton"}, "optimizer must be one of"),
        ({"dtype": "float16"}, "dtype must be"),
        ({"max_iter": 0}, "max_iter must be"),
        ({"target_mce": 1.5}, "target_mce must be"),
        ({"optimizer": "sgd", "lr": -1.0}, "lr must be"),
        ({"optimizer": "sgd", "momentum": 1.0}, "momentum must be"),
        ({"optimizer": "adam", "batch_size": 81}, "batch_size must be at most"),
        ({"init_scale": 0.0}, "init_scale must be"),
        ({"checkpoint_seconds": 0}, "checkpoint_seconds must be"),
        ({"stop_after": -1}, "stop_after must be"),
        ({"rng": None}, "rng must be"),
    ],
)
def test_bad_inputs_refused(change, match):
    X, y = _data()
    kwargs = {"X": X, "y": y, "d1": 3, "rho": 0.0, "rng": 0, "max_iter": 2, **change}
    with pytest.raises(ValueError, match=match):
        nm.train_large(
            kwargs.pop("X"), kwargs.pop("y"), kwargs.pop("d1"), kwargs.pop("rho"), **kwargs
        )


def test_bad_types_refused():
    X, y = _data()
    with pytest.raises(TypeError, match="progress must be callable"):
        nm.train_large(X, y, 3, 0.0, rng=0, progress=1)
    with pytest.raises(TypeError, match="checkpoint must be a path"):
        nm.train_large(X, y, 3, 0.0, rng=0, checkpoint=3)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_reaches_zero_mce_on_an_easy_problem(name):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((10, 60))
    y = (X[0] + 0.5 * X[1] > 0).astype(float)  # linearly separable, 60 points, 10 x 8 + 8 weights
    records = []
    r = nm.train_large(X, y, 8, 0.0, rng=4, max_iter=400, progress=records.append, **SETTINGS[name])
    assert r.converged and r.stop_reason == "target_mce" and r.mce == 0.0
    assert (
        r.iterations < 400 and r.history[-1, 2] == 0.0 and r.history.shape == (r.iterations + 1, 3)
    )
    assert isinstance(records[-1], nm.LargeTrainProgress) and records[-1].iteration == r.iterations
    assert records[-1].eta_seconds >= 0 and records[-1].evaluations == r.evaluations


def test_stop_after_stops_and_checkpoints(tmp_path):
    X, y = _data()
    path = tmp_path / "run.npz"
    r = nm.train_large(X, y, 3, 0.0, rng=0, max_iter=500, stop_after=1e-9, checkpoint=path)
    assert r.stop_reason == "stop_after" and r.iterations == 1 and path.exists()


def test_work_cap_refused_before_starting(tmp_path):
    X, y = _data(d0=50, n=1000)
    path = tmp_path / "run.npz"
    calls = []
    with pytest.raises(ValueError, match="max_work"):
        nm.train_large(X, y, 40, 0.0, rng=0, max_iter=10**6, checkpoint=path, progress=calls.append)
    assert not path.exists() and not calls
    with pytest.raises(ValueError, match="max_work"):
        nm.train_large(X, y, 40, 0.0, rng=0, max_iter=10, max_work=1e6)
