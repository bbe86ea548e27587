"""The package's import graph: every module imports alone in a fresh interpreter, imports run one way
(no cycle), and no function imports a package module locally to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "theory": "vanishing_minima.theory",
    "numeric": "vanishing_minima.numeric",
    "checks": "vanishing_minima.checks",
}


def _modules() -> dict[str, Path]:
    return {
        f"{pkg}.{p.stem}" if p.stem != "__init__" else pkg: p
        for folder, pkg in PACKAGES.items()
        for p in sorted((ROOT / folder).glob("*.py"))
    }


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """Absolute names of the package modules an ``import from`` statement refers to."""
    if node.level:
        base = (
            module.split(".")[: -node.level]
            if not module.endswith(tuple(PACKAGES.values()))
            else module.split(".")
        )
        if module in PACKAGES.values():  # a package's __init__: level 1 is the package itself
            base = module.split(".")[: len(module.split(".")) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    modules = _modules()
    names = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
    return names or ([target] if target in modules else [])


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


def _import_alone(module: str) -> str:
    """Import ``module`` in this (forked, package-free) process; return "" or the error."""
    import importlib
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            importlib.import_module(module)
        except Exception as exc:  # reported back to the test
            return f"{type(exc).__name__}: {exc}"
    return ""


def test_each_module_imports_alone_in_a_fresh_interpreter():
    """One fresh process per module, forked from a server that preloaded only the third-party libraries
    (NumPy, SciPy, SymPy, mpmath, matplotlib), so no module of the package is loaded before the one tested:
    a module that works only after another was imported fails here."""
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
    with ctx.Pool(2, maxtasksperchild=1) as pool:
        errors = dict(
            zip(sorted(_modules()), pool.map(_import_alone, sorted(_modules()), chunksize=1))
        )
    assert not {m: e for m, e in errors.items() if e}


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
