"""K3's certificate bound on the V2 event for leaky units at large N, one X per size (issue 23, item 1).

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/rank_bound_study.py [--sizes 384,512] [--budgets 2500000,3000000] [--rhos 0.3,-0.5]

Along the audit's family (d0 = round(N^(3/4)), d1 = round(N^(1/3)), eps = 0.1), one Gaussian X and
Bernoulli(1/2) labels per N (seeded by N), ``v2_event_probability(method="rank-bound")`` with the given
evaluations at level 0.999, one BLAS thread: prints log P(L >= 1) (an upper bound on log p for X in general
position) with its interval, F(N) with gamma_eps from the shipped formula, the evaluations, the
population and the time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima import numeric as nm
from vanishing_minima.checks.claim_checks.family import family_sizes
from vanishing_minima.checks.claim_checks.theorem6_leaky import leaky_exponent


def _ints(text):
    return [int(v) for v in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=_ints, default=[384, 512])
    ap.add_argument("--budgets", type=_ints, default=[2_500_000, 3_000_000])
    ap.add_argument("--rhos", type=lambda t: [float(v) for v in t.split(",")], default=[0.3, -0.5])
    a = ap.parse_args()
    if len(a.sizes) != len(a.budgets) or not all(
        16 <= n <= 4096 and 1000 <= b <= 10**8 for n, b in zip(a.sizes, a.budgets)
    ):
        raise SystemExit("need one budget per size, 16 <= N <= 4096, 1e3 <= budget <= 1e8")
    print(
        "| N | d0 | d1 | rho | log P(L >= 1) [0.999 interval] | F(N) | evaluations | particles | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with threadpool_limits(1):
        for n, budget in zip(a.sizes, a.budgets):
            ((n, d0, d1),) = family_sizes([n])
            for rho in a.rhos:
                rng = np.random.default_rng([0, n])
                X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
                t = time.perf_counter()
                r = nm.v2_event_probability(
                    X,
                    y,
                    d1,
                    eps=0.1,
                    rho=rho,
                    rng=1000 + n,
                    method="rank-bound",
                    budget=budget,
                    level=0.999,
                )
                lo, hi = r.certificate_log_interval
                print(
                    f"| {n} | {d0} | {d1} | {rho:g} | {r.certificate_log_p:.2f} [{lo:.2f}, {hi:.2f}] | "
                    f"{leaky_exponent(n, d0, d1, rho):.2f} | {r.evaluations:,} | {r.details.population} | "
                    f"{time.perf_counter() - t:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
