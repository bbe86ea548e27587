"""The user's data sets for Table 1 (E3): names, folders checked before any work, and loading.

The audit and the ``table1`` command read MNIST, CIFAR-10 and Downsampled ImageNet 64x64 from folders the
user names (``vanishing-minima audit --data mnist=DIR``, ``--data imagenet=DIR``, ``table1 --mnist DIR``);
nothing is downloaded and the package never looks for the files on its own.  Every malformed file is a
``ValueError`` naming it (the loaders of :mod:`vanishing_minima.numeric.datasets` and
:mod:`vanishing_minima.numeric.imagenet`), a missing one a ``FileNotFoundError``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import numpy as np

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.imagenet import IMAGENET_CLASSES, IMAGENET_SPLIT_AT

__all__ = [
    "TABLE1_DATA",
    "TABLE1_NOT_SUPPORTED",
    "TABLE1_SPLITS",
    "load_table1",
    "table1_data_folders",
]

#: The Table 1 rows the toolkit can load, by the name the audit's ``--data`` takes: the row's name in the
#: paper's table.
TABLE1_DATA = {"mnist": "MNIST", "cifar": "CIFAR-10", "imagenet": "ImageNet 64x64"}
#: Table 1 rows with no loader yet, and why (none: every row of the paper's table has one).
TABLE1_NOT_SUPPORTED: dict[str, str] = {}
#: The binary task of each data set: the classes labelled 0, against those labelled 1.
TABLE1_SPLITS = {
    "mnist": "0-4 vs 5-9",
    "cifar": "0-4 vs 5-9",
    "imagenet": f"1-{IMAGENET_SPLIT_AT} vs {IMAGENET_SPLIT_AT + 1}-{IMAGENET_CLASSES}",
}


def table1_data_folders(
    data: Mapping[str, str | os.PathLike] | None,
) -> tuple[tuple[str, str], ...]:
    """``data`` checked: names of :data:`TABLE1_DATA`, each an existing folder; as sorted pairs.

    Raises
    ------
    TypeError
        If ``data`` is not ``None`` or a mapping.
    ValueError
        If a name is unknown or a folder does not exist or is not a folder.
    """
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise TypeError(
            f"data must be a mapping of data set names to folders; got {type(data).__name__}"
        )
    out = []
    for name, folder in data.items():
        if name not in TABLE1_DATA:
            raise ValueError(f"data: unknown data set {name!r}; known: {sorted(TABLE1_DATA)}")
        path = Path(folder)
        if not path.is_dir():
            raise ValueError(f"data: {name}={folder}: not a folder")
        out.append((name, str(path)))
    return tuple(sorted(out))


def load_table1(
    name: str, folder: str | os.PathLike
) -> tuple[np.ndarray | nm.ImageNetFiles, np.ndarray]:
    """The Table 1 data set ``name`` from ``folder``: inputs (d0, N) in [0, 1] and labels in {0, 1}
    (:data:`TABLE1_SPLITS`: classes 5-9 against 0-4 for MNIST and CIFAR-10, the paper's split; classes
    501-1000 against 1-500 for ImageNet).  MNIST is train + test (the paper's N = 70,000; the test split
    is optional, but checked when present); CIFAR-10 its training batches (N = 50,000); ImageNet 64x64
    its ten training batches (N = 1,281,167).

    ImageNet does not fit in memory (63 GB as float32): its inputs come as a
    :class:`~vanishing_minima.numeric.imagenet.ImageNetFiles`, checked here to the last byte (every
    member read to its end in chunks, the zip's CRCs checked) but not loaded; ``X[:, idx]`` reads the
    columns ``idx`` (float64 in [0, 1]) in one pass, as E3 draws its subset.

    Raises
    ------
    ValueError
        If ``name`` is unknown or a file is malformed (the message names the file).
    FileNotFoundError
        If an expected file is missing (the message names the files expected).
    """
    if name == "imagenet":
        files = nm.open_imagenet(folder, "train")
        return files, nm.imagenet_binary_labels(files.labels)
    if name == "mnist":
        X, labels, (train_images, _) = nm.load_mnist(folder, "train", with_files=True)
        try:
            Xt, lt, (test_images, _) = nm.load_mnist(folder, "test", with_files=True)
        except FileNotFoundError:
            pass
        else:
            if Xt.shape[0] != X.shape[0]:
                raise ValueError(
                    f"train images have {X.shape[0]} pixels ({train_images}), test images "
                    f"{Xt.shape[0]} ({test_images})"
                )
            X, labels = np.concatenate([X, Xt], axis=1), np.concatenate([labels, lt])
    elif name == "cifar":
        X, labels = nm.load_cifar10(folder, "train")
    else:
        raise ValueError(f"unknown Table 1 data set {name!r}; known: {sorted(TABLE1_DATA)}")
    return X, nm.binary_labels(labels, range(5, 10))
