"""Independent recomputations used as references by the checks.

Each function here computes, by a route that shares nothing with the package's own implementation, a
quantity that a check compares with the shipped function at run time: ``A o X`` column by column with
:func:`numpy.kron`, and the exact bad volumes at :math:`d_0 = 2` from arcs sorted here, least squares by
:func:`numpy.linalg.lstsq` and misclassifications counted here (no K6 LP, no enumeration or MCE of the
package).  They live in the package because the checks use them; the tests use them too, through
``tests/anchors.py``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = [
    "khatri_rao_by_columns",
    "plane_arcs",
    "misclassified",
    "bad_volume_one_neuron_by_hand",
    "v2_volume_by_hand",
]


def khatri_rao_by_columns(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``A o X`` column by column with :func:`numpy.kron`: an independent route to the shipped khatri_rao.

    Parameters
    ----------
    A : ndarray, shape (d1, N)
    X : ndarray, shape (d0, N)

    Returns
    -------
    ndarray, shape (d0 d1, N)
        Column ``n`` is ``kron(A[:, n], X[:, n])``.
    """
    return np.stack([np.kron(A[:, n], X[:, n]) for n in range(A.shape[1])], axis=1)


def plane_arcs(X: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The arcs of directions ``w`` in the plane between the lines ``w^T x_n = 0``, with their signs.

    Parameters
    ----------
    X : ndarray, shape (2, N)
        Data in the plane, no zero column.

    Returns
    -------
    list of (ndarray, float)
        For each of the ``2N`` arcs (in angular order from the smallest cut): the signs
        ``sign(w^T X)`` at the arc's midpoint, and the arc's probability (its width over ``2 pi``).
    """
    normals = np.arctan2(X[1], X[0])
    cuts = np.sort(np.mod(np.concatenate([normals + np.pi / 2, normals - np.pi / 2]), 2 * np.pi))
    widths = np.diff(np.append(cuts, cuts[0] + 2 * np.pi))
    return [
        (np.sign(np.cos(m) * X[0] + np.sin(m) * X[1]), w / (2 * np.pi))
        for m, w in zip(cuts + widths / 2, widths)
    ]


def misclassified(output: np.ndarray, y: np.ndarray) -> int:
    """The number of points whose output is on the wrong side of 1/2 for its 0/1 label.

    Parameters
    ----------
    output, y : ndarray, shape (N,)
        The network's outputs and the labels (0 or 1).

    Returns
    -------
    int
    """
    return sum(1 for j in range(len(y)) if (output[j] > 0.5) != (y[j] == 1))


def bad_volume_one_neuron_by_hand(X: np.ndarray, y: np.ndarray, eps: float, rho: float) -> float:
    """V(L_eps) for d1 = 1, d0 = 2 (ReLU or leaky) without the K6 LPs or the package's MCE.

    Parameters
    ----------
    X : ndarray, shape (2, N)
        Data in the plane, no zero column.
    y : ndarray, shape (N,)
        Labels, 0 or 1.
    eps : float
        The misclassification threshold: a DLM is bad when it misclassifies more than ``eps N`` points.
    rho : float
        The slope of the activation on negative inputs (0 for ReLU).

    Returns
    -------
    float
        The probability over ``w`` uniform on the circle that ``w``'s region holds a DLM with
        MCE > ``eps``.

    Notes
    -----
    Each non-empty region is an arc of directions with sign pattern ``s``; the region's DLM outputs are
    ``z a * (X^T w)``, i.e. ``a * (X^T v)`` with ``v = z w``.  With ``v*`` the least-squares solution
    (numpy lstsq), a DLM with MCE > eps exists iff the target ``a * (X^T v*)`` misclassifies more than
    ``eps N`` points and: the target is 0 (``z = 0`` is a DLM), or ``v*`` is unique (rank 2) and strictly
    inside the arc's cone or its negative, or (ReLU, one active point) the line ``x_n^T v = y_n`` meets
    the cone, which holds.
    """
    total = 0.0
    for s, p in plane_arcs(X):
        a = np.where(s > 0, 1.0, rho)
        M = (X * a).T
        v, *_ = np.linalg.lstsq(M, y, rcond=None)
        target = M @ v
        if misclassified(target, y) <= eps * X.shape[1]:
            continue
        if np.linalg.norm(target) <= 1e-9 * np.linalg.norm(y):
            holds = True
        elif np.linalg.matrix_rank(M) == 2:  # strictly inside (a zero up to rounding is a boundary)
            su = s * (v @ X)
            tol = 1e-9 * np.abs(su).max()
            holds = bool(np.all(su > tol) or np.all(su < -tol))
        else:
            holds = rho == 0
        total += p * holds
    return total


def v2_volume_by_hand(X: np.ndarray, y: np.ndarray, d1: int, eps: float, rho: float) -> float:
    """P_W(MCE(y - e_A) > eps) at d0 = 2 by a route that shares nothing with the package's enumeration.

    Parameters
    ----------
    X : ndarray, shape (2, N)
        Data in the plane, no zero column.
    y : ndarray, shape (N,)
        Labels, 0 or 1.
    d1 : int
        Hidden width: the rows of ``W`` are independent, so every ``d1``-tuple of arcs is a region.
    eps : float
        The misclassification threshold.
    rho : float
        The slope of the activation on negative inputs (0 for ReLU).

    Returns
    -------
    float
        The sum of the regions' probabilities whose least-squares output misclassifies more than
        ``eps N`` points.

    Notes
    -----
    Arcs from the sorted angles of the lines ``w^T x = 0`` (:func:`plane_arcs`), ``A o X`` by
    :func:`numpy.kron`, ``e_A`` by :func:`numpy.linalg.lstsq`, and the misclassifications counted here.
    """
    n = X.shape[1]
    total = 0.0
    for combo in itertools.product(plane_arcs(X), repeat=d1):
        A = np.array([np.where(sg > 0, 1.0, rho) for sg, _ in combo])
        M = khatri_rao_by_columns(A, X).T  # (N, d1 d0)
        coef, *_ = np.linalg.lstsq(M, y, rcond=None)
        if misclassified(M @ coef, y) > eps * n:
            total += math.prod(p for _, p in combo)
    return total
