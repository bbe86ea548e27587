"""Sweeps on executors, the exponent fit, and the (X, W) sampler behind the Theorem 6 check."""

from __future__ import annotations

import dataclasses
import math
import pickle
import re
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.khatri_rao import khatri_rao, pattern_unchecked


def _tasks():
    return [
        nm.V2EventTask(n=n, d0=d0, d1=d1, eps=0.1, rho=0.0, n_samples=300, alpha=1e-3, seed=[7, i])
        for i, (n, d0, d1) in enumerate(nm.family_sizes([8, 12, 16], 0.75, 1 / 3))
    ]


def test_sweep_results_do_not_depend_on_the_executor():
    serial = nm.run_sweep(nm.v2_event_point, _tasks(), max_workers=1)
    with ThreadPoolExecutor(2) as pool:
        threads = nm.run_sweep(nm.v2_event_point, _tasks(), executor=pool)
    with ProcessPoolExecutor(2) as pool:
        processes = nm.run_sweep(nm.v2_event_point, _tasks(), executor=pool)
    assert serial == threads == processes
    assert [r.task.n for r in serial] == [8, 12, 16]
    assert all(isinstance(r, nm.V2EventPoint) for r in serial)


def test_sweep_refuses_a_non_executor():
    with pytest.raises(TypeError, match="executor"):
        nm.run_sweep(nm.v2_event_point, _tasks(), executor=object())


def test_family_sizes_refuses_impossible_sizes():
    assert nm.family_sizes([16], 0.75, 1 / 3) == [(16, 8, 3)]
    with pytest.raises(ValueError, match="d0 <= N"):
        nm.family_sizes([16], 1.5, 0.5)


@given(kappa=st.floats(0.3, 3.0), c=st.floats(0.1, 10.0), width=st.floats(1e-3, 0.2))
def test_fit_recovers_the_exponent_of_an_exact_power_law(kappa, c, width):
    """-log p = c F^kappa exactly: the fit returns kappa, and the range of lines through every interval holds it."""
    log_f = np.log([0.5, 1.0, 2.0, 4.0, 8.0])
    value = c * np.exp(kappa * log_f)
    fit = nm.fit_exponent(log_f, value, value * (1 - width), value * (1 + width))
    assert fit.kappa == pytest.approx(kappa, rel=1e-9, abs=1e-9)
    assert fit.kappa_range is not None and fit.kappa_range[0] <= kappa <= fit.kappa_range[1]
    assert all(loc == pytest.approx(kappa, rel=1e-9, abs=1e-9) for loc in fit.local)


def test_fit_rejects_a_power_law_that_no_line_fits():
    log_f = np.log([1.0, 2.0, 4.0])
    est = np.array([1.0, 10.0, 1.0])  # up then down: no single line through tight intervals
    fit = nm.fit_exponent(log_f, est, est * 0.99, est * 1.01)
    assert fit.kappa_range is None and fit.points == 3


def test_fit_with_intervals_unbounded_above_gives_an_open_range():
    log_f = np.log([1.0, 2.0, 4.0])
    fit = nm.fit_exponent(log_f, [1.0, 2.0, math.inf], [0.9, 1.8, 3.0], [1.1, 2.2, math.inf])
    two = nm.fit_exponent(log_f[:2], [1.0, 2.0], [0.9, 1.8], [1.1, 2.2])
    assert fit.points == 2 and fit.kappa_range is not None
    # the open interval only pushes the slope up: same largest slope, a larger smallest one
    assert (
        fit.kappa_range[1] == pytest.approx(two.kappa_range[1])
        and fit.kappa_range[0] > two.kappa_range[0]
    )
    alone = nm.fit_exponent(log_f[1:], [2.0, math.inf], [1.8, 3.0], [2.2, math.inf])
    assert alone.kappa_range[1] == math.inf


@pytest.mark.parametrize(
    "bad", [dict(minus_log_p_low=[2.0, 1.0]), dict(minus_log_p=[math.nan, 1.0])]
)
def test_fit_refuses_bad_intervals(bad):
    args = dict(
        log_f=[0.0, 1.0],
        minus_log_p=[1.0, 2.0],
        minus_log_p_low=[0.5, 1.5],
        minus_log_p_high=[1.5, 2.5],
    )
    args.update(bad)
    with pytest.raises(ValueError):
        nm.fit_exponent(**args)


def test_joint_sampler_matches_a_per_sample_lstsq_loop_at_every_batch_size():
    """X and W come from two streams spawned from rng; a loop drawing one X and one W at a time from
    those streams and calling numpy.linalg.lstsq counts the same events, whatever the batch."""
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    counts = {
        b: nm.sample_bad_region_event_over_data(
            y, 3, 2, 0.1, 0.0, n_samples=400, rng=np.random.default_rng(3), batch=b
        ).successes
        for b in (1, 7, 400)
    }
    rng_x, rng_w = np.random.default_rng(3).spawn(2)
    hits = 0
    for _ in range(400):
        X = rng_x.standard_normal((3, 10))
        A = pattern_unchecked(rng_w.standard_normal((2, 3)) @ X, 0.0)
        M = khatri_rao(A, X).T
        e = y - M @ np.linalg.lstsq(M, y, rcond=None)[0]
        hits += int(np.mean(((y - e) > 0.5) != (y > 0.5)) > 0.1)
    assert set(counts.values()) == {hits} and 0 < hits < 400


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(eps=1.0), "eps"),
        (dict(rho=1.0), "rho"),
        (dict(d0=0), "d0"),
        (dict(n_samples=0), "n_samples"),
        (dict(y=[0.0, 2.0]), "y"),
        (dict(batch=0), "batch"),
    ],
)
def test_joint_sampler_refuses_bad_input(kwargs, match):
    args = dict(y=[0.0, 1.0, 1.0], d0=2, d1=2, eps=0.1, rho=0.0, n_samples=10, rng=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nm.sample_bad_region_event_over_data(args.pop("y"), **args)


def test_global_minimum_point_bounds_the_region_of_theorem_8s_network():
    """The rigorous lower bound is at least the inscribed caps' and at most 0; the hits are counted per row."""
    task = nm.GlobalMinimumTask(n=24, d0=6, rho=0.0, n_samples=400, alpha=1e-3, seed=[3, 1])
    r = nm.global_minimum_point(task)
    assert r.volume.log_inscribed <= r.volume.log_lower <= 0 and len(r.cap_hits) == r.neurons > 0
    assert r.min_margin > 0 and r == nm.global_minimum_point(task)


def test_volume_ratio_bound_needs_the_network_to_fit_in_d1():
    """V(G) >= V(region of the network) only when the network has at most d1 neurons; otherwise no ratio."""
    base = dict(n=24, d0=4, eps=0.1, rho=0.0, n_samples=300, alpha=1e-3, seed=[3, 2])
    small = nm.volume_ratio_point(nm.VolumeRatioTask(**base, d1=2))
    assert small.neurons > 2 and small.log_ratio_upper is None
    wide = nm.volume_ratio_point(nm.VolumeRatioTask(**base, d1=small.neurons))
    assert wide.log_ratio_upper == pytest.approx(math.log(wide.v2.upper) - wide.volume.log_lower)
    assert wide.v2.lower <= wide.v2.estimate <= wide.v2.upper


def _line_fits(kappa: float, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
    """Is there an intercept a with log lo_i <= a + kappa x_i <= log hi_i for every i?  (No LP: the
    intercept's feasible set is an interval, non-empty iff max of the lower ends <= min of the upper.)"""
    return bool(np.max(np.log(lo) - kappa * x) <= np.min(np.log(hi) - kappa * x) + 1e-9)


@given(st.data())
def test_fit_range_is_exactly_the_slopes_of_lines_through_every_interval(data):
    """For any positive intervals (arrays drawn by hypothesis.extra.numpy, so a failure shrinks to a few
    points): the ends of kappa_range are slopes of lines through every interval, slightly beyond them no
    line fits, and None means no slope at all fits (checked on a grid)."""
    from hypothesis.extra import numpy as hnp

    m = data.draw(st.integers(2, 6))
    x = np.cumsum(data.draw(hnp.arrays(np.float64, m, elements=st.floats(0.1, 2.0))))
    centre = data.draw(hnp.arrays(np.float64, m, elements=st.floats(0.5, 50.0)))
    spread = data.draw(hnp.arrays(np.float64, m, elements=st.floats(1.01, 3.0)))
    lo, hi = centre / spread, centre * spread
    fit = nm.fit_exponent(x, centre, lo, hi)
    if fit.kappa_range is None:
        assert not any(_line_fits(k, x, lo, hi) for k in np.linspace(-20, 20, 4001))
        return
    k_lo, k_hi = fit.kappa_range
    assert _line_fits(k_lo, x, lo, hi) and _line_fits(k_hi, x, lo, hi)
    step = 1e-6 * max(1.0, abs(k_lo), abs(k_hi))
    assert not _line_fits(k_lo - 1e3 * step, x, lo, hi) and not _line_fits(
        k_hi + 1e3 * step, x, lo, hi
    )


# --- bounded pools that stop with their parent --------------------------------------------------------
@given(
    requested=st.one_of(st.none(), st.integers(1, 10_000)),
    tasks=st.integers(0, 10_000),
    cpus=st.integers(1, 256),
)
def test_worker_count_is_capped_by_the_cpus_and_the_tasks(requested, tasks, cpus):
    from unittest import mock

    with mock.patch("os.cpu_count", lambda: cpus):
        assert nm.sweeps.worker_count(requested, tasks) == max(
            1, min(requested or cpus, cpus, tasks)
        )


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "4"])
def test_worker_count_refuses_non_positive_or_non_integer_requests(bad):
    with pytest.raises(ValueError, match="max_workers must be an integer >= 1"):
        nm.sweeps.worker_count(bad)


def test_pools_never_start_more_processes_than_cpus_or_tasks(monkeypatch):
    """``--workers 1000`` used to start 1,000 processes; the pools now start at most min(CPUs, tasks)."""
    import concurrent.futures
    import os

    from vanishing_minima.checks import audit

    created = []

    class Recording(
        ThreadPoolExecutor
    ):  # stands in for the process pool: records the size asked for
        def __init__(self, max_workers=None, initializer=None, initargs=()):
            created.append(max_workers)
            super().__init__(max_workers=2)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(nm.sweeps.executors, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert nm.run_sweep(abs, list(range(-50, 0)), max_workers=1000) == list(range(50, 0, -1))
    shared = audit._SharedPool(1000)
    assert shared.map(abs, [-1, -2]) == [1, 2] and shared.map(abs, list(range(-9, 0)))[0] == 9
    shared.close()
    assert created == [3, 2, 3]  # the shared pool grows to a larger sweep, never past the CPUs


def _worker_state(_):
    import ctypes
    import signal

    libc = ctypes.CDLL(None)
    value = ctypes.c_int()
    libc.prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), value.value


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux-only")
def test_pool_workers_ignore_ctrl_c_and_die_with_their_parent():
    import signal

    pool = nm.sweeps.start_pool(1)
    try:
        sigint, sigterm, deathsig = pool.submit(_worker_state, None).result(timeout=60)
    finally:
        pool.shutdown()
    assert sigint == signal.SIG_IGN and sigterm == signal.SIG_DFL and deathsig == signal.SIGTERM


def test_terminate_pool_stops_running_workers_at_once():
    import time

    pool = nm.sweeps.start_pool(2)
    futures = [pool.submit(time.sleep, 60) for _ in range(4)]
    time.sleep(1.0)
    processes = list(pool._processes.values())
    assert processes and all(p.is_alive() for p in processes)
    start = time.perf_counter()
    nm.sweeps.terminate_pool(pool)
    # the executor's own manager thread may reap a worker at the same moment (its Popen.poll then returns None
    # for an instant in this thread), so liveness is polled until the deadline rather than read once
    while any(p.is_alive() for p in processes) and time.perf_counter() - start < 5:
        time.sleep(0.05)
    assert time.perf_counter() - start < 5 and not any(p.is_alive() for p in processes)
    assert all(f.done() for f in futures)


def test_sweep_points_are_frozen_picklable_and_give_json_shaped_dicts():
    """Every point function returns a frozen dataclass that holds its task and survives pickling (process
    pools, Dask) unchanged, and whose ``to_dict`` has lists where JSON has them."""
    mc = nm.v2_event_point(_tasks()[0])
    split = nm.v2_splitting_point(
        nm.RareEventTask(
            n=12, d0=6, d1=2, eps=0.1, rho=0.0, budget=2000, level=0.9, label_seed=[1], seed=[2]
        )
    )
    vg = nm.global_minimum_point(
        nm.GlobalMinimumTask(n=12, d0=4, rho=0.0, n_samples=50, alpha=1e-3, seed=[3])
    )
    e2 = nm.e2_protocol_point(
        nm.E2ProtocolTask(optimizer="gd", d=5, lr=0.01, init_scale=1.0, seeds=[[4]], epochs=2)
    )
    for point in (mc, split, vg):
        assert pickle.loads(pickle.dumps(point)).to_dict() == point.to_dict()
        assert pickle.loads(pickle.dumps(point.task)) == point.task
        with pytest.raises(dataclasses.FrozenInstanceError):
            point.task = None
        with pytest.raises(dataclasses.FrozenInstanceError):
            point.task.n = 0
    assert pickle.loads(pickle.dumps(e2)).to_dict() == e2.to_dict()
    assert split.task.dlm is False and split.k6 is None and split.v2.samples is None
    assert split.v2.details is None  # the engine's arrays stay out of the point
    assert isinstance(split.to_dict()["v2"]["log_p_interval"], list)
    assert isinstance(vg.to_dict()["volume"]["rows"], list) and len(vg.cap_hits) == vg.neurons
    assert isinstance(e2.to_dict()["runs"][0], dict) and isinstance(e2.runs[0], nm.E2Run)
    assert list(mc.to_dict()) == ["task", "v2"] and mc.to_dict()["task"]["seed"] == [7, 0]


def test_dead_point_tasks_take_moves_and_repetitions():
    """A T6 task with method "dead-points": ``moves`` and ``repetitions`` reach the estimator, the rest of
    the budget is particles."""
    base = dict(
        n=24, d0=11, d1=3, eps=0.1, rho=0.0, budget=20_000, level=0.9, label_seed=[1], seed=[2]
    )
    p = nm.v2_splitting_point(
        nm.RareEventTask(**base, method="dead-points", moves=2, repetitions=4)
    )
    assert p.task.method == "dead-points" and "2 elliptical moves per level" in p.v2.note
    assert "4 repetitions" in p.v2.note and p.v2.evaluations <= 20_000


_RARE = dict(n=24, d0=11, d1=3, eps=0.1, rho=0.0, budget=2000, level=0.9, label_seed=1, seed=2)
_BAD_FIELDS = [
    ("n", 0, "n must be an integer >= 1"),
    ("d0", 2.5, "d0 must be an integer >= 1"),
    ("budget", True, "budget must be an integer >= 1"),
    ("eps", 1.0, "eps must be a finite number in"),
    ("level", 0.0, "level must be a finite number in"),
    ("rho", 1.0, "rho must differ from 1"),
    ("seed", -1, "seed must be an integer >= 0"),
    ("label_seed", [], "label_seed must be an integer >= 0"),
    ("draw", -1, "draw must be an integer >= 0"),
    (
        "method",
        "bogus",
        "method must be one of ('splitting', 'dead-points', 'rank-deficit', 'rank-bound')",
    ),
    ("dlm", "some", "dlm must be False, True, 'all' or 'units'"),
    ("moves", 0, "moves must be an integer >= 1"),
]


@pytest.mark.parametrize("field,value,message", _BAD_FIELDS)
def test_tasks_refuse_bad_fields_on_construction(field, value, message):
    """A task names the field that breaks its rule when it is built, before any draw or allocation."""
    with pytest.raises(ValueError, match=re.escape(message)):
        nm.RareEventTask(**{**_RARE, field: value})


@pytest.mark.parametrize(
    "kind,fields",
    [
        (nm.V2EventTask, dict(n=8, d0=6, d1=2, eps=0.1, rho=0.0, n_samples=0, alpha=1e-3, seed=1)),
        (nm.GlobalMinimumTask, dict(n=8, d0=4, rho=0.0, n_samples=10, alpha=1.5, seed=1)),
        (
            nm.VolumeRatioTask,
            dict(n=8, d0=4, d1=0, eps=0.1, rho=0.0, n_samples=10, alpha=1e-3, seed=1),
        ),
    ],
)
def test_every_task_checks_its_fields(kind, fields):
    with pytest.raises(ValueError, match="n_samples|alpha|d1"):
        kind(**fields)


def test_the_task_type_chooses_the_point_function():
    """run_task maps tasks of several types at once, each to its own point function; a point function
    given another type (a dict, say) refuses it."""
    mc = _tasks()[0]
    vg = nm.GlobalMinimumTask(n=12, d0=4, rho=0.0, n_samples=50, alpha=1e-3, seed=[3])
    points = nm.run_sweep(nm.run_task, [mc, vg], max_workers=1)
    assert points == [nm.v2_event_point(mc), nm.global_minimum_point(vg)]
    with pytest.raises(TypeError, match="task must be a V2EventTask; got dict"):
        nm.v2_event_point(dict(n=8))
    with pytest.raises(TypeError, match="task must be a GlobalMinimumTask; got V2EventTask"):
        nm.global_minimum_point(mc)
    with pytest.raises(TypeError, match="task must be a sweep task"):
        nm.run_task({"n": 8})
