"""Hypothesis strategies for data: real arrays whose entries have bounded exponents.

A law that holds for every matrix is tested on matrices drawn entry by entry (hypothesis.extra.numpy),
so that a failure shrinks to a small matrix of short numbers.  Entries are 0 or of magnitude in
``[10^-e, 10^e]``: no overflow, underflow or subnormal number in the laws' arithmetic, and the
degenerate cases (zeros, repeated entries, parallel columns) come up often.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["reals", "matrices", "data_matrices"]


def reals(exponent: int = 3, zero: bool = True) -> st.SearchStrategy[float]:
    """Floats that are 0 (unless ``zero`` is false) or of magnitude in ``[10^-exponent, 10^exponent]``."""
    bound = 10.0**exponent
    if not zero:
        magnitude = st.floats(1 / bound, bound)
        return st.one_of(magnitude, magnitude.map(lambda v: -v))
    return st.floats(-bound, bound, allow_subnormal=False).map(
        lambda v: 0.0 if abs(v) < 1 / bound else v
    )


def matrices(shape, exponent: int = 3, zero: bool = True) -> st.SearchStrategy[np.ndarray]:
    """Float arrays of the given shape (or shape strategy) with entries from :func:`reals`."""
    return hnp.arrays(np.float64, shape, elements=reals(exponent, zero))


def _no_zero_column(X: np.ndarray) -> np.ndarray:
    X = X.copy()
    X[0, ~X.any(axis=0)] = 1.0
    return X


def data_matrices(d0, n, exponent: int = 3) -> st.SearchStrategy[np.ndarray]:
    """Data ``X`` of shape ``(d0, n)`` with no zero column (a zero column gets a 1 in its first row);
    ``d0`` and ``n`` are integers or integer strategies."""
    shape = st.tuples(
        d0 if isinstance(d0, st.SearchStrategy) else st.just(d0),
        n if isinstance(n, st.SearchStrategy) else st.just(n),
    )
    return matrices(shape, exponent).map(_no_zero_column)
