"""Assumptions A1-A5 and definitions D1-D5: hypotheses and definitions, not claims."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vanishing_minima import numeric as nm
from vanishing_minima.theory import assumptions, bounds

from ..core import CheckResult, Context, Verdict, check
from ..evidence import Evidence, shown
from .common import NoEvidence, agree
from .family import FAMILY, family_laws


@dataclass(frozen=True)
class AssumptionEvidence(Evidence):
    """A2-A4: the audit's scaling family decided against the assumption (SymPy limits)."""

    family: Mapping[str, str] = shown("family")
    holds: bool = shown("holds")
    #: (statement, limit, reason) per condition of the assumption.
    conditions: tuple[tuple[str, str, str], ...] = shown("conditions")


@dataclass(frozen=True)
class D1Row(Evidence):
    """One instance of D1: the non-empty regions counted, Cover's count and all sign patterns."""

    n: int = shown("N")
    d0: int = shown("d0")
    d1: int = shown("d1")
    regions: int = shown("regions")
    cover: int = shown("C(N,d0)^d1")
    patterns: int = shown("2^(d1 N)")


@dataclass(frozen=True)
class D1Evidence(Evidence):
    """D1: the count of non-empty regions against C(N, d0)^d1 <= 2^(d1 N) at a few sizes."""

    instances: tuple[D1Row, ...] = shown("instances")


@dataclass(frozen=True)
class GammaRow(Evidence):
    """gamma_eps at one eps, for ReLU and for a leaky activation with c = 0.5."""

    relu: float = shown("ReLU")
    leaky: float = shown("LReLU, c=0.5")


@dataclass(frozen=True)
class D5Evidence(Evidence):
    """D5: values of gamma_eps, for reference."""

    gamma_eps: Mapping[str, GammaRow] = shown(
        "gamma_eps", symbol=r"$\gamma_\epsilon$ ([D5](D5.md))"
    )


# --- assumptions and definitions: hypotheses, not claims ----------------------------------------
def _not_checkable(claim: str, figure: str, method: str) -> CheckResult:
    """A hypothesis or a definition: nothing to measure."""
    return CheckResult(
        claim=claim,
        verdict=Verdict.NOT_CHECKABLE,
        key_figure=figure,
        method=method,
        evidence=NoEvidence(),
    )


def _assumption(ctx: Context, name: str) -> CheckResult:
    v = assumptions.check(*family_laws())[name]
    return CheckResult(
        claim=name,
        verdict=Verdict.NOT_CHECKABLE,
        key_figure="audit family d0 = N^(3/4), d1 = N^(1/3): "
        f"{'satisfies' if v.holds else 'violates'}",
        method="an assumption is a hypothesis; the audit's scaling family is decided against it "
        "(SymPy limits)",
        evidence=AssumptionEvidence(
            family=dict(FAMILY),
            holds=v.holds,
            conditions=tuple((c.statement, str(c.limit), c.reason) for c in v.conditions),
        ),
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
    return _not_checkable(
        "A1",
        "a hypothesis on the data",
        "the audit draws its data X with iid N(0, 1) entries, as A1 assumes",
    )


@check("A5")
def check_A5(ctx: Context) -> CheckResult:
    return _not_checkable(
        "A5",
        "optional hypothesis (teacher labels)",
        "not used by the audit: its labels are random, the case without A5",
    )


@check("D1")
def check_D1(ctx: Context) -> CheckResult:
    """Exactly C(N, d0)^d1 regions are non-empty (<= 2^(d1 N)): patterns counted by LP, not by formula."""
    rng = ctx.rng
    rows = []
    for n, d0, d1 in ((6, 2, 2), (8, 3, 2), (9, 3, 3)):
        per_row = nm.count_sign_patterns(rng.standard_normal((d0, n)))
        rows.append(
            D1Row(
                n=n,
                d0=d0,
                d1=d1,
                regions=per_row**d1,
                cover=bounds.cover_count(n, d0) ** d1,
                patterns=2 ** (d1 * n),
            )
        )
    return agree(
        claim="D1",
        ok=all(r.regions == r.cover <= r.patterns for r in rows),
        figure=f"{len(rows)} instances: non-empty regions = C(N,d0)^d1",
        method="exact count of sign patterns by LP (margin 1e-6) on Gaussian X",
        evidence=D1Evidence(instances=tuple(rows)),
    )


@check("D3")
def check_D3(ctx: Context) -> CheckResult:
    return _not_checkable("D3", "a definition (angular volume)", "definition")


@check("D4")
def check_D4(ctx: Context) -> CheckResult:
    return _not_checkable("D4", "a definition (the sets L_eps and G)", "definition")


@check("D5")
def check_D5(ctx: Context) -> CheckResult:
    values = {
        f"eps={e}": GammaRow(
            relu=bounds.gamma_eps(e, 0.0, 0.0), leaky=bounds.gamma_eps(e, 0.1, 0.5)
        )
        for e in (0.01, 0.1, 0.5)
    }
    return CheckResult(
        claim="D5",
        verdict=Verdict.NOT_CHECKABLE,
        key_figure="a definition; gamma_eps(0.5, ReLU) = %.4f" % bounds.gamma_eps(0.5, 0.0, 0.0),
        method="definition (values evaluated for reference)",
        evidence=D5Evidence(gamma_eps=values),
    )
