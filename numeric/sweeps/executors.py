"""Sweeps on any ``concurrent.futures.Executor``: bounded process pools that stop with their parent.

:func:`run_sweep` maps a picklable function over tasks on an executor.  The default is a
``ProcessPoolExecutor``; a user with a cluster passes a Dask client's executor
(``distributed.Client(...).get_executor()``), which implements the same interface.  Every task carries
its own seed, so the results do not depend on the executor or on the order in which tasks finish.
:func:`run_task` computes any sweep task's point (the point function is chosen by the task's type), so
one map can run tasks of several kinds.
"""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Callable, Iterable

from .._checks import positive_int
from ..points import SweepPoint, SweepTask

__all__ = [
    "run_sweep",
    "run_task",
    "run_serial",
    "one_blas_thread",
    "init_worker",
    "worker_count",
    "start_pool",
    "terminate_pool",
]


def worker_count(requested: int | None, tasks: int | None = None) -> int:
    """Processes for a pool: ``requested`` (default: all CPUs), never more than the CPUs or the tasks.

    More workers than CPUs only oversubscribe the cores, and more than tasks would idle.

    Raises
    ------
    ValueError
        If ``requested`` is not an integer >= 1.
    """
    cpus = os.cpu_count() or 1
    count = cpus if requested is None else min(positive_int("max_workers", requested), cpus)
    if tasks is not None:
        count = min(count, max(1, int(tasks)))
    return count


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes that run :func:`init_worker` (one BLAS thread, no Ctrl-C
    tracebacks, gone with their parent)."""
    return ProcessPoolExecutor(
        max_workers=workers, initializer=init_worker, initargs=(os.getpid(),)
    )


def terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` now: cancel the queued tasks and terminate the running workers.

    ``shutdown(cancel_futures=True)`` alone still waits for the running tasks.  ``ProcessPoolExecutor``
    has no public way to stop its workers before Python 3.14 (``terminate_workers``), so before that the
    processes are taken from its private ``_processes`` mapping.
    """
    if hasattr(pool, "terminate_workers"):  # Python >= 3.14
        pool.terminate_workers()
        return
    processes = list(
        (getattr(pool, "_processes", None) or {}).values()
    )  # private: no public handle before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def run_sweep(
    fn: Callable[[Any], Any],
    tasks: Iterable[Any],
    *,
    executor: Executor | None = None,
    max_workers: int | None = None,
) -> list[Any]:
    r"""``[fn(t) for t in tasks]``, computed on ``executor``; results in task order.

    Parameters
    ----------
    fn : callable
        A module-level (picklable) function of one argument.
    tasks : iterable
        Its arguments; each should carry its own seed.
    executor : concurrent.futures.Executor, optional
        Any executor: ``ThreadPoolExecutor``, ``ProcessPoolExecutor``, or a Dask distributed client's
        ``client.get_executor()``.  Default: a ``ProcessPoolExecutor`` of :func:`worker_count` workers
        (``max_workers``, default ``os.cpu_count()``, at most the CPUs and the tasks), created and shut
        down here; on an exception or an interrupt its workers are terminated at once.  With one worker
        the tasks run in this process (no pool), with one BLAS thread like the pool's workers.
    max_workers : int, optional
        Workers of the default pool: an integer :math:`\ge 1` (capped at the CPUs and the tasks); ``None``
        for all CPUs.  Ignored (not validated) when ``executor`` is given.

    Returns
    -------
    list
        ``fn(t)`` for each task, in task order.

    Raises
    ------
    TypeError
        If ``executor`` is not an executor.
    ValueError
        If ``max_workers`` is not an integer >= 1.
    """
    tasks = list(tasks)
    if executor is not None:
        if not isinstance(executor, Executor) and not hasattr(executor, "map"):
            raise TypeError(
                f"executor must be a concurrent.futures.Executor; got {type(executor).__name__}"
            )
        return list(executor.map(fn, tasks))
    workers = worker_count(max_workers, len(tasks))
    if workers == 1:
        return run_serial(fn, tasks)
    pool = start_pool(workers)
    try:
        results = list(pool.map(fn, tasks))
    except BaseException:
        terminate_pool(pool)
        raise
    pool.shutdown()
    return results


def init_worker(parent_pid: int | None = None) -> None:
    """Initializer of the pool's workers.

    * one BLAS thread (:func:`one_blas_thread`);
    * Ctrl-C is ignored: the terminal sends SIGINT to the whole process group, and the parent alone
      decides (it terminates the workers), so the workers print no tracebacks;
    * SIGTERM has its default action (a worker must not inherit a handler of its parent's);
    * on Linux, the worker receives SIGTERM when its parent dies, even of SIGKILL (``PR_SET_PDEATHSIG``),
      and exits at once if the parent ``parent_pid`` is already gone.
    """
    one_blas_thread()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # no prctl: the parent's own cleanup still applies
            pass
    if parent_pid is not None:
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:  # the parent died before prctl took effect
            os._exit(1)
        except PermissionError:
            pass


def one_blas_thread() -> None:
    """One BLAS thread in this process.  The pool already uses every core; more threads on these small
    matrices oversubscribe the cores (measured 5-30x slower for L-BFGS runs)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def run_serial(fn: Callable[[Any], Any], tasks: Iterable[Any]) -> list[Any]:
    """``[fn(t) for t in tasks]`` in this process with one BLAS thread, as in the pool's workers."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return [fn(t) for t in tasks]


def run_task(task: SweepTask) -> SweepPoint:
    """The point of one sweep task: ``task.run()``, the point function of the task's type.

    A module-level function of one argument, so it pickles and can be mapped over tasks of several
    kinds at once (``run_sweep(run_task, tasks)``).

    Parameters
    ----------
    task : SweepTask
        A frozen task dataclass, e.g. :class:`~vanishing_minima.numeric.sweeps.V2EventTask`.

    Returns
    -------
    SweepPoint
        The point of the task's point function (e.g. a ``V2EventPoint``).

    Raises
    ------
    TypeError
        If ``task`` is not a sweep task (a ``dict``, say).
    """
    if not isinstance(task, SweepTask):
        raise TypeError(f"task must be a sweep task (a SweepTask); got {type(task).__name__}")
    return task.run()
