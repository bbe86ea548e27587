"""Writing reports and pages without losing the previous ones, and checking where they go before any work.

:func:`write_text_atomic` writes to a new temporary file in the target's folder, flushes it to disk and
moves it into place with :func:`os.replace`, which is atomic on POSIX and Windows: a run that fails or
is interrupted while writing leaves the previous file byte for byte (a plain ``open(path, "w")`` truncates
it first, so a full disk used to leave a 1,024-byte JSON and an 8,192-byte ``claims.md``).

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

__all__ = ["write_text_atomic", "check_output_file", "check_output_dir"]


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


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that it is either entirely the new text or still the old file.

    The text goes to a temporary file in the same folder, is flushed and ``fsync``-ed, and replaces
    ``path`` with :func:`os.replace`; an existing file's permission bits are kept.  On any failure (or an
    interrupt) the temporary file is removed and ``path`` is untouched.

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
        If the folder cannot be written, the disk is full, or ``path`` is a directory.
    """
    target = Path(path)
    data = text.encode("utf-8")
    fd, temporary = _temporary(target.parent, target.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        os.replace(temporary, target)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if (
            isinstance(exc, OSError) and exc.errno is not None
        ):  # name the target, not the temporary file
            raise type(exc)(exc.errno, exc.strerror, str(target)) from exc
        raise
    return target


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder``: the only test of writability that binds root and read-only mounts."""
    fd, probe = _temporary(folder, "write-probe")
    os.close(fd)
    os.unlink(probe)


def check_output_file(path: str | os.PathLike) -> Path:
    """Check, before any work, that :func:`write_text_atomic` can write ``path``.

    The folder must exist and be a writable directory; ``path`` must not be a directory and, if it
    exists, must be a regular file (a device such as ``/dev/full`` is refused: replacing it would
    replace the device node).

    Raises
    ------
    OSError
        Naming the path and the reason (``FileNotFoundError``, ``NotADirectoryError``,
        ``IsADirectoryError``, ``PermissionError``, or ``OSError`` for a special file).
    """
    target = Path(path)
    folder = target.parent
    if not folder.exists():
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist", str(target))
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "its folder is not a directory", str(target))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(target))
    if target.exists() and not stat.S_ISREG(os.stat(target).st_mode):
        raise OSError(
            errno.EINVAL, "not a regular file (a device or another special file)", str(target)
        )
    try:
        _probe(folder)
    except OSError as exc:
        raise type(exc)(
            exc.errno, f"its folder cannot be written ({exc.strerror})", str(target)
        ) from None
    return target


def check_output_dir(path: str | os.PathLike, subfolders: tuple[str, ...] = ()) -> Path:
    """Check, before any work, that ``path`` (and each of its ``subfolders``) exists as a writable
    directory or can be created.

    Nothing is created: a missing folder is checked through its nearest existing ancestor, which must be
    a writable directory (a regular file on the way, e.g. ``file.txt/docs``, is refused).

    Raises
    ------
    OSError
        Naming the path and the reason.
    """
    target = Path(path)
    if not str(path):
        raise FileNotFoundError(errno.ENOENT, "empty folder name", str(path))
    for folder in (target, *(target / s for s in subfolders)):
        existing = folder
        while not existing.exists():
            if existing.parent == existing:
                break
            existing = existing.parent
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{existing} is not a directory", str(folder))
        try:
            _probe(existing)
        except OSError as exc:
            raise type(exc)(
                exc.errno, f"{existing} cannot be written ({exc.strerror})", str(folder)
            ) from None
    return target
