"""The certified fast path of dlm_residual (numeric/lstsq/): agreement with the SVD in every regime,
certificates that reject what they must (checked on the mask, not only on the answer), scale and batch
invariance, and a certificate broken on purpose."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vanishing_minima.numeric import dlm_residual, khatri_rao, lstsq
from vanishing_minima.numeric.lstsq import certified_residual, collect_stats, products, tall
from vanishing_minima.numeric.lstsq.factor import Factor, certified_cholesky

seeds = st.integers(0, 2**32 - 1)
rhos = st.sampled_from([0.0, 0.3, -0.5])


def _patterns(rng, batch, d1, d0, X, rho):
    """Activation patterns a(WX) of random first layers (the samplers' distribution)."""
    return np.where(rng.standard_normal((batch, d1, d0)) @ X > 0, 1.0, rho)


def _svd(A, X, y):
    return dlm_residual(A, X, y, method="svd")


def _norm(v):
    """||v||_2 without underflow or overflow."""
    m = float(np.abs(v).max()) if v.size else 0.0
    return m * float(np.linalg.norm(v / m)) if m > 0 else 0.0


def _assert_agrees(e, ref, y, rtol=1e-10):
    scale = rtol * max(_norm(y), np.finfo(float).tiny)
    worst = float(np.abs(e - ref).max()) if e.size else 0.0
    assert worst <= scale, f"max |e - e_svd| = {worst:.3g} > {scale:.3g}"


@st.composite
def regime(draw):
    """(A batch, X, y, rho): tall (d0 d1 < N) or wide, ReLU patterns with dead points, duplicated rows.

    X is Gaussian from a drawn seed on purpose: agreement with the SVD to 1e-10 needs the SVD's rank
    decision to be unambiguous (no singular value of M near its threshold), which holds for X in general
    position and not for every X (arbitrary X: test_arbitrary_data_never_certifies_a_wrong_residual)."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(st.integers(3, 40))
    d0 = draw(st.integers(1, 5))
    d1 = draw(st.integers(1, 7))
    rho = draw(rhos)
    X = rng.standard_normal((d0, n))
    A = _patterns(rng, 24, d1, d0, X, rho)
    if d1 > 1 and draw(st.booleans()):  # duplicated neuron rows: rank-deficient by K3
        A[:, -1] = A[:, 0]
    if rho == 0.0 and draw(st.booleans()):  # dead points: all-zero columns
        A[:, :, : draw(st.integers(1, max(1, n // 4)))] = 0.0
    y = rng.standard_normal(n) if draw(st.booleans()) else rng.integers(0, 2, n).astype(float)
    return A, X, y, rho


@given(regime())
def test_auto_agrees_with_the_svd_in_every_regime(inst):
    """Tall and wide, rho in {0, 0.3, -0.5}, dead points, duplicated rows: 1e-10 relative to ||y||."""
    A, X, y, _ = inst
    _assert_agrees(dlm_residual(A, X, y), _svd(A, X, y), y)
    e, ok = certified_residual(A, X, y)
    _assert_agrees(e[ok], _svd(A, X, y)[ok], y)


#: Entries of drawn data: zero, repeated, tiny and large values; no subnormals (their products underflow).
ENTRIES = st.floats(-1e3, 1e3, allow_subnormal=False)
#: Entries between 1e-3 and 1e3 in magnitude, or 0: scalable by 2^k up to |k| ~ 1000 without underflow.
SCALABLE = st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3))


@st.composite
def system(draw, sizes=((24, 2, 4), (30, 3, 5), (40, 5, 4), (12, 3, 6)), entries=ENTRIES):
    """(A, X, y): 4 two-valued patterns (entries rho or 1), X and y with any ``entries``, every
    entry drawn on its own (no fill value: distinct data, not mostly constant ones), X's last row shrunk
    by a drawn factor down to 1e-9 (M from well to badly conditioned); tall (d0 d1 < N) unless the size is
    wide."""
    n, d0, d1 = draw(st.sampled_from(sizes))
    rho = draw(rhos)
    A = np.where(draw(hnp.arrays(np.bool_, (4, d1, n), fill=st.nothing())), 1.0, rho)
    X = draw(hnp.arrays(np.float64, (d0, n), elements=entries, fill=st.nothing()))
    X[-1] *= draw(st.sampled_from([1.0, 1e-5, 1e-6, 1e-7, 1e-9]))
    y = draw(hnp.arrays(np.float64, n, elements=entries, fill=st.nothing()))
    return A, X, y


def _exact_exponent(v: np.ndarray, k: int) -> int:
    """k clipped so that v * 2^k is exact: every non-zero entry stays normal and finite."""
    e = np.frexp(np.abs(v[v != 0]))[1]
    return int(np.clip(k, -1021 - e.min(), 1024 - e.max())) if e.size else k


@given(system(sizes=((24, 2, 4), (30, 3, 5), (40, 5, 4))))
def test_certified_results_carry_the_condition_bound_they_claim(inst):
    """For every A, X, y: each certified tall pattern whose M has full column rank (sigma_min > 1e-8
    sigma_max by the SVD; the others are the structurally rank-deficient patterns that K3 reduces exactly,
    whose certificate is the reduced problem's) has sigma_min(M)^2 >= TALL_KAPPA ||M||_F^2 (checked by the
    SVD, up to its own error of a few eps sigma_max); and where M is well conditioned (cond <= 1e3, so that
    the SVD's residual is accurate to ~1e-13 ||y||) its residual is within 10 ACCURACY_GUARD ||y|| of the
    SVD's."""
    A, X, y = inst
    e, ok = certified_residual(A, X, y)
    M = np.swapaxes(khatri_rao(A, X), -1, -2)
    sv = np.linalg.svd(M, compute_uv=False)
    fro2 = (sv**2).sum(axis=-1)
    svd_error = 8 * np.finfo(float).eps * sv[:, 0]
    full_rank = sv[:, -1] > 1e-8 * sv[:, 0]
    assert np.all(((sv[:, -1] + svd_error) ** 2 >= lstsq.TALL_KAPPA * fro2)[ok & full_rank])
    conditioned = ok & (sv[:, -1] >= 1e-3 * sv[:, 0])
    ref = _svd(A, X, y)
    assert np.all(
        np.linalg.norm(e[conditioned] - ref[conditioned], axis=-1)
        <= 10 * lstsq.ACCURACY_GUARD * np.linalg.norm(y)
    )


#: Exponents of a power-of-two scaling, the ends of the double range included.
EXPONENTS = st.one_of(st.integers(-1000, 1000), st.sampled_from([-1000, -700, 700, 1000]))


@given(system(entries=SCALABLE), EXPONENTS, EXPONENTS)
def test_power_of_two_scaling_gives_the_same_bits(inst, kx, ky):
    """For every A, X, y, tall or wide: X times 2^kx and y times 2^ky (any exact scaling, up to the ends of
    the double range) give the same mask and the residual times 2^ky, bit for bit (the inputs are scaled
    by exact powers of two before any product)."""
    A, X, y = inst
    kx, ky = _exact_exponent(X, kx), _exact_exponent(y, ky)
    e, ok = certified_residual(A, X, y)
    e2, ok2 = certified_residual(A, np.ldexp(X, kx), np.ldexp(y, ky))
    assert np.array_equal(ok2, ok)
    assert np.array_equal(e2[ok], np.ldexp(e[ok], ky))


def test_rank_deficient_patterns_are_reduced_by_k3_and_certified():
    """Two neurons whose rows differ on fewer than d0 points (here: equal rows, and rows differing on one
    point) make M rank-deficient; the K3 reduction certifies them without the fallback."""
    rng = np.random.default_rng(3)
    n, d0, d1 = 40, 4, 6
    X, y = rng.standard_normal((d0, n)), rng.standard_normal(n)
    A = _patterns(rng, 50, d1, d0, X, 0.0)
    A[:25, 1] = A[:25, 0]
    A[25:, 3] = A[25:, 2]
    A[25:, 3, 7] = 1.0 - A[25:, 2, 7]  # differ on exactly one point
    assert np.all(np.linalg.matrix_rank(np.swapaxes(khatri_rao(A, X), -1, -2)) < d0 * d1)
    with collect_stats() as stats:
        e = dlm_residual(A, X, y)
    e2, ok = certified_residual(A, X, y)
    assert stats.reduced >= 45 and ok.mean() >= 0.9
    _assert_agrees(e, _svd(A, X, y), y)
    assert np.array_equal(e, e2) or np.abs(e - e2)[ok].max() <= 1e-13 * np.linalg.norm(y)
    assert np.all(
        e2[25:, 7][ok[25:]] == 0.0
    )  # the point where the two rows differ is fitted exactly


def test_ill_conditioned_and_unstructured_rank_loss_fall_back_and_stay_correct():
    """The certificate must reject (mask False) what the Gram route cannot resolve: cond(M) ~ 1e6 (a row of
    X scaled by 1e-6, so sigma_min(M)^2 < TALL_KAPPA ||M||_F^2), and a rank loss no K3 reduction explains
    (a zero row of X); the fallback (QR, then the SVD) still returns the right residual."""
    rng = np.random.default_rng(11)
    n, d0, d1 = 60, 4, 6
    X, y = rng.standard_normal((d0, n)), rng.standard_normal(n)
    A = _patterns(rng, 30, d1, d0, X, 0.3)
    for bad in (
        X * np.array([[1.0], [1.0], [1.0], [1e-6]]),
        X * np.array([[1.0], [0.0], [1.0], [1.0]]),
    ):
        e, ok = certified_residual(A, bad, y)
        assert not ok.any()
        with collect_stats() as stats:
            auto = dlm_residual(A, bad, y)
        assert stats.certified == 0 and stats.qr_accepted + stats.svd == 30
        _assert_agrees(auto, _svd(A, bad, y), y, rtol=1e-8)


def test_wide_patterns_remove_dead_points_exactly_and_certify_the_rest():
    """d0 d1 >= N: e = y on dead points and 0 elsewhere, exactly, when the live rows are independent; a
    pattern with two identical live columns of A and |T| > d0 (rank lost) is not certified."""
    rng = np.random.default_rng(2)
    n, d0, d1 = 12, 3, 6
    X, y = rng.standard_normal((d0, n)), rng.standard_normal(n)
    A = _patterns(rng, 40, d1, d0, X, 0.0)
    A[:, :, :2] = 0.0
    e, ok = certified_residual(A, X, y)
    assert ok.mean() > 0.5
    dead = ~np.any(A != 0, axis=-2)
    assert np.array_equal(e[ok], np.where(dead, y, 0.0)[ok])
    _assert_agrees(dlm_residual(A, X, y), _svd(A, X, y), y)
    T = np.zeros((1, d1, n))
    T[0, 0, :] = 1.0  # one neuron sees every point: rank d0 < N
    e, ok = certified_residual(T, X, y)
    assert not ok[0]
    _assert_agrees(dlm_residual(T, X, y), _svd(T, X, y), y)


@given(seeds, st.sampled_from([1e-150, 1e150]), st.sampled_from([1e-300, 1e300, 1.0]), rhos)
def test_scale_invariance(s, x_scale, y_scale, rho):
    """X scaled by 1e+-150 and y by 1e+-300: the same residual (times the y scale) and the same mask.

    Gaussian X from a drawn seed on purpose: a decimal scale rounds every entry, so the masks agree exactly
    only where no certificate sits at its threshold (almost every X; exact powers of two, for every X:
    test_power_of_two_scaling_gives_the_same_bits)."""
    rng = np.random.default_rng(s)
    n, d0, d1 = 48, 3, 5
    X, y = rng.standard_normal((d0, n)), rng.standard_normal(n)
    A = _patterns(rng, 16, d1, d0, X, rho)
    e, ok = certified_residual(A, X, y)
    es, oks = certified_residual(A, X * x_scale, y * y_scale)
    assert np.array_equal(ok, oks) and ok.any()
    assert np.array_equal(np.isfinite(es), np.isfinite(e))
    _assert_agrees(es[ok] / y_scale, e[ok], y, rtol=1e-11)  # both within 1e-12 ||y|| of e_A
    _assert_agrees(dlm_residual(A, X * x_scale, y * y_scale) / y_scale, _svd(A, X, y), y)


@given(
    hnp.arrays(np.float64, (3, 30), elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
    hnp.arrays(np.float64, 30, elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
    seeds,
)
def test_arbitrary_data_never_certifies_a_wrong_residual(X, y, s):
    """Hypothesis-drawn X and y (repeated, zero or tiny columns included): whatever is certified agrees
    with the SVD where the SVD's rank decision is unambiguous, and dlm_residual always does."""
    rng = np.random.default_rng(s)
    A = np.where(rng.random((12, 4, 30)) < 0.5, 1.0, 0.0)
    ref = _svd(A, X, y)
    e, ok = certified_residual(A, X, y)
    _assert_agrees(e[ok], ref[ok], y, rtol=1e-9)  # a certificate implies an unambiguous rank
    sv = np.linalg.svd(np.swapaxes(khatri_rao(A, X), -1, -2), compute_uv=False)
    rel = sv / np.maximum(sv[:, :1], np.finfo(float).tiny)
    clear = ~np.any(
        (rel >= 1e-15) & (rel <= 1e-6), axis=-1
    )  # no singular value near the rank threshold
    _assert_agrees(dlm_residual(A, X, y)[clear], ref[clear], y, rtol=1e-9)


@given(seeds, rhos)
def test_batch_independence(s, rho):
    """Each pattern's answer does not depend on the batch it is computed in (1 versus 400): the same mask,
    and residuals equal to well within the certified accuracy (BLAS picks its kernels by matrix size, so
    the last bits may differ).  Gaussian X from a drawn seed on purpose: those last bits can move a
    certificate that sits at its threshold, which almost no X does."""
    rng = np.random.default_rng(s)
    n, d0, d1 = 64, 4, 8
    X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
    A = _patterns(rng, 400, d1, d0, X, rho)
    e, ok = certified_residual(A, X, y)
    for i in rng.choice(400, 6, replace=False):
        e1, ok1 = certified_residual(A[i], X, y)
        assert ok1.shape == () and bool(ok1) == ok[i]
        _assert_agrees(e1[np.isfinite(e1)], e[i][np.isfinite(e1)], y, rtol=1e-11)
    _assert_agrees(dlm_residual(A[:1], X, y), dlm_residual(A, X, y)[:1], y, rtol=1e-11)


def test_batched_data_and_broadcasting():
    """X with a batch axis (the over-data sampler): same answers as one X at a time."""
    rng = np.random.default_rng(9)
    n, d0, d1 = 40, 3, 5
    X, y = rng.standard_normal((7, d0, n)), rng.standard_normal(n)
    A = np.where(rng.standard_normal((7, d1, d0)) @ X > 0, 1.0, 0.0)
    e, ok = certified_residual(A, X, y)
    for i in range(7):
        e1, ok1 = certified_residual(A[i], X[i], y)
        assert bool(ok1) == ok[i]
        _assert_agrees(e1[np.isfinite(e1)], e[i][np.isfinite(e1)], y, rtol=1e-11)
    _assert_agrees(
        lstsq.auto_residual(A, X, y), np.stack([_svd(A[i], X[i], y) for i in range(7)]), y
    )


def test_a_broken_certificate_is_noticed(monkeypatch):
    """Inject a wrong Gram matrix (one neuron's cross terms dropped).  With the certificates in place the
    wrong solutions are rejected (mask False) and dlm_residual still agrees with the SVD; with the
    guards disabled the wrong answers come out certified, and the agreement check fails."""
    rng = np.random.default_rng(4)
    n, d0, d1 = 64, 4, 8
    X, y = rng.standard_normal((d0, n)), rng.standard_normal(n)
    A = _patterns(rng, 50, d1, d0, X, 0.0)
    ref = _svd(A, X, y)
    gram = products.ProductData.gram

    def wrong_gram(self, A_):
        G = gram(self, A_)
        G[:, :d0, d0:] *= 0.9  # a plausible-looking but wrong Gram matrix (still symmetric)
        G[:, d0:, :d0] *= 0.9
        return G

    monkeypatch.setattr(products.ProductData, "gram", wrong_gram)
    e, ok = certified_residual(A, X, y)
    assert not ok.any()
    _assert_agrees(dlm_residual(A, X, y), ref, y)

    monkeypatch.setattr(tall, "ACCURACY_GUARD", np.inf)
    monkeypatch.setattr(tall, "ORTHOGONALITY_GUARD", np.inf)
    monkeypatch.setattr(tall, "DATA_REFINEMENT_STEPS", 0)
    e, ok = certified_residual(A, X, y)
    assert ok.mean() > 0.8  # accepted everything the (wrong) factorization allowed
    with pytest.raises(AssertionError, match="max"):
        _assert_agrees(dlm_residual(A, X, y), ref, y)


def test_the_shift_is_a_condition_certificate():
    """Rump's shifted Cholesky: a matrix M with sigma_min(M)^2 just above kappa ||M||_F^2 passes, just
    below it fails (both by a factor 4), so the mask encodes the condition bound."""
    rng = np.random.default_rng(6)
    Q, _ = np.linalg.qr(rng.standard_normal((50, 6)))
    V, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    for factor, expected in ((4.0, True), (0.25, False)):
        s = np.ones(6)
        s[-1] = 0.0
        s[-1] = np.sqrt(factor * lstsq.TALL_KAPPA * (s**2).sum() / (1 - factor * lstsq.TALL_KAPPA))
        M = (Q * s) @ V.T
        G = (M.T @ M)[None].copy()
        _, ok, _ = certified_cholesky(G, np.array([(s**2).sum()]), 52, lstsq.TALL_KAPPA)
        assert bool(ok[0]) is expected


@pytest.mark.parametrize("p", [1, 3, 8, 15, 32, 40, 70, 300])
@pytest.mark.parametrize("batch", [1, 3])
def test_blocked_cholesky_and_solves(p, batch):
    """The batched blocked Cholesky factorization (diagonal blocks padded to a power of two; one matrix
    with several blocks goes to LAPACK) equals NumPy's, its explicit-inverse term is at rounding level,
    and it solves L L^T x = b to rounding."""
    rng = np.random.default_rng(p)
    M = rng.standard_normal((batch, 2 * p + 3, p))
    G = np.swapaxes(M, -1, -2) @ M
    factor = Factor(G.copy())
    L = np.linalg.cholesky(G)
    assert np.allclose(np.tril(factor.L), L, rtol=0, atol=1e-12 * np.abs(L).max())
    assert np.all(factor.offdiag <= 1e-12 * np.trace(G, axis1=1, axis2=2))
    b = rng.standard_normal((batch, p))
    x = factor.solve(b)
    assert np.allclose(np.einsum("bij,bj->bi", G, x), b, rtol=0, atol=1e-10 * np.abs(b).max())
    idx = np.array([batch - 1, 0])
    assert np.allclose(factor.solve(b[idx], idx), x[idx])


@pytest.mark.parametrize(
    "args,needle",
    [
        ((np.ones((2, 3)), np.ones((2, 4)), np.ones(3)), "same number N of columns"),
        ((np.ones(3), np.ones((2, 3)), np.ones(3)), "at least 2 dimensions"),
        ((np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 1))), "y must be a vector"),
        ((np.ones((2, 3)), np.full((2, 3), np.nan), np.ones(3)), "X must be finite"),
    ],
)
def test_bad_inputs(args, needle):
    with pytest.raises(ValueError, match=needle):
        certified_residual(*args)
