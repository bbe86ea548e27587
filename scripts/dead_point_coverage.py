"""Coverage of the dead-point estimator's intervals on the audit's family, against a long reference run.

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/dead_point_coverage.py [--n 96] [--runs 100] [--budget 40000] [--reference 4000000]
                                          [--level 0.95] [--seed 0]

One (X, y) on the family (d0 = round(N^(3/4)), d1 = round(N^(1/3)), ReLU, eps = 0.1).  The reference is
the mean of 20 independent dead-point runs of --reference / 20 evaluations each (log-t interval printed:
its half-width must be small against the short runs' intervals for the comparison to mean anything).
Then --runs short runs of --budget evaluations; for each, the intervals at --level of the three methods
("log-t" with the conservative fallback for heavy-tailed repetitions, "lognormal", "t") are computed from
the same repetitions, and the script prints how many contain the reference's log p, with an exact 95%
interval for each coverage.  The reference is itself an estimate: a covering count is evidence about the
intervals only as far as the reference's own interval is narrow.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import family_sizes, v2_event_probability
from vanishing_minima.numeric.rare_events.intervals import heavy_tail_interval, log_mean_interval


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=96)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--budget", type=int, default=40_000)
    ap.add_argument("--reference", type=int, default=4_000_000)
    ap.add_argument("--level", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if not (16 <= a.n <= 4096 and 2 <= a.runs <= 10_000 and 0.5 < a.level < 1):
        raise SystemExit("need 16 <= n <= 4096, 2 <= runs <= 10000, 0.5 < level < 1")
    ((n, d0, d1),) = family_sizes([a.n], 0.75, 1 / 3)
    rng = np.random.default_rng([a.seed, n])
    y = rng.integers(0, 2, n).astype(float)
    X = rng.standard_normal((d0, n))
    with threadpool_limits(1):
        ref_runs = [
            v2_event_probability(
                X, y, d1, eps=0.1, rng=rng, method="dead-points", budget=a.reference // 20
            )
            for _ in range(20)
        ]
        ref_log, ref_ci = log_mean_interval([r.log_p for r in ref_runs], 0.95, "log-t")
        print(
            f"N = {n}, d0 = {d0}, d1 = {d1}: reference log p = {ref_log:.3f} "
            f"(95% log-t {ref_ci[0]:.3f}, {ref_ci[1]:.3f})"
        )
        covered = {"log-t": 0, "lognormal": 0, "t": 0}
        widths = {k: [] for k in covered}
        for _ in range(a.runs):
            r = v2_event_probability(
                X, y, d1, eps=0.1, rng=rng, method="dead-points", budget=a.budget, level=a.level
            )
            v = np.array(r.log_estimates)
            for method in covered:
                lp, ci = log_mean_interval(v, a.level, method)
                if method == "log-t":
                    ci = heavy_tail_interval(
                        lp, ci, v, r.details.iid_hits, r.details.trials, a.level
                    )[0]
                covered[method] += ci[0] <= ref_log <= ci[1]
                widths[method].append(ci[1] - ci[0])
    for method, c in covered.items():
        lo, hi = stats.binomtest(c, a.runs).proportion_ci(0.95)
        print(
            f"{method}: {c} of {a.runs} cover (95% exact {lo:.3f}..{hi:.3f}); median width "
            f"{np.median(widths[method]):.2f} nats"
        )


if __name__ == "__main__":
    main()
