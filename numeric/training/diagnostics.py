r"""Lemma 2 and Section 6 measured at a point :math:`(W, z)` of the one-hidden-layer network.

Lemma 2 says that at every DLM in :math:`\mathcal D_A`, :math:`(A\circ X)e = 0` and :math:`e = e_A`:
:func:`dlm_diagnostics` measures both at a trained point, together with the distance of the point from the
region boundaries, :math:`\min_{i,n}|w_i^\top x^{(n)}|`.  Where training stops on a kink (some neural
inputs exactly 0), :func:`kink_stationarity` measures Section 6's projected condition
:math:`P(A\circ X)e = 0` instead (``docs/methods/training.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..khatri_rao import activation_of, dlm_residual, khatri_rao, mce, pattern_unchecked
from .common import network_arrays

__all__ = ["DLMDiagnostics", "dlm_diagnostics", "KinkStationarity", "kink_stationarity"]


@dataclass(frozen=True)
class DLMDiagnostics:
    r"""Lemma 2 measured at a point :math:`(W, z)`.

    Attributes
    ----------
    mse, mce : float
    stationarity : float
        :math:`\|(A\circ X)e\| / (\|A\circ X\|_2\,\|e\|)` (0 when :math:`e = 0`); Lemma 2 says 0 at a DLM.
    residual_gap : float
        :math:`\|e - e_A\| / \|y\|`; Lemma 2 says 0 at a DLM.
    min_abs_preactivation : float
        :math:`\min_{i,n}|w_i^\top x^{(n)}|`: distance-like measure from the region boundaries.
    normalized_min_preactivation : float
        The same divided by :math:`\|w_i\|\|x^{(n)}\|`.
    """

    mse: float
    mce: float
    stationarity: float
    residual_gap: float
    min_abs_preactivation: float
    normalized_min_preactivation: float


def dlm_diagnostics(W, z, X, y, rho: float) -> DLMDiagnostics:
    r"""Measure the quantities of :class:`DLMDiagnostics` at ``(W, z)``.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer: a non-empty, finite, real 2-D array.  No pre-activation
        :math:`w_i^\top x^{(n)}` may be exactly 0 (the point must lie inside a differentiable
        region).
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array.  ``mce`` is computed only when every entry is 0 or 1.
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.

    Returns
    -------
    DLMDiagnostics
        ``mce`` is NaN when ``y`` is not a {0, 1} label vector; ``residual_gap`` divides by 1
        instead of :math:`\|y\|` when ``y = 0``.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty
        or is not finite, a pre-activation is exactly 0, or the shapes of ``W``, ``z``, ``X``, ``y``
        do not fit together (``W`` (d1, d0), ``z`` (d1,), ``X`` (d0, N), ``y`` (N,); checked before
        any product).
    """
    W, z, X, y, rho = network_arrays(W, z, X, y, rho)
    U = W @ X
    A = pattern_unchecked(
        U, rho
    )  # raises where a pre-activation is exactly 0 (no differentiable region)
    e = y - (A * U).T @ z
    K = khatri_rao(A, X)
    ke = np.linalg.norm(K @ e)
    ne = np.linalg.norm(e)
    stationarity = 0.0 if ne == 0 else float(ke / (np.linalg.norm(K, 2) * ne))
    e_a = dlm_residual(A, X, y)
    ny = np.linalg.norm(y)
    labels = np.all((y == 0) | (y == 1))
    return DLMDiagnostics(
        mse=float(e @ e / X.shape[1]),
        mce=mce(y - e, y) if labels else float("nan"),
        stationarity=stationarity,
        residual_gap=float(np.linalg.norm(e - e_a) / (ny if ny > 0 else 1.0)),
        min_abs_preactivation=float(np.min(np.abs(U))),
        normalized_min_preactivation=float(
            np.min(
                np.abs(U)
                / (np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :])
            )
        ),
    )


@dataclass(frozen=True)
class KinkStationarity:
    r"""Section 6's stationarity at a point where some neural inputs vanish.

    Attributes
    ----------
    zero_fraction : float
        :math:`r`, the fraction of pairs :math:`(i, n)` with :math:`|w_i^\top x^{(n)}| \le \tau\|w_i\|\|x^{(n)}\|`.
    projected : float
        :math:`\|P(\operatorname{diag}(z)\otimes I)(A\circ X)e\| / (\|X\|_2\|e\|\|z\|)`, where :math:`P` projects each
        block :math:`i` onto the complement of :math:`\mathrm{span}\{x^{(n)}: (i,n)\text{ zero}\}` (the
        directions that keep the zero inputs at zero) and zero pairs are left out of :math:`A\circ X`.
    full : float
        The same without the projection (the one-sided gradient that a smooth method sees).
    output_gradient : float
        :math:`\|f(WX)e\| / (\|f(WX)\|_2\|e\|)`, the stationarity in :math:`z` (a smooth direction).
    """

    zero_fraction: float
    projected: float
    full: float
    output_gradient: float


def kink_stationarity(W, z, X, y, rho: float, *, tau: float = 1e-6) -> KinkStationarity:
    r"""Measure Section 6's condition :math:`P(A\circ X)e = 0` at ``(W, z)`` (see :class:`KinkStationarity`).

    A loop over the ``d1`` neurons (not over samples), each with one QR of its zero inputs.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer: a non-empty, finite, real 2-D array whose column count equals ``X``'s row
        count.
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array with one entry per row of ``W``.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array with one entry per column of ``X``.
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    tau : float
        Relative threshold: the input :math:`(i, n)` counts as zero when
        :math:`|w_i^\top x^{(n)}| \le \tau\|w_i\|\|x^{(n)}\|`.  Must satisfy ``0 <= tau < 1``
        (checked by that comparison only: its type is not checked, and NaN is refused).

    Returns
    -------
    KinkStationarity
        The zero fraction and the three normalized stationarity measures; a normalizer that is 0 is
        replaced by 1.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty
        or is not finite, the shapes of ``W``, ``z``, ``X``, ``y`` do not fit together, or ``tau``
        is not in [0, 1).
    """
    W, z, X, y, rho = network_arrays(W, z, X, y, rho)
    if not 0 <= tau < 1:
        raise ValueError(f"tau must lie in [0, 1); got {tau}")
    U = W @ X
    zero = (
        np.abs(U) <= tau * np.linalg.norm(W, axis=1)[:, None] * np.linalg.norm(X, axis=0)[None, :]
    )
    A = activation_of(U, rho)
    H = A * U
    e = y - H.T @ z
    proj, full = np.zeros_like(W), np.zeros_like(W)
    for i in range(W.shape[0]):
        full[i] = z[i] * (X @ (A[i] * e))
        g = z[i] * (X @ (A[i] * e * ~zero[i]))
        if zero[i].any():
            Q = np.linalg.qr(X[:, zero[i]])[0]
            g = g - Q @ (Q.T @ g)
        proj[i] = g
    scale = np.linalg.norm(X, 2) * np.linalg.norm(e) * np.linalg.norm(z)
    scale = scale if scale > 0 else 1.0
    hs = np.linalg.norm(H, 2) * np.linalg.norm(e)
    return KinkStationarity(
        float(zero.mean()),
        float(np.linalg.norm(proj) / scale),
        float(np.linalg.norm(full) / scale),
        float(np.linalg.norm(H @ e) / (hs if hs > 0 else 1.0)),
    )
