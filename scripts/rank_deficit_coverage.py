"""Coverage of the rank-deficit estimator's intervals (leaky units) against plain Monte Carlo 30x longer.

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/rank_deficit_coverage.py [--n 20] [--d0 9] [--d1 3] [--rho 0.3] [--x-seed 0]
                                            [--runs 100] [--budget 60000] [--level 0.95] [--seed 0]

One (X, y) drawn from --x-seed (Gaussian X, Bernoulli(1/2) labels, eps = 0.1), small enough that plain
Monte Carlo resolves p.  The reference is plain Monte Carlo with 30 times the evaluations of all the short
runs together (its exact Clopper-Pearson interval at level 0.999 is printed: the comparison means something
only as far as it is narrow against the short runs' intervals).  Then --runs independent runs of
``v2_event_probability(method="rank-deficit")`` with --budget evaluations each; the script prints how many
of their intervals at --level contain the reference's estimate, with an exact 95% interval for that
coverage, and the same for the certificate's interval against Monte Carlo's estimate of P(L >= 1) from
the same reference draws.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import V2Score, top_multiplicity_deficit, v2_event_probability
from vanishing_minima.numeric.generic_rank import pattern_codes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--d0", type=int, default=9)
    ap.add_argument("--d1", type=int, default=3)
    ap.add_argument("--rho", type=float, default=0.3)
    ap.add_argument("--x-seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--budget", type=int, default=60_000)
    ap.add_argument("--level", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if not (4 <= a.n <= 64 and 2 <= a.runs <= 1000 and 0.5 < a.level < 1 and a.budget <= 10**6):
        raise SystemExit("need 4 <= n <= 64, 2 <= runs <= 1000, 0.5 < level < 1, budget <= 1e6")
    rng = np.random.default_rng(a.x_seed)
    X, y = rng.standard_normal((a.d0, a.n)), rng.integers(0, 2, a.n).astype(float)
    with threadpool_limits(1):
        t0 = time.perf_counter()
        runs, spent = [], 0
        for k in range(a.runs):
            r = v2_event_probability(
                X,
                y,
                a.d1,
                eps=0.1,
                rho=a.rho,
                rng=a.seed + k,
                method="rank-deficit",
                budget=a.budget,
                level=a.level,
            )
            runs.append(r)
            spent += r.evaluations
        short = time.perf_counter() - t0
        total = 30 * spent
        score = V2Score(X, y, a.d1, 0.1, a.rho)
        ref_rng = np.random.default_rng(10**6 + a.seed)
        hits = cert = 0
        for start in range(0, total, 20_000):
            W = ref_rng.standard_normal((min(20_000, total - start), a.d1, a.d0))
            m = score.details(W)["m"]
            hits += int(np.sum(m >= score.m_star))
            codes = pattern_codes(W @ score.X > 0)
            L = top_multiplicity_deficit(
                codes, np.ones(codes.shape, dtype=bool), a.d0, a.d1, a.n, affine=True
            )
            cert += int(np.sum(L >= 1))
    p_ref, c_ref = hits / total, cert / total
    ci = stats.binomtest(hits, total).proportion_ci(0.999, method="exact")
    print(
        f"N = {a.n}, d0 = {a.d0}, d1 = {a.d1}, rho = {a.rho}, m* = {score.m_star}; {a.runs} runs of "
        f"{a.budget} evaluations ({spent} spent, {short:.0f} s)"
    )
    print(
        f"reference: plain Monte Carlo, {total} draws: p = {p_ref:.4g} [{ci.low:.4g}, {ci.high:.4g}] "
        f"(0.999), P(L >= 1) = {c_ref:.4g}"
    )
    for name, ref, pick in (
        ("p", p_ref, lambda r: r.log_p_interval),
        ("P(L >= 1)", c_ref, lambda r: r.certificate_log_interval),
    ):
        covered = sum(lo <= math.log(ref) <= hi for lo, hi in map(pick, runs))
        c = stats.binomtest(covered, a.runs).proportion_ci(0.95, method="exact")
        print(
            f"{name}: {covered}/{a.runs} intervals at {a.level} contain the reference "
            f"(coverage {covered / a.runs:.2f}, exact 95% [{c.low:.2f}, {c.high:.2f}])"
        )


if __name__ == "__main__":
    main()
