"""The paper's order <. decided by SymPy: known ratios, what it hides, and refusal to guess."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vanishing_minima.theory.asymptotics import (
    UndecidedLimit,
    dot_eq,
    dot_leq,
    dot_less,
    exp_neg_dot_leq,
    leading_order_ratio,
    limit_at_infinity,
)

n = sp.Symbol("n", positive=True)
exponents = st.fractions(min_value=sp.Rational(1, 12), max_value=5, max_denominator=12).map(
    sp.Rational
)


#: Each example takes SymPy limits (about 0.3 s): a quarter of the profile's examples, the ties and
#: the extremes of the range given as explicit examples.
SYMPY_EXAMPLES = max(10, settings.default.max_examples // 4)


@settings(max_examples=SYMPY_EXAMPLES)
@given(a=exponents, b=exponents, k=st.integers(min_value=0, max_value=6))
@example(
    a=sp.Rational(3, 4), b=sp.Rational(3, 4), k=6
)  # a tie: the polylog factor must not break it
@example(a=sp.Rational(1, 12), b=sp.Integer(5), k=0)
@example(a=sp.Integer(5), b=sp.Rational(1, 12), k=6)
@example(a=sp.Rational(7, 12), b=sp.Rational(2, 3), k=3)  # a < b by 1/12, with log^3
def test_power_laws_compare_by_exponent_and_ignore_polylogs(a, b, k):
    """n^a log^k n against n^b: the ratio is a/b whatever k (polylog factors are invisible)."""
    r = leading_order_ratio(n**a * sp.log(n) ** k, n**b, n)
    assert r == a / b
    assert dot_less(n**a * sp.log(n) ** k, n**b, n) == (a < b)
    assert dot_leq(n**a, n**b, n) == (a <= b)
    assert dot_eq(5 * n**a, n**a, n)  # constants are invisible


def test_examples_from_the_paper_notation():
    assert leading_order_ratio(n * sp.log(n) ** 4, n, n) == 1
    assert leading_order_ratio(sp.sqrt(n), n**0.75, n) == sp.Rational(
        2, 3
    )  # float exponents made exact
    assert not dot_less(
        sp.sqrt(n) * sp.log(n), sp.sqrt(n), n
    )  # sqrt(N) log N is not above sqrt(N) in this order
    assert dot_leq(n * sp.exp(sp.sqrt(sp.log(n))), n, n)  # sub-polynomial factors are invisible too
    assert leading_order_ratio(sp.exp(n), n, n) == sp.oo
    assert dot_less(1 / n, n, n)  # g -> 0 has negative log: below any h -> oo


def test_other_symbol_names_work():
    m = sp.Symbol("m")  # no assumptions: replaced by a positive variable internally
    assert leading_order_ratio(m**2, m, m) == 2


def test_exponential_bounds_compare_exponents():
    assert exp_neg_dot_leq(n**2, n * sp.log(n), n)  # exp(-n^2) <=. exp(-n log n)
    assert not exp_neg_dot_leq(n, n**2, n)
    assert exp_neg_dot_leq(n / 100, n, n)  # constants in the exponent are invisible


def test_symbolic_exponent_returns_value_but_comparison_is_undecided():
    a = sp.Symbol("a", positive=True)
    assert leading_order_ratio(n**a, n, n) == a
    with pytest.raises(UndecidedLimit, match="a < 1"):
        dot_less(n**a, n, n)
    small = sp.Symbol("s", positive=True)
    assert dot_less(n ** (1 / (2 + small)), n, n)  # 1/(2+s) < 1 is decided by the assumption s > 0


def test_sympy_failures_raise_undecided_never_guess():
    with pytest.raises(UndecidedLimit):
        leading_order_ratio(n, n ** (1 + sp.sin(n) / 2), n)  # oscillating exponent: no limit
    with pytest.raises(UndecidedLimit):
        limit_at_infinity(sp.sin(n), n)


def test_order_needs_h_to_grow_and_g_positive():
    with pytest.raises(ValueError, match="h must tend to infinity"):
        leading_order_ratio(n, 1 / n, n)
    with pytest.raises(ValueError, match="h must tend to infinity"):
        leading_order_ratio(n, sp.Integer(7), n)
    with pytest.raises(ValueError, match="g must be positive"):
        leading_order_ratio(-n, n, n)
    with pytest.raises(TypeError, match="n must be a SymPy Symbol"):
        leading_order_ratio(n, n, "n")
    with pytest.raises(TypeError, match="g must be a SymPy expression"):
        leading_order_ratio(object(), n, n)
