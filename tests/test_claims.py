"""The registry holds exactly the catalogue's items, each complete and consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp

from vanishing_minima.theory import bounds, claims
from vanishing_minima.theory.claims import Kind

CATALOGUE_IDS = (
    "A1 A2 A3 A4 A5 D1 D3 D4 D5 L2 T6 C7 T8 T9 T10 E1 E2 E3 S6 "
    "K1 K2 K3 K4 K5 K6 G1 G2 G3 G4 G5 G6 V1 V2"
).split()
CLAIMS_MD = Path(__file__).resolve().parents[2] / "shared" / "paper" / "CLAIMS.md"


def test_registry_has_every_catalogue_item_in_order():
    assert list(claims.REGISTRY) == CATALOGUE_IDS


@pytest.mark.skipif(
    not CLAIMS_MD.exists(),
    reason="CLAIMS.md is beside the repository only in the project's checkout",
)
def test_registry_matches_the_catalogue_file():
    text = CLAIMS_MD.read_text()
    ids = re.findall(r"^- ([A-Z]\d+)\b", text, flags=re.M)
    assert sorted(ids) == sorted(CATALOGUE_IDS)


@pytest.mark.parametrize("cid", CATALOGUE_IDS)
def test_each_claim_is_complete(cid):
    c = claims.get(cid)
    assert c.id == cid and c.title and c.reference and c.statement
    assert isinstance(c.kind, Kind)
    for a in c.assumptions:
        assert claims.get(a).kind is Kind.ASSUMPTION
    for d in c.depends_on:
        assert d in claims.REGISTRY and d != cid
    for name in c.bounds:
        assert name in {f.__name__ for f in bounds.ALL_BOUNDS}
    if c.formula is not None:  # the statement is generated from the SymPy formula
        assert isinstance(c.formula, sp.Expr)
    assert c.statement.count("{") == c.statement.count("}")


def test_kinds_and_references_follow_the_paper():
    assert (
        claims.get("T6").kind is Kind.ASYMPTOTIC_THEOREM
        and claims.get("T6").reference == "Theorem 6"
    )
    assert claims.get("T9").kind is Kind.PROBABILISTIC_THEOREM
    assert claims.get("E3").kind is Kind.NUMERICAL_CLAIM
    assert claims.get("D5").formula == bounds.GAMMA_EPS_EXPR
    assert sp.latex(bounds.D1_STAR_EXPR) in claims.get("T8").statement
    assert [c.id for c in claims.by_kind(Kind.ASSUMPTION)] == ["A1", "A2", "A3", "A4", "A5"]


def test_unknown_id_lists_the_known_ones():
    with pytest.raises(KeyError, match="known: A1"):
        claims.get("D2")  # the paper has no Definition 2


def test_by_kind_takes_a_kind_or_its_value_and_refuses_anything_else():
    assert claims.by_kind("definition") == claims.by_kind(Kind.DEFINITION)
    assert [c.id for c in claims.by_kind("definition")] == ["D1", "D3", "D4", "D5"]
    for bad in ("theorem", 3, None):  # a str that is no kind used to give [] silently
        with pytest.raises(ValueError, match="kind must be a Kind or one of"):
            claims.by_kind(bad)
