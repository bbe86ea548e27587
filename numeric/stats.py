"""Exact binomial confidence intervals for Monte Carlo verdicts.

Every Monte Carlo estimate of the toolkit is a count ``k`` of successes in ``n`` independent trials,
reported with its Clopper-Pearson interval at a declared error rate ``alpha`` (SciPy's
``binomtest(...).proportion_ci(method="exact")``).  The interval covers the true probability with
probability at least ``1 - alpha`` whatever that probability is.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats

__all__ = ["Estimate", "clopper_pearson", "binomial_estimate"]


@dataclass(frozen=True)
class Estimate:
    """A probability estimated from ``successes`` out of ``trials``, with an exact interval.

    ``lower <= p <= upper`` holds with probability at least ``1 - alpha``.  ``exact`` marks values
    computed in closed form (then ``lower == estimate == upper`` and ``trials == 0``).
    """

    estimate: float
    lower: float
    upper: float
    alpha: float
    successes: int = 0
    trials: int = 0
    exact: bool = False

    def contains(self, p: float) -> bool:
        """Whether ``p`` lies in the interval."""
        return self.lower <= p <= self.upper


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    r"""Two-sided Clopper-Pearson interval for a binomial proportion at error rate ``alpha``.

    Parameters
    ----------
    successes : int
        Number of successes, :math:`0 \le` ``successes`` :math:`\le` ``trials`` (truncated by ``int()``).
    trials : int
        Number of trials, :math:`\ge 1` (truncated by ``int()``).
    alpha : float
        Error rate, in the open interval (0, 1).

    Returns
    -------
    tuple of float
        ``(lower, upper)``, with :math:`0 \le` lower :math:`\le` upper :math:`\le 1`.

    Raises
    ------
    TypeError
        If ``alpha``, ``successes`` or ``trials`` is not comparable with a number (e.g. a string).
    ValueError
        If ``alpha`` is not in (0, 1), ``trials < 1``, or ``successes`` is outside [0, ``trials``].
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in the open interval (0, 1); got {alpha}")
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(
            f"need 0 <= successes <= trials and trials >= 1; got {successes} of {trials}"
        )
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(
        confidence_level=1 - alpha, method="exact"
    )
    return float(ci.low), float(ci.high)


def binomial_estimate(successes: int, trials: int, alpha: float) -> Estimate:
    r"""The :class:`Estimate` of ``successes / trials`` with its Clopper-Pearson interval.

    Parameters
    ----------
    successes : int
        Number of successes, :math:`0 \le` ``successes`` :math:`\le` ``trials``.
    trials : int
        Number of trials, :math:`\ge 1`.
    alpha : float
        Error rate of the interval, in the open interval (0, 1).

    Returns
    -------
    Estimate
        ``successes / trials`` with its interval at level ``alpha``.

    Raises
    ------
    ValueError
        As :func:`clopper_pearson`: ``alpha`` not in (0, 1), ``trials < 1``, or ``successes`` outside
        [0, ``trials``].
    """
    lo, hi = clopper_pearson(successes, trials, alpha)
    return Estimate(successes / trials, lo, hi, alpha, int(successes), int(trials))
