r"""Intervals for :math:`\log p` from :math:`R` iid unbiased repetitions of a rare-event estimator.

Shared by the estimators of this package (generalized splitting, dead-point splitting): the point
estimate is the log of the mean of the repetitions, the interval is built from the repetitions alone
(never from one run's internal spread), and it is made conservative when the repetitions are
heavy-tailed.  The methods and the coverage measurements behind the defaults are in
``docs/methods/splitting.md``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from ..stats import clopper_pearson

__all__ = [
    "INTERVAL_METHODS",
    "log_mean_interval",
    "max_share",
    "linear_interval",
    "deepest_level_upper",
    "heavy_tail_interval",
]

#: Interval methods for log p from R iid repetitions (see :func:`log_mean_interval`).
INTERVAL_METHODS = ("log-t", "t", "lognormal")


def log_mean_interval(
    log_values, level: float = 0.95, method: str = "log-t"
) -> tuple[float, tuple[float, float]]:
    r"""Log of the mean of iid non-negative estimates, and an interval for the log of their expectation.

    Parameters
    ----------
    log_values : array_like, shape (R,)
        :math:`\log\hat p_r` (``-inf`` for zeros), :math:`R\ge2`, no NaN and no ``+inf``.  Computed in log
        space, so values far below the smallest double are fine.
    level : float
        Confidence level in the open interval (0, 1).
    method : {"log-t", "t", "lognormal"}
        ``"log-t"``: :math:`\log\bar p\pm t_{R-1}\,s/(\sqrt R\,\bar p)` (delta method; never crosses 0).
        ``"t"``: :math:`\log(\bar p\pm t_{R-1}\,s/\sqrt R)`, the lower end ``-inf`` when it is :math:`\le 0`.
        :math:`s` is the sample standard deviation (``ddof=1``).  Both rest on the central limit theorem.
        ``"lognormal"``: for estimates whose logs are close to normal (a product of many level fractions):
        with :math:`\bar\ell, s_\ell` the mean and standard deviation of the :math:`\log\hat p_r`,
        :math:`\bar\ell + s_\ell^2/2 \pm t_{R-1}\sqrt{s_\ell^2/R + s_\ell^4/(2(R-1))}` (modified Cox
        interval for the log of a log-normal mean; Olsson 2005, J. Stat. Educ. 13(1)); the point is still
        :math:`\log\bar p`.  With a zero among the values it falls back to ``"log-t"``.

    Returns
    -------
    log_mean : float
        :math:`\log\bar p` (``-inf`` when every value is 0).
    interval : tuple of float
        ``(-inf, -inf)`` when every value is 0 (the caller supplies an upper bound then).

    Raises
    ------
    ValueError
        If ``log_values`` is not a vector of at least 2 entries without NaN or ``+inf``, ``level`` is not
        in (0, 1), or ``method`` is not one of :data:`INTERVAL_METHODS`.
    """
    v = np.asarray(log_values, dtype=float)
    if v.ndim != 1 or v.size < 2 or np.any(np.isnan(v)) or np.any(v == np.inf):
        raise ValueError(f"log_values must be a vector of >= 2 logs (no NaN, no +inf); got {v!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in the open interval (0, 1); got {level}")
    if method not in INTERVAL_METHODS:
        raise ValueError(f"interval method must be one of {INTERVAL_METHODS}; got {method!r}")
    if np.all(np.isneginf(v)):
        return -math.inf, (-math.inf, -math.inf)
    shift = float(np.max(v))
    x = np.exp(v - shift)
    r = x.size
    mean = float(np.mean(x))
    se = float(np.std(x, ddof=1)) / math.sqrt(r)
    q = float(sps.t.ppf(0.5 + level / 2, r - 1))
    log_mean = shift + math.log(mean)
    if method == "lognormal" and np.all(np.isfinite(v)):
        m_l, s2 = float(np.mean(v)), float(np.var(v, ddof=1))
        half = q * math.sqrt(s2 / r + s2 * s2 / (2 * (r - 1)))
        return log_mean, (m_l + s2 / 2 - half, m_l + s2 / 2 + half)
    if method in ("log-t", "lognormal"):
        half = q * se / mean
        return log_mean, (log_mean - half, log_mean + half)
    lo, hi = mean - q * se, mean + q * se
    return log_mean, (shift + math.log(lo) if lo > 0 else -math.inf, shift + math.log(hi))


def max_share(log_values: np.ndarray) -> float:
    """Largest value's share of the sum of exp(log_values) (nan when all are 0)."""
    if np.all(np.isneginf(log_values)):
        return float("nan")
    x = np.exp(log_values - np.max(log_values))
    return float(x.max() / x.sum())


def linear_interval(values: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean and Student-t interval of real values (for statistics h that may be negative)."""
    r = values.size
    mean = float(values.mean())
    half = float(sps.t.ppf(0.5 + level / 2, r - 1)) * float(values.std(ddof=1)) / math.sqrt(r)
    return mean, mean - half, mean + half


def deepest_level_upper(
    level_log: np.ndarray, level: float, interval: str
) -> tuple[int, float | None]:
    """For per-repetition log estimates of P(level t) (shape (R, T)): the deepest level t that some
    repetition passed (-1 if none) and the upper end of the ``level`` interval for its probability (a
    probability >= p: the upper end when every repetition is 0 at the last level), or None."""
    passed = np.flatnonzero(np.any(np.isfinite(level_log), axis=0))
    if passed.size == 0:
        return -1, None
    t = int(passed[-1])
    return t, log_mean_interval(level_log[:, t], level, interval)[1][1]


def heavy_tail_interval(
    log_p: float,
    ci: tuple[float, float],
    log_reps: np.ndarray,
    iid_hits: int,
    trials: int,
    level: float,
) -> tuple[tuple[float, float], float, str | None]:
    r"""The interval from :math:`R` iid unbiased repetitions, made conservative when they are heavy-tailed.

    Heavy-tailed: more than half of the repetitions are 0, or the largest carries more than half of the
    sum.  Then the central-limit interval ``ci`` under-covers, and the interval becomes
    :math:`[\log\hat p + \log\tfrac{1-\text{level}}2,\ \max(\text{ci}_1, \log u)]`: Markov's inequality on
    the unbiased mean below, the exact one-sided Clopper-Pearson bound :math:`u` of the ``iid_hits``
    events in ``trials`` iid draws above, each at error :math:`(1-\text{level})/2`.

    Returns ``(interval, max_share, note or None)``.
    """
    R = log_reps.size
    zeros = int(np.sum(np.isneginf(log_reps)))
    share = max_share(log_reps)
    if not (zeros > R // 2 or share > 0.5) or not np.isfinite(log_p):
        return ci, share, None
    half = (1 - level) / 2
    upper_iid = math.log(clopper_pearson(iid_hits, trials, 1 - level)[1])
    out = (float(log_p) + math.log(half), max(float(ci[1]), upper_iid))
    note = (
        f"heavy-tailed repetitions ({zeros} of {R} zero, the largest carries {share:.0%} of the sum): the "
        f"central-limit interval under-covers in such runs, so the interval is the conservative one "
        f"(Markov's inequality below, exact iid bound above); raise the budget to narrow it"
    )
    return out, share, note
