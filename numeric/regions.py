r"""Differentiable regions: feasibility, DLMs inside them, angular volumes (D1, D3, D4, K6, V1, V2).

A region :math:`\mathcal D_A(X) = \{W : a(WX) = A\}` is a product of open polyhedral cones, one per row:
:math:`C_i = \{w : s_{in}\,w^\top x^{(n)} > 0\ \forall n\}` with :math:`s_{in} = +1` where
:math:`A_{in} = 1` and :math:`-1` where :math:`A_{in} = \rho`.

Strict inequalities are decided with an explicit margin, never by a solver's feasibility flag: the
data columns are normalized to unit length and the linear program

.. math:: \max t \quad\text{s.t.}\quad s_{in}\,w^\top \hat x^{(n)} \ge t,\ \ -1 \le w_j \le 1,\ \ t \le 1

(always feasible) is solved by HiGHS; the cone is declared non-empty iff :math:`t^* >` ``margin``
(default ``1e-6``, well above HiGHS's feasibility tolerance of ``1e-7``).  A cone thinner than that is
reported empty: the decision is conservative.

Costs: :func:`region_is_nonempty` solves :math:`d_1` LPs with :math:`d_0 + 1` variables;
:func:`region_contains_dlm` solves up to :math:`3^{d_1}` LPs with :math:`d_0d_1 + 1` variables (the sign
choice :math:`v_i \in C_i, -C_i, \{0\}`) and refuses :math:`d_1 >` ``MAX_D1_SIGN_CHOICES`` = 8.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ._checks import as_array, as_generator, as_matrix, check_labels, check_rho, check_same_columns, positive_int
from .khatri_rao import (
    _dlm_residual_unchecked, _mce_unchecked, _pattern_unchecked, activation_pattern, dlm_residual, khatri_rao,
)
from .stats import Estimate, binomial_estimate, clopper_pearson

__all__ = [
    "DLMCertificate",
    "pattern_signs",
    "cone_margin",
    "region_margins",
    "region_is_nonempty",
    "dlm_in_region",
    "region_contains_dlm",
    "region_contains_global_minimum",
    "arc_probability",
    "row_probability",
    "angular_volume",
    "sample_bad_region_event",
    "sample_bad_region_event_loop",
    "sample_global_minimum_event",
    "region_log_volume_lower_bound",
    "sample_in_cap",
    "ConeProbability",
    "cone_log_probability",
    "RegionLogVolume",
    "region_log_volume",
    "plane_row_patterns",
    "ExactVolumes",
    "exact_volumes_in_the_plane",
    "DEFAULT_MARGIN",
    "MAX_D1_SIGN_CHOICES",
]

DEFAULT_MARGIN = 1e-6
MAX_D1_SIGN_CHOICES = 8


def pattern_signs(A) -> np.ndarray:
    r"""Signs :math:`s_{in} = +1` where :math:`A_{in} = 1`, else :math:`-1`.

    The entries of ``A`` other than 1 must all equal one value (the slope :math:`\rho`).
    """
    A = as_array("A", A, min_ndim=1)
    other = A[A != 1]
    if other.size and np.any(other != other.flat[0]):
        raise ValueError(f"A must have entries in {{rho, 1}} for one rho; got the values {np.unique(A)}")
    return np.where(A == 1, 1.0, -1.0)


def _unit_columns(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=0)
    if np.any(norms == 0):
        raise ValueError(f"X must have no zero column (a zero datapoint has w^T x = 0 for every w); column {int(np.argmin(norms))}")
    return X / norms


def cone_margin(signs, X) -> tuple[float, np.ndarray]:
    r"""Largest margin :math:`t` with :math:`s_n w^\top \hat x^{(n)} \ge t`, :math:`\|w\|_\infty \le 1`.

    Parameters
    ----------
    signs : array_like, shape (N,)
        Desired signs :math:`\pm 1` of :math:`w^\top x^{(n)}`.
    X : array_like, shape (d0, N)

    Returns
    -------
    t : float
        The optimal margin (capped at 1); the open cone is non-empty iff :math:`t > 0`.
    w : ndarray, shape (d0,)
        A maximizer.
    """
    Xh = _unit_columns(as_matrix("X", X))
    s = np.asarray(signs, dtype=float)
    d0, n = Xh.shape
    a_ub = np.hstack([-(Xh * s).T, np.ones((n, 1))])
    res = linprog(
        c=np.r_[np.zeros(d0), -1.0], A_ub=a_ub, b_ub=np.zeros(n),
        bounds=[(-1, 1)] * d0 + [(None, 1)], method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"HiGHS failed on a feasible bounded LP: {res.message}")
    return float(-res.fun), res.x[:d0]


def _cap_margin(w: np.ndarray, sXh: np.ndarray) -> float:
    """t = min_n s_n x_hat_n^T w / |w|: the sine of the half-angle of the cap around w inside the cone
    {s_n w^T x_n > 0} (``sXh``: unit columns times their signs); 0 for w = 0."""
    norm = float(np.linalg.norm(w))
    return float(np.min(w @ sXh) / norm) if norm > 0 else 0.0


def _row_cones(A, X) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated (A, X), the signs of A, and each row cone's LP margin and maximizer (one LP per row)."""
    A = as_matrix("A", A)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    s = pattern_signs(A)
    solved = [cone_margin(row, X) for row in s]
    return A, X, s, np.array([t for t, _ in solved]), np.array([w for _, w in solved])


def region_margins(A, X) -> np.ndarray:
    """Per-row LP margins :math:`t_i^*` of the cones :math:`C_i` (see :func:`cone_margin`)."""
    return _row_cones(A, X)[3]


def region_is_nonempty(A, X, *, margin: float = DEFAULT_MARGIN) -> bool:
    r"""Whether :math:`\mathcal D_A(X)` is non-empty: every row cone has LP margin :math:`>` ``margin``."""
    return bool(np.all(region_margins(A, X) > margin))


@dataclass(frozen=True)
class DLMCertificate:
    """A DLM found in a region: weights, the sign choice, and the LP margin that certified it."""

    W: np.ndarray
    z: np.ndarray
    signs: tuple[int, ...]
    margin: float
    residual: np.ndarray


def dlm_in_region(A, X, y, *, margin: float = DEFAULT_MARGIN, target_residual=None) -> DLMCertificate | None:
    r"""Find a DLM :math:`(W, z)` of the MSE inside :math:`\mathcal D_A(X)` (K6), or return ``None``.

    A DLM in :math:`\mathcal D_A` exists iff the region is non-empty and some :math:`v` with
    :math:`(A\circ X)^\top v = y - e_A` has each block :math:`v_i \in C_i \cup -C_i \cup \{0\}`
    (:math:`v_i = z_i w_i`).  Each sign choice :math:`\sigma\in\{+1,-1,0\}^{d_1}` is one LP maximizing the
    margin :math:`t` of :math:`\sigma_i s_{in} v_i^\top\hat x^{(n)} \ge t` (capped at 1) subject to the
    equality; it succeeds when :math:`t^* >` ``margin``.  The certificate is checked: its pattern is
    ``A`` and its output is :math:`y - e_A` to :math:`10^{-6}` relative.

    Parameters
    ----------
    A : array_like, shape (d1, N)
    X : array_like, shape (d0, N)
    y : array_like, shape (N,)
    margin : float
    target_residual : array_like, optional
        Use this residual instead of :math:`e_A` (``0`` for the global-minimum test of D4).

    Returns
    -------
    DLMCertificate or None
    """
    A = as_matrix("A", A)
    y = as_array("y", y, ndim=1)
    if A.shape[0] > MAX_D1_SIGN_CHOICES:
        raise ValueError(f"d1 must be <= {MAX_D1_SIGN_CHOICES}: the sign choice costs 3^d1 LPs; got d1 = {A.shape[0]}")
    A, X, s, row_t, row_w = _row_cones(A, X)
    d1, n = A.shape
    d0 = X.shape[0]
    if np.any(row_t <= margin):
        return None
    e = dlm_residual(A, X, y) if target_residual is None else as_array("target_residual", target_residual, ndim=1)
    norms = np.linalg.norm(X, axis=0)
    Xh = X / norms
    r = (y - e) / norms  # equality for unit columns: (A o Xh)^T v = (y - e_A)_n / |x_n|
    scale = float(np.max(np.abs(r)))
    if scale > 0:
        r = r / scale
    M = khatri_rao(A, Xh).T  # (N, d1 d0)
    for sigma in itertools.product((1, -1, 0), repeat=d1):
        rows = []
        for i, si in enumerate(sigma):
            if si == 0:
                continue
            block = np.zeros((n, d1 * d0 + 1))
            block[:, i * d0:(i + 1) * d0] = -(si * s[i])[:, None] * Xh.T
            block[:, -1] = 1.0
            rows.append(block)
        bounds = []
        for si in sigma:
            bounds += [(0, 0)] * d0 if si == 0 else [(None, None)] * d0
        bounds.append((None, 1))
        res = linprog(
            c=np.r_[np.zeros(d1 * d0), -1.0],
            A_ub=np.vstack(rows) if rows else None, b_ub=np.zeros(len(rows) * n) if rows else None,
            A_eq=np.hstack([M, np.zeros((n, 1))]), b_eq=r, bounds=bounds, method="highs",
        )
        if res.status != 0 or -res.fun <= margin:
            continue
        v = res.x[:-1].reshape(d1, d0) * (scale if scale > 0 else 1.0)
        W = np.empty((d1, d0))
        z = np.array(sigma, dtype=float)
        for i, si in enumerate(sigma):
            W[i] = si * v[i] if si != 0 else row_w[i]
        cert = DLMCertificate(W, z, tuple(sigma), float(-res.fun), e)
        _verify(cert, A, X, y)
        return cert
    return None


def _verify(cert: DLMCertificate, A: np.ndarray, X: np.ndarray, y: np.ndarray) -> None:
    rho = float(A[A != 1].flat[0]) if np.any(A != 1) else 0.0
    pattern = activation_pattern(cert.W, X, rho)
    if not np.array_equal(pattern, A):
        raise RuntimeError("internal error: DLM certificate leaves the region")
    output = (pattern * (cert.W @ X)).T @ cert.z
    target = y - cert.residual
    if np.linalg.norm(output - target) > 1e-6 * max(1.0, np.linalg.norm(y)):
        raise RuntimeError("internal error: DLM certificate output differs from y - e_A")


def region_contains_dlm(A, X, y, *, margin: float = DEFAULT_MARGIN) -> bool:
    r"""Whether :math:`\mathcal D_A(X)` contains a DLM of the MSE (K6); see :func:`dlm_in_region`."""
    return dlm_in_region(A, X, y, margin=margin) is not None


def region_contains_global_minimum(A, X, y, *, margin: float = DEFAULT_MARGIN, rtol: float = 1e-9) -> bool:
    r"""Whether :math:`\mathcal D_A(X) \subseteq G` (D4): a DLM with :math:`e = 0` exists in the region.

    Requires :math:`e_A = 0` (to ``rtol`` relative to :math:`\|y\|`) and the K6 sign LPs with zero residual.
    """
    y_arr = as_array("y", y, ndim=1)
    e = dlm_residual(A, X, y_arr)
    if np.linalg.norm(e) > rtol * max(np.linalg.norm(y_arr), 1.0):
        return False
    return dlm_in_region(A, X, y_arr, margin=margin, target_residual=np.zeros_like(y_arr)) is not None


# --- angular volume -------------------------------------------------------------------------
def arc_probability(signs, X) -> float:
    r"""Exact :math:`\mathbb P_{w\sim\mathcal N(0,I_2)}(\operatorname{sign}(w^\top X) = s)` for :math:`d_0 = 2`.

    Each constraint :math:`s_n w^\top x^{(n)} > 0` is an open half-circle of directions centred on the angle
    :math:`\phi_n` of :math:`s_n x^{(n)}`; their intersection is an arc of width
    :math:`\max(0, \pi - \text{spread})`, where the spread is the shortest arc containing every
    :math:`\phi_n`.  The Gaussian is isotropic, so the probability is width / :math:`2\pi`.
    """
    X = as_matrix("X", X)
    if X.shape[0] != 2:
        raise ValueError(f"arc_probability needs d0 = 2; got X of shape {X.shape}")
    s = np.asarray(signs, dtype=float)
    v = X * s
    phi = np.sort(np.mod(np.arctan2(v[1], v[0]), 2 * np.pi))
    gaps = np.diff(np.r_[phi, phi[0] + 2 * np.pi])
    spread = 2 * np.pi - gaps.max()
    return float(max(0.0, np.pi - spread) / (2 * np.pi))


def row_probability(signs, X, *, n_samples: int, rng, batch: int = 65_536) -> int:
    r"""Count of ``n_samples`` draws :math:`w\sim\mathcal N(0, I_{d_0})` with :math:`\operatorname{sign}(w^\top X) = s`, for each row of ``signs``.

    Vectorized: one matrix product per batch; patterns compared as packed bits.

    Returns
    -------
    ndarray of int, shape (rows,)
    """
    X = as_matrix("X", X)
    rng = as_generator(rng)
    s = np.atleast_2d(np.asarray(signs, dtype=float)) > 0
    target = np.packbits(s, axis=-1)
    counts = np.zeros(s.shape[0], dtype=np.int64)
    left = int(n_samples)
    while left > 0:
        b = min(batch, left)
        w = rng.standard_normal((b, X.shape[0]))
        packed = np.packbits(w @ X > 0, axis=-1)
        counts += (packed[:, None, :] == target[None, :, :]).all(axis=-1).sum(axis=0)
        left -= b
    return counts


def angular_volume(A, X, *, n_samples: int = 100_000, rng=None, alpha: float = 1e-3) -> Estimate:
    r"""Angular volume :math:`V(\mathcal D_A) = \prod_i \mathbb P_w(a(w^\top X) = A_i)` (V1, D3).

    For :math:`d_0 = 2` each factor is exact (:func:`arc_probability`).  Otherwise each factor is a
    Monte Carlo frequency over ``n_samples`` draws with a Clopper-Pearson interval at level
    ``alpha / d1`` (Bonferroni), so the product interval covers the volume with probability at least
    ``1 - alpha``.  Only useful where the volume is not tiny: a region of volume :math:`10^{-9}` needs
    about :math:`10^{9}` samples per row to be seen at all.
    """
    A = as_matrix("A", A)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    s = pattern_signs(A)
    d1 = A.shape[0]
    if X.shape[0] == 2:
        value = float(np.prod([arc_probability(s[i], X) for i in range(d1)]))
        return Estimate(value, value, value, alpha, exact=True)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in the open interval (0, 1); got {alpha}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples}")
    counts = row_probability(s, X, n_samples=n_samples, rng=rng)
    intervals = [clopper_pearson(int(k), n_samples, alpha / d1) for k in counts]
    return Estimate(
        float(np.prod(counts / n_samples)), float(np.prod([lo for lo, _ in intervals])),
        float(np.prod([hi for _, hi in intervals])), alpha, int(counts.min()), n_samples,
    )


# --- samplers over random W -----------------------------------------------------------------------
def _check_sizes(X, y, d1: int) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix("X", X)
    y = check_labels(y, X.shape[1])
    positive_int("d1", d1)
    return X, y


def _check_event_args(rho, eps, n_samples, rng) -> tuple[float, np.random.Generator]:
    """Validate the V2 samplers' common arguments; return (rho, generator)."""
    rho = check_rho(rho)
    if not 0 < eps < 1:
        raise ValueError(f"eps must lie in the open interval (0, 1); got {eps}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples}")
    return rho, as_generator(rng)


def _count_v2_events(draw, y: np.ndarray, eps: float, n_samples: int, batch: int) -> int:
    """Count V2 events over ``n_samples`` draws taken ``batch`` at a time; ``draw(b)`` returns (A, X)
    for ``b`` samples (X shared or batched).  The event: MCE of the DLM output y - e_A exceeds eps."""
    hits, left = 0, n_samples
    while left > 0:
        b = min(batch, left)
        A, X = draw(b)
        e = _dlm_residual_unchecked(A, X, y)
        hits += int(np.sum(_mce_unchecked(y - e, y) > eps))
        left -= b
    return hits


def _auto_batch(n: int, p: int) -> int:
    """Patterns per batch: one batch of [M | y] takes about 8 MB, at most 1024 patterns.

    Measured on the benchmark sizes (2 cores, median of 5): at (64, 4, 8) 512 patterns per batch give
    29,400 W/s against 25,600 with 248 (per-batch overhead); at (256, 8, 16) 15-32 give 2,100 and 63 give
    1,750 (cache); at (1024, 16, 32) 1-8 are within 4%."""
    return max(1, min(1024, (1 << 20) // (n * (p + 1))))


def sample_bad_region_event(X, y, d1: int, eps: float, rho: float, *, n_samples: int, rng, alpha: float = 1e-3,
                            batch: int | None = None) -> Estimate:
    r"""Estimate :math:`\mathbb P_{W\sim\mathcal N}(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)`, the V2 upper bound on :math:`V(L_\epsilon)`.

    By K5 every DLM of the region :math:`\mathcal D_{a(WX)}` outputs :math:`y - e_A`; the event drops the
    requirement that a DLM exists, so its probability bounds :math:`V(L_\epsilon)` from above (V2).

    Vectorized: a batch of networks is one matrix product and one batched residual computation
    (:func:`~vanishing_minima.numeric.khatri_rao.dlm_residual`: certified Gram/Cholesky path, QR and SVD fallbacks).  ``batch``
    defaults to about 8 MB of work per batch (:func:`_auto_batch`); it does not change the draws (the normal stream is
    consumed in order), so any batch gives the same estimate.

    Parameters
    ----------
    X : array_like, shape (d0, N)
    y : array_like, shape (N,), labels in {0, 1}
    d1 : int
    eps : float in (0, 1)
    rho : float, != 1
    n_samples : int
        Number of random first layers :math:`W`.
    rng : numpy Generator or int seed
    alpha : float
        Error rate of the Clopper-Pearson interval.

    Returns
    -------
    Estimate
        ``upper`` is a ``1 - alpha`` upper confidence bound on the V2 event probability.
    """
    X, y = _check_sizes(X, y, d1)
    rho, rng = _check_event_args(rho, eps, n_samples, rng)
    batch = _auto_batch(X.shape[1], d1 * X.shape[0]) if batch is None else positive_int("batch", batch)
    draw = lambda b: (_pattern_unchecked(rng.standard_normal((b, d1, X.shape[0])) @ X, rho), X)  # noqa: E731
    return binomial_estimate(_count_v2_events(draw, y, eps, int(n_samples), batch), int(n_samples), alpha)


def sample_bad_region_event_over_data(y, d0: int, d1: int, eps: float, rho: float, *, n_samples: int, rng,
                                     alpha: float = 1e-3, batch: int | None = None) -> Estimate:
    r"""Estimate :math:`\mathbb E_X\,\mathbb P_W(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)`: the V2 bound on :math:`\mathbb E_X V(L_\epsilon)`.

    Theorem 6 bounds :math:`\mathbb E_X V(L_\epsilon(X, y))` for fixed labels and :math:`X\sim\mathcal N`
    (A1).  Each sample draws a fresh pair :math:`(X, W)` of standard normal matrices, so the events are
    independent Bernoulli trials with success probability :math:`\mathbb E_X \mathbb P_W(\cdot)` and the
    Clopper-Pearson interval is exact for it (one :math:`X` per sample, not one per batch of :math:`W`).

    Parameters
    ----------
    y : array_like, shape (N,), labels in {0, 1}
    d0, d1 : int
    eps : float in (0, 1)
    rho : float, != 1
    n_samples : int
    rng : numpy Generator or int seed
    alpha : float
        Error rate of the interval.
    batch : int, optional
        Pairs per batch (default: :func:`_auto_batch`).  The draws do not depend on it: :math:`X` and
        :math:`W` come from two streams spawned from ``rng``, each consumed in order.

    Returns
    -------
    Estimate
    """
    y = check_labels(y)
    d0, d1 = positive_int("d0", d0), positive_int("d1", d1)
    rho, rng = _check_event_args(rho, eps, n_samples, rng)
    n = y.shape[0]
    batch = _auto_batch(n, d1 * d0) if batch is None else positive_int("batch", batch)
    rng_x, rng_w = rng.spawn(2)  # one stream each, consumed in order: the draws do not depend on the batch

    def draw(b: int) -> tuple[np.ndarray, np.ndarray]:
        X = rng_x.standard_normal((b, d0, n))
        return _pattern_unchecked(rng_w.standard_normal((b, d1, d0)) @ X, rho), X

    return binomial_estimate(_count_v2_events(draw, y, eps, int(n_samples), batch), int(n_samples), alpha)


def sample_bad_region_event_loop(X, y, d1: int, eps: float, rho: float, *, n_samples: int, rng,
                                 alpha: float = 1e-3) -> Estimate:
    r"""Reference implementation of :func:`sample_bad_region_event`: one sample at a time.

    Draws the same :math:`W` as the vectorized sampler (same ``rng``), then for each forms
    :math:`A\circ X` and takes the residual of ``numpy.linalg.lstsq``.  For tests and the benchmark
    only: it is a Python loop per sample.
    """
    X, y = _check_sizes(X, y, d1)
    rho = check_rho(rho)
    rng = as_generator(rng)
    hits = 0
    for _ in range(int(n_samples)):
        A = _pattern_unchecked(rng.standard_normal((d1, X.shape[0])) @ X, rho)
        M = khatri_rao(A, X).T
        e = y - M @ np.linalg.lstsq(M, y, rcond=None)[0]
        hits += int(_mce_unchecked(y - e, y) > eps)
    return binomial_estimate(hits, int(n_samples), alpha)


def sample_global_minimum_event(X, y, d1: int, rho: float, *, n_samples: int, rng, alpha: float = 1e-3,
                                margin: float = DEFAULT_MARGIN) -> Estimate:
    r"""Estimate :math:`\mathbb P_{W\sim\mathcal N}(\mathcal D_{a(WX)} \subseteq G)`, i.e. :math:`V(G)` (D4, T9).

    The residual test :math:`e_A = 0` is batched; the K6 sign LPs run once per *distinct* pattern among
    the samples with :math:`e_A = 0`.  Cost up to :math:`3^{d_1}` LPs per distinct pattern; ``d1`` is
    limited to ``MAX_D1_SIGN_CHOICES``.
    """
    X, y = _check_sizes(X, y, d1)
    rho = check_rho(rho)
    if d1 > MAX_D1_SIGN_CHOICES:
        raise ValueError(f"d1 must be <= {MAX_D1_SIGN_CHOICES}: the sign choice costs 3^d1 LPs; got d1 = {d1}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples}")
    rng = as_generator(rng)
    W = rng.standard_normal((int(n_samples), d1, X.shape[0]))
    A = activation_pattern(W, X, rho)
    e = dlm_residual(A, X, y)
    zero = np.linalg.norm(e, axis=-1) <= 1e-9 * max(np.linalg.norm(y), 1.0)
    hits = 0
    if np.any(zero):
        patterns, counts = np.unique(A[zero].reshape(int(zero.sum()), -1), axis=0, return_counts=True)
        for p, c in zip(patterns, counts):
            cert = dlm_in_region(p.reshape(d1, -1), X, y, margin=margin, target_residual=np.zeros_like(y))
            hits += int(c) if cert is not None else 0
    return binomial_estimate(hits, int(n_samples), alpha)


def region_log_volume_lower_bound(A, X) -> tuple[float, np.ndarray]:
    r"""A rigorous lower bound on :math:`\log V(\mathcal D_A)`, by caps inscribed in the row cones (V1, G3).

    For each row, the LP of :func:`cone_margin` gives a direction :math:`w^*`; with :math:`\hat w = w^*/\|w^*\|`
    and unit columns :math:`\hat x^{(n)}`, let :math:`t = \min_n s_n \hat x^{(n)\top}\hat w > 0`.  Every
    :math:`w` with :math:`\angle(w, \hat w) < \arcsin t` lies in the cone, because
    :math:`\angle(s_n\hat x^{(n)}, w) \le \arccos t + \angle(\hat w, w) < \pi/2`.  So, by V1,

    .. math:: \log V(\mathcal D_A) \ \ge\ \sum_i \log \mathbb P\big(\angle(w, \hat w_i) < \arcsin t_i\big),

    each term exact in log space (:func:`~vanishing_minima.numeric.gaussian.log_cap_probability`).

    Returns
    -------
    log_lower_bound : float
        ``-inf`` if some row cone has no positive margin (empty, or thinner than the LP resolves).
    margins : ndarray, shape (d1,)
        The :math:`t_i`.
    """
    from .gaussian import log_cap_probability

    A, X, s, _, row_w = _row_cones(A, X)
    Xh = _unit_columns(X)
    margins = np.empty(A.shape[0])
    for i, w in enumerate(row_w):
        margins[i] = _cap_margin(w, Xh * s[i])
    if np.any(margins <= 0):
        return float("-inf"), margins
    return float(sum(log_cap_probability(float(np.arcsin(t)), X.shape[0]) for t in margins)), margins


# --- cap-conditioned sampling: volumes too small to sample directly ---------------------------
def sample_in_cap(center, beta: float, n_samples: int, rng) -> np.ndarray:
    r"""Directions uniform on the spherical cap :math:`\{u : \|u\| = 1,\ \angle(u, c) \le \beta\}`.

    The angle :math:`\theta = \angle(u, c)` of a uniform direction has distribution function
    :math:`F(\theta) = \mathbb P(\angle(w, c)\le\theta)`, :math:`w\sim\mathcal N(0, I_d)` (G3:
    :math:`\tfrac12 I_{\sin^2\theta}(\tfrac{d-1}2, \tfrac12)` for :math:`\theta\le\pi/2`, :math:`1 - F(\pi-\theta)`
    beyond).  So :math:`\theta = F^{-1}(U F(\beta))` with :math:`U` uniform (SciPy's ``betaincinv``), and
    :math:`u = \cos\theta\, c + \sin\theta\, \xi` with :math:`\xi` uniform on the unit sphere orthogonal
    to :math:`c`.  Exact sampling (no rejection, no Markov chain): events counted under it are binomial.

    Parameters
    ----------
    center : array_like, shape (d,)
        Non-zero; normalized here.  ``d >= 2``.
    beta : float
        Half-angle in :math:`(0, \pi]` (:math:`\pi`: the whole sphere).
    n_samples : int
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray, shape (n_samples, d)
        Unit vectors.
    """
    from scipy import special

    from .gaussian import cap_probability

    c = as_array("center", center, min_ndim=1)
    if c.ndim != 1 or c.size < 2:
        raise ValueError(f"center must be a vector of length >= 2; got shape {c.shape}")
    norm = float(np.linalg.norm(c))
    if norm == 0:
        raise ValueError("center must be non-zero")
    c = c / norm
    beta = float(beta)
    if not 0 < beta <= np.pi:
        raise ValueError(f"beta must lie in (0, pi]; got {beta}")
    n = positive_int("n_samples", n_samples)
    rng = as_generator(rng)
    d = c.size
    f_beta = float(cap_probability(beta, d))
    if f_beta <= 0:
        raise ValueError(f"beta = {beta} is too small in d = {d}: the cap's probability underflows doubles")
    u = f_beta * rng.random(n)
    low = u <= 0.5
    theta = np.arcsin(np.sqrt(special.betaincinv((d - 1) / 2, 0.5, np.where(low, 2 * u, 2 * (1 - u)))))
    theta = np.minimum(np.where(low, theta, np.pi - theta), beta)
    xi = rng.standard_normal((n, d))
    xi -= np.outer(xi @ c, c)
    xi /= np.linalg.norm(xi, axis=1, keepdims=True)
    return np.cos(theta)[:, None] * c + np.sin(theta)[:, None] * xi


@dataclass(frozen=True)
class ConeProbability:
    r"""Lower side of :math:`\mathbb P_{w\sim\mathcal N}(w \in C)` for an open polyhedral cone :math:`C`.

    Attributes
    ----------
    log_estimate : float
        :math:`\log\max(F(\beta)\,k/n,\ \text{inscribed cap})`: :math:`F(\beta)k/n` is an unbiased
        estimate of :math:`\mathbb P(C\cap K_\beta) \le \mathbb P(C)` (of :math:`\mathbb P(C)` itself when
        ``beta`` is :math:`\pi` or the cap holds the cone), and that estimand is at least the inscribed
        cap's probability, so smaller estimates (few or no hits) are raised to it.
    log_lower : float
        A lower confidence bound on :math:`\log\mathbb P(C)`, valid with probability at least
        ``1 - alpha``: the larger of ``log_inscribed`` and :math:`\log(F(\beta)\,\underline p)`,
        :math:`\underline p` the Clopper-Pearson lower end.
    log_inscribed : float
        The deterministic bound of :func:`region_log_volume_lower_bound` (inscribed cap).
    log_cap : float
        :math:`\log F(\beta)`, the cap's exact probability.
    margin : float
        The LP margin :math:`t` of the centre (inscribed cap of half-angle :math:`\arcsin t`).
    beta, successes, trials, alpha
        The cap's half-angle, the count :math:`k` of sampled directions in :math:`C`, :math:`n`, the
        error rate.
    """

    log_estimate: float
    log_lower: float
    log_inscribed: float
    log_cap: float
    margin: float
    beta: float
    successes: int
    trials: int
    alpha: float


def _log_cap(beta: float, d: int) -> float:
    from .gaussian import cap_probability, log_cap_probability

    return log_cap_probability(beta, d) if beta <= np.pi / 2 else float(np.log(cap_probability(beta, d)))


def _hits_in_cap(center, beta: float, sXh: np.ndarray, n: int, rng, batch: int = 65_536) -> int:
    hits, left = 0, n
    while left > 0:
        b = min(batch, left)
        hits += int(np.all(sample_in_cap(center, beta, b, rng) @ sXh > 0, axis=1).sum())
        left -= b
    return hits


def cone_log_probability(signs, X, *, n_samples: int, rng, alpha: float = 1e-3, n_betas: int = 8) -> ConeProbability:
    r"""Cap-conditioned sampling of :math:`\mathbb P_{w}(s_n w^\top x^{(n)} > 0\ \forall n)`, for probabilities too small to sample directly.

    Variance reduction by conditioning: with :math:`\hat w` the LP centre of the cone (:func:`cone_margin`)
    and :math:`K_\beta` the cap of half-angle :math:`\beta` around it,

    .. math:: \mathbb P(C) \ \ge\ \mathbb P(C\cap K_\beta) = F(\beta)\,\mathbb P(u\in C \mid u \text{ uniform on } K_\beta),

    :math:`F(\beta)` exact (G3) and the conditional probability a binomial frequency under exact cap
    sampling (:func:`sample_in_cap`), so its Clopper-Pearson interval is exact.  Plain Monte Carlo is
    :math:`\beta = \pi`; a cap that hugs the cone sees it with probability of order one instead of
    :math:`\mathbb P(C)`.  :math:`\beta` is chosen from ``n_betas`` candidates between the inscribed cap
    (:math:`\arcsin t`, :func:`region_log_volume_lower_bound`) and :math:`\pi` by an independent pilot
    (a quarter of ``n_samples``, spread over the candidates), maximizing the pilot's lower bound; the
    final count uses fresh draws, so the interval stays exact given :math:`\beta`.

    The result bounds :math:`\mathbb P(C)` from below (rigorously at level ``alpha``) and estimates it
    from below; the part of the cone outside the cap is not counted (it is zero when the cap holds the
    cone, and the estimate is then unbiased).  Cost: ``1.25 n_samples`` draws of :math:`w^\top X` and one LP.

    Returns
    -------
    ConeProbability
        All logs ``-inf`` (and ``beta`` NaN) when the cone is empty or thinner than the LP resolves.
    """
    from .gaussian import log_cap_probability

    X = as_matrix("X", X)
    s = np.asarray(signs, dtype=float)
    if s.shape != (X.shape[1],) or not np.all(np.abs(s) == 1):
        raise ValueError(f"signs must be a vector of +-1 of length N = {X.shape[1]}; got shape {s.shape}")
    if X.shape[0] < 2:
        raise ValueError(f"X must have d0 >= 2 rows; got {X.shape[0]}")
    n = positive_int("n_samples", n_samples)
    n_betas = positive_int("n_betas", n_betas)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in the open interval (0, 1); got {alpha}")
    rng = as_generator(rng)
    d = X.shape[0]
    sXh = _unit_columns(X) * s
    _, w = cone_margin(s, X)
    t = _cap_margin(w, sXh)
    if t <= 0:
        inf = float("-inf")
        return ConeProbability(inf, inf, inf, inf, max(t, 0.0), float("nan"), 0, 0, alpha)
    phi = float(np.arcsin(min(t, 1.0)))
    log_inscribed = log_cap_probability(phi, d)
    betas = phi + (np.pi - phi) * (np.arange(1, n_betas + 1) / n_betas) ** 2
    pilot = max(1, n // (4 * n_betas))
    scores = []
    for beta in betas:
        k = _hits_in_cap(w, float(beta), sXh, pilot, rng)
        lo = clopper_pearson(k, pilot, alpha)[0]
        scores.append(_log_cap(float(beta), d) + (np.log(lo) if lo > 0 else -np.inf))
    beta = float(betas[int(np.argmax(scores))]) if np.isfinite(max(scores)) else float(betas[0])
    log_cap = _log_cap(beta, d)
    k = _hits_in_cap(w, beta, sXh, n, rng)
    lo = clopper_pearson(k, n, alpha)[0]
    # The estimand P(C ∩ K_beta) is at least the inscribed cap's probability (beta > arcsin t), so an
    # estimate below that bound (few or no hits) is raised to it.
    log_est = max(log_cap + np.log(k / n), log_inscribed) if k else log_inscribed
    log_lo = max(log_inscribed, log_cap + np.log(lo)) if lo > 0 else log_inscribed
    return ConeProbability(float(log_est), float(log_lo), float(log_inscribed), float(log_cap), t, beta, int(k), n, alpha)


@dataclass(frozen=True)
class RegionLogVolume:
    r"""Lower side of :math:`\log V(\mathcal D_A) = \sum_i \log\mathbb P(C_i)` (V1), row by row.

    ``log_lower`` holds for all rows at once with probability at least ``1 - alpha`` (each row at
    ``alpha / d1``, Bonferroni); ``log_estimate`` is the sum of the rows' estimates (``-inf`` only if a row
    cone is empty or thinner than the LP resolves); ``log_inscribed`` is the deterministic bound.
    """

    log_estimate: float
    log_lower: float
    log_inscribed: float
    rows: tuple[ConeProbability, ...]


def region_log_volume(A, X, *, n_samples: int, rng, alpha: float = 1e-3, n_betas: int = 8) -> RegionLogVolume:
    r"""Estimate and bound :math:`\log V(\mathcal D_A)` from below by cap-conditioned sampling of each row cone.

    :math:`V(\mathcal D_A) = \prod_i \mathbb P(C_i)` (V1); each factor by :func:`cone_log_probability` at
    error rate ``alpha / d1``.  This is the toolkit's variance-reduction method for the global-minimum
    side of Theorem 9: a region of volume :math:`e^{-100}` cannot be hit by sampling :math:`W` directly,
    but each of its row cones is seen with probability of order one from a cap that hugs it.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        The pattern, entries in {rho, 1}.
    X : array_like, shape (d0, N)
    n_samples : int
        Draws per row (plus a quarter for the pilot).
    rng : numpy.random.Generator or int
    alpha : float
        Simultaneous error rate of ``log_lower``.
    """
    A = as_matrix("A", A)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    s = pattern_signs(A)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in the open interval (0, 1); got {alpha}")
    rng = as_generator(rng)
    rows = tuple(cone_log_probability(row, X, n_samples=n_samples, rng=rng, alpha=alpha / A.shape[0], n_betas=n_betas)
                 for row in s)
    return RegionLogVolume(float(sum(r.log_estimate for r in rows)), float(sum(r.log_lower for r in rows)),
                           float(sum(r.log_inscribed for r in rows)), rows)


# --- exact volumes in the plane (d0 = 2) ------------------------------------------------------
def plane_row_patterns(X) -> tuple[np.ndarray, np.ndarray]:
    r"""Every non-empty sign pattern of one neuron on :math:`X\in\mathbb R^{2\times N}`, with its exact probability.

    The lines :math:`w^\top x^{(n)} = 0` cut the circle of directions at :math:`2N` angles; each arc between
    consecutive cuts is one pattern, of probability (arc length)/:math:`2\pi` under :math:`w\sim\mathcal N(0,I_2)`.
    For points in general position there are :math:`2N = C(N, 2)` arcs (G2).

    Returns
    -------
    signs : ndarray, shape (2N, N)
        The patterns as signs :math:`\pm 1`.
    probabilities : ndarray, shape (2N,)
        They sum to 1.
    """
    X = as_matrix("X", X)
    if X.shape[0] != 2:
        raise ValueError(f"plane_row_patterns needs d0 = 2; got X of shape {X.shape}")
    normal = np.arctan2(X[1], X[0])
    cuts = np.sort(np.mod(np.r_[normal + np.pi / 2, normal - np.pi / 2], 2 * np.pi))
    widths = np.diff(np.r_[cuts, cuts[0] + 2 * np.pi])
    if np.any(widths <= 1e-12):
        raise ValueError("X must be in general position (no two points on one line through 0)")
    middle = cuts + widths / 2
    W = np.stack([np.cos(middle), np.sin(middle)], axis=1)
    return np.sign(W @ X), widths / (2 * np.pi)


@dataclass(frozen=True)
class ExactVolumes:
    r"""Exact angular volumes of D4's sets and of the V2 event, for one (X, y) with d0 = 2.

    Attributes
    ----------
    bad : float
        :math:`V(L_\epsilon)`: regions holding a DLM whose MCE exceeds :math:`\epsilon` (K6 LPs decide DLMs).
    v2_event : float
        :math:`\mathbb P_W(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)`, the V2 upper bound on ``bad``.
    global_minima : float
        :math:`V(G)`: regions holding a DLM with :math:`e = 0`.
    regions : int
        Non-empty regions, :math:`(2N)^{d_1}`.
    total : float
        Sum of all region volumes (1 up to rounding).
    """

    bad: float
    v2_event: float
    global_minima: float
    regions: int
    total: float


def exact_volumes_in_the_plane(X, y, d1: int, eps: float, rho: float, *, margin: float = DEFAULT_MARGIN,
                               max_regions: int = 20_000) -> ExactVolumes:
    r"""Exact :math:`V(L_\epsilon)`, :math:`V(G)` and the V2 event probability for :math:`d_0 = 2` (D4, V1, V2, K6).

    Every non-empty region is a product of :math:`d_1` arcs (:func:`plane_row_patterns`); its volume is
    the product of their probabilities (V1).  The residual :math:`e_A` of all regions is one batched
    computation (K5); regions whose DLM output has MCE :math:`> \epsilon` count for the V2 event, and those
    among them holding a DLM (:func:`dlm_in_region`) for :math:`V(L_\epsilon)`.  Regions with
    :math:`e_A = 0` holding a DLM with zero residual count for :math:`V(G)`.  Cost: :math:`(2N)^{d_1}`
    regions, up to :math:`3^{d_1}` LPs for each candidate; refuses more than ``max_regions`` regions.
    """
    X = as_matrix("X", X)
    y = check_labels(y, X.shape[1])
    d1 = positive_int("d1", d1)
    rho = check_rho(rho)
    if not 0 < eps < 1:
        raise ValueError(f"eps must lie in the open interval (0, 1); got {eps}")
    signs, probs = plane_row_patterns(X)
    k = signs.shape[0]
    if k**d1 > max_regions:
        raise ValueError(f"(2N)^d1 = {k ** d1} regions exceed max_regions = {max_regions}")
    combos = np.array(list(itertools.product(range(k), repeat=d1)))
    A = np.where(signs[combos] > 0, 1.0, rho)  # (regions, d1, N)
    volume = np.prod(probs[combos], axis=1)
    e = dlm_residual(A, X, y)
    bad_event = _mce_unchecked(y - e, y) > eps
    zero = np.linalg.norm(e, axis=1) <= 1e-9 * max(np.linalg.norm(y), 1.0)
    has_bad_dlm = np.zeros(len(volume), dtype=bool)
    for i in np.flatnonzero(bad_event):
        has_bad_dlm[i] = dlm_in_region(A[i], X, y, margin=margin) is not None
    has_global = np.zeros(len(volume), dtype=bool)
    for i in np.flatnonzero(zero):
        has_global[i] = dlm_in_region(A[i], X, y, margin=margin, target_residual=np.zeros_like(y)) is not None
    # the same masked NumPy sums, so that a subset never sums above its superset by rounding
    return ExactVolumes(float(np.sum(volume, where=has_bad_dlm)), float(np.sum(volume, where=bad_event)),
                        float(np.sum(volume, where=has_global)), int(len(volume)), float(volume.sum()))
