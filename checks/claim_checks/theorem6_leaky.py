"""Theorem 6's leaky branch (rho not in {0, 1}): plain Monte Carlo and K3's certificate bound against e^-F(N).

For leaky units no column of A is zero, so the V2 event needs A o X to lose rank; the estimator
``v2_event_probability(method="rank-bound")`` bounds p by the probability that K3's certificate of full
column rank fails (a rigorous bound for X in general position, estimated by fixed-effort splitting with an
interval).  Beside it, plain Monte Carlo over (X, W) with exact intervals at the small sizes.  Each slope
is a branch with its own verdict (:func:`leaky_branches`); :func:`~.theorem6.check_T6` combines them with
the ReLU branch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import sympy as sp

from vanishing_minima import numeric as nm
from vanishing_minima.theory import bounds

from .. import plots, verdicts
from ..core import MC_ALPHA, Budget, Context, Verdict
from ..evidence import Evidence, shown
from .common import at_sizes, shown_a3, shown_a4
from .family import T6_EPS, T6_SIZES, family_laws, family_sizes
from .theorem6_common import (
    ABOVE,
    BELOW,
    T6_MIN_RESOLVED,
    average_over_draws,
    finite_n_side,
    monte_carlo_fields,
)

__all__ = [
    "T6_LEAKY_RHOS",
    "T6_RANK_BOUND",
    "T6_RANK_BOUND_LEVEL",
    "LeakyBoundRow",
    "LeakyMonteCarloRow",
    "LeakyBranch",
    "family_d0_over_n_limit",
    "leaky_exponent",
    "t6_leaky_tasks",
    "leaky_branches",
    "leaky_figure",
    "leaky_text",
]

#: The leaky slopes of Theorem 6's second branch (one in (0, 1), one negative).
T6_LEAKY_RHOS = (0.3, -0.5)
#: The certificate bound (v2_event_probability(method="rank-bound")): (sizes, X draws per N,
#: {N: evaluations per run}) per budget scale.  One evaluation costs about 12 us at N = 96, 14 us at
#: N = 192 and 45 us at N = 256 on one core (measured: 282,199 evaluations in 3.4 s, 338,530 in 4.8 s,
#: 1,210,937 in 54 s); below about 20 particles per repetition the interval turns conservative.
T6_RANK_BOUND = {
    1: ((96,), 1, {96: 60_000}),
    4: ((96, 192, 256), 2, {96: 200_000, 192: 500_000, 256: 1_000_000}),
    16: (
        (96, 192, 256, 384, 512),
        2,
        {96: 300_000, 192: 800_000, 256: 1_500_000, 384: 2_500_000, 512: 3_000_000},
    ),
}
#: Confidence level of each bound's interval (the upper end is the bound; it misses with probability
#: <= (1 - level) / 2 where the interval is calibrated).
T6_RANK_BOUND_LEVEL = 0.999


@dataclass(frozen=True)
class LeakyMonteCarloRow(Evidence):
    """One size of the leaky branch by plain Monte Carlo over (X, W): p with its exact interval."""

    rho: float = shown("rho", symbol=r"$\rho$")
    n: int = shown("N")
    d0: int = shown("d0")
    d1: int = shown("d1")
    samples: int = shown("samples")
    events: int = shown("events")
    f: float = shown("F(N)", symbol="$F(N)$")
    minus_log_p: float = shown("-log p")
    minus_log_p_interval: tuple[float, float] = shown("-log p interval", interval=True)
    side: str = shown("finite-N")
    a3: str = shown_a3()
    a4: str = shown_a4()


@dataclass(frozen=True)
class LeakyBoundRow(Evidence):
    """One size of the leaky branch by K3's certificate: -log of the bound P(L >= 1) >= p, averaged over
    the sampled X (the mean of the runs' ends), against F(N)."""

    rho: float = shown("rho", symbol=r"$\rho$")
    n: int = shown("N")
    d0: int = shown("d0")
    d1: int = shown("d1")
    draws: int = shown("X draws")
    evaluations: int = shown("evaluations")
    f: float = shown("F(N)", symbol="$F(N)$")
    minus_log_bound: float = shown("-log P(L >= 1)")
    minus_log_bound_interval: tuple[float, float] = shown("-log P(L >= 1) interval", interval=True)
    #: The interval for -log p the bound gives: [-log of the bound's upper end, inf).
    minus_log_p_interval: tuple[float, float] = shown("-log p interval", interval=True)
    side: str = shown("finite-N")
    minus_log_bound_per_x: tuple[float, ...] = shown("-log P(L >= 1) per X")
    a3: str = shown_a3()
    a4: str = shown_a4()


@dataclass(frozen=True)
class LeakyBranch(Evidence):
    """One leaky slope: gamma_eps from the shipped formula, the rows, the fit and the branch's verdict."""

    rho: float = shown("rho", symbol=r"$\rho$")
    gamma_eps: float = shown("gamma_eps", symbol=r"$\gamma_\epsilon$")
    d0_over_n_limit: float = shown("lim d0/N")
    sizes: tuple[LeakyMonteCarloRow, ...] = shown("sizes")
    bounds: tuple[LeakyBoundRow, ...] = shown("certificate bounds")
    below: int = shown("sizes below e^-F")
    above: int = shown("sizes above e^-F")
    kappa_least_squares: float = shown("kappa_least_squares", symbol=r"$\kappa$ (least squares)")
    kappa_range: tuple[float, float] | str = shown(
        "kappa_range", symbol=r"$\kappa$ range", interval=True
    )
    verdict: str = shown("verdict of the branch")


def family_d0_over_n_limit() -> float:
    """c = lim d0/N along the audit's family (SymPy), the argument of gamma_eps's leaky branch."""
    n = bounds.N
    d0, _, _ = family_laws()
    return float(sp.limit(d0 / n, n, sp.oo))


def leaky_exponent(n: int, d0: int, d1: int, rho: float) -> float:
    """F(N) = gamma_eps N^(3/4)(d0 d1)^(1/4) at (n, d0, d1), eps = T6_EPS, slope ``rho``, with gamma_eps's
    c the family's limit of d0/N (not the finite-N ratio)."""
    return -bounds.theorem6_log_bound(
        float(n), float(d0), float(d1), T6_EPS, rho, family_d0_over_n_limit()
    )


def t6_leaky_tasks(
    budget: Budget | str, seed: int, alpha: float = MC_ALPHA
) -> tuple[list[nm.V2EventTask], list[nm.RareEventTask]]:
    """The leaky branch's tasks at ``budget`` and ``seed``: plain Monte Carlo per slope and N of
    ``T6_SIZES`` and the certificate bound per slope, N and X draw of ``T6_RANK_BOUND``; seeds from the
    seed sequence ``[seed, crc32("T6")]`` at offsets apart from the ReLU branch's."""
    ctx = Context(Budget(budget), seed, "T6", alpha)
    monte_carlo = [
        nm.V2EventTask(
            n=n,
            d0=d0,
            d1=d1,
            eps=T6_EPS,
            rho=rho,
            n_samples=ctx.n(8000),
            alpha=ctx.alpha,
            seed=ctx.task_seed(50_000 + 100 * j + i),
        )
        for j, rho in enumerate(T6_LEAKY_RHOS)
        for i, (n, d0, d1) in enumerate(family_sizes(T6_SIZES[ctx.budget.scale]))
    ]
    sizes, draws, evaluations = T6_RANK_BOUND[ctx.budget.scale]
    bound = [
        nm.RareEventTask(
            n=n,
            d0=d0,
            d1=d1,
            eps=T6_EPS,
            rho=rho,
            budget=evaluations[n],
            level=T6_RANK_BOUND_LEVEL,
            label_seed=ctx.task_seed(5000 + n),
            seed=ctx.task_seed(60_000 + 10_000 * j + 8 * n + k),
            draw=k,
            method="rank-bound",
        )
        for j, rho in enumerate(T6_LEAKY_RHOS)
        for n, d0, d1 in family_sizes(sizes)
        for k in range(draws)
    ]
    return monte_carlo, bound


def _monte_carlo_row(p: nm.V2EventPoint) -> LeakyMonteCarloRow:
    t = p.task
    return LeakyMonteCarloRow(
        rho=t.rho, **monte_carlo_fields(p, leaky_exponent(t.n, t.d0, t.d1, t.rho))
    )


def _bound_row(runs: Sequence[nm.V2SplittingPoint]) -> LeakyBoundRow:
    t = runs[0].task
    f = leaky_exponent(t.n, t.d0, t.d1, t.rho)
    minus_log_bound, interval = average_over_draws(
        [p.v2.certificate_log_p for p in runs], [p.v2.certificate_log_interval for p in runs]
    )
    p_interval = (interval[0], math.inf)
    sizes = at_sizes(t.n, t.d0, t.d1)
    return LeakyBoundRow(
        rho=t.rho,
        n=t.n,
        d0=t.d0,
        d1=t.d1,
        draws=len(runs),
        evaluations=int(sum(p.v2.evaluations for p in runs)),
        f=f,
        minus_log_bound=minus_log_bound,
        minus_log_bound_interval=interval,
        minus_log_p_interval=p_interval,
        side=finite_n_side(p_interval, f),
        minus_log_bound_per_x=tuple(-p.v2.certificate_log_p for p in runs),
        a3=sizes.a3,
        a4=sizes.a4,
    )


def _branch_verdict(rows, bound_rows, fit) -> Verdict:
    """The branch's verdict by :func:`verdicts.finite_n_exponent` over its sizes; ``not checkable`` when
    no size resolves either way (no evidence on this branch)."""
    both = list(rows) + list(bound_rows)
    above = sum(r.side == ABOVE for r in both)
    below = sum(r.side == BELOW for r in both)
    if above + below == 0:
        return Verdict.NOT_CHECKABLE
    return verdicts.finite_n_exponent(above, below, fit.kappa, fit.kappa_range, T6_MIN_RESOLVED)


def leaky_branches(
    mc_points: Sequence[nm.V2EventPoint], bound_points: Sequence[nm.V2SplittingPoint]
) -> tuple[LeakyBranch, ...]:
    """One :class:`LeakyBranch` per slope of ``T6_LEAKY_RHOS`` from the points of :func:`t6_leaky_tasks`."""
    c = family_d0_over_n_limit()
    out = []
    for rho in T6_LEAKY_RHOS:
        rows = tuple(_monte_carlo_row(p) for p in mc_points if p.task.rho == rho)
        groups: dict[int, list[nm.V2SplittingPoint]] = {}
        for p in bound_points:
            if p.task.rho == rho:
                groups.setdefault(p.task.n, []).append(p)
        bound_rows = tuple(_bound_row(runs) for runs in groups.values())
        both = rows + bound_rows
        if not both:  # nothing ran for this slope: no evidence on the branch
            out.append(
                LeakyBranch(
                    rho=rho,
                    gamma_eps=float(bounds.gamma_eps(T6_EPS, rho, c)),
                    d0_over_n_limit=c,
                    sizes=(),
                    bounds=(),
                    below=0,
                    above=0,
                    kappa_least_squares=math.nan,
                    kappa_range="no size ran",
                    verdict=str(Verdict.NOT_CHECKABLE),
                )
            )
            continue
        fit = nm.fit_exponent(
            [math.log(r.f) for r in both],
            [
                r.minus_log_p if isinstance(r, LeakyMonteCarloRow) else r.minus_log_bound
                for r in both
            ],
            [r.minus_log_p_interval[0] for r in both],
            [r.minus_log_p_interval[1] for r in both],
        )
        verdict = _branch_verdict(rows, bound_rows, fit)
        out.append(
            LeakyBranch(
                rho=rho,
                gamma_eps=float(bounds.gamma_eps(T6_EPS, rho, c)),
                d0_over_n_limit=c,
                sizes=rows,
                bounds=bound_rows,
                below=sum(r.side == BELOW for r in both),
                above=sum(r.side == ABOVE for r in both),
                kappa_least_squares=fit.kappa,
                kappa_range=fit.kappa_range
                if fit.kappa_range
                else "no single power law fits every interval",
                verdict=str(verdict),
            )
        )
    return tuple(out)


def leaky_text(branches: Sequence[LeakyBranch]) -> str:
    """The key figure's part on the leaky branch."""
    parts = []
    for b in branches:
        bound = ", ".join(
            f"N = {r.n}: -log p >= {r.minus_log_p_interval[0]:.1f} vs F {r.f:.1f}" for r in b.bounds
        )
        parts.append(
            f"rho = {b.rho:g} ({b.verdict}): p <= e^-F at {b.below} N, above at {b.above}; "
            f"K3's certificate bound {bound or 'not run'}"
        )
    return "leaky (gamma_eps from the shipped formula, lim d0/N = 0): " + "; ".join(parts)


def leaky_figure(branches: Sequence[LeakyBranch]) -> str:
    """-log p against N for each slope: plain Monte Carlo (exact intervals) and the certificate's lower
    end on -log p (open above), beside F(N).

    Raises
    ------
    ValueError
        If ``branches`` is empty.
    """
    if not branches:
        raise ValueError("branches must hold at least one leaky branch; got none")
    first = branches[0]
    series = []
    for b in branches:
        if b is not first:
            series.append(_series(f"rho = {b.rho:g}: plain Monte Carlo over (X, W)", b.sizes))
        series.append(
            plots.Series(
                label=f"rho = {b.rho:g}: -log P(K3 certificate fails), a lower end on -log p",
                n=[r.n for r in b.bounds],
                est=[r.minus_log_bound for r in b.bounds],
                low=[r.minus_log_p_interval[0] for r in b.bounds],
                high=[r.minus_log_p_interval[1] for r in b.bounds],
            )
        )
    main = _series(
        f"rho = {first.rho:g}: plain Monte Carlo over (X, W) (exact interval)", first.sizes
    )
    sizes = sorted({r.n for r in first.bounds})
    return plots.exponent_figure(
        main.n,
        [r.f for r in first.sizes],
        main.est,
        main.low,
        main.high,
        title=r"Theorem 6, leaky units: $-\log E_X P_W(V_2$ event$)$, $d_0 = N^{3/4}$, $d_1 = N^{1/3}$",
        ylabel=r"$-\log p$",
        claim_label=r"$F(N) = \gamma_\epsilon N^{3/4} (d_0 d_1)^{1/4}$",
        measured_label=main.label,
        second=series[:3],
        second_f=(sizes, [next(r.f for r in first.bounds if r.n == n) for n in sizes])
        if sizes
        else None,
    )


def _series(label: str, rows: Sequence[LeakyMonteCarloRow]) -> plots.Series:
    return plots.Series(
        label=label,
        n=[r.n for r in rows],
        est=[r.minus_log_p for r in rows],
        low=[r.minus_log_p_interval[0] for r in rows],
        high=[r.minus_log_p_interval[1] for r in rows],
    )
