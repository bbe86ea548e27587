"""Writing reports and pages without losing the previous ones, and checking where they go before any work.

:func:`write_text_atomic` writes to a new temporary file in the target's folder, flushes it to disk and
moves it into place with :func:`os.replace`, which is atomic on POSIX and Windows: a run that fails or
is interrupted while writing leaves the previous file byte for byte (a plain ``open(path, "w")`` truncates
it first).  :func:`write_files_atomic` does the same for a set of files (the pages of ``docs/``): every
file is written to its temporary first, and only then are they moved into place, so a full disk leaves
every previous file as it was.

Symbolic links are written through: a target that is a link to a regular file (or a link to nothing yet,
in an existing folder) has the file it leads to replaced, in that file's folder, and stays a link.  A
target that is, or leads to, a directory or a special file (a device, pipe or socket, as
``/dev/stdout`` does) is refused, and so is a link loop.

:func:`check_output_file` and :func:`check_output_dir` are run by the command before the audit, so a
path that cannot be written is reported at once, not after minutes of work.  Both raise ``OSError``
(with ``filename`` and ``strerror`` set) naming the path and the reason.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import Iterable, Mapping

__all__ = [
    "write_text_atomic",
    "write_files_atomic",
    "PartialWriteError",
    "check_output_file",
    "check_output_dir",
]

_SPECIAL = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "pipe"),
    (stat.S_ISSOCK, "socket"),
)
_STREAMS = ((1, "standard output"), (2, "standard error"))


class PartialWriteError(OSError):
    """A set of files of which some were replaced and some not (a failure while moving them into place).

    ``filename`` is the file whose move failed; ``replaced`` and ``not_replaced`` list the targets as
    given to :func:`write_files_atomic`, and the message names them all.
    """

    replaced: list[Path]
    not_replaced: list[Path]


def _temporary(folder: Path, name: str) -> tuple[int, Path]:
    """Create a new file beside the target (mode 0o666 less the umask, like ``open``); return (fd, path)."""
    for _ in range(100):
        path = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666
            ), path
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "cannot create a temporary file", str(folder))


def _follow(path: Path) -> os.stat_result | None:
    """``os.stat`` through symbolic links; ``None`` if nothing is there; a link loop named as one."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        reason = "symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror
        raise OSError(exc.errno, reason, str(path)) from None


def _final_target(path: Path) -> Path:
    """The file that writing ``path`` replaces: ``path`` itself or, for a symbolic link, where it leads.

    Refuses (``OSError`` naming ``path``) a link loop, a directory, a special file, and the file that
    this process's standard output or error goes to (replacing it would lose what the command prints).
    """
    st = _follow(path)
    is_link = os.path.islink(path)
    what = "is a symbolic link to" if is_link else "is"
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, f"{what} a directory", str(path))
        for test, kind in _SPECIAL:
            if test(st.st_mode):
                raise OSError(errno.EINVAL, f"{what} a {kind}, not a regular file", str(path))
        for fd, stream in _STREAMS:
            try:
                same = os.path.samestat(st, os.fstat(fd))
            except OSError:
                continue
            if same:
                raise OSError(
                    errno.EINVAL,
                    f"{what} this command's {stream} (replacing it would lose what is printed)",
                    str(path),
                )
    return Path(os.path.realpath(path)) if is_link else path


def _renamed(exc: BaseException, target: Path, note: str = "") -> BaseException:
    """``exc`` naming ``target`` (not a temporary file), with ``note`` after the reason."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return OSError(exc.errno, f"{exc.strerror}{note}", str(target))
    return exc


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def _staged(final: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``final``, flushed to disk with ``final``'s
    permission bits; return its path.  On failure it is removed and the error re-raised."""
    fd, temporary = _temporary(final.parent, final.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(final).st_mode))
        except FileNotFoundError:
            pass
    except BaseException:
        _remove([temporary])
        raise
    return temporary


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that it is either entirely the new text or still the old file.

    The text goes to a temporary file in the same folder, is flushed and ``fsync``-ed, and replaces
    ``path`` with :func:`os.replace`; an existing file's permission bits are kept.  On any failure (or an
    interrupt) the temporary file is removed and ``path`` is untouched.  A symbolic link is written
    through: the file it leads to is replaced (in that file's folder) and the link stays.

    Parameters
    ----------
    path : str or os.PathLike
        The target file; its folder must exist.
    text : str
        The content.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        If the folder cannot be written, the disk is full, or ``path`` is (or is a symbolic link to) a
        directory or a special file, or is a link loop.
    """
    target = Path(path)
    data = text.encode("utf-8")
    final = _final_target(target)
    try:
        temporary = _staged(final, data)
    except BaseException as exc:
        raise _renamed(exc, target) from exc
    try:
        os.replace(temporary, final)
    except BaseException as exc:
        _remove([temporary])
        raise _renamed(exc, target) from exc
    return target


def _finals(targets: list[Path]) -> list[Path]:
    """The file each target replaces (see :func:`_final_target`); two targets may not lead to one file."""
    finals = [_final_target(t) for t in targets]
    seen: dict[str, Path] = {}
    for target, final in zip(targets, finals):
        key = os.path.normcase(os.path.realpath(final))
        if key in seen:
            raise ValueError(f"files: {seen[key]} and {target} are the same file")
        seen[key] = target
    return finals


def _partial(exc: BaseException, targets: list[Path], temporaries: list[Path]) -> BaseException:
    """The error of a move that failed: the targets whose temporary is gone were replaced."""
    moved = [not os.path.lexists(t) for t in temporaries]
    replaced = [t for t, m in zip(targets, moved) if m]
    not_replaced = [t for t, m in zip(targets, moved) if not m]
    listing = (
        f"replaced {len(replaced)} of {len(targets)} files "
        f"({', '.join(map(str, replaced)) or 'none'}); "
        f"not replaced: {', '.join(map(str, not_replaced))}"
    )
    if not (isinstance(exc, OSError) and exc.errno is not None):
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(listing)
        return exc
    failed = not_replaced[0] if not_replaced else targets[-1]
    error = PartialWriteError(exc.errno, f"{exc.strerror}; {listing}", str(failed))
    error.replaced, error.not_replaced = replaced, not_replaced
    return error


def write_files_atomic(files: Mapping[str | os.PathLike, str]) -> list[Path]:
    """Write a set of text files (UTF-8) so that a failure while writing them changes none of them.

    First every file is written to a temporary file in its folder and ``fsync``-ed (with the permission
    bits of the file it replaces); only when all are written are they moved into place with
    :func:`os.replace`, one by one.  A failure (a full disk) or an interrupt while writing the temporary
    files removes them and leaves every target byte for byte as it was; the error says so.  A failure
    while moving them into place (rare: the data are on disk by then) leaves the files already moved
    replaced and the others as they were, and the error lists both.  Symbolic links are written through,
    as by :func:`write_text_atomic`; every target is checked before anything is written.

    Parameters
    ----------
    files : mapping of str or os.PathLike to str
        The content of each file; every folder must exist.

    Returns
    -------
    list of pathlib.Path
        The targets, in the mapping's order.

    Raises
    ------
    PartialWriteError
        If a move into place fails: its ``replaced`` and ``not_replaced`` list the targets.
    OSError
        If a temporary file cannot be written (nothing was replaced), or a target is (or is a symbolic
        link to) a directory or a special file, or is a link loop (nothing was written).
    ValueError
        If two targets are the same file (through symbolic links).
    """
    targets = [Path(p) for p in files]
    finals = _finals(targets)
    temporaries: list[Path] = []
    for target, final, text in zip(targets, finals, files.values()):
        try:
            temporaries.append(_staged(final, text.encode("utf-8")))
        except BaseException as exc:
            _remove(temporaries)
            raise _renamed(
                exc, target, f"; nothing was replaced (none of the {len(targets)} files)"
            )
    try:
        for temporary, final in zip(temporaries, finals):
            os.replace(temporary, final)
    except BaseException as exc:
        error = _partial(exc, targets, temporaries)
        _remove(temporaries)
        raise error from exc
    return targets


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder``: the only test of writability that binds root and read-only mounts."""
    fd, probe = _temporary(folder, "write-probe")
    os.close(fd)
    os.unlink(probe)


def check_output_file(path: str | os.PathLike) -> Path:
    """Check, before any work, that :func:`write_text_atomic` can write ``path``.

    The folder must exist and be a writable directory; ``path`` must not be a directory and, if it
    exists, must be a regular file (a device such as ``/dev/full`` is refused: replacing it would
    replace the device node).  A symbolic link is checked where it leads (the folder of its target must
    exist and be writable); a link to a directory or a special file (``/dev/stdout``) and a link loop are
    refused.

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        Naming the path and the reason (``FileNotFoundError``, ``NotADirectoryError``,
        ``IsADirectoryError``, ``PermissionError``, or ``OSError`` for a special file or a link loop).
    """
    target = Path(path)
    final = _final_target(target)
    via = f" (it is a symbolic link to {final})" if final is not target else ""
    folder = final.parent
    st = _follow(folder)
    if st is None:
        raise FileNotFoundError(errno.ENOENT, f"its folder does not exist{via}", str(target))
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, f"its folder is not a directory{via}", str(target))
    try:
        _probe(folder)
    except OSError as exc:
        raise OSError(
            exc.errno, f"its folder cannot be written ({exc.strerror}){via}", str(target)
        ) from None
    return target


def _nearest_existing(folder: Path) -> tuple[Path, os.stat_result]:
    """The nearest existing ancestor of ``folder`` (or itself) through links; a dangling link is refused
    (a folder cannot be created through it)."""
    existing = folder
    while (st := _follow(existing)) is None:
        if os.path.islink(existing):
            raise FileNotFoundError(
                errno.ENOENT,
                f"{existing} is a symbolic link to {os.path.realpath(existing)}, which does not exist",
                str(folder),
            )
        if existing.parent == existing:
            raise FileNotFoundError(errno.ENOENT, "no existing folder on the way", str(folder))
        existing = existing.parent
    return existing, st


def check_output_dir(
    path: str | os.PathLike, subfolders: tuple[str, ...] = (), files: Iterable[str] = ()
) -> Path:
    """Check, before any work, that ``path`` (and each of its ``subfolders``) exists as a writable
    directory or can be created, and that the ``files`` already there can be replaced.

    Nothing is created: a missing folder is checked through its nearest existing ancestor, which must be
    a writable directory (a regular file on the way, e.g. ``file.txt/docs``, is refused).  Symbolic
    links to directories are followed; a dangling link or a link loop on the way is refused.  Each of
    ``files`` (relative to ``path``) that exists is checked as by :func:`check_output_file`.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.
    subfolders : tuple of str
        Folders under ``path`` that will be created or written.
    files : iterable of str
        Files under ``path`` that will be replaced.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        Naming the path and the reason (for one of ``files``, the reason names the file).
    """
    target = Path(path)
    if not str(path):
        raise FileNotFoundError(errno.ENOENT, "empty folder name", str(path))
    for folder in (target, *(target / s for s in subfolders)):
        existing, st = _nearest_existing(folder)
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, f"{existing} is not a directory", str(folder))
        try:
            _probe(existing)
        except OSError as exc:
            raise OSError(
                exc.errno, f"{existing} cannot be written ({exc.strerror})", str(folder)
            ) from None
    for name in files:
        if os.path.lexists(target / name):
            try:
                check_output_file(target / name)
            except OSError as exc:
                raise OSError(exc.errno, f"{name}: {exc.strerror}", str(target)) from None
    return target
