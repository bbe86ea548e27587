"""The installed distribution (one namespace, a console script, no generic top-level modules) and the
commands that CI runs: the README's, then the tests marked audit."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_console_script_is_declared():
    eps = importlib.metadata.entry_points(group="console_scripts")
    assert any(
        e.name == "vanishing-minima" and e.value == "vanishing_minima.checks.cli:main" for e in eps
    )


def test_no_generic_top_level_module_is_installed(tmp_path):
    code = (
        "import importlib.util as u\n"
        "print([m for m in ('theory', 'numeric', 'checks') if u.find_spec(m) is not None])\n"
        "import vanishing_minima.theory, vanishing_minima.numeric, vanishing_minima.checks\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_ci_runs_the_readme_commands_verbatim():
    ci, readme = (ROOT / ".ci" / "run").read_text(), (ROOT / "README.md").read_text()
    assert "```bash\npip install . && vanishing-minima audit\n```" in readme
    assert (
        "\npip install .\n" in ci and "\nvanishing-minima audit || status=$?\n" in ci
    )  # exit 1 = a finding
    assert (
        '```bash\npip install ".[test]" && pytest\n```' in readme
        and '\npip install ".[test]" && pytest\n' in ci
    )


def test_readme_python_examples_run():
    import re

    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    # the Dask example needs the [dask] extra and starts a cluster: tests/test_dask.py runs it
    blocks = [b for b in blocks if "from distributed import" not in b]
    assert len(blocks) >= 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md python block {i}", "exec"), {})


def test_every_package_folder_is_installed():
    """A subpackage missing from pyproject.toml's explicit list would work in the editable install and
    be left out of a wheel: every source folder with an __init__.py is listed, mapped to itself."""
    tomllib = pytest.importorskip("tomllib")
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        p.parent.relative_to(ROOT).as_posix()
        for top in ("theory", "numeric", "checks")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert {"theory", "numeric", "checks", "checks/claim_checks"} <= folders
    assert sorted(setup["package-dir"].values()) == sorted(folders)
    assert sorted(setup["packages"]) == sorted(setup["package-dir"])
    for name, folder in setup["package-dir"].items():
        assert name == "vanishing_minima." + folder.replace("/", "."), (name, folder)


def test_ci_runs_the_tests_marked_audit_after_the_default_suite():
    ci = (ROOT / ".ci" / "run").read_text()
    default = ci.index('\npip install ".[test]" && pytest\n')
    assert ci.index("\npytest --run-audit -m audit\n") > default


def test_opt_in_markers_are_registered_and_documented():
    """Each marker that conftest.py skips by default is registered (--strict-markers) and its option is
    documented in README.md and docs/command.md's test options."""
    import conftest

    tomllib = pytest.importorskip("tomllib")
    pytest_ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    registered = {m.split(":")[0] for m in pytest_ini["ini_options"]["markers"]}
    assert set(conftest.OPT_IN) == {"slow", "audit"} and set(conftest.OPT_IN) <= registered
    readme, command = (ROOT / "README.md").read_text(), (ROOT / "docs" / "command.md").read_text()
    tests_section = command[command.index("# Test options") :]
    for option in conftest.OPT_IN.values():
        assert f"pytest {option}" in readme and f"pytest {option}" in tests_section, option


CONFTEST_CASES = """
import pytest

@pytest.fixture(scope="session")
def quick_audit():
    return []

@pytest.mark.audit
def test_marked():
    pass

@pytest.mark.slow
def test_long():
    pass

def test_plain():
    pass
"""


def _suite(pytester: pytest.Pytester, cases: str) -> None:
    """A suite of ``cases`` under this repository's conftest.py and markers."""
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makeini("[pytest]\naddopts = --strict-markers\nmarkers =\n    audit\n    slow\n")
    pytester.makepyfile(test_cases=cases)


def test_opt_in_markers_are_skipped_unless_their_option_is_given(pytester):
    _suite(pytester, CONFTEST_CASES)
    default = pytester.runpytest("-rs")
    default.assert_outcomes(passed=1, skipped=2)
    default.stdout.fnmatch_lines(["*audit: run with --run-audit*", "*slow: run with --run-slow*"])
    pytester.runpytest("--run-audit", "-m", "audit").assert_outcomes(passed=1, deselected=2)
    pytester.runpytest("--run-audit", "--run-slow").assert_outcomes(passed=3)


def test_the_whole_audit_fixture_needs_the_audit_marker(pytester):
    """A test that asks for quick_audit without @pytest.mark.audit would make the default run wait for
    the whole audit before its first result: refused at collection, naming the test."""
    _suite(pytester, CONFTEST_CASES + "\n\ndef test_unmarked(quick_audit):\n    pass\n")
    run = pytester.runpytest()
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert "test_cases.py::test_unmarked" in str(run.stderr) and "test_marked" not in str(
        run.stderr
    )
