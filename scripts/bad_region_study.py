"""V(L_eps) against its V2 bound along the audit's family: how often does an event region hold a DLM?

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/bad_region_study.py [--sizes 16,24,32,48,64] [--draws 3] [--budget 20000]
                                       [--split-sizes 96,128] [--split-budget 20000] [--out FILE]

Along d0 = round(N^(3/4)), d1 = round(N^(1/3)), ReLU, eps = 0.1, labels one Bernoulli(1/2) draw per N
(seed 5000 + N), X ~ N(0, I) per draw (seed 6000 + 10 N + draw): `bad_region_probability` with plain
Monte Carlo (iid event samples: q's bound is exact; at most 1000 event regions decided per draw) at the
small sizes, with generalized splitting at the larger ones.  Prints one line per (N, draw): -log P(V2)
with its 0.999 interval, event regions decided, how many hold a DLM, q and its upper bound, and the upper
end of log V(L_eps); then writes the lines to --out (Markdown table).  Quoted in docs/findings.md.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from vanishing_minima.numeric import bad_region_probability, family_sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,24,32,48,64")
    ap.add_argument("--split-sizes", default="96,128")
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--budget", type=int, default=20_000)
    ap.add_argument("--split-budget", type=int, default=20_000)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    plan = [(n, "mc", a.budget) for n in map(int, a.sizes.split(",") if a.sizes else [])]
    plan += [
        (n, "splitting", a.split_budget)
        for n in map(int, a.split_sizes.split(",") if a.split_sizes else [])
    ]
    lines = [
        "| N | d0 | d1 | method | draw | -log P(V2) [0.999] | event regions | with a DLM | q | q upper | "
        "-log V(L_eps) >= | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, method, budget in plan:
        ((_, d0, d1),) = family_sizes([n], 0.75, 1 / 3)
        y = np.random.default_rng(5000 + n).integers(0, 2, n).astype(float)
        for draw in range(a.draws):
            rng = np.random.default_rng(6000 + 10 * n + draw)
            X = rng.standard_normal((d0, n))
            t0 = time.perf_counter()
            est = bad_region_probability(
                X, y, d1, eps=0.1, rng=rng, method=method, budget=budget, level=0.999,
                max_regions=1000,
            )  # fmt: skip
            lo, hi = est.v2.log_p_interval
            line = (
                f"| {n} | {d0} | {d1} | {method} | {draw} | {-est.v2.log_p:.2f} [{-hi:.2f}, "
                f"{(math.inf if lo == -math.inf else -lo):.2f}] | {est.regions} | {est.with_dlm} | "
                f"{est.q:.3g} | {est.q_upper:.3g} | {-est.log_v_upper:.2f} | "
                f"{time.perf_counter() - t0:.0f} |"
            )
            print(line, flush=True)
            lines.append(line)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
