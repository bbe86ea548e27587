r"""Table 1 on data that do not fit in memory (ImageNet 64x64: N = 1.28M x d0 = 12,288, 63 GB as float32):
ZCA whitening from a streamed covariance, a whitened cache on disk read through a memory map, and
minibatch SGD / Adam over it with memory bounded independently of the data's size.

The pipeline, each stage one pass over row chunks of at most ``chunk_rows`` rows:

1. :func:`streamed_whitening`: the mean and the covariance summed chunk by chunk in float64 (for uint8
   pixels the sums are of integers below :math:`2^{53}`, hence exact and independent of the chunking),
   then :func:`.datasets.whiten`'s ZCA matrix from their eigendecomposition; optionally the sums of
   the source's parts (one per npz file) on an executor (threads, processes, a Dask cluster), added in
   order;
2. :func:`whitened_cache`: the whitened rows written once to a ``.npy`` file in a folder the caller
   names (written to a temporary name and moved into place, after checking the free disk space), and
   opened as a read-only memory map;
3. :func:`train_streamed`: :func:`.large.train_large`'s SGD and Adam (same initialization, one permutation
   per epoch, the same kernel and updates), each minibatch gathered from the map, the full-data loss and
   training error summed over chunks; resumable from checkpoints to the bit.

A source of rows is any object with ``n``, ``d0`` and ``rows(chunk_rows)`` yielding (k, d0) arrays in
order (and ``parts()`` for an executor): :class:`~vanishing_minima.numeric.imagenet.ImageNetFiles`, or
:class:`ArrayRows` for an array in memory.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.linalg import blas, eigh

from .._checks import as_generator, check_labels, check_rho, check_work, positive_int, real_number
from ..imagenet import _header, _member
from .common import check_checkpoint_settings
from .large import (
    ADAM_BETAS,
    ADAM_EPS,
    LargeTrainProgress,
    LargeTrainResult,
    _check_options,
    _fingerprint,
    _kernel,
    _work,
)

__all__ = [
    "ArrayRows",
    "StreamedWhitening",
    "streamed_whitening",
    "whitened_cache",
    "train_streamed",
    "streamed_memory_bound",
    "whitening_memory_bound",
]

#: Free disk space kept beside a cache: the cache is written only if this much remains afterwards.
DISK_MARGIN = 2**30


class ArrayRows:
    """An in-memory (N, d0) array as a source of row chunks (rows are samples).

    Parameters
    ----------
    rows : array_like, shape (N, d0)
        Finite real or unsigned-byte data, N >= 1, d0 >= 1 (a copy is not made).
    part_rows : int
        Rows per part of :meth:`parts` (the tasks of :func:`streamed_whitening` on an executor), >= 1.
    """

    def __init__(self, rows, *, part_rows: int = 65536):
        arr = np.asarray(rows)
        if arr.ndim != 2 or 0 in arr.shape or arr.dtype.kind not in "uif" or arr.dtype == bool:
            raise ValueError(
                f"rows must be a non-empty real (N, d0) array; got {arr.dtype} {arr.shape}"
            )
        self.array, (self.n, self.d0) = arr, arr.shape
        self.part_rows = positive_int("part_rows", part_rows)

    def rows(self, chunk_rows: int = 1024):
        """The rows in order, in chunks of at most ``chunk_rows`` (views, no copy)."""
        k = positive_int("chunk_rows", chunk_rows)
        for a in range(0, self.n, k):
            yield self.array[a : a + k]

    def parts(self) -> list[ArrayRows]:
        """Consecutive blocks of ``part_rows`` rows (views), whose rows in order are these rows."""
        k = self.part_rows
        return [ArrayRows(self.array[a : a + k], part_rows=k) for a in range(0, self.n, k)]

    def fingerprint(self) -> str:
        """sha256 of the shape, dtype and bytes."""
        h = hashlib.sha256(f"{self.array.shape}{self.array.dtype}".encode())
        for chunk in self.rows(4096):
            h.update(np.ascontiguousarray(chunk).tobytes())
        return h.hexdigest()


@dataclass(frozen=True)
class StreamedWhitening:
    r"""The ZCA map of :func:`.datasets.whiten`, computed from streamed moments.

    .. math:: x \mapsto M\,\frac{x - \bar x}{\sigma}, \qquad M = U\operatorname{diag}\big((s+\epsilon)^{-1/2}\big)
        U^\top, \quad \frac{\Sigma}{\sigma^2} = U\operatorname{diag}(s)U^\top,

    with :math:`\bar x` the mean, :math:`\Sigma = \frac1N\sum_n (x_n - \bar x)(x_n - \bar x)^\top` the
    covariance and :math:`\sigma = \max - \min` the range of the entries (eigenvalues below 0 by
    rounding count as 0).

    Attributes
    ----------
    n : int
        Rows the moments were summed over.
    mean : ndarray, shape (d0,)
    scale : float
        :math:`\sigma`, in the data's units.
    matrix : ndarray, shape (d0, d0)
        :math:`M`, symmetric, float64.
    eps : float
    """

    n: int
    mean: np.ndarray
    scale: float
    matrix: np.ndarray
    eps: float

    def apply(self, rows, dtype=np.float64) -> np.ndarray:
        """Whitened rows :math:`((x - \\bar x)/\\sigma) M` (float64 products), cast to ``dtype``; shape (k, d0)."""
        centered = np.asarray(rows, dtype=np.float64) - self.mean
        centered /= self.scale
        return (centered @ self.matrix).astype(dtype, copy=False)

    def fingerprint(self) -> str:
        """sha256 of n, eps, scale, mean and matrix."""
        h = hashlib.sha256(f"{self.n} {self.eps!r} {self.scale!r}".encode())
        h.update(self.mean.tobytes())
        for row in self.matrix:
            h.update(row.tobytes())
        return h.hexdigest()


def _symmetrize_upper(S: np.ndarray, block: int = 1024) -> None:
    """Copy the upper triangle of ``S`` onto its lower one, in blocks (no (d0, d0) temporary)."""
    for a in range(0, S.shape[0], block):
        S[a : a + block, :a] = S[:a, a : a + block].T
        diag = S[a : a + block, a : a + block]
        lower = np.tril_indices(diag.shape[0], -1)
        diag[lower] = diag.T[lower]


@dataclass
class _Moments:
    """The additive statistics of some rows about a shift ``c``: the count, :math:`S_1 = \\sum (x - c)`,
    the upper triangle of :math:`S_2 = \\sum (x - c)(x - c)^\\top` (float64, Fortran order) and the
    per-pixel minimum and maximum."""

    n: int
    s1: np.ndarray
    s2: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    shift: np.ndarray

    def add(self, other: _Moments) -> None:
        """Add ``other``'s sums (about the same shift) to these, in place."""
        self.n += other.n
        self.s1 += other.s1
        self.s2 += other.s2  # both upper triangles; the lower ones hold zeros
        np.minimum(self.lo, other.lo, out=self.lo)
        np.maximum(self.hi, other.hi, out=self.hi)


def _checked_chunk(chunk, d0: int) -> np.ndarray:
    chunk = np.asarray(chunk)
    if chunk.ndim != 2 or chunk.shape[1] != d0 or chunk.dtype.kind not in "uif":
        raise ValueError(f"a chunk must be a real (k, {d0}) array; got {chunk.dtype} {chunk.shape}")
    return chunk


def _shift_for(chunk: np.ndarray) -> np.ndarray:
    """0 for integer data (exact sums), the chunk's mean for real data (against cancellation)."""
    d0 = chunk.shape[1]
    return np.zeros(d0) if chunk.dtype.kind in "ui" else chunk.mean(axis=0, dtype=np.float64)


def _part_moments(source, chunk_rows: int, d0: int, shift: np.ndarray | None = None) -> _Moments:
    """The :class:`_Moments` of ``source``'s rows, chunk by chunk, about ``shift`` (default: from the
    first chunk, :func:`_shift_for`).  Module-level, so that an executor's workers can run it."""
    S2 = np.zeros((d0, d0), order="F")
    S1 = np.zeros(d0)
    lo, hi = np.full(d0, np.inf), np.full(d0, -np.inf)
    n = 0
    for chunk in source.rows(chunk_rows):
        chunk = _checked_chunk(chunk, d0)
        if shift is None:
            shift = _shift_for(chunk)
        c = chunk.astype(np.float64)
        if not np.isfinite(c).all():
            raise ValueError("the data must be finite")
        np.minimum(lo, c.min(axis=0), out=lo)
        np.maximum(hi, c.max(axis=0), out=hi)
        c -= shift
        S1 += c.sum(axis=0)
        S2 = blas.dsyrk(1.0, c.T, beta=1.0, c=S2, trans=0, lower=0, overwrite_c=1)
        n += c.shape[0]
    return _Moments(n=n, s1=S1, s2=S2, lo=lo, hi=hi, shift=shift)


def _moments_on(executor, source, chunk_rows: int, max_pending: int) -> _Moments:
    """The moments of ``source.parts()``, each computed by ``executor.submit(_part_moments, ...)`` about
    the first chunk's shift, added in the parts' order with at most ``max_pending`` parts submitted and
    not yet added.  A failed part's exception is raised (the parts after it are cancelled)."""
    if not callable(getattr(executor, "submit", None)):
        raise TypeError(
            f"executor must be a concurrent.futures.Executor; got {type(executor).__name__}"
        )
    if not callable(getattr(source, "parts", None)):
        raise TypeError(
            f"with an executor the source must have parts() (ImageNetFiles, ArrayRows); "
            f"{type(source).__name__} has not"
        )
    d0 = source.d0
    chunks = source.rows(chunk_rows)
    try:
        first = next(iter(chunks), None)
    finally:
        getattr(chunks, "close", lambda: None)()
    if first is None:
        raise ValueError(f"the source yielded 0 rows; it declares n = {source.n}")
    shift = _shift_for(_checked_chunk(first, d0))
    del first
    parts = iter(source.parts())
    pending: collections.deque = collections.deque()

    def submit_next() -> None:
        part = next(parts, None)
        if part is not None:
            pending.append(executor.submit(_part_moments, part, chunk_rows, d0, shift))

    for _ in range(max_pending):
        submit_next()
    total = None
    try:
        while pending:
            moments = pending.popleft().result()
            submit_next()
            if total is None:
                total = moments
            else:
                total.add(moments)
            del moments
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    if total is None:
        raise ValueError(f"the source has no parts; it declares n = {source.n}")
    return total


def streamed_whitening(
    source,
    *,
    eps: float = 1e-5,
    chunk_rows: int = 1024,
    executor=None,
    max_pending: int = 2,
) -> StreamedWhitening:
    r"""ZCA whitening (:func:`.datasets.whiten`'s) from one pass over ``source``'s row chunks.

    The sums :math:`\sum_n (x_n - c)` and :math:`\sum_n (x_n - c)(x_n - c)^\top` are accumulated in float64
    (a symmetric rank-k update per chunk), with :math:`c = 0` for integer data (uint8 pixels: every sum
    is an integer below :math:`2^{53}`, so exact) and :math:`c` the first chunk's mean for real data (to
    avoid cancellation); then :math:`\bar x = c + S_1/N`, :math:`\Sigma = S_2/N - (S_1/N)(S_1/N)^\top`.
    ``whiten(X)`` with ``X`` the same data as columns equals ``apply(X.T).T`` to rounding.

    With an ``executor``, the source is split by its ``parts()`` (an ``ImageNetFiles``: one part per
    npz file; an :class:`ArrayRows`: blocks of ``part_rows`` rows), each part's count, :math:`S_1`,
    :math:`S_2`, minimum and maximum are computed by ``executor.submit`` of a module-level function
    (about the same :math:`c`, taken from the source's first chunk), and the partial sums are added in
    the parts' order.  For integer data every partial sum is an exact integer, so the result is the
    serial one to the bit; for real data the sums are added in another grouping, so the result agrees
    to rounding: the tests require the map within :math:`10^{-10}` of the serial one relative to its
    largest entry (:math:`1.3\cdot 10^{-12}` measured on 400 x 48 data with a constant pixel), since
    the sums' rounding, some :math:`10^{-16}` to :math:`10^{-15}` relative, can grow by up to
    :math:`1/(2\epsilon) = 5\cdot 10^4` through the map :math:`(\Sigma/\sigma^2 + \epsilon)^{-1/2}`
    at :math:`\epsilon = 10^{-5}`.

    Parameters
    ----------
    source : object with ``n``, ``d0`` and ``rows(chunk_rows)``
        E.g. :class:`ArrayRows` or :class:`~vanishing_minima.numeric.imagenet.ImageNetFiles`; with an
        executor also ``parts()``, a list of such sources whose rows, in order, are ``source``'s.
    eps : float
        Regularization relative to :math:`\sigma^2`, a finite number > 0 (as ``whiten``'s).
    chunk_rows : int
        Rows per chunk, >= 1.
    executor : concurrent.futures.Executor, optional
        Where the parts' sums are computed: a ``ThreadPoolExecutor``, a ``ProcessPoolExecutor`` or a
        Dask client's ``client.get_executor()`` (several machines; each worker must see the files at
        the same paths).  Default: none, one serial pass in this process.
    max_pending : int
        With an executor, the most parts submitted and not yet added, >= 1: the parallelism, and the
        number of partial sums that may wait in this process (see the notes).

    Returns
    -------
    StreamedWhitening

    Raises
    ------
    TypeError
        If ``executor`` has no ``submit`` or, with one, ``source`` has no ``parts()``.
    ValueError
        If ``eps``, ``chunk_rows`` or ``max_pending`` is out of range, the chunks are not (k, d0) arrays
        of finite real numbers or add up to other than ``source.n`` rows, all rows are equal (nothing to
        whiten), or a part fails (its own error, e.g. a corrupt file named, as the serial pass raises).

    Notes
    -----
    Memory: the (d0, d0) sums and the eigendecomposition, about :func:`whitening_memory_bound` bytes;
    none of it grows with N.  With an executor, each task holds one part's (d0, d0) sums and one chunk
    (a process also a pickled copy of the sums while returning them); this process holds the running
    total and the part being added (from a process, also its pickled bytes while it arrives), plus,
    with executors that send finished results back at once (a ``ProcessPoolExecutor``), up to
    ``max_pending - 1`` finished parts waiting for an earlier one (Dask keeps finished results on its
    workers until they are asked for): four (d0, d0) arrays were measured at ``max_pending = 2`` on a
    process pool, against two serially.  Work: :math:`N d_0^2` for the sums, shared among the parts,
    and about :math:`10 d_0^3` for the eigendecomposition, here.
    """
    eps = real_number("eps", eps, low=0.0, low_open=True)
    chunk_rows = positive_int("chunk_rows", chunk_rows)
    max_pending = positive_int("max_pending", max_pending)
    if executor is None:
        moments = _part_moments(source, chunk_rows, source.d0)
    else:
        moments = _moments_on(executor, source, chunk_rows, max_pending)
    n, S1, S2, lo, hi, shift = (
        moments.n, moments.s1, moments.s2, moments.lo, moments.hi, moments.shift
    )
    del moments
    if n != source.n:
        raise ValueError(f"the source yielded {n} rows; it declares n = {source.n}")
    if np.array_equal(lo, hi):
        raise ValueError(f"the rows must vary; all {n} rows are equal")
    m = S1 / n
    S2 /= n
    S2 = blas.dsyr(-1.0, m, lower=0, a=S2, overwrite_a=1)  # upper triangle; no (d0, d0) temporary
    _symmetrize_upper(S2)
    scale = float(hi.max() - lo.min())
    S2 /= scale * scale
    s, U = eigh(S2, overwrite_a=True, check_finite=False, driver="evr")
    del S2
    U *= np.sqrt(1.0 / np.sqrt(np.maximum(s, 0.0) + eps))  # M = (U D^1/2)(U D^1/2)^T
    return StreamedWhitening(n=n, mean=shift + m, scale=scale, matrix=U @ U.T, eps=eps)


def whitening_memory_bound(d0: int, chunk_rows: int) -> int:
    r"""Bytes :func:`streamed_whitening` and :func:`whitened_cache` may allocate (NumPy's and SciPy's
    arrays, as ``tracemalloc`` counts them), whatever N.

    .. math:: 8\,(4 d_0^2 + 4 r d_0 + 64 d_0) + 2^{20},

    for the (d0, d0) sums, the eigenvectors, the map and one spare (the sums are freed before the map
    is formed, so three are live at most), four float64 chunks of :math:`r` rows (the chunk, its
    centered copy, its product with the map, its cast), and vectors of d0.  At ImageNet 64x64's d0 with
    r = 1,024 it is about 5.2 GB, against 63 GB for the training set as float32 (see the example).

    Parameters
    ----------
    d0 : int
        Input dimension, >= 1.
    chunk_rows : int
        Rows per chunk, >= 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If an argument is not an integer >= 1.

    Examples
    --------
    >>> round(whitening_memory_bound(12288, 1024) / 1e9, 2), round(1281167 * 12288 * 4 / 1e9)
    (5.24, 63)
    """
    d0, r = positive_int("d0", d0), positive_int("chunk_rows", chunk_rows)
    return 8 * (4 * d0 * d0 + 4 * r * d0 + 64 * d0) + 2**20


def whitened_cache(
    source,
    folder,
    *,
    eps: float = 1e-5,
    dtype: str = "float32",
    chunk_rows: int = 1024,
    fingerprint: str | None = None,
    executor=None,
    max_pending: int = 2,
):
    """The whitened rows of ``source`` as a read-only (N, d0) memory map in ``folder``, with their map.

    Two files are kept in ``folder``, named by a hash of ``fingerprint`` (default:
    ``source.fingerprint()``) and the settings: ``whitening-<fp>.npz`` (the :class:`StreamedWhitening`,
    from one pass) and ``whitened-<fp>-<dtype>.npy`` (a second pass: each chunk whitened with float64
    products and cast to ``dtype``).  Each is written to a temporary name in ``folder`` and moved into place, so an
    interrupted run leaves no partial file; an existing one is reused (checked for shape and dtype).

    Parameters
    ----------
    source : object with ``n``, ``d0``, ``rows(chunk_rows)`` (and ``fingerprint()`` unless given)
    folder : str or Path
        An existing folder.
    eps : float
        As in :func:`streamed_whitening`.
    dtype : {"float32", "float64"}
        The cache's dtype (the training's working precision).
    chunk_rows : int
        Rows per chunk, >= 1.
    fingerprint : str, optional
        Identifies the data (e.g. a hash); the caller's promise that the files named by it hold them.
    executor, max_pending
        As in :func:`streamed_whitening`, for the first pass (the moments); the second pass, writing
        the cache in order, runs here.

    Returns
    -------
    rows : numpy.memmap, shape (N, d0), read-only
    whitening : StreamedWhitening

    Raises
    ------
    TypeError
        From :func:`streamed_whitening` (an ``executor`` without ``submit``, a source without parts).
    ValueError
        If ``folder`` is not a folder, ``dtype`` is unknown, the free space in ``folder`` is less than
        the cache plus :data:`DISK_MARGIN` (checked before writing), an existing file has another shape
        or dtype, or from :func:`streamed_whitening`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder {folder} is not a folder")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    eps = real_number("eps", eps, low=0.0, low_open=True)
    given = fingerprint or source.fingerprint()
    fp = hashlib.sha256(given.encode()).hexdigest()[:16] + f"-eps{eps:g}"
    wpath = folder / f"whitening-{fp}.npz"
    if wpath.exists():
        with np.load(wpath, allow_pickle=False) as f:
            w = StreamedWhitening(
                n=int(f["n"]), mean=f["mean"], scale=float(f["scale"]), matrix=f["matrix"], eps=eps
            )
        if w.matrix.shape != (source.d0, source.d0) or w.n != source.n:
            raise ValueError(
                f"{wpath}: holds a map for {w.n} rows of {w.matrix.shape}; not this data"
            )
    else:
        w = streamed_whitening(
            source, eps=eps, chunk_rows=chunk_rows, executor=executor, max_pending=max_pending
        )
        _atomic(
            wpath,
            lambda fh: np.savez(fh, n=w.n, mean=w.mean, scale=w.scale, matrix=w.matrix),
        )
    cpath = folder / f"whitened-{fp}-{dtype}.npy"
    shape = (source.n, source.d0)
    if not cpath.exists():
        need = source.n * source.d0 * np.dtype(dtype).itemsize
        free = shutil.disk_usage(folder).free
        if free < need + DISK_MARGIN:
            raise ValueError(
                f"folder {folder}: the cache needs {need / 2**30:.2f} GiB plus a {DISK_MARGIN / 2**30:.0f} "
                f"GiB margin; {free / 2**30:.2f} GiB free"
            )
        _atomic(cpath, lambda fh: _write_rows(fh, source, w, dtype, chunk_rows, shape))
    rows = np.load(cpath, mmap_mode="r", allow_pickle=False)
    if rows.shape != shape or rows.dtype != np.dtype(dtype):
        raise ValueError(
            f"{cpath}: holds {rows.shape} of {rows.dtype}; expected {shape} of {dtype}"
        )
    return rows, w


def _write_rows(fh, source, w: StreamedWhitening, dtype: str, chunk_rows: int, shape) -> None:
    """The .npy header, then the whitened chunks, written straight to ``fh`` (no (N, d0) array)."""
    np.lib.format.write_array_header_1_0(
        fh, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape}
    )
    written = 0
    for chunk in source.rows(chunk_rows):
        fh.write(w.apply(chunk, dtype).tobytes())
        written += len(chunk)
    if written != shape[0]:
        raise ValueError(f"the source yielded {written} rows; it declares n = {shape[0]}")


def _atomic(path: Path, write) -> None:
    """``write(fh)`` to a temporary file beside ``path``, synced, then moved onto ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def streamed_memory_bound(
    d0: int, d1: int, n: int, *, batch_size: int, eval_rows: int, dtype: str = "float32"
) -> int:
    r"""Bytes :func:`train_streamed` may allocate (NumPy's arrays, as ``tracemalloc`` counts them; the
    memory-mapped data are not counted: the operating system pages them in and out).

    .. math:: 8\cdot 14P + d_1 d_0 (w + 24) + 2 b d_0 w + 8 r d_0 + 32 d_1 (b + r) + 32 N + 2^{20},

    with :math:`P = d_1 d_0 + d_1` (the weights, the optimizer's state and the update's temporaries, in
    float64), :math:`w` the working dtype's item size, :math:`b` the batch and :math:`r` the evaluation
    chunk: the kernel's copies of the weights and gradient, the gathered and transposed minibatch, one
    evaluation chunk in float64, the kernel's (d1, k) arrays, and 32 bytes per sample (the permutation,
    the labels in two dtypes and their permuted copy).  That last term is the only one that grows with
    N: 1/1,536 of the data's float32 bytes at d0 = 12,288.  A checkpoint's hash of the rows (one
    evaluation chunk at a time), its writing and its reading stay within the same bound.

    Parameters
    ----------
    d0, d1, n : int
        Input dimension, hidden width and samples, each >= 1.
    batch_size, eval_rows : int
        As given to :func:`train_streamed`, each >= 1.
    dtype : {"float32", "float64"}
        The working dtype (the rows' dtype).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If a size is not an integer >= 1 or ``dtype`` is not float32 or float64.

    Examples
    --------
    Table 1's ImageNet row (d1 = 105, N = 1,281,167) with Adam's default batch, in GB:

    >>> round(streamed_memory_bound(12288, 105, 1281167, batch_size=256, eval_rows=4096) / 1e9, 2)
    0.67
    """
    d0, d1, n = positive_int("d0", d0), positive_int("d1", d1), positive_int("n", n)
    b, r = positive_int("batch_size", batch_size), positive_int("eval_rows", eval_rows)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    w = np.dtype(dtype).itemsize
    p = d1 * d0 + d1
    return int(
        8 * 14 * p
        + d1 * d0 * (w + 24)
        + 2 * b * d0 * w
        + 8 * r * d0
        + 32 * d1 * (b + r)
        + 32 * n
        + 2**20
    )


def _full_loss(W, z, rows, yw, rho, eval_rows, dt):
    """MSE and misclassified count over all rows, chunk by chunk, products in ``dt``."""
    sq, errors, n = 0.0, 0, rows.shape[0]
    for a in range(0, n, eval_rows):
        chunk = np.asarray(rows[a : a + eval_rows], dtype=dt)
        loss, err, _ = _kernel(W, z, chunk.T, yw[a : a + eval_rows].astype(dt), rho, grad=False)
        sq += loss * chunk.shape[0]
        errors += err
        del chunk  # before the next chunk is read: one chunk at a time
    return sq / n, errors


def train_streamed(
    rows,
    y,
    d1: int,
    rho: float,
    *,
    rng,
    optimizer: str = "adam",
    max_iter: int = 100,
    target_mce: float = 0.0,
    lr: float | None = None,
    momentum: float = 0.9,
    batch_size: int | None = None,
    init_scale: float = 1.0,
    eval_rows: int = 4096,
    checkpoint=None,
    checkpoint_seconds: float = 300.0,
    fingerprint: str | None = None,
    progress=None,
    stop_after: float | None = None,
    max_work: float | None = None,
) -> LargeTrainResult:
    r"""Minibatch SGD (momentum) or Adam on the one-hidden-layer LReLU network's MSE, reading the inputs
    from ``rows`` (e.g. the memory map of :func:`whitened_cache`) one minibatch at a time, resumably.

    The trajectory is :func:`.large.train_large`'s with ``X = rows.T``: the same initialization from
    ``rng``, one permutation of the samples per epoch, consecutive minibatches of it, the same kernel and
    updates (on the same data in the same working dtype the weights agree to the bit); only the
    full-data loss at each epoch's end is summed over chunks of ``eval_rows`` rows (equal to rounding).
    A run stopped and resumed from its checkpoint, in this process or another, ends with the weights,
    counters and history of the uninterrupted run, to the bit.

    Parameters
    ----------
    rows : ndarray or numpy.memmap, shape (N, d0), float32 or float64
        Inputs, rows are samples (the transpose of the paper's X); their dtype is the working dtype.
        Assumed finite (a cache of :func:`whitened_cache` is).
    y : array_like, shape (N,)
        Binary labels in {0, 1}.
    d1 : int
        Hidden width, >= 1.
    rho : float, != 1
        LReLU slope (0 is the ReLU).
    rng : numpy Generator or int seed
        The initialization and the permutations.  A resumed run continues the stream saved in the
        checkpoint; the ``rng`` passed must then be in the state the first session started from (same
        seed), or the checkpoint is refused.
    optimizer : {"sgd", "adam"}
    max_iter : int
        Epochs, all sessions, >= 1.
    target_mce : float
        Stop when the training MCE at an epoch's end is at most this, in [0, 1].
    lr, momentum, batch_size, init_scale
        As in :func:`.large.train_large` (defaults 0.01 for SGD, 1e-3 for Adam; 0.9; ``min(256, N)``; 1).
    eval_rows : int
        Rows per chunk of the full-data loss (and of the data's hash), >= 1.
    checkpoint : str or Path, optional
        A ``.npz`` file in an existing, writable folder (checked before anything else is done).  If it
        exists, the run resumes from it: weights, the optimizer's state (SGD's velocity, Adam's moments
        and step count), the epoch, the position in the epoch's permutation and the generator's state
        before that permutation was drawn, the counters, the history and the training time.  It is
        refused, naming each difference, if written for other data (``fingerprint``, the labels, the
        shape, the dtype) or other settings (``d1``, ``rho``, ``optimizer``, ``lr``, ``momentum``,
        ``batch_size``, ``init_scale``, ``eval_rows``, the generator's starting state); the stopping
        rules (``max_iter``, ``target_mce``, ``stop_after``) and ``checkpoint_seconds`` may change.
        Written atomically (a temporary file in the same folder, synced, then renamed over it) after the
        first minibatch or epoch's end at least ``checkpoint_seconds`` after the last write, and when the
        run stops.
    checkpoint_seconds : float
        Seconds between checkpoints, a finite number > 0.
    fingerprint : str, optional
        Identifies ``rows`` in the checkpoint (e.g. the cache's file name, which :func:`whitened_cache`
        derives from a hash of the source, and the whitening's :meth:`StreamedWhitening.fingerprint`):
        the caller's promise that the same string means the same rows.  Default: the sha256 of the rows'
        bytes, one pass over them (about one epoch's end of reading) at each session's start.  Only used
        with ``checkpoint``.
    progress : callable, optional
        Called with a :class:`.large.LargeTrainProgress` after every epoch (``seconds``: all sessions;
        the rate and the ETA: this session's).
    stop_after : float, optional
        Stop (and checkpoint) once this session has trained this many seconds, > 0; checked after every
        minibatch, so a session may end inside an epoch (its checkpoint resumes at the next minibatch).
    max_work : float, optional
        Work cap, as :func:`.large.train_large`'s for SGD/Adam (default 1e11), on ``max_iter`` epochs.

    Returns
    -------
    LargeTrainResult
        ``loss`` and ``mce`` recomputed with float64 products on ``rows`` at the final weights (inside an
        epoch if ``stop_after`` ended it there); ``iterations`` counts completed epochs and ``history``
        has one row per epoch's end; ``seconds`` and the counters cover all sessions; ``resumed_at`` is
        the epoch this session started from.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, ``rng`` has a wrong type, ``progress`` is not callable,
        ``checkpoint`` is not a path or ``fingerprint`` not a string.
    ValueError
        If ``rows`` is not a non-empty float32/float64 (N, d0) array, ``y`` is not N binary labels, an
        argument is out of its range (the message names it), ``optimizer`` is not "sgd" or "adam", the
        estimated work exceeds ``max_work``, the checkpoint's folder does not exist or is not writable,
        or the checkpoint was written for other data or settings (the message names each difference) or
        is not a checkpoint of this function (it is read without pickle; every member's size and header
        is checked before it is read).

    Notes
    -----
    Memory: at most :func:`streamed_memory_bound` bytes of NumPy arrays (measured with ``tracemalloc``
    in the tests, with a checkpoint), whatever N; the data stay in the memory map (the operating
    system's page cache).  A checkpoint holds the weights and two optimizer vectors in float64, the
    history and a JSON record: about :math:`24 P` bytes, :math:`P = d_1 d_0 + d_1`.
    """
    if not (hasattr(rows, "shape") and hasattr(rows, "dtype")) or len(rows.shape) != 2:
        raise ValueError("rows must be an (N, d0) array or memory map")
    if rows.dtype not in (np.float32, np.float64) or 0 in rows.shape:
        raise ValueError(
            f"rows must be non-empty float32 or float64; got {rows.dtype} {rows.shape}"
        )
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {optimizer!r}")
    n, d0 = rows.shape
    dt = rows.dtype
    rho = check_rho(rho)
    y = check_labels(y, n)
    d1 = positive_int("d1", d1)
    max_iter = positive_int("max_iter", max_iter)
    eval_rows = positive_int("eval_rows", eval_rows)
    target_mce = real_number("target_mce", target_mce, low=0.0, high=1.0)
    init_scale = real_number("init_scale", init_scale, low=0.0, low_open=True)
    lr, momentum, batch_size = _check_options(optimizer, dt.name, lr, momentum, batch_size, n)
    every = real_number("checkpoint_seconds", checkpoint_seconds, low=0.0, low_open=True)
    if stop_after is not None:
        stop_after = real_number("stop_after", stop_after, low=0.0, low_open=True)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable; got {type(progress).__name__}")
    if fingerprint is not None and not isinstance(fingerprint, str):
        raise TypeError(f"fingerprint must be a string; got {type(fingerprint).__name__}")
    path = _checkpoint_path(checkpoint)
    check_work(
        f"train_streamed(optimizer={optimizer!r}) with max_iter = {max_iter} on d1 x d0 x N = "
        f"{d1} x {d0} x {n}",
        _work(optimizer, max_iter, d0, d1, n, batch_size),
        max_work,
    )
    rng = as_generator(rng)
    p = d1 * d0 + d1
    if path is not None:
        start_state = json.dumps(rng.bit_generator.state, sort_keys=True)
        if fingerprint is None:
            chunks = (rows[a : a + eval_rows] for a in range(0, n, eval_rows))
            data_id = "sha256 " + _fingerprint(chunks, y)[0]
        else:
            data_id = "given " + fingerprint
        settings = {
            "format": _CHECKPOINT_FORMAT,
            "function": "train_streamed",
            "rows": data_id,
            "y_sha256": _fingerprint((), y)[1],
            "shape": [n, d0],
            "dtype": dt.name,
            "d1": d1,
            "rho": rho,
            "optimizer": optimizer,
            "init_scale": init_scale,
            "lr": lr,
            "momentum": momentum,
            "batch_size": batch_size,
            "eval_rows": eval_rows,
            "rng_start": hashlib.sha256(start_state.encode()).hexdigest(),
        }
    yw = y.astype(dt)

    def split(t):
        return t[: d1 * d0].reshape(d1, d0), t[d1 * d0 :]

    if path is not None and path.exists():
        st = _load_checkpoint(path, settings, n, p, rng)
    else:
        W = rng.standard_normal((d1, d0)) * init_scale / np.sqrt(d0)
        z = rng.standard_normal(d1) * init_scale / np.sqrt(d1)
        theta = np.concatenate([W.ravel(), z])
        del W, z
        loss, errors = _full_loss(*split(theta), rows, yw, rho, eval_rows, dt)
        st = {
            "theta": theta,
            "m": np.zeros_like(theta),  # Adam's first moment, or the SGD velocity
            "v": np.zeros_like(theta),  # Adam's second moment (zeros for SGD)
            "history": [(0.0, loss, errors / n)],
            "t": 0,  # Adam's step count
            "epochs": 0,
            "position": 0,  # the next minibatch's start in the epoch's permutation
            "evaluations": 1,
            "errors": errors,
            "loss": loss,
            "seconds": 0.0,
        }
    theta, m, v, history = st["theta"], st["m"], st["v"], st["history"]
    t, epochs, position = st["t"], st["epochs"], st["position"]
    evaluations, errors = st["evaluations"], st["errors"]
    resumed_at, evaluations_before, seconds_before = epochs, evaluations, st["seconds"]
    done_before = epochs + position / n
    b1, b2 = ADAM_BETAS
    start = saved = time.perf_counter()
    # the generator's state before the current epoch's permutation (saved with a position in it)
    epoch_state = rng.bit_generator.state

    def save(now):
        meta = {
            "settings": settings,
            "t": t,
            "epochs": epochs,
            "position": position,
            "evaluations": evaluations,
            "errors": errors,
            "seconds": seconds_before + now - start,
            "rng_state": epoch_state if position else rng.bit_generator.state,
        }
        hist = np.array(history, dtype=float).reshape(-1, 3)
        _atomic(
            path,
            lambda fh: np.savez(
                fh, theta=theta, m=m, v=v, history=hist, meta=np.array(json.dumps(meta))
            ),
        )

    if errors / n <= target_mce:
        reason = "target_mce"
    elif epochs >= max_iter:
        reason = "max_iter"
    else:
        reason = None
    while reason is None:
        epoch_state = rng.bit_generator.state
        perm = rng.permutation(n)
        yp = yw[perm]
        for a in range(position, n, batch_size):
            idx = perm[a : a + batch_size]
            order = np.argsort(idx)  # read the rows in file order, place them in the batch's
            Xb = np.empty((d0, idx.size), dtype=dt)
            Xb[:, order] = rows[idx[order]].T
            W, z = split(theta)
            g = _kernel(W, z, Xb, yp[a : a + batch_size], rho, True)[2]
            del W, z
            evaluations += 1
            if optimizer == "adam":
                t += 1
                m *= b1
                m += (1.0 - b1) * g
                v *= b2
                v += (1.0 - b2) * g * g
                mhat, vhat = m / (1.0 - b1**t), v / (1.0 - b2**t)
                theta -= lr * mhat / (np.sqrt(vhat) + ADAM_EPS)
                del mhat, vhat
            else:
                m *= momentum
                m += g
                theta -= lr * m
            del Xb, g  # before the next minibatch: one at a time
            position = a + batch_size
            if position < n:  # inside the epoch: the stop and the checkpoint's clock
                now = time.perf_counter()
                if stop_after is not None and now - start >= stop_after:
                    reason = "stop_after"
                    break
                if path is not None and now - saved >= every:
                    save(now)
                    saved = now
        if reason is not None:
            break
        del perm, yp
        position = 0
        loss, errors = _full_loss(*split(theta), rows, yw, rho, eval_rows, dt)
        evaluations += 1
        epochs += 1
        history.append((float(epochs), loss, errors / n))
        now = time.perf_counter()
        session = now - start
        if progress is not None:
            progress(
                LargeTrainProgress(
                    iteration=epochs,
                    loss=loss,
                    mce=errors / n,
                    evaluations=evaluations,
                    seconds=seconds_before + session,
                    evaluations_per_second=(evaluations - evaluations_before) / max(session, 1e-9),
                    eta_seconds=(max_iter - epochs) * session / max(epochs - done_before, 1e-9),
                )
            )
        if errors / n <= target_mce:
            reason = "target_mce"
        elif epochs >= max_iter:
            reason = "max_iter"
        elif stop_after is not None and session >= stop_after:
            reason = "stop_after"
        if path is not None and reason is None and now - saved >= every:
            save(now)
            saved = now
    now = time.perf_counter()
    if path is not None:
        save(now)
    W, z = split(theta)
    final_loss, final_errors = _full_loss(W, z, rows, y, rho, eval_rows, np.float64)
    return LargeTrainResult(
        W=W.copy(),
        z=z.copy(),
        loss=final_loss,
        mce=final_errors / n,
        iterations=epochs,
        evaluations=evaluations,
        seconds=seconds_before + now - start,
        converged=errors / n <= target_mce,
        stop_reason=reason,
        history=np.array(history, dtype=float).reshape(-1, 3),
        dtype=dt.name,
        optimizer=optimizer,
        resumed_at=resumed_at,
    )


#: Version of :func:`train_streamed`'s checkpoint files.
_CHECKPOINT_FORMAT = 1
#: Members of a checkpoint, and the most bytes the JSON record (``meta``) may declare.
_CHECKPOINT_MEMBERS = ("theta", "m", "v", "history", "meta")
_META_BYTES = 2**22
#: The most bytes a checkpoint's history may declare (22 million epochs).
_HISTORY_BYTES = 2**29


def _checkpoint_path(checkpoint) -> Path | None:
    """``checkpoint`` as a Path whose folder exists and is writable (checked before any work)."""
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a path (str or Path); got {type(checkpoint).__name__}")
    path = Path(checkpoint)
    if not path.parent.is_dir():
        raise ValueError(f"checkpoint {path}: its folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ValueError(f"checkpoint {path}: its folder {path.parent} is not writable")
    if path.exists() and not path.is_file():
        raise ValueError(f"checkpoint {path} exists and is not a file")
    return path


def _load_checkpoint(path: Path, settings: dict, n: int, p: int, rng) -> dict:
    """The state saved in ``path`` by :func:`train_streamed`, checked against ``settings``; ``rng`` is
    set to the saved state (the last step, after every check).

    The file is untrusted: its zip members must be exactly :data:`_CHECKPOINT_MEMBERS`, each ``.npy``
    header is parsed without pickle and must declare the shape and dtype expected (so no allocation
    larger than the run's own is made), and it is then read with ``allow_pickle=False``.
    """

    def refuse(why) -> ValueError:
        return ValueError(f"checkpoint {path} is not a train_streamed checkpoint: {why}")

    caps = {"theta": 8 * p + 2**10, "m": 8 * p + 2**10, "v": 8 * p + 2**10}
    caps.update(history=_HISTORY_BYTES, meta=_META_BYTES)

    def header(zf, name):
        """The member's (shape, dtype) from its .npy header, its declared size checked first."""
        cap = caps[name]
        info = _member(zf, path, f"{name}.npy", cap, limit=f"the {cap} a checkpoint of this run may hold")
        with zf.open(info) as fh:
            return _header(fh, path, f"{name}.npy", info)

    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(zf.namelist())
            if names != sorted(f"{k}.npy" for k in _CHECKPOINT_MEMBERS):
                raise refuse(f"its members are {names}")
            shape, dtype = header(zf, "meta")
            if shape != () or dtype.kind != "U":
                raise refuse(f"meta holds {shape} of {dtype}; expected a string")
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
            if not isinstance(meta, dict) or not isinstance(meta.get("settings"), dict):
                raise refuse("no settings")
            check_checkpoint_settings(path, meta["settings"], settings)
            for name in ("theta", "m", "v"):
                shape, dtype = header(zf, name)
                if (shape, dtype) != ((p,), np.dtype(np.float64)):
                    raise refuse(f"{name} holds {shape} of {dtype}; expected ({p},) of float64")
            shape, dtype = header(zf, "history")
            if len(shape) != 2 or shape[1] != 3 or dtype != np.float64:
                raise refuse(f"history holds {shape} of {dtype}; expected (k, 3) of float64")
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in ("theta", "m", "v", "history")}
    except ValueError as exc:
        if str(exc).startswith(f"checkpoint {path}"):
            raise
        raise refuse(exc) from None
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error, RecursionError) as exc:
        raise refuse(f"{type(exc).__name__}: {exc}") from None
    st = {k: meta.get(k) for k in ("t", "epochs", "position", "evaluations", "errors")}
    if not all(type(val) is int and val >= 0 for val in st.values()):
        raise refuse(f"counters {st}")
    b = settings["batch_size"]
    steps = st["epochs"] * -(-n // b) + st["position"] // b
    adam = settings["optimizer"] == "adam"
    if (
        st["position"] >= n
        or st["position"] % b
        or st["errors"] > n
        or st["t"] != (steps if adam else 0)
        or arrays["history"].shape[0] != st["epochs"] + 1
    ):
        raise refuse(f"inconsistent counters {st} for N = {n}, batch_size = {b}")
    seconds = meta.get("seconds")
    if type(seconds) not in (int, float) or not seconds >= 0:
        raise refuse(f"training time {seconds!r}")
    try:
        rng.bit_generator.state = meta.get("rng_state")
    except (TypeError, ValueError, KeyError) as exc:
        raise refuse(f"generator state: {type(exc).__name__}: {exc}") from None
    st.update(
        theta=arrays["theta"],
        m=arrays["m"],
        v=arrays["v"],
        history=[tuple(map(float, row)) for row in arrays["history"]],
        seconds=float(seconds),
    )
    return st
