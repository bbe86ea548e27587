"""E3's MNIST row (Table 1) from a directory of MNIST files, as far as the machine allows.

    python scripts/mnist_e3.py MNIST_DIR [--n 70000] [--d1 89] [--max-iter 20000] [--dtype float32]
                               [--threads 1] [--seed 0] [--time-per-iteration 5]

The paper's row: d0 = 784, whitened inputs, digits 0-4 against 5-9, d1 = 89, N = 70,000 (train + test),
MSE, ReLU, training MCE 0%.  ``--n`` below 70,000 draws a random subset (seeded) and, unless ``--d1``
is given, takes d1 = round(N / 785) so that parameters/N = d1 (d0 + 1)/N is about 1.  Whitening is
computed on the images used.  ``--time-per-iteration K`` first times K L-BFGS iterations at the paper's
full size (N = 70,000, d1 = 89) for planning the full run.  Prints the files found and one result line.
The package never reads these files on its own.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima import numeric as nm


def load(directory):
    X, labels, files = nm.load_mnist(directory, "train", with_files=True)
    found = list(files)
    try:
        Xt, lt, tfiles = nm.load_mnist(directory, "test", with_files=True)
        X, labels = np.concatenate([X, Xt], axis=1), np.concatenate([labels, lt])
        found += list(tfiles)
    except FileNotFoundError:
        pass
    return X, nm.binary_labels(labels, range(5, 10)), found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist")
    parser.add_argument("--n", type=int, default=70_000)
    parser.add_argument("--d1", type=int, default=None)
    parser.add_argument("--max-iter", type=int, default=20_000)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads (default 1: see docs/findings-section5.md)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-per-iteration", type=int, default=0, metavar="K")
    args = parser.parse_args(argv)
    X, y, found = load(args.mnist)
    print("files:", ", ".join(map(str, found)))
    with threadpool_limits(
        limits=args.threads, user_api="blas"
    ):  # also around the whitening and loading
        if args.time_per_iteration:
            full = nm.e3_point(
                nm.E3Task(
                    X=X,
                    y=y,
                    d1=89,
                    seed=(args.seed, 1),
                    max_iter=args.time_per_iteration,
                    dtype=args.dtype,
                )
            )
            print(
                f"full size N = {full.n}, d1 = 89: {full.train_seconds / full.iterations:.3f} s per L-BFGS "
                f"iteration ({full.iterations} iterations, {full.evaluations} evaluations, {args.dtype}, "
                f"{args.threads} BLAS thread(s)); whitening {full.whiten_seconds:.1f} s",
                flush=True,
            )
        n = min(args.n, X.shape[1])
        if n < X.shape[1]:
            idx = np.sort(
                np.random.default_rng([args.seed, 2]).choice(X.shape[1], n, replace=False)
            )
            X, y = X[:, idx], y[idx]
        d1 = args.d1 or max(1, round(n / (X.shape[0] + 1)))
        r = nm.e3_point(
            nm.E3Task(
                X=X, y=y, d1=d1, seed=(args.seed, 3), max_iter=args.max_iter, dtype=args.dtype
            )
        )
    per_iteration = r.train_seconds / max(r.iterations, 1)
    print(
        f"MNIST 0-4 vs 5-9: N = {r.n}, d0 = {r.d0}, d1 = {r.d1}, params/N = {r.params_over_n:.3f}: "
        f"training MCE {r.mce:.4%}, MSE {r.mse:.3e}, {r.iterations} iterations "
        f"({r.evaluations} evaluations), "
        f"{per_iteration:.3f} s per iteration, {r.seconds:.0f} s in all ({args.dtype}, "
        f"{args.threads} BLAS thread(s)); optimizer: {r.message}"
    )
    record = {k: v for k, v in r.to_dict().items() if k != "seed"}
    print(json.dumps({**record, "seconds_per_iteration": per_iteration}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
