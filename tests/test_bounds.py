"""Laws of the bound functions: backends agree, kinds are kept, logs stay finite, monotonicity,
exact integers, and every invalid argument is refused with a message naming it."""

from __future__ import annotations

import inspect
import math
import time

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from vanishing_minima.theory import bounds as B

# --- strategies -----------------------------------------------------------------------------
sizes = st.floats(min_value=1.0, max_value=1e9, allow_nan=False, allow_infinity=False)
unit_open = st.floats(min_value=1e-6, max_value=1 - 1e-6)
unit_closed = st.floats(min_value=0.0, max_value=1.0)
rhos = st.one_of(
    st.just(0.0),
    st.floats(min_value=-3.0, max_value=0.99),
    st.floats(min_value=1.01, max_value=3.0),
)


@st.composite
def sized(draw):
    """(n, d0, d1) with 1 <= d0 <= n."""
    n = draw(st.floats(min_value=2.0, max_value=1e9))
    d0 = draw(st.floats(min_value=1.0, max_value=n))
    d1 = draw(sizes)
    return n, d0, d1


# Each bound with a strategy for valid arguments and a scale for its value: the sum of the absolute
# values of its terms, so that "relative error" is relative to what a double can resolve even where
# terms cancel (Theorem 10's exponent is a difference).
def _t6_scale(n, d0, d1, eps, rho, c):
    return abs(B.theorem6_log_bound(n, d0, d1, eps, rho, c))


CASES = {
    "gamma_eps": (st.tuples(unit_open, rhos, unit_closed), lambda *a: abs(B.gamma_eps(*a))),
    "theorem9_delta": (sized().map(lambda t: t[:2]), lambda n, d0: abs(B.theorem9_delta(n, d0))),
    "theorem6_log_bound": (
        st.tuples(sized(), unit_open, rhos, unit_closed).map(lambda t: (*t[0], *t[1:])),
        _t6_scale,
    ),
    "corollary7_log_bound": (
        st.tuples(sized(), unit_open, rhos, unit_closed, unit_open).map(lambda t: (*t[0], *t[1:])),
        lambda n, d0, d1, eps, rho, c, dl: _t6_scale(n, d0, d1, eps, rho, c) + abs(math.log(dl)),
    ),
    "theorem9_log_bound": (
        st.tuples(sized(), sizes).map(lambda t: (t[0][0], t[0][1], t[1])),
        lambda n, d0, w: abs(B.theorem9_log_bound(n, d0, w)),
    ),
    "theorem10_log_bound": (
        st.tuples(sized(), unit_open, rhos, unit_closed).map(lambda t: (*t[0], *t[1:])),
        lambda n, d0, d1, eps, rho, c: _t6_scale(n, d0, d1, eps, rho, c) + 2 * n * math.log(n),
    ),
}


def _call(f, args):
    """``f`` on ``args`` in signature order, the keyword-only ones (``delta``) by name."""
    params = list(inspect.signature(f).parameters.values())
    by_name = {p.name: a for p, a in zip(params, args) if p.kind is p.KEYWORD_ONLY}
    return f(*args[: len(args) - len(by_name)], **by_name)


def _exact(x: float) -> sp.Rational:
    return sp.Rational(x)  # the exact binary value of the double


@pytest.mark.parametrize("name", list(CASES))
@given(data=st.data())
def test_numpy_mpmath_and_sympy_agree(name, data):
    """NumPy (doubles) within 1e-12 of SymPy at 60 digits; mpmath at 50 digits within 1e-40."""
    strategy, scale = CASES[name]
    args = data.draw(strategy)
    f = getattr(B, name)
    exact = _call(f, [_exact(a) for a in args]).evalf(60)
    assert exact.is_real
    with mpmath.workdps(50):
        mp_value = _call(f, [mpmath.mpf(a) for a in args])
        assert isinstance(mp_value, mpmath.mpf)
        tol = mpmath.mpf(10) ** -40 * max(mpmath.mpf(scale(*args)), mpmath.mpf(10) ** -300)
        assert abs(mp_value - mpmath.mpf(str(exact))) <= tol
    np_value = _call(f, [np.asarray(a) for a in args])
    assert isinstance(np_value, np.ndarray)
    assert abs(float(np_value) - float(exact)) <= 1e-12 * max(scale(*args), 1e-300)
    py_value = _call(f, args)  # Python's float pow may differ from NumPy's by an ulp
    assert isinstance(py_value, float)
    assert abs(py_value - float(exact)) <= 1e-12 * max(scale(*args), 1e-300)


@pytest.mark.parametrize("f", B.ALL_BOUNDS, ids=lambda f: f.__name__)
def test_symbolic_arguments_give_the_formula(f):
    """With the module's own symbols, each function returns its SymPy expression (one source of truth)."""
    symbols = f.bound.symbols
    assert _call(f, symbols) == f.expr
    assert f.reference


def test_arrays_broadcast_like_numpy():
    n = np.array([1e4, 1e5, 1e6])[:, None]
    d1 = np.array([100.0, 1000.0])[None, :]
    out = B.theorem6_log_bound(n, 50.0, d1, 0.2, 0.0, 0.0)
    assert out.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            assert (
                out[i, j]
                == B.theorem6_log_bound(n[i, :1], 50.0, d1[0, j : j + 1], 0.2, 0.0, 0.0)[0]
            )
    g = B.gamma_eps(np.array([0.1, 0.5]), np.array([[0.0], [0.2]]), 0.3)
    assert g.shape == (2, 2)
    assert g[0, 1] == B.gamma_eps(0.5, 0.0, 0.3) and g[1, 0] == B.gamma_eps(0.1, 0.2, 0.3)


@given(
    n=st.floats(min_value=1e6, max_value=1e15),
    frac=st.floats(min_value=1e-6, max_value=1.0),
    eps=unit_open,
    rho=rhos,
)
def test_log_bounds_finite_where_the_probability_underflows(n, frac, eps, rho):
    d0 = max(1.0, frac * n)
    t9 = B.theorem9_log_bound(n, d0, 2 * n / d0)
    assert math.isfinite(t9) and math.exp(t9) == 0.0  # exp(-2 N log N) underflows a double
    for v in (
        B.theorem6_log_bound(n, d0, n, eps, rho, frac),
        B.theorem10_log_bound(n, d0, n, eps, rho, frac),
    ):
        assert math.isfinite(v)
    with mpmath.workdps(30):  # the value itself is representable by mpmath, and positive
        assert mpmath.exp(mpmath.mpf(t9)) > 0


def test_theorem9_log_bound_at_one_million_is_minus_two_n_log_n():
    n = 1e6
    assert B.theorem9_log_bound(n, 1e3, 2 * n / 1e3) == pytest.approx(
        -2 * n * math.log(n), rel=1e-15
    )


# --- monotonicity the formulas imply ----------------------------------------------------------
@given(t=sized(), m=st.floats(min_value=1.0, max_value=1e3), eps=unit_open, rho=rhos, c=unit_closed)
def test_theorem6_and_9_decrease_with_n(t, m, eps, rho, c):
    n, d0, d1 = t
    assert B.theorem6_log_bound(n * m, d0, d1, eps, rho, c) <= B.theorem6_log_bound(
        n, d0, d1, eps, rho, c
    )
    assert B.theorem9_log_bound(n * m, d0, d1) <= B.theorem9_log_bound(n, d0, d1)
    assert B.theorem9_delta(n * m, d0) <= B.theorem9_delta(n, d0)


@given(t=sized(), m=st.floats(min_value=1.0, max_value=1e3), eps=unit_open, rho=rhos, c=unit_closed)
def test_theorem6_decreases_with_the_widths(t, m, eps, rho, c):
    n, d0, d1 = t
    assert B.theorem6_log_bound(n, d0, d1 * m, eps, rho, c) <= B.theorem6_log_bound(
        n, d0, d1, eps, rho, c
    )
    assume(d0 * m <= n)
    assert B.theorem6_log_bound(n, d0 * m, d1, eps, rho, c) <= B.theorem6_log_bound(
        n, d0, d1, eps, rho, c
    )


@given(e1=unit_open, e2=unit_open, c1=unit_closed, c2=unit_closed, rho=rhos)
def test_gamma_eps_increases_with_eps_and_c(e1, e2, c1, c2, rho):
    lo_e, hi_e = sorted((e1, e2))
    lo_c, hi_c = sorted((c1, c2))
    assert B.gamma_eps(lo_e, rho, lo_c) <= B.gamma_eps(hi_e, rho, hi_c)
    assert B.gamma_eps(e1, 0.0, c1) == B.gamma_eps(e1, 0.0, c2)  # ReLU ignores c
    assert B.gamma_eps(e1, rho, c1) <= 0.23


# --- exact integers -------------------------------------------------------------------------
@given(n=st.integers(min_value=1, max_value=10**40), d0=st.integers(min_value=2, max_value=10**20))
def test_d1_star_is_the_least_multiple_of_four_covering_n(n, d0):
    """d1*/4 is the least integer q with q (2 d0 - 2) >= n."""
    w = B.d1_star(n, d0)
    assert isinstance(w, int) and w % 4 == 0
    q = w // 4
    assert q * (2 * d0 - 2) >= n > (q - 1) * (2 * d0 - 2)
    assert B.d1_star(sp.Integer(n), sp.Integer(d0)) == w
    if n < 2**62 and d0 < 2**30:
        assert B.d1_star(np.array([n]), np.array([d0]))[0] == w
    with mpmath.workdps(max(50, len(str(n)) + 10)):
        assert B.d1_star(mpmath.mpf(n), mpmath.mpf(d0)) == w


def test_d1_star_on_integer_arrays_is_exact_and_integer():
    """Integer arrays give exact Python ints (an object array): fixed-width integers would overflow."""
    n = np.array([10, 1000, 10**15, 2**62])
    out = B.d1_star(n, 11)
    assert out.dtype == object and all(type(v) is int for v in out)
    assert out.tolist() == [B.d1_star(int(v), 11) for v in n]
    assert B.d1_star(np.array([10]), np.array([2**62]))[0] == 4  # 2 d0 - 2 overflows int64


@given(n=st.integers(min_value=1, max_value=300), d=st.integers(min_value=2, max_value=300))
def test_cover_count_obeys_covers_recursion(n, d):
    """C(N+1, d) = C(N, d) + C(N, d-1); C(N, 1) = 2; C(N, d) = 2^N for d >= N."""
    assert B.cover_count(n + 1, d) == B.cover_count(n, d) + B.cover_count(n, d - 1)
    assert B.cover_count(n, 1) == 2
    if d >= n:
        assert B.cover_count(n, d) == 2**n


@given(n=st.integers(min_value=1, max_value=120), d=st.integers(min_value=1, max_value=40))
def test_cover_count_backends_are_exact(n, d):
    exact = B.cover_count(n, d)
    assert isinstance(exact, int)
    assert B.cover_count(sp.Integer(n), sp.Integer(d)) == exact
    arr = B.cover_count(np.array([n, n]), np.array([d, 1]))
    assert arr.dtype == object and arr[0] == exact and arr[1] == 2
    with mpmath.workdps(60):
        assert B.cover_count(mpmath.mpf(n), mpmath.mpf(d)) == exact


def test_cover_count_small_cases_by_hand():
    # 3 points in general position in the plane: 6 of the 8 sign patterns are linear (2 + 2*2 = 6)
    assert B.cover_count(3, 2) == 6
    assert B.cover_count(4, 2) == 8
    assert B.cover_count(64, 64) == 2**64  # beyond int64: exact Python int
    assert B.cover_count(100, 50) == 2**99


# --- invalid arguments --------------------------------------------------------------------------
BAD_VALUES = [
    ("gamma_eps", (1.0, 0.0, 0.0), "eps", "open interval"),
    ("gamma_eps", (0.0, 0.0, 0.0), "eps", "open interval"),
    ("gamma_eps", (float("nan"), 0.0, 0.0), "eps", "finite"),
    ("gamma_eps", (0.5, 1.0, 0.0), "rho", "differ from 1"),
    ("gamma_eps", (0.5, float("inf"), 0.0), "rho", "finite"),
    ("gamma_eps", (0.5, 0.2, 1.5), "d0_over_n", "closed interval"),
    ("d1_star", (100, 1), "d0", ">= 2"),
    ("d1_star", (0, 5), "n", ">= 1"),
    ("theorem9_delta", (100.0, 0.5), "d0", ">= 1"),
    ("theorem9_delta", (100.0, 200.0), "d0 <= n", "A3"),
    ("theorem6_log_bound", (10.0, 20.0, 5.0, 0.5, 0.0, 0.0), "d0 <= n", "A3"),
    ("theorem6_log_bound", (-10.0, 2.0, 5.0, 0.5, 0.0, 0.0), "n", ">= 1"),
    ("theorem6_log_bound", (10.0, 2.0, 0.0, 0.5, 0.0, 0.0), "d1", ">= 1"),
    ("corollary7_log_bound", (10.0, 2.0, 5.0, 0.5, 0.0, 0.0, 1.0), "delta", "open interval"),
    ("theorem9_log_bound", (10.0, 2.0, 0.0), "d1_star", "> 0"),
    ("theorem10_log_bound", (10.0, 2.0, 5.0, 0.5, 1.0, 0.0), "rho", "differ from 1"),
    ("cover_count", (10.5, 2), "n", "integer"),
    ("cover_count", (10, 0), "d", ">= 1"),
]


@pytest.mark.parametrize(
    "name,args,arg,rule", BAD_VALUES, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD_VALUES)]
)
def test_invalid_values_raise_value_error_naming_argument_and_rule(name, args, arg, rule):
    f = getattr(B, name)
    with pytest.raises(ValueError) as info:
        _call(f, args)
    assert arg in str(info.value) and rule in str(info.value)


@pytest.mark.parametrize("kind", ["numpy", "mpmath", "sympy"])
def test_rho_one_is_refused_on_every_backend(kind):
    one = {"numpy": np.array([0.0, 1.0]), "mpmath": mpmath.mpf(1), "sympy": sp.Integer(1)}[kind]
    with pytest.raises(ValueError, match="rho must differ from 1"):
        B.gamma_eps(0.5, one, 0.0)


def test_array_errors_give_the_index():
    with pytest.raises(
        ValueError, match=r"eps must lie in the open interval \(0, 1\); got 1.5 at index \(2,\)"
    ):
        B.gamma_eps(np.array([0.1, 0.2, 1.5]), 0.0, 0.0)
    with pytest.raises(ValueError, match=r"d0 <= n .* got d0=30.0, n=20.0 at index \(1,\)"):
        B.theorem9_delta(np.array([10.0, 20.0]), np.array([5.0, 30.0]))


def test_shape_mismatch_names_the_arrays():
    with pytest.raises(ValueError, match=r"broadcast.*n \(2,\).*d0 \(3,\)"):
        B.d1_star(np.array([10, 20]), np.array([2, 3, 4]))


@pytest.mark.parametrize(
    "bad,exc",
    [
        (True, TypeError),
        ("0.5", TypeError),
        ([0.5], TypeError),
        (0.5 + 1j, TypeError),
        (np.array(["a"]), TypeError),
    ],
)
def test_wrong_types_raise_type_error(bad, exc):
    with pytest.raises(exc, match="eps"):
        B.gamma_eps(bad, 0.0, 0.0)


def test_mixing_sympy_or_mpmath_with_arrays_is_refused():
    with pytest.raises(TypeError, match="cannot mix SymPy"):
        B.gamma_eps(sp.Rational(1, 2), np.array([0.0]), 0.0)
    with pytest.raises(TypeError, match="cannot mix mpmath"):
        B.gamma_eps(mpmath.mpf("0.5"), np.array([0.0]), 0.0)


def test_symbolic_arguments_are_not_validated_but_numbers_inside_sympy_are():
    x = sp.Symbol("x")
    assert B.gamma_eps(x, 0, 0).has(x)
    with pytest.raises(ValueError, match="eps"):
        B.gamma_eps(sp.Rational(3, 2), 0, 0)


def test_wrong_argument_count_and_names():
    with pytest.raises(TypeError, match="missing argument.*rho"):
        B.gamma_eps(0.5)
    with pytest.raises(TypeError, match="unexpected"):
        B.gamma_eps(0.5, 0.0, d0_over_N=0.1)
    assert B.gamma_eps(eps=0.5, rho=0.2, d0_over_n=0.9) == B.gamma_eps(0.5, 0.2, 0.9)


# --- d0_over_n: optional where it does not enter (the ReLU), required where it does --------------------
#: The bounds with a ``d0_over_n`` parameter, each with valid arguments before it (rho last).
WITH_C = {
    "gamma_eps": (0.3,),
    "theorem6_log_bound": (1e4, 100.0, 400.0, 0.3),
    "corollary7_log_bound": (1e4, 100.0, 400.0, 0.3),
    "theorem10_log_bound": (1e4, 100.0, 400.0, 0.3),
    "theorem10_second_log_bound": (1e4, 0.3),
}
_KW = {"corollary7_log_bound": {"delta": 0.05}}


def test_the_bounds_with_d0_over_n_are_the_ones_listed():
    with_c = {f.__name__ for f in B.ALL_BOUNDS if "d0_over_n" in inspect.signature(f).parameters}
    assert with_c == set(WITH_C)


@pytest.mark.parametrize("name", list(WITH_C))
@pytest.mark.parametrize("kind", ["python", "numpy", "mpmath", "sympy"])
@given(c=unit_closed)
def test_relu_bounds_need_no_d0_over_n_and_ignore_it(name, kind, c):
    f, kw = getattr(B, name), _KW.get(name, {})
    cast = {
        "python": float,
        "numpy": np.asarray,
        "mpmath": mpmath.mpf,
        "sympy": lambda x: sp.Rational(str(x)),
    }[kind]
    args = [cast(a) for a in (*WITH_C[name], 0.0)]
    kw = {k: cast(v) for k, v in kw.items()}
    omitted, given_c, none = f(*args, **kw), f(*args, cast(c), **kw), f(*args, None, **kw)
    assert omitted == given_c == none
    assert type(omitted) is type(given_c)
    if kind == "sympy":
        assert not omitted.free_symbols


@pytest.mark.parametrize("name", list(WITH_C))
@pytest.mark.parametrize(
    "rho,where",
    [
        (0.2, "got rho=0.2$"),
        (mpmath.mpf("-0.5"), r"got rho=mpf\('-0.5'\)$"),
        (sp.Rational(1, 5), "got rho=1/5$"),
        (np.array([0.0, 0.0, 2.0]), r"got rho=2.0 at index \(2,\)$"),
    ],
)
def test_leaky_bounds_require_d0_over_n_naming_it_and_where(name, rho, where):
    f = getattr(B, name)
    with pytest.raises(
        ValueError, match=rf"^{name}: d0_over_n is required where rho != 0 .*{where}"
    ):
        f(*WITH_C[name], rho, **_KW.get(name, {}))


def test_a_symbolic_rho_without_d0_over_n_keeps_both_branches_in_the_symbol_c():
    r = sp.Symbol("r", real=True)
    g = B.gamma_eps(B.eps, r)
    assert g == B.GAMMA_EPS_EXPR.subs(B.rho, r) and B.c in g.free_symbols
    assert g.subs(r, 0) == B.gamma_eps(B.eps, 0) and not g.subs(r, 0).has(B.c)
    assert g.subs({r: sp.Rational(1, 5), B.c: sp.Rational(1, 2)}) == B.gamma_eps(
        B.eps, sp.Rational(1, 5), sp.Rational(1, 2)
    )
    # the module's own symbols, c omitted, still give the shipped expression
    assert B.theorem10_log_bound(B.N, B.d0, B.d1, B.eps, B.rho) == B.THEOREM10_LOG_EXPR


def test_corollary7_takes_delta_by_name_only():
    value = B.corollary7_log_bound(1e4, 100.0, 400.0, 0.1, 0.0, delta=0.05)
    assert value == pytest.approx(
        B.theorem6_log_bound(1e4, 100.0, 400.0, 0.1, 0.0) - math.log(0.05)
    )
    with pytest.raises(TypeError, match=r"takes 6 positional arguments.*delta: by name only"):
        B.corollary7_log_bound(1e4, 100.0, 400.0, 0.1, 0.0, 0.01, 0.05)
    with pytest.raises(TypeError, match="missing argument.*delta"):
        B.corollary7_log_bound(1e4, 100.0, 400.0, 0.1, 0.0)


def test_a_stub_whose_defaults_disagree_with_its_params_is_refused():
    from vanishing_minima.theory._compile import bound_function

    bound = B.gamma_eps.bound

    def required_c(eps, rho, d0_over_n):  # d0_over_n's Param says optional
        """Stub."""

    with pytest.raises(AssertionError, match="d0_over_n must be optional"):
        bound_function(bound)(required_c)


def test_check_validates_like_a_call_without_evaluating():
    start = time.perf_counter()
    B.cover_count.bound.check(10**300, 10**6)  # evaluating: an exact sum of 10^6 huge binomials
    assert time.perf_counter() - start < 1.0
    with pytest.raises(ValueError, match="d0 <= n"):
        B.theorem6_log_bound.bound.check(10.0, 20.0, 5.0, 0.5, 0.0)
    with pytest.raises(ValueError, match="d0_over_n is required where rho != 0"):
        B.gamma_eps.bound.check(0.5, 0.2)
    with pytest.raises(TypeError, match="missing argument.*delta"):
        B.corollary7_log_bound.bound.check(10.0, 2.0, 5.0, 0.5, 0.0)
    assert B.theorem6_log_bound.bound.check(B.N, B.d0, B.d1, B.eps, B.rho) is None


# --- independent anchors: each value recomputed from the paper's statement (tests/anchors.py) ---------
def test_every_bound_matches_its_hand_computed_anchor():
    """mpmath at 40 digits from CLAIMS.md's formulas, not from the package's expressions; catches a
    changed constant (sqrt(8/pi) -> sqrt(2/pi), 0.23, the sign of log(delta)) that every backend
    would share."""
    from anchors import check_anchors

    assert check_anchors() >= 40


# --- no silent wrong numbers on the NumPy and Python backends ---------------------------------------
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda t: t.__name__)
@given(data=st.data())
def test_numpy_integers_give_what_python_integers_give(dtype, data):
    """Law: a bound on NumPy integers equals the bound on the same Python ints (exact ints for integer-valued
    bounds, doubles for real-valued ones), whatever the width: fixed-width arithmetic used to wrap around."""
    top = int(min(np.iinfo(dtype).max, 10**6))
    n = data.draw(st.integers(min_value=2, max_value=top))
    d0 = data.draw(st.integers(min_value=2, max_value=n))
    w = data.draw(st.integers(min_value=1, max_value=top))
    exact = B.d1_star(dtype(n), dtype(d0))
    assert exact.dtype == object and exact.item() == B.d1_star(n, d0)
    arr = B.d1_star(np.array([n, n], dtype=dtype), np.array([d0, 2], dtype=dtype))
    assert arr.tolist() == [B.d1_star(n, d0), B.d1_star(n, 2)]
    log9 = B.theorem9_log_bound(dtype(n), dtype(d0), dtype(w))
    assert log9.dtype == np.float64 and log9 <= 0
    assert float(log9) == pytest.approx(
        B.theorem9_log_bound(float(n), float(d0), float(w)), rel=1e-15
    )
    assert float(B.theorem9_delta(dtype(n), dtype(d0))) == pytest.approx(
        B.theorem9_delta(float(n), float(d0)), rel=1e-15
    )


def test_the_issues_int8_examples():
    assert B.d1_star(np.int8(100), np.int8(2)) == 200  # was -56
    log9 = B.theorem9_log_bound(
        np.int8(100), np.int8(10), np.int8(20)
    )  # was +258, a positive log-probability
    assert log9 == pytest.approx(-200 * math.log(100), rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@given(eps=unit_open, n=st.floats(min_value=2.0, max_value=6e4))
def test_narrow_floats_are_computed_in_float64(dtype, eps, n):
    """Law: f(x as float16/float32) is f at that number's exact value, in float64."""
    e, size = dtype(eps), dtype(n)
    assume(0 < float(e) < 1)
    g = B.gamma_eps(e, 0.0, 0.0)
    assert g.dtype == np.float64 and g == B.gamma_eps(
        np.float64(e), 0.0, 0.0
    )  # NumPy's pow, as for float64
    t6 = B.theorem6_log_bound(size, size, size, e, 0.0, 1.0)
    assert t6.dtype == np.float64
    assert float(t6) == pytest.approx(
        B.theorem6_log_bound(float(size), float(size), float(size), float(e), 0.0, 1.0), rel=1e-15
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: B.theorem10_log_bound(1e308, 10.0, 20.0, 0.1, 0.0, 0.0),
        lambda: B.theorem6_log_bound(1e300, 1e300, 1e300, 0.5, 0.0, 1.0),
        lambda: B.theorem10_log_bound(np.array([1e3, 1e308]), 10.0, 20.0, 0.1, 0.0, 0.0),
    ],
    ids=["t10-scalar", "t6-scalar", "t10-array"],
)
def test_non_finite_results_raise_naming_the_bound_and_pointing_to_mpmath(call):
    with pytest.raises(
        ValueError, match=r"(theorem10|theorem6)_log_bound: the result is not finite.*mpmath"
    ):
        call()


def test_non_finite_array_result_names_the_first_index_and_mpmath_gives_the_value():
    with pytest.raises(ValueError, match=r"at index \(1,\)"):
        B.theorem10_log_bound(np.array([1e3, 1e308, 1e308]), 10.0, 20.0, 0.1, 0.0, 0.0)
    with mpmath.workdps(20):
        value = B.theorem10_log_bound(mpmath.mpf(1e308), 10, 20, mpmath.mpf("0.1"), 0, 0)
    assert mpmath.isfinite(value) and value > 0


def test_python_ints_beyond_a_double_are_refused_with_a_pointer_to_mpmath():
    with pytest.raises(ValueError, match="n = an integer of about 401 digits.*mpmath"):
        B.theorem9_log_bound(10**400, 10, 20)
    with mpmath.workdps(20):
        assert B.theorem9_log_bound(mpmath.mpf(10) ** 400, 10, 20) < 0
    assert B.d1_star(10**400, 10**200) == 4 * -(
        -(10**400) // (2 * 10**200 - 2)
    )  # integer-valued: exact


# --- Cover's count: closed form, refusal, and in log space -----------------------------------------
@given(n=st.integers(min_value=1, max_value=400), d=st.integers(min_value=1, max_value=420))
def test_cover_count_is_the_formulas_sum(n, d):
    """The exact backend (closed form, or the shorter of the sum and its complement) is the formula's sum."""
    assert B.cover_count(n, d) == 2 * sum(math.comb(n - 1, k) for k in range(d))


def test_cover_count_closed_form_at_large_d_and_refusal_of_long_sums():
    start = time.perf_counter()
    assert B.cover_count(10**6, 10**6) == 2 ** (10**6)
    assert B.cover_count(10**6, 2 * 10**6) == 2 ** (10**6)
    assert time.perf_counter() - start < 1.0
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"about 5e\+05 terms.*log_cover_count"):
        B.cover_count(10**6, 5 * 10**5)
    with pytest.raises(ValueError, match="log_cover_count"):
        B.cover_count(np.array([10**9]), np.array([10**9]))  # 2^N with 1e9 bits
    assert time.perf_counter() - start < 1.0


def test_cover_count_of_the_papers_imagenet_row_is_exact_and_quick():
    start = time.perf_counter()
    exact = B.cover_count(1_280_000, 12288)  # used to take 50 s (a binomial from scratch per term)
    assert time.perf_counter() - start < 5.0
    assert math.log(exact) == pytest.approx(B.log_cover_count(1_280_000, 12288), rel=1e-13)
    assert exact % 2 == 0 and exact < 2**1_280_000


def test_log_cover_count_matches_the_exact_count_on_a_grid():
    for n in list(range(1, 80)) + [127, 128, 129, 500, 1001, 2048, 3001]:
        ds = (
            range(1, n + 3)
            if n < 80
            else sorted(
                {
                    1,
                    2,
                    3,
                    n // 4,
                    n // 2 - 1,
                    n // 2,
                    n // 2 + 1,
                    n // 2 + 2,
                    3 * n // 4,
                    n - 2,
                    n - 1,
                    n,
                    n + 1,
                }
            )
        )
        for d in ds:
            if d >= 1:
                exact = math.log(B.cover_count(n, d))
                assert B.log_cover_count(n, d) == pytest.approx(exact, rel=1e-13, abs=0), (n, d)


@given(n=st.integers(min_value=2, max_value=5000), data=st.data())
def test_log_cover_count_matches_the_exact_count_at_random_sizes(n, data):
    d = data.draw(st.integers(min_value=1, max_value=n + 1))
    assert B.log_cover_count(n, d) == pytest.approx(math.log(B.cover_count(n, d)), rel=1e-13)


def _mpmath_log_cover(n: int, d: int) -> mpmath.mpf:
    """Reference: the terms binom(n-1, k) as products of ratios, summed at 50 digits (a short tail only)."""
    with mpmath.workdps(50):
        m, term, total = mpmath.mpf(n - 1), mpmath.mpf(1), mpmath.mpf(1)
        for k in range(d - 1):
            term *= (m - k) / (k + 1)
            total += term
        return mpmath.log(2 * total)


@pytest.mark.parametrize("n", [10**7, 10**12, 10**50, 10**300])
@pytest.mark.parametrize("d", [2, 30, 2000])
def test_log_cover_count_matches_mpmath_at_large_sizes(n, d):
    assert B.log_cover_count(n, d) == pytest.approx(float(_mpmath_log_cover(n, d)), rel=1e-13)


@pytest.mark.parametrize("exp10", [6, 9, 12, 15, 20, 50, 100, 200, 299])
def test_log_cover_count_is_exact_at_the_middle(exp10):
    """For even N, sum_{k < N/2} binom(N-1, k) = 2^(N-2): C(N, N/2) = 2^(N-1) exactly; for odd N,
    C(N, (N+1)/2) = 2^(N-1) + binom(N-1, (N-1)/2) (mpmath reference)."""
    n = 2 * 10**exp10
    start = time.perf_counter()
    assert B.log_cover_count(n, n // 2) == pytest.approx((n - 1) * math.log(2), rel=1e-12)
    odd = n + 1
    with mpmath.workdps(30 + exp10):
        m = odd - 1
        log_central = mpmath.loggamma(m + 1) - 2 * mpmath.loggamma(m // 2 + 1)
        ref = (odd - 1) * mpmath.log(2) + mpmath.log1p(
            mpmath.exp(log_central - (odd - 1) * mpmath.log(2))
        )
    assert B.log_cover_count(odd, (odd + 1) // 2) == pytest.approx(float(ref), rel=1e-12)
    assert time.perf_counter() - start < 2.0


@given(e=st.floats(min_value=6.0, max_value=299.0), frac=st.floats(min_value=0.0, max_value=1.0))
def test_log_cover_count_obeys_covers_recursion_at_any_size(e, frac):
    """C(N+1, d) = C(N, d) + C(N, d-1), in log space, up to N = 1e299 (and near the middle, where the
    ratio series is bracketed instead of summed to the end)."""
    n = int(10**e)
    d = max(2, min(n, int(frac * n)))
    lhs = B.log_cover_count(n + 1, d)
    a, b = B.log_cover_count(n, d), B.log_cover_count(n, d - 1)
    rhs = max(a, b) + math.log1p(math.exp(-abs(a - b)))
    assert lhs == pytest.approx(rhs, rel=1e-11)
    assert b <= a <= n * math.log(2) * (1 + 1e-15)


@pytest.mark.parametrize(
    "args,exc,needle",
    [
        ((0, 1), ValueError, "n must be an integer >= 1"),
        ((5, 0), ValueError, "d must be an integer >= 1"),
        ((2.5, 1), ValueError, "n must be an integer"),
        ((float("nan"), 1), ValueError, "n must be an integer"),
        ((float("inf"), 1), ValueError, "n must be an integer"),
        ((1e301, 2), ValueError, r"at most 1e\+300"),
        ((True, 1), TypeError, "n must be an integer"),
        (("5", 1), TypeError, "n must be an integer"),
    ],
)
def test_log_cover_count_refuses_bad_arguments(args, exc, needle):
    with pytest.raises(exc, match=needle):
        B.log_cover_count(*args)


def test_log_cover_count_takes_numpy_and_float_sizes():
    assert B.log_cover_count(np.int64(4), np.float64(2.0)) == pytest.approx(math.log(8), rel=1e-15)
    assert B.log_cover_count(1e6, 1e6) == 10**6 * math.log(2)
