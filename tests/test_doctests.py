"""The examples in the docstrings run: every module of the installed package (subpackages included)
through ``doctest``.

Equivalent to ``pytest --doctest-modules`` on the package, but on the installed ``vanishing_minima``
modules (the top-level folders are not importable under their own names), one test per module.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("vanishing_minima.theory", "vanishing_minima.numeric", "vanishing_minima.checks")
MODULES = sorted(
    info.name
    for package in PACKAGES
    for info in pkgutil.walk_packages(
        importlib.import_module(package).__path__, prefix=f"{package}."
    )
) + list(PACKAGES)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(
        importlib.import_module(name), optionflags=FLAGS, verbose=False, report=False
    )
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} doctest examples failed in {name}"
    )


def test_there_are_examples():
    attempted = sum(
        doctest.testmod(importlib.import_module(m), optionflags=FLAGS, report=False).attempted
        for m in MODULES
    )
    assert attempted >= 20, attempted
