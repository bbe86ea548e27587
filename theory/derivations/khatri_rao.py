r"""The Khatri-Rao product, symbolically: K1's Gram identity and the MSE gradient inside a region (L2).

References
----------
.. [1] D. Soudry and E. Hoffer, "Exponentially vanishing sub-optimal local minima in multilayer neural
   networks", arXiv:1702.05777, 2017.
"""

from __future__ import annotations

import sympy as sp

from .. import _validate
from .common import Derivation

__all__ = ["khatri_rao_symbolic", "gram_identity", "mse_gradient_in_region"]


def khatri_rao_symbolic(A: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    r"""Column-wise Kronecker product :math:`A\circ X = [a^{(n)}\otimes x^{(n)}]_n` of SymPy matrices.

    Parameters
    ----------
    A : sympy.Matrix, shape (d1, N)
        Left factor, with as many columns as ``X``.
    X : sympy.Matrix, shape (d0, N)
        Right factor, with as many columns as ``A``.

    Returns
    -------
    sympy.Matrix, shape (d1 * d0, N)
        Column :math:`n` is :math:`a^{(n)}\otimes x^{(n)}`.

    Raises
    ------
    ValueError
        If ``A`` and ``X`` have different numbers of columns.

    Examples
    --------
    >>> import sympy as sp
    >>> khatri_rao_symbolic(sp.Matrix([[1, 2]]), sp.Matrix([[3, 4], [5, 6]]))
    Matrix([
    [3,  8],
    [5, 12]])
    """
    if A.shape[1] != X.shape[1]:
        raise ValueError(
            f"A and X must have the same number of columns; got {A.shape} and {X.shape}"
        )
    cols = [sp.Matrix(sp.kronecker_product(A[:, j], X[:, j])) for j in range(A.shape[1])]
    return sp.Matrix.hstack(*cols)


def gram_identity(d0: int = 2, d1: int = 2, n: int = 3) -> Derivation:
    r"""K1, symbolically: :math:`(A\circ X)^\top(B\circ Y) = (A^\top B)\odot(X^\top Y)` for symbolic matrices.

    Every entry of :math:`A, B \in \mathbb{R}^{d_1\times N}` and :math:`X, Y \in \mathbb{R}^{d_0\times N}`
    is its own symbol; the two sides are expanded and compared entry by entry.

    Parameters
    ----------
    d0 : int
        Rows of :math:`X` (the input dimension): an integer :math:`\ge 1`.
    d1 : int
        Rows of :math:`A` (the hidden width): an integer :math:`\ge 1`.
    n : int
        Columns (the number of datapoints :math:`N`): an integer :math:`\ge 1`.  The symbolic work
        grows quickly with the sizes: keep them small (the audit uses at most 3).

    Returns
    -------
    Derivation
        ``holds`` is True iff the expanded difference of the two :math:`N\times N` matrices is zero.

    Raises
    ------
    TypeError
        If a size is not an integer (a boolean, a float, a str).
    ValueError
        If a size is below 1.
    """
    d0, d1, n = (_validate.require_size(k, v) for k, v in (("d0", d0), ("d1", d1), ("n", n)))
    A, Bm = sp.Matrix(d1, n, sp.symbols(f"a:{d1 * n}")), sp.Matrix(d1, n, sp.symbols(f"b:{d1 * n}"))
    X, Y = sp.Matrix(d0, n, sp.symbols(f"x:{d0 * n}")), sp.Matrix(d0, n, sp.symbols(f"y:{d0 * n}"))
    lhs = khatri_rao_symbolic(A, X).T * khatri_rao_symbolic(Bm, Y)
    rhs = (A.T * Bm).multiply_elementwise(X.T * Y)
    ok = (lhs - rhs).expand() == sp.zeros(n, n)
    return Derivation(
        "gram_identity",
        "K1",
        f"(A o X)^T (B o Y) = (A^T B) * (X^T Y) for symbolic A, B in R^({d1}x{n}), X, Y in R^({d0}x{n})",
        bool(ok),
        (f"expanded difference of the {n}x{n} matrices is zero: {bool(ok)}",),
    )


def mse_gradient_in_region(d0: int = 2, d1: int = 2, n: int = 3) -> Derivation:
    r"""The MSE gradient inside a region, and Lemma 2's first-order step.

    Inside :math:`\mathcal{D}_A`, :math:`f(WX) = A\odot(WX)` and
    :math:`\mathrm{MSE} = \tfrac1N\|y - (A\odot WX)^\top z\|^2`.  SymPy differentiates it with all of
    :math:`W, z, X, y, A` symbolic and checks

    .. math:: \nabla_W \mathrm{MSE} = -\tfrac{2}{N}\operatorname{diag}(z)\,
        \mathrm{reshape}_{d_1\times d_0}\!\big((A\circ X)e\big),\qquad
        \nabla_z \mathrm{MSE} = -\tfrac{2}{N}(A\odot WX)\,e .

    Parameters
    ----------
    d0 : int
        Rows of :math:`X` (the input dimension): an integer :math:`\ge 1`.
    d1 : int
        Rows of :math:`A` (the hidden width): an integer :math:`\ge 1`.
    n : int
        Columns (the number of datapoints :math:`N`): an integer :math:`\ge 1`.  The symbolic work
        grows quickly with the sizes: keep them small (the audit uses at most 3).

    Returns
    -------
    Derivation
        ``holds`` is True iff both gradients match the formulas and the first-order step recovers
        :math:`(A\circ X)e` from :math:`\nabla_W\mathrm{MSE}`.

    Raises
    ------
    TypeError
        If a size is not an integer (a boolean, a float, a str).
    ValueError
        If a size is below 1.

    Notes
    -----
    First-order step of Lemma 2 of Soudry & Hoffer (2017): at a critical point with every
    :math:`z_i \ne 0`, :math:`\operatorname{diag}(z)` is invertible, so :math:`(A\circ X)e = 0`.  Neurons with
    :math:`z_i = 0` need the paper's second-order argument, which is not checked here.
    """
    d0, d1, n = (_validate.require_size(k, v) for k, v in (("d0", d0), ("d1", d1), ("n", n)))
    W = sp.Matrix(d1, d0, sp.symbols(f"w:{d1 * d0}"))
    X = sp.Matrix(d0, n, sp.symbols(f"x:{d0 * n}"))
    A = sp.Matrix(d1, n, sp.symbols(f"a:{d1 * n}"))
    z = sp.Matrix(d1, 1, sp.symbols(f"z:{d1}"))
    y = sp.Matrix(n, 1, sp.symbols(f"y:{n}"))
    hidden = A.multiply_elementwise(W * X)
    e = y - hidden.T * z
    mse = (e.T * e)[0, 0] / n
    grad_w = sp.Matrix(d1, d0, lambda i, j: sp.diff(mse, W[i, j]))
    kr_e = khatri_rao_symbolic(A, X) * e
    formula_w = -sp.Rational(2, n) * sp.diag(*z) * kr_e.reshape(d1, d0)
    grad_z = sp.Matrix(d1, 1, lambda i, _: sp.diff(mse, z[i]))
    formula_z = -sp.Rational(2, n) * hidden * e
    w_ok = (grad_w - formula_w).expand() == sp.zeros(d1, d0)
    z_ok = (grad_z - formula_z).expand() == sp.zeros(d1, 1)
    # first-order step: diag(z)^{-1} grad_W = -(2/N) reshape((A o X) e)
    recovered = (-sp.Rational(n, 2) * sp.diag(*z).inv() * grad_w - kr_e.reshape(d1, d0)).applyfunc(
        sp.simplify
    )
    step_ok = recovered == sp.zeros(d1, d0)
    return Derivation(
        "mse_gradient_in_region",
        "L2",
        "grad_W MSE = -(2/N) diag(z) reshape((A o X) e) and grad_z MSE = -(2/N) (A * WX) e inside D_A; "
        "so grad_W = 0 with all z_i != 0 gives (A o X) e = 0",
        bool(w_ok and z_ok and step_ok),
        (
            f"d0={d0}, d1={d1}, N={n}, all entries symbolic: grad_W matches: {bool(w_ok)}",
            f"grad_z matches: {bool(z_ok)}",
            f"-(N/2) diag(z)^(-1) grad_W = reshape((A o X) e): {bool(step_ok)}",
        ),
    )
