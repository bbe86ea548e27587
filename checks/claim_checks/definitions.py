"""Assumptions A1-A5 and definitions D1-D5: hypotheses and definitions, not claims."""

from __future__ import annotations

from vanishing_minima import numeric as nm
from vanishing_minima.theory import assumptions, bounds

from ..core import CheckResult, Context, Verdict, check
from .common import agree
from .family import (
    FAMILY,
    family_laws,
)


# --- assumptions and definitions: hypotheses, not claims ----------------------------------------
def _assumption(ctx: Context, name: str) -> CheckResult:
    verdicts = assumptions.check(*family_laws())
    v = verdicts[name]
    return CheckResult(
        name,
        Verdict.NOT_CHECKABLE,
        f"audit family d0 = N^(3/4), d1 = N^(1/3): {'satisfies' if v.holds else 'violates'}",
        "an assumption is a hypothesis; the audit's scaling family is decided against it (SymPy limits)",
        {
            "family": FAMILY,
            "holds": v.holds,
            "conditions": [(c.statement, str(c.limit), c.reason) for c in v.conditions],
        },
    )


@check("A2")
def check_A2(ctx: Context) -> CheckResult:
    return _assumption(ctx, "A2")


@check("A3")
def check_A3(ctx: Context) -> CheckResult:
    return _assumption(ctx, "A3")


@check("A4")
def check_A4(ctx: Context) -> CheckResult:
    return _assumption(ctx, "A4")


@check("A1")
def check_A1(ctx: Context) -> CheckResult:
    return CheckResult(
        "A1",
        Verdict.NOT_CHECKABLE,
        "a hypothesis on the data",
        "the audit draws its data X with iid N(0, 1) entries, as A1 assumes",
        {},
    )


@check("A5")
def check_A5(ctx: Context) -> CheckResult:
    return CheckResult(
        "A5",
        Verdict.NOT_CHECKABLE,
        "optional hypothesis (teacher labels)",
        "not used by the audit: its labels are random, the case without A5",
        {},
    )


@check("D1")
def check_D1(ctx: Context) -> CheckResult:
    """Exactly C(N, d0)^d1 regions are non-empty (<= 2^(d1 N)): patterns counted by LP, not by formula."""
    rng = ctx.rng
    rows = []
    for n, d0, d1 in ((6, 2, 2), (8, 3, 2), (9, 3, 3)):
        X = rng.standard_normal((d0, n))
        per_row = nm.count_sign_patterns(X)
        rows.append(
            {
                "N": n,
                "d0": d0,
                "d1": d1,
                "regions": per_row**d1,
                "C(N,d0)^d1": bounds.cover_count(n, d0) ** d1,
                "2^(d1 N)": 2 ** (d1 * n),
            }
        )
    ok = all(r["regions"] == r["C(N,d0)^d1"] <= r["2^(d1 N)"] for r in rows)
    return agree(
        "D1",
        ok,
        f"{len(rows)} instances: non-empty regions = C(N,d0)^d1",
        "exact count of sign patterns by LP (margin 1e-6) on Gaussian X",
        {"instances": rows},
    )


@check("D3")
def check_D3(ctx: Context) -> CheckResult:
    return CheckResult(
        "D3", Verdict.NOT_CHECKABLE, "a definition (angular volume)", "definition", {}
    )


@check("D4")
def check_D4(ctx: Context) -> CheckResult:
    return CheckResult(
        "D4", Verdict.NOT_CHECKABLE, "a definition (the sets L_eps and G)", "definition", {}
    )


@check("D5")
def check_D5(ctx: Context) -> CheckResult:
    values = {
        f"eps={e}": {
            "ReLU": bounds.gamma_eps(e, 0.0, 0.0),
            "LReLU, c=0.5": bounds.gamma_eps(e, 0.1, 0.5),
        }
        for e in (0.01, 0.1, 0.5)
    }
    return CheckResult(
        "D5",
        Verdict.NOT_CHECKABLE,
        "a definition; gamma_eps(0.5, ReLU) = %.4f" % bounds.gamma_eps(0.5, 0.0, 0.0),
        "definition (values evaluated for reference)",
        {"gamma_eps": values},
    )
