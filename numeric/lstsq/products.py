r"""K1's products for a stack of patterns, without forming :math:`M = (A\circ X)^\top`.

:class:`ProductData` holds :math:`X` (shared or one per pattern) with the derived arrays: the Gram
matrices :math:`M^\top M` by one GEMM of the row products :math:`a_i\odot a_k` with the products of pairs
of rows of :math:`X`, and :math:`Mc`, :math:`M^\top r`, :math:`\|M\|_F^2` as GEMMs with :math:`X`
(``docs/methods/certified-least-squares.md``, Tall systems).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ProductData"]


class ProductData:
    """X (shared, (d0, N), or batched, (B, d0, N)) with the derived arrays the products need."""

    _last: "tuple[np.ndarray, ProductData] | None" = None

    @classmethod
    def shared_cached(cls, X: np.ndarray) -> "ProductData":
        """The ProductData of a shared X, reused while successive calls pass the same values (the samplers)."""
        last = cls._last
        if last is not None and last[0].shape == X.shape and np.array_equal(last[0], X):
            return last[1]
        data = cls(X)
        cls._last = (X.copy(), data)
        return data

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.shared = X.ndim == 2
        self.d0 = X.shape[-2]
        self.XT = np.swapaxes(X, -1, -2)  # (.., N, d0)
        j, k = np.triu_indices(self.d0)
        self.sym = np.empty((self.d0, self.d0), dtype=np.intp)
        self.sym[j, k] = self.sym[k, j] = np.arange(j.size)
        self._pairs = (j, k)
        self._zt: np.ndarray | None = None
        self.col_norm2 = np.einsum("...jn,...jn->...n", X, X)  # (.., N)

    @property
    def Zt(self) -> np.ndarray:
        """Products of pairs of rows of X, (.., N, q), q = d0 (d0 + 1) / 2: built on first use (the
        narrow path's Gram); the wide path (p >= N) never needs it (24 MB at N = 512, d0 = 108)."""
        if self._zt is None:
            j, k = self._pairs
            self._zt = np.ascontiguousarray(
                np.swapaxes(self.X[..., j, :] * self.X[..., k, :], -1, -2)
            )
        return self._zt

    def xtx(self) -> np.ndarray:
        """X^T X (N, N), K1's second factor, computed once."""
        if getattr(self, "_xtx", None) is None:
            self._xtx = self.XT @ self.X
        return self._xtx

    def take(self, idx: np.ndarray) -> "ProductData":
        return self if self.shared else ProductData(self.X[idx])

    def gram(self, A: np.ndarray) -> np.ndarray:
        """G = M^T M for every pattern of A (B, d1, N): GEMMs of the row products a_i * a_k (i <= k)
        with Zt, in pieces of about 2 MB, then one gather into the p x p layout."""
        B, d1, n = A.shape
        d0, q = self.d0, self.Zt.shape[-1]
        Gq = np.empty((B, d1 * (d1 + 1) // 2, q))
        i = off = 0
        while i < d1:  # neurons i..j-1 against all later ones, rows [off, off + rows)
            j, rows = i, 0
            while j < d1 and (j == i or B * (rows + d1 - j) * n <= 1 << 16):
                rows += d1 - j
                j += 1
            H = np.empty((B, rows, n))
            r = 0
            for a in range(i, j):
                np.multiply(A[:, a : a + 1, :], A[:, a:, :], out=H[:, r : r + d1 - a, :])
                r += d1 - a
            Gq[:, off : off + rows] = (
                (H.reshape(-1, n) @ self.Zt).reshape(B, rows, q) if self.shared else H @ self.Zt
            )
            i, off = j, off + rows
        return np.take(Gq.reshape(B, -1), self._gram_index(d1), axis=1).reshape(B, d1 * d0, d1 * d0)

    def _gram_index(self, d1: int) -> np.ndarray:
        """Flat index of G[(a, u), (b, v)] = Gq[pair(a, b), sym(u, v)] (pairs a <= b in row-major order)."""
        if getattr(self, "_index_d1", None) != d1:
            i, k = np.triu_indices(d1)
            pair = np.empty((d1, d1), dtype=np.intp)
            pair[i, k] = pair[k, i] = np.arange(i.size)
            q = self.Zt.shape[-1]
            self._index = (pair[:, None, :, None] * q + self.sym[None, :, None, :]).reshape(-1)
            self._index_d1 = d1
        return self._index

    def times(self, A: np.ndarray, c: np.ndarray) -> np.ndarray:
        """M c for c (B, p): (M c)_n = sum_i A_in (C X)_in."""
        B, d1, n = A.shape
        C = c.reshape(B, d1, self.d0)
        U = (C.reshape(B * d1, self.d0) @ self.X).reshape(B, d1, n) if self.shared else C @ self.X
        return np.einsum("bin,bin->bn", A, U)

    def times_t(self, A: np.ndarray, r: np.ndarray) -> np.ndarray:
        """M^T r for r (B, N): A diag(r) X^T, flattened to (B, p)."""
        return (A @ (r[:, :, None] * self.XT)).reshape(A.shape[0], -1)

    def frobenius2(self, A: np.ndarray) -> np.ndarray:
        """||M||_F^2 = sum_n ||a_n||^2 ||x_n||^2."""
        return np.einsum("bin,bin,n->b" if self.shared else "bin,bin,bn->b", A, A, self.col_norm2)
