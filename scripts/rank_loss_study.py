"""The proof's event measured: rank loss of A o X, beside dead points, at the audit's family (issue 23, item 2).

Not part of the package (nothing imports it).  Run by hand from the repository root:

    python scripts/rank_loss_study.py [--mc 40000] [--budget 400000] [--seed 0] [--out FILE]

Along d0 = round(N^(3/4)), d1 = round(N^(1/3)), eps = 0.1, one Gaussian X and Bernoulli(1/2) labels per N.

* Plain Monte Carlo over W at N = 32 and 48 (ReLU, rho = 0.3, rho = -0.5), exact Clopper-Pearson intervals
  at 0.999: p = P(V2 event); for ReLU the part of p carried by dead points alone (the dead label-1 points
  reach m*) and the part that needs misclassified live points; the probability that the live columns of
  A o X are dependent and that their deficiency (live count - rank) is at least k; for leaky units the
  probability that A o X loses rank, by at least k, and P(L >= 1) (K3's certificate fails).  Ranks are
  numerical (numpy.linalg.matrix_rank on the column-normalized Khatri-Rao product) where K3 does not
  certify full rank.
* Beyond plain Monte Carlo, at N = 96: the dead-point estimator with the statistic 1{dead label-1 points
  < m*} (the event's part that needs rank loss among live points) for ReLU; the certificate run
  (method "rank-bound") with the statistic 1{rank(A o X) < N} for each leaky slope (the probability of rank
  loss itself, below P(L >= 1)).

Prints Markdown tables (to --out as well).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima.numeric import (
    V2Score,
    clopper_pearson,
    family_sizes,
    k3_full_rank_certificate,
    khatri_rao,
    top_multiplicity_deficit,
    v2_event_probability,
)
from vanishing_minima.numeric.generic_rank import pattern_codes

ALPHA = 1e-3


def _data(n, d0, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)


def _ranks(A, X, columns):
    """Numerical rank of the columns ``columns`` (B, N) of A o X, per sample (normalized columns)."""
    out = np.empty(A.shape[0], dtype=int)
    for b in range(A.shape[0]):
        M = khatri_rao(A[b][:, columns[b]], X[:, columns[b]])
        if M.shape[1] == 0:
            out[b] = 0
            continue
        M = M / np.linalg.norm(M, axis=0)
        out[b] = np.linalg.matrix_rank(M)
    return out


def _fmt(k, n):
    lo, hi = clopper_pearson(k, n, ALPHA)
    return f"{k / n:.3g} [{lo:.2g}, {hi:.2g}]"


def monte_carlo(n, d0, d1, rho, samples, seed):
    X, y = _data(n, d0, 1000 + n)
    score = V2Score(X, y, d1, 0.1, rho)
    rng = np.random.default_rng(seed)
    counts = {}
    total = 0
    for start in range(0, samples, 5000):
        W = rng.standard_normal((min(5000, samples - start), d1, d0))
        det = score.details(W)
        m, dead, A = det["m"], det["dead"], det["A"]
        event = m >= score.m_star
        total += W.shape[0]

        def add(key, mask):
            counts[key] = counts.get(key, 0) + int(np.sum(mask))

        add("event", event)
        if rho == 0:
            d_label1 = np.sum(dead & score.label1, axis=1)
            add("event, dead points alone", event & (d_label1 >= score.m_star))
            add("event, needs live points", event & (d_label1 < score.m_star))
            live = ~dead
            certified = k3_full_rank_certificate(A, d0)
            check = np.flatnonzero(~certified)
            deficiency = np.zeros(W.shape[0], dtype=int)
            if check.size:
                r = _ranks(A[check], score.X, live[check])
                deficiency[check] = live[check].sum(axis=1) - r
            for k in (1, 2, 4):
                add(f"live deficiency >= {k}", deficiency >= k)
        else:
            codes = pattern_codes(W @ score.X > 0)
            L = top_multiplicity_deficit(codes, np.ones(codes.shape, bool), d0, d1, n, affine=True)
            add("L >= 1 (certificate fails)", L >= 1)
            check = np.flatnonzero(L >= 1)
            deficiency = np.zeros(W.shape[0], dtype=int)
            if check.size:
                allcols = np.ones((check.size, n), dtype=bool)
                deficiency[check] = n - _ranks(A[check], score.X, allcols)
            for k in (1, 2, 4):
                add(f"deficiency >= {k}", deficiency >= k)
            add("event without rank loss (must be 0)", event & (deficiency == 0))
    return score.m_star, total, counts


def beyond(n, d0, d1, rho, budget, seed):
    X, y = _data(n, d0, 1000 + n)
    score = V2Score(X, y, d1, 0.1, rho)
    if rho == 0:

        def h(W, A):
            dead = ~(A > 0).any(axis=1)
            return (np.sum(dead & score.label1, axis=1) < score.m_star).astype(float)

        r = v2_event_probability(
            X,
            y,
            d1,
            eps=0.1,
            rho=0.0,
            rng=seed,
            method="dead-points",
            budget=budget,
            level=0.999,
            event_statistic=h,
        )
        return ("log p", r.log_p_interval), (
            "log P(event, needs live points)",
            r.statistic_log_interval,
        )

    def h(W, A):
        out = np.zeros(W.shape[0])
        M = khatri_rao(A, score.X)
        M = M / np.linalg.norm(M, axis=1, keepdims=True)
        out[:] = np.linalg.matrix_rank(M) < n
        return out

    r = v2_event_probability(
        X,
        y,
        d1,
        eps=0.1,
        rho=rho,
        rng=seed,
        method="rank-bound",
        budget=budget,
        level=0.999,
        event_statistic=h,
    )
    return (
        ("log P(L >= 1)", r.certificate_log_interval),
        ("log P(rank(A o X) < N)", r.statistic_log_interval),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mc", type=int, default=40_000)
    ap.add_argument("--budget", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if not (1000 <= a.mc <= 10**6 and 10_000 <= a.budget <= 10**7):
        raise SystemExit("need 1000 <= --mc <= 1e6 and 1e4 <= --budget <= 1e7")
    lines = []
    with threadpool_limits(1):
        for rho in (0.0, 0.3, -0.5):
            lines += [
                f"\n**rho = {rho:g}**, plain Monte Carlo over W ({a.mc} draws, 0.999 intervals)\n"
            ]
            for n, d0, d1 in family_sizes([32, 48], 0.75, 1 / 3):
                m_star, total, counts = monte_carlo(n, d0, d1, rho, a.mc, a.seed)
                if not lines[-1].startswith("|"):
                    lines += [
                        "| N | d0 | d1 | m* | " + " | ".join(counts) + " |",
                        "|" + "---|" * (4 + len(counts)),
                    ]
                lines.append(
                    f"| {n} | {d0} | {d1} | {m_star} | "
                    + " | ".join(_fmt(v, total) for v in counts.values())
                    + " |"
                )
            ((n, d0, d1),) = family_sizes([96], 0.75, 1 / 3)
            parts = beyond(n, d0, d1, rho, a.budget, a.seed)
            lines.append(
                f"\nN = {n}: "
                + "; ".join(f"{name} in [{lo:.3g}, {hi:.3g}]" for name, (lo, hi) in parts)
            )
            print("\n".join(lines[-8:]), flush=True)
    text = "\n".join(lines) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
