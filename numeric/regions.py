r"""Regions that hold a differentiable local minimum or a global minimum, by linear programs (K6, D1, D4).

A DLM in :math:`\mathcal D_A` exists iff the region is non-empty (every row cone, :mod:`.cones`) and some
:math:`v` with :math:`(A\circ X)^\top v = y - e_A` has each block :math:`v_i \in C_i \cup -C_i \cup \{0\}`
(:math:`v_i = z_i w_i`; K6).  The global-minimum test of D4 is the same with :math:`e_A = 0`.

Scale: non-emptiness depends on :math:`X` only through the directions of its columns, DLM existence only
up to the scale of :math:`X` (:math:`e_A` is homogeneous of degree 0 in :math:`X`).  The LPs see unit columns
(:mod:`.cones`) and norms without overflow (``scaled_norm``), so :math:`10^{\pm300}X` gets the answers of
:math:`X`; a certificate's :math:`W` scales as :math:`1/X`.

Costs: :func:`region_is_nonempty` solves :math:`d_1` LPs with :math:`d_0 + 1` variables.
:func:`dlm_in_region` first discards the sign choices :math:`\sigma\in\{+1,-1,0\}^{d_1}` that K6's sign
condition rules out point by point (:func:`admissible_sign_choices`, exact and vectorized over all
:math:`3^{d_1}` choices), then solves one LP with :math:`d_0d_1 + 1` variables per choice left.  It refuses
:math:`d_1 >` :data:`MAX_D1_SIGN_CHOICES` = 10 (the enumeration) and more than ``max_lps`` LPs (default
:data:`MAX_SIGN_LPS` = :math:`3^8`, the cost the enumeration without the sign test had at its old limit
:math:`d_1 = 8`).

The sign condition.  In the region, neuron :math:`i` active at :math:`x^{(n)}` has
:math:`w_i^\top x^{(n)} > 0`, so the term :math:`v_i^\top x^{(n)} = z_iw_i^\top x^{(n)}` of point
:math:`n`'s output has the sign :math:`\sigma_i` of :math:`z_i`.  The output
:math:`\sum_{i\in S_n} v_i^\top x^{(n)}` over the active set :math:`S_n` must equal
:math:`r_n = (y - e_A)_n`: a positive :math:`r_n` needs some :math:`\sigma_i = +1` on :math:`S_n`, a
negative one some :math:`\sigma_i = -1`, and :math:`r_n = 0` needs either :math:`\sigma = 0` on all of
:math:`S_n` or both signs there; a point with :math:`S_n = \emptyset` needs :math:`r_n = 0`.  Where
:math:`d_0d_1\ge N` and the live points' rows are independent (certified by
:func:`~vanishing_minima.numeric.dlm_residual`), :math:`r_n = y_n` exactly on live points, and on the V2
event's samples this test leaves 1 to 9 of the :math:`3^5 = 243` choices at :math:`N = 96` (measured).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ._checks import (
    as_array,
    as_matrix,
    open_unit,
    positive_int,
    scaled_norm,
)
from .cones import (
    DEFAULT_MARGIN,
    check_margin,
    exceeds_margin,
    region_margins,
    row_cones,
    unit_columns,
)
from .khatri_rao import activation_pattern, dlm_residual, khatri_rao

__all__ = [
    "MAX_D1_SIGN_CHOICES",
    "MAX_SIGN_LPS",
    "admissible_sign_choices",
    "region_is_nonempty",
    "DLMCertificate",
    "dlm_in_region",
    "region_contains_dlm",
    "region_contains_global_minimum",
]


#: Largest width whose :math:`3^{d_1}` sign choices are enumerated (:func:`admissible_sign_choices`).
MAX_D1_SIGN_CHOICES = 10
#: Default cap on the K6 LPs one call of :func:`dlm_in_region` may solve (:math:`3^8`).
MAX_SIGN_LPS = 3**8
#: Sign-test thresholds on the scaled target (labels' scale 1, unit columns): a target above
#: ``_SIGN_NEEDED`` in absolute value needs a term of its sign (10x HiGHS's feasibility tolerance 1e-7 per
#: term, for up to 10 terms); one below ``_SIGN_ZERO`` counts as zero (far below the LP margin 1e-6, which
#: one-signed terms would each exceed).  Targets in between are not used by the test.
_SIGN_NEEDED = 1e-5
_SIGN_ZERO = 1e-9


def region_is_nonempty(A, X, *, margin: float = DEFAULT_MARGIN) -> bool:
    r"""Whether :math:`\mathcal D_A(X)` is non-empty: every row cone has LP margin :math:`>` ``margin``.

    ``margin`` lies in (0, 1); a row cone thinner than it counts as empty, with a
    :class:`~vanishing_minima.numeric._checks.MarginWarning` when the solver found it non-empty.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, entries in :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.
    margin : float
        In the open interval (0, 1): the LP margin every row cone must exceed.

    Returns
    -------
    bool
        True iff every row cone has LP margin greater than ``margin``.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not a real numeric array.
    ValueError
        If ``margin`` is not in (0, 1); ``A`` or ``X`` is not 2-D, is empty or not finite; their numbers of
        columns differ; the entries of ``A`` other than 1 take more than one value; or ``X`` has a zero column.
    """
    margin = check_margin(margin)
    return bool(np.all(exceeds_margin(region_margins(A, X), margin, "region_is_nonempty")))


def _sign_choices(d1: int) -> np.ndarray:
    """All of {+1, -1, 0}^d1 as int8 rows, in ``itertools.product((1, -1, 0), repeat=d1)`` order."""
    digits = (
        np.indices((3,) * d1, dtype=np.int8).reshape(d1, -1).T
    )  # lexicographic, last digit fastest
    return np.array([1, -1, 0], dtype=np.int8)[digits]


def admissible_sign_choices(A, target) -> np.ndarray:
    r"""The sign choices :math:`\sigma\in\{+1,-1,0\}^{d_1}` that K6's sign condition allows (module docstring).

    The term of neuron :math:`i` at point :math:`n` is :math:`A_{in}z_iw_i^\top x^{(n)}`, of sign
    :math:`\sigma_ic_{in}` with :math:`c_{in} = +1` where :math:`A_{in} = 1` and :math:`-\operatorname{sign}\rho`
    elsewhere (0 for ReLU).  A choice is discarded when some point cannot reach its target :math:`r_n` with
    terms of those signs: :math:`r_n > 0` (above ``1e-5``) with no positive term, :math:`r_n < 0` with no
    negative one, :math:`r_n = 0` (below ``1e-9`` in absolute value) with terms of one sign only.  A point
    where every :math:`c_{in} = 0` and :math:`r_n \ne 0` discards every choice.  The targets are compared on the
    scale the LPs of :func:`dlm_in_region` use; a discarded choice has no solution there, nor in exact
    arithmetic (targets between the two thresholds are not used).

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, with at most :data:`MAX_D1_SIGN_CHOICES` rows; entries equal to 1
        mark active neurons, the others are the slope :math:`\rho` (only its sign is used).
    target : array_like, shape (N,)
        The scaled target :math:`r` (real, finite): :math:`(y - e_A)_n / \|x^{(n)}\|` divided by
        :math:`\max_n |y_n|/\|x^{(n)}\|`, as :func:`dlm_in_region` scales it.

    Returns
    -------
    ndarray of int8, shape (K, d1)
        The admissible choices, in the order of ``itertools.product((1, -1, 0), repeat=d1)``.

    Raises
    ------
    TypeError
        If ``A`` or ``target`` is not a real numeric array.
    ValueError
        If ``A`` is not 2-D, is empty or not finite, or has more than :data:`MAX_D1_SIGN_CHOICES` rows;
        ``target`` is not a finite vector of length N.

    Examples
    --------
    One neuron active at both points; point 0 needs a positive output, point 1 a zero one:

    >>> admissible_sign_choices([[1.0, 1.0]], [1.0, 0.0]).tolist()
    []
    >>> admissible_sign_choices([[1.0, 0.0]], [1.0, 0.0]).tolist()
    [[1]]
    """
    A = as_matrix("A", A)
    r = as_array("target", target, ndim=1)
    d1, n = A.shape
    if d1 > MAX_D1_SIGN_CHOICES:
        raise ValueError(
            f"d1 must be <= {MAX_D1_SIGN_CHOICES}: the sign test enumerates 3^d1 choices; got d1 = {d1}"
        )
    if r.shape[0] != n:
        raise ValueError(f"target must have length N = {n}; got {r.shape[0]}")
    # sign of the term of neuron i at point n when sigma_i = +1: A_in * sign(w_i^T x_n)
    c = np.where(A == 1, 1, -np.sign(A)).astype(np.int32)
    up, down = (c == 1).astype(np.int32), (c == -1).astype(np.int32)
    pos, neg = r > _SIGN_NEEDED, r < -_SIGN_NEEDED
    zero = np.abs(r) <= _SIGN_ZERO
    if np.any(~(c != 0).any(axis=0) & (pos | neg)):
        return np.empty((0, d1), dtype=np.int8)
    sigma = _sign_choices(d1)
    keep = np.ones(sigma.shape[0], dtype=bool)
    step = max(1, (1 << 22) // max(n, 1))
    for start in range(0, sigma.shape[0], step):
        s = sigma[start : start + step]
        plus, minus = (s == 1).astype(np.int32), (s == -1).astype(np.int32)
        n_pos = plus @ up + minus @ down  # (K, N): positive terms at each point
        n_neg = plus @ down + minus @ up
        ok = ~np.any(pos & (n_pos == 0), axis=1)
        ok &= ~np.any(neg & (n_neg == 0), axis=1)
        ok &= ~np.any(zero & ((n_pos == 0) != (n_neg == 0)), axis=1)
        keep[start : start + step] = ok
    return sigma[keep]


@dataclass(frozen=True)
class DLMCertificate:
    """A DLM found in a region: weights, the sign choice, and the LP margin that certified it."""

    W: np.ndarray
    z: np.ndarray
    signs: tuple[int, ...]
    margin: float
    residual: np.ndarray


def dlm_in_region(
    A,
    X,
    y,
    *,
    margin: float = DEFAULT_MARGIN,
    target_residual=None,
    max_lps: int = MAX_SIGN_LPS,
    sign_test: bool = True,
) -> DLMCertificate | None:
    r"""Find a DLM :math:`(W, z)` of the MSE inside :math:`\mathcal D_A(X)` (K6), or return ``None``.

    A DLM in :math:`\mathcal D_A` exists iff the region is non-empty and some :math:`v` with
    :math:`(A\circ X)^\top v = y - e_A` has each block :math:`v_i \in C_i \cup -C_i \cup \{0\}`
    (:math:`v_i = z_i w_i`).  Each sign choice :math:`\sigma\in\{+1,-1,0\}^{d_1}` that passes the sign test
    (:func:`admissible_sign_choices`) is one LP maximizing the margin :math:`t` of
    :math:`\sigma_i s_{in} v_i^\top\hat x^{(n)} \ge t` (capped at 1) subject to the equality; it succeeds
    when :math:`t^* >` ``margin``.  The choices the test discards have no solution with any :math:`t > 0`.
    The certificate is checked: its pattern is ``A`` and its output is :math:`y - e_A` to :math:`10^{-6}`
    relative.

    The equality is solved relative to the scale of the labels, :math:`\max_n |y_n|/\|x^{(n)}\|`, not to
    the scale of the target :math:`y - e_A` itself: a target that is zero up to rounding (``y``
    orthogonal to the features, where :math:`z = 0` is a DLM) stays at rounding level instead of being
    blown up to order one, and HiGHS's tolerance (``1e-7``, relative to that scale) absorbs it.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, at most :data:`MAX_D1_SIGN_CHOICES` rows, entries in
        :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.
    y : array_like, shape (N,)
        Targets, real and finite, one per column of ``X``.
    margin : float
        In the open interval (0, 1): the LP margin a cone or a sign choice must exceed.  Decisions that
        depended on it issue a :class:`~vanishing_minima.numeric._checks.MarginWarning`.
    target_residual : array_like, optional
        Use this residual instead of :math:`e_A` (``0`` for the global-minimum test of D4): real, finite,
        1-D, of length N.
    max_lps : int
        At most this many sign LPs (an integer :math:`\ge 1`, default :data:`MAX_SIGN_LPS`): bounds the work.
    sign_test : bool
        ``False``: solve the LP of every one of the :math:`3^{d_1}` choices (the reference the sign test is
        checked against; same decisions, up to ``max_lps`` LPs).

    Returns
    -------
    DLMCertificate or None
        The first sign choice that succeeds, verified; ``None`` if the region is empty or no choice succeeds.

    Raises
    ------
    TypeError
        If ``A``, ``X``, ``y`` or ``target_residual`` is not a real numeric array.
    ValueError
        For ``d1 > MAX_D1_SIGN_CHOICES``, a margin outside (0, 1), arrays of the wrong dimension, empty or
        not finite, shapes that do not fit (``target_residual`` included), entries of ``A`` other than 1
        that take more than one value, a zero column of ``X``, ``max_lps`` not an integer :math:`\ge 1`, or
        more admissible sign choices than ``max_lps`` (the message gives the count).
    """
    A = as_matrix("A", A)
    y = as_array("y", y, ndim=1)
    margin = check_margin(margin)
    max_lps = positive_int("max_lps", max_lps)
    if A.shape[0] > MAX_D1_SIGN_CHOICES:
        raise ValueError(
            f"d1 must be <= {MAX_D1_SIGN_CHOICES}: the sign test enumerates 3^d1 choices; got d1 = {A.shape[0]}"
        )
    A, X, s, row_t, row_w = row_cones(A, X)
    d1, n = A.shape
    d0 = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"y must have length N = {n}; got {y.shape[0]}")
    if not np.all(exceeds_margin(row_t, margin, "dlm_in_region (row cones)")):
        return None
    e = (
        dlm_residual(A, X, y)
        if target_residual is None
        else as_array("target_residual", target_residual, ndim=1)
    )
    if e.shape != (n,):
        raise ValueError(f"target_residual must have length N = {n}; got shape {e.shape}")
    norms = scaled_norm(X, axis=0)  # no overflow or underflow: X may have any scale
    Xh = unit_columns(X)
    r = (y - e) / norms  # equality for unit columns: (A o Xh)^T v = (y - e_A)_n / |x_n|
    scale = float(np.max(np.abs(y) / norms))  # the labels' scale, not the target's (see above)
    if scale > 0:
        r = r / scale
    choices = admissible_sign_choices(A, r) if sign_test else _sign_choices(d1)
    if choices.shape[0] > max_lps:
        raise ValueError(
            f"the sign test leaves {choices.shape[0]} of 3^{d1} sign choices, more LPs than max_lps = {max_lps}"
            if sign_test
            else f"3^{d1} = {choices.shape[0]} sign choices, more LPs than max_lps = {max_lps}"
        )
    M = khatri_rao(A, Xh).T  # (N, d1 d0)
    thin = []
    for sigma in choices.tolist():
        res = _sign_lp(sigma, M, Xh, s, r)
        if res.status != 0 or -res.fun <= margin:
            if res.status == 0 and -res.fun > 0:
                thin.append(-res.fun)
            continue
        v = res.x[:-1].reshape(d1, d0) * (scale if scale > 0 else 1.0)
        W = np.empty((d1, d0))
        z = np.array(sigma, dtype=float)
        for i, si in enumerate(sigma):
            W[i] = si * v[i] if si != 0 else row_w[i]
        cert = DLMCertificate(W, z, tuple(sigma), float(-res.fun), e)
        _verify(cert, A, X, y)
        return cert
    exceeds_margin(
        thin, margin, "dlm_in_region (sign choices)"
    )  # warns if a thin choice was refused
    return None


def _sign_lp(sigma, M: np.ndarray, Xh: np.ndarray, s: np.ndarray, r: np.ndarray):
    """K6's LP for one sign choice: maximize t <= 1 with sigma_i s_in v_i^T xh_n >= t, M v = r (HiGHS)."""
    n, d0, d1 = Xh.shape[1], Xh.shape[0], len(sigma)
    rows = []
    for i, si in enumerate(sigma):
        if si == 0:
            continue
        block = np.zeros((n, d1 * d0 + 1))
        block[:, i * d0 : (i + 1) * d0] = -(si * s[i])[:, None] * Xh.T
        block[:, -1] = 1.0
        rows.append(block)
    bounds = []
    for si in sigma:
        bounds += [(0, 0)] * d0 if si == 0 else [(None, None)] * d0
    bounds.append((None, 1))
    return linprog(
        c=np.r_[np.zeros(d1 * d0), -1.0],
        A_ub=np.vstack(rows) if rows else None,
        b_ub=np.zeros(len(rows) * n) if rows else None,
        A_eq=np.hstack([M, np.zeros((n, 1))]),
        b_eq=r,
        bounds=bounds,
        method="highs",
    )


def _verify(cert: DLMCertificate, A: np.ndarray, X: np.ndarray, y: np.ndarray) -> None:
    rho = float(A[A != 1].flat[0]) if np.any(A != 1) else 0.0
    pattern = activation_pattern(cert.W, X, rho)
    if not np.array_equal(pattern, A):
        raise RuntimeError("internal error: DLM certificate leaves the region")
    terms = pattern * (cert.W @ X)
    output = terms.T @ cert.z
    target = y - cert.residual
    # relative to the labels and to the size of the terms that sum to the output (scale invariant)
    reference = max(float(scaled_norm(y)), float(scaled_norm(np.abs(terms).T @ np.abs(cert.z))))
    if scaled_norm(output - target) > 1e-6 * reference:
        raise RuntimeError("internal error: DLM certificate output differs from y - e_A")


def region_contains_dlm(A, X, y, *, margin: float = DEFAULT_MARGIN) -> bool:
    r"""Whether :math:`\mathcal D_A(X)` contains a DLM of the MSE (K6); see :func:`dlm_in_region`.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, at most :data:`MAX_D1_SIGN_CHOICES` rows, entries in
        :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.
    y : array_like, shape (N,)
        Targets, real and finite, one per column of ``X``.
    margin : float
        In the open interval (0, 1): the LP margin a cone or a sign choice must exceed.

    Returns
    -------
    bool
        True iff :func:`dlm_in_region` finds a certificate.

    Raises
    ------
    TypeError
        If ``A``, ``X`` or ``y`` is not a real numeric array.
    ValueError
        As :func:`dlm_in_region`: ``d1 > MAX_D1_SIGN_CHOICES``, a margin outside (0, 1), arrays of the wrong
        dimension, empty or not finite, shapes that do not fit, a zero column of ``X``.
    """
    return dlm_in_region(A, X, y, margin=margin) is not None


def region_contains_global_minimum(
    A, X, y, *, margin: float = DEFAULT_MARGIN, rtol: float = 1e-9
) -> bool:
    r"""Whether :math:`\mathcal D_A(X) \subseteq G` (D4): a DLM with :math:`e = 0` exists in the region.

    Requires :math:`e_A = 0` (to ``rtol`` relative to :math:`\|y\|`) and the K6 sign LPs with zero residual.

    Parameters
    ----------
    A : array_like, shape (d1, N)
        A pattern: real and finite, 2-D, at most :data:`MAX_D1_SIGN_CHOICES` rows, entries in
        :math:`\{\rho, 1\}` for one :math:`\rho`.
    X : array_like, shape (d0, N)
        Data, real and finite, with as many columns as ``A`` and no zero column.
    y : array_like, shape (N,)
        Targets, real and finite, one per column of ``X``.
    margin : float
        In the open interval (0, 1): the LP margin of the sign LPs.
    rtol : float
        In the open interval (0, 1): :math:`e_A` counts as zero when :math:`\|e_A\| \le` ``rtol`` :math:`\|y\|`.

    Returns
    -------
    bool
        True iff :math:`e_A = 0` to ``rtol`` and a zero-residual certificate exists.

    Raises
    ------
    TypeError
        If ``A``, ``X`` or ``y`` is not a real numeric array.
    ValueError
        If ``rtol`` or ``margin`` is not in (0, 1); the arrays are of the wrong dimension, empty or not
        finite; shapes do not fit; or, when :math:`e_A = 0`, as :func:`dlm_in_region`
        (``d1 > MAX_D1_SIGN_CHOICES``, a zero column of ``X``, a pattern with two values other than 1).
    """
    y_arr = as_array("y", y, ndim=1)
    rtol = open_unit("rtol", rtol)
    margin = check_margin(margin)
    e = dlm_residual(A, X, y_arr)
    if scaled_norm(e) > rtol * scaled_norm(y_arr):  # relative: e_A = 0 when y = 0
        return False
    return (
        dlm_in_region(A, X, y_arr, margin=margin, target_residual=np.zeros_like(y_arr)) is not None
    )
