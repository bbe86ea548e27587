"""numpydoc is complete on the public functions: Parameters, Returns and, where an error can come out, Raises.

For every plain Python function in ``vanishing_minima.numeric.__all__`` and in the ``__all__`` of each
submodule of ``vanishing_minima.theory`` (``theory.__all__`` lists the modules: assumptions, asymptotics,
bounds, claims, cover, derivations and growth; a submodule without ``__all__`` would contribute the public
functions defined in it), the docstring must have

* a ``Parameters`` section with one ``name : type`` line per parameter of the signature (or a grouped
  ``a, b : int`` line), naming every parameter and nothing else;
* a ``Returns`` (or ``Yields``) section;
* a ``Raises`` section whenever the function's own source mentions ``ValueError`` or ``TypeError`` or calls
  one of the raising validators of ``numeric/_checks.py`` or ``theory/_validate.py`` (or a module-local
  ``_check_*`` helper, or one of the theory's local validators ``as_growth_law``, ``_prepare``, ``_whole``),
  and for every bound function (its evaluator validates each argument with ``theory/_validate.py``).

Classes, SymPy symbols, constants and compiled objects are skipped.  The bound functions of
``theory/bounds.py`` are plain functions (a wrapper around the compiled formula, documented by its stub)
and are checked like the others; their own source is the stub, hence the rule above for their Raises.

The parser is a few lines of regular expressions on purpose: no numpydoc dependency.
"""

from __future__ import annotations

import inspect
import re

import pytest

from vanishing_minima import numeric, theory
from vanishing_minima.theory._compile import Bound

#: Functions not held to this test yet, each with the reason, and the modules they may live in.  Empty:
#: every public function is held to it.  A future exemption names the function here, the reason in a
#: comment, and its module in EXEMPT_MODULES (the next test checks the two agree).
EXEMPT: set[str] = set()
EXEMPT_MODULES: set[str] = set()

#: The validators of numeric/_checks.py and theory/_validate.py that raise ValueError or TypeError, and
#: the theory's module-local ones (growth laws are checked by as_growth_law / parse_growth_law, in
#: asymptotics through _prepare; log_cover_count's sizes by _whole).
VALIDATORS = (
    "as_array",
    "as_matrix",
    "check_labels",
    "check_rho",
    "positive_int",
    "open_unit",
    "real_number",
    "check_same_columns",
    "check_work",
    "as_generator",
    # theory/_validate.py
    "kind_of",
    "require_finite",
    "require_size",
    "check_rule",
    "check_relation",
    "check_broadcastable",
    # theory's own
    "as_growth_law",
    "parse_growth_law",
    "_prepare",
    "_whole",
)
RAISING = re.compile(
    r"\b(ValueError|TypeError)\b|\b(" + "|".join(VALIDATORS) + r"|_check_\w+)\s*\("
)
HEADER = re.compile(r"^(\w[\w ]*)\n-{3,}\s*$", re.MULTILINE)


def theory_modules() -> list[object]:
    """The submodules that ``theory.__all__`` lists."""
    return [
        getattr(theory, name) for name in theory.__all__ if inspect.ismodule(getattr(theory, name))
    ]


def exported_names(module) -> list[str]:
    """``module.__all__``, or else the public functions defined in ``module`` itself."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and inspect.isfunction(obj)
        and obj.__module__ == module.__name__
    ]


def public_functions() -> dict[str, object]:
    found = {}
    for module in (numeric, theory, *theory_modules()):
        for name in exported_names(module):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[f"{module.__name__}.{name}"] = obj
    return found


FUNCTIONS = public_functions()
CHECKED = {key: fn for key, fn in FUNCTIONS.items() if key.rsplit(".", 1)[1] not in EXEMPT}


def sections(doc: str) -> dict[str, str]:
    """Section title -> body, for the underlined numpydoc headers of ``doc``."""
    marks = list(HEADER.finditer(doc))
    return {
        m.group(1).strip(): doc[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(doc)]
        for i, m in enumerate(marks)
    }


def documented_parameters(body: str) -> list[str]:
    """The names on the unindented ``name : type`` (or ``a, b : type``, or bare ``name``) lines of a section."""
    names = []
    for line in body.splitlines():
        if not line.strip() or line[0].isspace():
            continue
        head = line.split(" : ", 1)[0].strip()
        names.extend(part.strip().lstrip("*") for part in head.split(","))
    return names


def test_the_public_api_has_functions_to_check():
    assert len(CHECKED) >= 40, sorted(CHECKED)


def test_every_theory_submodule_is_reached_and_declares_its_api():
    modules = {m.__name__.rsplit(".", 1)[1] for m in theory_modules()}
    assert modules == {
        "assumptions",
        "asymptotics",
        "bounds",
        "claims",
        "cover",
        "derivations",
        "growth",
    }
    for module in theory_modules():
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        assert any(key.startswith(module.__name__ + ".") for key in CHECKED), module.__name__
    theory_keys = [key for key in CHECKED if key.startswith("vanishing_minima.theory.")]
    assert len(theory_keys) >= 30, sorted(theory_keys)


def test_exempt_functions_are_only_in_the_files_being_rewritten():
    names = {key.rsplit(".", 1)[1]: fn for key, fn in FUNCTIONS.items()}
    for name in EXEMPT:
        assert name in names, f"{name} is exempt but not a public function: remove it from EXEMPT"
        package, module = names[name].__module__.rsplit(".", 2)[1:]
        assert module in EXEMPT_MODULES, (
            f"{name} lives in {package}/{module}.py, which is not exempt"
        )


@pytest.mark.parametrize("key", sorted(CHECKED))
def test_parameters_are_all_described(key):
    fn = CHECKED[key]
    doc = inspect.getdoc(fn) or ""
    found = sections(doc)
    expected = list(inspect.signature(fn).parameters)
    if not expected:
        return
    assert "Parameters" in found, f"{key}: no Parameters section"
    documented = documented_parameters(found["Parameters"])
    assert documented == expected, (
        f"{key}: Parameters lists {documented}, the signature has {expected}"
    )


@pytest.mark.parametrize("key", sorted(CHECKED))
def test_returns_is_described(key):
    found = sections(inspect.getdoc(CHECKED[key]) or "")
    assert "Returns" in found or "Yields" in found, f"{key}: no Returns section"
    assert found.get("Returns", found.get("Yields", "")).strip(), f"{key}: empty Returns section"


@pytest.mark.parametrize("key", sorted(CHECKED))
def test_raises_is_described_where_an_error_can_come_out(key):
    fn = CHECKED[key]
    source = inspect.getsource(inspect.unwrap(fn))
    body = source.split('"""', 2)[-1] if source.count('"""') >= 2 else source
    found = sections(inspect.getdoc(fn) or "")
    validated = isinstance(
        getattr(fn, "bound", None), Bound
    )  # a bound: every argument is validated
    if validated or RAISING.search(body):
        assert "Raises" in found, (
            f"{key}: can raise (it validates its input) but has no Raises section"
        )
        assert re.search(r"^(ValueError|TypeError)\b", found["Raises"], re.MULTILINE), (
            f"{key}: Raises names neither ValueError nor TypeError"
        )
