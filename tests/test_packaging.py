"""The installed distribution: one namespace, a console script, no generic top-level modules."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys


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
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    ci, readme = (root / ".ci" / "run").read_text(), (root / "README.md").read_text()
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
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    # the Dask example needs the [dask] extra and starts a cluster: tests/test_dask.py runs it
    blocks = [b for b in blocks if "from distributed import" not in b]
    assert len(blocks) >= 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md python block {i}", "exec"), {})
