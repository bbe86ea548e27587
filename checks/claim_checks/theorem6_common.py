"""What Theorem 6's branches share: how a size sits against e^-F(N), and the average over sampled X.

Used by the ReLU branch (:mod:`.theorem6`) and the leaky one (:mod:`.theorem6_leaky`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .common import at_sizes

__all__ = [
    "BELOW",
    "ABOVE",
    "UNRESOLVED",
    "T6_MIN_RESOLVED",
    "minus_log",
    "log_mean",
    "average_over_draws",
    "finite_n_side",
    "monte_carlo_fields",
]

#: T6 is consistent when no size shows p above e^-F(N), at least this many sizes show it significantly below
#: (an unresolved size, e.g. a heavy-tailed splitting run's conservative interval, neither supports nor
#: contradicts), and the fit allows kappa >= 1.
T6_MIN_RESOLVED = 3
#: How a size's interval for -log p sits against F(N) (the "finite-N" column).
BELOW, ABOVE, UNRESOLVED = "below e^-F", "above e^-F", "unresolved"


def minus_log(p: float) -> float:
    """-log p, ``inf`` at p = 0."""
    return math.inf if p <= 0 else -math.log(p)


def log_mean(log_values: Sequence[float]) -> float:
    """The log of the mean of ``exp(log_values)``, computed in log space (``-inf`` entries are zeros).

    Raises
    ------
    ValueError
        If ``log_values`` is empty or holds a NaN.
    """
    values = np.asarray(log_values, dtype=float)
    if values.ndim != 1 or values.size == 0 or np.any(np.isnan(values)):
        raise ValueError(f"log_values must be a non-empty vector without NaN; got {log_values!r}")
    return float(np.logaddexp.reduce(values) - math.log(values.size))


def average_over_draws(
    log_p: Sequence[float], log_p_intervals: Sequence[tuple[float, float]]
) -> tuple[float, tuple[float, float]]:
    r"""T6's average over the sampled X: -log of the mean of the runs' p, and its interval.

    Each run estimates :math:`p_k = \mathbb P_W(\text{V2 event})` at its draw :math:`X_k`; the average is
    :math:`\bar p = \frac1K\sum_k p_k`, and the interval's ends are the means of the runs' ends in the
    same way (valid for all draws at once by Bonferroni when each run's interval is).  Computed in log
    space (:func:`log_mean`).

    Parameters
    ----------
    log_p : sequence of float
        :math:`\log \hat p_k` per draw (``-inf`` for a zero estimate); at least one, no NaN.
    log_p_intervals : sequence of (float, float)
        The interval for :math:`\log p_k` per draw, ``low <= high`` (``low`` may be ``-inf``).

    Returns
    -------
    minus_log_p : float
        :math:`-\log \bar p` (``inf`` when every estimate is 0).
    interval : tuple of float
        The interval for :math:`-\log \bar p`: ``(-log mean of the upper ends, -log mean of the lower
        ends)``, the upper end ``inf`` when every lower end is ``-inf``.

    Raises
    ------
    ValueError
        If there is no draw, the two sequences differ in length, a value is NaN, or an interval has
        ``low > high``.
    """
    if len(log_p) == 0:
        raise ValueError("log_p must hold at least one draw; got none")
    if len(log_p) != len(log_p_intervals):
        raise ValueError(
            f"log_p and log_p_intervals must have one entry per draw; got {len(log_p)} and "
            f"{len(log_p_intervals)}"
        )
    if any(not low <= high for low, high in log_p_intervals):
        raise ValueError(f"each interval needs low <= high (no NaN); got {list(log_p_intervals)}")
    low = log_mean([lo for lo, _ in log_p_intervals])
    high = log_mean([hi for _, hi in log_p_intervals])
    return -log_mean(log_p), (-high, -low)


def finite_n_side(minus_log_p_interval: tuple[float, float], f: float) -> str:
    """Where p lies against e^-F(N): ``below`` when the interval for -log p is at or above F, ``above``
    when it is below F, else ``unresolved``."""
    low, high = minus_log_p_interval
    return BELOW if low >= f else (ABOVE if high < f else UNRESOLVED)


def monte_carlo_fields(p, f: float) -> dict:
    """The fields a plain Monte Carlo row of either branch shares, from a :class:`V2EventPoint` ``p`` and
    the exponent ``f`` = F(N): sizes, samples, events, -log p with its exact interval, the finite-N side
    and A3/A4 at this size."""
    t, v2 = p.task, p.v2
    interval = (minus_log(v2.upper), minus_log(v2.lower))
    sizes = at_sizes(t.n, t.d0, t.d1)
    return dict(
        n=t.n,
        d0=t.d0,
        d1=t.d1,
        samples=t.n_samples,
        events=v2.successes,
        f=f,
        minus_log_p=minus_log(v2.estimate),
        minus_log_p_interval=interval,
        side=finite_n_side(interval, f),
        a3=sizes.a3,
        a4=sizes.a4,
    )
