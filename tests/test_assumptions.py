"""A2-A4 decided for growth laws: the stated examples and the law for power families."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vanishing_minima.theory.assumptions import at_size, check

n = sp.Symbol("n", positive=True)
exps = st.fractions(
    min_value=sp.Rational(1, 10), max_value=sp.Rational(3, 2), max_denominator=10
).map(sp.Rational)


def test_issue_examples():
    v = check(n**0.75, n ** (1 / 3), n)
    assert v["A2"].holds and v["A3"].holds and v["A4"].holds
    assert [c.limit for c in v["A3"].conditions] == [sp.Rational(2, 3), sp.Rational(3, 4)]
    assert v["A4"].conditions[0].limit == sp.Rational(3, 4)
    w = check(n ** (1 / 3), n**0.75, n)
    assert w["A3"].holds is False
    assert w["A3"].conditions[0].limit == sp.Rational(3, 2)


#: Each example decides A2-A4 with SymPy limits (about 0.25 s): a quarter of the profile's examples,
#: the boundaries of the law given as explicit examples.
SYMPY_EXAMPLES = max(10, settings.default.max_examples // 4)


@settings(max_examples=SYMPY_EXAMPLES)
@given(a=exps, b=exps)
@example(a=sp.Rational(1, 2), b=sp.Rational(3, 5))  # A3 fails at its open end a = 1/2
@example(a=sp.Integer(1), b=sp.Rational(1, 2))  # A3 holds at its closed end a = 1
@example(a=sp.Rational(3, 5), b=sp.Rational(2, 5))  # A4 fails at b = 1 - a
@example(a=sp.Rational(7, 10), b=sp.Integer(1))  # A4 fails at b = 1
@example(a=sp.Rational(7, 10), b=sp.Rational(2, 5))  # A4 holds just above 1 - a
def test_power_families_follow_the_exponent_law(a, b):
    """d0 = n^a, d1 = n^b: A3 iff 1/2 < a <= 1; A4 iff 1 - a < b < 1 (the log^4 N is invisible)."""
    v = check(n**a, n**b, n)
    assert v["A2"].holds is True
    assert v["A3"].holds == (sp.Rational(1, 2) < a <= 1)
    assert v["A4"].holds == (1 - a < b < 1)


def test_polylog_factors_do_not_change_a4_and_a3_boundary_is_strict():
    # d0 d1 = N exactly: A4's N log^4 N / d0 <. d1 fails only through the strict "< 1"
    v = check(n ** sp.Rational(3, 4), n ** sp.Rational(1, 4), n)
    assert v["A4"].holds is False and v["A4"].conditions[0].limit == 1
    # sqrt(N) log N is not above sqrt(N) in the literal order: A3 fails
    assert check(sp.sqrt(n) * sp.log(n), n ** sp.Rational(2, 3), n)["A3"].holds is False


def test_non_growing_laws_fail_a2_with_the_deciding_limit():
    v = check(sp.Integer(5), n ** sp.Rational(1, 2), n)
    assert v["A2"].holds is False
    assert v["A2"].conditions[0].limit == 5
    assert v["A3"].holds is False


def test_undecided_is_reported_not_guessed():
    v = check(n ** sp.Rational(3, 4) * (2 + sp.sin(n)), n ** sp.Rational(1, 3), n)
    assert v["A2"].holds is None  # the sign of the derivative oscillates
    assert "undecided" in str(v["A2"])


def test_bad_input():
    with pytest.raises(ValueError, match="depend on n only"):
        check(n ** sp.Symbol("a"), n, n)
    with pytest.raises(TypeError):
        check(n, n, "n")


def test_at_size_refuses_sizes_that_are_not_finite_real_numbers():
    assert at_size(64, 23, 4)["A3"].holds
    with pytest.raises(ValueError, match="n must be finite"):
        at_size(float("inf"), 5)
    with pytest.raises(ValueError, match="d1 must be finite"):
        at_size(64, 23, float("nan"))
    with pytest.raises(TypeError, match="boolean"):
        at_size(True, 1)
    with pytest.raises(TypeError, match="d0 must be a real number"):
        at_size(64, "23")
    with pytest.raises(ValueError, match="sizes must be >= 1"):
        at_size(64, 0.5)
