r"""The V2 event at fixed data, far below what plain Monte Carlo sees: generalized splitting on :math:`W`.

For fixed :math:`X\in\mathbb R^{d_0\times N}`, labels :math:`y\in\{0,1\}^N`, width :math:`d_1`, slope
:math:`\rho\ne1` and :math:`\epsilon\in(0,1)`, with :math:`W\sim\mathcal N(0, I_{d_1\times d_0})`,
:math:`A = a(WX)` and :math:`e_A = (I-P)y` (K5, :func:`~vanishing_minima.numeric.dlm_residual`), the target is

.. math:: p = \mathbb P_W\big(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon\big) = \mathbb P_W\big(m(W)\ge m^*\big),

:math:`m(W)` the number of misclassified points (threshold 0.5) and :math:`m^*` the smallest integer with
:math:`m^*/N > \epsilon` in floating point (as :func:`~vanishing_minima.numeric.sample_bad_region_event`
decides it), i.e. :math:`\lfloor\epsilon N\rfloor + 1` up to rounding.  :math:`p` bounds the angular
volume of the bad regions from above (V2); it is Theorem 6's quantity at fixed :math:`X`.

The score for splitting
------------------------
:math:`S(W) = m(W) + \tau(W)` with a deterministic tie-breaker :math:`\tau\in[0, 1-10^{-6}]`, so
:math:`S\ge m^*` iff :math:`m\ge m^*` (the event) and the levels below :math:`m^*` can sit between the
integers.  Where :math:`d_0d_1\ge N`, :math:`A\circ X` has full column rank for almost every :math:`W` and
:math:`m = 0`: without :math:`\tau` the score is flat and splitting cannot start.  :math:`\tau` measures how
close the :math:`r = m^*-m` cheapest not-yet-misclassified points are to being misclassified,
:math:`\tau = (1-10^{-6})/(1 + \sum_{r\text{ smallest}} \delta_n)` over those points, with the distance
:math:`\delta_n` of ``tie_breaker``:

* ``"auto"`` (default): ``"dead-max"`` where :math:`d_0d_1\ge N` (the audit's family: :math:`e_A = 0` on the
  live points, the event is driven by dead points), else ``"residual"``.
* ``"dead"``: for a label-1 point,
  :math:`\delta_n = \sum_i \max(0, w_i^\top x_n)/\|x_n\|`, zero exactly when every neuron is off at
  :math:`x_n` (ReLU: column :math:`n` of :math:`A\circ X` vanishes, :math:`e_n = y_n = 1`, the point is
  misclassified).  Label-0 points get the upper bound :math:`\sum_i\|w_i\|` (being dead does not
  misclassify them).
* ``"dead-max"``: :math:`\delta_n = \max(0, \max_i w_i^\top x_n)/\|x_n\|` for label-1 points.
* ``"dead-start"``: the ``"dead"`` distance, used only where :math:`m = 0` (to leave the atom at 0); integer
  levels above.
* ``"residual"``: :math:`\delta_n = 0.5 - (2y_n-1)(e_A)_n \ge 0`, the distance of the DLM output to the
  wrong side of 0.5 (flat where :math:`e_A = 0`).
* ``"combined"``: the residual distance plus the ``"dead"`` distance divided by :math:`\sum_i\|w_i\|` (in [0, 1]).
* ``"none"``: :math:`\tau = 0`.

Only the order of :math:`S` within each value of :math:`m` matters to splitting (levels are empirical
quantiles), so the map :math:`1/(1+\cdot)` is immaterial.  Which distance is best was *measured*
(``scripts/v2_tie_breaker_study.py``: relative mean squared error and coverage over repeated runs at
20,000 evaluations, 8 runs per case).  On the family at :math:`N = 96` and :math:`128` (:math:`d_0d_1\ge N`,
reference: the pooled mean of 48 unbiased runs), ``"dead-max"`` covered 8/8 and 8/8 (relative MSE 0.045,
0.14), ``"dead"`` 5/8 and 8/8 (0.13, 0.048), ``"none"`` 7/8 and 8/8; under-parameterized ReLU at
:math:`d_0 = 2` (:math:`p = 4\times10^{-5}`, exact) ``"dead-start"`` reached the event in 3 of 12 runs, where
``"residual"`` is the one that gives the narrow regime a slope.  Few runs: these choose a default, they
do not rank the options finely.

Computing :math:`m` exactly and fast: one batched call of ``dlm_residual``'s certified path per batch of
:math:`W`, with :math:`X`'s precomputed data shared by every call.  For ReLU with :math:`d_0d_1\ge N` that
path removes the dead points exactly (a dead point :math:`n` has a zero row in :math:`M = (A\circ X)^\top`,
so :math:`e_n = y_n`, and the other coordinates of :math:`e_A` are the residual of :math:`y` on the other
points alone) and certifies that the live rows are independent (then :math:`e = 0` on them).  An earlier
version made that reduction here, one sample at a time on the live columns, which rebuilt :math:`X`'s data
per sample: 26 ms per evaluation at :math:`N = 512` against about 6 ms now (one core).
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import (
    MAX_WORK,
    as_generator,
    as_matrix,
    check_labels,
    check_memory,
    check_rho,
    check_work,
    open_unit,
    positive_int,
    power_of_two_scale,
    scaled_norm,
)
from .cones import check_no_zero_column
from .dead_points import DeadPointRun, dead_point_splitting
from .khatri_rao import dlm_residual_unchecked, pattern_unchecked
from .splitting import (
    INTERVAL_METHODS,
    SplittingBudget,
    SplittingResult,
    _as_budget,
    _population_bound,
    generalized_splitting,
)
from .stats import clopper_pearson

__all__ = [
    "V2_METHODS",
    "RareEventEstimate",
    "V2Score",
    "v2_event_probability",
    "misclassification_threshold",
    "TIE_BREAKERS",
    "V2_MAX_WORK",
]

#: Estimators of :func:`v2_event_probability`.
V2_METHODS = ("splitting", "dead-points", "mc")
#: Tie-breakers of :class:`V2Score` (see the module docstring).
TIE_BREAKERS = ("auto", "dead-start", "dead", "dead-max", "residual", "combined", "none")
_TAU_MAX = 1.0 - 1e-6
#: Default work cap of :func:`v2_event_probability`, in floating-point operations: 100 times
#: :data:`~vanishing_minima.numeric._checks.MAX_WORK` (about 80 minutes at 2e9 per second), because rare-event
#: runs are long by design: the audit's thorough T6 runs need up to 4.3e12 (dead points at N = 1024).
V2_MAX_WORK = 100 * MAX_WORK
#: Operations charged to every evaluation beside the product WX (patterns, counts, sorting, Python): below
#: every per-evaluation time measured (2.8 us at d0 x N = 6 x 12), so the estimate is a lower bound.
_EVALUATION_OVERHEAD = 4e3
#: Bytes per unit of a residual call's work arrays, :math:`Np + \min(N, p)^2 + 8d_1N` per sample
#: (:math:`p = d_0d_1`): three float64 copies, above the tracemalloc peaks measured at 12 sizes (2.25 copies at
#: d0 d1 = N, where the fallback solves run; 0.4 to 1.3 elsewhere).
_RESIDUAL_BYTES = 24.0


def misclassification_threshold(n: int, eps: float) -> int:
    r""":math:`m^*`: the smallest count :math:`m` with :math:`m/N > \epsilon` in floating point.

    The V2 event :math:`\mathrm{MCE} > \epsilon` is :math:`m \ge m^*`; :math:`m^* = \lfloor\epsilon N\rfloor + 1`
    up to the rounding of :math:`\epsilon N`, decided here exactly as ``numpy.mean(...) > eps`` does.

    Parameters
    ----------
    n : int
        Number of datapoints :math:`N`: an integer :math:`\ge 1`.
    eps : float
        The MCE threshold, in the open interval (0, 1).

    Returns
    -------
    int
        :math:`m^*`, the smallest :math:`m \ge 0` with ``m / n > eps``.

    Raises
    ------
    ValueError
        If ``n`` is not an integer >= 1, or ``eps`` is not a finite number in (0, 1) (NaN used to loop
        forever).
    """
    n = positive_int("N", n)
    eps = open_unit("eps", eps)
    m = max(0, math.floor(eps * n) - 1)
    while not m / n > eps:
        m += 1
    return m


class V2Score:
    r"""The splitting score :math:`S(W) = m(W) + \tau(W)` of the V2 event (module docstring), batched.

    Parameters
    ----------
    X : array_like, shape (d0, N)
    y : array_like, shape (N,), labels in {0, 1}
    d1 : int
    eps : float in (0, 1)
    rho : float, != 1
    tie_breaker : str
        One of :data:`TIE_BREAKERS`.

    Calling it on ``W`` of shape ``(B, d1, d0)`` returns ``(B,)`` scores; :meth:`details` also returns
    the misclassified points and the dead points (every pre-activation negative).  ``X`` is stored divided
    by the power of two above its largest entry (exact; the score does not depend on the scale of ``X``),
    so ``X`` of any finite scale gives the same scores; only an exactly zero column is refused.
    """

    def __init__(self, X, y, d1: int, eps: float, rho: float, tie_breaker: str = "auto"):
        self.X = as_matrix("X", X)
        self.y = check_labels(y, self.X.shape[1])
        self.d1 = positive_int("d1", d1)
        self.rho = check_rho(rho)
        if (
            isinstance(eps, (bool, np.bool_))
            or not isinstance(eps, numbers.Real)
            or not 0 < eps < 1
        ):
            raise ValueError(f"eps must lie in the open interval (0, 1); got {eps!r}")
        self.eps = float(eps)
        if tie_breaker not in TIE_BREAKERS:
            raise ValueError(f"tie_breaker must be one of {TIE_BREAKERS}; got {tie_breaker!r}")
        check_no_zero_column(self.X)
        # the event depends on X only up to its scale: one exact power of two keeps W X, the residual's
        # products and the norms below away from overflow and underflow, for X of any scale
        self.X = self.X / power_of_two_scale(self.X)
        self.d0, self.n = self.X.shape
        if tie_breaker == "auto":
            tie_breaker = "dead-max" if self.d0 * self.d1 >= self.n else "residual"
        self.tie_breaker = tie_breaker
        self.m_star = misclassification_threshold(self.n, self.eps)
        self.x_norm = scaled_norm(self.X, axis=0)
        self.label1 = self.y > 0.5
        # dead columns are dropped before the residual where dlm_residual's full-rank certificate applies

    @property
    def shape(self) -> tuple[int, int]:
        return (self.d1, self.d0)

    def residual(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(e_A, A, U)`` for a batch ``W`` of shape ``(B, d1, d0)``; ``U = W X``."""
        U = W @ self.X
        A = pattern_unchecked(U, self.rho)
        return dlm_residual_unchecked(A, self.X, self.y), A, U

    def details(self, W: np.ndarray) -> dict[str, np.ndarray]:
        """Scores and their parts: ``score``, ``m``, ``misclassified`` (B, N), ``dead`` (B, N), ``e``, ``A``."""
        W = np.asarray(W, dtype=float)
        if W.ndim != 3 or W.shape[1:] != self.shape:
            raise ValueError(f"W must have shape (B, {self.d1}, {self.d0}); got {W.shape}")
        e, A, U = self.residual(W)
        out = self.y - e
        mis = (out > 0.5) != self.label1
        m = mis.sum(axis=1)
        tau = self._tau(U, W, e, mis, m)
        return {
            "score": m + tau,
            "m": m,
            "misclassified": mis,
            "dead": np.all(U < 0, axis=1),
            "e": e,
            "A": A,
        }

    def __call__(self, W: np.ndarray) -> np.ndarray:
        return self.details(W)["score"]

    def _tau(
        self, U: np.ndarray, W: np.ndarray, e: np.ndarray, mis: np.ndarray, m: np.ndarray
    ) -> np.ndarray:
        B = U.shape[0]
        if self.tie_breaker == "none":
            return np.zeros(B)
        r = self.m_star - m
        if self.tie_breaker in ("dead", "dead-start", "dead-max", "combined"):
            wnorm = np.linalg.norm(W, axis=2).sum(axis=1)  # >= every dead distance below
            pos = np.maximum(U, 0.0) / self.x_norm
            dist = pos.max(axis=1) if self.tie_breaker == "dead-max" else pos.sum(axis=1)
            dead_d = np.where(self.label1, dist, wnorm[:, None])
        if self.tie_breaker == "residual":
            delta = 0.5 - np.where(self.label1, 1.0, -1.0) * e
        elif self.tie_breaker == "combined":
            delta = (
                0.5
                - np.where(self.label1, 1.0, -1.0) * e
                + dead_d / np.maximum(wnorm, 1e-300)[:, None]
            )
        else:
            delta = dead_d
        delta = np.where(mis, np.inf, np.maximum(delta, 0.0))
        k = int(np.clip(r.max(initial=0), 0, self.n))
        if k == 0:
            return np.zeros(B)
        smallest = np.sort(delta, axis=1)[:, :k]
        take = np.arange(k)[None, :] < r[:, None]
        with np.errstate(invalid="ignore"):
            total = np.where(take, smallest, 0.0).sum(axis=1)
        tau = _TAU_MAX / (1.0 + total)
        ok = (r > 0) & np.isfinite(total)
        if self.tie_breaker == "dead-start":
            ok &= m == 0
        return np.where(ok, tau, 0.0)


@dataclass(frozen=True)
class RareEventEstimate:
    r"""The V2 event probability with its interval (:func:`v2_event_probability`).

    Attributes
    ----------
    log_p : float
        Natural log of the estimate (``-inf`` when it is 0: plain Monte Carlo with no event, or every
        splitting repetition died out).
    log_p_interval : tuple of float
        Interval for :math:`\log p` at confidence ``level``.  ``mc``: the exact Clopper-Pearson interval,
        logged (lower end ``-inf`` when no event is seen).  ``splitting``: from the :math:`R` iid
        repetitions (asymptotic, see :mod:`~vanishing_minima.numeric.splitting`); :math:`(-\infty, \log u)`
        with an upper confidence end :math:`u` when not ``reached``.
    level : float
    evaluations : int
        Score evaluations (residuals of random first layers) used.
    method : str
        ``"splitting"`` or ``"mc"``.
    reached : bool
        Whether the estimate is of :math:`p` itself (always for ``mc``); ``False``: only the upper end
        of ``log_p_interval`` is informative (see ``note``).
    repetitions : int
        :math:`R` (``1`` for ``mc``).
    log_estimates : tuple of float
        Per-repetition :math:`\log\hat p_r` (``mc``: the single estimate).
    levels, conditional_probabilities : tuple of float
        The pilot's levels of :math:`S = m + \tau` and its fractions (empty for ``mc``).
    m_star : int
        The event is :math:`m \ge m^*` misclassified points.
    seconds : float
    hits, trials : int
        ``mc``: events and samples.  ``splitting``: samples at the last level and :math:`R n_0`.
    statistic_log_p, statistic_log_interval
        For ``event_statistic`` :math:`h`: :math:`\log` of the estimate of :math:`\mathbb E[h(W)1\{\text{V2}\}]`
        and its interval (``None`` without :math:`h`).
    samples : ndarray or None
        The event samples :math:`W` (``keep_samples``): for ``splitting`` the last level of every
        repetition, dependent and with repeats, with ``sample_log_weights`` (module
        :mod:`~vanishing_minima.numeric.splitting`); for ``mc`` the iid event samples (log weight
        :math:`-\log n`).
    sample_log_weights, sample_repetition : ndarray or None
    tie_breaker : str
    note : str
    details : SplittingResult or DeadPointRun or None
        The engine's full result (``splitting``, ``dead-points``).
    """

    log_p: float
    log_p_interval: tuple[float, float]
    level: float
    evaluations: int
    method: str
    reached: bool
    repetitions: int
    log_estimates: tuple[float, ...]
    levels: tuple[float, ...]
    conditional_probabilities: tuple[float, ...]
    m_star: int
    seconds: float
    hits: int
    trials: int
    statistic_log_p: float | None
    statistic_log_interval: tuple[float, float] | None
    samples: np.ndarray | None
    sample_log_weights: np.ndarray | None
    sample_repetition: np.ndarray | None
    tie_breaker: str
    note: str
    details: SplittingResult | DeadPointRun | None = None

    def contains(self, log_value: float) -> bool:
        """Whether ``log_value`` lies in ``log_p_interval``."""
        return self.log_p_interval[0] <= log_value <= self.log_p_interval[1]


def _statistic_wrapper(
    event_statistic: Callable, score: V2Score
) -> Callable[[np.ndarray], np.ndarray]:
    def h(W: np.ndarray) -> np.ndarray:
        A = pattern_unchecked(W @ score.X, score.rho)
        out = np.asarray(event_statistic(W, A), dtype=float)
        if out.shape != (W.shape[0],):
            raise ValueError(f"event_statistic must return shape ({W.shape[0]},); got {out.shape}")
        if np.any(~np.isfinite(out)) or np.any(out < 0) or np.any(out > 1):
            raise ValueError("event_statistic must return values in [0, 1]")
        return out

    return h


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _monte_carlo(
    score: V2Score,
    n: int,
    rng: np.random.Generator,
    level: float,
    batch: int,
    h: Callable | None,
    keep: bool,
) -> dict:
    """Plain Monte Carlo with the draws of sample_bad_region_event (one stream, in order)."""
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
    out = {
        "hits": hits,
        "log_p": _log(hits / n),
        "interval": (_log(lo), _log(hi)),
        "samples": np.concatenate(kept)
        if kept
        else (np.empty((0, score.d1, score.d0)) if keep else None),
    }
    if h is not None:
        slo, shi = clopper_pearson(h_draws, n, 1 - level)
        out["stat"] = (_log(h_sum / n), (_log(slo), _log(shi)))
    return out


def _dead_points(
    score: V2Score,
    rng,
    budget,
    level: float,
    interval: str,
    h: Callable | None,
    keep_samples: bool,
    batch: int | None,
    t0: float,
    max_memory: float | None = None,
) -> RareEventEstimate:
    """``method="dead-points"``: checks its domain and wraps :func:`dead_points.dead_point_splitting`."""
    if score.rho != 0:
        raise ValueError(
            f"method='dead-points' needs ReLU (rho = 0: dead points exist only there); got rho = {score.rho}"
        )
    if score.d0 * score.d1 < score.n:
        raise ValueError(
            f"method='dead-points' needs d0 * d1 >= N (K3 cannot certify the live columns otherwise); got "
            f"d0 * d1 = {score.d0 * score.d1} < N = {score.n}; use method='splitting'"
        )
    if score.d1 > 62:
        raise ValueError(f"method='dead-points' needs d1 <= 62; got {score.d1}")
    run = dead_point_splitting(
        score.X,
        score.y,
        score.d1,
        score.m_star,
        rng=rng,
        budget=budget,
        level=level,
        interval=interval,
        statistic=h,
        keep_samples=keep_samples,
        batch=batch,
        max_memory=max_memory,
    )
    reached = bool(np.any(np.isfinite(run.log_estimates)))
    return RareEventEstimate(
        run.log_p,
        run.log_p_interval,
        run.level,
        run.evaluations,
        "dead-points",
        reached,
        run.repetitions,
        run.log_estimates,
        tuple(float(k) for k in range(1, score.m_star + 1))[: len(run.level_fractions)],
        run.level_fractions,
        score.m_star,
        time.perf_counter() - t0,
        int(sum(run.final_counts)),
        run.trials,
        run.statistic_log,
        run.statistic_log_interval,
        run.samples,
        run.sample_log_weights,
        run.sample_repetition,
        "none",
        run.note,
        run,
    )


def _check_budget(score: V2Score, method: str, budget, batch: int, max_work, max_memory) -> int:
    """Validate ``budget`` and refuse, before any sampling, one whose evaluations would take more than
    ``max_work`` (default :data:`V2_MAX_WORK`) or, for ``"mc"`` and ``"splitting"``, whose population and
    ``batch`` samples' residual work arrays would hold more than ``max_memory``; returns the evaluations
    the budget allows (the dead-point engine checks its own memory)."""
    if isinstance(budget, SplittingBudget):
        if method == "mc" and budget.evaluations is None:
            raise ValueError("budget for method='mc' must give evaluations (the number of samples)")
        moves, evaluations = budget.moves_per_step, budget.evaluations
        if evaluations is None:  # no maximum: the least the repetitions cost
            per = 1 + (score.m_star - 1) * (moves + 1) if method == "dead-points" else 1
            evaluations = budget.repetitions * budget.n0 * per
    elif (
        isinstance(budget, (bool, np.bool_))
        or not isinstance(budget, (numbers.Integral, np.integer))
        or budget < 1
    ):
        raise ValueError(
            "budget must be a positive integer (maximum score evaluations; the number of samples for "
            f"method='mc') or a SplittingBudget; got {budget!r}"
        )
    else:
        moves, evaluations = 2 * score.d1, int(budget)
    d0, d1, n = score.d0, score.d1, score.n
    if method == "dead-points":  # a row move (2 d0 N) per move, a count (WX) per level
        flops = (moves * 2.0 * d0 * n + 2.0 * d1 * d0 * n) / (moves + 1)
    else:  # WX; the certified residual's solve, where needed, comes on top
        flops = 2.0 * d1 * d0 * n
    check_work(
        f"v2_event_probability(method={method!r}) with budget = {evaluations} evaluations at "
        f"d1 x d0 x N = {d1} x {d0} x {n} (at least {flops + _EVALUATION_OVERHEAD:.2g} operations each)",
        evaluations * (flops + _EVALUATION_OVERHEAD),
        V2_MAX_WORK if max_work is None else max_work,
    )
    if method != "dead-points":
        p = d0 * d1
        held = 0 if method == "mc" else _population_bound(_as_budget(budget))
        check_memory(
            f"v2_event_probability(method={method!r}) with budget = {evaluations} and batch = {batch} at "
            f"d1 x d0 x N = {d1} x {d0} x {n} ({min(batch, evaluations)} samples per residual call"
            + (f", up to {held} samples held)" if held else ")"),
            16.0 * held * p
            + _RESIDUAL_BYTES * min(batch, evaluations) * (n * p + min(n, p) ** 2 + 8 * d1 * n),
            max_memory,
        )
    return evaluations


def v2_event_probability(
    X,
    y,
    d1: int,
    *,
    eps: float,
    rho: float = 0.0,
    rng,
    method: str = "splitting",
    budget: int | SplittingBudget = 100_000,
    level: float = 0.95,
    tie_breaker: str = "auto",
    block_axis: int | None = 0,
    event_statistic: Callable | None = None,
    keep_samples: bool = False,
    batch: int | None = None,
    interval: str | None = None,
    max_work: float | None = None,
    max_memory: float | None = None,
) -> RareEventEstimate:
    r"""Estimate :math:`p = \mathbb P_{W\sim\mathcal N}(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)` at fixed
    :math:`X`, with an interval for :math:`\log p`.

    Methods
    -------
    ``"splitting"`` (default): generalized splitting (Botev & Kroese 2012;
    :func:`~vanishing_minima.numeric.splitting.generalized_splitting`) on the score
    :math:`S = m + \tau` of :class:`V2Score`, threshold :math:`m^*`, with pCN moves of one random row of
    :math:`W` (one neuron) at a time (``block_axis=0``).  Chosen because the event is a union of
    thin regions of :math:`W`-space (:math:`e^{-5}` to :math:`e^{-50}` along the audit's family) reached
    through a chain of less rare ones (one more dead or misclassified point at a time), which is what
    splitting exploits; it needs no likelihood ratio (importance sampling would need a proposal for a
    union of polyhedral cones of unknown shape) and its only requirement for unbiasedness is a kernel
    that leaves :math:`\mathcal N(0,I)` restricted to each level set invariant, which pCN with rejection does
    exactly.  Guarantees: for the fixed levels of the independent pilot each repetition is an unbiased
    estimate of :math:`p` (zeros included); the interval is the ``interval`` method over the :math:`R`
    iid repetitions, asymptotic in :math:`R` (central limit theorem), with coverage measured in the tests
    (it under-covers when the repetitions are too small: see the README's measurement).
    ``"dead-points"``: fixed-effort splitting over the integer levels :math:`m\ge1,\dots,m^*` with exact
    elliptical moves of one neuron at a time (:mod:`~vanishing_minima.numeric.dead_points`).  For ReLU
    (:math:`\rho = 0`) with :math:`d_0d_1\ge N` and :math:`X` in general position (e.g. drawn from a density:
    K3 is used for every pattern at once), where the event is carried by dead points; :math:`m` stays exact
    (the residual is computed wherever K3 does not certify it).  Unbiased for every population (no pilot,
    no extinction of the kind splitting factors cause); the interval is the same as for ``"splitting"``.
    ``budget`` fixes the population (``SplittingBudget``: ``repetitions``, ``n0`` and ``moves_per_step``,
    the moves per level, are used).  Reaches :math:`p\approx e^{-100}` at :math:`N = 512` (README).
    ``"mc"``: plain Monte Carlo with ``budget`` samples (the draws of
    :func:`~vanishing_minima.numeric.sample_bad_region_event`) and the exact Clopper-Pearson interval at
    error rate ``1 - level``; with no event, ``log_p = -inf`` and the interval is
    :math:`(-\infty, \log u)`, :math:`u` the exact upper end.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data, real and finite, with no zero column.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width: an integer ``>= 1``.
    eps : float
        The MCE threshold, a real number in the open interval (0, 1).
    rho : float
        LReLU slope: a finite real number, ``!= 1`` (0: ReLU).
    rng : numpy.random.Generator or int
        The random generator or an integer seed; ``None`` is refused.
    method : {"splitting", "dead-points", "mc"}
        The estimator, as described above.
    budget : int or SplittingBudget
        Maximum number of score evaluations, an integer ``>= 1`` (``mc``: the number of samples); see
        :class:`~vanishing_minima.numeric.splitting.SplittingBudget` for the detailed form (for ``mc`` it
        must give ``evaluations``).
    level : float
        Confidence level, a real number in the open interval (0.5, 1).
    tie_breaker : str
        One of :data:`TIE_BREAKERS`; the default ``"auto"`` (``"dead-max"`` if :math:`d_0d_1\ge N`, else
        ``"residual"``) was chosen by measurement (module docstring).
    block_axis : int or None
        ``0``: move one neuron per kernel application; ``1``: one input coordinate; ``None``: move all of
        :math:`W` (``splitting`` only).
    event_statistic : callable, optional
        ``h(W_batch, A_batch) -> (B,)`` values in [0, 1] (e.g. whether the region of :math:`W` holds a
        DLM); the result then also estimates :math:`\mathbb P(\text{V2 event and } h)`
        (:math:`\mathbb E[h1\{\text{V2}\}]`) from the same runs, with its interval.  For ``mc`` the point
        estimate is the mean of :math:`h1\{\text{V2}\}` and the interval is Clopper-Pearson on
        Bernoulli(:math:`h`) draws, exact.  It must return one finite value in [0, 1] per sample.
    keep_samples : bool
        Return the event samples (``samples``).
    batch : int, optional
        Samples per residual call, an integer ``>= 1`` (memory; the numbers do not depend on it).
    interval : str, optional
        Interval method for ``splitting`` and ``dead-points``, one of
        :data:`~vanishing_minima.numeric.splitting.INTERVAL_METHODS`.  Default: ``"log-t"`` for ``splitting``
        (its repetitions can be 0 and heavy-tailed), ``"lognormal"`` for ``dead-points`` (the log of a product
        of many level fractions; measured coverage at level 0.95 on the family: README).
    max_work : float, optional
        Work cap, a finite number > 0 (default :data:`V2_MAX_WORK`, 1e13): the call is refused before any
        sampling when the budget's evaluations (for a ``SplittingBudget`` without ``evaluations``, the least
        its repetitions make) times the operations of one evaluation exceed it.  One evaluation is counted
        as the product :math:`WX` (:math:`2d_1d_0N`; for ``"dead-points"`` mostly row moves,
        :math:`2d_0N`) plus a fixed 4e3: a lower bound on the operations (the certified residual's
        solve comes on top); the message converts it to seconds at 2e9 operations per second.
    max_memory : float, optional
        Memory cap in bytes, a finite number > 0 (default
        :data:`~vanishing_minima.numeric._checks.MAX_MEMORY`, 2 GiB): refused before any sampling when
        the estimated peak exceeds it: for ``"mc"`` and ``"splitting"``, ``batch`` samples' residual work
        arrays (:math:`24(Np + \min(N, p)^2 + 8d_1N)` bytes each, :math:`p = d_0d_1`) plus, for
        ``"splitting"``, two float64 copies of the population the budget allows (up to ``evaluations``
        samples, see :func:`~vanishing_minima.numeric.splitting.generalized_splitting`); for
        ``"dead-points"``, four copies of its ``R * n`` particles with their :math:`WX` and a batch's
        work arrays.  An estimate: measured peaks (tracemalloc) were 0.2 to 1.3 times it (the most at
        :math:`d_0d_1 = N`, where the residual's fallback solves run).

    Returns
    -------
    RareEventEstimate
        :math:`\log \hat p`, its interval at ``level``, the cost and the run's diagnostics (and the
        statistic's estimate when ``event_statistic`` is given).

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, ``rho`` is not a real number, ``rng`` is not a
        generator or an integer seed, or ``event_statistic`` is not callable.
    ValueError
        ``eps`` outside (0, 1), ``y`` not binary or of the wrong length, ``d1`` or ``batch`` not an integer
        ``>= 1``, ``X`` not 2-D, empty, with NaN or inf or with a zero column, ``rho`` not finite or ``= 1``,
        an unknown ``tie_breaker``, ``method`` or ``interval``, ``level`` outside (0.5, 1), a budget that is
        not a positive integer or a valid :class:`~vanishing_minima.numeric.splitting.SplittingBudget` or
        cannot pay for the pilot, a budget whose work exceeds ``max_work`` or whose population (or a
        ``batch`` whose work arrays) would exceed ``max_memory``, ``max_work`` or ``max_memory`` not a
        finite number > 0, a ``block_axis`` that is not an axis of :math:`W`, or an
        ``event_statistic`` that returns the wrong shape or values outside [0, 1]; for ``"dead-points"``
        also ``rho != 0``, ``d0 * d1 < N`` or ``d1 > 62``.
    """
    t0 = time.perf_counter()
    score = V2Score(X, y, d1, eps, rho, tie_breaker)
    if method not in V2_METHODS:
        raise ValueError(f"method must be one of {V2_METHODS}; got {method!r}")
    if (
        isinstance(level, (bool, np.bool_))
        or not isinstance(level, numbers.Real)
        or not 0.5 < level < 1
    ):
        raise ValueError(f"level must lie in the open interval (0.5, 1); got {level!r}")
    user_batch = None if batch is None else positive_int("batch", batch)
    if batch is None:  # the residual's default; the dead-point engine sizes its own
        batch = max(1, min(1024, (1 << 20) // (score.n * (score.d0 * score.d1 + 1))))
    else:
        batch = user_batch
    h = None if event_statistic is None else _statistic_wrapper(event_statistic, score)
    if event_statistic is not None and not callable(event_statistic):
        raise TypeError("event_statistic must be callable")
    if interval is None:
        interval = "lognormal" if method == "dead-points" else "log-t"
    n = _check_budget(score, method, budget, batch, max_work, max_memory)
    if method == "dead-points":
        if interval not in INTERVAL_METHODS:
            raise ValueError(f"interval must be one of {INTERVAL_METHODS}; got {interval!r}")
        return _dead_points(
            score, rng, budget, level, interval, h, keep_samples, user_batch, t0, max_memory
        )
    if method == "mc":
        rng = as_generator(rng)
        mc = _monte_carlo(score, n, rng, level, batch, h, keep_samples)
        note = (
            f"plain Monte Carlo: {mc['hits']} events in {n} samples; exact Clopper-Pearson interval at error rate "
            f"{1 - level:g}"
            + (
                "; no event seen: log_p = -inf, only the upper end is informative"
                if not mc["hits"]
                else ""
            )
        )
        samples = mc["samples"]
        stat = mc.get("stat")
        return RareEventEstimate(
            mc["log_p"],
            mc["interval"],
            float(level),
            n,
            "mc",
            True,
            1,
            (mc["log_p"],),
            (),
            (),
            score.m_star,
            time.perf_counter() - t0,
            mc["hits"],
            n,
            stat[0] if stat else None,
            stat[1] if stat else None,
            samples,
            None if samples is None else np.full(samples.shape[0], -math.log(n)),
            None if samples is None else np.zeros(samples.shape[0], dtype=np.int64),
            score.tie_breaker,
            note,
        )
    res = generalized_splitting(
        score,
        score.shape,
        float(score.m_star),
        rng=rng,
        budget=budget,
        level=level,
        block_axis=block_axis,
        statistic=h,
        keep_samples=keep_samples,
        batch=batch,
        interval=interval,
        max_memory=max_memory,
    )
    hits = int(sum(res.final_counts))
    return RareEventEstimate(
        res.log_p,
        res.log_p_interval,
        res.level,
        res.evaluations,
        "splitting",
        res.reached,
        res.repetitions,
        res.log_estimates,
        res.plan.levels,
        res.plan.conditional_probabilities,
        score.m_star,
        time.perf_counter() - t0,
        hits,
        res.repetitions * res.n0,
        res.statistic_log,
        res.statistic_log_interval,
        res.samples,
        res.sample_log_weights,
        res.sample_repetition,
        score.tie_breaker,
        res.note,
        res,
    )
