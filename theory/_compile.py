"""One formula, four backends: the machinery behind :mod:`vanishing_minima.theory.bounds`.

A :class:`Bound` holds a SymPy expression and its parameters.  It is compiled once, lazily, with
:func:`sympy.lambdify` into a NumPy function and an mpmath function; calling the bound dispatches on
the kind of its arguments:

=============================  ==========================================================
arguments                      result
=============================  ==========================================================
any SymPy object               SymPy expression (exact; evaluated when all args are numbers)
any mpmath ``mpf``             ``mpf`` at the caller's ``mpmath.mp.dps``
any NumPy array or scalar      ``ndarray`` (arguments broadcast against each other)
only Python numbers            ``float``; ``int`` for integer-valued bounds on ``int`` input
=============================  ==========================================================

Mixing SymPy or mpmath with NumPy arrays is refused with ``TypeError`` (the result kind would be
ambiguous).  Arguments are validated before evaluation (see :mod:`._validate`).  A parameter with a
:class:`~._validate.Need` (e.g. ``d0_over_n``, which only the leaky-ReLU branch reads) may be omitted
wherever the formula does not use it; where it does, omitting it is a ``ValueError`` naming it.

On the NumPy and Python backends no number is silently wrong: NumPy integers (whose fixed width
overflows without a word: ``int8`` 100 x 2 is -56) become exact Python ints in an ``object`` array when
the bound is integer-valued and all arguments are integers, and float64 otherwise; float16 and float32
are computed in float64; Python ints reach a real-valued formula as doubles.  A result that comes out
NaN or infinite (an overflow of the double, e.g. Theorem 10's 2 N log N at N = 1e308)
raises ``ValueError`` naming the bound and the first offending index and pointing to mpmath.  The mpmath
and SymPy backends are exact or arbitrary-precision and unchanged.
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from . import _validate

__all__ = ["Bound", "Param", "bound_function"]


class _ExactNumPyPrinter(NumPyPrinter):
    """NumPy printer that keeps integer arithmetic exact.

    ``ceiling(p/q)`` is printed as ``-((-p) // q)`` and ``floor(p/q)`` as ``p // q``, which are exact
    for Python and NumPy integers (true division would round through a double) and agree with
    ``ceil``/``floor`` of the quotient for floats.
    """

    def _print_ceiling(self, expr: sp.ceiling) -> str:
        p, q = expr.args[0].as_numer_denom()
        return f"(-((-({self._print(p)})) // ({self._print(q)})))"

    def _print_floor(self, expr: sp.floor) -> str:
        p, q = expr.args[0].as_numer_denom()
        return f"(({self._print(p)}) // ({self._print(q)}))"


@dataclass(frozen=True)
class Param:
    """A parameter of a bound: its Python name, its SymPy symbol and the rules its values obey.

    ``needed``: the parameter is optional (default ``None``) and required only where this holds (see
    :meth:`Bound.__call__`); ``keyword_only``: it can only be passed by name.
    """

    name: str
    symbol: sp.Symbol
    rules: tuple[_validate.Rule, ...] = ()
    needed: _validate.Need | None = None
    keyword_only: bool = False


@dataclass
class Bound:
    """A closed-form quantity of the paper, written once as a SymPy expression.

    Parameters
    ----------
    name : str
        Python name of the public function.
    params : sequence of Param
        Parameters in call order.
    expr : sympy.Expr
        The formula, in the parameters' symbols.
    reference : str
        Where the paper states it (e.g. ``"Theorem 9"``).
    relations : sequence of Relation
        Rules linking two parameters (e.g. ``d0 <= n``).
    integer_valued : bool
        Exact integers are returned for integer input.
    elementwise : bool
        The expression cannot be vectorized by NumPy (e.g. a finite sum whose length is an argument);
        arrays are then evaluated entry by entry, exactly, into an ``object`` array.
    python_modules : list
        Extra name bindings for the exact Python/NumPy backend (e.g. ``binomial -> math.comb``).
    exact : callable, optional
        For ``elementwise`` bounds: the exact integer evaluator of one entry (Python ints in, an int
        out), used instead of the lambdified formula when the formula's own evaluation would be slow
        (e.g. a closed form, or a refusal of sums too long to finish).
    """

    name: str
    params: Sequence[Param]
    expr: sp.Expr
    reference: str
    relations: Sequence[_validate.Relation] = ()
    integer_valued: bool = False
    elementwise: bool = False
    python_modules: list = field(default_factory=list)
    exact: Callable[..., int] | None = None

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(p.symbol for p in self.params)

    @functools.cached_property
    def _numpy(self) -> Callable[..., Any]:
        # Same printer settings as lambdify's own NumPy printer, plus exact ceiling/floor.
        user_functions = {name: name for m in self.python_modules for name in m}
        printer = _ExactNumPyPrinter(
            {
                "fully_qualified_modules": False,
                "inline": True,
                "allow_unknown_functions": True,
                "user_functions": user_functions,
            }
        )
        return sp.lambdify(
            self.symbols, self.expr, modules=[*self.python_modules, "numpy"], printer=printer
        )

    @functools.cached_property
    def _mpmath(self) -> Callable[..., Any]:
        return sp.lambdify(self.symbols, self.expr, modules="mpmath")

    def latex(self) -> str:
        """LaTeX of the formula."""
        return sp.latex(self.expr)

    # -- evaluation -------------------------------------------------------------------------
    def _validate(self, values: dict[str, Any]) -> set[str]:
        kinds = set()
        for p in self.params:
            value = values[p.name]
            if value is None and p.needed is not None:  # omitted: filled in by _fill_omitted
                continue
            kinds.add(_validate.kind_of(value, p.name))
            _validate.require_finite(p.name, value)
            for rule in p.rules:
                _validate.check_rule(p.name, value, rule)
        _validate.check_broadcastable({k: v for k, v in values.items() if v is not None})
        for relation in self.relations:
            _validate.check_relation(values, relation)
        return kinds

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values = self._bind(args, kwargs)
        kinds = self._validate(values)
        self._fill_omitted(values, kinds)
        ordered = [values[p.name] for p in self.params]
        if "sympy" in kinds:
            if "numpy" in kinds:
                raise TypeError(f"{self.name}: cannot mix SymPy objects with NumPy arrays")
            return self._eval_sympy(ordered)
        if "mpmath" in kinds:
            if "numpy" in kinds:
                raise TypeError(f"{self.name}: cannot mix mpmath numbers with NumPy arrays")
            return self._eval_mpmath(ordered)
        exact = self.integer_valued and all(_is_integer_typed(v) for v in ordered)
        if "numpy" in kinds:
            return self._eval_numpy([_widen(v, exact) for v in ordered])
        if not exact:  # a real-valued result: compute in doubles (a huge int would reach NumPy's log as an object)
            ordered = [
                _as_double(p.name, v) if isinstance(v, int) else v
                for p, v in zip(self.params, ordered)
            ]
        return self._eval_python(ordered)

    def check(self, *args: Any, **kwargs: Any) -> None:
        """Validate arguments as a call would, without evaluating the formula (symbols pass unchecked).

        Raises
        ------
        TypeError, ValueError
            As :meth:`__call__` does for the same arguments.
        """
        values = self._bind(args, kwargs)
        self._fill_omitted(values, self._validate(values))

    def _bind(self, args: tuple, kwargs: dict) -> dict[str, Any]:
        names = [p.name for p in self.params]
        positional = [p.name for p in self.params if not p.keyword_only]
        if len(args) > len(positional):
            by_name = [n for n in names if n not in positional]
            raise TypeError(
                f"{self.name}() takes {len(positional)} positional arguments ({', '.join(positional)}); "
                f"got {len(args)}"
                + (
                    f" ({', '.join(by_name)}: by name only, e.g. {by_name[0]}=...)"
                    if by_name
                    else ""
                )
            )
        values = dict(zip(positional, args))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{self.name}() got an unexpected argument {key!r}")
            if key in values:
                raise TypeError(f"{self.name}() got multiple values for {key!r}")
            values[key] = value
        for p in self.params:
            if p.needed is not None:
                values.setdefault(p.name, None)
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"{self.name}() missing argument(s): {', '.join(missing)}")
        return values

    def _fill_omitted(self, values: dict[str, Any], kinds: set[str]) -> None:
        """Give each omitted optional parameter a stand-in, or raise where the formula needs it.

        Where the parameter does not enter (its :class:`~._validate.Need` holds nowhere) the stand-in is
        its own symbol for SymPy input (the formula's branch without it is what comes out) and 0 for
        numbers (a valid value that the selected branch never reads).  Where the argument it depends on
        is symbolic, the stand-in is the symbol: the result is the formula in that symbol.
        """
        for p in self.params:
            if values[p.name] is not None or p.needed is None:
                continue
            try:
                _validate.check_needed(p.name, values, p.needed)
            except ValueError as exc:
                raise ValueError(f"{self.name}: {exc}") from None
            values[p.name] = p.symbol if "sympy" in kinds else 0

    def _eval_sympy(self, ordered: list) -> sp.Expr:
        out = self.expr.xreplace(dict(zip(self.symbols, map(sp.sympify, ordered))))
        if not out.free_symbols:
            out = out.doit()
        return out

    def _eval_mpmath(self, ordered: list) -> mpmath.mpf:
        if self.elementwise:
            return mpmath.mpf(self._exact_scalar(ordered))
        return self._mpmath(*[mpmath.mpmathify(v) for v in ordered])

    def _exact_scalar(self, ordered: list) -> Any:
        ints = [int(v) for v in ordered]  # integrality was validated by the INTEGRAL rule
        return self.exact(*ints) if self.exact is not None else self._numpy(*ints)

    def _eval_numpy(self, ordered: list) -> np.ndarray:
        arrays = np.broadcast_arrays(*[np.asarray(v) for v in ordered])
        if self.elementwise:
            out = np.empty(arrays[0].shape, dtype=object)
            for index in np.ndindex(out.shape):
                out[index] = self._exact_scalar([a[index] for a in arrays])
            return out
        exact = any(
            a.dtype == object for a in arrays
        )  # Python ints: keep them (0-d results come back bare)
        with np.errstate(all="ignore"):  # overflow is reported below, as an error naming the bound
            out = np.asarray(self._numpy(*arrays), dtype=object if exact else None)
        if out.shape != arrays[0].shape:  # constant expressions do not broadcast by themselves
            out = np.broadcast_to(out, arrays[0].shape).copy()
        self._require_finite_result(out)
        return out

    def _eval_python(self, ordered: list) -> float | int:
        if self.elementwise:
            return self._exact_scalar(ordered)
        with np.errstate(all="ignore"):
            out = self._numpy(*ordered)
        if self.integer_valued and all(isinstance(v, int) for v in ordered):
            return int(out)
        out = float(out)
        self._require_finite_result(out)
        return out

    def _require_finite_result(self, out: Any) -> None:
        """A NaN or infinite double result is an overflow of the double backend: raise, naming the bound."""
        if isinstance(out, np.ndarray):
            if out.dtype.kind not in "fc" or bool(np.all(np.isfinite(out))):
                return
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
            where = (
                f"{_validate._fmt(out[index])} at index {index}"
                if out.ndim
                else _validate._fmt(out[()])
            )
        elif math.isfinite(out):
            return
        else:
            where = repr(out)
        raise ValueError(
            f"{self.name}: the result is not finite ({where}): the arguments exceed what a double can hold "
            f"in this formula; pass mpmath numbers (mpmath.mpf) for extreme sizes"
        )


def _is_integer_typed(value: Any) -> bool:
    """A Python int, or a NumPy integer scalar or array."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "iu"
    return isinstance(value, int)


def _widen(value: Any, exact: bool) -> Any:
    """NumPy input made safe for the formula: integers as exact Python ints (``object``) when the result is
    an exact integer, else as float64; float16/float32 as float64.  Fixed-width integers would overflow
    silently (``d1_star(np.int8(100), np.int8(2))`` gave -56)."""
    if not isinstance(value, (np.ndarray, np.generic)):
        return value
    if value.dtype.kind in "iu":
        return np.asarray(value).astype(object) if exact else np.asarray(value, dtype=np.float64)
    if value.dtype.kind == "f" and value.dtype.itemsize < 8:
        return np.asarray(value, dtype=np.float64)
    return value


def _as_double(name: str, value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        digits = int(abs(value).bit_length() * math.log10(2)) + 1
        raise ValueError(
            f"{name} = an integer of about {digits} digits is beyond a double's range; "
            f"pass mpmath numbers (mpmath.mpf) for extreme sizes"
        ) from None


def bound_function(bound: Bound) -> Callable[[Callable], Callable]:
    """Decorate a documented stub so that calling it evaluates ``bound``.

    The stub's signature must list the bound's parameters in order; its body is never run.  The
    returned function carries ``.bound`` (the :class:`Bound`), ``.expr`` and ``.reference``.
    """

    def decorate(stub: Callable) -> Callable:
        stub_params = list(inspect.signature(stub).parameters.values())
        names = [q.name for q in stub_params]
        expected = [p.name for p in bound.params]
        if names != expected:
            raise AssertionError(
                f"{stub.__name__}: signature {names} does not match bound {expected}"
            )
        for p, q in zip(bound.params, stub_params):
            optional = q.default is None
            by_name = q.kind is inspect.Parameter.KEYWORD_ONLY
            if optional != (p.needed is not None) or by_name != p.keyword_only:
                raise AssertionError(
                    f"{stub.__name__}: parameter {p.name} must be "
                    f"{'optional (default None)' if p.needed else 'required'}"
                    f"{' and keyword-only' if p.keyword_only else ''}, as its Param says"
                )

        @functools.wraps(stub)
        def evaluate(*args: Any, **kwargs: Any) -> Any:
            return bound(*args, **kwargs)

        evaluate.bound = bound  # type: ignore[attr-defined]
        evaluate.expr = bound.expr  # type: ignore[attr-defined]
        evaluate.reference = bound.reference  # type: ignore[attr-defined]
        return evaluate

    return decorate
