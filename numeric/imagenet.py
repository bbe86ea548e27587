r"""Downsampled ImageNet (Chrabaszcz, Loshchilov & Hutter 2017) in its distributed form: npz batches read
without pickle, every rule checked, and streamed in row chunks of bounded size (Table 1's ImageNet row).

The 64x64 version is ``train_data_batch_1.npz`` ... ``train_data_batch_10.npz`` (N = 1,281,167 images in
all) and ``val_data.npz`` (50,000).  Each file is a zip of NumPy ``.npy`` members: ``data`` (uint8,
shape (n, 12288): one image per row, channel-major, the 4,096 red values, then green, then blue),
``labels`` (n integers in 1..1000) and, in the training batches, ``mean`` (the pixels' mean; checked, not
used).  The 8x8, 16x16 and 32x32 versions have the same layout with :math:`d_0 = 3\,\mathrm{side}^2`.

The files are untrusted input, read with no pickle: each member's ``.npy`` header is parsed by NumPy's
header reader (a literal, never code), an object or structured dtype is refused before any data are
read, and the size the zip's directory declares for a member is checked against a cap
(:data:`MAX_NPZ_MEMBER_BYTES`) and against the header's shape before a byte of its data is read; the
decompressor never yields more than that declared size.  A malformed file raises ``ValueError`` naming
the file, the member and the rule; a missing one ``FileNotFoundError`` naming the files expected.

Nothing is loaded whole: :meth:`ImageNetFiles.rows` yields the images in chunks of at most
``chunk_rows`` rows (``chunk_rows * d0`` bytes), so a pass over the 15.7 GB of the 64x64 training set needs
memory for one chunk; only the labels (8 bytes per image) are kept.
"""

from __future__ import annotations

import hashlib
import reprlib
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._checks import positive_int

__all__ = [
    "IMAGENET_FILES",
    "IMAGENET_SIDES",
    "IMAGENET_CLASSES",
    "IMAGENET_SPLIT_AT",
    "MAX_NPZ_MEMBER_BYTES",
    "ImageNetFiles",
    "open_imagenet",
    "imagenet_binary_labels",
]

#: The files of each split, as distributed (the same names at every resolution).
IMAGENET_FILES = {
    "train": tuple(f"train_data_batch_{i}.npz" for i in range(1, 11)),
    "val": ("val_data.npz",),
}
#: The resolutions distributed: images are side x side x 3, d0 = 3 side^2 (12,288 at 64).
IMAGENET_SIDES = (8, 16, 32, 64)
#: Labels run over 1..IMAGENET_CLASSES.
IMAGENET_CLASSES = 1000
#: Table 1's binary task: label 1 for the classes above this (501-1000), 0 for 1-500; the paper does not
#: say how it split ImageNet's classes, and this is the analogue of MNIST's and CIFAR-10's 0-4 against 5-9.
IMAGENET_SPLIT_AT = 500
#: Default cap on the size a member's directory entry may declare (4 GiB; one 64x64 training batch's
#: ``data`` are about 1.57 GB): a larger declaration is refused before reading.
MAX_NPZ_MEMBER_BYTES = 2**32

#: Bytes per read from a member: a read's transient copies stay this small whatever the chunk.
READ_PIECE = 2**20
_MEMBERS = ("data.npy", "labels.npy", "mean.npy")  # data and labels required
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    TypeError,
    SyntaxError,
)
_VERIFIED: set[tuple] = set()  # files whose every member was read to its end and its CRC checked


@dataclass(frozen=True)
class _Batch:
    """One checked npz file: its path, its row count and its labels."""

    path: Path
    rows: int
    labels: np.ndarray


def _member(
    zf: zipfile.ZipFile, path: Path, name: str, cap: int, *, limit: str | None = None
) -> zipfile.ZipInfo:
    """The directory entry of ``name``, checked: plain or deflated, not encrypted, declared size <= ``cap``
    (``limit`` says what the cap is, in the refusal; by default ``max_member_bytes``)."""
    info = zf.getinfo(name)
    if info.flag_bits & 0x1:
        raise ValueError(f"{path}: member {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(
            f"{path}: member {name} uses zip compression method {info.compress_type}; an npz is stored "
            "(0) or deflated (8)"
        )
    if info.file_size > cap:
        raise ValueError(
            f"{path}: member {name} declares {info.file_size} bytes, more than "
            + (limit or f"max_member_bytes = {cap}; pass a larger max_member_bytes to read it")
        )
    return info


def _header(fh, path: Path, name: str, info: zipfile.ZipInfo):
    """The shape and dtype of a ``.npy`` member, checked: a C-order array of a plain (not object or
    structured) dtype whose data fill the member's declared size exactly."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f"{path}: member {name}: unsupported .npy version {version}")
    if not all(type(k) is int and k >= 0 for k in shape):
        raise ValueError(
            f"{path}: member {name}: the header's shape {shape} is not a tuple of sizes"
        )
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(
            f"{path}: member {name} holds a {dtype} array; an object or structured "
            "array is refused (it would need pickle)"
        )
    if fortran:
        raise ValueError(f"{path}: member {name} is in Fortran order; the rows must be C-ordered")
    declared = fh.tell() + int(np.prod(shape, dtype=object)) * dtype.itemsize
    if declared != info.file_size:
        raise ValueError(
            f"{path}: member {name}: its header says {shape} of {dtype} ({declared} bytes with the "
            f"header) but the zip declares {info.file_size} bytes (truncated or trailing data)"
        )
    return shape, dtype


def _read_exact(fh, nbytes: int, path: Path, name: str, out: np.ndarray | None = None):
    """``nbytes`` bytes of ``fh`` in pieces of at most :data:`READ_PIECE`, into ``out`` (a uint8 array of
    that many bytes, returned) or discarded (None returned); ValueError if the member ends first."""
    view = None if out is None else memoryview(out).cast("B")
    done = 0
    while done < nbytes:
        piece = fh.read(min(READ_PIECE, nbytes - done))
        if not piece:
            raise ValueError(
                f"{path}: member {name} ends after {done} of {nbytes} bytes (truncated)"
            )
        if view is not None:
            view[done : done + len(piece)] = piece
        done += len(piece)
    return out


def _end(fh, path: Path, name: str) -> None:
    """Read to the member's end: the zip's CRC is checked there, and nothing may follow the data."""
    if fh.read(1):
        raise ValueError(f"{path}: member {name}: data follow the array (trailing data)")


def _labels(zf: zipfile.ZipFile, path: Path, rows: int, cap: int) -> np.ndarray:
    """The labels member: its header must say ``rows`` integers (so at most 8 bytes per image are
    allocated), each in 1..1000."""
    info = _member(zf, path, "labels.npy", cap)
    with zf.open(info) as fh:
        shape, dtype = _header(fh, path, "labels.npy", info)
        if dtype.kind not in "iu":
            raise ValueError(f"{path}: labels.npy holds {dtype}; labels must be integers")
        if shape != (rows,):
            raise ValueError(
                f"{path}: labels.npy has shape {shape}; must be one label per image ({rows},)"
            )
        labels = _read_exact(fh, rows * dtype.itemsize, path, "labels.npy", np.empty(rows, dtype))
        _end(fh, path, "labels.npy")
    bad = (labels < 1) | (labels > IMAGENET_CLASSES)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{path}: labels must be classes 1-{IMAGENET_CLASSES}; got {labels[i]} at index {i}"
        )
    return labels.astype(np.int64)


#: The most bytes a batch's zip central directory may declare: three members need about 200; the cap
#: is checked from the end-of-directory record before ``zipfile`` parses (and allocates for) every entry.
MAX_ZIP_DIRECTORY_BYTES = 2**16


def _directory_size(path: Path) -> int | None:
    """The central directory's size in bytes as ``path``'s end records declare it, found exactly as
    ``zipfile`` finds them (its ``_EndRecData``: the end record, then a Zip64 record before its
    locator), so the check and the reader cannot disagree; None when ``zipfile`` finds no record (it
    then refuses the file itself)."""
    with open(path, "rb") as fh:
        try:
            record = zipfile._EndRecData(fh)  # private, stable since Python 3.2; tested
        except (OSError, struct.error, zipfile.BadZipFile):
            return None
    return None if record is None else int(record[zipfile._ECD_SIZE])


def _inspect(path: Path, d0: int, cap: int, verify: bool) -> _Batch:
    """Check one file's members and read its labels; with ``verify`` also read its data to the end."""
    directory = _directory_size(path)
    if directory is None:  # zipfile would find no end record either
        raise ValueError(
            f"{path}: not a valid npz batch (no zip end-of-central-directory record: not a zip, or "
            "truncated)"
        )
    if directory > MAX_ZIP_DIRECTORY_BYTES:
        raise ValueError(
            f"{path}: the zip's central directory declares {directory} bytes, more than "
            f"{MAX_ZIP_DIRECTORY_BYTES} (an ImageNet batch has two or three members)"
        )
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        unknown = sorted(set(names) - set(_MEMBERS))
        if unknown or len(set(names)) != len(names) or not {"data.npy", "labels.npy"} <= set(names):
            raise ValueError(
                f"{path}: an ImageNet batch holds the members data, labels and optionally mean, each "
                f"once; got {len(names)} members: {reprlib.repr(names)}"
            )
        info = _member(zf, path, "data.npy", cap)
        with zf.open(info) as fh:
            shape, dtype = _header(fh, path, "data.npy", info)
            if dtype != np.uint8:
                raise ValueError(
                    f"{path}: data.npy holds {dtype}; the pixels must be uint8 (0-255)"
                )
            if len(shape) != 2 or shape[1] != d0 or shape[0] < 1:
                raise ValueError(
                    f"{path}: data.npy has shape {shape}; must be (n >= 1, {d0}), one image of "
                    f"{d0} = 3 x {int(np.sqrt(d0 // 3))}^2 values per row"
                )
            rows = shape[0]
            labels = _labels(zf, path, rows, cap)
            if verify:
                _read_exact(fh, rows * d0, path, "data.npy")
                _end(fh, path, "data.npy")
        if "mean.npy" in names:
            info = _member(zf, path, "mean.npy", cap)
            with zf.open(info) as fh:
                shape, dtype = _header(fh, path, "mean.npy", info)
                if dtype.kind not in "fiu" or int(np.prod(shape, dtype=object)) != d0:
                    raise ValueError(
                        f"{path}: mean.npy holds {shape} of {dtype}; must be {d0} real numbers"
                    )
                if verify:
                    _read_exact(fh, d0 * dtype.itemsize, path, "mean.npy")
                    _end(fh, path, "mean.npy")
    return _Batch(path=path, rows=rows, labels=labels)


def _file_key(path: Path, d0: int, cap: int) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino, d0, cap)


class ImageNetFiles:
    """A checked split of Downsampled ImageNet on disk (made by :func:`open_imagenet`): the labels in
    memory, the images read on demand in chunks.

    Attributes
    ----------
    directory : Path
    split : str
    side, d0 : int
        Image side and input dimension :math:`3\\,\\mathrm{side}^2`.
    n : int
        Images in the split.
    files : tuple of Path
        The npz files, in order.
    labels : ndarray of int64, shape (n,)
        The class labels, each in 1..1000.
    shape : tuple (d0, n)
        The shape of the data in the paper's orientation (columns are samples).
    """

    def __init__(self, directory: Path, split: str, side: int, batches, cap: int, chunk_rows: int):
        self.directory, self.split, self.side = directory, split, side
        self.d0 = 3 * side * side
        self._batches = tuple(batches)
        self._cap, self._chunk_rows = cap, chunk_rows
        self.files = tuple(b.path for b in self._batches)
        self.labels = np.concatenate([b.labels for b in self._batches])
        self.n = int(self.labels.shape[0])
        self.shape = (self.d0, self.n)

    def rows(self, chunk_rows: int | None = None) -> Iterator[np.ndarray]:
        """The images in order, as uint8 arrays of shape (k, d0) with 1 <= k <= ``chunk_rows``.

        A chunk never spans two files.  Each file's ``data`` header is checked again (shape and dtype
        as when opened), and each member is read to its end, so the zip's CRC is checked.

        Parameters
        ----------
        chunk_rows : int, optional
            The most rows per chunk (default: the ``chunk_rows`` given to :func:`open_imagenet`).

        Yields
        ------
        ndarray of uint8, shape (k, d0)
            A new array per chunk (the reading's own transient memory is :data:`READ_PIECE` bytes).

        Raises
        ------
        ValueError
            If ``chunk_rows`` is not an integer >= 1, or a file changed or is corrupt (the message names
            it): another shape, a truncated member or a CRC mismatch.
        """
        k = self._chunk_rows if chunk_rows is None else positive_int("chunk_rows", chunk_rows)
        for batch in self._batches:
            try:
                with zipfile.ZipFile(batch.path) as zf:
                    info = _member(zf, batch.path, "data.npy", self._cap)
                    with zf.open(info) as fh:
                        shape, dtype = _header(fh, batch.path, "data.npy", info)
                        if dtype != np.uint8 or shape != (batch.rows, self.d0):
                            raise ValueError(
                                f"{batch.path}: data.npy now holds {shape} of {dtype}; it held "
                                f"({batch.rows}, {self.d0}) of uint8 when opened"
                            )
                        for a in range(0, batch.rows, k):
                            m = min(k, batch.rows - a)
                            chunk = np.empty((m, self.d0), dtype=np.uint8)
                            _read_exact(fh, chunk.size, batch.path, "data.npy", chunk)
                            if a + m == batch.rows:
                                _end(fh, batch.path, "data.npy")
                            yield chunk
                            del chunk  # the caller's reference only, while the next is read
            except _READ_ERRORS as exc:
                raise _file_error(batch.path, exc) from None

    def parts(self) -> list[ImageNetFiles]:
        """One split per npz file, in order: the parts of
        :func:`~vanishing_minima.numeric.training.streaming.streamed_whitening` on an executor.

        Each part holds its file's path and labels (8 bytes per image), pickles small, and reads and
        checks its file as :meth:`rows` does (a worker needs the file at the same path).

        Returns
        -------
        list of ImageNetFiles
            Whose rows, in order, are these rows.
        """
        return [
            ImageNetFiles(self.directory, self.split, self.side, [b], self._cap, self._chunk_rows)
            for b in self._batches
        ]

    def take(self, indices, chunk_rows: int | None = None) -> np.ndarray:
        """The images at ``indices`` (in that order), read in one pass over the files.

        Parameters
        ----------
        indices : array_like of int, shape (m,)
            Row numbers in [0, n); repeats allowed.
        chunk_rows : int, optional
            As in :meth:`rows`.

        Returns
        -------
        ndarray of uint8, shape (m, d0)

        Raises
        ------
        ValueError
            If an index is not an integer in [0, n), or a file is corrupt (see :meth:`rows`).
        """
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise ValueError(
                f"indices must be a 1-D array of integers; got {idx.dtype} {idx.shape}"
            )
        if idx.size and (idx.min() < 0 or idx.max() >= self.n):
            raise ValueError(f"indices must lie in [0, {self.n}); got {idx.min()}..{idx.max()}")
        order = np.argsort(idx, kind="stable")
        wanted = idx[order]
        out = np.empty((idx.size, self.d0), dtype=np.uint8)
        start = pos = 0
        for chunk in self.rows(chunk_rows):
            if pos >= wanted.size:
                break
            stop = start + chunk.shape[0]
            end = int(np.searchsorted(wanted, stop))
            out[order[pos:end]] = chunk[wanted[pos:end] - start]
            pos, start = end, stop
        return out

    def fingerprint(self) -> str:
        """sha256 of the split, the side and each file's name, size and modification time (names the
        caches of :func:`~vanishing_minima.numeric.training.streaming.whitened_cache`)."""
        h = hashlib.sha256(f"{self.split} {self.side}".encode())
        for path in self.files:
            st = path.stat()
            h.update(f" {path.name} {st.st_size} {st.st_mtime_ns}".encode())
        return h.hexdigest()

    def __getitem__(self, key) -> np.ndarray:
        """``files[:, idx]``: the columns ``idx`` of the (d0, n) data, float64 in [0, 1] (pixels / 255),
        read by :meth:`take`; so that E3's subsets are drawn as from an in-memory ``X``."""
        if not (isinstance(key, tuple) and len(key) == 2 and key[0] == slice(None)):
            raise TypeError(
                "ImageNetFiles supports only files[:, indices] (a subset of the columns)"
            )
        return self.take(key[1]).T / 255.0

    def __repr__(self) -> str:
        return f"ImageNetFiles({str(self.directory)!r}, split={self.split!r}, side={self.side}, n={self.n})"


def _file_error(path: Path, exc: Exception) -> Exception:
    """What a reading error says, as a ValueError naming the file (unless it already does)."""
    if isinstance(exc, (FileNotFoundError, PermissionError)):
        return exc
    text = str(exc)
    if isinstance(exc, ValueError) and text.startswith(str(path)):
        return exc
    return ValueError(
        f"{path}: not a valid npz batch (corrupt or truncated): {type(exc).__name__}: {text}"
    )


def open_imagenet(
    directory,
    split: str = "train",
    *,
    side: int = 64,
    verify: bool = True,
    chunk_rows: int = 1024,
    max_member_bytes: int | None = None,
) -> ImageNetFiles:
    """Open and check a split of Downsampled ImageNet in ``directory``: every file's members, headers and
    labels (and, with ``verify``, every byte of its data), with memory for one chunk at a time.

    Parameters
    ----------
    directory : str or Path
        The folder holding the split's files (:data:`IMAGENET_FILES`).
    split : {"train", "val"}
        ``"train"`` (Table 1's N = 1.28M) or ``"val"``.
    side : {8, 16, 32, 64}
        The resolution; the data must have :math:`d_0 = 3\\,\\mathrm{side}^2` columns.
    verify : bool
        Whether to read every member to its end now (the zip's CRC-32 is checked at each member's end),
        so that a corrupt file is refused here rather than during training.  A file verified once in this
        process is not read again while its size, modification time and inode are unchanged.
    chunk_rows : int
        Rows per chunk when reading the data (here and by default in :meth:`ImageNetFiles.rows`): an
        integer >= 1; the memory of a pass is about ``chunk_rows * d0`` bytes.
    max_member_bytes : int, optional
        The most bytes a member's directory entry may declare, >= 1 (default: the value of
        :data:`MAX_NPZ_MEMBER_BYTES` at the call).

    Returns
    -------
    ImageNetFiles

    Raises
    ------
    ValueError
        If ``split`` or ``side`` is unknown, ``chunk_rows`` or ``max_member_bytes`` is not an integer
        >= 1, or a file is not what Downsampled ImageNet's are, the message naming the file and the rule:
        not a zip (or a truncated or corrupt one, a CRC mismatch), members other than data, labels and
        mean (or one missing or repeated), an encrypted member or one compressed other than stored or
        deflated, a member declaring more than ``max_member_bytes``, a ``.npy`` header that does not
        parse or that names an object, structured or Fortran-ordered array, a header whose shape does
        not fill the member's declared size exactly, data not uint8 of shape (n >= 1, d0), labels not
        one integer per image in 1..1000, or a mean not of d0 numbers.
    FileNotFoundError
        If a file of the split is missing (the message names the files expected).
    """
    if split not in IMAGENET_FILES:
        raise ValueError(f"split must be one of {sorted(IMAGENET_FILES)}; got {split!r}")
    if side not in IMAGENET_SIDES:
        raise ValueError(f"side must be one of {IMAGENET_SIDES}; got {side!r}")
    chunk_rows = positive_int("chunk_rows", chunk_rows)
    cap = positive_int(
        "max_member_bytes", MAX_NPZ_MEMBER_BYTES if max_member_bytes is None else max_member_bytes
    )
    directory = Path(directory)
    d0 = 3 * side * side
    batches = []
    for name in IMAGENET_FILES[split]:
        path = directory / name
        if not path.is_file():
            raise FileNotFoundError(
                f"{directory}: missing {name}; expected the files {', '.join(IMAGENET_FILES[split])}"
            )
        key = _file_key(path, d0, cap)
        check = verify and key not in _VERIFIED
        try:
            batches.append(_inspect(path, d0, cap, check))
        except _READ_ERRORS as exc:
            raise _file_error(path, exc) from None
        if check:
            _VERIFIED.add(key)
    return ImageNetFiles(directory, split, side, batches, cap, chunk_rows)


def imagenet_binary_labels(labels, split_at: int = IMAGENET_SPLIT_AT) -> np.ndarray:
    """Table 1's binary task on ImageNet: 1 for the classes above ``split_at``, 0 for the others.

    .. math:: y_n = \\mathbb 1[\\ell_n > \\text{split\\_at}], \\qquad \\ell_n \\in \\{1, \\dots, 1000\\}.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Class labels in 1..1000.
    split_at : int
        The last class of group 0, in 1..999 (default 500: classes 1-500 against 501-1000).

    Returns
    -------
    ndarray of float, shape (N,)
        Labels in {0, 1}, both present.

    Raises
    ------
    ValueError
        If ``split_at`` is not an integer in 1..999, a label lies outside 1..1000 or is not an integer,
        or every label falls in one group.
    """
    split_at = positive_int("split_at", split_at)
    if split_at >= IMAGENET_CLASSES:
        raise ValueError(f"split_at must be in 1..{IMAGENET_CLASSES - 1}; got {split_at}")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array; got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 1 or labels.max() > IMAGENET_CLASSES):
        raise ValueError(
            f"labels must be classes 1-{IMAGENET_CLASSES}; got {labels.min()}..{labels.max()}"
        )
    y = (labels > split_at).astype(float)
    if y.size == 0 or y.min() == y.max():
        raise ValueError(
            f"the split at {split_at} puts every one of the {y.size} samples in one class"
        )
    return y
