r"""Exact volumes in the plane (:math:`d_0 = 2`): arcs, every region, :math:`V(L_\epsilon)`, :math:`V(G)` and
the V2 event.

In the plane each row cone is an arc of directions whose probability under :math:`w\sim\mathcal N(0, I_2)`
is its length over :math:`2\pi` (:func:`arc_probability`); the :math:`2N` arcs between the lines
:math:`w^\top x^{(n)} = 0` are all the patterns of one neuron (:func:`plane_row_patterns`), so every region
and its exact volume can be enumerated (:func:`exact_volumes_in_the_plane`).  The arcs depend on the
directions of the columns of :math:`X` only, and are computed from columns divided by powers of two (exact);
the volumes depend on :math:`X` only up to its scale: :math:`X` of any finite scale gives the same numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ._checks import (
    as_matrix,
    check_labels,
    check_rho,
    open_unit,
    positive_int,
    power_of_two_scale,
    scaled_norm,
)
from .cones import DEFAULT_MARGIN, check_margin, check_no_zero_column, pow2_columns
from .khatri_rao import activation_of, dlm_residual, mce_unchecked
from .regions import dlm_in_region

__all__ = [
    "arc_probability",
    "plane_row_patterns",
    "ExactVolumes",
    "exact_volumes_in_the_plane",
]


# --- angular volume -------------------------------------------------------------------------
def arc_probability(signs, X) -> float:
    r"""Exact :math:`\mathbb P_{w\sim\mathcal N(0,I_2)}(\operatorname{sign}(w^\top X) = s)` for :math:`d_0 = 2`.

    Each constraint :math:`s_n w^\top x^{(n)} > 0` is an open half-circle of directions centred on the angle
    :math:`\phi_n` of :math:`s_n x^{(n)}`; their intersection is an arc of width
    :math:`\max(0, \pi - \text{spread})`, where the spread is the shortest arc containing every
    :math:`\phi_n`.  The Gaussian is isotropic, so the probability is width / :math:`2\pi`.

    Parameters
    ----------
    signs : array_like, shape (N,)
        The sign pattern: every entry exactly :math:`+1` or :math:`-1`.
    X : array_like, shape (2, N)
        Data in the plane, real and finite, with no zero column.

    Returns
    -------
    float
        The probability, in [0, 1/2].

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array.
    ValueError
        If ``X`` is not 2-D with 2 rows, is empty or not finite, or has a zero column; or ``signs`` is not a
        vector of :math:`\pm 1` of length N.
    """
    X = as_matrix("X", X)
    if X.shape[0] != 2:
        raise ValueError(f"arc_probability needs d0 = 2; got X of shape {X.shape}")
    # refuses a zero column: w^T x = 0 for every w, so no pattern has positive probability
    check_no_zero_column(X)
    s = np.asarray(signs, dtype=float)
    if s.shape != (X.shape[1],) or not np.all(np.abs(s) == 1):
        raise ValueError(
            f"signs must be a vector of +-1 of length N = {X.shape[1]}; got shape {s.shape}"
        )
    v = pow2_columns(X) * s  # the same directions exactly, at any scale of X
    phi = np.sort(np.mod(np.arctan2(v[1], v[0]), 2 * np.pi))
    gaps = np.diff(np.r_[phi, phi[0] + 2 * np.pi])
    spread = 2 * np.pi - gaps.max()
    return float(max(0.0, np.pi - spread) / (2 * np.pi))


# --- exact volumes in the plane (d0 = 2) ------------------------------------------------------
def plane_row_patterns(X) -> tuple[np.ndarray, np.ndarray]:
    r"""Every non-empty sign pattern of one neuron on :math:`X\in\mathbb R^{2\times N}`, with its exact probability.

    The lines :math:`w^\top x^{(n)} = 0` cut the circle of directions at :math:`2N` angles; each arc between
    consecutive cuts is one pattern, of probability (arc length)/:math:`2\pi` under :math:`w\sim\mathcal N(0,I_2)`.
    For points in general position there are :math:`2N = C(N, 2)` arcs (G2).

    Parameters
    ----------
    X : array_like, shape (2, N)
        Data in the plane, real and finite, with no zero column and no two columns on one line through 0
        (arcs narrower than :math:`10^{-12}` rad count as such).

    Returns
    -------
    signs : ndarray, shape (2N, N)
        The patterns as signs :math:`\pm 1`.
    probabilities : ndarray, shape (2N,)
        They sum to 1.

    Raises
    ------
    TypeError
        If ``X`` is not a real numeric array.
    ValueError
        If ``X`` is not 2-D with 2 rows, is empty or not finite, has a zero column, or is not in general
        position.
    """
    X = as_matrix("X", X)
    if X.shape[0] != 2:
        raise ValueError(f"plane_row_patterns needs d0 = 2; got X of shape {X.shape}")
    check_no_zero_column(X)
    X = pow2_columns(X)  # the same directions exactly: W @ X neither overflows nor underflows
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


def exact_volumes_in_the_plane(
    X,
    y,
    d1: int,
    eps: float,
    rho: float,
    *,
    margin: float = DEFAULT_MARGIN,
    max_regions: int = 20_000,
) -> ExactVolumes:
    r"""Exact :math:`V(L_\epsilon)`, :math:`V(G)` and the V2 event probability for :math:`d_0 = 2` (D4, V1, V2, K6).

    Every non-empty region is a product of :math:`d_1` arcs (:func:`plane_row_patterns`); its volume is
    the product of their probabilities (V1).  The residual :math:`e_A` of all regions is one batched
    computation (K5); regions whose DLM output has MCE :math:`> \epsilon` count for the V2 event, and those
    among them holding a DLM (:func:`dlm_in_region`) for :math:`V(L_\epsilon)`.  Regions with
    :math:`e_A = 0` holding a DLM with zero residual count for :math:`V(G)`.  Cost: :math:`(2N)^{d_1}`
    regions, up to :math:`3^{d_1}` LPs for each candidate; refuses more than ``max_regions`` regions.

    Parameters
    ----------
    X : array_like, shape (2, N)
        Data in the plane, real and finite, in general position (no zero column, no two columns on one
        line through 0).
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width of the hidden layer: an integer :math:`\ge 1` (at most :data:`~.regions.MAX_D1_SIGN_CHOICES`
        once a region needs the K6 LPs).
    eps : float
        MCE threshold :math:`\epsilon`, in the open interval (0, 1).
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.
    margin : float
        In the open interval (0, 1): the LP margin of :func:`dlm_in_region`.
    max_regions : int
        An integer :math:`\ge 1`: refuse when :math:`(2N)^{d_1}` exceeds it.

    Returns
    -------
    ExactVolumes
        :math:`V(L_\epsilon)`, the V2 event probability, :math:`V(G)`, the number of regions and their total.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, or ``rho`` is not a real number.
    ValueError
        If ``X`` is not 2-D with 2 rows, is empty, not finite or not in general position; ``y`` is not a
        1-D {0, 1} vector of length N; ``d1`` or ``max_regions`` is not an integer >= 1; ``eps`` or
        ``margin`` is not in (0, 1); ``rho`` is not finite or equals 1; :math:`(2N)^{d_1}` exceeds
        ``max_regions``; or a region needs the K6 LPs with ``d1 > MAX_D1_SIGN_CHOICES``.
    """
    X = as_matrix("X", X)
    y = check_labels(y, X.shape[1])
    d1 = positive_int("d1", d1)
    rho = check_rho(rho)
    eps, margin = open_unit("eps", eps), check_margin(margin)
    max_regions = positive_int("max_regions", max_regions)
    X = X / power_of_two_scale(X)  # exact: every volume depends on X only up to its scale
    signs, probs = plane_row_patterns(X)
    k = signs.shape[0]
    if k**d1 > max_regions:
        raise ValueError(f"(2N)^d1 = {k**d1} regions exceed max_regions = {max_regions}")
    combos = np.array(list(itertools.product(range(k), repeat=d1)))
    A = activation_of(signs[combos], rho)  # (regions, d1, N): sign +1 is active
    volume = np.prod(probs[combos], axis=1)
    e = dlm_residual(A, X, y)
    bad_event = mce_unchecked(y - e, y) > eps
    zero = scaled_norm(e, axis=1) <= 1e-9 * scaled_norm(y)  # relative to the labels
    has_bad_dlm = np.zeros(len(volume), dtype=bool)
    for i in np.flatnonzero(bad_event):
        has_bad_dlm[i] = dlm_in_region(A[i], X, y, margin=margin) is not None
    has_global = np.zeros(len(volume), dtype=bool)
    for i in np.flatnonzero(zero):
        has_global[i] = (
            dlm_in_region(A[i], X, y, margin=margin, target_residual=np.zeros_like(y)) is not None
        )
    # the same masked NumPy sums, so that a subset never sums above its superset by rounding
    return ExactVolumes(
        float(np.sum(volume, where=has_bad_dlm)),
        float(np.sum(volume, where=bad_event)),
        float(np.sum(volume, where=has_global)),
        int(len(volume)),
        float(volume.sum()),
    )
