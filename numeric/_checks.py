"""Input checks shared by the numeric layer: shapes, finiteness, rho, labels, random generators.

Every check raises ``ValueError`` (or ``TypeError`` for a wrong type) naming the argument and the rule.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["as_array", "as_matrix", "check_rho", "check_labels", "as_generator", "check_same_columns", "positive_int"]


def as_array(name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None, min_ndim: int | None = None) -> np.ndarray:
    """``value`` as a finite float array, with its dimension checked."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, str):
        raise TypeError(f"{name} must be a real array; got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    arr = arr.astype(float, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions; got shape {arr.shape}")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite (no NaN or inf); got {arr[index]} at index {index}")
    return arr


def as_matrix(name: str, value: Any) -> np.ndarray:
    """A finite 2-D float array."""
    return as_array(name, value, ndim=2)


def positive_int(name: str, value: Any) -> int:
    """A size: an integer (Python or NumPy) >= 1; booleans are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def check_rho(rho: Any) -> float:
    """The LReLU slope: a finite real number different from 1."""
    if isinstance(rho, (bool, np.bool_)) or not isinstance(rho, numbers.Real):
        raise TypeError(f"rho must be a real number; got {type(rho).__name__}")
    rho = float(rho)
    if not np.isfinite(rho):
        raise ValueError(f"rho must be finite; got {rho}")
    if rho == 1.0:
        raise ValueError("rho must differ from 1 (rho = 1 makes the network linear: no regions)")
    return rho


def check_labels(y: Any, n: int | None = None, name: str = "y") -> np.ndarray:
    """Binary labels: a 1-D array with entries in {0, 1} (and length ``n`` if given)."""
    arr = as_array(name, y, ndim=1)
    bad = (arr != 0) & (arr != 1)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must have entries in {{0, 1}}; got {arr[i]} at index {i}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have one label per datapoint (N = {n}); got length {arr.shape[0]}")
    return arr


def check_same_columns(a_name: str, a: np.ndarray, b_name: str, b: np.ndarray) -> None:
    """``a`` and ``b`` must have the same number of columns (datapoints)."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{a_name} and {b_name} must have the same number of columns (datapoints N); "
            f"got {a.shape} and {b.shape}"
        )


def as_generator(rng: Any) -> np.random.Generator:
    """A NumPy ``Generator`` from a generator, an integer seed or a ``SeedSequence``.

    ``None`` is refused: results must be reproducible, so the caller chooses the seed.
    """
    if rng is None:
        raise ValueError("rng must be a numpy.random.Generator or an integer seed; None would not be reproducible")
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)):
        raise TypeError("rng must be a numpy.random.Generator or an integer seed; got a boolean")
    if isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator or an integer seed; got {type(rng).__name__}")
