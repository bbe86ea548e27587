"""Theorem 6 at finite N beyond plain Monte Carlo: P_W(V2 event) by generalized splitting along the audit's family.

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/t6_splitting_study.py [--sizes 16,24,...] [--draws 3] [--seconds 60] [--mc 20000] [--seed 0]

Family: d0 = round(N^(3/4)), d1 = max(1, round(N^(1/3))), ReLU, eps = 0.1, X ~ N (d0 x N), labels
Bernoulli(1/2); `--draws` independent (X, y) per N (seeds derived from --seed, N and the draw index).
For each draw it runs `v2_event_probability(..., method="splitting")` with a budget of evaluations set
from `--seconds` (the measured time of one score evaluation at this N times the seconds; the run's wall
time is printed, it can differ) and prints one row:

    N, d0, d1, draw, m*, log p (95% interval; R = 20 repetitions), reached, F(N), -log p / F,
    evaluations, seconds, levels, repetitions that died out, dead share,

F(N) = gamma_eps N^(3/4) (d0 d1)^(1/4) (Theorem 6's exponent, gamma = 0.23 eps^(3/4) = 0.0409), and
"dead share" the fraction of the misclassified points of the final-level (event) samples that are dead
(every neuron off: column of A o X zero), weighted as the estimator weights them, i.e. an estimate of
E[#dead misclassified; event] / E[#misclassified; event].  The rest are misclassified through rank
loss of the live columns (K3).  For N <= --mc-max-n (64) plain Monte Carlo with --mc samples is run
beside it on the same (X, y) (exact Clopper-Pearson, 95%).  Per N a summary line gives the mean of the
per-draw estimates (an unbiased estimate of E_X P_W, the quantity Theorem 6 bounds) with the spread of
the draws.

Budget guide (one core, measured on this project's shared 2-core machine): see the README
("Rare events: generalized splitting").
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import V2Score, v2_event_probability
from vanishing_minima.theory import bounds

EPS, RHO = 0.1, 0.0


def family(n: int) -> tuple[int, int]:
    return round(n**0.75), max(1, round(n ** (1 / 3)))


def exponent_f(n: int, d0: int, d1: int) -> float:
    return float(-bounds.theorem6_log_bound(float(n), float(d0), float(d1), EPS, RHO, d0 / n))


def seconds_per_evaluation(score: V2Score, rng: np.random.Generator, k: int = 16) -> float:
    W = rng.standard_normal((k, score.d1, score.d0))
    score(W[:2])
    t = time.perf_counter()
    score(W)
    return (time.perf_counter() - t) / k


def dead_share(res, score: V2Score) -> float:
    """Weighted share of dead points among the misclassified points of the event samples."""
    if res.samples is None or res.samples.shape[0] == 0:
        return float("nan")
    det = score.details(res.samples)
    w = np.exp(res.sample_log_weights - np.max(res.sample_log_weights))
    mis = det["misclassified"]
    return float(np.sum(w * (mis & det["dead"]).sum(axis=1)) / np.sum(w * mis.sum(axis=1)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,24,32,48,64,96,128,192,256")
    ap.add_argument("--draws", type=int, default=3, help="independent (X, y) per N")
    ap.add_argument(
        "--seconds", type=float, default=60.0, help="target time per (N, draw); sets the budget"
    )
    ap.add_argument("--max-budget", type=int, default=2_000_000)
    ap.add_argument(
        "--mc", type=int, default=20_000, help="plain Monte Carlo samples beside splitting"
    )
    ap.add_argument("--mc-max-n", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    threadpool_limits(1)
    print(
        f"family d0 = N^(3/4), d1 = N^(1/3), ReLU, eps = {EPS}; {args.draws} draws per N; ~{args.seconds:g} s per draw"
    )
    print(
        "N | d0 | d1 | draw | m* | log p (95%) | reached | F(N) | -log p / F | evaluations | seconds | levels | "
        "dead reps | dead share | plain MC: events/samples, log p (95%)"
    )
    for n in (int(v) for v in args.sizes.split(",")):
        d0, d1 = family(n)
        f = exponent_f(n, d0, d1)
        estimates, times = [], []
        for k in range(args.draws):
            rng = np.random.default_rng([args.seed, n, k])
            X = rng.standard_normal((d0, n))
            y = rng.integers(0, 2, n).astype(float)
            score = V2Score(X, y, d1, EPS, RHO)
            cost = seconds_per_evaluation(score, rng)
            budget = int(min(args.max_budget, max(10_000, args.seconds / cost)))
            t = time.perf_counter()
            res = v2_event_probability(
                X, y, d1, eps=EPS, rho=RHO, rng=rng, budget=budget, keep_samples=True
            )
            secs = time.perf_counter() - t
            times.append(secs)
            estimates.append(res.log_p if res.reached else float("nan"))
            lo, hi = res.log_p_interval
            mc = ""
            if n <= args.mc_max_n and args.mc:
                m = v2_event_probability(
                    X, y, d1, eps=EPS, rho=RHO, rng=rng, method="mc", budget=args.mc
                )
                mc = f"{m.hits}/{args.mc}, {m.log_p:.2f} ({m.log_p_interval[0]:.2f}, {m.log_p_interval[1]:.2f})"
            ratio = -res.log_p / f if res.reached else float("nan")
            print(
                f"{n} | {d0} | {d1} | {k} | {res.m_star} | {res.log_p:.2f} ({lo:.2f}, {hi:.2f}) | {res.reached} | "
                f"{f:.2f} | {ratio:.2f} | {res.evaluations} | {secs:.0f} | {len(res.levels)} | "
                f"{res.details.zero_repetitions if res.details else '-'}/{res.repetitions} | "
                f"{dead_share(res, score):.3f} | {mc}",
                flush=True,
            )
        finite = np.array([e for e in estimates if np.isfinite(e)])
        if finite.size:
            mean = float(np.logaddexp.reduce(finite) - math.log(finite.size))
            print(
                f"# N = {n}: mean over {finite.size} draws log E_X p = {mean:.2f} (draws {finite.min():.2f} .. "
                f"{finite.max():.2f}), F = {f:.2f}, -log p / F = {-mean / f:.2f}; {np.mean(times):.0f} s per draw",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
