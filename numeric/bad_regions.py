r"""The bad-region volume :math:`V(L_\epsilon)` itself at fixed data, not only its V2 upper bound.

For fixed :math:`(X, y)`, :math:`W\sim\mathcal N(0, I)` and :math:`A = a(WX)`, the region
:math:`\mathcal D_A(X)` is in :math:`L_\epsilon` (D4) iff it holds a DLM and the DLMs' common residual
:math:`e_A` (K5, Lemma 2) has :math:`\mathrm{MCE} > \epsilon` (then :math:`e_A \ne 0` and the DLM is
sub-optimal).  The second condition is the V2 event, so

.. math:: V(L_\epsilon) = \mathbb P_W(\text{V2 event}) \cdot q,
          \qquad q = \mathbb P_W\big(\mathcal D_{a(WX)} \text{ holds a DLM} \mid \text{V2 event}\big).

:func:`bad_region_probability` estimates :math:`\mathbb P(\text{V2})` with
:func:`~vanishing_minima.numeric.rare_events.v2_event_probability` and decides DLM existence (K6,
:func:`~vanishing_minima.numeric.regions.dlm_in_region` with its exact sign test) on the samples that reach
the event, once per distinct region.

Two figures for :math:`q`:

* ``q``: the weighted fraction of the event samples whose region holds a DLM (splitting's sample weights;
  for ``mc`` the plain fraction), a consistent ratio estimate.
* ``q_upper``: a one-sided Clopper-Pearson bound from *independent units*.  ``mc``: every event sample is
  an iid draw of :math:`W` given the event, so the bound is exact.  ``splitting`` (and ``dead-points``,
  whose final particles are all event samples): one sample per
  repetition that reached the event, picked uniformly among its final samples (repetitions are
  independent).  Each final-level sample of generalized splitting is marginally distributed as :math:`W`
  given the event (fixed levels from an independent pilot, kernels that leave the conditional laws
  invariant); the uniform pick within a repetition adds a selection effect that this statement does not
  cover, so for these two the bound is approximate, and labelled so in ``note``.

Then :math:`V(L_\epsilon) \le p_{\text{upper}}\, q_{\text{upper}}`, each end at error :math:`(1-\text{level})/2`
(union bound).  A region whose sign test leaves more than ``max_lps`` LPs is *undecided* and counted as
holding a DLM: the upper bounds stay valid.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ._checks import MarginWarning, as_generator, positive_int, power_of_two_scale
from .khatri_rao import activation_pattern
from .rare_events import RareEventEstimate, v2_event_probability
from .regions import MAX_D1_SIGN_CHOICES, MAX_SIGN_LPS, dlm_in_region
from .stats import clopper_pearson

__all__ = ["BadRegionEstimate", "bad_region_probability", "MAX_DECIDED_REGIONS"]

#: Default cap on the distinct event regions :func:`bad_region_probability` decides (each costs the K6 LPs).
MAX_DECIDED_REGIONS = 5000


@dataclass(frozen=True)
class BadRegionEstimate:
    r""":math:`V(L_\epsilon)` at fixed data beside its V2 bound (:func:`bad_region_probability`).

    Attributes
    ----------
    v2 : RareEventEstimate
        The V2 event's estimate (with its samples).
    regions : int
        Distinct regions among the event samples, each decided by K6.
    with_dlm : int
        Of those, the regions that hold a DLM (undecided ones included).
    undecided : int
        Regions whose sign test left more than ``max_lps`` LPs (counted as holding a DLM).
    margin_warnings : int
        Decisions that depended on the LP margin (a :class:`~vanishing_minima.numeric._checks.MarginWarning`).
    units, unit_hits : int
        Independent units for ``q_upper`` and how many of them hold a DLM (module docstring).
    q : float
        Weighted fraction of the event samples whose region holds a DLM (``nan`` without event samples).
    q_upper : float
        One-sided Clopper-Pearson upper bound on :math:`q` at error :math:`(1-\text{level})/2` from the
        units (1 without units).
    log_v : float
        :math:`\log(\hat p\,\hat q)`, the estimate of :math:`\log V(L_\epsilon)` (``-inf`` when
        :math:`\hat q = 0` or :math:`\hat p = 0`).
    log_v_upper : float
        :math:`\log p_{\text{upper}} + \log q_{\text{upper}}`: an upper confidence bound on
        :math:`\log V(L_\epsilon)` at ``level`` (approximate for ``splitting``, see ``note``).
    level : float
    exact_units : bool
        True for ``mc`` (iid units: ``q_upper`` is exact).
    seconds : float
        Time of the K6 decisions (the V2 run's time is ``v2.seconds``).
    note : str
    """

    v2: RareEventEstimate
    regions: int
    with_dlm: int
    undecided: int
    margin_warnings: int
    units: int
    unit_hits: int
    q: float
    q_upper: float
    log_v: float
    log_v_upper: float
    level: float
    exact_units: bool
    seconds: float
    note: str


def _decide(W: np.ndarray, X: np.ndarray, y: np.ndarray, rho: float, max_lps: int, cap: int):
    """Per sample: 1 if its region holds a DLM (or is undecided), else 0; with the region counts."""
    A = activation_pattern(W, X, rho)
    keys, inverse = np.unique(A.reshape(A.shape[0], -1), axis=0, return_inverse=True)
    if keys.shape[0] > cap:
        raise ValueError(
            f"the event samples span {keys.shape[0]} distinct regions, more than max_regions = {cap}"
        )
    holds = np.zeros(keys.shape[0])
    undecided = thin = 0
    for k, key in enumerate(keys):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MarginWarning)
            try:
                holds[k] = (
                    dlm_in_region(key.reshape(A.shape[1:]), X, y, max_lps=max_lps) is not None
                )
            except ValueError as err:
                if "max_lps" not in str(err):
                    raise
                holds[k], undecided = 1.0, undecided + 1
        thin += any(issubclass(w.category, MarginWarning) for w in caught)
    return holds[inverse.ravel()], keys.shape[0], int(holds.sum()), undecided, thin


def bad_region_probability(
    X,
    y,
    d1: int,
    *,
    eps: float,
    rho: float = 0.0,
    rng,
    method: str = "splitting",
    budget=100_000,
    level: float = 0.95,
    max_lps: int = MAX_SIGN_LPS,
    max_regions: int = MAX_DECIDED_REGIONS,
    decide: str = "all",
) -> BadRegionEstimate:
    r"""Estimate :math:`V(L_\epsilon)` at fixed :math:`X`: the V2 event's probability times the probability that
    an event region holds a DLM (module docstring), with an upper confidence bound.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data, real and finite, with no zero column.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width: an integer between 1 and :data:`~vanishing_minima.numeric.regions.MAX_D1_SIGN_CHOICES`.
    eps : float
        The MCE threshold, in the open interval (0, 1).
    rho : float
        LReLU slope: a finite real number, ``!= 1`` (0: ReLU).
    rng : numpy.random.Generator or int
        The random generator or an integer seed; ``None`` is refused.
    method : {"splitting", "dead-points", "mc"}
        The V2 estimator (:func:`~vanishing_minima.numeric.rare_events.v2_event_probability`).
    budget : int or SplittingBudget
        Score evaluations of the V2 run, as in
        :func:`~vanishing_minima.numeric.rare_events.v2_event_probability`.
    level : float
        Confidence level of the upper bound, in the open interval (0.5, 1); the V2 run's interval is at the
        same level (its upper end is one-sided at error :math:`(1-\text{level})/2`).
    max_lps : int
        Sign LPs allowed per region, an integer :math:`\ge 1` (more: the region is undecided).
    max_regions : int
        Distinct event regions that may be decided, an integer :math:`\ge 1` (bounds the work).  ``mc``
        decides the first ``max_regions`` event samples (an iid subset) and says so in ``note``.
    decide : {"all", "units"}
        ``"all"``: every distinct event region (``q`` weighted over all event samples).  ``"units"``: for
        ``splitting``, only the one sample per repetition that ``q_upper`` uses (``q`` is then their
        plain fraction; at most :math:`R` decisions, for budgets with no time for more); the same as
        ``"all"`` for ``mc``.

    Returns
    -------
    BadRegionEstimate
        The V2 estimate, the K6 decisions and the estimates of :math:`q` and :math:`V(L_\epsilon)`.

    Raises
    ------
    TypeError
        As :func:`~vanishing_minima.numeric.rare_events.v2_event_probability` (arrays, ``rho``, ``rng``).
    ValueError
        As :func:`~vanishing_minima.numeric.rare_events.v2_event_probability` (``eps``, labels, shapes,
        ``d1``, ``level``, ``budget``, ``method``); ``d1`` above the K6 enumeration limit; ``max_lps`` or
        ``max_regions`` not an integer :math:`\ge 1`; for ``splitting``, more distinct event regions than
        ``max_regions``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 8))
    >>> y = np.array([0.0, 1.0] * 4)
    >>> est = bad_region_probability(X, y, 2, eps=0.2, rng=1, method="mc", budget=2000)
    >>> est.v2.hits >= est.regions >= est.with_dlm >= 0, est.exact_units
    (True, True)
    """
    if decide not in ("all", "units"):
        raise ValueError(f"decide must be 'all' or 'units'; got {decide!r}")
    max_lps = positive_int("max_lps", max_lps)
    max_regions = positive_int("max_regions", max_regions)
    d1 = positive_int("d1", d1)
    if d1 > MAX_D1_SIGN_CHOICES:
        raise ValueError(
            f"d1 must be <= {MAX_D1_SIGN_CHOICES}: K6's sign test enumerates 3^d1 choices; got d1 = {d1}"
        )
    rng = as_generator(rng)
    v2 = v2_event_probability(
        X, y, d1, eps=eps, rho=rho, rng=rng, method=method, budget=budget, level=level,
        keep_samples=True,
    )  # fmt: skip
    t0 = time.perf_counter()
    X = np.asarray(X, dtype=float)
    X = X / power_of_two_scale(X)  # exact: the K6 decisions depend on X only up to its scale
    y = np.asarray(y, dtype=float)
    rho = float(rho)
    W = v2.samples
    if method == "splitting" and W is not None and W.shape[0]:
        event = v2.details.sample_scores >= v2.m_star
        W, log_w, rep = W[event], v2.sample_log_weights[event], v2.sample_repetition[event]
    elif method == "dead-points" and W is not None:  # every final particle is an event sample
        log_w, rep = v2.sample_log_weights, v2.sample_repetition
    elif (
        W is not None
    ):  # mc: iid event samples in draw order; the first max_regions are an iid subset
        W = W[:max_regions]
        log_w, rep = v2.sample_log_weights[: W.shape[0]], v2.sample_repetition[: W.shape[0]]
    alpha = 1 - level  # two-sided Clopper-Pearson at 1 - level: each end at (1 - level) / 2
    if W is None or W.shape[0] == 0:
        note = "no event sample: q is not estimated; the bound on V(L_eps) is the V2 bound"
        return BadRegionEstimate(
            v2, 0, 0, 0, 0, 0, 0, float("nan"), 1.0, -math.inf, v2.log_p_interval[1], float(level),
            method == "mc", time.perf_counter() - t0, note,
        )  # fmt: skip
    picks = (
        np.arange(W.shape[0])
        if method == "mc"
        else np.array([rng.choice(np.flatnonzero(rep == r)) for r in np.unique(rep)])
    )
    if decide == "units" and method != "mc":
        W, log_w = W[picks], np.zeros(picks.size)  # q: the plain fraction of the units
        picks = np.arange(picks.size)
    h, regions, with_dlm, undecided, thin = _decide(W, X, y, rho, max_lps, max_regions)
    weights = np.exp(log_w - np.max(log_w))
    q = float(np.sum(weights * h) / np.sum(weights))
    units, unit_hits = int(picks.size), int(h[picks].sum())
    q_upper = clopper_pearson(unit_hits, units, alpha)[1]
    log_v = v2.log_p + math.log(q) if q > 0 else -math.inf
    log_v_upper = v2.log_p_interval[1] + (math.log(q_upper) if q_upper > 0 else -math.inf)
    note = (
        f"K6 on {regions} distinct event regions ({W.shape[0]} samples"
        + (", one per repetition" if decide == "units" and method != "mc" else "")
        + (f" of {v2.hits}" if W.shape[0] < v2.hits and method == "mc" else "")
        + f"): {with_dlm} hold a DLM"
        + (f" ({undecided} undecided, counted as holding one)" if undecided else "")
        + (f"; {thin} decisions depended on the LP margin" if thin else "")
        + f"; q_upper from {units} "
        + (
            "iid event samples (exact)"
            if method == "mc"
            else "repetitions, one final sample each (approximate: within-repetition selection)"
        )
        + f", one-sided at error {alpha / 2:g}; V(L_eps) <= p_upper q_upper at level {level:g} (union bound)"
    )
    return BadRegionEstimate(
        v2, regions, with_dlm, undecided, thin, units, unit_hits, q, q_upper, log_v, log_v_upper,
        float(level), method == "mc", time.perf_counter() - t0, note,
    )  # fmt: skip
