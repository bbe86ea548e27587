"""Growth laws from text: a whitelist parser that never runs code, bounds its work, and refuses complex laws."""

from __future__ import annotations

import string
import time

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from vanishing_minima.checks.cli import main
from vanishing_minima.theory import assumptions, asymptotics
from vanishing_minima.theory.growth import MAX_CHARS, MAX_NODES, GrowthLawError, parse_growth_law

n = sp.Symbol("n", positive=True)


def _quotes_more_than(message: str, text: str, k: int = 60) -> bool:
    """Does ``message`` contain more than ``k`` consecutive characters of ``text``?"""
    return any(text[i : i + k + 1] in message for i in range(max(0, len(text) - k)))


# --- no code from input ---------------------------------------------------------------------------
def _injections(tmp_path):
    marker = tmp_path / "ran"
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-c0ntent!!")
    return (
        marker,
        secret,
        [
            f'__import__("os").system("touch {marker}")',
            f'__import__("os").system("touch {marker}") or n',
            f'open("{secret}").read()',
            "[c for c in ().__class__.__base__.__subclasses__()] and n",
            f'(lambda: __import__("os").system("touch {marker}"))()',
        ],
    )


def test_injected_code_never_runs_in_the_parser_asymptotics_or_assumptions(tmp_path):
    marker, secret, attacks = _injections(tmp_path)
    for text in attacks:
        for call in (
            lambda t: parse_growth_law(t, n),
            lambda t: asymptotics.leading_order_ratio(t, n, n),
            lambda t: asymptotics.limit_at_infinity(t, n),
            lambda t: assumptions.check(t, "n**(1/3)", n),
        ):
            with pytest.raises(GrowthLawError) as info:
                call(text)
            assert "s3cr3t" not in str(info.value)
    assert not marker.exists()


def test_injected_code_never_runs_from_the_command_line(tmp_path, capsys):
    marker, secret, attacks = _injections(tmp_path)
    for text in attacks:
        assert main(["assumptions", "--d0", text, "--d1", "n"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--d0" in err and "s3cr3t" not in err
    assert not marker.exists()


def test_strings_never_reach_sympify(monkeypatch):
    """Text goes through the whitelist only: sympify and parse_expr would evaluate Python code."""
    import sympy.parsing.sympy_parser as parser

    real = sp.sympify

    def guarded(a, *args, **kwargs):
        if isinstance(a, str):
            raise AssertionError(f"sympify called on text {a!r}")
        return real(a, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError("parse_expr called")

    monkeypatch.setattr(sp, "sympify", guarded)
    monkeypatch.setattr(parser, "parse_expr", refuse)
    assert asymptotics.leading_order_ratio("n**2", "n", n) == 2
    assert assumptions.check("n**(3/4)", "n**(1/3)", n)["A4"].holds is True


# --- bounded work ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,token",
    [
        ("9**9**9**9", "9**9"),
        ("n**(10**10**10)", "10**10"),
        ("(10**50)**3", "(10**50)**3"),
        ("exp(exp(5))", "exp(5)"),
        ("n**(1/10**7)", "1/10**7"),
        ("2**(2**(2**(2**(2**9))))", "2**9"),
    ],
)
def test_towers_of_constants_are_refused_at_once(text, token):
    start = time.perf_counter()
    with pytest.raises(GrowthLawError) as info:
        parse_growth_law(text, n, name="--d0")
    assert time.perf_counter() - start < 0.5
    assert f"'{token}'" in str(info.value) and "--d0" in str(info.value)


def test_size_caps():
    with pytest.raises(GrowthLawError, match=f"at most {MAX_CHARS} are accepted"):
        parse_growth_law("n+" * MAX_CHARS + "n", n)
    with pytest.raises(GrowthLawError, match=f"at most {MAX_NODES} are accepted"):
        parse_growth_law("-" * 300 + "n", n)
    with pytest.raises(GrowthLawError, match="number out of range"):
        parse_growth_law("10000001*n", n)
    with pytest.raises(GrowthLawError, match="number out of range"):
        parse_growth_law("1e-7*n", n)
    assert parse_growth_law("10**7*n", n) == 10**7 * n  # a power of allowed size is fine


# --- the whitelist ---------------------------------------------------------------------------------
REFUSED = [
    ("n.__class__", "attribute access", "n.__class__"),
    ("n[0]", "subscript", "n[0]"),
    ("(lambda: n)()", "lambda", "lambda: n"),
    ("[k for k in (1, 2)]", "comprehension", "[k for k in (1, 2)]"),
    ("sum(k for k in (1, 2))", "only log, exp, sqrt may be called", "sum"),
    ("'n'", "string literal", "'n'"),
    ("log(n, base=2)", "keyword argument", "base=2"),
    ("log(n, 2)", "exactly one positional argument", "log(n, 2)"),
    ("log(*n)", "exactly one positional argument", "log(*n)"),
    ("m**2", "unknown name", "m"),
    ("I + n", "unknown name", "I"),
    ("e**n", "unknown name", "e"),
    ("log", "must be called", "log"),
    ("n^2", "use ** for powers", "n^2"),
    ("n//2", "'//'", "n//2"),
    ("n % 2", "'%'", "n % 2"),
    ("~n", "'~'", "~n"),
    ("n < 2", "comparison", "n < 2"),
    ("n if n else 1", "conditional expression", "n if n else 1"),
    ("(n, 1)", "tuple", "(n, 1)"),
    ("f'{n}'", "f-string", "f'{n}'"),
    ("(k := n)", "assignment", "k := n"),
    ("True * n", "bool literal", "True"),
    ("1j * n", "complex literal", "1j"),
    ("n**(", "cannot parse", "n**("),
    ("", "empty", ""),
    ("\uff4e", "U+FF4E", ""),  # fullwidth n: Python would read it as n
    ("\U0001d427 * 2", "U+1D427", ""),  # mathematical bold n
    ("n\u200b", "U+200B", ""),  # zero-width space
    ("n\n+ 1", "U+000A", ""),
]


@pytest.mark.parametrize("text,rule,token", REFUSED, ids=[r[0] or "empty" for r in REFUSED])
def test_everything_outside_the_whitelist_is_refused_naming_the_token(text, rule, token):
    with pytest.raises(GrowthLawError) as info:
        parse_growth_law(text, n, name="--d0")
    message = str(info.value)
    assert message.startswith("--d0: ") and rule in message
    assert repr(token) in message or not token


@pytest.mark.parametrize(
    "text", ["1/0", "log(0)", "0**-1", "n/0", "sqrt(-n)", "log(-n)", "(-8)**(1/3)", "sqrt(-1)*n"]
)
def test_undefined_and_complex_laws_are_refused(text):
    with pytest.raises(GrowthLawError, match="undefined|division by zero|complex"):
        parse_growth_law(text, n)


@pytest.mark.parametrize(
    "text",
    [
        "n**(3/4)",
        "n**0.75",
        "sqrt(n)*log(n)",
        "N*log(N)**4/n**(3/4)",
        "n**(1/3)",
        "5*n + 3",
        "n*exp(sqrt(log(n)))",
        "2**n",
        "n**2/(n + 1)",
        "-(-n)",
        "n**-0.5*n",
        "pi*E*n",
        "0.001*n**1.5",
        "exp(2)*n",
    ],
)
def test_valid_laws_parse_to_the_expressions_sympify_gave(text):
    """The same expression as the old path (sympify with n and N bound, floats made exact), on trusted text."""
    before = sp.sympify(text, locals={"n": n, "N": n})
    before = sp.nsimplify(before, rational=True) if before.has(sp.Float) else before
    assert parse_growth_law(text, n) == before


def test_the_variable_is_the_callers_whatever_its_assumptions():
    m = sp.Symbol("m")
    assert parse_growth_law("m**2", m) == m**2
    with pytest.raises(GrowthLawError, match=r"unknown name \(allowed: m, pi, E\): 'n'"):
        parse_growth_law("n", m)  # n and N are aliases only of a variable called n or N
    plain = sp.Symbol("n")
    assert parse_growth_law("N + n", plain) == 2 * plain


printable = st.text(alphabet=string.printable, max_size=300)
tokens = st.lists(
    st.sampled_from(
        [
            "n",
            "N",
            "2",
            "9",
            "0.5",
            "10",
            "pi",
            "E",
            "log(",
            "exp(",
            "sqrt(",
            "+",
            "-",
            "*",
            "/",
            "**",
            "(",
            ")",
            " ",
        ]
    ),
    max_size=40,
).map("".join)


@given(text=st.one_of(printable, tokens))
def test_any_text_parses_to_a_real_law_in_n_or_is_refused_briefly(text):
    """Law: the parser returns an expression in n alone or raises GrowthLawError, quoting <= 60 characters."""
    start = time.perf_counter()
    try:
        expr = parse_growth_law(text, n)
    except GrowthLawError as exc:
        assert not _quotes_more_than(str(exc), text)
    else:
        assert expr.free_symbols <= {n} and not expr.has(sp.I, sp.zoo, sp.nan)
    assert time.perf_counter() - start < 2.0


def test_long_input_is_never_echoed():
    text = "n*" * 400 + "foo"
    with pytest.raises(GrowthLawError) as info:
        parse_growth_law(text, n)
    assert not _quotes_more_than(str(info.value), text)


# --- the theory layer through the parser ----------------------------------------------------------
def test_text_means_the_callers_n_in_asymptotics():
    """'n' used to become a new, assumption-free symbol (ratio 0 against n); it is the caller's n."""
    assert asymptotics.leading_order_ratio("n", n, n) == 1
    plain = sp.Symbol("n")
    assert asymptotics.leading_order_ratio("n", plain, plain) == 1
    assert asymptotics.leading_order_ratio(plain, n, n) == 1  # a namesake symbol is the variable
    assert asymptotics.leading_order_ratio("n**0.75", "sqrt(n)*log(n)", n) == sp.Rational(3, 2)


def test_complex_laws_are_refused_by_asymptotics_and_assumptions():
    with pytest.raises(ValueError, match="real"):
        assumptions.check(n + sp.I, n ** sp.Rational(1, 3), n)  # used to pass A2-A4
    with pytest.raises(ValueError, match="real"):
        asymptotics.leading_order_ratio(sp.log(-n), n, n)
    with pytest.raises(ValueError, match=r"unknown name .*: 'I'"):
        assumptions.check("n + I", "n**(1/3)", n)


def test_non_text_input_must_be_sympy_or_a_number():
    assert asymptotics.leading_order_ratio(5, n, n) == 0
    with pytest.raises(TypeError, match="g must be a SymPy expression"):
        asymptotics.leading_order_ratio(object(), n, n)
    with pytest.raises(TypeError, match="d0 must be a SymPy expression"):
        assumptions.check([n], n, n)
    with pytest.raises(ValueError, match="finite"):
        asymptotics.leading_order_ratio(float("nan"), n, n)
