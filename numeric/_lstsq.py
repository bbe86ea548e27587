r"""Certified least-squares residuals for stacks of Khatri-Rao systems: the fast path of ``dlm_residual``.

For a pattern :math:`A\in\mathbb R^{d_1\times N}` and data :math:`X\in\mathbb R^{d_0\times N}` let
:math:`M = (A\circ X)^\top\in\mathbb R^{N\times p}`, :math:`p = d_0d_1`, with rows
:math:`m_n = a^{(n)}\otimes x^{(n)}`.  The residual :math:`e_A = (I - P)y`, :math:`P` the orthogonal projector
onto :math:`\operatorname{range}(M)`, is computed for a whole batch of patterns without forming :math:`M`
and without an :math:`N\times p` factorization, and every result carries a certificate.  Results whose
certificate fails come back with ``certified = False``; :func:`auto_residual` recomputes them by
Householder QR and, where that path refuses too, by the SVD (the routes of ``khatri_rao``, unchanged).

**Tall systems** (:math:`p < N`).  *Gram matrix by K1's structure*:

.. math:: G = M^\top M,\qquad G_{(i,\cdot),(k,\cdot)} = X\operatorname{diag}(a_i\odot a_k)X^\top
          = \textstyle\sum_n A_{in}A_{kn}\,x^{(n)}x^{(n)\top},

so for a shared :math:`X` the batch's Gram matrices come from one GEMM (in cache-sized pieces) of the
:math:`d_1(d_1+1)/2` row products :math:`a_i\odot a_k` with the :math:`d_0(d_0+1)/2` products
:math:`x_j\odot x_l`: :math:`2N\tfrac{d_1(d_1+1)}2\tfrac{d_0(d_0+1)}2\approx Np^2/2` flops, half of a symmetric
rank-:math:`N` update.  Products with :math:`M` and :math:`M^\top` are GEMMs with :math:`X` too:
:math:`(Mc)_n = \sum_i A_{in}(CX)_{in}` and :math:`M^\top r = A\operatorname{diag}(r)X^\top`
(:math:`c = \operatorname{vec} C`, :math:`C\in\mathbb R^{d_1\times d_0}`).  :math:`M` itself is never formed.

*Condition certificate* (a shifted Cholesky factorization, after Rump, BIT 46 (2006) 433-452).  With
:math:`u = 2^{-53}`, :math:`\gamma_k = ku/(1-ku)`, :math:`\tau = \operatorname{tr}\hat G` (:math:`=\|M\|_F^2` to
rounding) and :math:`\hat G` the computed Gram matrix, :math:`LL^\top = \operatorname{fl}(\hat G - tI)` is
attempted with

.. math:: t = \kappa\,\tau + \delta,\qquad
          \delta = \tfrac{\gamma_{p+1}}{1-\gamma_{p+1}}(1+u)\operatorname{tr}\hat G
                 + \gamma_{N+2}(1+u)\,\tau + u\max_k \hat g_{kk} + \eta .

If it completes with a positive diagonal, :math:`\lambda_{\min}(M^\top M)\ge\kappa\tau`, i.e.
:math:`\sigma_{\min}(M)\ge\sqrt\kappa\,\|M\|_F`, rigorously: :math:`M^\top M = LL^\top - \Delta + tI - F - E`
with :math:`\|\Delta\|_2 \le \gamma_{p+1}\||L||L^\top|\|_2 \le \tfrac{\gamma_{p+1}}{1-\gamma_{p+1}}
\operatorname{tr}\operatorname{fl}(\hat G - tI)` (Cholesky's backward error, Higham, *Accuracy and Stability of
Numerical Algorithms*, Thm 10.3), :math:`\|F\|_2\le u\max_k\hat g_{kk}` (the subtraction of :math:`t`) and
:math:`\|E\|_2\le\|E\|_F\le\gamma_{N+2}\|M\|_F^2` (each entry of :math:`\hat G` is a sum of :math:`N` products of
four numbers, so :math:`|E|\le\gamma_{N+2}|M|^\top|M|`, then Cauchy-Schwarz); :math:`\eta` bounds underflow,
negligible after the power-of-two scaling below.  The factorization is blocked and batched
(:class:`_Factor`); when it uses explicit inverses of its diagonal blocks it adds an a posteriori term,
covered by a further :data:`_OFFDIAG_ALLOWANCE` :math:`\tau` in :math:`t`.  So success *is* the condition
certificate, :math:`\kappa =` :data:`TALL_KAPPA` :math:`=10^{-12}` (``cond(M)`` below about
:math:`10^6/\sqrt p`).  It also gives :math:`M^\top M \succeq LL^\top`, used next.

*Solution, refinement and error estimate.*  :math:`c = (LL^\top)^{-1}M^\top y`, :math:`e = y - Mc`,
:math:`g = M^\top e`, then the estimate :math:`\varepsilon = (g^\top(LL^\top)^{-1}g)^{1/2}`.  For any
:math:`c`, :math:`e - e_A = Pe = M(M^\top M)^{-1}M^\top e`, so :math:`\|e - e_A\| = (g^\top(M^\top M)^{-1}g)^{1/2}
\le\varepsilon` because :math:`M^\top M\succeq LL^\top`.  While :math:`\varepsilon >` :data:`ACCURACY_GUARD`
:math:`\|y\|` (:math:`10^{-12}`), one step of the corrected semi-normal equations in data space
(:math:`c \leftarrow c + (LL^\top)^{-1}g`, Björck), at most :data:`DATA_REFINEMENT_STEPS` = 3; each step
multiplies the error by about :math:`t/\lambda_{\min} + u\operatorname{cond}(M)^2`, typically :math:`10^{-7}`.

*Acceptance*: the factorization succeeded, :math:`\varepsilon\le 10^{-12}\|y\|`, and
:math:`\|M^\top e\|\le 10^{-12}\|M\|_F\|y\|` (:data:`ORTHOGONALITY_GUARD`, 100 times stricter than the QR
path's :math:`10^{-10}`).  *Why accepted results are accurate*: with :math:`\hat e` the stored result,
:math:`\tilde e = y - Mc` exactly and :math:`\hat g` the computed :math:`M^\top\hat e`,

.. math:: \|\hat e - e_A\| \le \|P\hat e\| + 2\|\hat e - \tilde e\|
          \le \underbrace{\varepsilon}_{\le 10^{-12}\|y\|} + \frac{\|\hat g - M^\top\hat e\|}{\sigma_{\min}(M)}
          + 2\gamma_{p+1}(\|y\| + \|M\|_F\|c\|),

where :math:`\|\hat g - M^\top\hat e\|\le\gamma_{N+2}\|M\|_F\|\hat e\|` and :math:`\sigma_{\min}(M)\ge
10^{-6}\|M\|_F`: the second term is at most :math:`10^6\gamma_{N+2}\|\hat e\|` in the worst case
(:math:`7\cdot10^{-9}\|y\|` at :math:`N = 64`), about :math:`10^6u\sqrt N\|\hat e\|` with rounding errors of
random sign; the last is the rounding any backward-stable solver commits on :math:`y - Mc`, up to the
rounding of the solve inside :math:`\varepsilon`.  Measured agreement with the SVD: below
:math:`10^{-12}\|y\|`.

*Structural rank loss* (K3).  Patterns whose factorization fails are mostly rank-deficient for a
structural reason: two neurons :math:`i, k` whose rows differ on a set :math:`S` of fewer than :math:`d_0`
points (:math:`|S| = 0`: duplicated rows), or, when one of the two values of :math:`A` is 0, a neuron active
on fewer than :math:`d_0` points (the pair with a zero row).  Then, exactly,
:math:`\operatorname{range}(M) = \operatorname{range}(M_{-k}) + \mathbb R^S`: block :math:`k` is block :math:`i`
plus :math:`\operatorname{diag}(a_k - a_i)X^\top`, whose range is every vector supported on :math:`S` when
the :math:`x^{(n)}, n\in S` are linearly independent.  So :math:`e_S = 0` and the rest of :math:`e` is the
residual of the problem without neuron :math:`k` and without the rows :math:`S`.  One pass over all the
patterns a call did not certify applies the reductions one at a time until none applies (two-valued
patterns only); each :math:`X_S` is certified of full column rank by the same shifted Cholesky test on
:math:`X_S^\top X_S` (:data:`SUBSET_KAPPA`), the removed neuron's block is replaced by a multiple of the
identity (decoupled: its coefficients are 0), and the reduced problem is certified like any other and
checked once more against the *original* :math:`M` (:math:`\|M^\top e\|\le 10^{-12}\|M\|_F\|y\|`).  Dead
points (all-zero columns of :math:`A`) have zero rows in :math:`M`: :math:`e_n = y_n` with no special step.

**Wide systems** (:math:`p \ge N`).  Dead points are removed exactly (:math:`e_n = y_n`) and the other rows
are certified linearly independent by the shifted Cholesky test on K1's :math:`N\times N` Gram matrix
:math:`(A^\top A)\odot(X^\top X)` (dead rows and columns replaced by the identity, :math:`\kappa =`
:data:`WIDE_KAPPA`, rounding term :math:`\gamma_{d_0+d_1+1}`).  Then
:math:`\operatorname{range}(M) = \mathbb R^{\text{live}}` and :math:`e` is :math:`y` on the dead points and 0
elsewhere, exactly, with nothing solved.

**Scale invariance.**  :math:`X`, each pattern (outside :math:`[2^{-64}, 2^{64}]`) and :math:`y` are scaled by
exact powers of two (``frexp``/``ldexp``) before any product is formed and the residual is scaled back,
so results do not depend on the scales (no overflow of the Gram matrices at :math:`10^{\pm150}`, none of
:math:`\|y\|^2` at :math:`10^{\pm300}`); scaling by a power of two gives the same bits.

**Threads.**  For :math:`p <` :data:`ONE_THREAD_BELOW_P` the products run with one BLAS thread
(:func:`_blas_threads`).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

try:  # NumPy's batched Cholesky kernel; the public wrapper raises for the whole batch if one matrix fails
    from numpy.linalg._umath_linalg import cholesky_lo as _cholesky_lo_gufunc
    from numpy.linalg._umath_linalg import inv as _inv_gufunc
except ImportError:  # pragma: no cover - present in every NumPy this package supports (>= 1.24)
    _cholesky_lo_gufunc = _inv_gufunc = None

__all__ = [
    "certified_residual",
    "auto_residual",
    "ResidualStats",
    "collect_stats",
    "TALL_KAPPA",
    "WIDE_KAPPA",
    "SUBSET_KAPPA",
    "ORTHOGONALITY_GUARD",
]

#: Tall systems: accepted only if :math:`\sigma_{\min}(M)^2 \ge` TALL_KAPPA :math:`\|M\|_F^2` (certified).
TALL_KAPPA = 1e-12
#: Wide systems: the live rows are certified independent with :math:`\lambda_{\min} \ge` WIDE_KAPPA
#: :math:`\operatorname{tr}`.
WIDE_KAPPA = 1e-10
#: Reductions: :math:`X_S` certified of full column rank with :math:`\lambda_{\min}(X_S^\top X_S) \ge`
#: SUBSET_KAPPA :math:`\|X_S\|_F^2`.
SUBSET_KAPPA = 1e-10
#: Orthogonality certificate :math:`\|M^\top e\| \le` ORTHOGONALITY_GUARD :math:`\|M\|_F\|y\|` (100 x the
#: QR path's).
ORTHOGONALITY_GUARD = 1e-12
#: At most this many refinement steps in data space (corrected semi-normal equations), while the error
#: estimate exceeds ACCURACY_GUARD :math:`\|y\|`; a pattern is accepted only if it ends below.
DATA_REFINEMENT_STEPS = 3
ACCURACY_GUARD = 1e-12

_U = np.finfo(float).eps / 2  # unit roundoff 2^-53
_SUBNORMAL = 2.0**-1074
_SCALE_FREE = 64  # inputs whose largest entry lies in [2^-64, 2^64] are used unscaled (scaling is exact anyway)


def _gamma(k: int | np.ndarray) -> float | np.ndarray:
    return k * _U / (1 - k * _U)


# --- statistics for the benchmark -----------------------------------------------------------------
@dataclass
class ResidualStats:
    """Counts and stage times (seconds) gathered by :func:`auto_residual` inside :func:`collect_stats`."""

    patterns: int = 0
    tall: int = 0
    reduced: int = 0
    certified: int = 0
    qr_accepted: int = 0
    svd: int = 0
    times: dict = field(default_factory=dict)
    shapes: set = field(default_factory=set)

    @property
    def fallback_fraction(self) -> float:
        """Fraction of patterns not certified by the fast path (recomputed by QR or the SVD)."""
        return (self.patterns - self.certified) / self.patterns if self.patterns else 0.0

    def add_time(self, stage: str, seconds: float) -> None:
        self.times[stage] = self.times.get(stage, 0.0) + seconds


_STATS: ResidualStats | None = None


@contextmanager
def collect_stats():
    """Gather a :class:`ResidualStats` over every :func:`auto_residual` call in the block (not thread-safe)."""
    global _STATS
    previous, _STATS = _STATS, ResidualStats()
    try:
        yield _STATS
    finally:
        _STATS = previous


class _Clock:
    """Stage timer that costs one attribute test when no statistics are collected."""

    __slots__ = ("stats", "last")

    def __init__(self) -> None:
        self.stats = _STATS
        self.last = time.perf_counter() if self.stats is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.stats is not None:
            now = time.perf_counter()
            self.stats.add_time(stage, now - self.last)
            self.last = now


# --- BLAS threads ------------------------------------------------------------------------------------
#: Patterns with p = d0 d1 below this run their matrix products with one BLAS thread (see _blas_threads).
ONE_THREAD_BELOW_P = 512
_CONTROLLER = None


@contextmanager
def _blas_threads(p: int):
    """One BLAS thread while the fast path runs on small patterns (p < ONE_THREAD_BELOW_P); the caller's
    setting otherwise.  Its products are many moderate GEMMs: on this project's 2-core machine a second
    BLAS thread gained nothing when idle and cost up to 25x when the other core was busy (measured at
    (64, 4, 8): 7 versus 179 us per pattern for the Gram stage), the oversubscription that
    ``sweeps.one_blas_thread`` avoids for the same reason.  Like threadpoolctl itself this changes a
    process-wide setting for the duration of the call."""
    global _CONTROLLER
    if p >= ONE_THREAD_BELOW_P:
        yield
        return
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield


# --- small kernels ----------------------------------------------------------------------------------
def _cholesky_lower(G: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of a stack of symmetric matrices (only the lower triangles are read); a
    matrix whose factorization breaks down comes back as NaN, the others are unaffected."""
    if _cholesky_lo_gufunc is not None:
        with np.errstate(all="ignore"):
            return _cholesky_lo_gufunc(G, signature="d->d")
    out = np.full(G.shape, np.nan)  # pragma: no cover - only without the gufunc
    for idx in np.ndindex(G.shape[:-2]):  # pragma: no cover
        try:
            out[idx] = np.linalg.cholesky(G[idx])
        except np.linalg.LinAlgError:
            pass
    return out  # pragma: no cover


def _diagonal_blocks(T: np.ndarray, size: int) -> np.ndarray:
    """Writable view (S, n // size, size, size) of the diagonal blocks of a C-contiguous stack (S, n, n)."""
    S, n = T.shape[0], T.shape[-1]
    s0, s1, s2 = T.strides
    return np.ndarray((S, n // size, size, size), T.dtype, T, 0, (s0, size * (s1 + s2), s1, s2))


def _triangular_inverse(T: np.ndarray) -> np.ndarray:
    """Inverses of a stack of lower-triangular matrices (S, n, n), n a power of two, by doubling:
    inv([[T11, 0], [T21, T22]]) = [[X11, 0], [-X22 T21 X11, X22]], all diagonal blocks of one size at
    once (strided views, no copies)."""
    T = np.ascontiguousarray(T)
    X = np.empty_like(T)
    d = np.arange(T.shape[-1])
    X[:, d, d] = 1.0 / T[:, d, d]
    h = 1
    while h < T.shape[-1]:  # the strict upper triangle is zeroed block by block, each entry once
        Tb, Xb = _diagonal_blocks(T, 2 * h), _diagonal_blocks(X, 2 * h)
        Xb[..., :h, h:] = 0.0
        Xb[..., h:, :h] = -(Xb[..., h:, h:] @ (Tb[..., h:, :h] @ Xb[..., :h, :h]))
        h *= 2
    return X


def _block_size(p: int) -> int:
    """Block size of the Cholesky factorization and of the triangular solves: a power of two, the whole
    (padded) matrix up to p = 32, then 32, and 64 for p > 256 (measured on the benchmark sizes)."""
    return min(1 << max(p - 1, 1).bit_length(), 64 if p > 256 else 32)


class _Factor:
    r"""A batched blocked Cholesky factorization ``L L^T = S`` (S: (B, p, p), lower triangle read).

    Right-looking, one block column at a time, vectorized over the batch: the diagonal block by LAPACK
    (NumPy's batched ``cholesky``), its inverse by doubling, the block column below it as a product with
    that inverse, and the trailing lower blocks updated by matrix products.  ``offdiag`` bounds, a
    posteriori, what the explicit inverse adds to the backward error: with
    :math:`P = \operatorname{fl}(\hat S_{ij}X_j^\top)`, :math:`X_j` the computed inverse of :math:`L_{jj}`,

    .. math:: \|PL_{jj}^\top - \hat S_{ij}\|_F \le \|\hat S_{ij}\|_F\big(\|\operatorname{fl}(L_{jj}X_j) - I\|_F
              + 2\gamma_{n_b}\|L_{jj}\|_F\|X_j\|_F\big),

    summed over the block columns (times :math:`\sqrt2` for the symmetric blocks).  Everything else is
    the standard Cholesky error (the same sums in another order).  The inverses of the diagonal blocks
    are kept for the solves, each of which is then a few batched matrix-vector products.

    A batch of one multi-block matrix (the large sizes, where one factorization per draw dominates) is
    factored by one call of LAPACK's ``dpotrf`` instead (SciPy's, measured 1.9 ms against 3.4 ms for the
    blocked loop at p = 512), with the standard error bound; its diagonal blocks are then inverted in one
    batched call."""

    def __init__(self, S: np.ndarray) -> None:
        B, p = S.shape[0], S.shape[-1]
        nb = _block_size(p)
        self.p, self.nb = p, nb
        self.starts = list(range(0, p, nb))
        self.offdiag = np.zeros(B)
        if B == 1 and len(self.starts) > 1:
            self._lapack(S)
            return
        L = S  # overwritten in place, block column by block column; its upper triangle is never read
        self.Dinv = np.empty((B, len(self.starts), nb, nb)) if len(self.starts) > 1 else None
        self.offdiag = np.zeros(B)
        with np.errstate(all="ignore"):
            for j, j0 in enumerate(self.starts):
                j1 = min(j0 + nb, p)
                m = j1 - j0
                Ljj = _cholesky_lower(L[:, j0:j1, j0:j1])
                L[:, j0:j1, j0:j1] = Ljj
                if m < nb:
                    D = np.zeros((B, nb, nb))
                    D[:, range(m, nb), range(m, nb)] = 1.0
                    D[:, :m, :m] = Ljj
                else:
                    D = Ljj
                X = _triangular_inverse(D)
                if self.Dinv is None:
                    self.Dinv = X[:, None]
                else:
                    self.Dinv[:, j] = X
                if j1 == p:
                    break
                Xm = X[:, :m, :m]
                Sij = L[:, j1:, j0:j1]
                R = Ljj @ Xm
                R.reshape(B, m * m)[:, :: m + 1] -= 1.0
                self.offdiag += np.sqrt(np.einsum("bij,bij->b", Sij, Sij)) * (
                    np.sqrt(np.einsum("bij,bij->b", R, R))
                    + 2
                    * _gamma(m)
                    * np.sqrt(np.einsum("bij,bij->b", Ljj, Ljj) * np.einsum("bij,bij->b", Xm, Xm))
                )
                Lij = Sij @ np.swapaxes(Xm, -1, -2)
                L[:, j1:, j0:j1] = Lij
                for i0 in range(j1, p, nb):  # trailing update, lower block triangle only
                    i1 = min(i0 + nb, p)
                    L[:, i0:i1, j1:i1] -= Lij[:, i0 - j1 : i1 - j1] @ np.swapaxes(
                        Lij[:, : i1 - j1], -1, -2
                    )
        self.offdiag *= np.sqrt(2.0)
        self.L = L
        self.DinvT = np.swapaxes(self.Dinv, -1, -2)

    def _lapack(self, S: np.ndarray) -> None:
        """One matrix: LAPACK's dpotrf in place on its lower triangle (the upper of the Fortran view)."""
        from scipy.linalg.lapack import dpotrf

        _, info = dpotrf(S[0].T, lower=0, clean=0, overwrite_a=1)
        if info != 0:  # not positive definite (or an argument error): no factor
            S[0] = np.nan
        self.L = S
        self.Dinv = self.DinvT = (
            None  # inverted at the first solve (part of solving, not of the factorization)
        )

    def _invert_diagonal_blocks(self) -> None:
        p, nb = self.p, self.nb
        D = np.zeros((len(self.starts), nb, nb))
        for j, j0 in enumerate(self.starts):
            m = min(nb, p - j0)
            D[j, :m, :m] = np.tril(self.L[0, j0 : j0 + m, j0 : j0 + m])
            D[j, range(m, nb), range(m, nb)] = 1.0
        with np.errstate(all="ignore"):
            self.Dinv = _triangular_inverse(D)[None]
        self.DinvT = np.swapaxes(self.Dinv, -1, -2)

    def diagonal(self) -> np.ndarray:
        return self.L.reshape(self.L.shape[0], self.p * self.p)[:, :: self.p + 1]

    def solve(self, b: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """(L L^T)^{-1} b for b (B, p), or for the patterns ``idx`` only (b then (len(idx), p))."""
        if self.Dinv is None:
            self._invert_diagonal_blocks()
        L, Dinv, DinvT, p, nb = self.L, self.Dinv, self.DinvT, self.p, self.nb
        if idx is not None and idx.size != L.shape[0]:
            L, Dinv, DinvT = L[idx], Dinv[idx], DinvT[idx]
        x = np.empty(b.shape + (1,))
        b = b[..., None]
        for j, j0 in enumerate(self.starts):  # L x = b
            j1 = min(j0 + nb, p)
            rhs = b[:, j0:j1] - L[:, j0:j1, :j0] @ x[:, :j0] if j0 else b[:, j0:j1]
            x[:, j0:j1] = Dinv[:, j, : j1 - j0, : j1 - j0] @ rhs
        for j in range(len(self.starts) - 1, -1, -1):  # L^T z = x, in place
            j0 = self.starts[j]
            j1 = min(j0 + nb, p)
            rhs = (
                x[:, j0:j1] - np.swapaxes(L[:, j1:, j0:j1], -1, -2) @ x[:, j1:]
                if j1 < p
                else x[:, j0:j1]
            )
            x[:, j0:j1] = DinvT[:, j, : j1 - j0, : j1 - j0] @ rhs
        return x[..., 0]


#: Allowance in the shift for the explicit-inverse term of a multi-block factorization (relative to tau).
_OFFDIAG_ALLOWANCE = 1e-11


def _certified_cholesky(
    G: np.ndarray, tau: np.ndarray, n_terms: int, kappa: float
) -> tuple[_Factor, np.ndarray, np.ndarray]:
    r"""Shifted Cholesky factorization with Rump's certificate (module docstring), in place on ``G``.

    ``G`` (B, p, p) is the computed Gram matrix of a matrix :math:`M` with :math:`\|M\|_F^2 =` ``tau`` (B,)
    whose entries are sums of ``n_terms`` products bounded by :math:`\gamma_{\text{n\_terms}}|M|^\top|M|`.
    ``G`` is overwritten by the factor (its lower triangle).  Returns ``(factor, ok, t)``: ``ok`` certifies
    :math:`\lambda_{\min}(M^\top M)\ge\kappa\tau`.  A multi-block factorization adds
    :data:`_OFFDIAG_ALLOWANCE` :math:`\tau` to the shift and is accepted only if its a posteriori term
    (:class:`_Factor`) stays below that allowance."""
    p = G.shape[-1]
    flat = G.reshape(G.shape[0], p * p)
    diag = flat[:, :: p + 1]
    tr = diag.sum(axis=-1)
    g = _gamma(p + 1)
    delta = (
        (g / (1 - g)) * (1 + _U) * tr + _gamma(n_terms) * (1 + _U) * tau + _U * diag.max(axis=-1)
    )
    delta += 8.0 * (n_terms + 2) * p * _SUBNORMAL
    allowance = _OFFDIAG_ALLOWANCE * tau if p > _block_size(p) else 0.0
    t = kappa * tau + delta + allowance
    diag -= t[:, None]
    factor = _Factor(G)
    ok = np.all(factor.diagonal() > 0, axis=-1) & (tau > 0) & (factor.offdiag <= allowance)
    return factor, ok, t


def _pow2_exponent(amax: np.ndarray, free: int) -> np.ndarray:
    """Exponents k with amax * 2^-k in [0.5, 1) where amax lies outside [2^-free, 2^free], else 0."""
    k = np.frexp(amax)[1]
    return np.where((np.abs(k) > free) & (amax > 0), k, 0)


# --- K1 products ---------------------------------------------------------------------------------------
class _Data:
    """X (shared, (d0, N), or batched, (B, d0, N)) with the derived arrays the products need."""

    _last: "tuple[np.ndarray, _Data] | None" = None

    @classmethod
    def shared_cached(cls, X: np.ndarray) -> "_Data":
        """The _Data of a shared X, reused while successive calls pass the same values (the samplers)."""
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

    def take(self, idx: np.ndarray) -> "_Data":
        return self if self.shared else _Data(self.X[idx])

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


# --- K3 reductions -----------------------------------------------------------------------------------
def _subset_independent(data: _Data, idx: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Certify that the columns x_n, n in S, are linearly independent (S: (E, N) bool, |S| < d0)."""
    m = data.d0 - 1
    size = S.sum(axis=-1)
    if m == 0 or not np.any(size):
        return np.ones(S.shape[0], dtype=bool)
    cols = np.argsort(~S, axis=-1, kind="stable")[:, :m]  # the points of S first
    valid = np.arange(m) < size[:, None]
    if data.shared:
        XS = np.swapaxes(data.X[:, cols], 0, 1)  # (E, d0, m)
    else:
        XS = np.take_along_axis(data.X[idx], cols[:, None, :], axis=2)
    XS = XS * valid[:, None, :]
    K = np.swapaxes(XS, -1, -2) @ XS
    tau = np.einsum("ejm,ejm->e", XS, XS)
    dummy = np.where(size > 0, tau / np.maximum(size, 1), 1.0)
    K.reshape(K.shape[0], m * m)[:, :: m + 1] += ~valid * dummy[:, None]
    _, ok, _ = _certified_cholesky(K, np.where(size > 0, tau, 1.0), data.d0, SUBSET_KAPPA)
    return ok


def _reductions(
    A: np.ndarray, data: _Data
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K3 reductions of every two-valued pattern of A (B, d1, N), one at a time until none applies.

    Returns ``(red, keep, fit, failed)``: the indices of the reduced patterns, their kept neurons
    (R, d1), their exactly fitted points (R, N), and whether some subset X_S failed its certificate (R,).
    A candidate is a pair i < k of kept neurons whose rows differ on fewer than d0 remaining points, or,
    when one of the two values is 0, a kept neuron non-zero on fewer than d0 remaining points; the one
    with the fewest points is applied (neuron k dropped, its points S fitted)."""
    B, d1, n = A.shape
    d0 = data.d0
    lo, hi = A.min(axis=(1, 2)), A.max(axis=(1, 2))
    high = A == hi[:, None, None]
    two = np.all(high | (A == lo[:, None, None]), axis=(1, 2))
    upper = np.triu(np.ones((d1, d1), dtype=bool), 1)
    keep = np.ones((B, d1), dtype=bool)
    fit = np.zeros((B, n), dtype=bool)
    reduced = np.zeros(B, dtype=bool)
    failed = np.zeros(B, dtype=bool)
    act = np.flatnonzero(two)
    for _ in range(d1):
        if act.size == 0:
            break
        s = high[act] & ~fit[act][:, None, :] if reduced.any() else high[act]
        sf = s.astype(float)
        cnt = sf.sum(axis=-1)
        diff = (
            cnt[:, :, None] + cnt[:, None, :] - 2.0 * (sf @ np.swapaxes(sf, -1, -2))
        )  # |{n: A_in != A_kn}|
        kept = keep[act]
        diff = np.where(kept[:, :, None] & kept[:, None, :] & upper, diff, np.inf)
        remaining = n - fit[act].sum(axis=-1)
        nonzero = np.where(
            (lo[act] == 0)[:, None],
            cnt,
            np.where((hi[act] == 0)[:, None], remaining[:, None] - cnt, np.inf),
        )
        cand = np.concatenate([diff.reshape(act.size, -1), np.where(kept, nonzero, np.inf)], axis=1)
        best = cand.argmin(axis=-1)
        event = cand[np.arange(act.size), best] < d0
        if not np.any(event):
            break
        act, best = act[event], best[event]
        use_zero = best >= d1 * d1
        i = np.where(use_zero, 0, best // d1)
        drop = np.where(use_zero, best - d1 * d1, best % d1)
        row = high[act, drop]
        S = (
            np.where(
                use_zero[:, None], np.where((lo[act] == 0)[:, None], row, ~row), high[act, i] ^ row
            )
            & ~fit[act]
        )
        keep[act, drop] = False
        fit[act] |= S
        reduced[act] = True
        good = _subset_independent(data, act, S)
        failed[act[~good]] = True
        act = act[good]
    red = np.flatnonzero(reduced)
    return red, keep[red], fit[red], failed[red]


# --- the two regimes ---------------------------------------------------------------------------------
def _tall(
    A: np.ndarray, data: _Data, y: np.ndarray, clock: _Clock, reduce: bool = False
) -> tuple[np.ndarray, np.ndarray, int]:
    """Certified residuals for p < N (module docstring); returns (e, ok, number of reduced patterns).

    With ``reduce`` the K3 reductions are applied first and only the reduced patterns can be certified
    (the second pass over the patterns the first one did not certify)."""
    B, d1, n = A.shape
    d0 = data.d0
    p = d0 * d1
    red, keep, fit, bad = (
        _reductions(A, data) if reduce else (np.zeros(0, dtype=np.intp), None, None, None)
    )
    n_reduced = red.size
    Ar, Yb = A, np.broadcast_to(y, (B, n))
    if n_reduced:
        Ar = A.copy()
        Ar[red] *= keep[:, :, None] & ~fit[:, None, :]
        Yb = np.empty((B, n))
        Yb[:] = y
        Yb[red] *= ~fit
    if reduce:
        clock.lap("reduce")
        if not n_reduced:
            return np.zeros((B, n)), np.zeros(B, dtype=bool), 0
    clock.lap("reduce")
    G = data.gram(Ar)
    diag = G.reshape(B, p * p)[:, :: p + 1]
    tau = diag.sum(axis=-1)
    if n_reduced:  # dropped neurons: their (zero) blocks become a multiple of the identity
        dropped = np.repeat(~keep, d0, axis=1)
        dummy = np.where(tau[red] > 0, tau[red] / np.maximum(p - dropped.sum(axis=-1), 1), 1.0)
        diag[red] += dropped * dummy[:, None]
    clock.lap("gram")
    factor, ok, t = _certified_cholesky(G, tau, n + 2, TALL_KAPPA)
    if reduce:  # only reduced patterns, with every subset X_S certified
        reduced = np.zeros(B, dtype=bool)
        reduced[red[~bad]] = True
        ok &= reduced
    clock.lap("factor")
    if not np.any(ok):
        return np.zeros((B, n)), ok, n_reduced
    with np.errstate(
        all="ignore"
    ):  # patterns whose factorization failed carry NaN; discarded below
        solver = factor
        b = data.times_t(Ar, Yb)
        c = solver.solve(b)
        e = Yb - data.times(Ar, c)
        clock.lap("solve")
        g = data.times_t(Ar, e)
        ynorm = np.linalg.norm(y)
        tol = ACCURACY_GUARD * ynorm
        est = np.full(
            B, np.inf
        )  # sqrt(g^T (L L^T)^{-1} g), an upper estimate of ||P e|| = ||e - e_A||
        active = ok.copy()
        for step in range(DATA_REFINEMENT_STEPS + 1):
            count = int(active.sum())
            if count == 0:
                break
            if 4 * count >= B:  # most patterns still refine: whole-batch arrays, masked update
                dc = solver.solve(g)
                est = np.where(active, np.sqrt(np.abs(np.einsum("bp,bp->b", g, dc))), est)
                active &= ~(est <= tol)
                if step == DATA_REFINEMENT_STEPS or not active.any():
                    break
                c += dc * active[:, None]  # one step of the corrected semi-normal equations
                e = Yb - data.times(Ar, c)
                g = data.times_t(Ar, e)
            else:  # the few that remain
                idx = np.flatnonzero(active)
                dc = solver.solve(g[idx], idx)
                est[idx] = np.sqrt(np.abs(np.einsum("bp,bp->b", g[idx], dc)))
                active[idx] = ~(est[idx] <= tol)
                if step == DATA_REFINEMENT_STEPS or not active.any():
                    break
                keep = active[idx]
                idx, dc = idx[keep], dc[keep]
                sub = data.take(idx)
                c[idx] += dc
                e[idx] = Yb[idx] - sub.times(Ar[idx], c[idx])
                g[idx] = sub.times_t(Ar[idx], e[idx])
        cert = (
            ok
            & (est <= tol)
            & (np.linalg.norm(g, axis=-1) <= ORTHOGONALITY_GUARD * np.sqrt(tau) * ynorm)
        )
        if n_reduced:  # the reduced problems' answers, checked against the original M
            sub = data.take(red)
            g0 = sub.times_t(A[red], e[red])
            bound0 = ORTHOGONALITY_GUARD * np.sqrt(sub.frobenius2(A[red])) * ynorm
            cert[red] &= np.linalg.norm(g0, axis=-1) <= bound0
        ok = cert & np.all(np.isfinite(e), axis=-1)
    clock.lap("certify")
    return e, ok, n_reduced


def _wide(
    A: np.ndarray, data: _Data, y: np.ndarray, clock: _Clock
) -> tuple[np.ndarray, np.ndarray]:
    """Certified residuals for p >= N: dead points removed exactly, the live rows certified independent."""
    B, d1, n = A.shape
    dead = ~np.any(A != 0, axis=-2)  # (B, N)
    K = (np.swapaxes(A, -1, -2) @ A) * data.xtx()
    diag = K.reshape(B, n * n)[:, :: n + 1]
    tau = diag.sum(axis=-1)
    dummy = np.where(tau > 0, tau / np.maximum((~dead).sum(axis=-1), 1), 1.0)
    diag += dead * dummy[:, None]
    clock.lap("gram")
    _, ok, _ = _certified_cholesky(K, tau, data.d0 + d1 + 1, WIDE_KAPPA)
    clock.lap("factor")
    return np.where(dead, y, 0.0), ok


# --- public entry points ------------------------------------------------------------------------------
def _chunk(n: int, p: int, d1: int, d0: int) -> int:
    """Patterns per internal chunk: about 8 MB of temporaries (Gram and factor, row-product GEMM output,
    pattern-sized arrays), at most 128.  Measured (CPU time, 2-core machine): 64 to 128 patterns best at
    (64, 4, 8) (256 or more: 30-50% slower, cache), 16 to 32 at (256, 8, 16) (4: 45% slower, overhead)."""
    per = 8 * (p * p + d1 * (d1 + 1) // 2 * d0 * (d0 + 1) // 2 + 6 * d1 * n)
    return max(1, min(128, (1 << 23) // per))


def certified_residual(A, X, y) -> tuple[np.ndarray, np.ndarray]:
    r"""Batched least-squares residuals :math:`e = (I - P)y` of :math:`M = (A\circ X)^\top`, with certificates.

    The method and the meaning of the certificates are in the module docstring: Gram matrices by K1's
    structure, shifted Cholesky factorization (its success certifies
    :math:`\sigma_{\min}(M)\ge\sqrt\kappa\,\|M\|_F`), refinement, the orthogonality certificate
    :math:`\|M^\top e\|\le 10^{-10}\|M\|_F\|y\|`; K3's structural reductions for rank-deficient patterns;
    for :math:`d_0d_1\ge N`, dead points removed and rank certified.

    Parameters
    ----------
    A : array_like, shape (..., d1, N)
        Patterns (any real matrices; the reductions apply to two-valued ones).
    X : array_like, shape (d0, N) or (..., d0, N)
        Data, shared by all patterns or one per pattern (broadcast against ``A``'s batch).
    y : array_like, shape (N,)

    Returns
    -------
    e : ndarray, shape (batch..., N)
        The residuals; NaN where ``certified`` is False (to be recomputed by another method).
    certified : ndarray of bool, shape (batch...)
    """
    A = np.asarray(A, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if A.ndim < 2 or X.ndim < 2:
        raise ValueError(
            f"A and X must have at least 2 dimensions; got shapes {A.shape} and {X.shape}"
        )
    if y.ndim != 1:
        raise ValueError(f"y must be a vector; got shape {y.shape}")
    if not A.shape[-1] == X.shape[-1] == y.shape[0]:
        raise ValueError(
            f"A, X and y must have the same number N of columns; got shapes {A.shape}, {X.shape}, {y.shape}"
        )
    for name, arr in (("A", A), ("X", X), ("y", y)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite (no NaN or inf)")
    with _blas_threads(A.shape[-2] * X.shape[-2]):
        e, ok, (_, _, _, ky, batch) = _certified(A, X, y, _Clock())
    e[~ok] = np.nan
    return np.ldexp(e, ky).reshape(batch + (e.shape[-1],)), ok.reshape(batch)


def _certified(A: np.ndarray, X: np.ndarray, y: np.ndarray, clock: _Clock):
    """certified_residual on validated arrays; also returns the scaled (A, X, y) and the exponent of y."""
    batch = np.broadcast_shapes(A.shape[:-2], X.shape[:-2])
    d1, n = A.shape[-2:]
    d0 = X.shape[-2]
    p = d0 * d1
    A = np.broadcast_to(A, batch + (d1, n)).reshape(-1, d1, n)
    B = A.shape[0]
    if X.ndim > 2:
        X = np.broadcast_to(X, batch + (d0, n)).reshape(B, d0, n)
        kx = _pow2_exponent(np.abs(X).max(axis=(1, 2)), 0)
        X = np.ldexp(X, -kx[:, None, None])
    else:
        X = np.ldexp(X, -_pow2_exponent(np.abs(X).max(), 0))
    ka = _pow2_exponent(np.abs(A).max(axis=(1, 2)), _SCALE_FREE)
    if np.any(ka):
        A = np.ldexp(A, -ka[:, None, None])
    ky = int(_pow2_exponent(np.abs(y).max(), 0))
    y = np.ldexp(y, -ky)
    data = _Data.shared_cached(X) if X.ndim == 2 else _Data(X)
    clock.lap("scale")
    if p < n:
        e = np.empty((B, n))
        ok = np.empty(B, dtype=bool)
        step = _chunk(n, p, d1, d0)
        for s in range(0, B, step):
            sl = slice(s, min(s + step, B))
            e[sl], ok[sl], _ = _tall(A[sl], data if data.shared else _Data(X[sl]), y, clock)
        failed = np.flatnonzero(
            ~ok
        )  # structural rank loss (K3): one reduction pass over all of them
        reduced = 0
        for s in range(0, failed.size, step):
            idx = failed[s : s + step]
            e_r, ok_r, r = _tall(A[idx], data.take(idx), y, clock, reduce=True)
            e[idx[ok_r]], ok[idx[ok_r]] = e_r[ok_r], True
            reduced += r
    else:
        e, ok = _wide(A, data, y, clock)
        reduced = 0
    stats = clock.stats
    if stats is not None:
        stats.patterns += B
        stats.tall += B if p < n else 0
        stats.reduced += reduced
        stats.certified += int(ok.sum())
        stats.shapes.add((n, d0, d1))
    return e, ok, (A, X, y, ky, batch)


# --- the stable fallbacks: Householder QR of [M | y], then the SVD ----------------------------------
def _residual_svd(
    M: np.ndarray, y: np.ndarray, rtol: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Residual of y against range(M) by SVD with a relative rank tolerance (rank-revealing)."""
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    if rtol is None:
        rtol = max(M.shape[-2:]) * np.finfo(float).eps
    keep = s > rtol * s[..., :1]
    coeff = (np.swapaxes(U, -1, -2) @ y) * keep
    return y - (U @ coeff[..., None])[..., 0], keep.sum(axis=-1)


#: Relative guards of the QR path of :func:`dlm_residual`.
QR_DIAGONAL_GUARD = 1e-8
QR_CERTIFICATE_GUARD = 1e-10


def _augmented(A: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[M | y] with M = (A o X)^T, shape (..., N, d1 d0 + 1), written in one pass (X may be batched too).

    Stored as its transpose [A o X ; y^T] in C order, so each matrix is Fortran-contiguous (what LAPACK
    reads without a transposing copy) and the product is written with the long axis N innermost.
    """
    batch, (d1, n), d0 = A.shape[:-2], A.shape[-2:], X.shape[-2]
    out = np.empty(batch + (d1 * d0 + 1, n))
    np.multiply(
        A[..., :, None, :], X[..., None, :, :], out=out[..., :-1, :].reshape(batch + (d1, d0, n))
    )
    out[..., -1, :] = y
    return np.swapaxes(out, -1, -2)


def _back_substitution(R: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve R c = b for upper-triangular R, batched: a loop over the p rows, vectorized over the batch."""
    p = R.shape[-1]
    c = np.zeros(b.shape)
    for k in range(p - 1, -1, -1):
        acc = np.einsum("...j,...j->...", R[..., k, k + 1 :], c[..., k + 1 :]) if k < p - 1 else 0.0
        c[..., k] = (b[..., k] - acc) / R[..., k, k]
    return c


def _residual_qr(aug: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residual by Householder QR of [M | y] and back substitution; returns (e, accepted mask)."""
    p = aug.shape[-1] - 1
    Mt = np.swapaxes(aug[..., :p], -1, -2)  # (..., p, N), contiguous rows
    # mode="raw" returns the factored matrix transposed, R in its upper triangle; mode="r" would also copy
    # it through triu, which costs 8% of the sampler's time at (64, 4, 8).  Only R's upper triangle is read.
    R = np.swapaxes(np.linalg.qr(aug, mode="raw")[0], -1, -2)
    diag = np.abs(np.diagonal(R[..., :p, :p], axis1=-2, axis2=-1))
    ok = diag.min(axis=-1) > QR_DIAGONAL_GUARD * diag.max(axis=-1)
    Rp = np.where(
        ok[..., None, None], R[..., :p, :p], np.eye(p)
    )  # keep the solve defined everywhere
    c = _back_substitution(Rp, R[..., :p, p])
    e = y - (c[..., None, :] @ Mt)[..., 0, :]
    cert = np.linalg.norm((Mt @ e[..., None])[..., 0], axis=-1)
    scale = np.sqrt(np.einsum("...pn,...pn->...", Mt, Mt)) * np.linalg.norm(y)
    ok &= np.isfinite(cert) & (cert <= QR_CERTIFICATE_GUARD * scale)
    return e, ok, R


def _residual_from_r(
    R: np.ndarray, Mt: np.ndarray, y: np.ndarray, rtol: float | None
) -> np.ndarray:
    """Residual for the patterns the QR path refused, from the R factor of [M | y] already computed.

    range(M) = Q range(R_pp) and Q^T y = R[:p, p] on span(Q_p), so e = y - M c with
    c = R_pp^+ R[:p, p], the pseudo-inverse by the SVD of the p x p triangle R_pp with the rank rule of
    _residual_svd (Householder QR is backward stable, so R_pp has the singular values of M up to
    rounding).  This is the QR-then-SVD route of LAPACK's gelsd, at a p x p SVD instead of N x p."""
    p, n = Mt.shape[-2:]
    U, s, Vt = np.linalg.svd(np.triu(R[..., :p, :p]))
    if rtol is None:
        rtol = max(n, p) * np.finfo(float).eps
    keep = s > rtol * s[..., :1]
    coeff = np.where(
        keep, (np.swapaxes(U, -1, -2) @ R[..., :p, p, None])[..., 0] / np.where(keep, s, 1.0), 0.0
    )
    c = (np.swapaxes(Vt, -1, -2) @ coeff[..., None])[..., 0]
    return y - (c[..., None, :] @ Mt)[..., 0, :]


def auto_residual(
    A: np.ndarray, X: np.ndarray, y: np.ndarray, rtol: float | None = None
) -> np.ndarray:
    """``dlm_residual(method="auto")`` on validated arrays: the certified fast path, then for what it
    does not certify Householder QR (p < N) and, where QR refuses, the SVD, as ``khatri_rao`` does."""
    with _blas_threads(A.shape[-2] * X.shape[-2]):
        return _auto(A, X, y, rtol)


def _auto(A: np.ndarray, X: np.ndarray, y: np.ndarray, rtol: float | None) -> np.ndarray:
    clock = _Clock()
    e, ok, (As, Xs, ys, ky, batch) = _certified(A, X, y, clock)
    bad = np.flatnonzero(~ok)
    if bad.size:
        n = As.shape[-1]
        Xb = Xs if Xs.ndim == 2 else Xs[bad]
        aug = _augmented(As[bad], Xb, ys)
        if As.shape[-2] * Xs.shape[-2] < n:
            with np.errstate(all="ignore"):
                eb, okb, R = _residual_qr(aug, ys)
            clock.lap("fallback_qr")
            if not np.all(okb):
                M = aug[..., :-1]
                eb[~okb] = _residual_from_r(R[~okb], np.swapaxes(M[~okb], -1, -2), ys, rtol)
            clock.lap("fallback_svd")
        else:
            okb = np.zeros(bad.size, dtype=bool)
            eb = _residual_svd(aug[..., :-1], ys, rtol)[0]
            clock.lap("fallback_svd")
        e[bad] = eb
        if clock.stats is not None:
            clock.stats.qr_accepted += int(okb.sum())
            clock.stats.svd += int((~okb).sum())
    return np.ldexp(e, ky).reshape(batch + (e.shape[-1],))
