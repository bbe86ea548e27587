"""Profile E3's trainer on MNIST-sized data: the gradient before and after, threads, float64 against float32.

    python scripts/profile_e3.py [MNIST_DIR] [--n 70000] [--d1 89] [--repeats 5] [--lbfgs 20]   (OMP_NUM_THREADS unset)

With MNIST_DIR the inputs are MNIST (train + test, whitened, digits 0-4 against 5-9, the first N
images); without it, whitened-like Gaussian data of the same shape (784 x N).  Everything runs in this one
process, one variant after the other, so "before" and "after" are measured on the same machine in the
same conditions.  Prints:

1. where the time of one loss-and-gradient evaluation goes in the earlier form (each line timed);
2. seconds per evaluation for each variant: the earlier form ("before", copied below verbatim from
   numeric/training.py before the change) and the shipped one, float64 and float32, with the BLAS
   limited to 1 thread and at its default (one per core);
3. seconds per L-BFGS iteration (``train_network``) for the earlier and the shipped trainer (1 BLAS thread).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy import optimize
from threadpoolctl import threadpool_info, threadpool_limits

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.training.loss import mse_grad_unchecked


def _mse_grad_before(W, z, X, y, rho):
    """The gradient as it was before this change (numeric/training.py at d5f46c4)."""
    n = X.shape[1]
    U = W @ X
    A = np.where(U > 0, 1.0, rho)
    H = A * U
    e = y - H.T @ z
    grad_z = -(2.0 / n) * (H @ e)
    grad_W = -(2.0 / n) * ((z[:, None] * A * e[None, :]) @ X.T)
    return float(e @ e / n), grad_W, grad_z


def _breakdown(W, z, X, y, rho, repeats):
    n = X.shape[1]
    steps = {}

    def timed(name, fn):
        start = time.perf_counter()
        for _ in range(repeats):
            out = fn()
        steps[name] = (time.perf_counter() - start) / repeats
        return out

    U = timed("U = W @ X (matmul)", lambda: W @ X)
    A = timed("A = where(U > 0, 1, rho)", lambda: np.where(U > 0, 1.0, rho))
    H = timed("H = A * U", lambda: A * U)
    e = timed("e = y - H.T @ z", lambda: y - H.T @ z)
    timed("grad_z = H @ e", lambda: -(2.0 / n) * (H @ e))
    G = timed(
        "z[:, None] * A * e[None, :] (two (d1, N) arrays)", lambda: z[:, None] * A * e[None, :]
    )
    timed("grad_W = G @ X.T (matmul)", lambda: -(2.0 / n) * (G @ X.T))
    return steps


def _per_eval(fn, W, z, X, y, repeats):
    fn(W, z, X, y, 0.0)  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        fn(W, z, X, y, 0.0)
    return (time.perf_counter() - start) / repeats


def _lbfgs_before(X, y, d1, iters, seed):
    """The earlier train_network's L-BFGS loop (same initialization and options) with the earlier gradient."""
    rng = np.random.default_rng(seed)
    d0 = X.shape[0]
    W = rng.standard_normal((d1, d0)) / np.sqrt(d0)
    z = rng.standard_normal(d1) / np.sqrt(d1)

    def fun(theta):
        value, gW, gz = _mse_grad_before(
            theta[: d1 * d0].reshape(d1, d0), theta[d1 * d0 :], X, y, 0.0
        )
        return value, np.concatenate([gW.ravel(), gz])

    return optimize.minimize(
        fun,
        np.concatenate([W.ravel(), z]),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": iters, "gtol": 1e-10, "ftol": 0.0, "maxcor": 30, "maxfun": 4 * iters},
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist", nargs="?", default=None)
    parser.add_argument("--n", type=int, default=70_000)
    parser.add_argument("--d1", type=int, default=89)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lbfgs", type=int, default=20, help="L-BFGS iterations per trainer")
    parser.add_argument(
        "--lbfgs-threads", type=int, default=1, help="BLAS threads of part 3 (default 1)"
    )
    args = parser.parse_args(argv)
    blas = threadpool_info()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"cores {cores}; BLAS {[(b['internal_api'], b['num_threads']) for b in blas]}; "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; load average {os.getloadavg()[0]:.2f}"
    )
    if args.mnist:
        X, labels = nm.load_mnist(args.mnist, "train")[:2]
        try:
            Xt, lt = nm.load_mnist(args.mnist, "test")[:2]
            X, labels = np.concatenate([X, Xt], axis=1), np.concatenate([labels, lt])
        except FileNotFoundError:
            pass
        X, y = X[:, : args.n], nm.binary_labels(labels[: args.n], range(5, 10))
        start = time.perf_counter()
        X = nm.whiten(X)
        print(
            f"MNIST from {args.mnist}: d0 = {X.shape[0]}, N = {X.shape[1]}; "
            f"whitening {time.perf_counter() - start:.1f} s"
        )
    else:
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((784, args.n)), rng.integers(0, 2, args.n).astype(float)
        print(f"synthetic Gaussian data: d0 = 784, N = {args.n}")
    X = np.ascontiguousarray(X)
    rng = np.random.default_rng(1)
    d1 = args.d1
    W, z = (
        rng.standard_normal((d1, X.shape[0])) / np.sqrt(X.shape[0]),
        rng.standard_normal(d1) / np.sqrt(d1),
    )
    X32 = X.astype(np.float32)
    gflop = 4 * d1 * X.shape[0] * X.shape[1] / 1e9
    print(f"d1 = {d1}: the two products are {gflop:.1f} GFLOP per evaluation\n")

    print("1. one evaluation in the earlier form, line by line (default BLAS threads):")
    for name, sec in _breakdown(W, z, X, y, 0.0, args.repeats).items():
        print(f"   {sec * 1e3:9.1f} ms  {name}")

    print("\n2. seconds per loss-and-gradient evaluation:")
    _, gW0, gz0 = _mse_grad_before(W, z, X, y, 0.0)
    rows = []
    for threads in (1, None):
        with threadpool_limits(limits=threads, user_api="blas"):
            for label, fn, data in (
                ("before (float64)", _mse_grad_before, X),
                ("after, float64", mse_grad_unchecked, X),
                ("after, float32", mse_grad_unchecked, X32),
            ):
                sec = _per_eval(fn, W, z, data, y, args.repeats)
                _, gW, gz = fn(W, z, data, y, 0.0)
                err = np.linalg.norm(np.r_[gW.ravel() - gW0.ravel(), gz - gz0]) / np.linalg.norm(
                    np.r_[gW0.ravel(), gz0]
                )
                rows.append((label, threads or f"default ({cores})", sec, err))
    base = rows[0][2]
    for label, threads, sec, err in rows:
        print(
            f"   {label:18s} BLAS threads {threads!s:12s} {sec:7.3f} s  ({base / sec:4.2f}x the first row; "
            f"gradient rel. diff. {err:.1e}, {gflop / sec:5.1f} GFLOP/s)"
        )

    print(
        f"\n3. seconds per L-BFGS iteration ({args.lbfgs} iterations, {args.lbfgs_threads} BLAS thread(s)):"
    )
    limit = threadpool_limits(limits=args.lbfgs_threads, user_api="blas")
    start = time.perf_counter()
    old = _lbfgs_before(X, y, d1, args.lbfgs, 2)
    t_old = (time.perf_counter() - start) / max(old.nit, 1)
    print(
        f"   before, float64: {t_old:.3f} s/iteration ({old.nit} iterations, {old.nfev} evaluations, MSE {old.fun:.4f})"
    )
    for dtype in ("float64", "float32"):
        start = time.perf_counter()
        res = nm.train_network(X, y, d1, 0.0, rng=2, max_iter=args.lbfgs, gtol=1e-10, dtype=dtype)
        t_new = (time.perf_counter() - start) / max(res.iterations, 1)
        print(
            f"   after, {dtype}:  {t_new:.3f} s/iteration ({res.iterations} iterations, "
            f"{len(res.history)} evaluations, "
            f"MSE {res.mse:.4f}); {t_old / t_new:.2f}x faster"
        )
    limit.unregister()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
