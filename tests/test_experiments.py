"""Section 5 runs (E1-E3), the multi-layer trainer, and Section 6's stationarity measure."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vanishing_minima import numeric as nm
from vanishing_minima.checks.claim_checks.e2_rule import E2BestCell, E2ProtocolRow
from vanishing_minima.checks.evidence import evidence_json
from vanishing_minima.numeric.experiments import e1, e2, e2_protocols, e3
from vanishing_minima.numeric.training.mlp import mlp_loss_grad

#: Entries of magnitude in [1/4, 2], never 0: no zero row makes a pre-activation exactly 0.
NONZERO = st.floats(0.25, 2.0) | st.floats(-2.0, -0.25)


@st.composite
def mlp_problems(draw):
    """Data (3, 7), targets, hidden widths (1 to 3 layers of 1 to 3) and a flat parameter vector."""
    widths = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = [(w, f) for w, f in zip(widths, [3] + widths[:-1])] + [(widths[-1], 1)]
    X = draw(hnp.arrays(float, (3, 7), elements=NONZERO))
    y = draw(hnp.arrays(float, 7, elements=st.floats(-2.0, 2.0)))
    theta = draw(hnp.arrays(float, sum(r * c for r, c in shapes), elements=NONZERO))
    return X, y, shapes, theta


def _min_abs_preactivation(theta, shapes, X, rho):
    """min |pre-activation| over the layers, by a forward pass written out here."""
    H, k, smallest = X, 0, np.inf
    for r, c in shapes[:-1]:
        U = theta[k : k + r * c].reshape(r, c) @ H
        smallest = min(smallest, np.abs(U).min())
        H, k = np.where(U > 0, U, rho * U), k + r * c
    return smallest


@given(problem=mlp_problems(), rho=st.sampled_from([0.0, 0.2, -0.5]))
def test_mlp_gradient_is_the_derivative_of_the_mse_off_the_kinks(problem, rho):
    """The back-propagated gradient equals central finite differences wherever no pre-activation is within
    1e-2 of a kink (a step of 1e-6 then stays in one region, where the MSE is quadratic in each weight,
    so the difference quotient is exact up to rounding)."""
    X, y, shapes, theta = problem
    assume(_min_abs_preactivation(theta, shapes, X, rho) > 1e-2)
    _, grad = mlp_loss_grad(theta, shapes, X, y, rho)
    h = 1e-6
    numeric = np.array(
        [
            (
                mlp_loss_grad(theta + h * e, shapes, X, y, rho)[0]
                - mlp_loss_grad(theta - h * e, shapes, X, y, rho)[0]
            )
            / (2 * h)
            for e in np.eye(theta.size)
        ]
    )
    assert np.allclose(grad, numeric, atol=1e-5 * (1 + np.abs(numeric).max()))


@given(
    W=hnp.arrays(float, (3, 4), elements=st.floats(-2.0, 2.0)),
    z=hnp.arrays(float, 3, elements=st.floats(-2.0, 2.0)),
    X=hnp.arrays(float, (4, 6), elements=st.floats(-2.0, 2.0)),
    y=hnp.arrays(float, 6, elements=st.floats(-2.0, 2.0)),
    rho=st.floats(-2.0, 0.9),
)
def test_mlp_loss_with_one_hidden_layer_is_the_network_mse_for_every_input(W, z, X, y, rho):
    """One hidden layer: the multi-layer loss and gradient are mse_and_gradient's, for every input (the
    one-sided a(0) = rho at an exact zero in both)."""
    shapes = [(3, 4), (3, 1)]
    value, grad = mlp_loss_grad(np.r_[W.ravel(), z], shapes, X, y, rho)
    mse, gW, gz = nm.mse_and_gradient(W, z, X, y, rho)
    assert value == pytest.approx(mse, rel=1e-12, abs=1e-12)
    assert np.allclose(grad, np.r_[gW.ravel(), gz], rtol=1e-10, atol=1e-10)


@given(seed=st.integers(0, 2**16))
def test_train_mlp_interpolates_when_wide(seed):
    """Widths 24 on N = 12 points (about 50x more weights than points): zero training loss.

    (At widths 6 the same nets stop at MSE 0.08-0.4 in 3 of 4 seeds: dead ReLUs without biases.)"""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((6, 12)), rng.choice([-1.0, 1.0], 12)
    res = nm.train_mlp(X, y, [24, 24], 0.0, rng=rng)
    assert res.mse < 1e-12 and np.all(np.sign(res.output) == y)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(widths=[]), "widths"),
        (dict(widths=[0]), "widths"),
        (dict(rho=1.0), "rho"),
        (dict(y=np.zeros(3)), "length"),
    ],
)
def test_train_mlp_refuses_bad_input(kwargs, match):
    args = dict(X=np.ones((2, 4)), y=np.zeros(4), widths=[2], rho=0.0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        nm.train_mlp(args["X"], args["y"], args["widths"], args["rho"], rng=0)


@given(
    W=hnp.arrays(float, (3, 4), elements=NONZERO),
    z=hnp.arrays(float, 3, elements=st.floats(-2.0, 2.0)),
    X=hnp.arrays(float, (4, 9), elements=NONZERO),
    y=hnp.arrays(float, 9, elements=st.floats(-2.0, 2.0)),
)
def test_kink_stationarity_without_zero_inputs_is_the_plain_gradient(W, z, X, y):
    """No zero input: P is the identity, so the projected and unprojected measures agree exactly."""
    k = nm.kink_stationarity(W, z, X, y, 0.1, tau=0.0)
    assume(k.zero_fraction == 0)
    assert k.projected == k.full


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
    e1 = nm.e1_point(nm.E1Task(n=20, d0=5, layers=2, seed=[1]))
    assert 0 <= e1.mce <= 1 and e1.mse >= 0 and e1.max_iter == 5000 and e1.seed == (1,)
    e2 = nm.e2_point(nm.E2Task(d=10, seed=[2]))
    assert e2.n == 20 and e2.min_abs_wx >= 0 and e2.mse >= 0 and e2.lr == nm.experiments.E2_LR
    X, y = nm.load_digits_binary()
    e3 = nm.E3Task(X=X[:, :120], y=y[:120], seed=[3], max_iter=500).run()
    assert e3.d1 == 2 and "X" not in e3.to_dict() and 0 <= e3.mce <= 1
    assert nm.weights_count(10, [10]) == 110 and nm.weights_count(10, [10, 10]) == 210


def test_a_task_and_its_list_seed_give_the_point_of_the_tuple_seed():
    """A list seed is stored as a tuple: the task pickles and draws the same as with the tuple."""
    task = nm.E1Task(n=12, d0=3, layers=1, seed=[4, 5], max_iter=50)
    again = pickle.loads(pickle.dumps(task))
    assert again == task == nm.E1Task(n=12, d0=3, layers=1, seed=(4, 5), max_iter=50)
    a, b = task.run(), again.run()
    assert (a.mce, a.mse, a.iterations) == (b.mce, b.mse, b.iterations)


X_DIGITS = np.arange(12.0).reshape(3, 4)
TASK_CASES = [
    (lambda: nm.E1Task(n=0, d0=3, layers=1, seed=0), ValueError, "n must be an integer >= 1"),
    (lambda: nm.E1Task(n=5, d0=3, layers=True, seed=0), ValueError, "layers must be"),
    (lambda: nm.E1Task(n=5, d0=3, layers=1, seed=-1), ValueError, "seed must be"),
    (lambda: nm.E1Task(n=5, d0=3, layers=1, seed=0, max_iter=0), ValueError, "max_iter"),
    (lambda: nm.E2Task(d=2, seed=0), ValueError, r"d must be an integer >= 3"),
    (lambda: nm.E2Task(d=10, seed=0, lr=0.0), ValueError, "lr must be"),
    (lambda: nm.E2Task(d=10, seed=0, decay=1.5), ValueError, "decay must be"),
    (lambda: nm.E2Task(d=10, seed=0, init_scale=-1.0), ValueError, "init_scale must be"),
    (lambda: nm.E2ProtocolTask("lbfgs", 10, 0.1, [0]), ValueError, "optimizer must be one of"),
    (lambda: nm.E2ProtocolTask("gd", 10, 0.1, []), ValueError, "seeds must hold one seed"),
    (lambda: nm.E2ProtocolTask("gd", 10, 0.1, [0, [1, -2]]), ValueError, r"seeds\[1\] must be"),
    (lambda: nm.E2ProtocolTask("gd", 10, 0.1, [0, 1], reps=(0,)), ValueError, "reps must label"),
    (lambda: nm.E2ProtocolTask("sgd", 10, 0.1, [0], batch_size=0), ValueError, "batch_size"),
    (lambda: nm.E2ProtocolTask("gd", 10, 0.1, [0], epochs=0), ValueError, "epochs"),
    (lambda: nm.E3Task(X=X_DIGITS, y=np.ones(3), seed=0), ValueError, "y must have length N = 4"),
    (lambda: nm.E3Task(X=X_DIGITS[0], y=np.ones(4), seed=0), ValueError, "X must have 2"),
    (lambda: nm.E3Task(X=X_DIGITS * np.nan, y=np.ones(4), seed=0), ValueError, "X must be finite"),
    (lambda: nm.E3Task(X=X_DIGITS, y=np.ones(4), seed=0, d1=0), ValueError, "d1 must be"),
    (lambda: nm.E3Task(X=X_DIGITS, y=np.ones(4), seed=0, dtype="float16"), ValueError, "dtype"),
    (lambda: nm.E3Task(X=X_DIGITS, y=np.ones(4), seed=0, max_work=0.0), ValueError, "max_work"),
    (lambda: nm.E3Task(X=X_DIGITS, y=np.ones(4), seed=0, blas_threads=0), ValueError, "blas"),
    (lambda: nm.e1_point({"n": 5, "d0": 3, "layers": 1, "seed": 0}), TypeError, "E1Task"),
    (lambda: nm.e2_point({"d": 10, "seed": 0}), TypeError, "E2Task"),
    (lambda: nm.e2_protocol_point(nm.E2Task(d=10, seed=0)), TypeError, "E2ProtocolTask"),
    (lambda: nm.e3_point({"X": X_DIGITS, "y": np.ones(4), "seed": 0}), TypeError, "E3Task"),
]


@pytest.mark.parametrize("make,error,needle", TASK_CASES)
def test_tasks_refuse_a_bad_field_on_construction_and_points_refuse_what_is_not_their_task(
    make, error, needle, monkeypatch
):
    """Before any work: the trainers are replaced by a function that fails the test if it runs."""

    def no_training(*args, **kwargs):
        raise AssertionError("training started despite an invalid task")

    for module, name in (
        (e1, "train_mlp"),
        (e2, "train_network"),
        (e2_protocols, "train_first_order"),
        (e3, "train_network"),
    ):
        monkeypatch.setattr(module, name, no_training)
    with pytest.raises(error, match=needle):
        make()


def test_e2_run_with_too_large_a_step_is_reported_as_diverged_not_raised():
    r = nm.e2_point(nm.E2Task(d=10, seed=0, lr=50.0))
    assert r.diverged and r.mse == np.inf and np.isnan(r.min_abs_wx) and r.pairs_below_1e_3 == -1
    ok = nm.E2Task(d=10, seed=0, lr=0.1, init_scale=0.3).run()
    assert not ok.diverged and np.isfinite(ok.mse) and ok.lr == 0.1 and ok.init_scale == 0.3


# --- E2 under several optimizers -------------------------------------------------------------------

from vanishing_minima.checks import plots  # noqa: E402
from vanishing_minima.checks.audit import Verdict  # noqa: E402
from vanishing_minima.checks.claim_checks.e2_rule import (  # noqa: E402
    E2Flags,
    E2Record,
    e2_plan,
    e2_protocol_name,
    e2_run_flags,
    e2_summary,
    e2_verdict,
)


def _run(mse=1e-20, wx=1e-2, diverged=False, kink=False, d=10):
    """A record of one run ending at (mse, min |w^T x|)."""
    run = nm.E2Run(
        rep=0,
        mse=mse,
        diverged=diverged,
        diverged_epoch=3 if diverged else -1,
        min_abs_wx=wx,
        normalized_min_abs_wx=wx,
        zero_inputs=2 if kink else 0,
        kink=kink,
    )
    return E2Record(protocol="p", optimizer="gd", lr=0.1, init_scale=1.0, d=d, run=run)


def test_e2_run_flags_follow_the_paper_ranges():
    assert e2_run_flags(_run()).both
    assert e2_run_flags(_run(mse=1e-33)) == E2Flags(
        in_wx=True, in_mse=False, mse_small=True, both=True, diverged=False, kink=False
    )
    assert (
        not e2_run_flags(_run(wx=1e-4, kink=True)).both
        and e2_run_flags(_run(wx=1e-4, kink=True)).kink
    )
    assert not e2_run_flags(_run(mse=1e-6)).both and not e2_run_flags(_run(wx=2.0)).both
    assert e2_run_flags(_run(mse=np.inf, wx=np.nan, diverged=True)) == E2Flags(
        in_wx=False, in_mse=False, mse_small=False, both=False, diverged=True, kink=False
    )


def test_e2_summary_counts_and_fractions():
    s = e2_summary(
        [
            _run(),
            _run(wx=1e-5, kink=True),
            _run(mse=np.inf, wx=np.nan, diverged=True),
            _run(mse=1e-3),
        ]
    )
    assert (s.runs, s.both, s.kink, s.diverged, s.in_wx, s.mse_small) == (4, 1, 1, 1, 2, 2)
    assert s.both_fraction == 0.25 and s.in_wx_fraction == 0.5
    assert evidence_json(s) == {
        "runs": 4,
        "in_wx": 2,
        "in_wx fraction": 0.5,
        "in_mse": 2,
        "in_mse fraction": 0.5,
        "mse_small": 2,
        "mse_small fraction": 0.5,
        "both": 1,
        "both fraction": 0.25,
        "diverged": 1,
        "diverged fraction": 0.25,
        "kink": 1,
        "kink fraction": 0.25,
    }
    with pytest.raises(ValueError, match="runs"):
        e2_summary([])


def test_e2_rows_hold_the_summary_between_their_own_fields():
    """A protocol row: its head, the summary's fields, the medians of its stable runs (None if none)."""
    records = [
        _run(mse=1e-20, wx=1e-2),
        _run(mse=1e-10, wx=1e-6),
        _run(mse=np.inf, wx=np.nan, diverged=True),
    ]
    row = E2ProtocolRow.of(records)
    json = evidence_json(row)
    assert list(json)[:5] == ["protocol", "optimizer", "step", "init_scale", "runs"]
    assert list(json)[-2:] == ["median MSE (stable)", "median min|w^T x| (stable)"]
    assert json["median MSE (stable)"] == (1e-20 + 1e-10) / 2  # the median of two stable runs
    assert json["median min|w^T x| (stable)"] == (1e-2 + 1e-6) / 2
    assert json["both"] == 1 and json["diverged fraction"] == pytest.approx(1 / 3)
    assert evidence_json(E2ProtocolRow.of(records[2:]))["median MSE (stable)"] is None
    cell = evidence_json(E2BestCell.of("p", 15, e2_summary(records)))
    assert list(cell)[:3] == ["protocol", "d", "runs"] and cell["d"] == 15


def test_e2_verdict_rule_on_synthetic_protocols():
    good, bad = [_run()] * 30, [_run(wx=1e-6, kink=True)] * 30
    v, best, text = e2_verdict({"gd": bad, "adam": good, "sgd": list(good)})
    assert v is Verdict.CONSISTENT and best == "adam" and "adam, sgd" in text and "2 of 3" in text
    almost = [_run()] * 27 + [_run(mse=np.inf, wx=np.nan, diverged=True)] * 3  # 90%: partial
    v, best, text = e2_verdict({"gd": bad, "momentum": almost})
    assert v is Verdict.PARTIAL and best == "momentum" and "90%" in text
    v, best, text = e2_verdict({"gd": bad, "momentum": almost[1:] + bad[:1]})  # 26/30 < 90%
    assert v is Verdict.INCONSISTENT and "tried gd: 0%; momentum: 87%" in text
    assert e2_verdict({"a": bad, "b": bad})[1] == "a"  # ties: the first protocol
    with pytest.raises(ValueError, match="protocols"):
        e2_verdict({})
    with pytest.raises(ValueError, match="partial"):
        e2_verdict({"a": good}, partial=1.0)
    with pytest.raises(ValueError, match="runs"):
        e2_verdict({"a": []})


def test_e2_plan_budgets_nest_and_name_the_protocols():
    quick, standard, thorough = (e2_plan(s) for s in (1, 4, 16))
    assert thorough.reps == 30 and thorough.ds == (10, 15, 20, 25, 30)
    for small in (quick, standard):
        assert set(small.ds) <= set(thorough.ds) and set(small.steps) <= set(thorough.steps)
        assert set(small.scales) <= set(thorough.scales) and small.reps <= thorough.reps
    assert e2_protocol_name("gd", 0.2, 1.0) == "gd step 0.2 init 1"
    assert e2_protocol_name("adam", 0.001, 0.3) == "adam batch 10 step 0.001 init 0.3"
    with pytest.raises(ValueError, match="scale"):
        e2_plan(2)


def test_e2_measure_counts_zero_inputs_and_kinks():
    X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    m = nm.e2_measure(np.array([[1.0, 0.0], [0.0, 2.0]]), X)  # w1^T x2 = 0 and w2^T x1 = 0
    assert m.zero_inputs == 2 and m.kink and m.min_abs_wx == 0.0
    m = nm.e2_measure(np.array([[1.0, 0.5]]), X)
    assert m.zero_inputs == 0 and not m.kink and m.min_abs_wx == 0.5
    with pytest.raises(ValueError, match="finite"):
        nm.e2_measure(np.full((1, 2), np.nan), X)
    with pytest.raises(ValueError, match="W must be"):
        nm.e2_measure(np.ones((1, 3)), X)


def test_e2_protocol_point_runs_repeats_side_by_side_on_the_same_data_for_every_optimizer():
    seeds = [[7, 0], [7, 1]]
    out = {}
    for opt in nm.training.OPTIMIZERS:
        r = nm.e2_protocol_point(nm.E2ProtocolTask(opt, 10, 0.01, seeds, init_scale=1.0, epochs=20))
        assert r.n == 20 and "seeds" not in r.to_dict() and [x.rep for x in r.runs] == [0, 1]
        assert all(np.isfinite(x.mse) and x.zero_inputs >= 0 for x in r.runs)
        out[opt] = r
    # GD here is e2_point's GD: the same data and start from the same seed (e2_point at the full schedule)
    full = nm.E2ProtocolTask("gd", 10, 0.1, seeds[:1]).run()
    ref = nm.e2_point(nm.E2Task(d=10, seed=seeds[0], lr=0.1))
    assert full.runs[0].mse == pytest.approx(ref.mse, rel=1e-6, abs=1e-30)
    assert full.runs[0].min_abs_wx == pytest.approx(ref.min_abs_wx, rel=1e-6, abs=1e-12)
    big = nm.E2ProtocolTask("sgd", 10, 50.0, seeds, init_scale=3.0, epochs=5).run()
    assert all(x.diverged and np.isnan(x.min_abs_wx) and x.mse == np.inf for x in big.runs)
    svg = plots.e2_figure(
        [
            SimpleNamespace(d=10, mse=x.mse, min_abs_wx=x.min_abs_wx)
            for x in out["adam"].runs + big.runs
        ],
        paper_wx=(1e-3, 1),
        paper_mse=(1e-31, 1e-7),
        title="adam",
    )
    assert svg.startswith("<?xml") and "2 diverged" in svg and "adam" in svg
