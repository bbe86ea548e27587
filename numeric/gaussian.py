r"""Gaussian-input lemmas G1-G6: exact formulas and Monte Carlo samplers that test them.

=========================================  ====================================================
function                                   lemma
=========================================  ====================================================
:func:`sheppard_probability`               G1 :math:`\mathbb P(w^\top x_1>0, w^\top x_2>0) = \tfrac12 - \theta/2\pi`
:func:`count_sign_patterns`                G2 exact count of the patterns :math:`a(w^\top X)` (vs :math:`C(N,d)`)
:func:`cap_probability`                    G3
:math:`\mathbb P(\angle(w,u)\le\phi)=\tfrac12I_{\sin^2\phi}(\tfrac{d-1}2,\tfrac12)`
:func:`angle_density`                      G4 density of the angle of two Gaussians, :math:`\propto\sin^{d-2}\theta`
:func:`pattern_collision_probability`      G4 :math:`\mathbb E[(1-\theta/\pi)^N]`, by quadrature
:func:`welch_bound`, :func:`coherence`     G5 coherence of the data and its lower bound
:func:`singular_value_interval`            G6 Gaussian extreme singular values
=========================================  ====================================================
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import integrate, special

from vanishing_minima.theory.bounds import cover_count

from ._checks import (
    MarginWarning,
    as_array,
    as_generator,
    as_matrix,
    batch_sizes,
    check_samples,
    check_work,
    positive_int,
    power_of_two_scale,
    real_number,
)
from .cones import cone_margin, unit_columns

__all__ = [
    "angle_between",
    "sheppard_probability",
    "cap_probability",
    "log_cap_probability",
    "angle_density",
    "pattern_collision_probability",
    "welch_bound",
    "coherence",
    "singular_value_interval",
    "count_sign_patterns",
    "count_orthant_hits",
    "count_cap_hits",
    "count_pattern_collisions",
    "COUNT_PATTERNS_MAX_N",
    "COUNT_PATTERNS_MAX_LPS",
]

#: :func:`count_sign_patterns` enumerates by LP and refuses larger N.
COUNT_PATTERNS_MAX_N = 16


def angle_between(x1, x2) -> np.ndarray:
    r"""Angle :math:`\theta\in[0,\pi]` between vectors (last axis), computed stably with ``arctan2``.

    Scale invariant over the whole double range: each vector is first divided by a power of two near its
    largest entry (exact), so vectors of norm 1e-200 or 1e200 neither underflow nor overflow.

    Parameters
    ----------
    x1, x2 : array_like, shape (..., d)
        Real, finite, non-zero vectors along the last axis, of the same dimension ``d``; leading axes
        broadcast against each other.

    Returns
    -------
    ndarray, shape (...)
        The angles in :math:`[0, \pi]` (a NumPy scalar for two vectors).

    Raises
    ------
    TypeError
        If ``x1`` or ``x2`` is not a real numeric array.
    ValueError
        If either is 0-D, empty or not finite, a vector is exactly zero (its angle is undefined) or the
        dimensions differ.
    """
    a = as_array("x1", x1, min_ndim=1)
    b = as_array("x2", x2, min_ndim=1)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"x1 and x2 must have the same dimension; got {a.shape} and {b.shape}")
    if np.any(np.max(np.abs(a), axis=-1) == 0) or np.any(np.max(np.abs(b), axis=-1) == 0):
        raise ValueError("x1 and x2 must be non-zero (the angle of a zero vector is undefined)")
    a = a / power_of_two_scale(a, axis=-1)
    b = b / power_of_two_scale(b, axis=-1)
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return 2 * np.arctan2(np.linalg.norm(a - b, axis=-1), np.linalg.norm(a + b, axis=-1))


def sheppard_probability(x1, x2) -> np.ndarray:
    r"""G1 (Sheppard): :math:`\mathbb P_w(w^\top x_1>0,\ w^\top x_2>0) = \tfrac12 - \tfrac\theta{2\pi}` for Gaussian w.

    Parameters
    ----------
    x1, x2 : array_like, shape (..., d)
        Real, finite, non-zero vectors of the same dimension, as in :func:`angle_between`.

    Returns
    -------
    ndarray, shape (...)
        The probabilities, in [0, 1/2].

    Raises
    ------
    TypeError
        If ``x1`` or ``x2`` is not a real numeric array.
    ValueError
        As :func:`angle_between`: 0-D, empty, non-finite or zero vectors, or different dimensions.
    """
    return 0.5 - angle_between(x1, x2) / (2 * np.pi)


def cap_probability(phi, d: int) -> np.ndarray:
    r"""G3: :math:`\mathbb P_{w\sim\mathcal N(0,I_d)}(\angle(w, u) \le \phi)` for a fixed unit :math:`u`.

    .. math:: \tfrac12 I_{\sin^2\phi}\!\left(\tfrac{d-1}{2}, \tfrac12\right)\quad (\phi\le\pi/2),
        \qquad 1 - \text{(the same at } \pi - \phi) \quad (\phi > \pi/2),

    with :math:`I` SciPy's regularized incomplete beta ``betainc``.  Requires :math:`d \ge 2`,
    :math:`0\le\phi\le\pi`.

    Parameters
    ----------
    phi : array_like
        Angles, real and finite, non-empty, in :math:`[0, \pi]`; any shape.
    d : int
        Dimension: an integer :math:`\ge 2`.

    Returns
    -------
    ndarray
        The probabilities in [0, 1], of the shape of ``phi``.

    Raises
    ------
    TypeError
        If ``phi`` is not a real numeric array.
    ValueError
        If ``d`` is not an integer >= 2, or ``phi`` is empty, not finite or outside :math:`[0, \pi]`.
    """
    d = positive_int("d", d)
    if d < 2:
        raise ValueError(f"d must be >= 2 (in one dimension the angle is 0 or pi); got {d}")
    phi = as_array("phi", phi)
    if np.any((phi < 0) | (phi > np.pi)):
        raise ValueError("phi must lie in [0, pi]")
    small = np.minimum(phi, np.pi - phi)
    half = 0.5 * special.betainc((d - 1) / 2, 0.5, np.sin(small) ** 2)
    return np.where(phi <= np.pi / 2, half, 1 - half)


def log_cap_probability(phi: float, d: int) -> float:
    r"""Natural log of :func:`cap_probability` for :math:`0 < \phi \le \pi/2`, exact where the value underflows doubles.

    Uses mpmath's regularized incomplete beta at 40 digits: caps of probability :math:`10^{-1000}` and
    below (small angles in high dimension) keep their logarithm.

    Parameters
    ----------
    phi : float
        The cap's half-angle, a real number in :math:`(0, \pi/2]`.
    d : int
        Dimension: an integer :math:`\ge 2`.

    Returns
    -------
    float
        :math:`\log \mathbb P(\angle(w, u) \le \phi)`, finite and :math:`\le \log(1/2)`.

    Raises
    ------
    TypeError
        If ``phi`` is not comparable with a float (e.g. a string).
    ValueError
        If ``d`` is not an integer >= 2, or ``phi`` is not in :math:`(0, \pi/2]` (NaN included).
    """
    import mpmath

    d = positive_int("d", d)
    if d < 2:
        raise ValueError(f"d must be >= 2; got {d}")
    if not 0 < phi <= np.pi / 2:
        raise ValueError(f"phi must lie in (0, pi/2]; got {phi}")
    with mpmath.workdps(40):
        x = mpmath.sin(mpmath.mpf(phi)) ** 2
        value = mpmath.betainc(mpmath.mpf(d - 1) / 2, mpmath.mpf(1) / 2, 0, x, regularized=True) / 2
        return float(mpmath.log(value))


def angle_density(theta, d: int) -> np.ndarray:
    r"""G4: density of the angle between two independent :math:`\mathcal N(0, I_d)` vectors.

    .. math:: p(\theta) = \frac{\sin^{d-2}\theta}{B\!\left(\tfrac12, \tfrac{d-1}{2}\right)},\quad \theta\in[0,\pi],

    normalized since :math:`\int_0^\pi \sin^{d-2}\theta\,d\theta = B(\tfrac12,\tfrac{d-1}2)`.

    Parameters
    ----------
    theta : array_like
        Angles, real and finite, non-empty; any shape (the density is 0 outside :math:`[0, \pi]`).
    d : int
        Dimension: an integer :math:`\ge 2`.

    Returns
    -------
    ndarray
        :math:`p(\theta)`, of the shape of ``theta``.

    Raises
    ------
    TypeError
        If ``theta`` is not a real numeric array.
    ValueError
        If ``d`` is not an integer >= 2, or ``theta`` is empty or not finite.
    """
    d = positive_int("d", d)
    if d < 2:
        raise ValueError(f"d must be >= 2; got {d}")
    theta = as_array("theta", theta)
    inside = (theta >= 0) & (theta <= np.pi)
    log_norm = special.betaln(0.5, (d - 1) / 2)
    with np.errstate(divide="ignore"):
        value = (
            np.exp((d - 2) * np.log(np.abs(np.sin(theta))) - log_norm)
            if d > 2
            else np.full(theta.shape, np.exp(-log_norm))
        )
    return np.where(inside, value, 0.0)


def pattern_collision_probability(n: int, d: int) -> float:
    r"""G4: probability that two independent random neurons share their activation pattern on :math:`N` Gaussian points.

    Given the angle :math:`\theta` of the two weight vectors, a Gaussian point separates them with
    probability :math:`\theta/\pi`, independently across points, so

    .. math:: \mathbb P = \mathbb E_\theta[(1 - \theta/\pi)^N] = \int_0^\pi (1-\theta/\pi)^N p(\theta)\,d\theta,

    evaluated by adaptive quadrature (``scipy.integrate.quad``) in log space for stability.

    Parameters
    ----------
    n : int
        Number of Gaussian points :math:`N`: an integer :math:`\ge 1`.
    d : int
        Dimension: an integer :math:`\ge 2`.

    Returns
    -------
    float
        The collision probability, in (0, 1].

    Raises
    ------
    ValueError
        If ``n`` is not an integer >= 1 or ``d`` is not an integer >= 2.
    """
    n = positive_int("n", n)
    d = positive_int("d", d)
    if d < 2:
        raise ValueError(f"d must be >= 2; got {d}")
    log_norm = special.betaln(0.5, (d - 1) / 2)

    def integrand(t: float) -> float:
        if t <= 0:
            return 0.0 if d > 2 else np.exp(-log_norm)
        return float(np.exp(n * np.log1p(-t / np.pi) + (d - 2) * np.log(np.sin(t)) - log_norm))

    # The mass sits near theta = 0 for large N: split the range there.
    knot = min(np.pi / 2, 10 * np.pi * (d + 1) / (n + d))
    a, _ = integrate.quad(integrand, 0, knot, limit=200, epsabs=0, epsrel=1e-10)
    b, _ = integrate.quad(integrand, knot, np.pi, limit=200, epsabs=0, epsrel=1e-10)
    return float(a + b)


def welch_bound(n: int, d: int) -> float:
    r"""G5: :math:`\sqrt{(N-d)/(d(N-1))}`, a lower bound on the coherence of any :math:`N \ge d` unit vectors
    in :math:`\mathbb R^d`.

    Parameters
    ----------
    n : int
        Number of vectors :math:`N`: an integer :math:`\ge d`.
    d : int
        Dimension: an integer :math:`\ge 1`.

    Returns
    -------
    float
        The bound, in [0, 1) (0 for :math:`N = 1`).

    Raises
    ------
    ValueError
        If ``n`` or ``d`` is not an integer >= 1, or ``n < d``.
    """
    n, d = positive_int("n", n), positive_int("d", d)
    if n < d:
        raise ValueError(f"the Welch bound needs N >= d; got N = {n}, d = {d}")
    if n == 1:
        return 0.0
    return float(np.sqrt((n - d) / (d * (n - 1))))


def coherence(X) -> float:
    r"""G5: :math:`\max_{m\ne n} |\langle x_m, x_n\rangle| / (\|x_m\|\|x_n\|)` over the columns of ``X``.

    Parameters
    ----------
    X : array_like, shape (d, N)
        Real and finite, with at least 2 columns and no zero column.

    Returns
    -------
    float
        The coherence, in [0, 1].

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array.
    ValueError
        If ``X`` is not 2-D, is empty or not finite, has fewer than 2 columns or a zero column.
    """
    X = as_matrix("X", X)
    if X.shape[1] < 2:
        raise ValueError(f"coherence needs at least 2 columns; got {X.shape[1]}")
    Xh = unit_columns(X)  # refuses an exactly zero column; any scale of the columns
    G = np.abs(Xh.T @ Xh)
    np.fill_diagonal(G, 0.0)
    return float(G.max())


def singular_value_interval(n: int, d0: int, t: float) -> tuple[float, float, float]:
    r"""G6: :math:`(\sqrt N - \sqrt{d_0} - t,\ \sqrt N + \sqrt{d_0} + t,\ 1 - 2e^{-t^2/2})`.

    For :math:`X\in\mathbb R^{d_0\times N}\sim\mathcal N`, :math:`N\ge d_0`, all singular values lie in
    the interval with at least the returned probability (Davidson-Szarek).

    Parameters
    ----------
    n : int
        Number of columns :math:`N`: an integer :math:`\ge d_0`.
    d0 : int
        Number of rows: an integer :math:`\ge 1`.
    t : float
        Deviation: a finite real number :math:`\ge 0`.

    Returns
    -------
    tuple of float
        ``(lower, upper, probability)``; ``probability`` may be negative (vacuous) for small ``t``.

    Raises
    ------
    TypeError
        If ``t`` is not a number (``numpy.isfinite`` refuses it).
    ValueError
        If ``n`` or ``d0`` is not an integer >= 1, ``n < d0``, or ``t`` is negative or not finite.
    """
    n, d0 = positive_int("n", n), positive_int("d0", d0)
    if n < d0:
        raise ValueError(f"G6 needs N >= d0; got N = {n}, d0 = {d0}")
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"t must be finite and >= 0; got {t}")
    return (
        float(np.sqrt(n) - np.sqrt(d0) - t),
        float(np.sqrt(n) + np.sqrt(d0) + t),
        float(1 - 2 * np.exp(-t * t / 2)),
    )


#: Refuse :func:`count_sign_patterns` calls that need more LPs than this (about 1.4 ms each here).
COUNT_PATTERNS_MAX_LPS = 20_000


def count_sign_patterns(X, *, margin: float = 1e-6, max_lps: int = COUNT_PATTERNS_MAX_LPS) -> int:
    r"""G2: the number of distinct sign patterns :math:`\operatorname{sign}(w^\top X)` over
    :math:`w\in\mathbb R^{d}`, counted exactly.

    Incremental enumeration of the regions of the central arrangement
    :math:`\{w : w^\top x^{(n)} = 0\}`: a pattern on the first :math:`k` points is extended by each sign
    for point :math:`k+1` whose cone is non-empty (LP with explicit margin, :func:`cone_margin`).  It
    uses no counting formula, so it tests Cover's :math:`C(N,d)`.

    The count depends on ``margin`` (in (0, 1)) for data with thinner cones than that: a cone the solver
    finds non-empty but with margin :math:`\le` ``margin`` is not counted, and a
    :class:`~vanishing_minima.numeric._checks.MarginWarning` says so (two points 1e-7 rad apart in the
    plane: 4 patterns counted of 6).

    Cost: :math:`2\sum_{k<N} C(k, d)` LPs for points in general position (at most :math:`2^{N+1}`),
    estimated before starting from Cover's count; refused above ``max_lps``, and for
    :math:`N >` ``COUNT_PATTERNS_MAX_N``.

    Parameters
    ----------
    X : array_like, shape (d, N)
        Real and finite, with at most ``COUNT_PATTERNS_MAX_N`` columns and no zero column.
    margin : float
        In the open interval (0, 1): the LP margin a cone must exceed to be counted.
    max_lps : int
        An integer :math:`\ge 1`: refuse when the estimated number of LPs exceeds it.

    Returns
    -------
    int
        The number of patterns found (each with a cone of margin above ``margin``).

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array.
    ValueError
        For ``X`` not 2-D, empty or not finite, ``N > COUNT_PATTERNS_MAX_N``, ``max_lps`` not an integer >= 1,
        an estimated LP count above ``max_lps``, a margin outside (0, 1), a zero column of ``X``.
    """
    X = as_matrix("X", X)
    margin = real_number("margin", margin, low=0.0, high=1.0, low_open=True, high_open=True)
    max_lps = positive_int("max_lps", max_lps)
    d, n = X.shape
    if n > COUNT_PATTERNS_MAX_N:
        raise ValueError(
            f"count_sign_patterns enumerates by LP; N must be <= {COUNT_PATTERNS_MAX_N}, got {n}"
        )
    lps = 2 * sum(cover_count(k, d) if k else 1 for k in range(n))
    check_work(
        f"count_sign_patterns at N = {n}, d = {d}",
        lps,
        max_lps,
        unit="LPs",
        rate=700,
        param="max_lps",
    )
    patterns: list[tuple[float, ...]] = [()]
    thin: list[float] = []
    for k in range(n):
        grown = []
        for p in patterns:
            for s in (1.0, -1.0):
                q = (*p, s)
                t = cone_margin(np.array(q), X[:, : k + 1])[0]
                if t > margin:
                    grown.append(q)
                elif t > 0:
                    thin.append(t)
        patterns = grown
    if thin:
        warnings.warn(
            f"count_sign_patterns: {len(thin)} cone(s) with LP margin in (0, {margin:g}] (smallest "
            f"{min(thin):.3g}) not counted; the count may depend on the margin",
            MarginWarning,
            stacklevel=2,
        )
    return len(patterns)


# --- Monte Carlo samplers (vectorized over samples) ---------------------------------------
def count_orthant_hits(x1, x2, *, n_samples: int, rng, max_work: float | None = None) -> int:
    r"""Count of :math:`w\sim\mathcal N(0,I)` (out of ``n_samples``) with :math:`w^\top x_1 > 0` and
    :math:`w^\top x_2 > 0` (tests G1).

    Parameters
    ----------
    x1, x2 : array_like, shape (d,)
        Real, finite, non-empty vectors of the same length.
    n_samples : int
        Number of draws: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at :math:`5d` operations each
        exceed it.  The draws are held at once: more than
        :data:`~vanishing_minima.numeric._checks.MAX_MEMORY` of them (:math:`8(d+2)` bytes each) is refused.

    Returns
    -------
    int
        The number of draws in the orthant, between 0 and ``n_samples``.

    Raises
    ------
    TypeError
        If ``x1`` or ``x2`` is not a real numeric array, or ``rng`` is not a generator or an integer seed.
    ValueError
        If ``x1`` or ``x2`` is not 1-D, is empty or not finite, or their lengths differ; ``n_samples`` is
        not an integer >= 1 or needs more work than ``max_work`` or more memory than ``MAX_MEMORY``; or
        ``rng`` is None or a negative seed.
    """
    a = as_array("x1", x1, ndim=1)
    b = as_array("x2", x2, ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"x1 and x2 must have the same length; got {a.shape[0]} and {b.shape[0]}")
    d = a.shape[0]
    n_samples = check_samples("count_orthant_hits", n_samples, 5.0 * d, max_work, 8.0 * (d + 2))
    rng = as_generator(rng)
    w = rng.standard_normal((n_samples, d))
    return int(np.sum((w @ a > 0) & (w @ b > 0)))


def count_cap_hits(
    phi: float, d: int, *, n_samples: int, rng, max_work: float | None = None
) -> int:
    r"""Count of :math:`w\sim\mathcal N(0,I_d)` within angle ``phi`` of :math:`e_1` (tests G3).

    Parameters
    ----------
    phi : float
        The cap's half-angle, a finite number in :math:`[0, \pi]`.
    d : int
        Dimension: an integer :math:`\ge 1`.
    n_samples : int
        Number of draws: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at :math:`4d` operations each
        exceed it.  The draws are held at once: more than
        :data:`~vanishing_minima.numeric._checks.MAX_MEMORY` of them (:math:`16(d+1)` bytes each) is refused.

    Returns
    -------
    int
        The number of draws with :math:`\angle(w, e_1) \le \phi`.

    Raises
    ------
    TypeError
        If ``rng`` is not a generator or an integer seed.
    ValueError
        If ``rng`` is None or a negative seed, ``d`` or ``n_samples`` is not an integer >= 1, ``phi`` is not
        in [0, pi], or the draws need more work than ``max_work`` or more memory than ``MAX_MEMORY``.
    """
    phi = real_number("phi", phi, low=0.0, high=float(np.pi))
    d = positive_int("d", d)
    n_samples = check_samples("count_cap_hits", n_samples, 4.0 * d, max_work, 16.0 * (d + 1))
    rng = as_generator(rng)
    w = rng.standard_normal((n_samples, d))
    return int(np.sum(w[:, 0] >= np.linalg.norm(w, axis=1) * np.cos(phi)))


def count_pattern_collisions(
    n: int, d: int, *, n_samples: int, rng, batch: int = 2048, max_work: float | None = None
) -> int:
    r"""Count of draws (fresh Gaussian :math:`X\in\mathbb R^{d\times N}` and two neurons) whose patterns on
    :math:`X` agree (tests G4).

    Parameters
    ----------
    n : int
        Number of points :math:`N`: an integer :math:`\ge 1`.
    d : int
        Dimension: an integer :math:`\ge 1`.
    n_samples : int
        Number of draws: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    batch : int
        Draws per batch: an integer :math:`\ge 1`.
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at :math:`5dN` operations each
        exceed it.

    Returns
    -------
    int
        The number of draws whose two patterns agree.

    Raises
    ------
    TypeError
        If ``rng`` is not a generator or an integer seed.
    ValueError
        If ``n``, ``d``, ``n_samples`` or ``batch`` is not an integer >= 1, the draws need more work than
        ``max_work``, or ``rng`` is None or a negative seed.
    """
    n, d = positive_int("n", n), positive_int("d", d)
    n_samples = check_samples("count_pattern_collisions", n_samples, 5.0 * d * n, max_work)
    batch = positive_int("batch", batch)
    rng = as_generator(rng)
    hits = 0
    for b in batch_sizes(n_samples, batch):
        X = rng.standard_normal((b, d, n))
        s = (rng.standard_normal((b, 2, d)) @ X) > 0
        hits += int(np.sum(np.all(s[:, 0] == s[:, 1], axis=-1)))
    return hits
