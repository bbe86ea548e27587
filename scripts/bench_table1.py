"""The machine's square-GEMM rate against train_large's loss-and-gradient rate, in one run (issue 21).

    python scripts/bench_table1.py [--n 70000] [--d0 784] [--d1 89] [--threads 2] [--repeat 5]
                                   [--gemm 2048] [--seed 0]

Prints, for float32 and then float64: the rate of a square matrix product (``--gemm`` x ``--gemm``,
2 n^3 operations), the rate of one loss-and-gradient evaluation of
:func:`vanishing_minima.numeric.train_large`'s kernel at d0 x N with d1 hidden units on random data
(4 d1 d0 N + 8 d1 N operations, the count of the work caps), and their ratio (issue 21 wants >= 0.5 in
float32).  Each figure is the best of ``--repeat`` timings after one warm-up.  Also the two orientations
of the gradient product, ``B @ X.T`` and ``(X @ B.T).T``, for the record.  Sizes are bounded: N <= 200,000,
d0 <= 4,096, d1 <= 1,024, the GEMM side <= 8,192, repeats <= 50, and the data at most 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric.training.large import _kernel
from vanishing_minima.numeric.training.loss import step_flops

LIMITS = {"n": 200_000, "d0": 4096, "d1": 1024, "gemm": 8192, "repeat": 50, "threads": 64}


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(dtype: str, args) -> dict:
    rng = np.random.default_rng(args.seed)
    G = rng.standard_normal((args.gemm, args.gemm)).astype(dtype)
    gemm = 2.0 * args.gemm**3 / best(lambda: G @ G, args.repeat) / 1e9
    X = rng.standard_normal((args.d0, args.n)).astype(dtype)
    y = (rng.random(args.n) < 0.5).astype(dtype)
    W = rng.standard_normal((args.d1, args.d0)) / np.sqrt(args.d0)
    z = rng.standard_normal(args.d1) / np.sqrt(args.d1)
    seconds = best(lambda: _kernel(W, z, X, y, 0.0), args.repeat)
    kernel = step_flops(args.d0, args.d1, args.n) / seconds / 1e9
    B = rng.standard_normal((args.d1, args.n)).astype(dtype)
    flops = 2.0 * args.d0 * args.d1 * args.n
    plain = flops / best(lambda: B @ X.T, args.repeat) / 1e9
    swapped = flops / best(lambda: (X @ B.T).T, args.repeat) / 1e9
    return {
        "dtype": dtype,
        "gemm_gflops": round(gemm, 2),
        "loss_grad_gflops": round(kernel, 2),
        "loss_grad_seconds": round(seconds, 4),
        "ratio": round(kernel / gemm, 3),
        "grad_product_B_XT_gflops": round(plain, 2),
        "grad_product_X_BT_T_gflops": round(swapped, 2),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=70_000)
    parser.add_argument("--d0", type=int, default=784)
    parser.add_argument("--d1", type=int, default=89)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gemm", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name, high in LIMITS.items():
        value = getattr(args, name)
        if not 1 <= value <= high:
            print(f"bench_table1: --{name} must be in [1, {high}]; got {value}", file=sys.stderr)
            return 2
    if 8.0 * args.d0 * args.n > 4 * 2**30:
        print("bench_table1: --d0 x --n would hold more than 4 GiB in float64", file=sys.stderr)
        return 2
    print(
        f"shape d0 = {args.d0}, N = {args.n}, d1 = {args.d1}; square GEMM {args.gemm}; "
        f"{args.threads} BLAS thread(s); best of {args.repeat}",
        flush=True,
    )
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for dtype in ("float32", "float64"):
            r = measure(dtype, args)
            print(
                f"{dtype}: square GEMM {r['gemm_gflops']:.1f} GFLOP/s; loss-and-gradient "
                f"{r['loss_grad_gflops']:.1f} GFLOP/s ({r['loss_grad_seconds']:.3f} s per evaluation); "
                f"ratio {r['ratio']:.2f}; gradient product B @ X.T {r['grad_product_B_XT_gflops']:.1f}, "
                f"(X @ B.T).T {r['grad_product_X_BT_T_gflops']:.1f} GFLOP/s",
                flush=True,
            )
            print(
                json.dumps(
                    {"threads": args.threads, "n": args.n, "d0": args.d0, "d1": args.d1, **r}
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
