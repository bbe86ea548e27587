"""Mutation tests: deliberate breaks of the shipped formulas must be noticed.

Each mutation edits the source text of one module of the package in memory (one snippet replaced by
another), executes the edited module, and puts its objects in place of the originals everywhere they
are bound (``from module import name`` included) for the duration of the test.  Then the audit's
checks of the named claims run again, and the independent anchors (tests/anchors.py) are evaluated.
A mutation is *noticed* when a verdict changes from the unbroken run or an anchor fails; a mutation
that nothing notices fails its test, with the verdicts it left unchanged.

This is the audit's answer to "if this formula were wrong, would anything notice?": a verdict that
survives every break below would be worth nothing to someone who cites it.
"""

from __future__ import annotations

import inspect
import sys
import types
from dataclasses import dataclass

import anchors
import pytest

from vanishing_minima.checks import audit


@dataclass(frozen=True)
class Mutation:
    name: str
    module: str  # e.g. "vanishing_minima.theory.bounds"
    old: str  # a snippet of its source, replaced once
    new: str
    claims: tuple[str, ...]  # checks re-run under the break
    verdict: bool = (
        True  # a verdict must change (False: a failed anchor suffices, and the checks are skipped)
    )


T, N = "vanishing_minima.theory.bounds", "vanishing_minima.numeric"
MUTATIONS = [
    Mutation(
        "C7: the sign of log(delta) flipped",
        T,
        "THEOREM6_LOG_EXPR - sp.log(delta)",
        "THEOREM6_LOG_EXPR + sp.log(delta)",
        ("C7",),
    ),
    Mutation(
        "T6: N^(3/4) replaced by N^(2/3)",
        T,
        "-GAMMA_EPS_EXPR * N ** sp.Rational(3, 4)",
        "-GAMMA_EPS_EXPR * N ** sp.Rational(2, 3)",
        ("T10", "C7"),
    ),
    Mutation(
        "T6: (d0 d1)^(1/4) replaced by (d0 d1)^(1/3)",
        T,
        "(d0 * d1) ** sp.Rational(1, 4)",
        "(d0 * d1) ** sp.Rational(1, 3)",
        ("S6", "T10"),
    ),
    Mutation(
        "T9: delta with sqrt(2/pi) for sqrt(8/pi)",
        T,
        "sp.sqrt(8 / sp.pi)",
        "sp.sqrt(2 / sp.pi)",
        ("T9",),
        False,
    ),
    Mutation(
        "D5: gamma_eps 0.23 -> 0.32 (ReLU branch)",
        T,
        "(sp.Rational(23, 100) * eps ** sp.Rational(3, 4), sp.Eq(rho, 0))",
        "(sp.Rational(32, 100) * eps ** sp.Rational(3, 4), sp.Eq(rho, 0))",
        ("D5",),
        False,
    ),
    Mutation(
        "T8: d1* = 2 ceil(N/(2 d0 - 2))",
        T,
        "D1_STAR_EXPR = 4 * sp.ceiling",
        "D1_STAR_EXPR = 2 * sp.ceiling",
        ("T8",),
    ),
    Mutation(
        "T9: exponent halved",
        T,
        "THEOREM9_LOG_EXPR = -d1s * d0 * sp.log(N)",
        "THEOREM9_LOG_EXPR = -d1s * d0 * sp.log(N) / 2",
        ("T9",),
    ),
    Mutation(
        "T10: second bound with log^2 N",
        T,
        "THEOREM10_SECOND_LOG_EXPR = -GAMMA_EPS_EXPR * N * sp.log(N)",
        "THEOREM10_SECOND_LOG_EXPR = -GAMMA_EPS_EXPR * N * sp.log(N) ** 2",
        ("T10",),
    ),
    Mutation(
        "G2: Cover's count (its exact backend) off by two",
        T,
        "return 2**n - 2 * total if complement else 2 * total",
        "return 2**n - 2 * total if complement else 2 * total - 2",
        ("G2",),
    ),
    Mutation(
        "G2: Cover's formula (the SymPy expression) with one term fewer",
        T,
        "(k, 0, _cover_d - 1)",
        "(k, 0, _cover_d - 2)",
        ("G2",),
        False,
    ),
    Mutation(
        "K1: khatri_rao scaled by 1.01",
        f"{N}.khatri_rao",
        "reshape(*A.shape[:-2], d1 * d0, n)",
        "reshape(*A.shape[:-2], d1 * d0, n) * 1.01",
        ("K1",),
    ),
    Mutation(
        "MCE: threshold 0.4 on the outputs",
        f"{N}.khatri_rao",
        "return np.mean((output > 0.5) != (y > 0.5), axis=-1)",
        "return np.mean((output > 0.4) != (y > 0.5), axis=-1)",
        ("V2",),
    ),
    Mutation(
        "K3: generic rank off by one",
        f"{N}.generic_rank",
        "    visit(0, (), _ExactSpan())\n    return int(best)",
        "    visit(0, (), _ExactSpan())\n    return int(best) + 1",
        ("K3",),
    ),
    Mutation(
        "K5: dlm_residual scaled by 0.99",
        f"{N}.khatri_rao",
        "return dlm_residual_unchecked(A, X, y, rtol, method, return_rank)",
        "return 0.99 * dlm_residual_unchecked(A, X, y, rtol, method, return_rank)",
        ("K5",),
    ),
    Mutation(
        "G1: Sheppard with theta/pi",
        f"{N}.gaussian",
        "0.5 - angle_between(x1, x2) / (2 * np.pi)",
        "0.5 - angle_between(x1, x2) / np.pi",
        ("G1",),
    ),
    Mutation(
        "G3: incomplete beta with d/2",
        f"{N}.gaussian",
        "half = 0.5 * special.betainc((d - 1) / 2, 0.5,",
        "half = 0.5 * special.betainc(d / 2, 0.5,",
        ("G3",),
    ),
    Mutation(
        "G4: collision with N + 1 points",
        f"{N}.gaussian",
        "np.exp(n * np.log1p(-t / np.pi)",
        "np.exp((n + 1) * np.log1p(-t / np.pi)",
        ("G4",),
    ),
    Mutation(
        "G5: Welch bound times 5",
        f"{N}.gaussian",
        "return float(np.sqrt((n - d) / (d * (n - 1))))",
        "return float(5 * np.sqrt((n - d) / (d * (n - 1))))",
        ("G5",),
    ),
    Mutation(
        "G6: + t in the lower end",
        f"{N}.gaussian",
        "float(np.sqrt(n) - np.sqrt(d0) - t)",
        "float(np.sqrt(n) - np.sqrt(d0) + t)",
        ("G6",),
    ),
    Mutation(
        "Clopper-Pearson returns (0, 1)",
        f"{N}.stats",
        "    return float(ci.low), float(ci.high)",
        "    return 0.0, 1.0",
        ("G1", "G3", "V1"),
    ),
    Mutation(
        "V1: arc width halved",
        f"{N}.plane",
        "return float(max(0.0, np.pi - spread) / (2 * np.pi))",
        "return float(max(0.0, np.pi - spread) / (4 * np.pi))",
        ("V1", "K6"),
    ),
    Mutation(
        "K6: cone margin sign flipped",
        f"{N}.cones",
        "    return float(-res.fun), res.x[:d0]",
        "    return float(res.fun), res.x[:d0]",
        ("K6", "G2"),
    ),
    Mutation(
        "K6: DLM target scaled by itself (an earlier bug)",
        f"{N}.regions",
        "scale = float(np.max(np.abs(y) / norms))",
        "scale = float(np.max(np.abs(r)))",
        ("K6",),
    ),
    Mutation(
        "K6: sign test ignores the terms of LReLU's inactive neurons",
        f"{N}.regions",
        "c = np.where(A == 1, 1, -np.sign(A)).astype(np.int32)",
        "c = np.where(A == 1, 1, 0).astype(np.int32)",
        ("K6",),
    ),
    Mutation(
        "K6: a positive target asks for a negative term",
        f"{N}.regions",
        "ok = ~np.any(pos & (n_pos == 0), axis=1)",
        "ok = ~np.any(pos & (n_neg == 0), axis=1)",
        ("K6",),
    ),
    Mutation(
        "T8: output weights of a pair with one sign",
        f"{N}.construction",
        "z += [c, -c]",
        "z += [c, c]",
        ("T8",),
    ),
]


def _swap_module(monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str) -> None:
    """Execute ``name``'s source with ``old`` replaced by ``new`` and bind the new objects everywhere."""
    module = sys.modules[name]
    source = inspect.getsource(module)
    assert source.count(old) == 1, f"mutation snippet not found exactly once in {name}: {old!r}"
    fresh = types.ModuleType(name)
    fresh.__dict__.update(
        {
            "__name__": name,
            "__package__": module.__package__,
            "__file__": module.__file__,
            "__spec__": module.__spec__,
        }
    )
    exec(compile(source.replace(old, new), module.__file__, "exec"), fresh.__dict__)
    replaced = {
        id(v): fresh.__dict__[k]
        for k, v in module.__dict__.items()
        if not k.startswith("__") and k in fresh.__dict__ and getattr(v, "__module__", name) == name
    }
    for key in module.__dict__:
        if not key.startswith("__") and key in fresh.__dict__:
            monkeypatch.setattr(module, key, fresh.__dict__[key])
    for other in list(sys.modules.values()):
        if (
            other is None
            or other is module
            or not getattr(other, "__name__", "").startswith("vanishing_minima")
        ):
            continue
        for key, value in list(vars(other).items()):
            if id(value) in replaced and not key.startswith("__"):
                monkeypatch.setattr(other, key, replaced[id(value)])


@pytest.fixture(scope="module")
def baseline(quick_audit):
    return {r.claim: r.verdict for r in quick_audit}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_a_broken_formula_is_noticed(mutation, baseline, monkeypatch, audit_seed):
    """Mutations marked ``verdict`` must change a verdict of their claims (the audit itself notices);
    the others must at least fail an independent anchor (tests/anchors.py)."""
    _swap_module(monkeypatch, mutation.module, mutation.old, mutation.new)
    try:
        anchors.check_anchors()
        anchor = "anchors pass"
    except AssertionError as exc:
        anchor = f"anchor fails: {exc}"
    if not mutation.verdict:
        assert anchor != "anchors pass", f"no anchor noticed {mutation.name!r}"
        return
    try:
        broken = {
            r.claim: r.verdict
            for r in audit.run_audit(list(mutation.claims), seed=audit_seed, workers=1)
        }
    except (
        Exception
    ) as exc:  # a check that crashes under the break is noticed too (the audit exits 3)
        broken = {c: f"raised {type(exc).__name__}" for c in mutation.claims}
    changed = {c: (baseline[c], broken[c]) for c in mutation.claims if broken[c] != baseline[c]}
    assert changed, (
        f"no verdict noticed {mutation.name!r}: {broken}, as without the break ({anchor})"
    )


def test_the_unbroken_package_passes_every_anchor_and_the_swap_restores_it(monkeypatch):
    """Control: the machinery itself changes nothing when the snippet is replaced by itself."""
    m = MUTATIONS[0]
    _swap_module(monkeypatch, m.module, m.old, m.old)
    assert anchors.check_anchors() > 0


def test_t10_key_figure_follows_the_verdict(monkeypatch, audit_seed):
    """The key figure must not say "derived" when the derivation fails (an earlier version did)."""
    m = next(m for m in MUTATIONS if m.name.startswith("T10: second bound"))
    _swap_module(monkeypatch, m.module, m.old, m.new)
    r = audit.run_audit(["T10"], seed=audit_seed, workers=1)[0]
    assert r.verdict == "inconsistent" and r.key_figure.startswith("derivation FAILS")
