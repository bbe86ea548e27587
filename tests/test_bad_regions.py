"""V(L_eps) at fixed data from the V2 event's samples (numeric/bad_regions.py).

The reference is independent of the estimator: exact_volumes_in_the_plane sums the exact angular volumes
of every region at d0 = 2 (arcs of the circle, no sampling), which gives V(L_eps) and P(V2) exactly, so
q = V(L_eps) / P(V2) is known.  Error rates: each Monte Carlo statement below fails by chance with
probability <= 1e-3 (the declared level 0.999) or, for the 5-sigma tolerance, below 1e-6.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from vanishing_minima.numeric import (
    bad_region_probability,
    exact_volumes_in_the_plane,
)

LEVEL = 0.999


def _case(seed: int, n: int = 6, d1: int = 2, eps: float = 0.1, rho: float = 0.0):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((2, n)), rng.integers(0, 2, n).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = exact_volumes_in_the_plane(X, y, d1, eps, rho)
    return X, y, exact


@pytest.mark.parametrize("case_seed,rho", [(1, 0.0), (5, 0.3), (0, 0.0)])
def test_mc_estimate_of_q_and_bound_on_v_match_the_exact_plane(case_seed, rho, seed):
    X, y, exact = _case(case_seed, rho=rho)
    q_exact = exact.bad / exact.v2_event
    est = bad_region_probability(
        X, y, 2, eps=0.1, rho=rho, rng=seed, method="mc", budget=3000, level=LEVEL
    )
    assert est.exact_units and est.units == est.v2.hits
    assert math.log(exact.bad) <= est.log_v_upper
    assert q_exact <= est.q_upper
    assert abs(est.q - q_exact) <= 5 * math.sqrt(q_exact * (1 - q_exact) / est.units)
    assert est.log_v == pytest.approx(est.v2.log_p + math.log(est.q))


def test_splitting_estimate_of_q_matches_the_exact_plane(seed):
    X, y, exact = _case(1)
    q_exact = exact.bad / exact.v2_event
    est = bad_region_probability(X, y, 2, eps=0.1, rng=seed, budget=6000, level=LEVEL)
    assert est.v2.method == "splitting" and not est.exact_units
    assert 1 <= est.units <= est.v2.repetitions
    assert math.log(exact.bad) <= est.log_v_upper
    assert abs(est.q - q_exact) <= 0.15  # a ratio estimate from dependent samples: loose on purpose


def test_a_broken_decision_is_noticed(monkeypatch, seed):
    """If K6 always said "no DLM", the bound would fall below the exact V(L_eps)."""
    from vanishing_minima.numeric import bad_regions

    X, y, exact = _case(1)
    monkeypatch.setattr(bad_regions, "dlm_in_region", lambda *a, **k: None)
    est = bad_region_probability(X, y, 2, eps=0.1, rng=seed, method="mc", budget=3000, level=LEVEL)
    assert est.with_dlm == 0 and math.log(exact.bad) > est.log_v_upper


def test_undecided_regions_count_as_holding_a_dlm(seed):
    X, y, _ = _case(1)
    est = bad_region_probability(
        X, y, 2, eps=0.1, rng=seed, method="mc", budget=500, level=LEVEL, max_lps=1
    )
    assert est.undecided >= 1 and est.with_dlm >= est.undecided
    assert "undecided" in est.note


def test_mc_decides_at_most_max_regions_samples(seed):
    X, y, _ = _case(1)
    est = bad_region_probability(
        X, y, 2, eps=0.1, rng=seed, method="mc", budget=2000, max_regions=50
    )
    assert est.units == 50 < est.v2.hits and f"50 samples of {est.v2.hits}" in est.note


def test_no_event_gives_the_v2_bound_and_no_q(seed):
    X, y, _ = _case(1)
    est = bad_region_probability(X, y, 2, eps=0.9, rng=seed, method="mc", budget=200)
    assert est.v2.hits == 0 and est.units == 0 and math.isnan(est.q)
    assert est.log_v == -math.inf and est.log_v_upper == est.v2.log_p_interval[1] < 0


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(max_lps=0), "max_lps"),
        (dict(max_regions=0), "max_regions"),
        (dict(eps=1.0), "eps"),
        (dict(level=0.3), "level"),
    ],
)
def test_bad_arguments_are_refused(kwargs, needle):
    X, y, _ = _case(1)
    args = dict(eps=0.1, rng=0, method="mc", budget=10) | kwargs
    with pytest.raises(ValueError, match=needle):
        bad_region_probability(X, y, 2, **args)


def test_width_above_the_enumeration_limit_is_refused():
    X, y, _ = _case(1)
    with pytest.raises(ValueError, match="d1 must be <= 10"):
        bad_region_probability(X, y, 11, eps=0.1, rng=0, method="mc", budget=10)


def test_deciding_only_the_units_gives_the_same_bound(seed):
    """decide="units" decides the one sample per repetition q_upper uses: same units, same bound."""
    X, y, exact = _case(1)
    full = bad_region_probability(X, y, 2, eps=0.1, rng=seed, budget=6000, level=LEVEL)
    units = bad_region_probability(
        X, y, 2, eps=0.1, rng=seed, budget=6000, level=LEVEL, decide="units"
    )
    assert (units.units, units.unit_hits, units.q_upper) == (
        full.units,
        full.unit_hits,
        full.q_upper,
    )
    assert units.log_v_upper == full.log_v_upper and units.regions <= units.units
    assert math.log(exact.bad) <= units.log_v_upper
    with pytest.raises(ValueError, match="decide"):
        bad_region_probability(X, y, 2, eps=0.1, rng=seed, budget=100, decide="some")
