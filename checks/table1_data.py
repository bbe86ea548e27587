"""The user's data sets for Table 1 (E3): names, folders checked before any work, and loading.

The audit and the ``table1`` command read MNIST and CIFAR-10 from folders the user names
(``vanishing-minima audit --data mnist=DIR``, ``table1 --mnist DIR``); nothing is downloaded and the
package never looks for the files on its own.  Every malformed file is a ``ValueError`` naming it (the
loaders of :mod:`vanishing_minima.numeric.datasets`), a missing one a ``FileNotFoundError``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import numpy as np

from vanishing_minima import numeric as nm

__all__ = ["TABLE1_DATA", "TABLE1_NOT_SUPPORTED", "load_table1", "table1_data_folders"]

#: The Table 1 rows the toolkit can load, by the name the audit's ``--data`` takes: the row's name in the
#: paper's table.
TABLE1_DATA = {"mnist": "MNIST", "cifar": "CIFAR-10"}
#: Table 1 rows with no loader yet, and why.
TABLE1_NOT_SUPPORTED = {"ImageNet 64x64": "no loader yet: 1.28M x 12,288 needs streamed training"}


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


def load_table1(name: str, folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """The Table 1 data set ``name`` from ``folder``: inputs (d0, N) in [0, 1] and labels in {0, 1}
    (classes 5-9 against 0-4, the paper's split).  MNIST is train + test (the paper's N = 70,000; the test
    split is optional, but checked when present); CIFAR-10 its training batches (N = 50,000).

    Raises
    ------
    ValueError
        If ``name`` is unknown or a file is malformed (the message names the file).
    FileNotFoundError
        If an expected file is missing (the message names the files expected).
    """
    if name == "mnist":
        X, labels = nm.load_mnist(folder, "train")
        try:
            Xt, lt = nm.load_mnist(folder, "test")
        except FileNotFoundError:
            pass
        else:
            if Xt.shape[0] != X.shape[0]:
                raise ValueError(
                    f"train images have {X.shape[0]} pixels, test images {Xt.shape[0]}"
                )
            X, labels = np.concatenate([X, Xt], axis=1), np.concatenate([labels, lt])
    elif name == "cifar":
        X, labels = nm.load_cifar10(folder, "train")
    else:
        raise ValueError(f"unknown Table 1 data set {name!r}; known: {sorted(TABLE1_DATA)}")
    return X, nm.binary_labels(labels, range(5, 10))
