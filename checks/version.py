"""The toolkit's version, without importing the numeric stack (``vanishing-minima --version``).

The installed distribution's metadata is the source (:func:`importlib.metadata.version`, the
``version`` of ``pyproject.toml`` at install time); from a source tree that was never installed, the
``version`` line of the ``[project]`` table of the ``pyproject.toml`` beside the package folders.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

__all__ = ["DISTRIBUTION", "toolkit_version"]

#: The distribution's name on the package index and in ``pip``.
DISTRIBUTION = "vanishing-minima"

_PROJECT_VERSION = re.compile(r'^\[project\][^\[]*?^version\s*=\s*"([^"]+)"', re.M | re.S)


def toolkit_version(pyproject: str | Path | None = None) -> str:
    """The toolkit's version: the installed metadata's, else the source tree's ``pyproject.toml``.

    Parameters
    ----------
    pyproject : str or os.PathLike or None
        The ``pyproject.toml`` to read when the distribution is not installed; None: the one beside
        the package folders (``theory/``, ``numeric/``, ``checks/``).

    Returns
    -------
    str
        E.g. ``"0.1.0"``; ``"unknown"`` if the distribution is not installed and no ``pyproject.toml``
        with a ``[project]`` version is found (the command still runs).
    """
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    path = (
        Path(pyproject)
        if pyproject is not None
        else Path(__file__).resolve().parents[1] / "pyproject.toml"
    )
    try:
        found = _PROJECT_VERSION.search(path.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return found.group(1) if found else "unknown"
