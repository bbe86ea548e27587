r"""Angular volumes of regions (D3, V1): Monte Carlo per row, inscribed caps, and cap-conditioned sampling.

By V1, :math:`V(\mathcal D_A) = \prod_i \mathbb P_w(w \in C_i)`.  :func:`angular_volume` samples each factor
(useful down to about :math:`10^{-6}`); :func:`region_log_volume_lower_bound` bounds it from below by caps
inscribed in the row cones (deterministic); :func:`region_log_volume` estimates and bounds it from below
by exact sampling inside a spherical cap that hugs each cone (:func:`sample_in_cap`,
:func:`cone_log_probability`), the toolkit's variance-reduction method for volumes of :math:`e^{-100}`
and below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._checks import (
    as_array,
    as_generator,
    as_matrix,
    batch_sizes,
    check_same_columns,
    check_samples,
    check_work,
    open_unit,
    positive_int,
)
from .cones import (
    cap_margin,
    cone_margin,
    pattern_signs,
    pow2_columns,
    row_cones,
    unit_columns,
)
from .gaussian import cap_probability, log_cap_probability
from .plane import arc_probability
from .stats import Estimate, clopper_pearson

__all__ = [
    "count_row_patterns",
    "angular_volume",
    "region_log_volume_lower_bound",
    "sample_in_cap",
    "ConeProbability",
    "cone_log_probability",
    "RegionLogVolume",
    "region_log_volume",
]


def count_row_patterns(
    signs, X, *, n_samples: int, rng, batch: int = 65_536, max_work: float | None = None
) -> np.ndarray:
    r"""Count of ``n_samples`` draws :math:`w\sim\mathcal N(0, I_{d_0})` with
    :math:`\operatorname{sign}(w^\top X) = s`, for each row of ``signs``.

    Vectorized: one matrix product per batch; patterns compared as packed bits.

    Parameters
    ----------
    signs : array_like, shape (rows, N) or (N,)
        Sign patterns; an entry :math:`> 0` means :math:`w^\top x^{(n)} > 0` (not otherwise validated).
    X : array_like, shape (d0, N)
        Data, real and finite.
    n_samples : int
        Number of draws: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    batch : int
        Draws per matrix product: an integer :math:`\ge 1`.
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at
        :math:`2d_0N + \text{rows}\,N` operations each exceed it.

    Returns
    -------
    ndarray of int, shape (rows,)
        For each row of ``signs``, the number of draws with exactly that sign pattern.

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array or ``rng`` is not a generator or an integer seed.
    ValueError
        If ``X`` is not 2-D, is empty or not finite; ``n_samples`` or ``batch`` is not an integer >= 1; the
        draws need more work than ``max_work``; or ``rng`` is None or a negative seed.
    """
    X = as_matrix("X", X)
    s = np.atleast_2d(np.asarray(signs, dtype=float)) > 0
    n_samples = check_samples(
        "count_row_patterns", n_samples, (2.0 * X.shape[0] + s.shape[0]) * X.shape[1], max_work
    )
    batch = positive_int("batch", batch)
    rng = as_generator(rng)
    target = np.packbits(s, axis=-1)
    counts = np.zeros(s.shape[0], dtype=np.int64)
    X = pow2_columns(X)  # the same signs exactly, for X of any scale
    for b in batch_sizes(n_samples, batch):
        packed = np.packbits(rng.standard_normal((b, X.shape[0])) @ X > 0, axis=-1)
        counts += (packed[:, None, :] == target[None, :, :]).all(axis=-1).sum(axis=0)
    return counts


def angular_volume(
    A, X, *, n_samples: int = 100_000, rng=None, alpha: float = 1e-3, max_work: float | None = None
) -> Estimate:
    r"""Angular volume :math:`V(\mathcal D_A) = \prod_i \mathbb P_w(a(w^\top X) = A_i)` (V1, D3).

    For :math:`d_0 = 2` each factor is exact (:func:`arc_probability`).  Otherwise each factor is a
    Monte Carlo frequency over ``n_samples`` draws with a Clopper-Pearson interval at level
    ``alpha / d1`` (Bonferroni), so the product interval covers the volume with probability at least
    ``1 - alpha``.  Only useful where the volume is not tiny: a region of volume :math:`10^{-9}` needs
    about :math:`10^{9}` samples per row to be seen at all.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, entries in :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.
    n_samples : int
        Draws per row: an integer :math:`\ge 1` (used and checked only when :math:`d_0 \ne 2`).
    rng : numpy.random.Generator or int
        The random generator, or an integer seed.  Required when :math:`d_0 \ne 2` (the default ``None``
        is then refused); unused for :math:`d_0 = 2`.
    alpha : float
        Error rate of the interval, in the open interval (0, 1).
    max_work : float, optional
        Positive limit on the estimated operations (default :data:`~._checks.MAX_WORK`); checked only when
        :math:`d_0 \ne 2`.

    Returns
    -------
    Estimate
        The volume with its interval (``exact=True`` and a zero-width interval for :math:`d_0 = 2`).

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array, or ``rng`` is not a generator or an integer seed.
    ValueError
        For ``A`` or ``X`` not 2-D, empty or not finite, different numbers of columns, entries of ``A``
        other than 1 taking more than one value, a zero column of ``X`` (no region: :math:`w^\top x = 0` for
        every :math:`w`), ``alpha`` outside (0, 1); and, when :math:`d_0 \ne 2`, ``n_samples`` not an
        integer :math:`\ge 1`, ``max_work`` not positive, an estimated cost
        (:math:`n_\text{samples}(2d_0N + d_1N)` operations) above ``max_work``, or ``rng`` None.
    """
    A = as_matrix("A", A)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    s = pattern_signs(A)
    unit_columns(X)  # a zero datapoint lies on every boundary: no region has positive volume
    alpha = open_unit("alpha", alpha)
    d1 = A.shape[0]
    if X.shape[0] == 2:
        value = float(np.prod([arc_probability(s[i], X) for i in range(d1)]))
        return Estimate(value, value, value, alpha, exact=True)
    n_samples = positive_int("n_samples", n_samples)
    check_work(
        f"angular_volume with {n_samples} samples",
        float(n_samples) * X.shape[1] * (2 * X.shape[0] + d1),
        max_work,
    )
    counts = count_row_patterns(s, X, n_samples=n_samples, rng=rng, max_work=max_work)
    intervals = [clopper_pearson(int(k), n_samples, alpha / d1) for k in counts]
    return Estimate(
        float(np.prod(counts / n_samples)),
        float(np.prod([lo for lo, _ in intervals])),
        float(np.prod([hi for _, hi in intervals])),
        alpha,
        int(counts.min()),
        n_samples,
    )


def region_log_volume_lower_bound(A, X) -> tuple[float, np.ndarray]:
    r"""A rigorous lower bound on :math:`\log V(\mathcal D_A)`, by caps inscribed in the row cones (V1, G3).

    For each row, the LP of :func:`cone_margin` gives a direction :math:`w^*`; with :math:`\hat w = w^*/\|w^*\|`
    and unit columns :math:`\hat x^{(n)}`, let :math:`t = \min_n s_n \hat x^{(n)\top}\hat w > 0`.  Every
    :math:`w` with :math:`\angle(w, \hat w) < \arcsin t` lies in the cone, because
    :math:`\angle(s_n\hat x^{(n)}, w) \le \arccos t + \angle(\hat w, w) < \pi/2`.  So, by V1,

    .. math:: \log V(\mathcal D_A) \ \ge\ \sum_i \log \mathbb P\big(\angle(w, \hat w_i) < \arcsin t_i\big),

    each term exact in log space (:func:`~vanishing_minima.numeric.gaussian.log_cap_probability`).

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, entries in :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.

    Returns
    -------
    log_lower_bound : float
        ``-inf`` if some row cone has no positive margin (empty, or thinner than the LP resolves).
    margins : ndarray, shape (d1,)
        The :math:`t_i`.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``A`` or ``X`` is not 2-D, is empty or not finite, their numbers of columns differ, the entries
        of ``A`` other than 1 take more than one value, or ``X`` has a zero column.
    """

    A, X, s, _, row_w = row_cones(A, X)
    Xh = unit_columns(X)
    margins = np.empty(A.shape[0])
    for i, w in enumerate(row_w):
        margins[i] = cap_margin(w, Xh * s[i])
    if np.any(margins <= 0):
        return float("-inf"), margins
    return float(
        sum(log_cap_probability(float(np.arcsin(t)), X.shape[0]) for t in margins)
    ), margins


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
        A real, finite, non-zero vector of length ``d >= 2``; normalized here.
    beta : float
        Half-angle in :math:`(0, \pi]` (:math:`\pi`: the whole sphere), large enough that the cap's
        probability does not underflow.
    n_samples : int
        Number of directions: an integer :math:`\ge 1`.  They are returned at once: more than
        :data:`~vanishing_minima.numeric._checks.MAX_MEMORY` of them (with their work arrays,
        :math:`8(2d + 6)` bytes each) is refused before any draw.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).

    Returns
    -------
    ndarray, shape (n_samples, d)
        Unit vectors.

    Raises
    ------
    TypeError
        If ``center`` is not a real numeric array, ``beta`` is not a number or a string (``float()`` refuses
        it), or ``rng`` is not a generator or an integer seed.
    ValueError
        If ``center`` is not a finite non-zero vector of length >= 2; ``beta`` is not convertible to float
        or not in :math:`(0, \pi]`
        or the cap's probability underflows; ``n_samples`` is not an integer >= 1 or more than
        ``MAX_MEMORY`` would hold; or ``rng`` is None or a negative seed.
    """

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
    d = c.size
    n = check_samples("sample_in_cap", n_samples, 10.0 * d + 200.0, None, 8.0 * (2 * d + 6))
    rng = as_generator(rng)
    f_beta = float(cap_probability(beta, d))
    if f_beta <= 0:
        raise ValueError(
            f"beta = {beta} is too small in d = {d}: the cap's probability underflows doubles"
        )
    u = f_beta * rng.random(n)
    low = u <= 0.5
    theta = np.arcsin(
        np.sqrt(special.betaincinv((d - 1) / 2, 0.5, np.where(low, 2 * u, 2 * (1 - u))))
    )
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

    return (
        log_cap_probability(beta, d)
        if beta <= np.pi / 2
        else float(np.log(cap_probability(beta, d)))
    )


def _hits_in_cap(center, beta: float, sXh: np.ndarray, n: int, rng, batch: int = 65_536) -> int:
    return sum(
        int(np.all(sample_in_cap(center, beta, b, rng) @ sXh > 0, axis=1).sum())
        for b in batch_sizes(n, batch)
    )


def cone_log_probability(
    signs,
    X,
    *,
    n_samples: int,
    rng,
    alpha: float = 1e-3,
    n_betas: int = 8,
    max_work: float | None = None,
) -> ConeProbability:
    r"""Cap-conditioned sampling of :math:`\mathbb P_{w}(s_n w^\top x^{(n)} > 0\ \forall n)`, for probabilities
    too small to sample directly.

    Variance reduction by conditioning: with :math:`\hat w` the LP centre of the cone (:func:`cone_margin`)
    and :math:`K_\beta` the cap of half-angle :math:`\beta` around it,

    .. math:: \mathbb P(C) \ge \mathbb P(C\cap K_\beta) = F(\beta)\,\mathbb P(u\in C \mid u \text{ uniform on }
    K_\beta),

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

    Parameters
    ----------
    signs : array_like, shape (N,)
        The cone's signs: every entry exactly :math:`+1` or :math:`-1`.
    X : array_like, shape (d0, N)
        Data, real and finite, with :math:`d_0 \ge 2` rows and no zero column.
    n_samples : int
        Draws for the final count: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    alpha : float
        Error rate of ``log_lower``, in the open interval (0, 1).
    n_betas : int
        Number of candidate half-angles for the pilot: an integer :math:`\ge 1`.
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when the ``1.25 n_samples`` draws at
        :math:`2d_0N + 10d_0 + 200` operations each exceed it.

    Returns
    -------
    ConeProbability
        All logs ``-inf`` (and ``beta`` NaN) when the cone is empty or thinner than the LP resolves.

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array, or ``rng`` is not a generator or an integer seed.
    ValueError
        If ``X`` is not 2-D, is empty or not finite, has fewer than 2 rows or a zero column; ``signs`` is
        not a vector of :math:`\pm 1` of length N; ``n_samples`` or ``n_betas`` is not an integer >= 1;
        ``alpha`` is not in (0, 1); the draws need more work than ``max_work``; or ``rng`` is None or a
        negative seed.
    """

    X = as_matrix("X", X)
    s = np.asarray(signs, dtype=float)
    if s.shape != (X.shape[1],) or not np.all(np.abs(s) == 1):
        raise ValueError(
            f"signs must be a vector of +-1 of length N = {X.shape[1]}; got shape {s.shape}"
        )
    if X.shape[0] < 2:
        raise ValueError(f"X must have d0 >= 2 rows; got {X.shape[0]}")
    d0, N = X.shape
    n = check_samples(
        "cone_log_probability", n_samples, 1.25 * (2.0 * d0 * N + 10.0 * d0 + 200.0), max_work
    )
    n_betas = positive_int("n_betas", n_betas)
    alpha = open_unit("alpha", alpha)
    rng = as_generator(rng)
    d = X.shape[0]
    sXh = unit_columns(X) * s
    _, w = cone_margin(s, X)
    t = cap_margin(w, sXh)
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
    return ConeProbability(
        float(log_est),
        float(log_lo),
        float(log_inscribed),
        float(log_cap),
        t,
        beta,
        int(k),
        n,
        alpha,
    )


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


def region_log_volume(
    A,
    X,
    *,
    n_samples: int,
    rng,
    alpha: float = 1e-3,
    n_betas: int = 8,
    max_work: float | None = None,
) -> RegionLogVolume:
    r"""Estimate and bound :math:`\log V(\mathcal D_A)` from below by cap-conditioned sampling of each row cone.

    :math:`V(\mathcal D_A) = \prod_i \mathbb P(C_i)` (V1); each factor by :func:`cone_log_probability` at
    error rate ``alpha / d1``.  This is the toolkit's variance-reduction method for the global-minimum
    side of Theorem 9: a region of volume :math:`e^{-100}` cannot be hit by sampling :math:`W` directly,
    but each of its row cones is seen with probability of order one from a cap that hugs it.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        The pattern: real and finite, 2-D, entries in {rho, 1} for one rho.
    X : array_like, shape (d0, N)
        Data, real and finite, with :math:`d_0 \ge 2` rows, as many columns as ``A`` and no zero column.
    n_samples : int
        Draws per row (plus a quarter for the pilot): an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    alpha : float
        Simultaneous error rate of ``log_lower``, in the open interval (0, 1).
    n_betas : int
        Candidate half-angles per row (see :func:`cone_log_probability`): an integer :math:`\ge 1`.
    max_work : float, optional
        Work cap of each row's :func:`cone_log_probability` (default
        :data:`~vanishing_minima.numeric._checks.MAX_WORK`), a finite number > 0; the rows run one after
        the other, so the whole call may take ``d1`` times as much.

    Returns
    -------
    RegionLogVolume
        The summed estimate, lower bound and inscribed bound, and each row's :class:`ConeProbability`.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array, or ``rng`` is not a generator or an integer seed.
    ValueError
        If ``A`` or ``X`` is not 2-D, is empty or not finite; their numbers of columns differ; the entries
        of ``A`` other than 1 take more than one value; ``X`` has fewer than 2 rows or a zero column;
        ``n_samples`` or ``n_betas`` is not an integer >= 1; ``alpha`` is not in (0, 1); a row's draws need
        more work than ``max_work``; or ``rng`` is None or a negative seed.
    """
    A = as_matrix("A", A)
    X = as_matrix("X", X)
    check_same_columns("A", A, "X", X)
    s = pattern_signs(A)
    alpha = open_unit("alpha", alpha)
    rng = as_generator(rng)
    rows = tuple(
        cone_log_probability(
            row,
            X,
            n_samples=n_samples,
            rng=rng,
            alpha=alpha / A.shape[0],
            n_betas=n_betas,
            max_work=max_work,
        )
        for row in s
    )
    return RegionLogVolume(
        float(sum(r.log_estimate for r in rows)),
        float(sum(r.log_lower for r in rows)),
        float(sum(r.log_inscribed for r in rows)),
        rows,
    )
