"""Input checks shared by the numeric layer: shapes, finiteness, rho, labels, random generators.

Every check raises ``ValueError`` (or ``TypeError`` for a wrong type) naming the argument and the rule.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "as_matrix",
    "check_rho",
    "check_labels",
    "as_generator",
    "check_same_columns",
    "positive_int",
    "real_number",
    "check_work",
    "MarginWarning",
    "MAX_WORK",
    "MAX_MEMORY",
    "check_memory",
    "check_samples",
    "scaled_norm",
    "power_of_two_scale",
    "open_unit",
    "batch_sizes",
]

#: Default limit on the work a single call may start (floating-point operations, or LPs times their cost).
#: About a minute on one core of this project's machine; functions take ``max_work`` to raise it.
MAX_WORK = 1e11

#: Default limit on the memory a single call may hold in its main arrays, in bytes (2 GiB, a tenth of this
#: project's machine); functions take ``max_memory`` to raise it.
MAX_MEMORY = 2 * 2**30


class MarginWarning(UserWarning):
    r"""A decision depended on the LP margin: a cone was positive to the solver but thinner than ``margin``.

    Strict inequalities are decided with an explicit margin (see :mod:`.regions`); a cone whose optimal
    margin :math:`t^*` lies in :math:`(0, \text{margin}]` is counted as empty although the solver found
    it non-empty.  The result may change with a smaller margin.
    """


def power_of_two_scale(x: np.ndarray, axis=None) -> np.ndarray:
    """The power of two nearest above ``max |x|`` (along ``axis``), 1 where that maximum is 0 or not finite.

    Dividing by it is exact in binary floating point, so it rescales data to about unit size without
    rounding: the tool of every scale-invariant computation here (norms of vectors of size 1e200 or
    1e-200 neither overflow nor underflow after it).
    """
    m = np.max(np.abs(x), axis=axis, keepdims=axis is not None)
    m = np.where(np.isfinite(m) & (m > 0), m, 1.0)
    return np.ldexp(1.0, np.frexp(m)[1])


def scaled_norm(x: np.ndarray, axis=None) -> np.ndarray:
    r"""Euclidean norm without overflow or underflow: :math:`s\,\|x/s\|` with :func:`power_of_two_scale` ``s``."""
    x = np.asarray(x, dtype=float)
    s = power_of_two_scale(x, axis)
    out = s * np.sqrt(np.sum((x / s) ** 2, axis=axis, keepdims=axis is not None))
    return out if axis is None else np.squeeze(out, axis=axis)


def as_array(
    name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None, min_ndim: int | None = None
) -> np.ndarray:
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
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimensions; got shape {arr.shape}"
            )
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"{name} must be finite (no NaN or inf); got {arr[index]} at index {index}"
        )
    return arr


def as_matrix(name: str, value: Any) -> np.ndarray:
    """A finite 2-D float array."""
    return as_array(name, value, ndim=2)


def positive_int(name: str, value: Any) -> int:
    """A size: an integer (Python or NumPy) >= 1; booleans, floats and strings are refused."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (numbers.Integral, np.integer))
        or value < 1
    ):
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def real_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite real number (not a boolean or a string) within optional bounds, as a float.

    Raises ``ValueError`` naming ``name`` and the rule, e.g. ``margin must be a finite number in (0, 1)``.
    """
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    rule = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (numbers.Real, np.floating, np.integer)
    ):
        raise ValueError(f"{name} must be a finite number in {rule}; got {value!r}")
    x = float(value)
    ok = np.isfinite(x)
    if ok and low is not None:
        ok = x > low if low_open else x >= low
    if ok and high is not None:
        ok = x < high if high_open else x <= high
    if not ok:
        raise ValueError(f"{name} must be a finite number in {rule}; got {value!r}")
    return x


def batch_sizes(total: int, batch: int) -> list[int]:
    """Sizes of the consecutive batches, of at most ``batch`` each, that add up to ``total``.

    >>> batch_sizes(10, 4)
    [4, 4, 2]
    """
    full, rest = divmod(int(total), int(batch))
    return [int(batch)] * full + ([rest] if rest else [])


def open_unit(name: str, value: Any) -> float:
    """A finite number strictly between 0 and 1 (an error rate, eps, a margin), as a float."""
    return real_number(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


def check_work(
    what: str,
    work: float,
    max_work: float | None,
    unit: str = "floating-point operations",
    rate: float = 2e9,
    param: str = "max_work",
) -> None:
    """Refuse, before starting, a call whose estimated ``work`` exceeds ``max_work`` (default :data:`MAX_WORK`).

    The message states the estimate and the time it would take at ``rate`` units per second, and names
    the parameter (``param``) that runs it anyway.
    """
    limit = MAX_WORK if max_work is None else real_number(param, max_work, low=0.0, low_open=True)
    if work > limit:
        raise ValueError(
            f"{what} would take about {work:.2g} {unit} (about {work / rate:.2g} s at {rate:.2g} {unit}/s), "
            f"more than {param} = {limit:.2g}; pass a larger {param} to run it anyway"
        )


def check_memory(
    what: str,
    nbytes: float,
    max_memory: float | None,
    param: str = "max_memory",
    remedy: str | None = None,
) -> None:
    """Refuse, before allocating, a call whose main arrays would hold more than ``max_memory`` bytes at once
    (default :data:`MAX_MEMORY`).

    The message states the estimate in GiB and names the parameter (``param``) that runs it anyway, or
    gives ``remedy`` instead (for a function without such a parameter).
    """
    limit = (
        MAX_MEMORY if max_memory is None else real_number(param, max_memory, low=0.0, low_open=True)
    )
    if nbytes > limit:
        raise ValueError(
            f"{what} would hold about {nbytes / 2**30:.3g} GiB at once, more than {param} = "
            f"{limit / 2**30:.3g} GiB; "
            + (remedy or f"pass a larger {param} (in bytes) to run it anyway")
        )


def check_samples(
    what: str, n_samples: Any, flops: float, max_work: float | None, held_bytes: float = 0.0
) -> int:
    """``n_samples`` as an int (an integer >= 1, else ``ValueError`` naming it), refused before any draw when
    the draws would take more than ``max_work`` operations at ``flops`` each (:func:`check_work`) or, for a
    function that holds every draw at once, more than :data:`MAX_MEMORY` at ``held_bytes`` each."""
    n = positive_int("n_samples", n_samples)
    check_work(f"{what} with n_samples = {n} ({flops:.2g} operations each)", n * flops, max_work)
    if held_bytes:
        check_memory(
            f"{what} with n_samples = {n} held at once ({held_bytes:.3g} bytes each)",
            n * held_bytes,
            None,
            "MAX_MEMORY",
            "ask for fewer samples per call (the counts of several calls add up)",
        )
    return n


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
        raise ValueError(
            f"{name} must have one label per datapoint (N = {n}); got length {arr.shape[0]}"
        )
    return arr


def check_same_columns(a_name: str, a: np.ndarray, b_name: str, b: np.ndarray) -> None:
    """``a`` and ``b`` must have the same number of columns (datapoints)."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{a_name} and {b_name} must have the same number of columns (datapoints N); "
            f"got {a.shape} and {b.shape}"
        )


def as_generator(rng: Any) -> np.random.Generator:
    """A NumPy ``Generator`` from a generator, an integer seed >= 0 or a ``SeedSequence``.

    ``None`` is refused: results must be reproducible, so the caller chooses the seed.  A negative seed
    is refused naming ``rng`` (NumPy's own message names neither the argument nor the rule).
    """
    if rng is None:
        raise ValueError(
            "rng must be a numpy.random.Generator or an integer seed; None would not be reproducible"
        )
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)):
        raise TypeError("rng must be a numpy.random.Generator or an integer seed; got a boolean")
    if isinstance(rng, numbers.Integral) and rng < 0:
        raise ValueError(
            f"rng must be a numpy.random.Generator or an integer seed >= 0; got {rng!r}"
        )
    if isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be a numpy.random.Generator or an integer seed; got {type(rng).__name__}"
    )
