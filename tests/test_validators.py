"""Validators of issue 19 (untrusted input): every bad argument is refused before any work, with a
ValueError or TypeError that names the argument and the rule.

weights_count (exact Python integers from NumPy integers), train_first_order (the arrays validated as
train_network's), run_audit's arguments, negative seeds (as_generator), train_network's init and
dlm_diagnostics' shapes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vanishing_minima import numeric as nm
from vanishing_minima.checks import audit
from vanishing_minima.numeric import training
from vanishing_minima.numeric._checks import as_generator

INT_DTYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)


# --- weights_count ------------------------------------------------------------------------------------
@given(
    dtype=st.sampled_from(INT_DTYPES),
    d0=st.integers(1, 127),
    widths=st.lists(st.integers(1, 127), max_size=4),
    scale=st.sampled_from([1, 10, 1000, 100_000]),
)
def test_weights_count_is_exact_for_numpy_integers(dtype, d0, widths, scale):
    """The count in exact integer arithmetic, whatever integer type the sizes come in: np.int8(100) gave
    116 and np.int32(100000) gave 1,410,165,408 (wrapped around)."""
    info = np.iinfo(dtype)
    sizes = [min(v * scale, int(info.max)) for v in [d0, *widths]]
    # NumPy's dot product on Python ints (object arrays): exact, no overflow
    expected = (
        int(np.array(sizes[:-1], dtype=object) @ np.array(sizes[1:], dtype=object)) + sizes[-1]
    )
    got = nm.weights_count(dtype(sizes[0]), [dtype(v) for v in sizes[1:]])
    assert type(got) is int and got == expected


def test_weights_count_examples_from_the_issue():
    assert nm.weights_count(np.int8(100), [np.int8(100)]) == 10_100
    assert nm.weights_count(np.int32(100_000), [np.int32(100_000)]) == 10_000_100_000


@pytest.mark.parametrize(
    "d0,widths,error,needle",
    [
        (True, [3], ValueError, "d0 must be an integer >= 1"),
        (3.0, [3], ValueError, "d0 must be an integer >= 1"),
        (0, [3], ValueError, "d0 must be an integer >= 1"),
        (-2, [], ValueError, "d0 must be an integer >= 1"),
        (3, [4, 0], ValueError, r"widths\[1\] must be an integer >= 1"),
        (3, [np.bool_(True)], ValueError, r"widths\[0\] must be an integer >= 1"),
        (3, [2.5], ValueError, r"widths\[0\] must be an integer >= 1"),
        (3, "12", TypeError, "widths must be a sequence"),
        (3, 12, TypeError, "widths must be a sequence"),
    ],
)
def test_weights_count_refuses_what_is_not_a_size(d0, widths, error, needle):
    with pytest.raises(error, match=needle):
        nm.weights_count(d0, widths)


# --- train_first_order: the arrays as train_network validates them --------------------------------------
def _first_order_args():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 8)), rng.choice([-1.0, 1.0], 8)
    W0, z0 = rng.standard_normal((4, 3)), rng.standard_normal(4)
    return dict(X=X, y=y, W0=W0, z0=z0)


def _poke(array, value):
    out = np.array(array, dtype=float)
    out.flat[1] = value
    return out


@pytest.mark.parametrize(
    "name,value,error,needle",
    [
        ("X", lambda a: _poke(a["X"], np.nan), ValueError, "X must be finite"),
        ("W0", lambda a: _poke(a["W0"], np.inf), ValueError, "W0 must be finite"),
        ("y", lambda a: _poke(a["y"], np.nan), ValueError, "y must be finite"),
        ("z0", lambda a: _poke(a["z0"], -np.inf), ValueError, "z0 must be finite"),
        ("X", lambda a: a["X"] + 1j, TypeError, "X must be a real numeric array"),
        ("X", lambda a: a["X"].astype(str), TypeError, "X must be a real numeric array"),
        ("X", lambda a: a["X"] > 0, TypeError, "X must be a real numeric array"),
        ("y", lambda a: a["y"] > 0, TypeError, "y must be a real numeric array"),
        ("X", lambda a: np.empty((3, 0)), ValueError, "X must not be empty"),
        ("X", lambda a: a["X"][0], ValueError, "X must have 2 or 3 dimensions"),
    ],
)
def test_train_first_order_refuses_bad_arrays_naming_them(name, value, error, needle, monkeypatch):
    """NaN or inf used to be counted as a divergence at epoch 0, complex X was truncated, strings parsed,
    booleans accepted, N = 0 a ZeroDivisionError; now refused before any training step."""

    def no_training(*args, **kwargs):
        raise AssertionError("training started despite an invalid argument")

    monkeypatch.setattr(training.first_order, "batched_mse", no_training)
    args = _first_order_args()
    args[name] = value(args)
    with pytest.raises(error, match=needle):
        nm.train_first_order(
            args["X"], args["y"], args["W0"], args["z0"], 0.0, optimizer="gd", lr=0.1, epochs=2
        )


def test_train_first_order_valid_arrays_still_train():
    a = _first_order_args()
    res = nm.train_first_order(
        a["X"], a["y"], a["W0"], a["z0"], 0.0, optimizer="gd", lr=0.01, epochs=3
    )
    assert res.history.shape == (1, 4) and not res.diverged[0]


# --- run_audit's arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs,error,needle",
    [
        (dict(seed=-1), ValueError, "seed must be an integer >= 0"),
        (dict(seed=np.int64(-5)), ValueError, "seed must be an integer >= 0"),
        (dict(seed=True), ValueError, "seed must be an integer >= 0"),
        (dict(seed=1.5), ValueError, "seed must be an integer >= 0"),
        (
            dict(claim_ids="K1"),
            TypeError,
            r"claim_ids must be a list of claim ids, e\.g\. \['K1'\]",
        ),
        (dict(claim_ids=["K1", 7]), TypeError, "claim_ids must hold claim id strings"),
        (dict(claim_ids=7), TypeError, "claim_ids must be a list"),
        (dict(progress="print"), TypeError, "progress must be None or callable"),
    ],
)
def test_run_audit_refuses_bad_arguments_before_any_check(kwargs, error, needle, monkeypatch):
    """seed=-1 used to fail deep inside the first check (a CheckError); "K1" looked up claim "K"."""
    monkeypatch.setattr(audit, "_run", lambda *a, **k: pytest.fail("a check ran"))
    with pytest.raises(error, match=needle):
        audit.run_audit(**kwargs)


def test_run_audit_takes_numpy_seeds_and_lists():
    (res,) = audit.run_audit(["K1"], seed=np.uint8(3), workers=1)
    assert res.claim == "K1" and res.seed_sequence[0] == 3


# --- negative seeds ----------------------------------------------------------------------------------------
@given(seed=st.integers(max_value=-1), numpy=st.booleans())
def test_negative_seeds_are_refused_naming_rng(seed, numpy):
    value = np.int64(max(seed, -(2**63))) if numpy else seed
    with pytest.raises(ValueError, match=r"rng must be .* integer seed >= 0; got"):
        as_generator(value)


@given(seed=st.integers(0, 2**64))
def test_nonnegative_seeds_give_numpys_stream(seed):
    assert as_generator(seed).random() == np.random.default_rng(seed).random()


def test_public_functions_name_rng_for_a_negative_seed():
    X = np.random.default_rng(0).standard_normal((2, 6))
    with pytest.raises(ValueError, match="rng must be"):
        nm.train_network(X, np.ones(6), 2, 0.0, rng=-1)
    with pytest.raises(ValueError, match="rng must be"):
        nm.v2_event_probability(X, np.ones(6), 2, eps=0.2, rng=-1, method="mc", budget=10)


# --- train_network's init ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "init,error,needle",
    [
        (5, TypeError, r"init must be a pair \(W, z\)"),
        ("Wz", TypeError, r"init must be a pair \(W, z\)"),
        (np.zeros((2, 3)), TypeError, r"init must be a pair \(W, z\)"),
        ((np.zeros((2, 3)),), ValueError, r"init must be a pair \(W, z\); got 1 items"),
        ((np.ones((2, 3)), np.ones(2), 0), ValueError, "got 3 items"),
        ((np.ones((3, 3)), np.ones(2)), ValueError, "init must be"),
    ],
)
def test_train_network_refuses_a_bad_init(init, error, needle):
    """init=5 used to give "'int' object is not subscriptable"."""
    X = np.random.default_rng(0).standard_normal((3, 6))
    with pytest.raises(error, match=needle):
        nm.train_network(X, np.ones(6), 2, 0.0, rng=0, init=init, max_iter=3)


# --- dlm_diagnostics' shapes -------------------------------------------------------------------------------
@settings(max_examples=40)
@given(
    d1=st.integers(1, 4),
    d0=st.integers(1, 4),
    n=st.integers(1, 6),
    offsets=st.tuples(*[st.integers(0, 2)] * 4).filter(lambda o: o[0] or o[1] or o[2] != o[3]),
)
def test_dlm_diagnostics_refuses_shapes_that_do_not_fit(d1, d0, n, offsets):
    """A mismatch used to fail inside NumPy's matrix product (its message names no argument)."""
    a, b, c, e = offsets
    rng = np.random.default_rng(0)
    W = rng.standard_normal((d1, d0 + a))
    z = rng.standard_normal(d1 + b)
    X = rng.standard_normal((d0, n + c)) + 0.1
    y = rng.standard_normal(n + e)  # fits X only when c == e
    with pytest.raises(ValueError, match=r"shapes do not fit: W .* \(need W \(d1, d0\)"):
        nm.dlm_diagnostics(W, z, X, y, 0.5)


def test_dlm_diagnostics_on_fitting_shapes_still_measures():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((3, 5)), rng.integers(0, 2, 5).astype(float)
    W, z = rng.standard_normal((2, 3)), rng.standard_normal(2)
    d = nm.dlm_diagnostics(W, z, X, y, 0.5)
    assert d.mse == pytest.approx(np.mean((y - np.where(W @ X > 0, W @ X, 0.5 * W @ X).T @ z) ** 2))


def test_every_pair_of_shapes_is_named():
    """The message names all four shapes, for every single mismatch."""
    base = dict(W=(2, 3), z=(2,), X=(3, 5), y=(5,))
    for name, k in itertools.product(base, range(2)):
        shapes = dict(base)
        shape = list(shapes[name])
        shape[k % len(shape)] += 1
        shapes[name] = tuple(shape)
        arrays = {key: np.ones(s) for key, s in shapes.items()}
        with pytest.raises(ValueError, match="shapes do not fit") as info:
            nm.dlm_diagnostics(arrays["W"], arrays["z"], arrays["X"], arrays["y"], 0.5)
        for key, s in shapes.items():
            assert f"{key} {s}" in str(info.value)
