r"""Real data for the binary tasks of Section 5 (E3): loaders, binary class groups and whitening.

Data come out in the paper's orientation, :math:`X\in\mathbb R^{d_0\times N}` (columns are samples),
with labels :math:`y\in\{0,1\}^N`.

* :func:`load_digits_binary`: scikit-learn's shipped 8x8 digits (N = 1797, d0 = 64); runs out of the box.
* :func:`load_mnist`: MNIST from the user's files in the standard IDX format (optionally gzipped).
* :func:`load_cifar10`: CIFAR-10 from the user's files in the standard "python version" pickle batches,
  read by a restricted unpickler (nothing in a file is run).
* :func:`whiten`: ZCA whitening of the inputs, as the paper does before training.

Nothing is downloaded: a missing file raises ``FileNotFoundError`` naming the files expected.  The files
are untrusted input: a malformed one (truncated, trailing data, wrong type, shape, counts or labels)
raises ``ValueError`` naming the file and the rule, and no more is read than the headers declare.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import math
import reprlib
import struct
import zlib
from pathlib import Path

import numpy as np

from ._checks import as_matrix, positive_int, power_of_two_scale, real_number
from ._cifar_pickle import Uint8Array, text_of, unpickle_cifar

__all__ = [
    "binary_labels",
    "load_digits_binary",
    "read_idx",
    "mnist_files",
    "load_mnist",
    "load_cifar10",
    "whiten",
    "MNIST_FILES",
    "CIFAR10_FILES",
    "MAX_IDX_BYTES",
    "MAX_MNIST_BYTES",
]

logger = logging.getLogger(__name__)

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR10_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}


def binary_labels(labels, positive) -> np.ndarray:
    """Map class labels to {0, 1}: 1 for the classes in ``positive`` (the paper splits classes into two groups).

    Parameters
    ----------
    labels : array_like
        Class labels, any shape and any comparable dtype (not checked to be 1-D or integer).
    positive : iterable
        The classes mapped to 1 (duplicates are ignored): at least one, each present in ``labels``,
        and not all of the classes present.

    Returns
    -------
    ndarray of float, shape of ``labels``
        1.0 where the label is in ``positive``, else 0.0; both values occur.

    Raises
    ------
    ValueError
        If ``positive`` is empty, names a class absent from ``labels``, or puts every sample in one
        class.
    """
    labels = np.asarray(labels)
    positive = np.asarray(sorted(set(positive)))
    if positive.size == 0:
        raise ValueError("positive must name at least one class")
    missing = np.setdiff1d(positive, np.unique(labels))
    if missing.size:
        raise ValueError(f"positive names classes absent from the labels: {missing.tolist()}")
    y = np.isin(labels, positive).astype(float)
    if y.min() == y.max():
        raise ValueError("the grouping puts every sample in one class")
    return y


def load_digits_binary(positive=(5, 6, 7, 8, 9)) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as a binary task: X (64, 1797) scaled to [0, 1], y = 1 for ``positive`` digits.

    Parameters
    ----------
    positive : iterable of int
        The digits mapped to 1: at least one digit in 0-9 and not all ten (checked by
        :func:`binary_labels`).

    Returns
    -------
    X : ndarray, shape (64, 1797)
        Pixel intensities divided by 16, in [0, 1]; columns are samples.
    y : ndarray of float, shape (1797,)
        Labels in {0, 1}.

    Raises
    ------
    ValueError
        From :func:`binary_labels`, if ``positive`` is empty, names a digit outside 0-9 or names all
        ten.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data.T / 16.0, binary_labels(digits.target, positive)


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


#: Default cap on the data an IDX header may declare, in bytes (2 GiB; MNIST's training images are
#: 47 MB): :func:`read_idx` refuses a larger header before reading, unless given a larger ``max_bytes``.
MAX_IDX_BYTES = 2**31

#: Default cap of :func:`load_mnist`'s images, in pixels (bytes of uint8): 512 MiB, i.e. 4 GiB as the
#: float64 result; MNIST's 70,000 images are 55 MB.
MAX_MNIST_BYTES = 2**29

#: The IDX type byte and the big-endian dtype it stands for.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _idx_header(
    path: Path, fh, ndim: int | None, expected: np.dtype | None = None
) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an IDX header declares, read from ``fh``; ValueError naming ``path`` and the rule
    (``expected``: the dtype the type byte must declare, byte order aside)."""
    head = fh.read(4)
    if len(head) < 4:
        raise ValueError(f"{path}: the file ends inside the 4-byte IDX magic number (truncated)")
    if head[0] or head[1]:
        raise ValueError(
            f"{path} is not an IDX file: the magic number must start with two zero bytes; got {head!r}"
        )
    if head[2] not in _IDX_TYPES:
        known = ", ".join(f"0x{code:02x} ({name})" for code, name in _IDX_TYPES.items())
        raise ValueError(f"{path}: unknown IDX type byte 0x{head[2]:02x}; known: {known}")
    dims = head[3]
    if dims < 1 or (ndim is not None and dims != ndim):
        rule = "at least 1" if ndim is None else f"{ndim} here"
        raise ValueError(f"{path}: the IDX header declares {dims} dimensions; must be {rule}")
    sizes = fh.read(4 * dims)
    if len(sizes) < 4 * dims:
        raise ValueError(
            f"{path}: the file ends inside the IDX header ({len(sizes)} of the {4 * dims} bytes of "
            f"its {dims} sizes; truncated)"
        )
    found = np.dtype(_IDX_TYPES[head[2]])
    if expected is not None and found.newbyteorder("=") != expected:
        raise ValueError(f"{path}: the IDX type byte declares {found}; must be {expected}")
    return struct.unpack(f">{dims}I", sizes), found


def _read_idx_data(
    path: Path, fh, shape: tuple[int, ...], dtype: np.dtype, max_bytes: int
) -> bytes:
    """Exactly the bytes the header declares: refused beyond ``max_bytes``, if short, or if more follow."""
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > max_bytes:
        raise ValueError(
            f"{path}: the IDX header declares {shape} values of {dtype} ({nbytes} bytes), more than "
            f"max_bytes = {max_bytes}; pass a larger max_bytes to read it"
        )
    data = fh.read(nbytes)
    if len(data) < nbytes:
        raise ValueError(
            f"{path}: the header says {shape} ({nbytes} bytes of {dtype}) but the file ends after "
            f"{len(data)} of them (truncated)"
        )
    if fh.read(1):
        raise ValueError(
            f"{path}: data follow the {nbytes} bytes the header says {shape} of {dtype} occupy "
            "(trailing data: not one IDX array)"
        )
    return data


def read_idx(
    path, *, ndim: int | None = None, dtype=None, max_bytes: int = MAX_IDX_BYTES
) -> np.ndarray:
    """Read one IDX file (the MNIST format: magic 0x00 0x00 type ndim, big-endian sizes, then the data).

    Only the bytes the header declares are read (plus one, to refuse trailing data): a small gzip that
    expands to gigabytes is refused after reading what its header declares, and a header that declares
    more than ``max_bytes`` is refused before its data are read or allocated.

    Parameters
    ----------
    path : str or Path
        The file; read through ``gzip`` when its name ends in ``.gz``, else as is.
    ndim : int, optional
        The number of dimensions (>= 1) the header must declare; any number >= 1 when None.
    dtype : data-type, optional
        The dtype the type byte must declare, byte order aside (e.g. ``numpy.uint8``); any of the six IDX
        types when None.
    max_bytes : int
        The most data (in bytes, sizes times item size) a header may declare, >= 1; default
        :data:`MAX_IDX_BYTES`.

    Returns
    -------
    ndarray
        The data with the header's shape and the type byte's big-endian dtype (``>u1`` for MNIST),
        read-only (a view of the bytes read).

    Raises
    ------
    ValueError
        If ``max_bytes`` is not an integer >= 1, or the file is not one IDX array, each naming the file
        and the rule: a wrong magic number (first two bytes not 0), an unknown type byte, a type other
        than ``dtype``, a number of dimensions other than ``ndim`` (or 0), a header or data cut short
        (truncated), data beyond what the header declares, a header that declares more than
        ``max_bytes``, or a ``.gz`` file that is not valid gzip (corrupt or truncated).  Also if
        ``ndim`` is given and not an integer >= 1.
    TypeError
        If ``dtype`` is not a NumPy data type.
    OSError
        If the file cannot be opened (``FileNotFoundError``, ``PermissionError``, ...).
    """
    path = Path(path)
    max_bytes = positive_int("max_bytes", max_bytes)
    ndim = None if ndim is None else positive_int("ndim", ndim)
    expected = None if dtype is None else np.dtype(dtype).newbyteorder("=")
    with _named_errors(path):
        with _open(path) as fh:
            shape, found = _idx_header(path, fh, ndim, expected)
            data = _read_idx_data(path, fh, shape, found, max_bytes)
    return np.frombuffer(data, dtype=found).reshape(shape)


@contextlib.contextmanager
def _named_errors(path: Path):
    """Corrupt gzip as ValueError naming ``path``; a read error with no file name (EIO, ...) named too."""
    try:
        yield
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # what gzip raises on corrupt input
        raise ValueError(f"{path}: not valid gzip data (corrupt or truncated): {exc}") from None
    except OSError as exc:
        if exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def _idx_shape(path: Path, ndim: int) -> tuple[int, ...]:
    """The shape a uint8 IDX file's header declares (its data not read), each rule of :func:`_idx_header`."""
    with _named_errors(path):
        with _open(path) as fh:
            return _idx_header(path, fh, ndim, np.dtype(np.uint8))[0]


def _variants(stem: str) -> list[str]:
    """The names mirrors give one MNIST file: a dash or a dot before "idx", gzipped or not (first match wins)."""
    dotted = stem.replace("-idx", ".idx")
    return [stem, f"{stem}.gz", dotted, f"{dotted}.gz"]


def _find(directory: Path, stem: str, expected: list[str]) -> Path:
    for name in _variants(stem):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    for name in _variants(stem):  # there, but not a regular file: say so, not "missing"
        candidate = directory / name
        if candidate.is_symlink() or candidate.exists():
            raise ValueError(
                f"{candidate}: not a regular file (a folder, FIFO, device or broken link); "
                f"expected the files {', '.join(expected)}"
            )
    raise FileNotFoundError(
        f"{directory}: missing {stem} (also looked for {', '.join(_variants(stem)[1:])}); "
        f"expected the files {', '.join(expected)}"
    )


def mnist_files(directory, split: str = "train") -> tuple[Path, Path]:
    """The image and label files of an MNIST ``split`` found in ``directory``.

    Each file is looked up under the names common mirrors use, in this order: ``train-images-idx3-ubyte``,
    ``train-images-idx3-ubyte.gz``, ``train-images.idx3-ubyte``, ``train-images.idx3-ubyte.gz`` (likewise
    for the labels and for ``t10k``); the first that exists is used.

    Parameters
    ----------
    directory : str or Path
    split : {"train", "test"}

    Returns
    -------
    images, labels : Path

    Raises
    ------
    ValueError
        If ``split`` is not "train" or "test".
    FileNotFoundError
        If a file is missing under every name; the message names the names tried and the files expected.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be one of {sorted(MNIST_FILES)}; got {split!r}")
    directory = Path(directory)
    expected = [name for pair in MNIST_FILES.values() for name in pair]
    return _find(directory, MNIST_FILES[split][0], expected), _find(
        directory, MNIST_FILES[split][1], expected
    )


def _check_class_labels(path: Path, labels: np.ndarray) -> None:
    """MNIST's labels must be digits 0-9; ValueError naming ``path``, the label and its index."""
    bad = (labels < 0) | (labels > 9)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{path}: labels must be classes 0-9; got {labels[i]} at index {i}")


def load_mnist(
    directory, split: str = "train", *, with_files: bool = False, max_bytes: int | None = None
):
    """MNIST from ``directory`` (IDX files under the names of :func:`mnist_files`): X (784, N) in [0, 1] and the digits.

    The files used are logged (logger ``vanishing_minima.numeric.datasets``, level INFO) and, with
    ``with_files``, returned as a third element ``(images_path, labels_path)``.

    Parameters
    ----------
    directory : str or Path
        The directory holding the image and label files of ``split``.
    split : {"train", "test"}
        Any other value is refused.
    with_files : bool
        Whether to return the paths of the files used as well (not type-checked: any truthy value).
    max_bytes : int, optional
        The most pixels (bytes of the images file's data) the images header may declare, >= 1; default
        :data:`MAX_MNIST_BYTES` (512 MiB: the result takes 8 bytes per pixel).  Checked, with the
        image and label counts, from the two headers before any data are read.

    Returns
    -------
    X : ndarray, shape (rows * cols, N)
        Pixels divided by 255, in [0, 1] (784 rows for MNIST's 28 x 28 images); columns are samples.
    digits : ndarray of int, shape (N,)
        The labels, each in 0-9.
    files : tuple (Path, Path)
        ``(images_path, labels_path)``, only with ``with_files``.

    Raises
    ------
    ValueError
        If ``split`` is unknown, or a file is not what MNIST's are, the message naming the file and the
        rule: not one IDX array (see :func:`read_idx`: truncated, trailing data, corrupt gzip, more than
        :data:`MAX_IDX_BYTES`), images not 3-D unsigned bytes (N, rows, cols) with pixels, labels not
        1-D unsigned bytes in 0-9, image and label counts that differ, or more pixels than
        ``max_bytes``; also if ``max_bytes`` is not an integer >= 1.
    OSError
        If a file is missing (``FileNotFoundError``, see :func:`mnist_files`) or cannot be opened or
        read (the error names the file).
    """
    max_bytes = positive_int("max_bytes", MAX_MNIST_BYTES if max_bytes is None else max_bytes)
    images_path, labels_path = mnist_files(directory, split)
    logger.info("MNIST %s: images %s, labels %s", split, images_path, labels_path)
    # the headers first: counts that disagree, or more images than the cap, are refused before any
    # data are read (a small gzip can declare gigabytes; the float64 result is 8 bytes per pixel)
    shape, n_labels = _idx_shape(images_path, 3), _idx_shape(labels_path, 1)[0]
    if shape[0] != n_labels:
        raise ValueError(
            f"MNIST files disagree: {images_path} declares {shape[0]} images, "
            f"{labels_path} {n_labels} labels"
        )
    pixels = math.prod(shape)
    if pixels > max_bytes:
        raise ValueError(
            f"{images_path}: the header declares {shape} pixels ({pixels} bytes, {8 * pixels} as "
            f"float64), more than max_bytes = {max_bytes}; pass a larger max_bytes to read it"
        )
    labels = read_idx(labels_path, ndim=1, dtype=np.uint8, max_bytes=max(n_labels, 1))
    _check_class_labels(labels_path, labels)
    images = read_idx(images_path, ndim=3, dtype=np.uint8, max_bytes=max(pixels, 1))
    if images.shape[0] != labels.shape[0]:  # the files changed since their headers were read
        raise ValueError(
            f"MNIST files disagree: {images_path} holds {images.shape[0]} images, "
            f"{labels_path} {labels.shape[0]} labels"
        )
    if 0 in images.shape:
        raise ValueError(f"{images_path}: the images have no pixels (shape {images.shape})")
    X, digits = images.reshape(images.shape[0], -1).T / 255.0, labels.astype(int)
    return (X, digits, (images_path, labels_path)) if with_files else (X, digits)


#: The keys of a CIFAR-10 python batch (b"data" and b"labels" required; as str or bytes).
_CIFAR10_KEYS = ("batch_label", "labels", "data", "filenames")


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The images (n, 3072) uint8 and labels (n,) in 0-9 of one batch file, each rule checked."""
    batch = unpickle_cifar(path)
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: a CIFAR-10 batch is a dict; got {type(batch).__name__}")
    entries = {text_of(key): value for key, value in batch.items()}
    unknown = [reprlib.repr(key) for key in batch if text_of(key) not in _CIFAR10_KEYS]
    missing = [key for key in ("data", "labels") if key not in entries]
    if unknown or missing or len(entries) < len(batch):
        raise ValueError(
            f"{path}: a CIFAR-10 batch has the keys {', '.join(_CIFAR10_KEYS)}, each once (data and "
            f"labels required); missing {missing}, unknown {unknown}, {len(batch)} keys"
        )
    data = entries["data"].array if isinstance(entries["data"], Uint8Array) else None
    if data is None or data.ndim != 2 or data.shape[0] == 0 or data.shape[1] != 3072:
        got = "not a uint8 array" if data is None else f"shape {data.shape}"
        raise ValueError(f"{path}: data must be a uint8 array of shape (n >= 1, 3072); got {got}")
    labels = entries["labels"]
    if not isinstance(labels, list) or len(labels) != data.shape[0]:
        got = f"{len(labels)} labels" if isinstance(labels, list) else type(labels).__name__
        raise ValueError(
            f"{path}: labels must be a list of one int per image ({data.shape[0]}); got {got}"
        )
    bad = next((i for i, v in enumerate(labels) if type(v) is not int or not 0 <= v <= 9), None)
    if bad is not None:
        raise ValueError(
            f"{path}: labels must be ints 0-9; got {reprlib.repr(labels[bad])} at index {bad}"
        )
    return data, np.array(labels)


def load_cifar10(directory, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from ``directory`` (the "python version" pickle batches): X (3072, N) in [0, 1] and labels.

    The batches are pickles, read by a restricted unpickler that builds only what a batch holds: a dict
    with the keys ``batch_label``, ``labels``, ``data``, ``filenames`` (bytes or str; ``data`` and
    ``labels`` required), ``data`` a uint8 array (n, 3072) in numpy's pickle format and ``labels`` a
    list of n ints in 0-9.  Any other global (code a pickle could run) is refused, as is any other
    dtype: nothing in the file is executed.  The files as distributed (Python 2's cPickle) and the same
    dict pickled by Python 3 at protocols 2-5 are read.

    The unpickler itself is shielded from the file: each batch must be a regular file (a symbolic link
    to one is followed; a FIFO is refused without being opened for reading, so it cannot hang the load)
    of at most 128 MiB, read once, and its opcode stream is checked before the unpickler sees it
    (``_cifar_pickle.check_opcodes``, building nothing): only the opcodes a batch uses; at most 200,000
    opcodes (a batch of 10,000 images has up to about 90,000); memo indices below the number of opcodes
    before them; containers nested at most 8 deep; at most 1,000,000 objects counted with repetition
    (memo references repeat one); at most 16 dict entries and 16 empty containers in the file.  So a
    small file cannot make the unpickler allocate gigabytes, crash it by recursion, or make it hash
    quadratically many colliding keys or a small key of shared tuples.

    Parameters
    ----------
    directory : str or Path
        The directory holding ``data_batch_1`` ... ``data_batch_5`` (``"train"``) or ``test_batch``
        (``"test"``), uncompressed.
    split : {"train", "test"}
        Any other value is refused.

    Returns
    -------
    X : ndarray, shape (3072, N)
        Pixel values divided by 255, in [0, 1]; columns are samples.
    labels : ndarray of int, shape (N,)
        The class labels, each in 0-9.

    Raises
    ------
    ValueError
        If ``split`` is unknown, or a batch is not what CIFAR-10's are, the message naming the file and
        the rule: not a regular file, larger than 128 MiB, not a pickle (garbage, truncated, trailing
        data), a rule of the opcode check above (with the byte offset of the opcode that broke it), a
        global other than numpy's array pieces, not a dict with the keys above, data not a uint8 array
        (n >= 1, 3072), or labels not a list of n ints in 0-9.
    OSError
        If a batch file is missing (``FileNotFoundError``, the message names the files expected) or
        cannot be read.
    """
    if split not in CIFAR10_FILES:
        raise ValueError(f"split must be one of {sorted(CIFAR10_FILES)}; got {split!r}")
    directory = Path(directory)
    expected = [name for names in CIFAR10_FILES.values() for name in names]
    data, labels = [], []
    for name in CIFAR10_FILES[split]:
        path = directory / name
        if not path.exists():
            raise FileNotFoundError(
                f"{directory}: missing {name}; expected the files {', '.join(expected)}"
            )
        images, classes = _cifar_batch(path)
        data.append(images)
        labels.append(classes)
    return np.concatenate(data).T / 255.0, np.concatenate(labels)


def whiten(X, *, eps: float = 1e-5) -> np.ndarray:
    r"""ZCA whitening: center each input coordinate and map the covariance to (nearly) the identity.

    .. math:: \tilde X = U\operatorname{diag}\big((s + \epsilon)^{-1/2}\big)U^\top C,
        \qquad C = (X - \bar x\mathbf 1^\top)/\sigma, \quad \tfrac1N C C^\top = U\operatorname{diag}(s)U^\top,

    with :math:`\sigma = \max X - \min X`, the range of the entries; ``eps`` is relative to
    :math:`\sigma^2`.  The result is scale-invariant: ``whiten(c * X)`` equals ``whiten(X)`` for every
    :math:`c > 0` up to rounding, from :math:`c = 10^{-300}` to :math:`10^{300}` (``X`` is first divided
    by a power of two, which is exact and keeps the sums finite).  For intensities scaled to [0, 1] that
    reach both 0 and 1 (MNIST, CIFAR-10, the digits), :math:`\sigma = 1`: ``eps`` is in the data's units.

    When :math:`N < d_0` (a subset of ImageNet's 12,288 pixels) the same map is computed through the
    :math:`N \times N` Gram matrix, :math:`\tilde X = C\,(C^\top C/N + \epsilon I)^{-1/2}` (:math:`C`'s
    component outside its column space is zero, and :math:`U f(S) U^\top C = C\, f(C^\top C/N)` for
    :math:`f(s) = (s+\epsilon)^{-1/2}`): :math:`O(d_0 N^2)` instead of an eigendecomposition of order
    :math:`d_0` (20 minutes at :math:`d_0 = 12{,}288` on one core).

    Zero-variance directions (pixels that are constant over the data, such as MNIST's border pixels,
    and linear combinations of pixels that are constant) are kept, not dropped: the output has the
    same ``d0`` rows, so the network's input dimension is the paper's.  The centered data have no
    component along them, so they come out zero (up to rounding, amplified at most
    :math:`\epsilon^{-1/2}`-fold); a constant pixel gives a row of (numerical) zeros.  ``eps`` is the
    regularization that makes this well posed: a direction of variance :math:`s` comes out with variance
    :math:`s/(s+\epsilon)`, about 1 when :math:`s \gg \epsilon` and about :math:`s/\epsilon` (shrunk, never
    blown up) when :math:`s \ll \epsilon`.  Eigenvalues that rounding makes slightly negative count as 0.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Finite, with at least two distinct columns (samples).
    eps : float, > 0
        Finite; relative to :math:`\sigma^2` as above.

    Returns
    -------
    ndarray, shape (d0, N)

    Raises
    ------
    ValueError
        If ``X`` is not a finite matrix or all its columns are equal (nothing varies: no direction to
        whiten), or ``eps`` is not a finite number > 0.
    """
    X = as_matrix("X", X)
    eps = real_number("eps", eps, low=0.0, low_open=True)
    X = X / power_of_two_scale(X)  # exact, and no overflow in the mean
    # exact comparison: the mean of equal numbers can differ from them by rounding, so a centered
    # matrix of constant data is not always exactly zero (and its range, divided by below, is 0)
    if np.array_equal(X, np.broadcast_to(X[:, :1], X.shape)):
        raise ValueError(
            f"X must vary across its columns (samples); all {X.shape[1]} columns are equal"
        )
    centered = X - X.mean(axis=1, keepdims=True)
    centered /= X.max() - X.min()  # eps is relative to the range: whitening is scale-free
    d0, n = centered.shape
    if n < d0:  # the same map through the N x N Gram matrix: C (C^T C / N + eps I)^(-1/2)
        g, V = np.linalg.eigh(centered.T @ centered / n)
        return (centered @ (V * (1.0 / np.sqrt(np.maximum(g, 0.0) + eps)))) @ V.T
    cov = centered @ centered.T / n
    s, U = np.linalg.eigh(cov)
    return (U * (1.0 / np.sqrt(np.maximum(s, 0.0) + eps))) @ (U.T @ centered)
