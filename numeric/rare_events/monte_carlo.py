r"""Plain Monte Carlo for the V2 event, with the exact Clopper-Pearson interval.

``v2_event_probability(method="mc")``: the draws of
:func:`~vanishing_minima.numeric.sample_bad_region_event` (one stream, in order), ``n`` iid first layers,
the count of those with :math:`m\ge m^*`, and for an event statistic :math:`h` the mean of
:math:`h1\{\text{V2}\}` with a Clopper-Pearson interval on Bernoulli(:math:`h`) draws.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ..stats import clopper_pearson
from .estimate import RareEventEstimate
from .score import V2Score

__all__ = ["estimate_by_monte_carlo"]


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def estimate_by_monte_carlo(
    score: V2Score,
    n: int,
    rng: np.random.Generator,
    level: float,
    batch: int,
    h: Callable | None,
    keep: bool,
    t0: float,
) -> RareEventEstimate:
    """``n`` iid samples in batches of ``batch`` (validated by the caller); ``t0`` is its start time."""
    hits = 0
    h_sum = 0.0
    h_draws = 0
    kept = []
    left = n
    while left > 0:
        b = min(batch, left)
        W = rng.standard_normal((b, score.d1, score.d0))
        ev = score.details(W)["m"] >= score.m_star
        hits += int(ev.sum())
        if ev.any() and (h is not None or keep):
            if keep:
                kept.append(W[ev])
            if h is not None:
                hv = h(W[ev])
                h_sum += float(hv.sum())
                h_draws += int(
                    np.sum(rng.random(hv.size) < hv)
                )  # exact binomial count for the interval
        left -= b
    lo, hi = clopper_pearson(hits, n, 1 - level)
    log_p = _log(hits / n)
    samples = (
        np.concatenate(kept) if kept else (np.empty((0, score.d1, score.d0)) if keep else None)
    )
    stat_log = stat_ci = None
    if h is not None:
        slo, shi = clopper_pearson(h_draws, n, 1 - level)
        stat_log, stat_ci = _log(h_sum / n), (_log(slo), _log(shi))
    note = (
        f"plain Monte Carlo: {hits} events in {n} samples; exact Clopper-Pearson interval at error rate "
        f"{1 - level:g}"
        + ("; no event seen: log_p = -inf, only the upper end is informative" if not hits else "")
    )
    return RareEventEstimate(
        log_p=log_p,
        log_p_interval=(_log(lo), _log(hi)),
        level=float(level),
        evaluations=n,
        method="mc",
        reached=True,
        repetitions=1,
        log_estimates=(log_p,),
        levels=(),
        conditional_probabilities=(),
        m_star=score.m_star,
        seconds=time.perf_counter() - t0,
        hits=hits,
        trials=n,
        statistic_log_p=stat_log,
        statistic_log_interval=stat_ci,
        samples=samples,
        sample_log_weights=None if samples is None else np.full(samples.shape[0], -math.log(n)),
        sample_repetition=None if samples is None else np.zeros(samples.shape[0], dtype=np.int64),
        tie_breaker=score.tie_breaker,
        note=note,
    )
