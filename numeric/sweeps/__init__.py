"""Sweeps across growing N along a scaling family: tasks, their points, executors and exponent fits.

One job a module:

* :mod:`.executors`: :func:`run_sweep` on any ``concurrent.futures.Executor`` (a process pool by default,
  a Dask client's executor on a cluster), :func:`run_task`, bounded pools that stop with their parent;
* :mod:`.fits`: :func:`fit_exponent`, the exponent of :math:`-\\log p \\approx C F^\\kappa` across N, and
  :func:`family_sizes`;
* :mod:`.v2_points`: Theorem 6's points (the V2 event by plain Monte Carlo or a rare-event estimator);
* :mod:`.volume_points`: Theorem 9 and Theorem 10's points (the region of Theorem 8's network).

Every point function takes a frozen task dataclass (``V2EventTask``, ``RareEventTask``,
``GlobalMinimumTask``, ``VolumeRatioTask``) that carries its own seed, and returns a frozen point that
holds the task and the estimators' results: both pickle (process pools, Dask), and a point is the same on
every executor.  ``run_task(task)`` computes any task's point with the point function of its type.
"""

from .executors import (
    init_worker,
    one_blas_thread,
    run_serial,
    run_sweep,
    run_task,
    start_pool,
    terminate_pool,
    worker_count,
)
from .fits import ExponentFit, family_sizes, fit_exponent
from .v2_points import (
    RARE_EVENT_METHODS,
    RareEventTask,
    V2EventPoint,
    V2EventTask,
    V2SplittingPoint,
    v2_event_point,
    v2_splitting_point,
)
from .volume_points import (
    GlobalMinimumPoint,
    GlobalMinimumTask,
    VolumeRatioPoint,
    VolumeRatioTask,
    global_minimum_point,
    volume_ratio_point,
)

__all__ = [
    "run_sweep",
    "run_task",
    "run_serial",
    "one_blas_thread",
    "init_worker",
    "worker_count",
    "start_pool",
    "terminate_pool",
    "ExponentFit",
    "fit_exponent",
    "family_sizes",
    "V2EventTask",
    "V2EventPoint",
    "v2_event_point",
    "RareEventTask",
    "V2SplittingPoint",
    "v2_splitting_point",
    "RARE_EVENT_METHODS",
    "GlobalMinimumTask",
    "GlobalMinimumPoint",
    "global_minimum_point",
    "VolumeRatioTask",
    "VolumeRatioPoint",
    "volume_ratio_point",
]
