r"""Sweeps across growing N along a scaling family, on any ``concurrent.futures.Executor``, and exponent fits.

The asymptotic claims (T6, T9, T10) compare leading orders: :math:`V \,\dot\le\, e^{-F}` means
:math:`\liminf_{N\to\infty} \log(-\log V)/\log F \ge 1`.  At finite N the toolkit measures
:math:`-\log p(N)` for an estimated probability :math:`p(N)` at several N along a family
(``d0 = d0(N)``, ``d1 = d1(N)``) and fits the exponent :math:`\kappa` of

.. math:: -\log p(N) \approx C\,F(N)^{\kappa}, \qquad \log(-\log p) = \log C + \kappa \log F,

so the claim reads :math:`\kappa \ge 1` in the limit.  :func:`fit_exponent` gives the least-squares
:math:`\hat\kappa` on the point estimates and, from the exact per-N confidence intervals, the range of
:math:`\kappa` for which *one* line passes through every interval (two linear programs).  That range is a
confidence set under the power-law model at the intervals' joint error rate; when no line passes through
all intervals, the power law is rejected at these N and the range is ``None``.  Either way the result is
finite-N evidence, labelled as such by the checks.

Sweeps: :func:`run_sweep` maps a picklable function over tasks on an executor.  The default is a
``ProcessPoolExecutor``; a user with a cluster passes a Dask client's executor
(``distributed.Client(...).get_executor()``), which implements the same interface.  Every task carries
its own seed, so the results do not depend on the executor or on the order in which tasks finish.
"""

from __future__ import annotations

import math
import os
import signal
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from scipy import optimize

from ._checks import as_array
from ._points import SweepPoint
from .bad_regions import bad_region_probability
from .construction import interpolating_network
from .khatri_rao import activation_pattern
from .rare_events import SplittingBudget, v2_event_probability
from .samplers import sample_bad_region_event, sample_bad_region_event_over_data
from .volumes import region_log_volume

__all__ = [
    "run_sweep",
    "run_serial",
    "one_blas_thread",
    "init_worker",
    "worker_count",
    "start_pool",
    "terminate_pool",
    "ExponentFit",
    "fit_exponent",
    "family_sizes",
    "V2EventPoint",
    "v2_event_point",
    "V2SplittingPoint",
    "v2_splitting_point",
    "GlobalMinimumPoint",
    "global_minimum_point",
    "VolumeRatioPoint",
    "volume_ratio_point",
]


def worker_count(requested: int | None, tasks: int | None = None) -> int:
    """Processes for a pool: ``requested`` (default: all CPUs), never more than the CPUs or the tasks.

    More workers than CPUs only oversubscribe the cores, and more than tasks would idle; both used to
    start as asked (``--workers 1000`` started 1,000 processes).

    Raises
    ------
    ValueError
        If ``requested`` is not an integer >= 1.
    """
    cpus = os.cpu_count() or 1
    if requested is None:
        count = cpus
    else:
        if (
            isinstance(requested, (bool, np.bool_))
            or not isinstance(requested, (int, np.integer))
            or requested < 1
        ):
            raise ValueError(f"max_workers must be an integer >= 1; got {requested!r}")
        count = min(int(requested), cpus)
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

    ``shutdown(cancel_futures=True)`` alone still waits for the running tasks (an interrupted audit used
    to leave its workers computing for half a minute).  ``ProcessPoolExecutor`` has no public way to stop
    its workers before Python 3.14 (``terminate_workers``), so before that the processes are taken from
    its private ``_processes`` mapping.
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


def family_sizes(
    ns: Sequence[int], d0_exponent: float, d1_exponent: float
) -> list[tuple[int, int, int]]:
    r"""``(N, d0, d1)`` with ``d0 = round(N^a)``, ``d1 = max(1, round(N^b))``, checked ``d0 <= N``.

    Parameters
    ----------
    ns : sequence of int
        The sizes N, each converted by ``int()`` and required to be :math:`\ge 2`.
    d0_exponent : float
        The exponent ``a`` of ``d0 = max(1, round(N^a))``; not validated, but ``d0 <= N`` must hold.
    d1_exponent : float
        The exponent ``b`` of ``d1 = max(1, round(N^b))``; not validated.

    Returns
    -------
    list of tuple of int
        One ``(N, d0, d1)`` per entry of ``ns``, in order.

    Raises
    ------
    ValueError
        If some ``N < 2`` or ``d0 > N``.
    """
    out = []
    for n in ns:
        n = int(n)
        d0, d1 = max(1, round(n**d0_exponent)), max(1, round(n**d1_exponent))
        if n < 2 or d0 > n:
            raise ValueError(f"family sizes need N >= 2 and d0 <= N; got N = {n}, d0 = {d0}")
        out.append((n, d0, d1))
    return out


@dataclass(frozen=True)
class ExponentFit:
    r"""Fit of :math:`\log(-\log p) = \log C + \kappa \log F` across N.

    Attributes
    ----------
    kappa : float
        Least-squares slope on the point estimates (``nan`` with fewer than two usable points).
    kappa_range : tuple of float or None
        Smallest and largest slope of a line through every interval; ``None`` if there is no such
        line (the power law is rejected at these N), ``(lo, inf)`` if the intervals do not bound it.
    points : int
        Sizes with a finite point estimate (``0 < p < 1``).
    local : list of float
        Slopes between consecutive usable points (the local exponent; a trend says pre-asymptotic).
    """

    kappa: float
    kappa_range: tuple[float, float] | None
    points: int
    local: list[float]


def fit_exponent(log_f, minus_log_p, minus_log_p_low, minus_log_p_high) -> ExponentFit:
    r"""Fit the exponent :math:`\kappa` of :math:`-\log p \approx C F^\kappa` (see the module docstring).

    Parameters
    ----------
    log_f : array_like, shape (m,)
        :math:`\log F(N)` at each size (the claimed exponent, e.g. ``-theorem6_log_bound``, logged): real,
        finite, 1-D and non-empty.
    minus_log_p : array_like, shape (m,)
        :math:`-\log \hat p` (``inf`` when no event was seen, ``0`` when every sample was an event); no NaN.
    minus_log_p_low, minus_log_p_high : array_like, shape (m,)
        The interval for :math:`-\log p` from the exact interval of :math:`p` (``high`` may be ``inf``):
        no NaN, :math:`0 \le` low :math:`\le` high entrywise.

    Returns
    -------
    ExponentFit
        The least-squares slope, the range of slopes of a line through every interval (or ``None``), the
        number of usable points and the local slopes.

    Raises
    ------
    TypeError
        If ``log_f`` is not a real numeric array.
    ValueError
        If ``log_f`` is not 1-D, is empty or not finite; the four arrays differ in shape; or one of the
        ``-log p`` arrays has a NaN, a negative lower end, or a lower end above its upper end.
    """
    x = as_array("log_f", log_f, ndim=1)
    est = np.asarray(minus_log_p, dtype=float)
    lo = np.asarray(minus_log_p_low, dtype=float)
    hi = np.asarray(minus_log_p_high, dtype=float)
    if not (x.shape == est.shape == lo.shape == hi.shape):
        raise ValueError(
            f"log_f and the -log p arrays must have one shape; got {x.shape}, {est.shape}, {lo.shape}, {hi.shape}"
        )
    if (
        np.any(np.isnan(est))
        or np.any(np.isnan(lo))
        or np.any(np.isnan(hi))
        or np.any(lo > hi)
        or np.any(lo < 0)
    ):
        raise ValueError("need 0 <= minus_log_p_low <= minus_log_p_high, no NaN")
    usable = np.isfinite(est) & (est > 0)
    xs, ys = x[usable], np.log(est[usable])
    kappa = float(np.polyfit(xs, ys, 1)[0]) if usable.sum() >= 2 and np.ptp(xs) > 0 else math.nan
    local = [
        float((ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]))
        for i in range(len(xs) - 1)
        if xs[i + 1] != xs[i]
    ]
    # one line a + kappa x through every interval [log lo, log hi]; lo = 0 (p = 1 possible) gives no lower constraint
    rows, rhs = [], []
    for xi, low, h in zip(x, lo, hi):
        if low > 0:
            rows.append([-1.0, -xi]), rhs.append(-math.log(low))
        if np.isfinite(h):
            if h <= 0:
                return ExponentFit(kappa, None, int(usable.sum()), local)
            rows.append([1.0, xi]), rhs.append(math.log(h))
    bounds_ = []
    for sign in (1.0, -1.0):
        res = optimize.linprog(
            [0.0, sign], A_ub=rows, b_ub=rhs, bounds=[(None, None)] * 2, method="highs"
        )
        if res.status == 2:
            return ExponentFit(kappa, None, int(usable.sum()), local)
        bounds_.append(math.inf * -sign if res.status == 3 else float(res.x[1]))
    return ExponentFit(kappa, (bounds_[0], bounds_[1]), int(usable.sum()), local)


@dataclass(frozen=True)
class V2EventPoint(SweepPoint):
    r"""One size of the Theorem 6 sweep by plain Monte Carlo over :math:`(X, W)` (:func:`v2_event_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`.
    d0, d1 : int
        Input dimension and hidden width.
    eps : float
        The MCE threshold :math:`\epsilon` of the V2 event, in (0, 1).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU).
    n_samples : int
        Independent pairs :math:`(X, W)` drawn.
    alpha : float
        Error rate of the exact (Clopper-Pearson) interval.
    seed : int or list of int
        The entropy of ``numpy.random.default_rng`` for the labels and the pairs.
    hits : int
        Pairs whose V2 event held (:math:`\mathrm{MCE}(e_{a(WX)}) > \epsilon`).
    estimate : float
        ``hits / n_samples``, the estimate of :math:`p = \mathbb E_X\mathbb P_W(\text{V2 event})` (a
        probability, linear scale).
    lower, upper : float
        The exact interval for :math:`p` at error ``alpha`` (linear scale).
    """

    n: int
    d0: int
    d1: int
    eps: float
    rho: float
    n_samples: int
    alpha: float
    seed: Any
    hits: int
    estimate: float
    lower: float
    upper: float


def v2_event_point(task: dict) -> V2EventPoint:
    r"""One size of the Theorem 6 sweep: :math:`\mathbb E_X\mathbb P_W(\mathrm{MCE}(e_{a(WX)}) > \epsilon)`.

    ``task`` holds ``n, d0, d1, eps, rho, n_samples, alpha`` and ``seed`` (entropy for
    ``numpy.random.default_rng``).  The labels are one fixed Bernoulli(1/2) draw from that generator
    (Theorem 6 is for fixed labels), then ``n_samples`` independent pairs :math:`(X, W)`
    (:func:`~vanishing_minima.numeric.samplers.sample_bad_region_event_over_data`).

    Parameters
    ----------
    task : dict
        With keys ``n`` (integer >= 1), ``d0``, ``d1``, ``n_samples`` (integers >= 1), ``eps``, ``alpha``
        (in (0, 1)), ``rho`` (finite, not 1) and ``seed`` (any entropy ``default_rng`` accepts); the
        constraints are those of the sampler.  Other keys are ignored.

    Returns
    -------
    V2EventPoint
        The task's values with ``hits``, ``estimate``, ``lower`` and ``upper``.

    Raises
    ------
    KeyError
        If ``task`` lacks one of the keys above.
    ValueError
        If a value breaks the constraint of the function it is passed to
        (:func:`~vanishing_minima.numeric.samplers.sample_bad_region_event_over_data`), e.g. ``eps`` outside (0, 1).
    """
    rng = np.random.default_rng(task["seed"])
    y = rng.integers(0, 2, int(task["n"])).astype(float)
    est = sample_bad_region_event_over_data(
        y,
        task["d0"],
        task["d1"],
        task["eps"],
        task["rho"],
        n_samples=task["n_samples"],
        rng=rng,
        alpha=task["alpha"],
    )
    return V2EventPoint(
        n=task["n"],
        d0=task["d0"],
        d1=task["d1"],
        eps=task["eps"],
        rho=task["rho"],
        n_samples=task["n_samples"],
        alpha=task["alpha"],
        seed=task["seed"],
        hits=est.successes,
        estimate=est.estimate,
        lower=est.lower,
        upper=est.upper,
    )


@dataclass(frozen=True)
class V2SplittingPoint(SweepPoint):
    r"""One data draw of the Theorem 6 sweep by generalized splitting (:func:`v2_splitting_point`).

    The ``dlm_*`` fields, ``log_v`` and ``log_v_upper`` are ``None`` unless ``dlm`` is true.  Logs are
    natural logs.

    Attributes
    ----------
    n : int
        Number of samples :math:`N`.
    d0, d1 : int
        Input dimension and hidden width.
    eps : float
        The MCE threshold :math:`\epsilon` of the V2 event, in (0, 1).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU).
    budget : int
        The run's allowance of score evaluations.
    level : float
        Confidence level of ``log_p_interval`` (and of ``log_v_upper``).
    label_seed : int or list of int
        Entropy of the labels (one Bernoulli(1/2) draw per N).
    seed : int or list of int
        Entropy of this draw's :math:`X` and of the splitting run.
    dlm : bool or str
        Whether the event regions were also decided by K6: ``False``; ``True`` or ``"all"`` (every
        distinct event region); ``"units"`` (only the samples ``dlm_q_upper`` uses).
    log_p : float
        :math:`\log \hat p`, :math:`p = \mathbb P_W(\text{V2 event})` at this :math:`X` (log scale).
    log_p_interval : tuple of float
        Interval for :math:`\log p` at ``level`` (log scale; lower end ``-inf`` when not ``reached``).
    reached : bool
        Whether the run reached the event level (else only the upper end is informative).
    evaluations : int
        Score evaluations spent.
    seconds : float
        Wall time of the V2 run, in seconds.
    m_star : int
        The event is :math:`m \ge m^*` misclassified points.
    note : str
        The run's note.
    dlm_regions : int or None
        Distinct event regions, each decided by K6.
    dlm_with : int or None
        Of those, the regions that hold a DLM (undecided ones included).
    dlm_undecided : int or None
        Regions left undecided (counted as holding a DLM).
    dlm_units, dlm_unit_hits : int or None
        Independent units for ``dlm_q_upper`` and how many hold a DLM.
    dlm_q : float or None
        Weighted fraction of the event samples whose region holds a DLM (a probability, linear scale).
    dlm_q_upper : float or None
        Upper confidence bound on that fraction (linear scale).
    log_v : float or None
        :math:`\log(\hat p\,\hat q)`, the estimate of :math:`\log V(L_\epsilon)` (log scale).
    log_v_upper : float or None
        Upper confidence bound on :math:`\log V(L_\epsilon)` (log scale).
    dlm_seconds : float or None
        Wall time of the K6 decisions, in seconds.
    dlm_note : str or None
        The K6 estimate's note.
    method : str
        The estimator: ``"splitting"`` (generalized splitting on the certified residual) or
        ``"dead-points"`` (fixed-effort splitting with elliptical moves; ReLU, :math:`d_0d_1\ge N`).
    """

    n: int
    d0: int
    d1: int
    eps: float
    rho: float
    budget: int
    level: float
    label_seed: Any
    seed: Any
    dlm: bool | str
    log_p: float
    log_p_interval: tuple[float, float]
    reached: bool
    evaluations: int
    seconds: float
    m_star: int
    note: str
    dlm_regions: int | None = None
    dlm_with: int | None = None
    dlm_undecided: int | None = None
    dlm_units: int | None = None
    dlm_unit_hits: int | None = None
    dlm_q: float | None = None
    dlm_q_upper: float | None = None
    log_v: float | None = None
    log_v_upper: float | None = None
    dlm_seconds: float | None = None
    dlm_note: str | None = None
    method: str = "splitting"


def v2_splitting_point(task: dict) -> V2SplittingPoint:
    r"""One data draw of the Theorem 6 sweep beyond plain Monte Carlo: :math:`\mathbb P_W(\text{V2 event})` at fixed X.

    ``task`` holds ``n, d0, d1, eps, rho, budget, level`` and two seeds: ``label_seed`` (the labels, one
    Bernoulli(1/2) draw per N: Theorem 6 is for fixed labels) and ``seed`` (this draw's
    :math:`X\sim\mathcal N` and the splitting run).  Estimated by
    :func:`~vanishing_minima.numeric.rare_events.v2_event_probability` with at most ``budget`` score
    evaluations and the task's ``method`` (default ``"splitting"``; ``"dead-points"`` for the fixed-effort
    estimator).  With ``dlm=True`` in the task, the event regions are also decided by K6
    (:func:`~vanishing_minima.numeric.bad_regions.bad_region_probability`, same V2 numbers) and the
    ``dlm_*`` fields, ``log_v`` and ``log_v_upper`` (for :math:`V(L_\epsilon)`) are filled in.

    Parameters
    ----------
    task : dict
        With keys ``n``, ``d0``, ``d1`` (integers >= 1), ``eps`` (in (0, 1)), ``rho`` (finite, not 1),
        ``budget`` (an integer number of score evaluations), ``level`` (the confidence level of the
        interval), ``label_seed`` and ``seed``, and optionally ``dlm`` (False, True, ``"all"`` or ``"units"``,
        the ``decide`` of :func:`~vanishing_minima.numeric.bad_regions.bad_region_probability`; default False) and
        ``method`` (``"splitting"`` or ``"dead-points"``; default ``"splitting"``), and for ``"dead-points"``
        optionally ``moves`` (elliptical moves per level; default 2 d1) and ``repetitions`` (default 10); the
        constraints are those of :func:`v2_event_probability`.  Other keys (e.g. a draw's label) are
        ignored.

    Returns
    -------
    V2SplittingPoint
        The task's values with ``log_p``, ``log_p_interval``, ``reached``, ``evaluations``, ``seconds``,
        ``m_star`` and ``note`` (and the K6 fields with ``dlm``).

    Raises
    ------
    KeyError
        If ``task`` lacks one of the keys above.
    ValueError
        If a value breaks the constraint of the function it is passed to
        (:func:`~vanishing_minima.numeric.rare_events.v2_event_probability`), e.g. ``eps`` outside (0, 1).
    """
    n, d0, d1 = int(task["n"]), int(task["d0"]), int(task["d1"])
    y = np.random.default_rng(task["label_seed"]).integers(0, 2, n).astype(float)
    rng = np.random.default_rng(task["seed"])
    X = rng.standard_normal((d0, n))
    method = task.get("method", "splitting")
    if method not in ("splitting", "dead-points"):
        raise ValueError(f"task['method'] must be 'splitting' or 'dead-points'; got {method!r}")
    budget = int(task["budget"])
    if (
        task.get("moves") is not None
    ):  # moves per level (dead points): the rest of the budget is particles
        budget = SplittingBudget(
            evaluations=budget,
            repetitions=int(task.get("repetitions", 10)),
            moves_per_step=int(task["moves"]),
        )
    args = dict(eps=task["eps"], rho=task["rho"], rng=rng, budget=budget, method=method)
    dlm = task.get("dlm", False)
    if dlm not in (False, True, "all", "units"):
        raise ValueError(f"task['dlm'] must be False, True, 'all' or 'units'; got {dlm!r}")
    if not dlm:
        res = v2_event_probability(X, y, d1, level=task["level"], **args)
        extra = {}
    else:
        decide = "all" if dlm is True else dlm
        bad = bad_region_probability(X, y, d1, level=task["level"], decide=decide, **args)
        res = bad.v2
        extra = dict(
            dlm_regions=bad.regions,
            dlm_with=bad.with_dlm,
            dlm_undecided=bad.undecided,
            dlm_units=bad.units,
            dlm_unit_hits=bad.unit_hits,
            dlm_q=bad.q,
            dlm_q_upper=bad.q_upper,
            log_v=bad.log_v,
            log_v_upper=bad.log_v_upper,
            dlm_seconds=bad.seconds,
            dlm_note=bad.note,
        )
    return V2SplittingPoint(
        n=task["n"],
        d0=task["d0"],
        d1=task["d1"],
        eps=task["eps"],
        rho=task["rho"],
        budget=task["budget"],
        level=task["level"],
        label_seed=task["label_seed"],
        seed=task["seed"],
        dlm=dlm,
        log_p=res.log_p,
        log_p_interval=tuple(res.log_p_interval),
        reached=res.reached,
        evaluations=res.evaluations,
        seconds=res.seconds,
        m_star=res.m_star,
        note=res.note,
        method=method,
        **extra,
    )


def _interpolating_region(
    rng: np.random.Generator, n: int, d0: int, rho: float, n_samples: int, alpha: float
):
    """Gaussian X, Bernoulli(1/2) labels, Theorem 8's network, and the lower side of its region's log volume."""
    X = rng.standard_normal((d0, n))
    y = rng.integers(0, 2, n).astype(float)
    net = interpolating_network(X, y, rho, rng=rng)
    vol = region_log_volume(
        activation_pattern(net.W, X, rho), X, n_samples=n_samples, rng=rng, alpha=alpha
    )
    return X, y, net, vol


def _volume_fields(net, vol) -> dict:
    return {
        "neurons": net.n_neurons,
        "log_VG_inscribed": vol.log_inscribed,
        "log_VG_estimate": vol.log_estimate,
        "log_VG_lower": vol.log_lower,
        "min_margin": float(min(r.margin for r in vol.rows)),
        "cap_hits": tuple(r.successes for r in vol.rows),
    }


@dataclass(frozen=True)
class GlobalMinimumPoint(SweepPoint):
    r"""One instance of the Theorem 9 sweep: the lower side of :math:`\log V(G)` (:func:`global_minimum_point`).

    Volumes are probabilities under the Gaussian measure of the weights; ``log_VG_*`` are their natural
    logs.

    Attributes
    ----------
    n : int
        Number of samples :math:`N`.
    d0 : int
        Input dimension.
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU).
    n_samples : int
        Samples per row cone of the cap-conditioned sampler.
    alpha : float
        Error rate of ``log_VG_lower``.
    seed : int or list of int
        Entropy of ``numpy.random.default_rng`` for the data, the labels, the network and the sampler.
    neurons : int
        Hidden neurons of Theorem 8's interpolating network.
    log_VG_inscribed : float
        The deterministic inscribed-cap lower bound on :math:`\log V(\mathcal D_{A^*})` (log scale).
    log_VG_estimate : float
        The estimate of :math:`\log V(\mathcal D_{A^*})`, a lower side of :math:`\log V(G)` (log scale).
    log_VG_lower : float
        The rigorous lower confidence bound on :math:`\log V(\mathcal D_{A^*})` at error ``alpha`` (log
        scale; ``-inf`` when a row has no hit).
    min_margin : float
        The smallest margin over the rows of the region.
    cap_hits : tuple of int
        Per row of the network, the samples in the cap that fell in the row's cone.
    """

    n: int
    d0: int
    rho: float
    n_samples: int
    alpha: float
    seed: Any
    neurons: int
    log_VG_inscribed: float
    log_VG_estimate: float
    log_VG_lower: float
    min_margin: float
    cap_hits: tuple[int, ...]


def global_minimum_point(task: dict) -> GlobalMinimumPoint:
    r"""One instance of the Theorem 9 sweep: the lower side of :math:`\log V(G)` at Gaussian :math:`X`.

    ``task`` holds ``n, d0, rho, n_samples, alpha, seed``.  Draws :math:`X\sim\mathcal N`, labels
    Bernoulli(1/2), builds Theorem 8's interpolating network (its region holds a global minimum, so
    :math:`V(G)\ge V(\mathcal D_{A^*})`), and bounds :math:`\log V(\mathcal D_{A^*})` from below by
    cap-conditioned sampling (:func:`~vanishing_minima.numeric.volumes.region_log_volume`; the rigorous
    ``log_VG_lower`` holds with probability at least ``1 - alpha``).

    Parameters
    ----------
    task : dict
        With keys ``n``, ``d0``, ``n_samples`` (integers >= 1, :math:`d_0 \ge 2`), ``rho`` (finite, not 1),
        ``alpha`` (in (0, 1)) and ``seed``; the constraints are those of the construction and of
        :func:`~vanishing_minima.numeric.volumes.region_log_volume`.  Other keys are ignored.

    Returns
    -------
    GlobalMinimumPoint
        The task's values with ``neurons``, ``log_VG_inscribed``, ``log_VG_estimate``, ``log_VG_lower``,
        ``min_margin`` and ``cap_hits``.

    Raises
    ------
    KeyError
        If ``task`` lacks one of the keys above.
    ValueError
        If a value breaks the constraint of the function it is passed to
        (:func:`~vanishing_minima.numeric.construction.interpolating_network`,
        :func:`~vanishing_minima.numeric.volumes.region_log_volume`), e.g. ``alpha`` outside (0, 1).
    """
    rng = np.random.default_rng(task["seed"])
    _, _, net, vol = _interpolating_region(
        rng, int(task["n"]), int(task["d0"]), task["rho"], task["n_samples"], task["alpha"]
    )
    return GlobalMinimumPoint(
        n=task["n"],
        d0=task["d0"],
        rho=task["rho"],
        n_samples=task["n_samples"],
        alpha=task["alpha"],
        seed=task["seed"],
        **_volume_fields(net, vol),
    )


@dataclass(frozen=True)
class VolumeRatioPoint(SweepPoint):
    r"""One instance of the Theorem 10 sweep: a bound on :math:`\log(V(L_\epsilon)/V(G))` (:func:`volume_ratio_point`).

    Attributes
    ----------
    n : int
        Number of samples :math:`N`.
    d0, d1 : int
        Input dimension and hidden width.
    eps : float
        The MCE threshold :math:`\epsilon` of the V2 event, in (0, 1).
    rho : float
        The leaky slope :math:`\rho` of the activation (0: ReLU).
    n_samples : int
        Samples of :math:`W` for the V2 event, and per row cone of the cap-conditioned sampler.
    alpha : float
        Joint error rate of ``log_ratio_upper`` (``alpha / 2`` for each side).
    seed : int or list of int
        Entropy of ``numpy.random.default_rng`` for the data, the labels, the network and both samplers.
    neurons, log_VG_inscribed, log_VG_estimate, log_VG_lower, min_margin, cap_hits
        As in :class:`GlobalMinimumPoint` (``log_VG_lower`` at error ``alpha / 2``; log scale).
    hits : int
        Samples of :math:`W` whose V2 event held.
    p_estimate : float
        ``hits / n_samples``, the estimate of :math:`\mathbb P_W(\text{V2 event})` (linear scale).
    p_lower, p_upper : float
        The exact interval for it at error ``alpha / 2`` (linear scale).
    log_ratio_upper : float or None
        :math:`\log p_{\text{upper}} - \log \underline V`, an upper confidence bound on
        :math:`\log(V(L_\epsilon)/V(G))` at error ``alpha`` (log scale); ``None`` when the network needs
        more than ``d1`` neurons or ``log_VG_lower`` is not finite.
    """

    n: int
    d0: int
    d1: int
    eps: float
    rho: float
    n_samples: int
    alpha: float
    seed: Any
    neurons: int
    log_VG_inscribed: float
    log_VG_estimate: float
    log_VG_lower: float
    min_margin: float
    cap_hits: tuple[int, ...]
    hits: int
    p_estimate: float
    p_lower: float
    p_upper: float
    log_ratio_upper: float | None


def volume_ratio_point(task: dict) -> VolumeRatioPoint:
    r"""One instance of the Theorem 10 sweep: an upper confidence bound on :math:`V(L_\epsilon)/V(G)` at one :math:`X`.

    ``task`` holds ``n, d0, d1, eps, rho, n_samples, alpha, seed``.  At one Gaussian :math:`X` and
    Bernoulli(1/2) labels: :math:`V(L_\epsilon) \le \mathbb P_W(\text{V2 event})` (sampled, exact interval at
    ``alpha / 2``) and :math:`V(G) \ge V(\mathcal D_{A^*})` for Theorem 8's network when it needs at most
    ``d1`` neurons (the other rows are free, with output weight 0), bounded from below at ``alpha / 2``.
    So, with probability at least ``1 - alpha``,
    :math:`\log(V(L_\epsilon)/V(G)) \le \log \bar p - \log \underline V` (``log_ratio_upper``), which is
    ``None`` when the network needs more than ``d1`` neurons.

    Parameters
    ----------
    task : dict
        With keys ``n``, ``d0``, ``d1``, ``n_samples`` (integers >= 1, :math:`d_0 \ge 2`), ``eps`` and
        ``alpha`` (in (0, 1)), ``rho`` (finite, not 1) and ``seed``.  Other keys are ignored.

    Returns
    -------
    VolumeRatioPoint
        The task's values with the fields of :class:`GlobalMinimumPoint` and ``hits``, ``p_estimate``,
        ``p_lower``, ``p_upper``, ``log_ratio_upper``.

    Raises
    ------
    KeyError
        If ``task`` lacks one of the keys above.
    ValueError
        If a value breaks the constraint of the function it is passed to
        (:func:`~vanishing_minima.numeric.samplers.sample_bad_region_event`,
        :func:`~vanishing_minima.numeric.volumes.region_log_volume`), e.g. ``eps`` outside (0, 1).
    """
    rng = np.random.default_rng(task["seed"])
    alpha = task["alpha"] / 2
    X, y, net, vol = _interpolating_region(
        rng, int(task["n"]), int(task["d0"]), task["rho"], task["n_samples"], alpha
    )
    v2 = sample_bad_region_event(
        X,
        y,
        int(task["d1"]),
        task["eps"],
        task["rho"],
        n_samples=task["n_samples"],
        rng=rng,
        alpha=alpha,
    )
    fits = net.n_neurons <= int(task["d1"]) and np.isfinite(vol.log_lower)
    return VolumeRatioPoint(
        n=task["n"],
        d0=task["d0"],
        d1=task["d1"],
        eps=task["eps"],
        rho=task["rho"],
        n_samples=task["n_samples"],
        alpha=task["alpha"],
        seed=task["seed"],
        **_volume_fields(net, vol),
        hits=v2.successes,
        p_estimate=v2.estimate,
        p_lower=v2.lower,
        p_upper=v2.upper,
        log_ratio_upper=float(math.log(v2.upper) - vol.log_lower) if fits else None,
    )
