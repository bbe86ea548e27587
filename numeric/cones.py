r"""Activation patterns as sign conditions, and row cones decided by LP with an explicit margin (D1, K6).

A region :math:`\mathcal D_A(X) = \{W : a(WX) = A\}` is a product of open polyhedral cones, one per row:
:math:`C_i = \{w : s_{in}\,w^\top x^{(n)} > 0\ \forall n\}` with :math:`s_{in} = +1` where
:math:`A_{in} = 1` and :math:`-1` where :math:`A_{in} = \rho` (:func:`pattern_signs`).

Strict inequalities are decided with an explicit margin, never by a solver's feasibility flag: the
data columns are normalized to unit length (each first divided by a power of two, exactly, so columns of
any finite non-zero scale, :math:`10^{-300}` or :math:`10^{300}`, give the same LP) and the linear program

.. math:: \max t \quad\text{s.t.}\quad s_{in}\,w^\top \hat x^{(n)} \ge t,\ \ -1 \le w_j \le 1,\ \ t \le 1

(always feasible) is solved by HiGHS (:func:`cone_margin`); the cone is declared non-empty iff
:math:`t^* >` ``margin`` (default :data:`DEFAULT_MARGIN` = ``1e-6``, well above HiGHS's feasibility
tolerance of ``1e-7``).  A cone thinner than that is reported empty: the decision is conservative.
When a decision depended on the margin (some :math:`t^*` in :math:`(0, \text{margin}]`: positive to the
solver, thinner than the margin), a :class:`~vanishing_minima.numeric._checks.MarginWarning` is issued,
so a result that may change with a smaller margin never passes silently.  (For empty cones HiGHS
returns :math:`t^* = 0` exactly: measured on 293 empty cones in the plane.)
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import linprog

from ._checks import (
    MarginWarning,
    as_array,
    as_matrix,
    check_same_columns,
    open_unit,
    power_of_two_scale,
)

__all__ = [
    "DEFAULT_MARGIN",
    "pattern_signs",
    "cone_margin",
    "region_margins",
]


DEFAULT_MARGIN = 1e-6


def pattern_signs(A) -> np.ndarray:
    r"""Signs :math:`s_{in} = +1` where :math:`A_{in} = 1`, else :math:`-1`.

    The entries of ``A`` other than 1 must all equal one value (the slope :math:`\rho`).

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        A pattern, real and finite, at least 1-D, non-empty, with entries in :math:`\{\rho, 1\}` for a
        single value :math:`\rho` (which is not otherwise checked).

    Returns
    -------
    ndarray
        :math:`\pm 1` of the shape of ``A``.

    Raises
    ------
    TypeError
        If ``A`` is not a real numeric array.
    ValueError
        If ``A`` is 0-D, empty or not finite, or its entries other than 1 take more than one value.
    """
    A = as_array("A", A, min_ndim=1)
    other = A[A != 1]
    if other.size and np.any(other != other.flat[0]):
        raise ValueError(
            f"A must have entries in {{rho, 1}} for one rho; got the values {np.unique(A)}"
        )
    return np.where(A == 1, 1.0, -1.0)


def check_no_zero_column(X: np.ndarray) -> None:
    """Refuse an exactly zero column (a scale-free test: no norm is compared with a threshold)."""
    zero = ~np.any(X != 0, axis=0)
    if np.any(zero):
        raise ValueError(
            "X must have no zero column (a zero datapoint has w^T x = 0 for every w); "
            f"column {int(np.argmax(zero))} is zero"
        )


def pow2_columns(X: np.ndarray) -> np.ndarray:
    """``X`` with each column divided by the power of two above its largest entry: the same directions
    exactly (the division is exact), entries in (-1, 1), so no product or norm overflows or underflows."""
    return X / power_of_two_scale(X, axis=0)


def unit_columns(X: np.ndarray) -> np.ndarray:
    """Columns of ``X`` scaled to unit length, for ``X`` of any scale; refuses a zero column."""
    check_no_zero_column(X)
    Xs = pow2_columns(X)
    return Xs / np.linalg.norm(Xs, axis=0)


def cone_margin(signs, X) -> tuple[float, np.ndarray]:
    r"""Largest margin :math:`t` with :math:`s_n w^\top \hat x^{(n)} \ge t`, :math:`\|w\|_\infty \le 1`.

    Parameters
    ----------
    signs : array_like, shape (N,)
        Desired signs :math:`\pm 1` of :math:`w^\top x^{(n)}`, one per column of ``X`` (converted to float;
        the values themselves are not checked).
    X : array_like, shape (d0, N)
        Data, real and finite, with no zero column.

    Returns
    -------
    t : float
        The optimal margin (capped at 1); the open cone is non-empty iff :math:`t > 0`.
    w : ndarray, shape (d0,)
        A maximizer.

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array.
    ValueError
        If ``X`` is not 2-D, is empty or not finite, or has a zero column; or ``signs`` is not of shape (N,).
    """
    Xh = unit_columns(as_matrix("X", X))
    s = np.asarray(signs, dtype=float)
    d0, n = Xh.shape
    if s.shape != (n,):
        raise ValueError(f"signs must have shape (N,) = ({n},); got {s.shape}")
    a_ub = np.hstack([-(Xh * s).T, np.ones((n, 1))])
    res = linprog(
        c=np.r_[np.zeros(d0), -1.0],
        A_ub=a_ub,
        b_ub=np.zeros(n),
        bounds=[(-1, 1)] * d0 + [(None, 1)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"HiGHS failed on a feasible bounded LP: {res.message}")
    return float(-res.fun), res.x[:d0]


def cap_margin(w: np.ndarray, sXh: np.ndarray) -> float:
    """t = min_n s_n x_hat_n^T w / |w|: the sine of the half-angle of the cap around w inside the cone
    {s_n w^T x_n > 0} (``sXh``: unit columns times their signs); 0 for w = 0."""
    norm = float(np.linalg.norm(w))
    return float(np.min(w @ sXh) / norm) if norm > 0 else 0.0


def row_cones(A, X) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated (A, X), the signs of A, and each row cone's LP margin and maximizer (one LP per row)."""
    A = as_matrix("A", A)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    s = pattern_signs(A)
    solved = [cone_margin(row, X) for row in s]
    return A, X, s, np.array([t for t, _ in solved]), np.array([w for _, w in solved])


def region_margins(A, X) -> np.ndarray:
    r"""Per-row LP margins :math:`t_i^*` of the cones :math:`C_i` (see :func:`cone_margin`).

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, entries in :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.

    Returns
    -------
    ndarray, shape (d1,)
        The optimal margins, each at most 1; row cone :math:`i` is non-empty iff :math:`t_i^* > 0`.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``A`` or ``X`` is not 2-D, is empty or not finite, their numbers of columns differ, the entries
        of ``A`` other than 1 take more than one value, or ``X`` has a zero column.
    """
    return row_cones(A, X)[3]


def check_margin(margin) -> float:
    return open_unit("margin", margin)


def exceeds_margin(t, margin: float, what: str) -> np.ndarray:
    """``t > margin`` elementwise; warns (:class:`MarginWarning`) where some ``t`` lies in ``(0, margin]``."""
    t = np.asarray(t, dtype=float)
    thin = (t > 0) & (t <= margin)
    if np.any(thin):
        warnings.warn(
            f"{what}: {int(thin.sum())} cone(s) with LP margin in (0, {margin:g}] (smallest positive "
            f"{float(t[thin].min()):.3g}) counted as empty; the result may depend on the margin",
            MarginWarning,
            stacklevel=3,
        )
    return t > margin
