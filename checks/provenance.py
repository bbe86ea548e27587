"""Where a report's numbers come from: the toolkit, the code's commit, the libraries, the machine.

:func:`collect` gathers a :class:`Provenance` when an audit starts; the JSON report stores it under
``"provenance"`` (:meth:`Provenance.to_json`, with the wall time of the run added at the end), and every
page the audit writes ends with :meth:`Provenance.line`.  The static pages, which hold no measurement,
end with :func:`static_line` (the toolkit's version only, so that they stay byte-identical between
runs and the tests can compare them with the committed ones).

The git commit is the one of the toolkit's own source folder when it is a git checkout (an editable
install, ``pip install -e .``); after ``pip install .`` the installed copy has no git metadata, so the
commit of the working directory is recorded instead when it is a checkout of this project, labelled as
such (the installed copy may differ from it).  Nothing here runs code from input: git is called with a
fixed argument list and a timeout, and any failure leaves the field ``None``.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .version import toolkit_version

__all__ = ["Provenance", "collect", "static_line", "LIBRARIES"]

#: The distributions whose versions a report records (the toolkit's dependencies that compute numbers).
LIBRARIES = ("numpy", "scipy", "sympy", "mpmath", "scikit-learn", "threadpoolctl")
_SOURCE = Path(__file__).resolve().parent.parent  # the folder that holds theory/, numeric/, checks/


def _library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _is_this_project(folder: Path) -> bool:
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return 'name = "vanishing-minima"' in text


def _git_state() -> dict[str, Any]:
    """The commit, whether tracked files are modified, and which folder it describes."""
    candidates = [(_SOURCE, "the toolkit's source folder")]
    cwd = Path.cwd()
    if cwd.resolve() != _SOURCE:
        candidates.append((cwd, "the working directory (the installed copy may differ from it)"))
    for folder, where in candidates:
        top = _git(folder, "rev-parse", "--show-toplevel")
        if top is None or not _is_this_project(Path(top.strip())):
            continue
        commit = _git(folder, "rev-parse", "HEAD")
        status = _git(folder, "status", "--porcelain", "--untracked-files=no")
        if commit is None:
            continue
        return {
            "commit": commit.strip(),
            "modified": None if status is None else bool(status.strip()),
            "where": where,
        }
    return {"commit": None, "modified": None, "where": "not a git checkout"}


def _blas() -> list[dict[str, Any]]:
    """The BLAS/LAPACK/OpenMP libraries NumPy and SciPy loaded (threadpoolctl), with their threads."""
    import numpy  # noqa: F401  (threadpoolctl lists only the libraries already loaded)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "version", "num_threads", "architecture")
    out = []
    for lib in threadpool_info():
        entry = {k: lib.get(k) for k in keep if k in lib}
        entry["library"] = Path(str(lib.get("filepath", ""))).name
        out.append(entry)
    return out


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What produced a report: toolkit and commit, libraries, BLAS, machine, run settings, start time.

    Attributes
    ----------
    toolkit : str
        The toolkit's version.
    git : dict
        ``commit`` (or ``None``), ``modified`` (tracked files changed; ``None`` if unknown), ``where``.
    python : str
        Python's version and implementation.
    libraries : dict
        Version of each of :data:`LIBRARIES` (``None`` if not installed).
    blas : list of dict
        The loaded BLAS/OpenMP libraries (threadpoolctl): API, implementation, version, threads.
        The checks themselves run with one BLAS thread (the audit limits it).
    platform : str
        Operating system and machine.
    cpus : int
        CPUs the operating system reports.
    started : str
        Start time, UTC, ISO 8601 to the second.
    load : list of float or None
        The system's load averages over 1, 5 and 15 minutes at the start (``os.getloadavg``; None where
        the platform has none): timings are read against it.
    settings : dict
        The run's budget, seed and anything else that selects the numbers (e.g. the claims run).
    """

    toolkit: str
    git: dict[str, Any]
    python: str
    libraries: dict[str, str | None]
    blas: list[dict[str, Any]]
    platform: str
    cpus: int
    started: str
    load: list[float] | None
    settings: dict[str, Any]

    def to_json(self, wall_seconds: float | None = None) -> dict[str, Any]:
        """The JSON report's ``"provenance"`` object (``wall_seconds``: the run's wall time, if known)."""
        out = dataclasses.asdict(self)
        out["blas_threads_in_checks"] = 1
        if wall_seconds is not None:
            out["wall_seconds"] = round(float(wall_seconds), 3)
        return out

    def line(self) -> str:
        """One line for the foot of a page: toolkit, commit, libraries, BLAS, machine, settings, date."""
        commit = self.git.get("commit")
        if commit is None:
            code = "no git checkout"
        else:
            code = f"commit {commit[:10]}" + (" (modified)" if self.git.get("modified") else "")
        libs = ", ".join(
            f"{_DISPLAY.get(k, k)} {v}" for k, v in self.libraries.items() if v and k in _SHOWN
        )
        blas = ", ".join(
            f"{b.get('internal_api', '?')} {b.get('version') or ''}".strip()
            for b in self.blas
            if b.get("user_api") == "blas"
        )
        settings = ", ".join(f"{k} {v}" for k, v in self.settings.items())
        return (
            f"Generated by vanishing-minima {self.toolkit} ({code}); Python {self.python}; {libs}"
            + (f"; BLAS {blas}" if blas else "")
            + f"; {self.platform}, {self.cpus} CPUs"
            + (f" at load {self.load[0]:.1f}" if self.load else "")
            + f"; {settings}; started {self.started}."
        )


_DISPLAY = {"numpy": "NumPy", "scipy": "SciPy", "sympy": "SymPy", "scikit-learn": "scikit-learn"}
_SHOWN = ("numpy", "scipy", "sympy", "mpmath", "scikit-learn")


def collect(**settings: Any) -> Provenance:
    """The provenance of a run starting now; ``settings`` (budget, seed, ...) are recorded as given.

    Examples
    --------
    >>> p = collect(budget="quick", seed=0)
    >>> sorted(p.to_json())[:4]
    ['blas', 'blas_threads_in_checks', 'cpus', 'git']
    >>> p.line().startswith("Generated by vanishing-minima")
    True
    """
    return Provenance(
        toolkit=toolkit_version(),
        git=_git_state(),
        python=f"{platform.python_version()} ({sys.implementation.name})",
        libraries=_library_versions(),
        blas=_blas(),
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        cpus=os.cpu_count() or 1,
        started=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        load=_load(),
        settings=dict(settings),
    )


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def static_line() -> str:
    """The foot of a static page (no measurement on it, so only the toolkit's version)."""
    return (
        f"Generated by `vanishing-minima docs` from the code of vanishing-minima {toolkit_version()}; "
        "no measurement on this page."
    )
