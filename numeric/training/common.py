"""What the trainers share: validation of the data and weights, the work caps' per-step charge, L-BFGS-B's
options.

Public inside :mod:`vanishing_minima.numeric.training` (not exported from :mod:`vanishing_minima.numeric`).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_array, as_matrix, check_rho

__all__ = [
    "STEP_OVERHEAD",
    "training_data",
    "network_arrays",
    "check_shapes",
    "lbfgs_options",
    "check_checkpoint_settings",
]

#: Operations charged to every training step (or loss evaluation) beside its matrix products, for the work
#: caps of the trainers: Python, temporaries and SciPy's bookkeeping, about 10 us.
STEP_OVERHEAD = 2e4


def training_data(X, y, rho) -> tuple[float, np.ndarray, np.ndarray]:
    """The trainers' data, validated: ``rho`` != 1, ``X`` a (d0, N) matrix, ``y`` a vector of length N.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty or is
        not finite, or ``y``'s length is not ``X``'s column count.
    """
    rho = check_rho(rho)
    X = as_matrix("X", X)
    y = as_array("y", y, ndim=1)
    if y.shape[0] != X.shape[1]:
        raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
    return rho, X, y


def network_arrays(W, z, X, y, rho) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """A point ``(W, z)`` of the one-hidden-layer network and its data, validated (as in
    :func:`check_shapes`), for the measurements at a point.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty or is
        not finite, or the shapes do not fit together.
    """
    rho = check_rho(rho)
    W, X = as_matrix("W", W), as_matrix("X", X)
    z, y = as_array("z", z, ndim=1), as_array("y", y, ndim=1)
    check_shapes(W, z, X, y)
    return W, z, X, y, rho


def check_shapes(W, z, X, y) -> None:
    """``W`` (d1, d0), ``z`` (d1,), ``X`` (d0, N), ``y`` (N,): the rule named in the message.

    Raises
    ------
    ValueError
        If the shapes do not fit together.
    """
    if W.shape[1] != X.shape[0] or z.shape[0] != W.shape[0] or y.shape[0] != X.shape[1]:
        raise ValueError(
            f"shapes do not fit: W {W.shape}, z {z.shape}, X {X.shape}, y {y.shape} "
            "(need W (d1, d0), z (d1,), X (d0, N), y (N,))"
        )


def lbfgs_options(max_iter: int, gtol: float) -> dict:
    """SciPy L-BFGS-B options of the L-BFGS trainers.

    Stop on the projected gradient (``gtol``) or after ``max_iter`` iterations / ``4 max_iter``
    evaluations, never on a small relative decrease (``ftol = 0``: E2's MSEs go down to 1e-30); 30
    correction pairs.
    """
    return {"maxiter": max_iter, "gtol": gtol, "ftol": 0.0, "maxcor": 30, "maxfun": 4 * max_iter}


def check_checkpoint_settings(path, saved: dict, settings: dict) -> None:
    """Refuse a checkpoint written for other data or settings: ValueError naming ``path`` and each key
    whose ``saved`` value differs from this run's ``settings``."""
    diffs = [
        f"{key} = {saved.get(key)!r} there, {value!r} here"
        for key, value in settings.items()
        if saved.get(key) != value
    ]
    if diffs:
        raise ValueError(
            f"checkpoint {path} was written for other data or settings: " + "; ".join(diffs)
        )
