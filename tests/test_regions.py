"""Regions (D1, K6, V1, V2) against exact answers: d0 = 2 arcs, brute force on 0- and 1-dimensional
solution sets, Cover's count, and the reference loop for the V2 sampler."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg
from anchors import bad_volume_one_neuron_by_hand
from hypothesis import given
from hypothesis import strategies as st
from strategies import data_matrices, matrices

from vanishing_minima import numeric as nm
from vanishing_minima.numeric import (
    activation_pattern,
    admissible_sign_choices,
    angular_volume,
    arc_probability,
    clopper_pearson,
    cone_log_probability,
    cone_margin,
    dlm_in_region,
    dlm_residual,
    exact_volumes_in_the_plane,
    khatri_rao,
    pattern_signs,
    plane_row_patterns,
    region_contains_dlm,
    region_contains_global_minimum,
    region_is_nonempty,
    region_log_volume,
    region_log_volume_lower_bound,
    sample_bad_region_event,
    sample_bad_region_event_loop,
    sample_global_minimum_event,
    sample_in_cap,
)
from vanishing_minima.numeric.cones import DEFAULT_MARGIN
from vanishing_minima.numeric.gaussian import cap_probability, log_cap_probability
from vanishing_minima.theory.bounds import cover_count

seeds = st.integers(0, 2**32 - 1)


@st.composite
def cone_cases(draw):
    """(X, signs): any X in R^(2 x N) without a zero column, each column scaled by its own 10^k
    (k in [-8, 8]), and any signs."""
    n = draw(st.integers(2, 8))
    X = draw(data_matrices(2, n)) * 10.0 ** np.array(
        draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n))
    )
    return X, np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))


@given(cone_cases())
def test_lp_decides_cones_like_the_exact_arcs(case):
    """d0 = 2, every X without a zero point (its columns at any scale) and every signs: the cone is an arc
    of exact width; the LP margin is positive iff the width is."""
    X, signs = case
    p = arc_probability(signs, X)
    t, w = cone_margin(signs, X)
    if 0 < p < 1e-6:  # thinner than the declared margin: the LP is allowed to call it empty
        return
    assert (p > 0) == (t > DEFAULT_MARGIN)
    if p > 0:
        assert np.all(signs * (w @ X) > 0)


@given(seeds, st.integers(2, 9))
def test_v1_arc_probabilities_of_all_patterns_sum_to_one_over_cover_many(s, n):
    """d0 = 2: the non-empty sign patterns number C(N, 2) = 2N and their probabilities sum to 1.

    A seed, not drawn entries: the count 2N holds for points in general position (almost every X)."""
    X = np.random.default_rng(s).standard_normal((2, n))
    probs = [arc_probability(np.array(sg), X) for sg in itertools.product((1.0, -1.0), repeat=n)]
    assert sum(p > 0 for p in probs) == cover_count(n, 2)
    assert sum(probs) == pytest.approx(1.0, abs=1e-12)


def test_regions_of_real_weights_are_nonempty_and_random_patterns_follow_the_arcs():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 7))
    for _ in range(20):
        W = rng.standard_normal((3, 2))
        assert region_is_nonempty(activation_pattern(W, X, 0.3), X)
        A = np.where(rng.random((3, 7)) < 0.5, 1.0, 0.3)
        exact = all(arc_probability(pattern_signs(a), X) > 1e-6 for a in A)
        assert region_is_nonempty(A, X) == exact


@given(seeds, st.integers(2, 12))
def test_plane_row_patterns_are_the_arcs(s, n):
    """d0 = 2: the 2N arcs' sign patterns, distinct, with the arcs' probabilities (summing to 1).

    A seed, not drawn entries: 2N distinct arcs need points in general position (almost every X)."""
    X = np.random.default_rng(s).standard_normal((2, n))
    signs, probs = plane_row_patterns(X)
    assert signs.shape == (cover_count(n, 2), n) and len({tuple(r) for r in signs}) == 2 * n
    assert probs.sum() == pytest.approx(1.0) and np.allclose(
        probs, [arc_probability(r, X) for r in signs]
    )


def test_exact_volumes_obey_v2_add_up_and_match_the_samplers():
    """V(L_eps) <= P(V2 event) <= 1 and all region volumes sum to 1; the Monte Carlo samplers of the V2
    event and of G have intervals (alpha 1e-6 each, 6 intervals) containing the exact values."""
    rng = np.random.default_rng(6)
    for n, d1, rho in ((5, 2, 0.0), (6, 2, 0.3), (3, 2, 0.2)):
        X, y = rng.standard_normal((2, n)), rng.integers(0, 2, n).astype(float)
        v = exact_volumes_in_the_plane(X, y, d1, 0.1, rho)
        assert v.regions == (2 * n) ** d1 and v.total == pytest.approx(1.0)
        assert 0 <= v.bad <= v.v2_event <= 1 and 0 <= v.global_minima <= 1
        v2 = sample_bad_region_event(X, y, d1, 0.1, rho, n_samples=4000, rng=n, alpha=1e-6)
        g = sample_global_minimum_event(X, y, d1, rho, n_samples=1500, rng=n, alpha=1e-6)
        assert v2.contains(v.v2_event) and g.contains(v.global_minima)


def test_cap_lower_bound_is_below_the_exact_and_the_sampled_volume():
    """region_log_volume_lower_bound <= log of the exact arc product (d0 = 2); in d0 = 3 it stays below the
    Monte Carlo upper confidence bound (alpha 1e-6, fixed seeds)."""
    rng = np.random.default_rng(9)
    for _ in range(20):
        X = rng.standard_normal((2, 6))
        A = activation_pattern(rng.standard_normal((3, 2)), X, 0.0)
        lb, margins = region_log_volume_lower_bound(A, X)
        assert np.all(margins > 0) and lb <= np.log(angular_volume(A, X).estimate) + 1e-12
    for k in range(5):
        X = rng.standard_normal((3, 6))
        A = activation_pattern(rng.standard_normal((2, 3)), X, 0.3)
        lb, _ = region_log_volume_lower_bound(A, X)
        mc = angular_volume(A, X, n_samples=100_000, rng=k, alpha=1e-6)
        assert lb <= np.log(mc.upper)


def test_log_cap_probability_matches_and_extends_cap_probability():
    for d in (2, 5, 30):
        for phi in (0.05, 0.7, np.pi / 2):
            assert log_cap_probability(phi, d) == pytest.approx(
                np.log(float(cap_probability(phi, d))), rel=1e-10
            )
    tiny = log_cap_probability(1e-3, 400)  # about (1e-3)^399: far below the smallest double
    assert np.isfinite(tiny) and tiny < -2000
    with pytest.raises(ValueError, match="phi"):
        log_cap_probability(2.0, 3)


@given(
    seeds, matrices(st.integers(2, 12), zero=False), st.floats(0.05, np.pi), st.floats(0.05, 1.0)
)
def test_cap_samples_are_uniform_on_the_cap(s, c, beta, frac):
    """sample_in_cap, for every non-zero centre (of any length): unit vectors within beta of the centre;
    the sub-cap of half-angle frac * beta gets F(frac beta) / F(beta) of them (G3), and a hyperplane
    through the axis splits them in half.  Exact intervals at alpha = 1e-6 each; the seed is the
    sampler's."""
    rng = np.random.default_rng(s)
    u = sample_in_cap(c, beta, 4000, rng)
    d, c = len(c), c / np.linalg.norm(c)
    angles = np.arccos(np.clip(u @ c, -1, 1))
    assert np.allclose(np.linalg.norm(u, axis=1), 1) and np.all(angles <= beta + 1e-9)
    lo, hi = clopper_pearson(int((angles <= frac * beta).sum()), 4000, 1e-6)
    assert lo <= float(cap_probability(frac * beta, d) / cap_probability(beta, d)) <= hi
    v = rng.standard_normal(d)
    v -= (v @ c) * c
    lo, hi = clopper_pearson(int((u @ v > 0).sum()), 4000, 1e-6)
    assert lo <= 0.5 <= hi


@given(seeds, data_matrices(2, st.integers(3, 9)))
def test_cone_probability_lower_bound_holds_and_plain_sampling_covers_the_exact_arc(s, X):
    """d0 = 2, every X without a zero point: the cap-conditioned lower bound is below the exact arc
    probability; with a single candidate cap (beta = pi, plain Monte Carlo) the exact interval covers it
    (alpha = 1e-6).  The seed is the sampler's (and draws the region's direction)."""
    rng = np.random.default_rng(s)
    signs = np.sign(rng.standard_normal(2) @ X)
    exact = arc_probability(signs, X)
    r = cone_log_probability(signs, X, n_samples=4000, rng=rng, alpha=1e-6)
    assert r.log_inscribed <= r.log_lower <= np.log(exact) + 1e-12
    plain = cone_log_probability(signs, X, n_samples=4000, rng=rng, alpha=1e-6, n_betas=1)
    assert plain.beta == np.pi and plain.log_cap == pytest.approx(0.0, abs=1e-15)
    lo, hi = clopper_pearson(plain.successes, plain.trials, 1e-6)
    assert lo <= exact <= hi


@given(seeds, st.integers(3, 30))
def test_cone_probability_of_the_orthant_is_bounded_by_two_to_the_minus_d(s, d):
    """The positive orthant of R^d (X = I, all signs +) has probability exactly 2^-d, far below what plain
    sampling sees at d = 30; the lower bound stays below it and the estimate is within a factor e^2 of it
    (fixed seeds, alpha = 1e-6)."""
    r = cone_log_probability(np.ones(d), np.eye(d), n_samples=8000, rng=s, alpha=1e-6)
    assert r.log_lower <= -d * np.log(2) + 1e-9
    assert abs(r.log_estimate + d * np.log(2)) < 2.0


@given(seeds, data_matrices(2, st.integers(4, 9)), st.integers(1, 3))
def test_region_log_volume_is_below_the_exact_product_of_arcs(s, X, d1):
    """V1 with cap-conditioned rows (d0 = 2), every X without a zero point: the simultaneous lower bound is
    below log of the exact volume.  The seed is the sampler's (and draws the region's weights)."""
    rng = np.random.default_rng(s)
    A = activation_pattern(rng.standard_normal((d1, 2)), X, 0.3)
    exact = angular_volume(A, X).estimate
    r = region_log_volume(A, X, n_samples=2000, rng=rng, alpha=1e-6)
    assert len(r.rows) == d1 and r.log_inscribed <= r.log_lower <= np.log(exact) + 1e-12


@given(seeds, data_matrices(6, st.integers(20, 60)))
def test_cone_estimate_never_falls_below_the_inscribed_cap(s, X):
    """Every X without a zero point: even from 4 draws (the pilot then sees almost nothing), the estimate
    is finite and at least the inscribed cap's log probability, which its estimand is known to exceed.
    The seed is the sampler's (and draws the region's direction)."""
    rng = np.random.default_rng(s)
    r = cone_log_probability(np.sign(rng.standard_normal(6) @ X), X, n_samples=4, rng=rng)
    assert np.isfinite(r.log_estimate) and r.log_estimate >= r.log_inscribed


def test_cap_sampling_rejects_bad_arguments_and_reports_empty_cones():
    with pytest.raises(ValueError, match="beta"):
        sample_in_cap(np.ones(3), 0.0, 10, 0)
    with pytest.raises(ValueError, match="beta"):
        sample_in_cap(np.ones(3), 4.0, 10, 0)
    with pytest.raises(ValueError, match="center"):
        sample_in_cap(np.zeros(3), 1.0, 10, 0)
    with pytest.raises(ValueError, match="center"):
        sample_in_cap(np.ones(1), 1.0, 10, 0)
    with pytest.raises(ValueError, match="n_samples"):
        sample_in_cap(np.ones(3), 1.0, 0, 0)
    with pytest.raises(ValueError, match="signs"):
        cone_log_probability(np.ones(3), np.eye(2), n_samples=10, rng=0)
    with pytest.raises(ValueError, match="alpha"):
        cone_log_probability(np.ones(2), np.eye(2), n_samples=10, rng=0, alpha=1.0)
    with pytest.raises(ValueError, match="rng"):
        cone_log_probability(np.ones(2), np.eye(2), n_samples=10, rng=None)
    empty = cone_log_probability(
        np.ones(2), np.array([[1.0, -1.0], [1.0, -1.0]]), n_samples=10, rng=0
    )
    assert empty.log_lower == empty.log_estimate == -np.inf and empty.trials == 0


# --- K6 against brute force ----------------------------------------------------------------------
def _brute_force_dlm(A, X, y) -> bool:
    """Exact test when {v : (A o X)^T v = y - e_A} is a point or a line: every cone condition is then
    an open interval of the line parameter, and v_i = 0 is a point condition."""
    d1, d0 = A.shape[0], X.shape[0]
    M = khatri_rao(A, X).T
    r = y - dlm_residual(A, X, y)
    v0 = np.linalg.lstsq(M, r, rcond=None)[0]
    null = scipy.linalg.null_space(M)
    assert null.shape[1] <= 1
    nv = null[:, 0] if null.shape[1] else np.zeros_like(v0)
    s = pattern_signs(A)
    if not region_is_nonempty(A, X):
        return False
    for sigma in itertools.product((1, -1, 0), repeat=d1):
        lo, hi, point = -np.inf, np.inf, None
        ok = True
        for i, si in enumerate(sigma):
            b0, b1 = v0[i * d0 : (i + 1) * d0], nv[i * d0 : (i + 1) * d0]
            if si == 0:  # b0 + c b1 = 0
                if np.linalg.norm(b1) < 1e-12:
                    ok &= np.linalg.norm(b0) < 1e-9
                else:
                    c = -(b0 @ b1) / (b1 @ b1)
                    ok &= np.linalg.norm(b0 + c * b1) < 1e-9
                    point = c if point is None else point
                    ok &= abs(point - c) < 1e-9
                continue
            coef0 = si * s[i] * (b0 @ X)  # need coef0 + c coef1 > 0 for every point
            coef1 = si * s[i] * (b1 @ X)
            for a, b in zip(coef0, coef1):
                if abs(b) < 1e-12:
                    ok &= a > 1e-9
                elif b > 0:
                    lo = max(lo, -a / b)
                else:
                    hi = min(hi, -a / b)
        if not ok:
            continue
        if point is not None:
            if lo + 1e-9 < point < hi - 1e-9:
                return True
        elif lo + 1e-7 < hi:
            return True
    return False


@pytest.mark.parametrize("n,d1", [(3, 2), (4, 2), (5, 3), (6, 3)])
def test_k6_dlm_in_region_agrees_with_brute_force(n, d1, seed):
    rng = np.random.default_rng(seed + n)
    agree = found = 0
    for _ in range(60):
        X = rng.standard_normal((2, n))
        y = rng.integers(0, 2, n).astype(float)
        A = activation_pattern(rng.standard_normal((d1, 2)), X, rng.choice([0.0, 0.4]))
        if scipy.linalg.null_space(khatri_rao(A, X).T).shape[1] > 1:
            continue
        cert = dlm_in_region(A, X, y)
        assert (cert is not None) == _brute_force_dlm(A, X, y)
        agree += 1
        found += cert is not None
    assert agree >= 10


def test_k6_certificate_is_a_dlm_with_the_region_residual():
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(40):
        X, y = rng.standard_normal((2, 12)), rng.integers(0, 2, 12).astype(float)
        A = activation_pattern(rng.standard_normal((3, 2)), X, 0.3)
        cert = dlm_in_region(A, X, y)
        if cert is None:
            continue
        hits += 1
        assert np.array_equal(activation_pattern(cert.W, X, 0.3), A)
        out = (A * (cert.W @ X)).T @ cert.z
        assert np.allclose(y - out, dlm_residual(A, X, y), atol=1e-6)
    assert hits >= 2


def test_global_minimum_regions_need_zero_residual():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((2, 10)), rng.integers(0, 2, 10).astype(float)
    A = activation_pattern(rng.standard_normal((2, 2)), X, 0.0)  # d0 d1 = 4 < 10: e_A != 0
    assert not region_contains_global_minimum(A, X, y)
    y0 = np.zeros(10)  # the zero function is a global minimum in every non-empty region (z = 0)
    assert region_contains_global_minimum(A, X, y0) and region_contains_dlm(A, X, y0)


# --- samplers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,d0,d1,rho", [(24, 2, 4, 0.0), (30, 3, 4, 0.2), (40, 4, 5, -0.5)])
def test_v2_sampler_counts_equal_the_per_sample_lstsq_loop(n, d0, d1, rho, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
    fast = sample_bad_region_event(X, y, d1, 0.2, rho, n_samples=300, rng=seed + 7, batch=64)
    other_batch = sample_bad_region_event(X, y, d1, 0.2, rho, n_samples=300, rng=seed + 7)
    slow = sample_bad_region_event_loop(X, y, d1, 0.2, rho, n_samples=300, rng=seed + 7)
    assert fast.successes == slow.successes == other_batch.successes and fast.trials == 300
    assert fast.lower <= fast.estimate <= fast.upper


def test_v2_event_needs_a_rank_deficient_pattern():
    """Lemma 2's consequence: e_A != 0 (so MCE > 0 is possible) only where rank(A o X) < N.

    With d0 d1 = 2N most patterns have full rank, but not all (K3: repeated pattern columns)."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((4, 12)), rng.integers(0, 2, 12).astype(float)
    A = activation_pattern(rng.standard_normal((2000, 6, 4)), X, 0.1)
    e, rank = dlm_residual(A, X, y, return_rank=True)
    bad = np.linalg.norm(e, axis=1) > 1e-9
    assert np.all(rank[bad] < 12) and np.all(~bad[rank == 12])
    assert 0 < bad.sum() < 2000 // 10  # both kinds occur; rank deficiency is the exception here


def test_global_minimum_sampler_equals_region_by_region_decisions():
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((2, 5)), rng.integers(0, 2, 5).astype(float)
    est = sample_global_minimum_event(X, y, 3, 0.0, n_samples=200, rng=9)
    W = np.random.default_rng(9).standard_normal((200, 3, 2))
    expected = sum(region_contains_global_minimum(activation_pattern(w, X, 0.0), X, y) for w in W)
    assert est.successes == expected


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda: dlm_in_region(np.ones((11, 4)), np.ones((2, 4)), np.ones(4)), "d1 must be <= 10"),
        (  # every point needs a positive term: 3^9 - 2^9 choices have one
            lambda: dlm_in_region(np.ones((9, 4)), np.ones((2, 4)), np.ones(4)),
            "leaves 19171 of 3.9 sign choices, more LPs than max_lps = 6561",
        ),
        (lambda: dlm_in_region(np.ones((1, 2)), np.eye(2), np.ones(2), max_lps=0), "max_lps"),
        (lambda: admissible_sign_choices(np.ones((11, 2)), np.ones(2)), "d1 must be <= 10"),
        (lambda: admissible_sign_choices(np.ones((2, 2)), np.ones(3)), "target must have length"),
        (lambda: pattern_signs(np.array([[1.0, 0.2, 0.3]])), "one rho"),
        (lambda: cone_margin(np.ones(2), np.zeros((2, 2))), "no zero column"),
        (
            lambda: sample_bad_region_event(
                np.ones((2, 3)), np.ones(3), 2, 1.5, 0.0, n_samples=5, rng=0
            ),
            "eps",
        ),
        (
            lambda: sample_bad_region_event(
                np.ones((2, 3)), np.ones(3), 2, 0.5, 0.0, n_samples=5, rng=None
            ),
            "None",
        ),
        (
            lambda: sample_bad_region_event(
                np.ones((2, 3)), np.array([0, 1, 3]), 2, 0.5, 0.0, n_samples=5, rng=0
            ),
            "{0, 1}",
        ),
        (
            lambda: sample_global_minimum_event(
                np.ones((2, 3)), np.ones(3), 11, 0.0, n_samples=5, rng=0
            ),
            "d1 must be <= 10",
        ),
        (lambda: arc_probability(np.ones(3), np.ones((3, 3))), "d0 = 2"),
        (lambda: angular_volume(np.ones((1, 3)), np.ones((3, 3)), n_samples=0, rng=0), "n_samples"),
    ],
)
def test_bad_inputs(call, needle):
    with pytest.raises(ValueError, match=needle.replace("{", r"\{").replace("}", r"\}")):
        call()


# --- edges: targets zero up to rounding, thin cones, zero data, runaway work, bad arguments ----------
def test_region_whose_target_is_zero_up_to_rounding_holds_the_dlm_z_equals_zero():
    """ReLU, A = [[0, 1, 1, 0]], y = [1, 0, 0, 1]: y is orthogonal to the region's features, so
    y - e_A = 0 (up to rounding) and z = 0 is a DLM with MCE 1/2, at every scale of X and y."""
    X = np.array([[1.0, -1.0, -1.0, 1.0], [0.1, 0.2, -0.3, 0.4]])
    A, y = np.array([[0.0, 1.0, 1.0, 0.0]]), np.array([1.0, 0.0, 0.0, 1.0])
    assert region_is_nonempty(A, X)
    for sx, sy in ((1, 1), (1e-150, 1), (1e150, 1), (1, 1e-150), (1, 1e150)):
        cert = dlm_in_region(A, X * sx, y * sy)
        assert cert is not None and cert.z.tolist() == [0.0], (sx, sy)


@pytest.mark.parametrize("seed", range(12))
def test_exact_bad_volume_with_one_neuron_matches_a_direct_least_squares_count(seed):
    """An independent route to V(L_eps) at d1 = 1 (numpy lstsq, sign test, own MCE; shared with the
    audit's K6 check), also where y - e_A is zero up to rounding (seed [19, 0]: 0.394, not 0.0)."""
    rng = np.random.default_rng([19, seed])
    X = rng.standard_normal((2, 6))
    y = rng.integers(0, 2, 6).astype(float) if seed % 2 else np.array([1.0, 0, 0, 1, 0, 1])
    ex = exact_volumes_in_the_plane(X, y, 1, 0.1, 0.0)
    assert ex.bad == pytest.approx(bad_volume_one_neuron_by_hand(X, y, 0.1, 0.0), abs=1e-12)


def test_thin_cones_are_counted_empty_with_a_margin_warning():
    from vanishing_minima.numeric import count_sign_patterns
    from vanishing_minima.numeric._checks import MarginWarning

    th = 1e-7  # two points 1e-7 rad apart: the cone between their lines has LP margin ~5e-8 < 1e-6
    X = np.array([[1.0, np.cos(th)], [0.0, np.sin(th)]])
    with pytest.warns(MarginWarning, match="may depend on the margin"):
        assert count_sign_patterns(X) == 2  # 4 patterns exist; the two thin ones are not counted
    assert count_sign_patterns(X, margin=1e-9) == 4  # a smaller margin resolves them
    A = np.array([[1.0, -1.0]])  # sign pattern (+, -): the thin cone
    with pytest.warns(MarginWarning):
        assert not region_is_nonempty(np.where(A > 0, 1.0, 0.0), X)
    assert region_is_nonempty(np.where(A > 0, 1.0, 0.0), X, margin=1e-9)


def test_a_zero_datapoint_has_no_region_at_any_d0():
    X = np.array([[1.0, 0.0, -0.5], [0.3, 0.0, 0.2]])
    for call in (
        lambda: angular_volume(np.ones((1, 3)), X),
        lambda: arc_probability(np.ones(3), X),
        lambda: plane_row_patterns(X),
    ):
        with pytest.raises(ValueError, match="no zero column"):
            call()


@pytest.mark.parametrize(
    "call,needle",
    [
        (
            lambda: angular_volume(np.ones((1, 3)), np.eye(3), n_samples=10**12, rng=0),
            "would take about",
        ),
        (
            lambda: angular_volume(np.ones((1, 3)), np.eye(3), n_samples="10", rng=0),
            "n_samples must be an integer",
        ),
        (
            lambda: angular_volume(np.ones((1, 3)), np.eye(3), n_samples=1.5, rng=0),
            "n_samples must be an integer",
        ),
        (
            lambda: angular_volume(
                np.ones((1, 3)), np.eye(3), n_samples=10, rng=0, alpha=float("nan")
            ),
            "alpha",
        ),
        (
            lambda: sample_bad_region_event(
                np.ones((2, 3)), np.ones(3), 2, 0.5, 0.0, n_samples="5", rng=0
            ),
            "n_samples",
        ),
        (
            lambda: sample_bad_region_event(
                np.ones((2, 3)), np.ones(3), 2, "0.5", 0.0, n_samples=5, rng=0
            ),
            "eps",
        ),
        (lambda: region_is_nonempty(np.ones((1, 3)), np.eye(3), margin=float("nan")), "margin"),
        (lambda: region_is_nonempty(np.ones((1, 3)), np.eye(3), margin=-1e-6), "margin"),
        (lambda: dlm_in_region(np.ones((1, 3)), np.eye(3), np.ones(3), margin=0.0), "margin"),
        (
            lambda: region_contains_global_minimum(
                np.ones((1, 3)), np.eye(3), np.ones(3), rtol=float("nan")
            ),
            "rtol",
        ),
        (lambda: dlm_residual(np.ones((1, 3)), np.eye(3), np.ones(3), rtol=float("nan")), "rtol"),
        (lambda: dlm_residual(np.ones((1, 3)), np.eye(3), np.ones(3), rtol=-1.0), "rtol"),
        (
            lambda: sample_global_minimum_event(
                np.ones((2, 3)), np.ones(3), 2, 0.0, n_samples=2.5, rng=0
            ),
            "n_samples",
        ),
        (lambda: exact_volumes_in_the_plane(np.eye(2), np.ones(2), 1, float("nan"), 0.0), "eps"),
    ],
)
def test_bad_arguments_are_refused_naming_them(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


def test_arguments_are_checked_before_the_work():
    """Bad arguments are refused before any sampling, naming the argument (not late in NumPy's
    broadcasting, nor never)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 8)), rng.integers(0, 2, 8).astype(float)
    A = nm.activation_pattern(rng.standard_normal((2, 3)), X, 0.0)
    with pytest.raises(ValueError, match="margin"):  # refused even where the answer would be False
        nm.region_contains_global_minimum(A, X, y + 0.3, margin=5.0)
    with pytest.raises(ValueError, match="target_residual"):
        nm.dlm_in_region(A, X, y, target_residual=np.zeros(5))
    with pytest.raises(ValueError, match="signs"):
        nm.cone_margin(np.ones(5), X)
    with pytest.raises(ValueError, match="alpha"):
        nm.sample_bad_region_event(X, y, 2, 0.1, 0.0, n_samples=10, rng=0, alpha=2.0)
    with pytest.raises(ValueError, match="eps"):
        nm.sample_bad_region_event_loop(X, y, 2, 1.5, 0.0, n_samples=10, rng=0)
    with pytest.raises(ValueError, match="n_samples"):
        nm.sample_bad_region_event_loop(X, y, 2, 0.1, 0.0, n_samples=0, rng=0)
    with pytest.raises(ValueError, match="phi"):
        nm.count_cap_hits(4.0, 3, n_samples=10, rng=0)
    with pytest.raises(ValueError, match="n_samples"):
        nm.count_cap_hits(1.0, 3, n_samples=-1, rng=0)
    with pytest.raises(ValueError, match="same length"):
        nm.count_orthant_hits(np.ones(3), np.ones(4), n_samples=10, rng=0)
    with pytest.raises(ValueError, match="d0"):
        nm.generic_rank_brute_force(A, 0)


def _scaled_target(A, X, y, e):
    """The target dlm_in_region hands to its LPs: (y - e)/|x_n|, over the labels' scale."""
    norms = np.linalg.norm(X, axis=0)
    r = (y - e) / norms
    scale = float(np.max(np.abs(y) / norms))
    return r / scale if scale > 0 else r


@pytest.mark.parametrize("rho", [0.0, 0.3, -0.5, 2.0])
def test_sign_test_discards_only_choices_whose_lp_has_no_margin(rho, seed):
    """K6's sign test against the LP itself: every discarded sign choice has LP margin <= the default margin."""
    from vanishing_minima.numeric.cones import row_cones
    from vanishing_minima.numeric.regions import _sign_choices, _sign_lp

    rng = np.random.default_rng(seed + int(10 * rho) + 100)
    discarded = kept = 0
    for trial in range(24):
        d0, d1 = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        n = int(rng.integers(3, 10))
        X = rng.standard_normal((d0, n))
        y = rng.integers(0, 2, n).astype(float)
        A = activation_pattern(rng.standard_normal((d1, d0)), X, rho)
        A, X, s, _, _ = row_cones(A, X)
        e = dlm_residual(A, X, y) if trial % 2 else np.zeros(n)  # K6's target, and D4's
        r = _scaled_target(A, X, y, e)
        allowed = {tuple(c) for c in admissible_sign_choices(A, r).tolist()}
        M = khatri_rao(A, X / np.linalg.norm(X, axis=0)).T
        for sigma in _sign_choices(d1).tolist():
            if tuple(sigma) in allowed:
                kept += 1
                continue
            discarded += 1
            res = _sign_lp(sigma, M, X / np.linalg.norm(X, axis=0), s, r)
            assert res.status != 0 or -res.fun <= 1e-6, (sigma, A, r, -res.fun)
    assert discarded >= 20 and kept >= 5  # the test exercised both sides


def test_sign_test_on_dead_points_and_exact_zero_targets():
    """ReLU: a dead point with a nonzero target rules out every choice; a zero target with one active
    neuron forces that neuron's sign to 0; a positive one forces +1."""
    A = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    assert admissible_sign_choices(A, [0.0, 1.0, 0.0]).shape == (0, 2)  # point 1 is dead, target 1
    got = admissible_sign_choices(A, [1.0, 0.0, 0.0]).tolist()
    # point 0: neuron 0 alone must be +1; point 2 (both active, target 0): mixed signs or both 0
    assert got == [[1, -1]]
    assert admissible_sign_choices(A, [0.0, 0.0, 0.0]).tolist() == [[0, 0]]
    # LReLU rho < 0 flips the term of an inactive neuron: point 1 now sees both neurons with sign +sigma
    B = np.array([[1.0, -0.5, 1.0], [-0.5, -0.5, 1.0]])
    assert [1, 1] in admissible_sign_choices(B, [1.0, 1.0, 1.0]).tolist()


def test_dlm_in_region_with_the_sign_test_agrees_with_all_sign_lps(seed):
    """The decision with the sign test equals the one from all 3^d1 LPs, on V2-like regions with dead points."""
    from vanishing_minima.numeric.cones import row_cones
    from vanishing_minima.numeric.regions import _sign_choices, _sign_lp

    rng = np.random.default_rng(seed + 7)
    found = 0
    for trial in range(16):
        d0, d1, n = (4, 3, 9) if trial % 2 else (3, 3, 5)  # dead points / regions that hold DLMs
        X = rng.standard_normal((d0, n))
        y = rng.integers(0, 2, n).astype(float)
        W = rng.standard_normal((d1, d0))
        A0 = activation_pattern(W, X, 0.0)
        cert = dlm_in_region(A0, X, y)
        A, Xc, s, _, _ = row_cones(A0, X)
        r = _scaled_target(A, Xc, y, dlm_residual(A, Xc, y))
        Xh = Xc / np.linalg.norm(Xc, axis=0)
        M = khatri_rao(A, Xh).T
        every = any(
            (res := _sign_lp(sig, M, Xh, s, r)).status == 0 and -res.fun > 1e-6
            for sig in _sign_choices(d1).tolist()
        )
        assert (cert is not None) == every
        found += every
    assert found >= 2


@st.composite
def realizable_targets(draw):
    """A pattern, a sign choice, and a target its terms reach: r_n = sum_i sigma_i c_in a_in with
    arbitrary magnitudes a_in > 0 (c_in the sign of neuron i's term at point n, 0 for an inactive ReLU)."""
    d1, n = draw(st.integers(1, 4)), draw(st.integers(1, 8))
    rho = draw(st.sampled_from([0.0, 0.3, -0.5, 2.0]))
    A = np.array(
        draw(
            st.lists(
                st.lists(st.sampled_from([1.0, rho]), min_size=n, max_size=n),
                min_size=d1,
                max_size=d1,
            )
        )
    )
    sigma = np.array(draw(st.lists(st.sampled_from([1, -1, 0]), min_size=d1, max_size=d1)))
    mags = np.array(
        draw(
            st.lists(
                st.lists(st.floats(1e-3, 1e3), min_size=n, max_size=n), min_size=d1, max_size=d1
            )
        )
    )
    c = np.where(A == 1, 1.0, -np.sign(A))
    return A, sigma, (sigma[:, None] * c * mags).sum(axis=0)


@given(realizable_targets())
def test_sign_test_keeps_every_choice_whose_terms_reach_the_target(case):
    """Soundness of K6's sign test as a law: a choice whose signed terms sum to the target is never
    discarded (targets that cancel to rounding level count as zero, where mixed signs are allowed)."""
    A, sigma, r = case
    kept = admissible_sign_choices(A, r).tolist()
    assert sigma.tolist() in kept
