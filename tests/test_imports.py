"""The package's import graph: every module imports alone in a fresh interpreter, imports run one way
(no cycle), and no function imports a package module locally to dodge a cycle."""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "theory": "vanishing_minima.theory",
    "numeric": "vanishing_minima.numeric",
    "checks": "vanishing_minima.checks",
}


@functools.cache
def _modules() -> dict[str, Path]:
    """Every module of the three packages in the source tree, subpackages included, by import name."""
    modules = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            modules[".".join((package, *parts[: -1 if parts[-1] == "__init__" else None]))] = path
    assert modules, f"no module found in {', '.join(PACKAGES)} under {ROOT}"
    return modules


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """Absolute names of the package modules an ``import from`` statement in ``module`` refers to."""
    modules = _modules()
    if node.level:
        package = module if modules[module].name == "__init__.py" else module.rpartition(".")[0]
        target = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
    else:
        target = node.module or ""
    names = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
    return names or ([target] if target in modules else [])


def test_the_module_list_is_every_module_python_finds_in_the_packages():
    """The tests below run over _modules(): it must hold every module that the import system finds in
    the installed packages (a new module or subpackage is covered without editing this file), and
    nothing else; an empty list would let every test below pass."""
    found = set(PACKAGES.values())
    for package in PACKAGES.values():
        path = importlib.import_module(package).__path__
        found |= {m.name for m in pkgutil.walk_packages(path, prefix=f"{package}.")}
    assert {"vanishing_minima.checks.audit", "vanishing_minima.theory.bounds"} <= found
    assert sorted(_modules()) == sorted(found)


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    graph, local = {}, []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text())
        deps = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                deps.update(_resolve(name, node))
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in _modules())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and _resolve(name, inner):
                        local.append(f"{name}.{node.name} imports {_resolve(name, inner)}")
        graph[name] = deps - {name}
    return graph, local


def _import_alone(module: str) -> tuple[str, list[str]]:
    """Import ``module`` in this (forked, package-free) process; return "" or the error, and the
    package's modules loaded then."""
    import importlib
    import sys
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            importlib.import_module(module)
        except Exception as exc:  # reported back to the test
            return f"{type(exc).__name__}: {exc}", []
    return "", sorted(m for m in sys.modules if m.startswith("vanishing_minima."))


@pytest.mark.audit  # long: 35 fresh processes (about 6 s)
def test_each_module_imports_alone_in_a_fresh_interpreter():
    """One fresh process per module, forked from a server that preloaded only the third-party libraries
    (NumPy, SciPy, SymPy, mpmath, matplotlib), so no module of the package is loaded before the one tested:
    a module that works only after another was imported fails here.

    Importing a module imports its package first, so a module that its package's ``__init__`` loads
    is imported alone exactly when the package is: the packages run first, then the modules that
    their package did not load (a third of the processes, the same imports)."""
    import multiprocessing as mp

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "numpy",
            "scipy.optimize",
            "scipy.special",
            "scipy.stats",
            "scipy.linalg",
            "sympy",
            "mpmath",
            "matplotlib.pyplot",
        ]
    )
    packages = sorted(m for m, path in _modules().items() if path.name == "__init__.py")
    assert set(PACKAGES.values()) <= set(packages)
    with ctx.Pool(2, maxtasksperchild=1) as pool:
        first = dict(zip(packages, pool.map(_import_alone, packages, chunksize=1)))
        rest = [
            m
            for m in sorted(_modules())
            if m not in first and m not in first[m.rpartition(".")[0]][1]
        ]
        second = dict(zip(rest, pool.map(_import_alone, rest, chunksize=1)))
    errors = {m: error for m, (error, _) in {**first, **second}.items() if error}
    assert not errors, errors


def test_imports_run_one_way_without_cycles():
    graph, _ = _graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                raise AssertionError(f"import cycle: {' -> '.join(path + [dep])}")
            if dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # the layers: theory imports neither numeric nor checks; numeric does not import checks
    for name, deps in graph.items():
        if name.startswith(PACKAGES["theory"]):
            assert not any(d.startswith((PACKAGES["numeric"], PACKAGES["checks"])) for d in deps), (
                name,
                deps,
            )
        if name.startswith(PACKAGES["numeric"]):
            assert not any(d.startswith(PACKAGES["checks"]) for d in deps), (name, deps)


def test_no_function_imports_a_package_module_locally():
    _, local = _graph()
    assert not local, local
