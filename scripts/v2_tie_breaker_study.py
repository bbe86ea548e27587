"""Which tie-breaker (and which pCN move) makes generalized splitting most efficient on the V2 event?

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/v2_tie_breaker_study.py [--runs K] [--budget B] [--out FILE]

For a set of fixed (X, y, d1, eps, rho) where p = P_W(V2 event) is known -- exactly at d0 = 2
(`exact_volumes_in_the_plane`'s V2 sum, recomputed here without the DLM linear programs) or from plain
Monte Carlo with 10^6 samples -- it runs `v2_event_probability` K times per tie-breaker (independent
seeds, the same budget) and prints, per case and tie-breaker:

* rel_mse: mean over runs of (p_hat / p - 1)^2, the squared relative error of one run (unbiased runs:
  their relative variance; a metastable chain shows up here as a huge value or as runs stuck far below);
* wnrv: rel_mse x mean evaluations per run, the work-normalized relative variance (lower is better;
  plain Monte Carlo has wnrv = (1 - p)/p);
* wnrv_rep: the within-run version the brief names, Var(p_r) x evaluations per repetition / p^2,
  averaged over runs (it cannot see what no repetition visited, hence rel_mse is the primary);
* covered: runs whose log_p_interval contains log p; reached: runs whose pilot reached the event.

For the two family cases (N = 96, 128, eps = 0.1) no reference is cheap: p is taken as the pooled mean
of all runs of all tie-breakers and blocks (each run unbiased), so rel_mse there is relative to that.

Measured results are quoted in the README ("Rare events: generalized splitting").  Time: about 10-20
minutes on one core at the defaults.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import dlm_residual, plane_row_patterns, v2_event_probability
from vanishing_minima.numeric.khatri_rao import mce_unchecked


def exact_v2_in_the_plane(X, y, d1, eps, rho):
    """The V2 sum of exact_volumes_in_the_plane (all (2N)^d1 regions, exact arc volumes), without its DLM LPs."""
    signs, probs = plane_row_patterns(X)
    combos = np.array(list(itertools.product(range(signs.shape[0]), repeat=d1)))
    A = np.where(signs[combos] > 0, 1.0, rho)
    e = dlm_residual(A, X, y)
    return float(np.sum(np.prod(probs[combos], axis=1), where=mce_unchecked(y - e, y) > eps))


# (label, N, d0, d1, rho, eps, data seed)
CASES = [
    ("over (16,8,3) ReLU", 16, 8, 3, 0.0, 0.35, 16),
    ("over (24,11,3) ReLU", 24, 11, 3, 0.0, 0.30, 24),
    ("over (32,13,3) ReLU", 32, 13, 3, 0.0, 0.25, 32),
    ("under (40,4,4) ReLU", 40, 4, 4, 0.0, 0.40, 40),
    ("under (20,2,3) leaky 0.3", 20, 2, 3, 0.3, 0.60, 20),
    ("under (12,2,3) leaky 0.3", 12, 2, 3, 0.3, 0.50, 2),
    ("under (12,2,3) ReLU", 12, 2, 3, 0.0, 0.50, 2),
    # the audit's family (d0 = N^(3/4), d1 = N^(1/3), eps = 0.1): p too small for a plain Monte Carlo
    # reference; the reference is the pooled mean of every run of every tie-breaker (each unbiased)
    ("family N=96 (96,31,5) ReLU", 96, 31, 5, 0.0, 0.10, 96),
    ("family N=128 (128,38,5) ReLU", 128, 38, 5, 0.0, 0.10, 128),
]


def case_data(n, d0, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--budget", type=int, default=20_000)
    ap.add_argument(
        "--mc", type=int, default=1_000_000, help="plain Monte Carlo samples for the reference p"
    )
    ap.add_argument("--tie-breakers", default="dead,dead-max,residual,combined,none")
    ap.add_argument(
        "--blocks", default="0", help="comma list of block_axis values: 0 (one neuron) and/or none"
    )
    ap.add_argument("--cases", default=None, help="comma list of case indices (default all)")
    args = ap.parse_args(argv)
    tbs = args.tie_breakers.split(",")
    blocks = [None if b == "none" else int(b) for b in args.blocks.split(",")]
    cases = CASES if args.cases is None else [CASES[int(i)] for i in args.cases.split(",")]
    threadpool_limits(1)
    print(f"runs {args.runs}, budget {args.budget}, reference MC {args.mc}")
    print(
        "case | p (reference) | tie-breaker | block | rel_mse | wnrv | wnrv_rep | covered | reached | evals/run | s/run"
    )
    for label, n, d0, d1, rho, eps, seed in cases:
        X, y = case_data(n, d0, seed)
        t = time.perf_counter()
        pooled = n > 64
        if pooled:
            p, how = None, "pooled mean of the runs below"
        elif d0 == 2:
            p, how = exact_v2_in_the_plane(X, y, d1, eps, rho), "exact"
        else:
            ref = v2_event_probability(
                X, y, d1, eps=eps, rho=rho, rng=10**6 + seed, method="mc", budget=args.mc
            )
            p, how = math.exp(ref.log_p), f"MC {ref.hits}/{args.mc}"
        rows = []
        for tb, block in itertools.product(tbs, blocks):
            runs = []
            for k in range(args.runs):
                t1 = time.perf_counter()
                r = v2_event_probability(
                    X,
                    y,
                    d1,
                    eps=eps,
                    rho=rho,
                    rng=7919 * k + seed,
                    budget=args.budget,
                    tie_breaker=tb,
                    block_axis=block,
                )
                runs.append((r, time.perf_counter() - t1))
            rows.append((tb, block, runs))
        if pooled:
            p = float(
                np.mean([math.exp(r.log_p) for _, _, runs in rows for r, _ in runs if r.reached])
            )
        print(
            f"# {label}, eps {eps}: p = {p:.4g} ({how}, {time.perf_counter() - t:.0f} s)",
            flush=True,
        )
        for tb, block, runs in rows:
            rel = [(math.exp(r.log_p) / p - 1) ** 2 for r, _ in runs]
            evals = [r.evaluations for r, _ in runs]
            wrep = [
                np.exp(np.array(r.log_estimates)).var(ddof=1)
                * (r.evaluations - r.details.pilot_evaluations)
                / r.repetitions
                / p**2
                for r, _ in runs
                if r.repetitions
            ]
            cov = sum(r.contains(math.log(p)) for r, _ in runs)
            reach = sum(r.reached for r, _ in runs)
            rel_mse = float(np.mean(rel))
            print(
                f"{label} | {p:.3g} | {tb} | {block} | {rel_mse:.3g} | {rel_mse * np.mean(evals):.3g} | "
                f"{np.mean(wrep) if wrep else float('nan'):.3g} | {cov}/{len(runs)} | {reach}/{len(runs)} | "
                f"{np.mean(evals):.0f} | {np.mean([s for _, s in runs]):.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
