"""Table 1's MNIST row in full with train_large: N = 70,000, d1 = 89, resumable (issue 21, item 2).

    python scripts/mnist_table1.py MNIST_DIR [--optimizer lbfgs|sgd|adam] [--checkpoint PATH]
                                   [--stop-after SECONDS] [--max-iter 20000] [--dtype float32]
                                   [--threads 1] [--seed 0] [--lr LR] [--batch-size 256]
                                   [--progress-seconds 30] [--name MNIST]

The paper's row: MNIST train + test (N = 70,000, d0 = 784), whitened (``nm.whiten``), digits 0-4 against
5-9, d1 = 89, ReLU, MSE, run to 0% training MCE.  ``--checkpoint PATH`` resumes from PATH when it exists
and writes it every 5 minutes and at the stop; ``--stop-after`` ends this session after that many seconds
of training (the checkpoint then continues it).  A progress line at most every ``--progress-seconds``
(iteration, loss, MCE, evaluations/s, ETA to ``--max-iter`` and, at the latest pace at which the
misclassified count halved, to 0 errors), then one JSON line with the result and the session's
provenance (commit, libraries, BLAS, machine, load at the start and the end).  The package never reads these
files on its own.  Fashion-MNIST (same IDX format) runs the same way: ``--name Fashion-MNIST`` labels
the output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima import numeric as nm
from vanishing_minima.checks import provenance


def load(directory):
    X, digits = nm.load_mnist(directory, "train")
    Xt, dt = nm.load_mnist(directory, "test")
    return np.concatenate([X, Xt], axis=1), nm.binary_labels(
        np.concatenate([digits, dt]), range(5, 10)
    )


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


class Printer:
    """The progress callback: a line at most every ``every`` seconds, with two ETAs.

    The ETA to 0 errors assumes the misclassified count keeps halving at its latest pace: the time since
    the count was last at least twice today's, times log2 of today's count (crude; "n/a" until the count
    has halved once in this session)."""

    def __init__(self, n: int, every: float):
        self.n, self.every, self.last = n, every, -np.inf
        self.halved: list = []  # (seconds, errors) whenever the count falls below half the last entry

    def __call__(self, p: nm.LargeTrainProgress) -> None:
        errors = round(p.mce * self.n)
        if not self.halved or errors <= self.halved[-1][1] / 2:
            self.halved.append((p.seconds, errors))
        if time.perf_counter() - self.last < self.every:
            return
        self.last = time.perf_counter()
        earlier = [t for t, e in self.halved if e >= 2 * errors]
        if errors == 0:
            target = "reached"
        elif earlier:
            target = _duration((p.seconds - earlier[-1]) * max(np.log2(errors), 1.0))
        else:
            target = "n/a"
        print(
            f"iteration {p.iteration}: loss {p.loss:.6g}, MCE {p.mce:.4%} ({errors} errors), "
            f"{p.evaluations} evaluations, {p.evaluations_per_second:.2f} evaluations/s, "
            f"{p.seconds:.0f} s; ETA to max-iter {_duration(p.eta_seconds)}, to 0 errors "
            f"(at the latest halving pace) {target}",
            flush=True,
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist")
    parser.add_argument("--optimizer", default="lbfgs", choices=nm.training.large.LARGE_OPTIMIZERS)
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--stop-after", type=float, default=None)
    parser.add_argument("--max-iter", type=int, default=20_000)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--d1", type=int, default=89)
    parser.add_argument("--progress-seconds", type=float, default=30.0)
    parser.add_argument(
        "--name",
        default="MNIST",
        help="the data set's name in the output (default MNIST; e.g. Fashion-MNIST for its folder, "
        "which has the same IDX format): a label only, nothing is checked against it",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.max_iter <= 10**6 or not 1 <= args.threads <= 64 or not 1 <= args.d1 <= 4096:
        print("mnist_table1: --max-iter, --threads or --d1 out of range", file=sys.stderr)
        return 2
    prov = provenance.collect(script="mnist_table1.py", data=args.name, d1=args.d1)
    t0 = time.perf_counter()
    with threadpool_limits(limits=args.threads, user_api="blas"):
        X, y = load(args.mnist)
        X = nm.whiten(X)
        prep = time.perf_counter() - t0
        d0, n = X.shape
        print(
            f"{args.name} 0-4 vs 5-9: N = {n}, d0 = {d0}, d1 = {args.d1}; whitened in {prep:.1f} s",
            flush=True,
        )
        r = nm.train_large(
            X,
            y,
            args.d1,
            0.0,
            rng=args.seed,
            optimizer=args.optimizer,
            max_iter=args.max_iter,
            lr=args.lr,
            batch_size=args.batch_size,
            dtype=args.dtype,
            checkpoint=args.checkpoint,
            stop_after=args.stop_after,
            progress=Printer(n, args.progress_seconds),
            max_work=1e30,  # the run is asked for explicitly; --stop-after bounds its time
        )
    iters = r.iterations - r.resumed_at
    print(
        f"stopped ({r.stop_reason}) at iteration {r.iterations} (this session from {r.resumed_at}): "
        f"training MCE {r.mce:.4%} ({round(r.mce * n)} errors), MSE {r.loss:.6g} (float64), "
        f"{r.evaluations} evaluations, {r.seconds:.0f} s of training in all",
        flush=True,
    )
    record = {
        "data": args.name,
        "n": n,
        "d0": d0,
        "d1": args.d1,
        "params_over_n": args.d1 * (d0 + 1) / n,
        "optimizer": r.optimizer,
        "dtype": r.dtype,
        "threads": args.threads,
        "seed": args.seed,
        "mce": r.mce,
        "errors": round(r.mce * n),
        "mse": r.loss,
        "iterations": r.iterations,
        "resumed_at": r.resumed_at,
        "session_iterations": iters,
        "evaluations": r.evaluations,
        "seconds": r.seconds,
        "converged": r.converged,
        "stop_reason": r.stop_reason,
        "checkpoint": args.checkpoint,
        # this session's environment: commit, libraries, BLAS, machine, load at its start and end
        "provenance": {
            **{k: v for k, v in prov.to_json(time.perf_counter() - t0).items() if k != "blas_threads_in_checks"},
            "load_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
    }
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
