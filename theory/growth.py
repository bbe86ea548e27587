r"""Growth laws from text, parsed by a whitelist: no code from input is ever run.

A growth law is an expression in one variable, such as ``n**(3/4)`` or ``N*log(N)**4/n**(3/4)``.
:func:`parse_growth_law` reads it with Python's :mod:`ast` and builds the SymPy expression itself,
node by node; nothing is passed to ``eval``, ``sympify`` or ``parse_expr`` (which evaluate Python
code: ``sympify('__import__("os").system(...)')`` runs the command).

What a law may contain
----------------------
* the variable (its name; ``n`` and ``N`` are the same variable when it is called either),
  ``pi`` and ``E``;
* numbers: integers and decimal literals, at most :data:`MAX_LITERAL` in absolute value and with at
  most six decimals (a denominator up to :data:`MAX_LITERAL`); decimals are made exact from their
  text (``0.75`` is ``3/4``);
* ``+ - * / **``, unary ``+ -`` and parentheses;
* the functions ``log``, ``exp`` and ``sqrt``, with one positional argument.

Everything else is refused with a :class:`GrowthLawError` (a ``ValueError``) naming the offending token:
attribute access, subscripts, calls of anything else, keyword arguments, lambdas, comprehensions,
strings, comparisons, ``^`` and ``//`` and the other operators, non-ASCII characters (Python folds
look-alike Unicode letters into ASCII names), unknown names.

Work is bounded before anything is computed: at most :data:`MAX_CHARS` characters and
:data:`MAX_NODES` syntax-tree nodes; a constant exponent must be at most :data:`MAX_EXPONENT` in
absolute value (with a denominator up to :data:`MAX_LITERAL` if rational), ``exp`` of a constant
likewise, and every constant sub-expression must be at most :math:`10^{100}` in absolute value, with
at most 100 digits in numerator and denominator when exact (:data:`MAX_CONSTANT_LOG10`), checked from
the operands' sizes *before* a power is formed.  So
``9**9**9**9`` and ``n**(10**10**10)`` are refused at once instead of being evaluated.

Laws must be real: a sub-expression that is complex for a positive variable (``sqrt(-n)``,
``log(-n)``) is refused, and so is one that is undefined (``1/0``, ``log(0)``).  Error messages quote at
most :data:`MAX_QUOTE` characters of the input.
"""

from __future__ import annotations

import ast
import math
import numbers
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import sympy as sp

__all__ = [
    "GrowthLawError",
    "parse_growth_law",
    "as_growth_law",
    "MAX_CHARS",
    "MAX_NODES",
    "MAX_LITERAL",
    "MAX_EXPONENT",
    "MAX_CONSTANT_LOG10",
    "MAX_QUOTE",
    "FUNCTIONS",
    "CONSTANTS",
]

#: Longest text accepted.
MAX_CHARS = 1000
#: Most nodes of the syntax tree (every name, number, operator and call counts).
MAX_NODES = 200
#: Largest absolute value of a literal, and largest denominator of a decimal literal or a rational exponent.
MAX_LITERAL = 10**6
#: Largest absolute value of a constant exponent (``n**c``, ``c**k``, ``exp(c)``).
MAX_EXPONENT = 100
#: Every constant sub-expression must have ``|value| <= 10**100``; exact ones at most 100 digits in
#: numerator and denominator.
MAX_CONSTANT_LOG10 = 100
#: Characters of the input an error message may quote.
MAX_QUOTE = 40

#: The functions a law may call, each with exactly one positional argument.
FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {"log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt}
#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OTHER_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}
_UNDEFINED = (sp.zoo, sp.nan, sp.oo, -sp.oo)


class GrowthLawError(ValueError):
    """A growth law that is refused: the message names the argument, the rule and the offending token."""


def _clip(text: str) -> str:
    """``text`` for an error message: at most MAX_QUOTE characters, quoted."""
    text = " ".join(text.split())
    return repr(text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 3] + "...")


def parse_growth_law(text: str, variable: sp.Symbol, *, name: str = "law") -> sp.Expr:
    r"""Parse a growth law such as ``'n**(3/4)'`` into a SymPy expression in ``variable``, by whitelist.

    Parameters
    ----------
    text : str
        The law, in Python syntax restricted as the module docstring says (``n**(3/4)``,
        ``sqrt(n)*log(n)``, ``N*log(N)**4/n**(3/4)``, ``n**0.75``).
    variable : sympy.Symbol
        The growth variable.  Its name in ``text`` means this symbol, whatever its assumptions; when
        it is called ``n`` or ``N``, both names mean it.
    name : str, optional
        What the law is (e.g. ``"--d0"``), for error messages.

    Returns
    -------
    sympy.Expr
        The expression, built node by node (decimal literals exact: ``n**0.75`` is ``n**(3/4)``).

    Raises
    ------
    TypeError
        If ``text`` is not a ``str`` or ``variable`` is not a SymPy ``Symbol``.
    GrowthLawError
        (a ``ValueError``) for anything outside the whitelist, input beyond the size caps, a
        constant that would be too large, or a law that is complex or undefined for a positive
        variable; the message names the offending token, quoting at most :data:`MAX_QUOTE` characters.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> parse_growth_law("n**0.75 * log(N)", n)
    n**(3/4)*log(n)
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str; got {type(text).__name__}")
    if not isinstance(variable, sp.Symbol):
        raise TypeError(f"variable must be a SymPy Symbol; got {type(variable).__name__}")
    if len(text) > MAX_CHARS:
        raise GrowthLawError(
            f"{name}: the law has {len(text)} characters; at most {MAX_CHARS} are accepted"
        )
    for column, ch in enumerate(text, 1):
        if not (" " <= ch <= "~" or ch == "\t"):
            raise GrowthLawError(
                f"{name}: character {ch!r} (U+{ord(ch):04X}) at column {column} is not allowed: "
                "a growth law is plain ASCII (look-alike Unicode letters would be read as other names)"
            )
    source = text.strip()
    if not source:
        raise GrowthLawError(f"{name}: the law is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise GrowthLawError(
            f"{name}: cannot parse {_clip(source)} as an expression in {variable}: {exc.msg}{where}"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise GrowthLawError(f"{name}: cannot parse {_clip(source)}: nested too deeply") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise GrowthLawError(
            f"{name}: the law has {nodes} syntax nodes; at most {MAX_NODES} are accepted"
        )
    return _Builder(source, variable, name).build(tree)


def as_growth_law(expr: Any, n: sp.Symbol, *, name: str = "law") -> sp.Expr:
    """``expr`` as a real SymPy expression in ``n``: text through the whitelist parser, never ``sympify``.

    A ``str`` is parsed by :func:`.growth.parse_growth_law` (its ``n`` is the caller's ``n``); a SymPy
    expression is taken as it is, with any symbol *named* like ``n`` made ``n`` itself (``Symbol('n')``
    and ``Symbol('n', positive=True)`` are different SymPy symbols but the same growth variable here);
    plain real numbers become SymPy numbers.  Anything else is a ``TypeError``; a law that is complex
    for ``n > 0`` is a ``ValueError``.  Used by :mod:`.asymptotics` and :mod:`.assumptions` for every
    law they take.

    Parameters
    ----------
    expr : SymPy expression, real number, or str
        The law.  A ``str`` is read by :func:`parse_growth_law` (its whitelist and size caps); a real
        number must be finite; floating numbers in a SymPy expression are made exact
        (``n**0.75`` becomes ``n**(3/4)``).  It must be real for ``n > 0``.
    n : sympy.Symbol
        The growth variable; a symbol of the same name in ``expr`` is replaced by it.
    name : str, optional
        What the law is (e.g. ``"d0"``), for error messages.

    Returns
    -------
    sympy.Expr
        The law as a real SymPy expression in ``n`` (a SymPy number for a constant law).

    Raises
    ------
    TypeError
        If ``n`` is not a Symbol, or ``expr`` is neither a str, a SymPy expression nor a real number.
    GrowthLawError
        (a ``ValueError``) for text the parser refuses, a real number that is NaN or infinite, or a
        law that is complex for ``n > 0``.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> as_growth_law(sp.Symbol("n") ** 0.75, n)
    n**(3/4)
    >>> as_growth_law("N*log(N)**4", n)
    n*log(n)**4
    """
    if not isinstance(n, sp.Symbol):
        raise TypeError(f"n must be a SymPy Symbol (the growth variable); got {type(n).__name__}")
    if isinstance(expr, str):
        e = parse_growth_law(expr, n, name=name)
    elif isinstance(expr, sp.Basic):
        e = expr
    elif isinstance(expr, numbers.Real) and not isinstance(expr, (bool, np.bool_)):
        if isinstance(expr, numbers.Integral):
            e = sp.Integer(int(expr))
        elif math.isfinite(float(expr)):
            e = sp.Float(float(expr))
        else:
            raise GrowthLawError(f"{name} must be finite; got {expr!r}")
    else:
        raise TypeError(
            f"{name} must be a SymPy expression in {n}, a number, or a str to parse; got {type(expr).__name__}"
        )
    if not isinstance(e, sp.Expr):
        raise TypeError(f"{name} must be a SymPy expression in {n}; got {type(e).__name__}")
    namesakes = {
        s: n for s in e.free_symbols if isinstance(s, sp.Symbol) and s.name == n.name and s != n
    }
    e = e.xreplace(namesakes) if namesakes else e
    e = sp.nsimplify(e, rational=True) if e.has(sp.Float) else e
    positive = e.xreplace({n: sp.Dummy(n.name, positive=True)})
    if positive.has(sp.I) or positive.is_extended_real is False:
        raise GrowthLawError(
            f"{name} must be real for {n} > 0 (a growth law); got the complex {_clip(str(e))}"
        )
    return e


class _Builder:
    """Build the SymPy expression of a checked syntax tree, node by node, under the caps."""

    def __init__(self, source: str, variable: sp.Symbol, name: str):
        self.source, self.variable, self.name = source, variable, name
        # Work on a positive stand-in, so that "complex for a positive variable" can be decided.
        self.positive = sp.Dummy(variable.name, positive=True)
        self.names: dict[str, sp.Expr] = dict(CONSTANTS)
        aliases = ("n", "N") if variable.name in ("n", "N") else (variable.name,)
        self.names.update({alias: self.positive for alias in aliases})

    # -- helpers ------------------------------------------------------------------------------
    def token(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node)
        where = f" at column {node.col_offset + 1}" if hasattr(node, "col_offset") else ""
        return f"{_clip(segment if segment is not None else type(node).__name__)}{where}"

    def refuse(self, node: ast.AST, what: str) -> GrowthLawError:
        return GrowthLawError(f"{self.name}: {what}: {self.token(node)}")

    def build(self, tree: ast.Expression) -> sp.Expr:
        expr = self.visit(tree.body)
        return expr.xreplace({self.positive: self.variable})

    def checked(self, node: ast.AST, expr: sp.Expr) -> sp.Expr:
        """Refuse undefined or complex results and constants beyond 10**100."""
        if expr.has(*_UNDEFINED):
            raise self.refuse(node, "undefined value (division by zero, log(0) or an infinity)")
        if expr.has(sp.I) or expr.is_extended_real is False:
            raise self.refuse(
                node, f"complex value for {self.variable} > 0 (a growth law must be real)"
            )
        if not expr.free_symbols:
            if expr.is_Rational:
                digits = self.rational_digits(expr)
                if digits > MAX_CONSTANT_LOG10:
                    raise self.refuse(
                        node,
                        f"exact constant with about {digits:.0f} digits "
                        f"(at most {MAX_CONSTANT_LOG10} in numerator and denominator)",
                    )
            else:
                size = self.log10_size(node, expr)
                if size > MAX_CONSTANT_LOG10:
                    raise self.refuse(
                        node,
                        f"constant of size about 10**{size:.0f} (at most 10**{MAX_CONSTANT_LOG10})",
                    )
        return expr

    @staticmethod
    def rational_digits(expr: sp.Rational) -> float:
        """Decimal digits of the larger of an exact constant's numerator and denominator."""
        return max(_log10_int(abs(int(expr.p)) or 1), _log10_int(int(expr.q)))

    def log10_size(self, node: ast.AST, expr: sp.Expr) -> float:
        """log10 |expr| of a constant (-inf for zero) from 30 significant digits."""
        value = expr.evalf(30)
        if not value.is_Number:
            raise self.refuse(node, "constant that cannot be evaluated")
        magnitude = abs(
            float(value)
        )  # the operands were at most 10**100: one operation stays in double range
        return -math.inf if magnitude == 0.0 else math.log10(magnitude)

    def constant_exponent(self, node: ast.AST, exponent: sp.Expr) -> float:
        """Check a constant exponent against MAX_EXPONENT; return its value as a float."""
        value = float(exponent.evalf(30)) if not exponent.is_Rational else float(exponent)
        if abs(value) > MAX_EXPONENT or (exponent.is_Rational and exponent.q > MAX_LITERAL):
            raise self.refuse(
                node,
                f"constant exponent {_clip(str(exponent))} too large "
                f"(at most {MAX_EXPONENT} in absolute value, denominator at most {MAX_LITERAL})",
            )
        return value

    # -- nodes --------------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return self.checked(node, -self.visit(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand)
            raise self.refuse(
                node,
                f"operator {_OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)!r} is not allowed",
            )
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in FUNCTIONS:
                raise self.refuse(node, f"function {node.id!r} must be called with one argument")
            allowed = ", ".join(sorted(set(self.names) - set(CONSTANTS))) + ", pi, E"
            raise self.refuse(node, f"unknown name (allowed: {allowed})")
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.refuse(node, _describe(node))

    def constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "string" if isinstance(value, (str, bytes)) else type(value).__name__
            raise self.refuse(node, f"{kind} literal is not allowed (numbers only)")
        if isinstance(value, int):
            exact = Fraction(value)
        else:  # exact from the text: 0.75 is 3/4, not the double nearest to it
            text = ast.get_source_segment(self.source, node) or repr(value)
            try:
                exact = Fraction(text.replace("_", ""))
            except (ValueError, ZeroDivisionError):
                raise self.refuse(node, "malformed number") from None
        if abs(exact) > MAX_LITERAL or exact.denominator > MAX_LITERAL:
            raise self.refuse(
                node, f"number out of range (|literal| at most {MAX_LITERAL}, at most 6 decimals)"
            )
        return sp.Rational(exact.numerator, exact.denominator)

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            if isinstance(node.func, ast.Attribute):
                raise self.refuse(node.func, "attribute access is not allowed")
            raise self.refuse(node.func, f"only {', '.join(FUNCTIONS)} may be called")
        if node.keywords:
            raise self.refuse(
                node.keywords[0], f"keyword argument to {node.func.id} is not allowed"
            )
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.refuse(node, f"{node.func.id} takes exactly one positional argument")
        arg = self.visit(node.args[0])
        if node.func.id == "exp" and not arg.free_symbols:
            self.constant_exponent(node.args[0], arg)
        if node.func.id == "sqrt":
            return self.power(node, arg, sp.Rational(1, 2), node.args[0])
        return self.checked(node, FUNCTIONS[node.func.id](arg))

    def binop(self, node: ast.BinOp) -> sp.Expr:
        symbol = _OPERATORS.get(type(node.op))
        if symbol is None:
            other = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
            hint = " (use ** for powers)" if other == "^" else ""
            raise self.refuse(node, f"operator {other!r} is not allowed{hint}")
        left, right = self.visit(node.left), self.visit(node.right)
        if symbol == "**":
            return self.power(node, left, right, node.right)
        if symbol == "/" and right == 0:
            raise self.refuse(node, "division by zero")
        result = {
            "+": sp.Add,
            "-": lambda a, b: sp.Add(a, -b),
            "*": sp.Mul,
            "/": lambda a, b: sp.Mul(a, sp.Pow(b, -1)),
        }[symbol](left, right)
        return self.checked(node, result)

    def power(
        self, node: ast.AST, base: sp.Expr, exponent: sp.Expr, exponent_node: ast.AST
    ) -> sp.Expr:
        if not exponent.free_symbols:
            value = self.constant_exponent(exponent_node, exponent)
            if not base.free_symbols:  # predict the size before forming the number
                if base == 0 and value < 0:
                    raise self.refuse(node, "division by zero")
                if base.is_Rational:
                    digits = self.rational_digits(base) * abs(value)
                    if digits > MAX_CONSTANT_LOG10:
                        raise self.refuse(
                            node,
                            f"exact constant with about {digits:.0f} digits "
                            f"(at most {MAX_CONSTANT_LOG10} in numerator and denominator)",
                        )
                elif base != 0 and self.log10_size(node, base) * value > MAX_CONSTANT_LOG10:
                    raise self.refuse(
                        node,
                        f"constant of size about 10**{self.log10_size(node, base) * value:.0f} "
                        f"(at most 10**{MAX_CONSTANT_LOG10})",
                    )
        return self.checked(node, sp.Pow(base, exponent))


def _log10_int(k: int) -> float:
    """log10 of a positive int of any size."""
    bits = k.bit_length()
    if bits < 1000:
        return math.log10(k)
    return math.log10(k >> (bits - 64)) + (bits - 64) * math.log10(2)


def _describe(node: ast.AST) -> str:
    """What a refused construct is, in words."""
    kinds = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscript",
        ast.Lambda: "lambda",
        ast.ListComp: "comprehension",
        ast.SetComp: "comprehension",
        ast.DictComp: "comprehension",
        ast.GeneratorExp: "generator expression",
        ast.Compare: "comparison",
        ast.BoolOp: "boolean operator",
        ast.IfExp: "conditional expression",
        ast.Starred: "starred expression",
        ast.JoinedStr: "f-string",
        ast.Tuple: "tuple",
        ast.List: "list",
        ast.Dict: "dict",
        ast.Set: "set",
        ast.NamedExpr: "assignment",
        ast.Slice: "slice",
    }
    for kind, words in kinds.items():
        if isinstance(node, kind):
            return f"{words} is not allowed in a growth law"
    return f"{type(node).__name__} is not allowed in a growth law"
