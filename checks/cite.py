"""``vanishing-minima cite``: BibTeX for the paper the toolkit audits and for the toolkit itself.

The paper is Soudry & Hoffer (2017), arXiv:1702.05777 (:data:`PAPER_BIBTEX`); the toolkit's entry
(:func:`toolkit_bibtex`) carries the installed version (:func:`.version.toolkit_version`: the
distribution's metadata, else ``pyproject.toml``).  ``CITATION.cff`` says the same for GitHub and
reference managers; ``tests/test_cite.py`` keeps the two in agreement (title, authors, version, date).

This module imports only the standard library (and :mod:`.version`), so that ``cite`` starts without
NumPy, SciPy or SymPy.  :func:`add_parser` adds the sub-command to the command's parser and
:func:`run` runs it.
"""

from __future__ import annotations

import argparse

from .version import toolkit_version

__all__ = [
    "PAPER_KEY",
    "PAPER_TITLE",
    "PAPER_BIBTEX",
    "TOOLKIT_TITLE",
    "TOOLKIT_AUTHORS",
    "RELEASE_DATE",
    "toolkit_key",
    "toolkit_bibtex",
    "add_parser",
    "run",
]

#: BibTeX key of the paper.
PAPER_KEY = "soudry2017exponentially"
#: The paper's title, as arXiv:1702.05777 gives it.
PAPER_TITLE = "Exponentially vanishing sub-optimal local minima in multilayer neural networks"
#: BibTeX entry of the paper the toolkit audits.
PAPER_BIBTEX = f"""@article{{{PAPER_KEY},
  title         = {{{PAPER_TITLE}}},
  author        = {{Soudry, Daniel and Hoffer, Elad}},
  journal       = {{arXiv preprint arXiv:1702.05777}},
  year          = {{2017}},
  eprint        = {{1702.05777}},
  archivePrefix = {{arXiv}},
  url           = {{https://arxiv.org/abs/1702.05777}}
}}"""
#: The toolkit's title, as ``CITATION.cff`` gives it.
TOOLKIT_TITLE = f"vanishing-minima: a theorem audit of Soudry & Hoffer, '{PAPER_TITLE}'"
#: The toolkit's authors, as ``CITATION.cff`` gives them (one collective name).
TOOLKIT_AUTHORS = "The vanishing-minima contributors"
#: Release date of the version in ``pyproject.toml`` (``CITATION.cff``'s ``date-released``).
RELEASE_DATE = "2026-12-07"

_EXAMPLES = """\
examples:
  vanishing-minima cite                 both entries, the paper's first
  vanishing-minima cite --toolkit       the toolkit's entry only
  vanishing-minima cite --paper >> refs.bib

exit codes: 0 printed; 2 usage error (an unknown flag)"""


def toolkit_key(version: str) -> str:
    """The toolkit entry's BibTeX key for ``version``: ``vanishing_minima_`` and the version, dots and
    other punctuation as underscores (``0.1.0`` -> ``vanishing_minima_0_1_0``)."""
    return "vanishing_minima_" + "".join(ch if ch.isalnum() else "_" for ch in version)


def _bibtex_text(text: str) -> str:
    """Plain text for a BibTeX field: ``&`` escaped, quotes as LaTeX quotes, capitals protected."""
    out = text.replace("&", r"\&")
    out = out.replace(f"'{PAPER_TITLE}'", f"`{PAPER_TITLE}'")
    for word in ("Soudry", "Hoffer", "Exponentially"):
        out = out.replace(word, "{" + word + "}")
    return out.replace("vanishing-minima:", "{vanishing-minima}:", 1)


def toolkit_bibtex(version: str | None = None) -> str:
    """BibTeX ``@software`` entry of the toolkit at ``version``.

    Parameters
    ----------
    version : str or None
        The version to cite; None: :func:`.version.toolkit_version` (the installed one).

    Returns
    -------
    str
        The entry: key :func:`toolkit_key`, title, author (:data:`TOOLKIT_AUTHORS`, braced as one
        name), year and date of :data:`RELEASE_DATE`, version and a note naming the paper.  A version
        that is not known (``"unknown"``) is printed as such; the year is then still the release's.

    Raises
    ------
    ValueError
        If ``version`` is empty or holds a character that would break the entry (braces, comma, quote
        or a line break).

    Examples
    --------
    >>> print(toolkit_bibtex("0.1.0").splitlines()[0])
    @software{vanishing_minima_0_1_0,
    """
    version = toolkit_version() if version is None else version
    if not version or any(ch in version for ch in '{},"\n\r'):
        raise ValueError(f"version must be a non-empty version string; got {version!r}")
    fields = {
        "title": _bibtex_text(TOOLKIT_TITLE),
        "author": "{" + TOOLKIT_AUTHORS + "}",
        "year": RELEASE_DATE[:4],
        "date": RELEASE_DATE,
        "version": version,
        "note": f"Version {version}; audits arXiv:1702.05777",
    }
    width = max(map(len, fields))
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields.items())
    return f"@software{{{toolkit_key(version)},\n{body}\n}}"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``cite`` sub-command to the command's sub-parsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``cite`` parser, with ``--paper`` and ``--toolkit`` (neither: both entries).
    """
    p = subparsers.add_parser(
        "cite",
        help="BibTeX for the paper and for the toolkit (with its version)",
        description="BibTeX entries to cite: the paper the toolkit audits (Soudry & Hoffer 2017,\n"
        "arXiv:1702.05777) and the toolkit itself, at the installed version. CITATION.cff holds\n"
        "the same for GitHub and reference managers.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument("--paper", action="store_true", help="the paper's entry (default: both)")
    p.add_argument("--toolkit", action="store_true", help="the toolkit's entry (default: both)")
    return p


def run(args: argparse.Namespace) -> int:
    """Print the entries ``args`` asks for (``--paper``, ``--toolkit``; neither: both), the paper's first.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the parser of :func:`add_parser`.

    Returns
    -------
    int
        The exit code, 0.
    """
    both = not (args.paper or args.toolkit)
    entries = ([PAPER_BIBTEX] if args.paper or both else []) + (
        [toolkit_bibtex()] if args.toolkit or both else []
    )
    print("\n\n".join(entries))
    return 0
