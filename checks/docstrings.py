"""numpydoc / reStructuredText docstrings as Markdown, for the generated reference pages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if (
    TYPE_CHECKING
):  # only for annotations: the runner does not depend on its renderer, nor the reverse
    pass

__all__ = ["docstring_markdown", "inline_markdown"]

# --- docstrings: numpydoc / reStructuredText to Markdown -----------------------------------------------
_ROLE = re.compile(r":(?:py:)?(func|class|mod|data|attr|meth|obj|exc):`~?\.?([^`]+)`")
_SECTIONS = (
    "Parameters",
    "Other Parameters",
    "Returns",
    "Yields",
    "Raises",
    "Warns",
    "Attributes",
    "Examples",
    "Notes",
    "References",
    "See Also",
    "Warnings",
)
_LISTS = {"Parameters", "Other Parameters", "Returns", "Yields", "Raises", "Warns", "Attributes"}


def _role(match: re.Match) -> str:
    kind, target = match.groups()
    if match.group(0).split("`")[1].startswith("~"):
        target = target.rsplit(".", 1)[-1]
    return (
        f"`{target}()`" if kind in {"func", "meth"} and not target.endswith(")") else f"`{target}`"
    )


def inline_markdown(text: str) -> str:
    """Inline reStructuredText to Markdown: math roles to ``$...$``, cross-references and literals to code."""
    text = re.sub(r":math:`([^`]+)`", lambda m: f"${m.group(1).strip()}$", text)
    text = _ROLE.sub(_role, text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _special(line: str) -> bool:
    """A line that starts a ``.. math::`` directive or a doctest run."""
    return line.strip().startswith((".. math::", ">>>"))


def _blocks(lines: list[str]) -> list[str]:
    """Body text: ``.. math::`` directives to ``$$`` blocks, doctest runs to ``pycon`` fences, the rest
    inline-converted a paragraph at a time (a role may run over a line break)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(".. math::"):
            indent = len(line) - len(line.lstrip())
            body = [stripped[len(".. math::") :].strip()]
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i].strip())
                i += 1
            math_text = "\n".join(b for b in body if b)
            out += ["", "$$", math_text, "$$", ""]
            continue
        if stripped.startswith(">>>"):
            fence = []
            while i < len(lines) and lines[i].strip():
                fence.append(lines[i].strip())
                i += 1
            out += ["", "```pycon", *fence, "```", ""]
            continue
        paragraph = [line]
        i += 1
        while i < len(lines) and lines[i].strip() and not _special(lines[i]) and stripped:
            paragraph.append(lines[i])
            i += 1
        out += inline_markdown("\n".join(paragraph)).split("\n")
    return out


def _definition_list(section: str, lines: list[str]) -> list[str]:
    """``name : type`` entries with indented descriptions, as a Markdown list."""
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            items.append((line.strip(), []))
        elif items:
            items[-1][1].append(line.strip())
    out = []
    for head, desc in items:
        name, _, kind = head.partition(" : ")
        if (
            section in {"Returns", "Yields"} and not kind
        ):  # numpydoc: a Returns entry may be just a type
            label = f"*{inline_markdown(name)}*"
        elif section in {"Raises", "Warns"}:
            label = f"`{name}`"
        else:
            names = ", ".join(f"`{n.strip()}`" for n in name.split(","))
            label = f"{names} (*{inline_markdown(kind)}*)" if kind else names
        text = inline_markdown(" ".join(desc))
        out.append(f"- {label}" + (f": {text}" if text else ""))
    return out


def docstring_markdown(doc: str | None, level: int = 4) -> str:
    r"""A numpydoc docstring as GitHub-flavoured Markdown.

    ``:math:`x``` becomes ``$x$``, a ``.. math::`` directive a ``$$`` block, ``:func:``/``:class:``/
    ``:mod:``/``:data:`` references and double-backquoted literals become code, doctest lines a ``pycon``
    fence, and the numpydoc sections headings of ``level``: Parameters, Attributes, Returns and Raises
    as lists (``name`` (*type*): description), the others as text.

    Parameters
    ----------
    doc : str or None
        The docstring, as :func:`inspect.getdoc` returns it (dedented); None gives ``""``.
    level : int
        Heading level of the sections, 1 to 6.

    Returns
    -------
    str
        Markdown ending in one newline (empty for an empty docstring).

    Raises
    ------
    ValueError
        If ``level`` is not in 1..6.

    Examples
    --------
    >>> print(docstring_markdown("Rank of :math:`A\\circ X`.\n\nParameters\n----------\nA : ndarray\n    Pattern."))
    Rank of $A\circ X$.
    <BLANKLINE>
    #### Parameters
    <BLANKLINE>
    - `A` (*ndarray*): Pattern.
    <BLANKLINE>
    """
    if not 1 <= level <= 6:
        raise ValueError(f"level must be in 1..6; got {level}")
    lines = (doc or "").expandtabs().splitlines()
    chunks: list[tuple[str | None, list[str]]] = [(None, [])]
    i = 0
    while i < len(lines):
        title = lines[i].strip()
        underline = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if title in _SECTIONS and underline and set(underline) == {"-"}:
            chunks.append((title, []))
            i += 2
            continue
        chunks[-1][1].append(lines[i])
        i += 1
    out: list[str] = []
    for title, body in chunks:
        if title is not None:
            out += ["", f"{'#' * level} {title}", ""]
            out += _definition_list(title, body) if title in _LISTS else _blocks(body)
        else:
            out += _blocks(body)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return text + "\n" if text else ""
