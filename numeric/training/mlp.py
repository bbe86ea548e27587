"""Full-batch L-BFGS training of a bias-free LReLU network with several hidden layers (E1).

:func:`train_mlp` trains it; :func:`mlp_loss_grad` (the loss and its back-propagated gradient) is public
inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._checks import as_generator, check_work, positive_int, real_number
from ..khatri_rao import activation_of, lrelu_unchecked
from .common import STEP_OVERHEAD, lbfgs_options, training_data

__all__ = ["MLPResult", "train_mlp", "mlp_loss_grad", "mlp_shapes"]


def mlp_shapes(d0: int, widths: list[int]) -> list[tuple[int, int]]:
    """The shapes of the layers ``W_1 ... W_L`` and of ``z`` (a column) for inputs of dimension ``d0``."""
    fan_in = [d0] + widths
    return [(w, f) for w, f in zip(widths, fan_in[:-1])] + [(widths[-1], 1)]


def mlp_unpack(theta: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """The layers and ``z`` (a column) as views of the flat parameter vector ``theta``."""
    out, k = [], 0
    for r, c in shapes:
        out.append(theta[k : k + r * c].reshape(r, c))
        k += r * c
    return out


def mlp_loss_grad(theta: np.ndarray, shapes, X: np.ndarray, y: np.ndarray, rho: float):
    """The MSE and its gradient in ``theta`` (flat, in the order of ``shapes``), by back-propagation; the
    arrays are not validated."""
    *Ws, z = mlp_unpack(theta, shapes)
    H, cache = X, []
    for W in Ws:
        U = W @ H
        A = activation_of(U, rho)
        cache.append((H, A))
        H = A * U
    e = y - H.T @ z[:, 0]
    n = X.shape[1]
    g = -(2.0 / n) * e
    grads = [(H @ g)[:, None]]
    dH = z[:, 0][:, None] * g[None, :]
    for W, (H_in, A) in zip(reversed(Ws), reversed(cache)):
        dU = A * dH
        grads.append(dU @ H_in.T)
        dH = W.T @ dU
    return float(e @ e / n), np.concatenate([gr.ravel() for gr in reversed(grads)])


@dataclass(frozen=True)
class MLPResult:
    """Outcome of :func:`train_mlp`.

    Attributes
    ----------
    Ws : tuple of ndarray
        The hidden layers, first to last.
    z : ndarray, shape (d_L,)
        The output weights.
    mse, gradient_norm : float
        The MSE and the norm of the full gradient at the end.
    iterations : int
        L-BFGS-B's iterations.
    output : ndarray, shape (N,)
        The network's output on the training inputs.
    """

    Ws: tuple[np.ndarray, ...]
    z: np.ndarray
    mse: float
    gradient_norm: float
    iterations: int
    output: np.ndarray


def train_mlp(
    X,
    y,
    widths,
    rho: float,
    *,
    rng,
    max_iter: int = 5000,
    gtol: float = 1e-10,
    max_work: float | None = None,
) -> MLPResult:
    r"""Full-batch L-BFGS training of an LReLU network with hidden ``widths`` (no biases) on the MSE.

    Output :math:`z^\top f(W_L \cdots f(W_1 X))`; the gradient is back-propagated analytically
    (checked against finite differences in the tests).  Initialization :math:`W_l \sim \mathcal N(0, 1/\text{fan-in})`,
    :math:`z \sim \mathcal N(0, 1/d_L)`.  For one hidden layer this is the model of the paper; E1 also
    uses two.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Inputs, columns are samples: a non-empty, finite, real 2-D array.
    y : array_like, shape (N,)
        Real targets (E1 uses +-1): a finite, real 1-D array with one entry per column of ``X``.
    widths : sequence of int
        Hidden widths, e.g. ``[d1]`` or ``[d1, d2]``: at least one, each an integer >= 1 (booleans
        and floats are refused).
    rho : float, != 1
        LReLU slope: a finite real number (not a boolean) different from 1.
    rng : numpy Generator or int seed
        A ``numpy.random.Generator``, an integer seed or a ``SeedSequence`` for the initialization;
        ``None`` is refused.
    max_iter : int
        L-BFGS-B's iteration limit (and ``4 * max_iter`` loss evaluations): an integer >= 1.
    gtol : float
        L-BFGS-B's projected-gradient tolerance (``ftol`` is 0): a finite number >= 0.
    max_work : float, optional
        Work cap: the run is refused before it starts when ``max_iter`` loss evaluations (the least a
        run to the limit makes) would take more floating-point operations than this (default
        :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), at
        :math:`4N\sum_l d_l d_{l-1} + 4N d_L` per evaluation plus a fixed 2e4 and L-BFGS's own
        :math:`120 P` (:math:`P` the number of weights).  A finite number > 0.

    Returns
    -------
    MLPResult
        The layers ``Ws`` (first to last hidden) and ``z`` at the end, the MSE and the norm of the
        full gradient there, L-BFGS-B's iteration count, and ``output``, the network's output on
        ``X`` (shape (N,)).

    Raises
    ------
    TypeError
        If ``rho`` is not a real number, an array is boolean, a string or non-numeric, or ``rng`` is
        neither a Generator, an integer nor a ``SeedSequence``.
    ValueError
        If ``widths`` is empty or holds something other than an integer >= 1, ``rho`` is not finite
        or equals 1, ``X`` or ``y`` has the wrong shape or is not finite, ``max_iter`` is not an
        integer >= 1, ``gtol`` not a finite number >= 0, ``max_work`` not a finite number > 0, the
        estimated work exceeds ``max_work``, or ``rng`` is None or a negative seed.
    """
    rho, X, y = training_data(X, y, rho)
    widths = [positive_int("widths", w) for w in widths]
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    max_iter = positive_int("max_iter", max_iter)
    gtol = real_number("gtol", gtol, low=0.0)
    shapes = mlp_shapes(X.shape[0], widths)
    weights = sum(r * c for r, c in shapes)
    n = X.shape[1]
    check_work(
        f"train_mlp with max_iter = {max_iter} loss evaluations on {weights} weights and N = {n}",
        float(max_iter) * (4.0 * n * weights + 120.0 * weights + STEP_OVERHEAD),
        max_work,
    )
    rng = as_generator(rng)
    theta = np.concatenate(
        [
            rng.standard_normal(r * c) / np.sqrt(c if i < len(widths) else r)
            for i, (r, c) in enumerate(shapes)
        ]
    )
    res = optimize.minimize(
        mlp_loss_grad,
        theta,
        args=(shapes, X, y, rho),
        jac=True,
        method="L-BFGS-B",
        options=lbfgs_options(max_iter, gtol),
    )
    value, grad = mlp_loss_grad(res.x, shapes, X, y, rho)
    *Ws, z = mlp_unpack(res.x, shapes)
    H = X
    for W in Ws:
        H = lrelu_unchecked(W @ H, rho)
    return MLPResult(
        Ws=tuple(Ws),
        z=z[:, 0],
        mse=value,
        gradient_norm=float(np.linalg.norm(grad)),
        iterations=int(res.nit),
        output=H.T @ z[:, 0],
    )
