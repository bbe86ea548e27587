"""Work and memory caps of issue 19 (untrusted input): a call whose budget, iterations, epochs or sizes
would take more than its cap is refused before any allocation, naming the argument, the cap and the
time or memory it would take; a call within its caps runs and stays within them.

v2_event_probability (``max_work``, ``max_memory``; the engines generalized_splitting and the dead-point
estimator check their populations), train_network / train_mlp / train_first_order (``max_work``), and
``vanishing-minima bench`` (its sizes, and the GEMM timing loop).
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vanishing_minima import numeric as nm
from vanishing_minima.checks import bench, cli, measure_commands, parser
from vanishing_minima.numeric import rare_events, training
from vanishing_minima.numeric.rare_events import api, dead_points, splitting


def _data(d0, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)


def _refuse(*args, **kwargs):
    raise AssertionError("work started despite a budget above the cap")


@pytest.fixture
def no_sampling(monkeypatch):
    """Whatever is refused must be refused before the first sample is drawn."""
    monkeypatch.setattr(api, "estimate_by_monte_carlo", _refuse)
    monkeypatch.setattr(splitting, "run_pilot", _refuse)
    monkeypatch.setattr(splitting, "run_repetitions", _refuse)
    monkeypatch.setattr(dead_points, "as_generator", _refuse)


# --- v2_event_probability ----------------------------------------------------------------------------------
def test_v2_mc_budget_beyond_the_work_cap_is_refused_naming_budget_and_time(no_sampling):
    """budget = 10**15 plain Monte Carlo samples used to run (past 60 s, for years)."""
    X, y = _data(6, 12)
    with pytest.raises(ValueError) as info:
        nm.v2_event_probability(X, y, 4, eps=0.3, rng=1, method="mc", budget=10**15)
    msg = str(info.value)
    assert "budget = 1000000000000000 evaluations" in msg and "max_work = 1e+13" in msg
    seconds = float(re.search(r"about ([0-9.e+]+) s at", msg).group(1))
    assert seconds > 1e8  # 10**15 evaluations of at least 2 d1 d0 N operations at 2e9 per second


@pytest.mark.parametrize("method", ["splitting", "dead-points"])
def test_v2_budget_whose_population_exceeds_the_memory_cap_is_refused(method, no_sampling):
    """budget = 10**8 on a 6 x 12 problem allocated 6.1 GiB (splitting) or 1.85 GB (dead points) first."""
    X, y = _data(6, 12)
    needle = r"budget.* would hold about [0-9.]+ GiB at once, more than max_memory = 2 GiB"
    with pytest.raises(ValueError, match=needle):
        nm.v2_event_probability(X, y, 4, eps=0.3, rng=1, method=method, budget=10**8)


def test_the_caps_can_be_raised_and_lowered():
    X, y = _data(6, 12)
    with pytest.raises(ValueError, match="more than max_work = 1e\\+06"):
        nm.v2_event_probability(X, y, 4, eps=0.3, rng=1, method="mc", budget=1000, max_work=1e6)
    res = nm.v2_event_probability(X, y, 4, eps=0.3, rng=1, method="mc", budget=1000, max_work=1e8)
    assert res.evaluations == 1000
    with pytest.raises(ValueError, match="max_memory must be a finite number"):
        nm.v2_event_probability(X, y, 4, eps=0.3, rng=1, budget=1000, max_memory=-1)
    with pytest.raises(ValueError, match="max_work must be a finite number"):
        nm.v2_event_probability(X, y, 4, eps=0.3, rng=1, budget=1000, max_work=float("nan"))


def test_a_huge_residual_batch_is_refused(no_sampling):
    X, y = _data(30, 200)
    with pytest.raises(ValueError, match="batch = 1000000 at .*1000000 samples per residual call"):
        nm.v2_event_probability(X, y, 8, eps=0.1, rng=1, method="mc", budget=10**6, batch=10**6)


@settings(max_examples=12)
@given(
    method=st.sampled_from(["mc", "splitting", "dead-points"]),
    budget=st.integers(3_000, 30_000),
    cap_mb=st.floats(0.05, 100.0),
)
def test_an_accepted_run_stays_within_max_memory(method, budget, cap_mb):
    """The law of the memory cap: a run it lets through allocates at most ``max_memory`` at its peak
    (measured by tracemalloc, which sees NumPy's arrays); one that would not is refused before any large
    allocation.  X in general position with d0 d1 > N (the dead-point estimate is about 1.3 times low at
    d0 d1 = N, where the residual's fallback solves run: see v2_event_probability's max_memory)."""
    X, y = _data(11, 24, seed=budget)
    cap = cap_mb * 2**20
    tracemalloc.start()
    try:
        nm.v2_event_probability(
            X, y, 3, eps=0.15, rng=budget, method=method, budget=budget, max_memory=cap
        )
    except ValueError as exc:
        assert "max_memory" in str(exc)
        assert tracemalloc.get_traced_memory()[1] < 2**20
    else:
        assert tracemalloc.get_traced_memory()[1] <= cap
    finally:
        tracemalloc.stop()


def test_generalized_splitting_caps_its_pilot_population(no_sampling):
    budget = rare_events.SplittingBudget(evaluations=10**6, pilot_size=10**9)
    with pytest.raises(ValueError, match=r"up to 1000000000 samples of shape \(50,\)"):
        nm.generalized_splitting(lambda W: W[:, 0], 50, 3.0, rng=0, budget=budget)


# --- trainers ----------------------------------------------------------------------------------------------
@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(training.network, "mse_grad_unchecked", _refuse)
    monkeypatch.setattr(training.first_order, "batched_mse", _refuse)
    monkeypatch.setattr(training.mlp, "mlp_loss_grad", _refuse)


def test_train_network_gd_beyond_the_cap_is_refused(no_training):
    """max_iter = 10**12 epochs of gradient descent used to run without bound."""
    X, y = _data(3, 10)
    with pytest.raises(
        ValueError, match=r"max_iter \+ decay_epochs = 1000000000000 loss evaluations.*max_work"
    ):
        nm.train_network(X, y, 2, 0.0, rng=0, method="gd", max_iter=10**12)
    with pytest.raises(ValueError, match=r"max_iter = 1000000000000 loss evaluations"):
        nm.train_network(X, y, 2, 0.0, rng=0, max_iter=10**12)


def test_train_first_order_beyond_the_cap_is_refused(no_training):
    """epochs = 10**8 used to run without bound (and allocate a history of 10**8 entries per run)."""
    X, y = _data(3, 10)
    W0, z0 = np.ones((2, 3)), np.ones(2)
    with pytest.raises(ValueError, match=r"epochs \+ decay_epochs = 100000000 epochs.*max_work"):
        nm.train_first_order(X, y, W0, z0, 0.0, optimizer="gd", lr=0.1, epochs=10**8)
    with pytest.raises(ValueError, match="max_work"):
        nm.train_first_order(
            X, y, W0, z0, 0.0, optimizer="sgd", lr=0.1, epochs=10**6, batch_size=1, rngs=0
        )


def test_train_mlp_validates_and_caps_max_iter(no_training):
    X, y = _data(3, 10)
    with pytest.raises(ValueError, match="max_iter = 1000000000 loss evaluations"):
        nm.train_mlp(X, y, [4, 4], 0.0, rng=0, max_iter=10**9)
    with pytest.raises(ValueError, match="max_iter must be an integer >= 1"):
        nm.train_mlp(X, y, [4], 0.0, rng=0, max_iter=0)
    with pytest.raises(ValueError, match="gtol must be a finite number"):
        nm.train_mlp(X, y, [4], 0.0, rng=0, gtol=float("nan"))


@settings(max_examples=25)
@given(
    d1=st.integers(1, 5),
    d0=st.integers(1, 5),
    n=st.integers(1, 12),
    epochs=st.integers(1, 40),
    decay=st.integers(0, 40),
    max_work=st.floats(1e3, 1e7),
)
def test_accepted_gradient_descent_stays_within_max_work(d1, d0, n, epochs, decay, max_work):
    """The law of the cap: an accepted run's matrix products alone (two d1 x d0 x N products, 2 d1 d0 N
    operations each, per epoch, counted from the history it returns) never exceed ``max_work``."""
    X, y = _data(d0, n)
    try:
        res = nm.train_network(
            X, y, d1, 0.0, rng=0, method="gd", lr=1e-3, max_iter=epochs, decay_epochs=decay,
            max_work=max_work,
        )  # fmt: skip
    except ValueError as exc:
        assert "max_work" in str(exc)
        assert (epochs + decay) * 4 * d1 * d0 * n > 0
    else:
        assert len(res.history) * 4 * d1 * d0 * n <= max_work


# --- vanishing-minima bench --------------------------------------------------------------------------------
@pytest.fixture
def counted_matmul(monkeypatch):
    """np.matmul that counts its calls and stops a runaway loop."""
    calls = []
    real = np.matmul

    def matmul(*args, **kwargs):
        calls.append(1)
        if len(calls) > 10 * bench.GEMM_MAX_CALLS:
            raise AssertionError("the GEMM timing loop is not bounded")
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "matmul", matmul)
    return calls


def test_gemm_rate_is_bounded_in_calls_at_tiny_sizes(counted_matmul):
    """A 1 x 1 x 1 product used to be repeated 5e7 times per timing (0.05 s / 1e-9 s)."""
    rate = bench.gemm_rate(1, 2, 1, repeats=3)
    assert 1 <= len(counted_matmul) <= 1 + 3 * bench.GEMM_MAX_CALLS
    assert rate.gflops > 0


@pytest.mark.parametrize(
    "sizes,needle",
    [
        ("1:1:1:1000000000000", "'1:1:1:1000000000000' is too large"),
        ("64:4:8:1000000", "most of it at 64:4:8:1000000"),
        (",".join(["2:1:1:5"] * 11), "at most 10 sizes"),
        ("20000:1:1", "'20000:1:1' is too large"),
    ],
)
def test_bench_refuses_sizes_beyond_its_limits(sizes, needle, capsys, monkeypatch):
    monkeypatch.setattr(bench, "run_benchmark", _refuse)
    assert cli.main(["bench", "--sizes", sizes]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


@given(
    st.lists(
        st.tuples(
            st.integers(1, 20_000), st.integers(1, 80), st.integers(1, 80), st.integers(1, 10**7)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_accepted_bench_sizes_are_bounded(sizes):
    text = ",".join(":".join(map(str, s)) for s in sizes)
    try:
        accepted = measure_commands.bench_sizes(text)
    except parser.UsageError:
        return
    assert len(accepted) <= bench.MAX_SIZES
    total = 0.0
    for n, d0, d1, samples in accepted:
        assert n <= 16_384 and d0 * d1 <= 4096 and samples <= bench.MAX_SAMPLES
        total += samples * (n * (d0 * d1) ** 2 + 1e5)
    assert total <= bench.MAX_REPEAT_COST


def test_bench_at_a_tiny_size_finishes(counted_matmul, capsys):
    """--sizes 2:1:1:5 used to run past 120 s (about 5e7 matmul calls in the GEMM timing)."""
    assert cli.main(["bench", "--sizes", "2:1:1:5", "--repeats", "1"]) == 0
    assert "(2, 1, 1)" in capsys.readouterr().out


# --- the other public functions that draw n_samples ------------------------------------------------------
def _xy():
    return _data(3, 8)


SAMPLING_CASES = {
    "count_orthant_hits": (
        lambda n: nm.count_orthant_hits(np.ones(3), np.arange(1.0, 4.0), n_samples=n, rng=0),
        [],
    ),
    "count_cap_hits": (lambda n: nm.count_cap_hits(1.0, 3, n_samples=n, rng=0), []),
    "count_pattern_collisions": (
        lambda n: nm.count_pattern_collisions(5, 3, n_samples=n, rng=0),
        [("gaussian", "batch_sizes")],
    ),
    "sample_bad_region_event": (
        lambda n: nm.sample_bad_region_event(*_xy(), 2, 0.2, 0.0, n_samples=n, rng=0),
        [("samplers", "_count_v2_events")],
    ),
    "sample_bad_region_event_over_data": (
        lambda n: nm.sample_bad_region_event_over_data(
            np.ones(8), 3, 2, 0.2, 0.0, n_samples=n, rng=0
        ),
        [("samplers", "_count_v2_events")],
    ),
    "sample_bad_region_event_loop": (
        lambda n: nm.sample_bad_region_event_loop(*_xy(), 2, 0.2, 0.0, n_samples=n, rng=0),
        [("samplers", "pattern_unchecked")],
    ),
    "sample_global_minimum_event": (
        lambda n: nm.sample_global_minimum_event(*_xy(), 2, 0.0, n_samples=n, rng=0),
        [],
    ),
    "count_row_patterns": (
        lambda n: nm.count_row_patterns(np.ones(8), _xy()[0], n_samples=n, rng=0),
        [("volumes", "batch_sizes")],
    ),
    "sample_in_cap": (lambda n: nm.sample_in_cap(np.ones(3), 1.0, n, 0), []),
    "cone_log_probability": (
        lambda n: nm.cone_log_probability(np.ones(8), _xy()[0], n_samples=n, rng=0),
        [("volumes", "cone_margin")],
    ),
    "region_log_volume": (
        lambda n: nm.region_log_volume(np.ones((2, 8)), _xy()[0], n_samples=n, rng=0),
        [("volumes", "cone_margin")],
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLING_CASES))
def test_sampling_functions_refuse_huge_n_samples_before_drawing(name, monkeypatch):
    """n_samples = 10**15 used to allocate 10**15 rows at once (MemoryError, or many GiB on the way) or
    loop for years; now a ValueError naming n_samples and the cap, before any draw."""
    from vanishing_minima import numeric

    call, guards = SAMPLING_CASES[name]
    for module, attr in guards:
        monkeypatch.setattr(getattr(numeric, module), attr, _refuse)
    with pytest.raises(
        ValueError, match=r"with n_samples = 1000000000000000 .*(max_work|MAX_MEMORY)"
    ):
        call(10**15)


def test_sampling_functions_take_max_work():
    with pytest.raises(ValueError, match="more than max_work = 10"):
        nm.count_pattern_collisions(5, 3, n_samples=100, rng=0, max_work=10)
    assert 0 <= nm.count_pattern_collisions(5, 3, n_samples=100, rng=0, max_work=1e6) <= 100
