"""The theorem audit: one check per claim, structured verdicts with their evidence, a JSON report.

A check gathers evidence for one claim of the registry (:mod:`vanishing_minima.theory.claims`) and
returns a :class:`CheckResult` with one of five verdicts:

``proved``
    the statement is derived symbolically (SymPy) and the shipped function that computes it agrees
    with an independent computation;
``derived``
    the claim follows, by a derivation SymPy checks on the shipped formulas, from the claims it builds
    on (named in its evidence): it is as strong as they are, and no stronger;
``consistent``
    numeric evidence agrees with the claim: exact identities on random instances, or Monte Carlo
    estimates whose Clopper-Pearson intervals (at the declared error rate, and narrow enough to
    resolve the claim) contain the claimed value;
``inconsistent``
    evidence contradicts the claim; the evidence holds the instance;
``partial``
    the claim holds with a stated deviation;
``inconclusive``
    the evidence gathered decides nothing either way (e.g. a lower bound looser than the claim, or an
    interval too wide to resolve it); the key figure says what was measured;
``not checkable``
    with the reason (a definition, or a hypothesis rather than a claim).

Claims whose check is not implemented yet are reported as ``pending``: a status, not a verdict.

Every check draws from its own generator, seeded by ``(seed, claim id)``, so a claim's evidence does
not depend on which other claims run; the same seed gives the same report except the timings.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
import os
import time
from typing import Any, Callable, Mapping

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric.sweeps import run_serial, start_pool, terminate_pool, worker_count
from vanishing_minima.theory import claims

from .core import (
    KEY_FIGURE_LIMIT,
    MC_ALPHA,
    PENDING,
    Budget,
    CheckError,
    CheckResult,
    Context,
    Verdict,
    check,
    split_key_figure,
)
from .provenance import Provenance
from .provenance import collect as collect_provenance
from .registry import CHECKS
from .table1_data import table1_data_folders

__all__ = [
    "Verdict",
    "Budget",
    "CheckResult",
    "Context",
    "CHECKS",
    "check",
    "run_audit",
    "report_json",
    "exit_code",
    "PENDING",
    "MC_ALPHA",
    "CheckError",
]


class _SharedPool:
    """A process pool created on first use and shared by the checks of one audit (the platform's
    default start method), of :func:`~vanishing_minima.numeric.sweeps.worker_count` workers: at most the
    CPUs and the largest sweep's tasks."""

    def __init__(self, workers: int | None):
        self.workers = workers
        self._pool: Any = None
        self._size = 0

    def map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
        tasks = list(tasks)
        workers = worker_count(self.workers, len(tasks))
        if workers == 1:
            return run_serial(fn, tasks)
        if (
            self._pool is not None and self._size < workers
        ):  # a larger sweep than the pool was made for
            self.close()
        if self._pool is None:
            self._pool, self._size = start_pool(workers), workers
        return list(self._pool.map(fn, tasks))

    def close(self) -> None:
        """Shut down after the running tasks (the normal end of an audit)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def terminate(self) -> None:
        """Stop at once: queued tasks cancelled, workers terminated (an error, Ctrl-C or SIGTERM)."""
        if self._pool is not None:
            terminate_pool(self._pool)
            self._pool = None


def run_audit(
    claim_ids: list[str] | None = None,
    budget: Budget | str = Budget.QUICK,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    executor: Any = None,
    workers: int | None = None,
    data: Mapping[str, str | os.PathLike] | None = None,
) -> list[CheckResult]:
    """Run the checks of ``claim_ids`` (default: every registered claim; an id given twice runs once)
    in the order given.

    Claims without a check yield a ``pending`` result.  A check that raises is reported as an error:
    its exception is re-raised as :class:`CheckError` (carrying the claim id, chained to the original),
    so that an audit with a broken check never looks green.

    Sweeps (T6, E1-E3) run on ``executor`` (any ``concurrent.futures.Executor``, e.g. a Dask client's
    ``client.get_executor()``); by default on a process pool of ``workers`` processes (default: all
    cores; never more than the cores or a sweep's tasks; ``workers=1`` runs everything in this process).
    The results do not depend on the executor.  ``data`` maps the names of :data:`TABLE1_DATA` (``"mnist"``,
    ``"cifar"``) to folders of the user's files, for E3's Table 1 rows (each folder must exist; the files
    are read by the check).  On an error, Ctrl-C (``KeyboardInterrupt``) or any other
    exit by exception, the audit's own pool is terminated at once, its queued tasks cancelled.

    Every argument is checked before any check runs: ``claim_ids`` must be ``None`` or a list (or other
    non-string iterable) of claim id strings, ``seed`` an integer >= 0 (it seeds
    ``numpy.random.SeedSequence``), ``progress`` ``None`` or callable.

    Raises
    ------
    CheckError
        If a check raises.
    KeyError
        If an id is not in the claim registry.
    TypeError
        If ``claim_ids`` is a single string (``"K1"`` would be read as the ids ``"K"`` and ``"1"``: pass
        ``["K1"]``) or not an iterable of strings, or ``progress`` is neither ``None`` nor callable.
    ValueError
        If ``budget`` is not a :class:`Budget` or one of its names (``"quick"``, ``"standard"``,
        ``"thorough"``), ``seed`` is not an integer >= 0, ``workers`` is not an integer >= 1, or ``data``
        names an unknown data set or a folder that does not exist.
    """
    claim_ids = _claim_id_list(claim_ids)
    seed = _seed(seed)
    data = table1_data_folders(data)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be None or callable; got {type(progress).__name__}")
    try:
        budget = Budget(budget)
    except ValueError:
        raise ValueError(
            f"budget must be one of {[b.value for b in Budget]} (or a Budget); got {budget!r}"
        ) from None
    pool = None
    if executor is None:
        worker_count(workers)  # a bad count is refused now, not inside the first check with a sweep
        executor = pool = _SharedPool(workers)
    try:
        results = _run(claim_ids, budget, seed, progress, executor, data)
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    if pool is not None:
        pool.close()
    return results


def _claim_id_list(claim_ids: Any) -> list[str] | None:
    """``run_audit``'s ``claim_ids``: None, or a non-string iterable of id strings, as a list."""
    if claim_ids is None:
        return None
    if isinstance(claim_ids, (str, bytes)):
        raise TypeError(
            f"claim_ids must be a list of claim ids, e.g. [{claim_ids!r}]; got the string {claim_ids!r} "
            "(a string would be read one character at a time)"
        )
    try:
        ids = list(claim_ids)
    except TypeError:
        raise TypeError(
            f"claim_ids must be a list of claim id strings; got {type(claim_ids).__name__}"
        ) from None
    for c in ids:
        if not isinstance(c, str):
            raise TypeError(f"claim_ids must hold claim id strings; got {c!r} ({type(c).__name__})")
    return ids


def _seed(seed: Any) -> int:
    """``run_audit``'s ``seed``: an integer >= 0 (Python or NumPy, not a boolean), as an int."""
    if (
        isinstance(seed, (bool, np.bool_))
        or not isinstance(seed, (numbers.Integral, np.integer))
        or seed < 0
    ):
        raise ValueError(
            f"seed must be an integer >= 0 (it seeds numpy's SeedSequence); got {seed!r}"
        )
    return int(seed)


def _run(claim_ids, budget, seed, progress, executor, data=()) -> list[CheckResult]:
    ids = (
        list(claims.REGISTRY)
        if claim_ids is None
        else list(dict.fromkeys(claims.get(c).id for c in claim_ids))
    )
    results = []
    for cid in ids:
        if progress:
            progress(cid)
        fn = CHECKS.get(cid)
        if fn is None:
            results.append(CheckResult(cid, PENDING, "", "check not implemented yet"))
            continue
        start = time.perf_counter()
        ctx = Context(budget, seed, cid, executor=executor, data=data)
        try:
            # one BLAS thread, as in the sweeps' workers: the numbers then do not depend on the machine's
            # thread count or on what ran before in this process (T8's rounding-level error did)
            with threadpool_limits(1):
                result = fn(ctx)
            result = dataclasses.replace(
                _short_key_figure(result),
                seconds=round(time.perf_counter() - start, 3),
                seed_sequence=tuple(ctx.seed_sequence),
            )
        except Exception as exc:
            raise CheckError(cid, exc) from exc
        results.append(result)
    return results


def _short_key_figure(result: CheckResult) -> CheckResult:
    """A key figure over :data:`.core.KEY_FIGURE_LIMIT` characters from a check that gave no details:
    its leading clauses stay, the rest goes to ``details`` (:func:`.core.split_key_figure`)."""
    if len(result.key_figure) <= KEY_FIGURE_LIMIT or result.details:
        return result
    head, rest = split_key_figure(result.key_figure)
    return dataclasses.replace(result, key_figure=head, details=rest)


def exit_code(results: list[CheckResult]) -> int:
    """0 when no check is inconsistent, 1 otherwise."""
    return int(any(r.verdict == Verdict.INCONSISTENT for r in results))


def report_json(
    results: list[CheckResult],
    budget: Budget,
    seed: int,
    provenance: Provenance | None = None,
    wall_seconds: float | None = None,
) -> str:
    """The report as JSON; timings and provenance are kept apart (at the end) so that two runs of one
    environment differ only there.

    ``provenance`` is what produced the results (:func:`.provenance.collect`, best called when the run
    starts; collected now when ``None``), ``wall_seconds`` the run's wall time.
    """
    if provenance is None:
        provenance = collect_provenance(budget=budget.value, seed=seed)
    body = {
        "paper": "Soudry & Hoffer, arXiv:1702.05777",
        "budget": budget.value,
        "seed": seed,
        "results": [
            {
                "claim": r.claim,
                "kind": r.kind,
                "verdict": r.verdict,
                "key_figure": r.key_figure,
                "details": r.details,
                "method": r.method,
                "evidence": r.evidence_json(),
            }
            for r in results
        ],
        "timings_seconds": {r.claim: r.seconds for r in results},
        "provenance": provenance.to_json(wall_seconds),
    }
    return json.dumps(body, indent=2, sort_keys=False, default=str) + "\n"
