"""The claim index that ``vanishing-minima claims`` prints without SymPy is the registry's, field for
field, and claim ids are read in any case with a suggestion for a near miss."""

from __future__ import annotations

import pytest

from vanishing_minima.checks import claim_index
from vanishing_minima.checks.parser import UsageError
from vanishing_minima.theory.claims import REGISTRY


def test_the_index_is_the_registrys_id_kind_reference_and_title():
    expected = tuple((c.id, c.kind.value, c.reference, c.title) for c in REGISTRY.values())
    if claim_index.CLAIM_INDEX != expected:
        replacement = "\n".join(f"    {row!r}," for row in expected)
        pytest.fail(
            "checks/claim_index.py's CLAIM_INDEX differs from theory/claims.py's REGISTRY; "
            f"replace its rows with (then run ruff format):\n{replacement}"
        )
    assert claim_index.CLAIM_IDS == tuple(REGISTRY)


@pytest.mark.parametrize(
    "typed,ids",
    [
        (["t6"], ["T6"]),
        (["T10", "t10", " k1 "], ["T10", "K1"]),
        (["s6", "A5", "g2"], ["S6", "A5", "G2"]),
    ],
)
def test_ids_are_read_in_any_case_each_once(typed, ids):
    assert claim_index.resolve_claim_ids(typed, "--claims") == ids


@pytest.mark.parametrize(
    "typed,message",
    [
        ("T66", "unknown claim id(s) T66 (did you mean T6?)"),
        ("t11", "unknown claim id(s) t11 (did you mean T10?)"),
        ("k11", "unknown claim id(s) k11 (did you mean K1?)"),
        ("theorem6", "unknown claim id(s) theorem6; known: A1, A2"),
    ],
)
def test_an_unknown_id_names_the_nearest_known_one_if_any(typed, message):
    with pytest.raises(UsageError) as info:
        claim_index.resolve_claim_ids(["K1", typed], "claims")
    assert str(info.value).startswith("claims: ") and message in str(info.value)
