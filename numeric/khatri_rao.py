r"""Khatri-Rao products, activation patterns and the DLM residual (supporting lemmas K1-K5).

K3's generic rank and full-rank certificate are in :mod:`~vanishing_minima.numeric.generic_rank`.

Notation (CLAIMS.md): data :math:`X\in\mathbb R^{d_0\times N}`, first layer :math:`W\in\mathbb R^{d_1\times d_0}`,
activation pattern :math:`A = a(WX)\in\{\rho,1\}^{d_1\times N}`, and the Khatri-Rao product

.. math:: A\circ X = [a^{(1)}\otimes x^{(1)}, \dots, a^{(N)}\otimes x^{(N)}] \in \mathbb R^{d_0 d_1\times N}.

Inside the region :math:`\mathcal D_A` the network output is :math:`(A\circ X)^\top v` with
:math:`v = \operatorname{vec}(\operatorname{diag}(z) W)` (K5), so every DLM of the region has the residual
:math:`e_A = (I - P)y`, :math:`P` the orthogonal projector onto the row space of :math:`A\circ X`.

Functions accept a leading batch of patterns where it makes sense (``A`` of shape ``(..., d1, N)``),
so that samplers evaluate many random ``W`` in one array operation.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_array,
    as_matrix,
    check_labels,
    check_rho,
    check_same_columns,
    open_unit,
    power_of_two_scale,
)
from .lstsq import augmented, auto_residual, residual_svd

__all__ = [
    "khatri_rao",
    "khatri_rao_gram",
    "lrelu",
    "activation_pattern",
    "dlm_residual",
    "mce",
]


def khatri_rao(A, X) -> np.ndarray:
    r"""Column-wise Kronecker product :math:`A\circ X`, column :math:`n` equal to :math:`a^{(n)}\otimes x^{(n)}`.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Activation patterns (or any matrices), real and finite, at least 2-D; a leading batch is allowed.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A``.

    Returns
    -------
    ndarray, shape (..., d1 * d0, N)
        For 2-D ``A`` equal to ``scipy.linalg.khatri_rao(A, X)``; the batch version has no SciPy
        counterpart, hence ``einsum``.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``A`` has fewer than 2 dimensions, ``X`` is not 2-D, either is empty or not finite, or their
        numbers of columns differ.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    d1, d0, n = A.shape[-2], X.shape[0], X.shape[1]
    return np.einsum("...in,jn->...ijn", A, X).reshape(*A.shape[:-2], d1 * d0, n)


def khatri_rao_gram(A, X) -> np.ndarray:
    r"""Gram matrix :math:`(A\circ X)^\top(A\circ X) = (A^\top A)\odot(X^\top X)` (K1), without forming
    :math:`A\circ X`.

    Cost :math:`O(N^2(d_0 + d_1))` instead of :math:`O(N^2 d_0 d_1)`.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Real and finite, at least 2-D; a leading batch is allowed.
    X : array_like, shape (d0, N)
        Real and finite, with as many columns as ``A``.

    Returns
    -------
    ndarray, shape (..., N, N)
        The Gram matrix of the columns of :math:`A\circ X`, one per batch entry.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``A`` has fewer than 2 dimensions, ``X`` is not 2-D, either is empty or not finite, or their
        numbers of columns differ.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    return _gram_unchecked(A, X)


def _gram_unchecked(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """K1's (A^T A) * (X^T X) on validated arrays; both may carry batch axes."""
    return (np.swapaxes(A, -1, -2) @ A) * (np.swapaxes(X, -1, -2) @ X)


def lrelu(U, rho: float) -> np.ndarray:
    r"""Leaky ReLU :math:`f(u) = u\,a(u)`: :math:`u` for :math:`u > 0`, :math:`\rho u` otherwise.

    Parameters
    ----------
    U : array_like
        Pre-activations, real and finite, non-empty, any shape.
    rho : float
        LReLU slope: a finite real number (not a boolean), :math:`\rho \ne 1`.

    Returns
    -------
    ndarray
        :math:`f(U)` elementwise, of the shape of ``U``.

    Raises
    ------
    TypeError
        If ``U`` is not a real numeric array or ``rho`` is not a real number.
    ValueError
        If ``U`` is empty or not finite, or ``rho`` is not finite or equals 1.
    """
    return lrelu_unchecked(as_array("U", U), check_rho(rho))


def lrelu_unchecked(U: np.ndarray, rho: float) -> np.ndarray:
    """f(U) for a validated array and slope."""
    return np.where(U > 0, U, rho * U)


def activation_of(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U): 1 where U > 0, rho elsewhere (the caller has excluded or accepted exact zeros)."""
    return np.where(U > 0, 1.0, rho)


def activation_pattern(W, X, rho: float) -> np.ndarray:
    r"""The pattern :math:`A = a(WX)`: entries 1 where :math:`w_i^\top x^{(n)} > 0`, :math:`\rho` where it is
    :math:`< 0`.

    Parameters
    ----------
    W : array_like, shape (..., d1, d0)
        First layer, real and finite, at least 2-D; a leading batch of networks is allowed.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many rows as ``W`` has columns.
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.

    Returns
    -------
    ndarray, shape (..., d1, N)
        The pattern, entries in :math:`\{\rho, 1\}`.

    Raises
    ------
    TypeError
        If ``W`` or ``X`` is not a real numeric array or ``rho`` is not a real number.
    ValueError
        If ``rho`` is not finite or equals 1; ``W`` has fewer than 2 dimensions or ``X`` is not 2-D, either
        is empty or not finite; the columns of ``W`` do not match the rows of ``X``; or some
        pre-activation is exactly 0: the point :math:`W` lies on a boundary, in no region
        (:math:`a(0)` is undefined).
    """
    rho = check_rho(rho)
    W = as_array("W", W, min_ndim=2)
    X = as_matrix("X", X)
    if W.shape[-1] != X.shape[0]:
        raise ValueError(
            f"W must have d0 = {X.shape[0]} columns (the rows of X); got shape {W.shape}"
        )
    # columns divided by powers of two: the same signs exactly, and no overflow of W X at any scale
    return pattern_unchecked(W @ (X / power_of_two_scale(X, axis=0)), rho)


def pattern_unchecked(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U) for validated pre-activations; raises where an entry is exactly 0."""
    zero = U == 0
    if np.any(zero):
        index = tuple(int(i) for i in np.argwhere(zero)[0])
        raise ValueError(
            f"pre-activation w_i^T x^(n) is exactly 0 at index {index}: W lies on a region boundary "
            "(a(0) is undefined)"
        )
    return activation_of(U, rho)


def dlm_residual_unchecked(
    A: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    rtol: float | None = None,
    method: str = "auto",
    return_rank: bool = False,
):
    """:func:`dlm_residual` on arrays already validated (the samplers' hot path)."""
    if not return_rank and method != "svd":
        return auto_residual(A, X, y, rtol)
    e, rank = residual_svd(augmented(A, X, y)[..., :-1], y, rtol)
    return (e, rank) if return_rank else e


def dlm_residual(
    A, X, y, *, rtol: float | None = None, return_rank: bool = False, method: str = "auto"
):
    r"""The residual :math:`e_A = (I - P)y` shared by every DLM of the region :math:`\mathcal D_A` (K5, Lemma 2).

    :math:`P` projects onto the row space of :math:`A\circ X`, i.e. the column space of
    :math:`M = (A\circ X)^\top \in \mathbb R^{N\times d_0d_1}`.

    * ``method="svd"``: SVD of :math:`M`; singular values :math:`s_k > \text{rtol}\cdot s_{\max}` count,
      default :math:`\text{rtol} = \max(N, d_0d_1)\,\varepsilon_{\text{machine}}` (NumPy's ``matrix_rank`` rule).
    * ``method="auto"`` (default): a certified fast path (:mod:`~vanishing_minima.numeric.lstsq`, where
      the constants are; the math: ``docs/methods/certified-least-squares.md``), then Householder QR,
      then the SVD, each for what the previous one did not certify.
      When :math:`d_0d_1 < N`: Gram matrix :math:`M^\top M` by K1's structure (one GEMM for the batch,
      :math:`M` never formed), Cholesky factorization of :math:`M^\top M - tI` whose success certifies
      :math:`\sigma_{\min}(M)^2 \ge 10^{-12}\|M\|_F^2` (Rump's shift, rounding included), refinement by the
      corrected semi-normal equations; a pattern is accepted only if the a posteriori bound
      :math:`(g^\top(LL^\top)^{-1}g)^{1/2} \ge \|e - e_A\|`, :math:`g = M^\top e`, is at most :math:`10^{-12}\|y\|`
      and :math:`\|M^\top e\| \le 10^{-12}\|M\|_F\|y\|`.  Structurally rank-deficient patterns (K3: two
      neurons whose rows differ on fewer than :math:`d_0` points, or a neuron active on fewer) fail that
      factorization; they are reduced exactly (those points fitted, that neuron dropped) and certified
      the same way.  The rest goes to Householder QR of
      :math:`[M \mid y]`, accepted if every :math:`|r_{kk}| > 10^{-8}\max_j|r_{jj}|` and
      :math:`\|M^\top e\| \le 10^{-10}\|M\|_F\|y\|`, else to the SVD.  When :math:`d_0d_1 \ge N`: dead points
      (no neuron active) get :math:`e_n = y_n`, and :math:`e = 0` on the others once the shifted Cholesky
      factorization of K1's :math:`N\times N` Gram matrix :math:`(A^\top A)*(X^\top X)` (dead points removed)
      certifies that their rows are independent (:math:`\lambda_{\min} > 10^{-10}\operatorname{tr}`); every other
      pattern goes to the SVD.  Inputs are scaled by powers of two first (results do not depend on the
      scales of :math:`X` and :math:`y`).

    Both give the same vector up to rounding where the SVD's rank decision is unambiguous (tested).
    Batched: one call for all patterns.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Activation patterns (any real matrices work).
    X : array_like, shape (d0, N)
    y : array_like, shape (N,)
        Targets (need not be binary), real and finite, one per column of ``X``.
    rtol : float, optional
        Relative rank tolerance of the SVD, in the open interval (0, 1); ``None`` for the default above.
    return_rank : bool
        Also return the numerical rank of :math:`A\circ X` (forces ``method="svd"``).
    method : {"auto", "svd"}
        The algorithm, as described above.

    Returns
    -------
    e : ndarray, shape (..., N)
        The residual :math:`e_A`, one per pattern.
    rank : ndarray of int, shape (...), only if ``return_rank``
        The numerical rank of :math:`A\circ X` under ``rtol``.

    Raises
    ------
    TypeError
        If ``A``, ``X`` or ``y`` is not a real numeric array.
    ValueError
        If ``A`` has fewer than 2 dimensions, ``X`` is not 2-D or ``y`` not 1-D, any is empty or not finite;
        ``A`` and ``X`` differ in their number of columns; ``method`` is not ``"auto"`` or ``"svd"``;
        ``rtol`` is not in (0, 1); or ``y`` does not have length N.
    """
    A = as_array("A", A, min_ndim=2)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    y = as_array("y", y, ndim=1)
    if method not in ("auto", "svd"):
        raise ValueError(f"method must be 'auto' or 'svd'; got {method!r}")
    if rtol is not None:
        rtol = open_unit("rtol", rtol)
    if y.shape[0] != X.shape[1]:
        raise ValueError(f"y must have length N = {X.shape[1]}; got {y.shape[0]}")
    return dlm_residual_unchecked(A, X, y, rtol, method, return_rank)


def mce(output, y) -> np.ndarray | float:
    r"""Mean classification error: the fraction of :math:`n` with :math:`1\{\text{output}_n > 0.5\} \ne y_n`.

    Parameters
    ----------
    output : array_like, shape (..., N)
        Network outputs, real and finite, at least 1-D; a leading batch is allowed.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per last-axis entry of ``output``.

    Returns
    -------
    float or ndarray of shape (...)
        The error rate in [0, 1]: a float for 1-D ``output``, else one per batch entry.

    Raises
    ------
    TypeError
        If ``output`` or ``y`` is not a real numeric array.
    ValueError
        If either is empty or not finite, ``y`` is not 1-D, has an entry outside {0, 1}, or its length
        differs from the last axis of ``output``.
    """
    out = as_array("output", output, min_ndim=1)
    y = check_labels(y, out.shape[-1])
    err = mce_unchecked(out, y)
    return float(err) if np.ndim(err) == 0 else err


def mce_unchecked(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """MCE for validated arrays (threshold 0.5 on both outputs and labels)."""
    return np.mean((output > 0.5) != (y > 0.5), axis=-1)
