"""Each symbolic derivation holds, named by what it derives; findings are kept with their evidence."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from vanishing_minima.theory import bounds as B
from vanishing_minima.theory import derivations as D
from vanishing_minima.theory.assumptions import check
from vanishing_minima.theory.growth import GrowthLawError


@pytest.mark.parametrize("derive", D.ALL_DERIVATIONS, ids=lambda f: f.__name__)
def test_derivation_holds(derive):
    d = derive()
    assert d.holds, "\n".join(d.steps)
    assert d.claim and d.steps


def test_default_family_satisfies_a2_to_a4():
    v = check(D.FAMILY_D0, D.FAMILY_D1, B.N)
    assert all(v[a].holds for a in ("A2", "A3", "A4"))


def test_short_form_of_d1_star_error_term_is_recorded_false():
    d = D.d1_star_times_d0()
    assert any("O(N/d0) is false" in f for f in d.findings)
    for n in (10, 1000, 10**9):  # the counterexample itself: d0 = N gives width 4 and excess 2N
        assert B.d1_star(n, n) * n - 2 * n == 2 * n


def test_theorem9_second_inequality_reverses_for_the_integer_width():
    for n, d0 in ((10**4, 100), (10**6, 1000), (10**6, 10**6)):
        assert B.theorem9_log_bound(n, d0, B.d1_star(n, d0)) < B.theorem9_log_bound(
            n, d0, 2 * n / d0
        )


@pytest.mark.parametrize(
    "a0,a1,gamma",
    [
        (sp.Rational(3, 4), sp.Rational(1, 3), 0.137),
        (1, 1, 0.2),
        (sp.Rational(9, 10), sp.Rational(1, 2), 0.05),
    ],
)
def test_theorem10_threshold_is_where_the_composed_bound_changes_sign(a0, a1, gamma):
    """At N = e^x* the composed exponent (evaluated by theorem10_log_bound itself) changes sign."""
    x = D.theorem10_nonvacuous_log_n(a0, a1, gamma)
    with mpmath.workdps(40):

        def exponent(logn):
            n = mpmath.exp(logn)
            d0, d1 = n ** mpmath.mpf(sp.Rational(a0)), n ** mpmath.mpf(sp.Rational(a1))
            d0 = min(d0, n)
            # gamma enters through eps with rho = 0: gamma = 0.23 eps^(3/4)
            eps = (mpmath.mpf(gamma) / mpmath.mpf("0.23")) ** (mpmath.mpf(4) / 3)
            return B.theorem10_log_bound(n, d0, d1, eps, mpmath.mpf(0), mpmath.mpf(0))

        assert exponent(x * mpmath.mpf("1.01")) < 0 < exponent(x * mpmath.mpf("0.99"))


def test_theorem10_threshold_refuses_families_that_never_turn_negative():
    with pytest.raises(ValueError, match="a0 \\+ a1 must exceed 1"):
        D.theorem10_nonvacuous_log_n(sp.Rational(1, 2), sp.Rational(1, 2), 0.2)


@pytest.mark.parametrize(
    "gamma,error,match",
    [
        (float("inf"), ValueError, "gamma must be finite"),
        (float("nan"), ValueError, "gamma must be finite"),
        (0.0, ValueError, "gamma must be > 0"),
        (-0.1, ValueError, "gamma must be > 0"),
        (True, TypeError, "boolean"),
        ("0.2", TypeError, "gamma must be a real number"),
    ],
)
def test_theorem10_threshold_refuses_a_gamma_that_is_not_a_finite_positive_number(
    gamma, error, match
):
    with pytest.raises(error, match=match):  # gamma = inf used to return the threshold 0
        D.theorem10_nonvacuous_log_n(sp.Rational(3, 4), sp.Rational(1, 3), gamma)


@pytest.mark.parametrize("derive", [D.gram_identity, D.mse_gradient_in_region])
def test_symbolic_matrix_derivations_take_integer_sizes_at_least_one(derive):
    assert derive(1, 1, 1).holds
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        derive(2, 2, 0)  # gram_identity(2, 2, 0) used to "hold" on empty matrices
    with pytest.raises(TypeError, match="d0 must be an integer >= 1"):
        derive(2.0, 2, 3)
    with pytest.raises(TypeError, match="d1 must be an integer >= 1"):
        derive(2, True, 3)


def test_law_taking_derivations_parse_text_by_the_whitelist_and_refuse_other_symbols():
    d = D.theorem10_from_theorems_6_and_9("N**(3/4)", "n**(1/3)")
    assert d.holds and d.statement == D.theorem10_from_theorems_6_and_9().statement
    ran = []
    for derive in (
        D.theorem10_from_theorems_6_and_9,
        D.corollary7_from_theorem6,
        D.section6_reduced_width,
    ):
        # a str used to reach sympify through .subs, which runs it as Python code
        with pytest.raises(GrowthLawError):
            derive("0*len(str(ran.append(1)))", D.FAMILY_D1)
        with pytest.raises(ValueError, match="d1_law may depend on N only"):
            derive(D.FAMILY_D0, B.N ** sp.Symbol("a"))
        with pytest.raises(TypeError, match="d0_law must be a SymPy expression"):
            derive([B.N], D.FAMILY_D1)
    assert ran == []


def test_khatri_rao_symbolic_checks_shapes():
    with pytest.raises(ValueError, match="same number of columns"):
        D.khatri_rao_symbolic(sp.zeros(2, 3), sp.zeros(2, 4))
