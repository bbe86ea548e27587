r"""Real data for the binary tasks of Section 5 (E3): loaders, binary class groups and whitening.

Data come out in the paper's orientation, :math:`X\in\mathbb R^{d_0\times N}` (columns are samples),
with labels :math:`y\in\{0,1\}^N`.

* :func:`load_digits_binary`: scikit-learn's shipped 8x8 digits (N = 1797, d0 = 64); runs out of the box.
* :func:`load_mnist`: MNIST from the user's files in the standard IDX format (optionally gzipped).
* :func:`load_cifar10`: CIFAR-10 from the user's files in the standard "python version" pickle batches.
* :func:`whiten`: ZCA whitening of the inputs, as the paper does before training.

Nothing is downloaded: a missing file raises ``FileNotFoundError`` naming the files expected.
"""

from __future__ import annotations

import gzip
import logging
import pickle
import struct
from pathlib import Path

import numpy as np

from ._checks import as_matrix

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


def read_idx(path) -> np.ndarray:
    """Read one IDX file (the MNIST format: magic 0x00 0x00 type ndim, big-endian sizes, then the data).

    Parameters
    ----------
    path : str or Path
        The file; read through ``gzip`` when its name ends in ``.gz``, else as is.

    Returns
    -------
    ndarray
        The data with the header's shape and the type byte's big-endian dtype (``>u1`` for MNIST),
        read-only (a view of the bytes read).

    Raises
    ------
    ValueError
        If the magic number is wrong (first two bytes not 0, or an unknown type byte) or the number
        of values differs from the product of the header's sizes.
    OSError
        If the file cannot be opened (``FileNotFoundError``) or is not valid gzip.
    struct.error
        If the file ends inside the header's sizes.
    """
    path = Path(path)
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    with _open(path) as fh:
        head = fh.read(4)
        if len(head) != 4 or head[0] != 0 or head[1] != 0 or head[2] not in types:
            raise ValueError(f"{path} is not an IDX file (bad magic number {head!r})")
        ndim = head[3]
        shape = struct.unpack(f">{ndim}I", fh.read(4 * ndim))
        dtype = np.dtype(types[head[2]])
        data = np.frombuffer(fh.read(), dtype=dtype)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"{path}: header says {shape} ({int(np.prod(shape))} values) but the file holds {data.size}"
        )
    return data.reshape(shape)


def _variants(stem: str) -> list[str]:
    """The names mirrors give one MNIST file: a dash or a dot before "idx", gzipped or not (first match wins)."""
    dotted = stem.replace("-idx", ".idx")
    return [stem, f"{stem}.gz", dotted, f"{dotted}.gz"]


def _find(directory: Path, stem: str, expected: list[str]) -> Path:
    for name in _variants(stem):
        candidate = directory / name
        if candidate.is_file():
            return candidate
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


def load_mnist(directory, split: str = "train", *, with_files: bool = False):
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

    Returns
    -------
    X : ndarray, shape (rows * cols, N)
        Pixels divided by 255, in [0, 1] (784 rows for MNIST's 28 x 28 images); columns are samples.
    digits : ndarray of int, shape (N,)
        The labels as stored (not checked to be 0-9).
    files : tuple (Path, Path)
        ``(images_path, labels_path)``, only with ``with_files``.

    Raises
    ------
    ValueError
        If ``split`` is unknown, a file is not IDX, or the two files disagree.
    FileNotFoundError
        If a file is missing (see :func:`mnist_files`).
    """
    images_path, labels_path = mnist_files(directory, split)
    logger.info("MNIST %s: images %s, labels %s", split, images_path, labels_path)
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST files disagree: images {images.shape}, labels {labels.shape}")
    X, digits = images.reshape(images.shape[0], -1).T / 255.0, labels.astype(int)
    return (X, digits, (images_path, labels_path)) if with_files else (X, digits)


def load_cifar10(directory, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from ``directory`` (the "python version" pickle batches): X (3072, N) in [0, 1] and labels.

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
        The class labels as stored (not checked to be 0-9).

    Raises
    ------
    ValueError
        If ``split`` is unknown or the rows of the batches do not have 3072 values.
    FileNotFoundError
        If a batch file is missing; the message names the files expected.

    Notes
    -----
    The batches are read with ``pickle``: load only files you trust.  A batch without ``b"data"`` or
    ``b"labels"`` raises ``KeyError``; the numbers of images and labels are not compared.
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
        with open(path, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        data.append(np.asarray(batch[b"data"], dtype=np.uint8))
        labels.append(np.asarray(batch[b"labels"], dtype=int))
    X = np.concatenate(data)
    if X.shape[1] != 3072:
        raise ValueError(f"CIFAR-10 rows must have 3072 values; got {X.shape[1]}")
    return X.T / 255.0, np.concatenate(labels)


def whiten(X, *, eps: float = 1e-5) -> np.ndarray:
    r"""ZCA whitening: center each input coordinate and map the covariance to (nearly) the identity.

    .. math:: \tilde X = U\operatorname{diag}\big((s + \epsilon)^{-1/2}\big)U^\top (X - \bar x\mathbf 1^\top),
        \qquad \tfrac1N (X - \bar x\mathbf 1^\top)(X - \bar x\mathbf 1^\top)^\top = U\operatorname{diag}(s)U^\top.

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
    eps : float, > 0

    Returns
    -------
    ndarray, shape (d0, N)

    Raises
    ------
    ValueError
        If ``X`` is not a finite matrix or ``eps`` is not > 0.
    """
    X = as_matrix("X", X)
    if not eps > 0:
        raise ValueError(f"eps must be > 0; got {eps}")
    centered = X - X.mean(axis=1, keepdims=True)
    cov = centered @ centered.T / X.shape[1]
    s, U = np.linalg.eigh(cov)
    return (U * (1.0 / np.sqrt(np.maximum(s, 0.0) + eps))) @ (U.T @ centered)
