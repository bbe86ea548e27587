r"""Exponent fits across growing N along a scaling family: the leading order of an asymptotic claim.

The asymptotic claims (T6, T9, T10) compare leading orders: :math:`V \,\dot\le\, e^{-F}` means
:math:`\liminf_{N\to\infty} \log(-\log V)/\log F \ge 1`.  At finite N the toolkit measures
:math:`-\log p(N)` for an estimated probability :math:`p(N)` at several N along a family
(``d0 = d0(N)``, ``d1 = d1(N)``, :func:`family_sizes`) and fits the exponent :math:`\kappa` of

.. math:: -\log p(N) \approx C\,F(N)^{\kappa}, \qquad \log(-\log p) = \log C + \kappa \log F,

so the claim reads :math:`\kappa \ge 1` in the limit.  :func:`fit_exponent` gives the least-squares
:math:`\hat\kappa` on the point estimates and, from the exact per-N confidence intervals, the range of
:math:`\kappa` for which *one* line passes through every interval (two linear programs).  That range is a
confidence set under the power-law model at the intervals' joint error rate; when no line passes through
all intervals, the power law is rejected at these N and the range is ``None``.  Either way the result is
finite-N evidence, labelled as such by the checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import optimize

from .._checks import as_array

__all__ = ["ExponentFit", "fit_exponent", "family_sizes"]


def family_sizes(
    ns: Sequence[int], d0_exponent: float, d1_exponent: float
) -> list[tuple[int, int, int]]:
    r"""``(N, d0, d1)`` with ``d0 = round(N^a)``, ``d1 = max(1, round(N^b))``, checked ``d0 <= N``.

    Parameters
    ----------
    ns : sequence of int
        The sizes N, each converted by ``int()`` and required to be :math:`\ge 2`.
    d0_exponent : float
        The exponent ``a`` of ``d0 = max(1, round(N^a))``; not validated, but ``d0 <= N`` must hold.
    d1_exponent : float
        The exponent ``b`` of ``d1 = max(1, round(N^b))``; not validated.

    Returns
    -------
    list of tuple of int
        One ``(N, d0, d1)`` per entry of ``ns``, in order.

    Raises
    ------
    ValueError
        If some ``N < 2`` or ``d0 > N``.
    """
    out = []
    for n in ns:
        n = int(n)
        d0, d1 = max(1, round(n**d0_exponent)), max(1, round(n**d1_exponent))
        if n < 2 or d0 > n:
            raise ValueError(f"family sizes need N >= 2 and d0 <= N; got N = {n}, d0 = {d0}")
        out.append((n, d0, d1))
    return out


@dataclass(frozen=True)
class ExponentFit:
    r"""Fit of :math:`\log(-\log p) = \log C + \kappa \log F` across N.

    Attributes
    ----------
    kappa : float
        Least-squares slope on the point estimates (``nan`` with fewer than two usable points).
    kappa_range : tuple of float or None
        Smallest and largest slope of a line through every interval; ``None`` if there is no such
        line (the power law is rejected at these N), ``(lo, inf)`` if the intervals do not bound it.
    points : int
        Sizes with a finite point estimate (``0 < p < 1``).
    local : tuple of float
        Slopes between consecutive usable points (the local exponent; a trend says pre-asymptotic).
    """

    kappa: float
    kappa_range: tuple[float, float] | None
    points: int
    local: tuple[float, ...]


def fit_exponent(log_f, minus_log_p, minus_log_p_low, minus_log_p_high) -> ExponentFit:
    r"""Fit the exponent :math:`\kappa` of :math:`-\log p \approx C F^\kappa` (see the module docstring).

    Parameters
    ----------
    log_f : array_like, shape (m,)
        :math:`\log F(N)` at each size (the claimed exponent, e.g. ``-theorem6_log_bound``, logged): real,
        finite, 1-D and non-empty.
    minus_log_p : array_like, shape (m,)
        :math:`-\log \hat p` (``inf`` when no event was seen, ``0`` when every sample was an event); no NaN.
    minus_log_p_low, minus_log_p_high : array_like, shape (m,)
        The interval for :math:`-\log p` from the exact interval of :math:`p` (``high`` may be ``inf``):
        no NaN, :math:`0 \le` low :math:`\le` high entrywise.

    Returns
    -------
    ExponentFit
        The least-squares slope, the range of slopes of a line through every interval (or ``None``), the
        number of usable points and the local slopes.

    Raises
    ------
    TypeError
        If ``log_f`` is not a real numeric array.
    ValueError
        If ``log_f`` is not 1-D, is empty or not finite; the four arrays differ in shape; or one of the
        ``-log p`` arrays has a NaN, a negative lower end, or a lower end above its upper end.
    """
    x = as_array("log_f", log_f, ndim=1)
    est = np.asarray(minus_log_p, dtype=float)
    lo = np.asarray(minus_log_p_low, dtype=float)
    hi = np.asarray(minus_log_p_high, dtype=float)
    if not (x.shape == est.shape == lo.shape == hi.shape):
        raise ValueError(
            f"log_f and the -log p arrays must have one shape; got {x.shape}, {est.shape}, {lo.shape}, {hi.shape}"
        )
    if (
        np.any(np.isnan(est))
        or np.any(np.isnan(lo))
        or np.any(np.isnan(hi))
        or np.any(lo > hi)
        or np.any(lo < 0)
    ):
        raise ValueError("need 0 <= minus_log_p_low <= minus_log_p_high, no NaN")
    usable = np.isfinite(est) & (est > 0)
    xs, ys = x[usable], np.log(est[usable])
    kappa = float(np.polyfit(xs, ys, 1)[0]) if usable.sum() >= 2 and np.ptp(xs) > 0 else math.nan
    local = tuple(
        float((ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]))
        for i in range(len(xs) - 1)
        if xs[i + 1] != xs[i]
    )
    # one line a + kappa x through every interval [log lo, log hi]; lo = 0 (p = 1 possible) gives no lower constraint
    rows, rhs = [], []
    for xi, low, h in zip(x, lo, hi):
        if low > 0:
            rows.append([-1.0, -xi]), rhs.append(-math.log(low))
        if np.isfinite(h):
            if h <= 0:
                return ExponentFit(kappa, None, int(usable.sum()), local)
            rows.append([1.0, xi]), rhs.append(math.log(h))
    if not rows:  # no interval constrains a line (every one is [0, inf)): every slope passes
        return ExponentFit(kappa, (-math.inf, math.inf), int(usable.sum()), local)
    bounds_ = []
    for sign in (1.0, -1.0):
        res = optimize.linprog(
            [0.0, sign], A_ub=rows, b_ub=rhs, bounds=[(None, None)] * 2, method="highs"
        )
        if res.status == 2:
            return ExponentFit(kappa, None, int(usable.sum()), local)
        bounds_.append(math.inf * -sign if res.status == 3 else float(res.x[1]))
    return ExponentFit(kappa, (bounds_[0], bounds_[1]), int(usable.sum()), local)
