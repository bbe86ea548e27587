"""G1-G6: exact identities and laws of the formulas, and Cover's count against an LP enumeration.

The Monte Carlo comparisons (G1, G3, G4, G6) are the audit's checks, run per claim by
tests/test_audit.py with --vm-seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from strategies import data_matrices, matrices

from vanishing_minima.numeric import (
    angle_between,
    angle_density,
    cap_probability,
    coherence,
    count_sign_patterns,
    pattern_collision_probability,
    sheppard_probability,
    singular_value_interval,
    welch_bound,
)
from vanishing_minima.theory.bounds import cover_count

seeds = st.integers(0, 2**32 - 1)


@given(matrices(st.integers(1, 6), zero=False))
def test_g1_boundary_values(x):
    """For every x != 0: x and 3x lie on one side of w w.p. 1/2, x and -x never; the angle of x and -x is pi."""
    assert sheppard_probability(x, 3 * x) == pytest.approx(0.5)
    assert sheppard_probability(x, -x) == pytest.approx(0.0, abs=1e-12)
    assert angle_between(x, -x) == pytest.approx(np.pi)


@given(st.integers(2, 50), st.floats(0, np.pi), st.floats(0, np.pi))
def test_g3_cap_is_a_distribution_function(d, a, b):
    lo, hi = sorted((a, b))
    assert cap_probability(lo, d) <= cap_probability(hi, d) + 1e-15
    assert cap_probability(np.pi / 2, d) == pytest.approx(0.5)
    assert cap_probability(np.pi, d) == pytest.approx(1.0)
    assert cap_probability(0.0, d) == 0.0


@pytest.mark.parametrize("d", [2, 3, 7, 40])
def test_g4_angle_density_integrates_to_one_and_to_the_cap(d):
    assert integrate.quad(lambda t: float(angle_density(t, d)), 0, np.pi)[0] == pytest.approx(
        1.0, abs=1e-10
    )
    # P(angle <= phi) for two random vectors equals the cap probability (one of them is a uniform direction)
    assert integrate.quad(lambda t: float(angle_density(t, d)), 0, 1.0)[0] == pytest.approx(
        float(cap_probability(1.0, d)), abs=1e-10
    )


@given(st.integers(1, 500))
def test_g4_collision_in_the_plane_is_one_over_n_plus_one(n):
    """d = 2: the angle is uniform on [0, pi], so E[(1 - theta/pi)^N] = 1/(N+1) exactly."""
    assert pattern_collision_probability(n, 2) == pytest.approx(1 / (n + 1), rel=1e-9)


@given(st.integers(1, 10).flatmap(lambda d: data_matrices(d, st.integers(max(d, 2), 40))))
def test_g5_welch_bound_holds_for_every_data_set(X):
    """For every N >= d points in R^d with no zero point: coherence(X) >= sqrt((N - d) / (d (N - 1)))."""
    d, n = X.shape
    assert coherence(X) >= welch_bound(n, d) - 1e-12


def test_g5_gaussian_coherence_is_about_sqrt_4_log_n_over_d():
    """Finite-N evidence for an 'about' statement: the ratio at N = 400, d = 100 over 20 draws."""
    rng = np.random.default_rng(12)
    ratios = [
        coherence(rng.standard_normal((100, 400))) / np.sqrt(4 * np.log(400) / 100)
        for _ in range(20)
    ]
    assert 0.8 < np.mean(ratios) < 1.2


@pytest.mark.audit  # long: 60 exhaustive pattern counts (about 6 s)
@given(seeds, st.integers(1, 9), st.integers(1, 4))
def test_g2_pattern_count_equals_covers_formula(s, n, d):
    """C(N, d) sign patterns for N Gaussian points in R^d.

    A seed, not drawn entries: Cover's count holds for points in general position (almost every X)."""
    X = np.random.default_rng(s).standard_normal((d, n))
    assert count_sign_patterns(X) == cover_count(n, d)


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda: cap_probability(4.0, 3), r"phi must lie in \[0, pi\]"),
        (lambda: cap_probability(1.0, 1), "d must be >= 2"),
        (lambda: welch_bound(3, 5), "N >= d"),
        (lambda: singular_value_interval(3, 5, 1.0), "N >= d0"),
        (lambda: count_sign_patterns(np.ones((2, 20))), "N must be <= 16"),
        (lambda: angle_between(np.zeros(3), np.ones(3)), "non-zero"),
        (lambda: pattern_collision_probability(0, 3), "n must be an integer >= 1"),
    ],
)
def test_bad_inputs(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


@pytest.mark.parametrize("scale", [1e-200, 1e-100, 1.0, 1e100, 1e200])
def test_g1_sheppard_is_scale_invariant(scale):
    """theta = pi/4 between (1, 0) and (1, 1): 1/2 - 1/8 = 0.375 at every scale, with no overflow at 1e200
    (0.25) and no underflow at 1e-200 (a zero vector)."""
    from vanishing_minima.numeric import sheppard_probability

    x1, x2 = np.array([1.0, 0.0]) * scale, np.array([1.0, 1.0]) * scale
    assert sheppard_probability(x1, x2) == pytest.approx(0.375, rel=1e-14)
    assert sheppard_probability(x1, x2 * 1e100 if scale < 1 else x2 * 1e-100) == pytest.approx(
        0.375, rel=1e-14
    )


def test_count_sign_patterns_refuses_runaway_work_before_starting():
    import time

    from vanishing_minima.numeric import count_sign_patterns

    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"would take about 1.3e\+05 LPs.*max_lps"):
        count_sign_patterns(np.random.default_rng(0).standard_normal((16, 16)))
    assert time.perf_counter() - start < 1.0
