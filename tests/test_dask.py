"""Sweeps on a Dask cluster: same seed, same numbers as the serial path (the ``[dask]`` extra).

Skipped, with its reason, when the extra is not installed (``.ci/run`` installs ``.[test]`` only).
Each test starts a ``LocalCluster`` of two worker processes (one thread each) and closes it; no worker
process outlives its test.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="the [dask] extra is not installed: pip install '.[dask]'"
)
import dask  # noqa: E402 (after the skip: installed with distributed)
import psutil  # noqa: E402 (a dependency of distributed)

from vanishing_minima import numeric as nm  # noqa: E402
from vanishing_minima.checks import audit  # noqa: E402
from vanishing_minima.checks.claim_checks.theorem6 import t6_tasks  # noqa: E402
from vanishing_minima.numeric.sweeps import run_serial  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"
#: Dask's default for its workers; unset here as the README advises (2.5x slower splitting runs with it).
NO_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def _resource_tracker(process: psutil.Process) -> bool:
    """multiprocessing's resource tracker: one per interpreter, started with the first spawned process
    and ended with the interpreter (not a worker left behind)."""
    try:
        return "multiprocessing.resource_tracker" in " ".join(process.cmdline())
    except psutil.Error:
        return False


@contextmanager
def no_process_left_behind():
    """Fail if a child process started inside the block is still alive 10 s after it."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    new = [
        p for p in me.children(recursive=True) if p.pid not in before and not _resource_tracker(p)
    ]
    _, alive = psutil.wait_procs(new, timeout=10)
    assert not alive, f"processes left behind: {[p.pid for p in alive]}"


@contextmanager
def local_executor():
    """A Dask client's executor on a LocalCluster of two processes with one thread each."""
    with (
        no_process_left_behind(),
        dask.config.set(NO_TRIM),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor()


def _without_timing(value):
    """``value`` (a run's ``to_dict()``) without its wall times (every ``seconds``: the only fields that may
    differ between executors), NaN written as a string so that equal runs compare equal."""
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return "nan" if isinstance(value, float) and math.isnan(value) else value


@pytest.mark.audit  # long: starts a two-process cluster and runs T6's tasks twice
def test_t6_sweep_on_a_local_cluster_gives_the_serial_numbers():
    """The tasks of the audit's T6 check (``t6_tasks``, seed 0, quick budget, at reduced sample and
    score-evaluation counts so that the test takes seconds) on Dask: every float equal to the serial
    path's, in task order."""
    monte_carlo, splitting = t6_tasks(audit.Budget.QUICK, 0)
    monte_carlo = [dataclasses.replace(t, n_samples=1000) for t in monte_carlo]
    splitting = [
        dataclasses.replace(t, budget=4000 if t.method == "splitting" else 10_000)
        for t in splitting
    ]
    serial_mc = run_serial(nm.v2_event_point, monte_carlo)
    serial_split = run_serial(nm.run_task, splitting)
    with local_executor() as executor:
        dask_mc = nm.run_sweep(nm.v2_event_point, monte_carlo, executor=executor)
        dask_split = nm.run_sweep(nm.run_task, splitting, executor=executor)
    assert dask_mc == serial_mc
    assert [_without_timing(r.to_dict()) for r in dask_split] == [
        _without_timing(r.to_dict()) for r in serial_split
    ]
    # quick budget: dead points at N = 96, 256 and generalized splitting at N = 96, 2 X draws each
    assert [r.task.n for r in dask_mc] == [16, 24, 32, 48, 64]
    assert [(r.task.method, r.task.n) for r in dask_split] == [
        ("dead-points", 96),
        ("dead-points", 96),
        ("dead-points", 256),
        ("dead-points", 256),
        ("splitting", 96),
        ("splitting", 96),
    ]
    assert (
        all(r.v2.evaluations > 0 for r in dask_split) and sum(r.v2.successes for r in dask_mc) > 0
    )


def _readme_dask_example() -> str:
    blocks = [
        b
        for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
        if "from distributed import" in b
    ]
    assert len(blocks) == 1, "the README has one Dask example"
    return blocks[0]


@pytest.mark.audit  # T6 at the quick budget twice: on the cluster and serially
def test_readme_dask_example_gives_the_serial_audit():
    """The README's Dask example, run as written (as a script: ``__name__ == "__main__"``), gives T6 at
    the quick budget with the verdict, key figure and evidence of the serial audit."""
    namespace = {"__name__": "__main__"}
    start = time.perf_counter()
    with no_process_left_behind():
        exec(compile(_readme_dask_example(), "README.md Dask example", "exec"), namespace)
    on_dask = namespace["results"]
    print(f"README Dask example: {time.perf_counter() - start:.1f} s")
    serial = audit.run_audit(["T6"], budget=audit.Budget.QUICK, seed=0, workers=1)
    assert [r.claim for r in on_dask] == ["T6"]
    assert (on_dask[0].verdict, on_dask[0].key_figure) == (serial[0].verdict, serial[0].key_figure)
    reports = [json.loads(audit.report_json(r, audit.Budget.QUICK, 0)) for r in (on_dask, serial)]
    for report in reports:
        report.pop("timings_seconds")
    assert reports[0] == reports[1]


@pytest.mark.audit  # starts a two-process cluster: about 5 s, nearly all of it the cluster's start and stop
def test_streamed_whitening_on_a_local_cluster_gives_the_serial_bits(tmp_path):
    """The streamed ImageNet statistics with ``executor=client.get_executor()``: one task per npz file
    (8x8 files written by ``tests/test_imagenet.py``'s writer), added in file order, the serial map to
    the bit (the uint8 sums are exact integers)."""
    from test_imagenet import _same_map, _split8

    files, _ = _split8(tmp_path)
    serial = nm.streamed_whitening(files, chunk_rows=16)
    with local_executor() as executor:
        on_dask = nm.streamed_whitening(files, chunk_rows=16, executor=executor, max_pending=3)
    assert _same_map(on_dask, serial)
