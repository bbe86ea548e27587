r"""The MSE of the one-hidden-layer LReLU network and its gradient.

The network (CLAIMS.md): output :math:`f(WX)^\top z`, residual :math:`e = y - f(WX)^\top z`,
:math:`\mathrm{MSE} = \|e\|^2/N`; the gradient and its Khatri-Rao form are derived in
``docs/methods/training.md``.  :func:`mse_grad_unchecked` is the trainers' kernel (float64 or float32
products); :func:`mse_and_gradient` is its validated public form.
"""

from __future__ import annotations

import numpy as np

from .common import network_arrays

__all__ = ["mse_and_gradient", "mse_grad_unchecked", "fast_activation", "step_flops"]


def mse_and_gradient(W, z, X, y, rho: float) -> tuple[float, np.ndarray, np.ndarray]:
    r"""MSE and its gradients :math:`(\nabla_W, \nabla_z)` at a point of differentiability.

    Parameters
    ----------
    W : array_like, shape (d1, d0)
        First layer: a non-empty, finite, real 2-D array; its column count must equal ``X``'s row
        count.
    z : array_like, shape (d1,)
        Output weights: a non-empty, finite, real 1-D array with one entry per row of ``W``.
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Targets: a finite, real 1-D array with one entry per column of ``X`` (any real values,
        not only labels).
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.

    Returns
    -------
    mse : float
        :math:`\|e\|^2/N`.
    grad_W : ndarray, shape (d1, d0)
        :math:`\nabla_W \mathrm{MSE}`.
    grad_z : ndarray, shape (d1,)
        :math:`\nabla_z \mathrm{MSE}`.

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, or an array is boolean, a string or of non-numeric dtype.
    ValueError
        If ``rho`` is not finite or equals 1, an array has the wrong number of dimensions, is empty
        or is not finite, or the shapes of ``W``, ``z``, ``X``, ``y`` do not fit together.

    Notes
    -----
    With :math:`U = WX`, :math:`A = a(U)`, :math:`H = f(U) = A\odot U`:

    .. math:: \nabla_z \mathrm{MSE} = -\tfrac2N H e, \qquad
              \nabla_W \mathrm{MSE} = -\tfrac2N\operatorname{diag}(z)\,
              \mathrm{reshape}\big((A\circ X)e\big)

    (the second form is checked symbolically in
    :func:`vanishing_minima.theory.derivations.mse_gradient_in_region`).  "At a point of
    differentiability" is not checked: where a pre-activation :math:`w_i^\top x^{(n)}` is exactly 0 the
    one-sided value :math:`a(0) = \rho` is used (the mask is ``U > 0``).
    """
    W, z, X, y, rho = network_arrays(W, z, X, y, rho)
    return mse_grad_unchecked(W, z, X, y, rho)


def fast_activation(U: np.ndarray, rho: float) -> np.ndarray:
    """a(U) as arithmetic on the mask ``U > 0`` (``np.where`` with scalar branches is several times slower)."""
    mask = U > 0
    if rho == 0.0:
        return mask.astype(U.dtype)
    return mask * U.dtype.type(1.0 - rho) + U.dtype.type(rho)


def mse_grad_unchecked(W, z, X, y, rho):
    """MSE and gradients of validated arrays; the products run in ``X``'s dtype (float64, or float32 for
    speed), the results in float64.

    Two (d1, N) temporaries (``U``, then ``H`` in place; ``A``, then ``A * e`` in place), the activation
    from the mask ``U > 0`` (not ``np.where``), and ``diag(z)`` applied to the (d1, d0) product rather than
    to a (d1, N) array: on MNIST-sized data the two matrix products are almost all the time
    (``scripts/profile_e3.py`` measures it).
    """
    n = X.shape[1]
    dt = X.dtype
    U = W.astype(dt, copy=False) @ X
    A = fast_activation(U, rho)
    U *= A  # H = f(U)
    e = y.astype(dt, copy=False) - z.astype(dt, copy=False) @ U
    grad_z = (U @ e).astype(float) * (-2.0 / n)
    A *= e  # A o (1 e^T)
    grad_W = (A @ X.T).astype(float) * (z[:, None] * (-2.0 / n))
    e64 = e.astype(float, copy=False)
    return float(e64 @ e64 / n), grad_W, grad_z


def step_flops(d0: int, d1: int, n: int) -> float:
    """Floating-point operations of one full-data loss and gradient (:func:`mse_grad_unchecked`): the two
    (d1 x d0 x N) products and the (d1 x N) element-wise work."""
    return 4.0 * d1 * d0 * n + 8.0 * d1 * n
