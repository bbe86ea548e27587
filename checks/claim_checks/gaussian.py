"""The Gaussian-input lemmas G1-G6, each against its exact value by Monte Carlo with exact intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vanishing_minima import numeric as nm
from vanishing_minima.theory import bounds

from .. import verdicts
from ..core import CheckResult, Context, check
from ..evidence import Evidence, shown
from .common import against_formula, agree


@dataclass(frozen=True)
class IntervalCase(Evidence):
    """One Monte Carlo case: the exact value and the Clopper-Pearson interval of its estimate."""

    case: str = shown("case")
    exact: float = shown("exact")
    estimate: float = shown("estimate")
    interval: tuple[float, float] = shown("interval", interval=True)
    trials: int = shown("trials")


@dataclass(frozen=True)
class IntervalsEvidence(Evidence):
    """G1, G3, G4: each case's interval against its exact value, and the cases outside or too wide."""

    alpha_per_interval: float = shown("alpha_per_interval")
    cases: tuple[IntervalCase, ...] = shown("cases")
    outside: tuple[IntervalCase, ...] = shown("outside")
    too_wide: tuple[IntervalCase, ...] = shown("too_wide")


@dataclass(frozen=True)
class G2Row(Evidence):
    """One instance of G2: the sign patterns counted by LP against Cover's count."""

    n: int = shown("N")
    d: int = shown("d")
    counted: int = shown("counted")
    cover: int = shown("C(N,d)")


@dataclass(frozen=True)
class G2Evidence(Evidence):
    """G2: the LP count of sign patterns against C(N, d) at a few sizes."""

    instances: tuple[G2Row, ...] = shown("instances")


@dataclass(frozen=True)
class G5Evidence(Evidence):
    """G5: Welch-bound violations, and the finite-N coherence over sqrt(4 log N / d)."""

    welch_violations: int = shown("welch_violations")
    coherence_ratio_mean: float = shown("coherence_ratio_mean")
    coherence_ratio_sd: float = shown("coherence_ratio_sd")


@dataclass(frozen=True)
class G6Row(Evidence):
    """One setting of G6: violations of the singular-value interval against the stated probability."""

    n: int = shown("N")
    d0: int = shown("d0")
    t: float = shown("t")
    violations: int = shown("violations")
    draws: int = shown("draws")
    cp_interval: tuple[float, float] = shown("cp_interval", interval=True)
    bound: float = shown("bound")


@dataclass(frozen=True)
class G6Evidence(Evidence):
    """G6: the violation rate's interval in each setting."""

    settings: tuple[G6Row, ...] = shown("settings")


def _mc_against(
    claim: str, ctx: Context, cases: list[tuple[str, float, int, int]], method: str
) -> CheckResult:
    """cases: (label, exact value, successes, trials).  Inconsistent if a resolving interval excludes its
    value; inconclusive if an interval is too wide to resolve anything; else consistent
    (verdicts.intervals_against_formula)."""
    rows, bad, wide = [], [], []
    for label, exact, k, trials in cases:
        est = nm.binomial_estimate(k, trials, ctx.alpha)
        row = IntervalCase(
            case=label,
            exact=exact,
            estimate=est.estimate,
            interval=(est.lower, est.upper),
            trials=trials,
        )
        rows.append(row)
        if not est.contains(exact):
            bad.append(row)
        elif not verdicts.interval_resolves(est.lower, est.upper, trials):
            wide.append(row)
    return against_formula(
        claim,
        len(bad),
        len(wide),
        figure=f"{len(cases) - len(bad)}/{len(cases)} Clopper-Pearson intervals (alpha {ctx.alpha:g}) "
        "contain the formula",
        too_wide_figure=f"{len(wide)}/{len(cases)} intervals too wide to resolve the formula",
        method=method,
        evidence=IntervalsEvidence(
            alpha_per_interval=ctx.alpha,
            cases=tuple(rows),
            outside=tuple(bad),
            too_wide=tuple(wide),
        ),
    )


@check("G1")
def check_G1(ctx: Context) -> CheckResult:
    rng, cases = ctx.rng, []
    for d in (2, 3, 10):
        x1, x2 = rng.standard_normal(d), rng.standard_normal(d)
        trials = ctx.n(100_000)
        cases.append(
            (
                f"d={d}",
                float(nm.sheppard_probability(x1, x2)),
                nm.count_orthant_hits(x1, x2, n_samples=trials, rng=rng),
                trials,
            )
        )
    return _mc_against("G1", ctx, cases, "Monte Carlo over w ~ N(0, I) against Sheppard's formula")


@check("G2")
def check_G2(ctx: Context) -> CheckResult:
    rng, rows = ctx.rng, []
    for n, d in ((6, 2), (8, 3), (10, 3), (9, 4)):
        rows.append(
            G2Row(
                n=n,
                d=d,
                counted=nm.count_sign_patterns(rng.standard_normal((d, n))),
                cover=bounds.cover_count(n, d),
            )
        )
    return agree(
        claim="G2",
        ok=all(r.counted == r.cover for r in rows),
        figure=f"{len(rows)} instances: LP count = C(N, d)",
        method="exact count of sign patterns by LP",
        evidence=G2Evidence(instances=tuple(rows)),
    )


@check("G3")
def check_G3(ctx: Context) -> CheckResult:
    rng, cases = ctx.rng, []
    for d in (2, 3, 5, 10):
        for phi in (0.3, 1.2, 2.5):
            trials = ctx.n(100_000)
            cases.append(
                (
                    f"d={d}, phi={phi}",
                    float(nm.cap_probability(phi, d)),
                    nm.count_cap_hits(phi, d, n_samples=trials, rng=rng),
                    trials,
                )
            )
    return _mc_against(
        "G3", ctx, cases, "Monte Carlo over w ~ N(0, I_d) against the incomplete-beta formula"
    )


@check("G4")
def check_G4(ctx: Context) -> CheckResult:
    rng, cases = ctx.rng, []
    for n, d in ((5, 3), (20, 4), (40, 10)):
        trials = ctx.n(100_000)
        cases.append(
            (
                f"N={n}, d={d}",
                nm.pattern_collision_probability(n, d),
                nm.count_pattern_collisions(n, d, n_samples=trials, rng=rng),
                trials,
            )
        )
    return _mc_against(
        "G4",
        ctx,
        cases,
        "Monte Carlo over Gaussian X and two neurons against E[(1 - theta/pi)^N] by quadrature",
    )


@check("G5")
def check_G5(ctx: Context) -> CheckResult:
    rng, count, below, ratios = ctx.rng, ctx.n(200), 0, []
    for _ in range(count):
        d, n = int(rng.integers(1, 10)), int(rng.integers(10, 60))
        below += nm.coherence(rng.standard_normal((d, n))) < nm.welch_bound(n, d) - 1e-12
    for _ in range(10):
        ratios.append(
            nm.coherence(rng.standard_normal((100, 400))) / math.sqrt(4 * math.log(400) / 100)
        )
    return agree(
        claim="G5",
        ok=below == 0,
        figure=f"Welch bound held on {count}/{count}; finite-N coherence / sqrt(4 log N/d) = "
        f"{np.mean(ratios):.2f} (N=400, d=100)",
        method="deterministic inequality on random data; the Gaussian 'about' statement as finite-N "
        "evidence only",
        evidence=G5Evidence(
            welch_violations=int(below),
            coherence_ratio_mean=float(np.mean(ratios)),
            coherence_ratio_sd=float(np.std(ratios)),
        ),
    )


@check("G6")
def check_G6(ctx: Context) -> CheckResult:
    rng, rows, bad = ctx.rng, [], []
    # t chosen so that the stated probability 1 - 2 exp(-t^2/2) is positive (t = 1 makes it -0.21: vacuous)
    for n, d0, t in ((200, 20, 1.5), (100, 50, 2.0)):
        lo, hi, prob = nm.singular_value_interval(n, d0, t)
        draws = ctx.n(200)
        s = np.linalg.svd(rng.standard_normal((draws, d0, n)), compute_uv=False)
        k = int(np.sum((s.min(axis=1) < lo) | (s.max(axis=1) > hi)))
        low, high = nm.clopper_pearson(k, draws, ctx.alpha)
        row = G6Row(
            n=n, d0=d0, t=t, violations=k, draws=draws, cp_interval=(low, high), bound=1 - prob
        )
        rows.append(row)
        if low > 1 - prob:
            bad.append(row)
    wide = sum(not verdicts.interval_resolves(*r.cp_interval, r.draws) for r in rows)
    return against_formula(
        "G6",
        len(bad),
        wide,
        figure=f"violation rates below 2 exp(-t^2/2) in {len(rows) - len(bad)}/{len(rows)} settings "
        f"(t = {', '.join(str(r.t) for r in rows)})",
        too_wide_figure="violation-rate intervals too wide to resolve the bound",
        method="Clopper-Pearson lower bound of the violation frequency against the stated probability "
        "2 exp(-t^2/2)",
        evidence=G6Evidence(settings=tuple(rows)),
    )
