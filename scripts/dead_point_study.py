"""Theorem 6 at large N: P_W(V2 event) by the dead-point estimator along the audit's family.

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/dead_point_study.py [--sizes 256,384,512,1024] [--draws 1] [--population 600]
                                       [--repetitions 6] [--moves 2d1] [--seed 0]

Family: d0 = round(N^(3/4)), d1 = round(N^(1/3)), ReLU, eps = 0.1, X ~ N (d0 x N), labels Bernoulli(1/2),
the audit's T6 family.  Per draw it runs `v2_event_probability(..., method="dead-points")` with a
SplittingBudget(n0=population, repetitions, moves_per_step=moves) at level 0.999 (T6's) and prints one row:

    N, d0, d1, draw, m*, -log p, its interval, F(N), per-repetition -log p_r (min..max), evaluations,
    residual fallbacks, skipped moves, seconds.

One core (threadpool_limits(1)); the seconds are wall time on the machine it runs on.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import SplittingBudget, family_sizes, v2_event_probability
from vanishing_minima.theory import bounds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="256,384,512,1024")
    ap.add_argument("--draws", type=int, default=1)
    ap.add_argument("--population", type=int, default=600)
    ap.add_argument("--repetitions", type=int, default=6)
    ap.add_argument("--moves", type=int, default=0, help="moves per level (0: 2 d1)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.draws < 1 or a.population < 2 or a.repetitions < 2 or a.moves < 0:
        raise SystemExit(
            "draws >= 1, population >= 2, repetitions >= 2 and moves >= 0 are required"
        )
    sizes = [int(s) for s in a.sizes.split(",")]
    if any(n < 2 or n > 4096 for n in sizes):
        raise SystemExit("sizes must lie in [2, 4096]")
    print(
        "N d0 d1 draw m* -logp [lo, hi] F -logp_r(min..max) evaluations fallbacks skipped seconds",
        flush=True,
    )
    for n, d0, d1 in family_sizes(sizes, 0.75, 1 / 3):
        f = -bounds.theorem6_log_bound(float(n), float(d0), float(d1), 0.1, 0.0, d0 / n)
        for k in range(a.draws):
            rng = np.random.default_rng([a.seed, n, k])
            y = rng.integers(0, 2, n).astype(float)
            X = rng.standard_normal((d0, n))
            budget = SplittingBudget(
                n0=a.population, repetitions=a.repetitions, moves_per_step=a.moves or 2 * d1
            )
            t = time.perf_counter()
            with threadpool_limits(1):
                r = v2_event_probability(
                    X, y, d1, eps=0.1, rng=rng, method="dead-points", budget=budget, level=0.999
                )
            lo, hi = -r.log_p_interval[1], -r.log_p_interval[0]
            reps = [-v for v in r.log_estimates if math.isfinite(v)]
            spread = f"{min(reps):.1f}..{max(reps):.1f}" if reps else "all 0"
            fb, sk = r.details.residual_fallbacks, r.details.skipped_moves
            print(
                f"{n} {d0} {d1} {k} {r.m_star} {-r.log_p:.2f} [{lo:.2f}, {hi:.2f}] {f:.2f} {spread} "
                f"{r.evaluations} {fb} {sk} {time.perf_counter() - t:.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
