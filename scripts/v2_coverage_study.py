"""Coverage of v2_event_probability's interval where p is known: exact at d0 = 2, plain Monte Carlo otherwise.

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/v2_coverage_study.py [--runs 100] [--budget 10000] [--mc 1000000] [--cases 0,1,2]

For each case it computes the reference p (exactly, by summing the exact region volumes at d0 = 2, the
V2 sum of exact_volumes_in_the_plane; or by plain Monte Carlo with --mc samples, 100x the evaluations of
one splitting run at the defaults, whose own 0.999 Clopper-Pearson interval is printed), then runs
splitting --runs times with independent seeds and prints the number of 0.95 intervals that contain log p
(with its exact 95% binomial interval), how many runs reached the event, the mean of the estimates over
p, and the time.  Intervals of runs that did not reach the event are (-inf, u) and count as covering
when u >= p.  With a Monte Carlo reference, "contains" uses its point estimate (its own relative error,
printed, should be well below the splitting intervals' half-widths).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import dlm_residual, mce, plane_row_patterns, v2_event_probability

# (label, N, d0, d1, rho, eps, data seed)
CASES = [
    ("family N=48 (48,18,4) ReLU", 48, 18, 4, 0.0, 0.10, 48),
    ("over d0=2 (6,2,4) ReLU", 6, 2, 4, 0.0, 0.20, 1),
    ("under d0=2 (12,2,3) leaky 0.3", 12, 2, 3, 0.3, 0.50, 2),
    ("under d0=2 (12,2,3) ReLU", 12, 2, 3, 0.0, 0.50, 2),
]


def exact_v2_in_the_plane(X, y, d1, eps, rho):
    signs, probs = plane_row_patterns(X)
    combos = np.array(list(itertools.product(range(signs.shape[0]), repeat=d1)))
    A = np.where(signs[combos] > 0, 1.0, rho)
    return float(
        np.sum(np.prod(probs[combos], axis=1), where=mce(y - dlm_residual(A, X, y), y) > eps)
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--budget", type=int, default=10_000)
    ap.add_argument("--mc", type=int, default=1_000_000)
    ap.add_argument("--cases", default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    threadpool_limits(1)
    cases = CASES if args.cases is None else [CASES[int(i)] for i in args.cases.split(",")]
    for label, n, d0, d1, rho, eps, seed in cases:
        rng = np.random.default_rng(seed)
        if d0 == 2:
            X, y = rng.standard_normal((2, n)), rng.integers(0, 2, n).astype(float)
            t = time.perf_counter()
            p = exact_v2_in_the_plane(X, y, d1, eps, rho)
            how = "exact"
        else:
            X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
            t = time.perf_counter()
            ref = v2_event_probability(
                X,
                y,
                d1,
                eps=eps,
                rho=rho,
                rng=10**6 + seed,
                method="mc",
                budget=args.mc,
                level=0.999,
            )
            p = ref.hits / args.mc
            lo, hi = ref.log_p_interval
            how = f"MC {ref.hits}/{args.mc}, 0.999 interval for log p ({lo:.3f}, {hi:.3f})"
        print(
            f"# {label}, eps {eps}: p = {p:.4g}, log p = {math.log(p):.3f} ({how}, {time.perf_counter() - t:.0f} s)",
            flush=True,
        )
        covered = reached = 0
        ratios, secs = [], []
        for k in range(args.runs):
            t = time.perf_counter()
            r = v2_event_probability(
                X,
                y,
                d1,
                eps=eps,
                rho=rho,
                rng=np.random.default_rng([args.seed, seed, k]),
                budget=args.budget,
            )
            secs.append(time.perf_counter() - t)
            covered += r.contains(math.log(p))
            reached += r.reached
            ratios.append(math.exp(r.log_p) / p)
        ci = stats.binomtest(covered, args.runs).proportion_ci(0.95)
        pv = stats.binomtest(covered, args.runs, 0.95).pvalue
        print(
            f"{label}: {covered} of {args.runs} covered at level 0.95 (exact 95% interval {ci.low:.3f}-{ci.high:.3f}; "
            f"two-sided binomial test against 0.95: p-value {pv:.3g}); reached {reached}/{args.runs}; "
            f"mean estimate / p = {np.mean(ratios):.3f} +- {np.std(ratios, ddof=1) / math.sqrt(args.runs):.3f}; "
            f"{np.mean(secs):.1f} s per run",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
