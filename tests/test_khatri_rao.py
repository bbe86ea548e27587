"""K1-K5 as laws on random instances: Khatri-Rao product, Gram identity, rank bounds, generic rank,
blockwise kernel condition, DLM residual; and every bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import matrices, reals

from vanishing_minima.numeric import (
    activation_pattern,
    dlm_residual,
    generic_rank,
    generic_rank_brute_force,
    khatri_rao,
    khatri_rao_gram,
    lrelu,
    mce,
)
from vanishing_minima.numeric.generic_rank import GENERIC_RANK_MAX_CANDIDATES

rhos = st.sampled_from([0.0, 0.3, -0.5, 2.0])


@st.composite
def instance(draw, max_n=10, max_d0=4, max_d1=4):
    """A pattern A in {rho,1}^(d1 x N), Gaussian X in R^(d0 x N), from one drawn seed (for the laws that
    hold for almost every X only)."""
    n = draw(st.integers(2, max_n))
    d0 = draw(st.integers(1, max_d0))
    d1 = draw(st.integers(1, max_d1))
    rho = draw(rhos)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = np.where(rng.random((d1, n)) < draw(st.floats(0.1, 0.9)), 1.0, rho)
    return A, rng.standard_normal((d0, n)), rho, rng


@st.composite
def pattern_and_data(draw, entries, slopes=rhos, batch=(), max_n=8, max_d0=3, max_d1=3):
    """(A, X, rho): patterns A in {rho, 1}^(batch x d1 x N) (rho drawn from ``slopes``) and X in
    R^(d0 x N), each entry drawn from ``entries``."""
    n, d0, d1 = (
        draw(st.integers(1, max_n)),
        draw(st.integers(1, max_d0)),
        draw(st.integers(1, max_d1)),
    )
    rho = draw(slopes)
    A = draw(hnp.arrays(np.float64, (*batch, d1, n), elements=st.sampled_from([rho, 1.0])))
    return A, draw(hnp.arrays(np.float64, (d0, n), elements=entries)), rho


@given(pattern_and_data(reals(), max_n=10, max_d0=4, max_d1=4))
def test_khatri_rao_matches_scipy_and_batches(inst):
    """For every A and X: khatri_rao(A, X) is scipy's column-wise Kronecker product, and a batch of
    patterns gives each pattern's product."""
    A, X, _ = inst
    K = khatri_rao(A, X)
    assert np.array_equal(K, scipy.linalg.khatri_rao(A, X))
    batch = khatri_rao(np.stack([A, 2 * A]), X)
    assert np.array_equal(batch[0], K) and np.array_equal(batch[1], 2 * K)


# --- K1, K2, K4, K5 hold for every X: arrays drawn by hypothesis.extra.numpy, so a failure shrinks to a
# small matrix.  Small integer entries keep every product exact and every numerical rank unambiguous.
def exact_instance(max_n=8):
    """(A, X, rho): A a pattern with entries in {rho, 1} (rho drawn), X a small-integer matrix (any rank)."""
    return pattern_and_data(
        st.integers(-3, 3).map(float), st.sampled_from([0.0, 0.5, -1.0, 2.0]), max_n=max_n
    )


@given(exact_instance(), st.data())
def test_k1_gram_identity(inst, data):
    """(A o X)^T (B o Y) = (A^T B) * (X^T Y) exactly (integer entries); khatri_rao_gram is B = A, Y = X."""
    A, X, _ = inst
    B = data.draw(hnp.arrays(np.float64, A.shape, elements=st.integers(-3, 3).map(float)))
    Y = data.draw(hnp.arrays(np.float64, X.shape, elements=st.integers(-3, 3).map(float)))
    assert np.array_equal(khatri_rao(A, X).T @ khatri_rao(B, Y), (A.T @ B) * (X.T @ Y))
    assert np.array_equal(khatri_rao_gram(A, X), khatri_rao(A, X).T @ khatri_rao(A, X))


@given(exact_instance())
def test_k2_rank_bound(inst):
    A, X, _ = inst
    r = np.linalg.matrix_rank(khatri_rao(A, X))
    assert r <= min(A.shape[1], np.linalg.matrix_rank(A) * np.linalg.matrix_rank(X))


@given(instance(max_n=9, max_d0=3, max_d1=3))
def test_k3_generic_rank_is_the_rank_for_gaussian_data(inst):
    """min_T (N - |T| + d0 rank A_T): pruned formula = brute force over all T = rank(A o X) for random X.

    A seed, not drawn entries: the generic rank is attained for almost every X, not for every X."""
    A, X, _, _ = inst
    d0 = X.shape[0]
    g = generic_rank(A, d0)
    assert g == generic_rank_brute_force(A, d0)
    assert g == np.linalg.matrix_rank(khatri_rao(A, X))


def test_k3_structured_cases_by_hand():
    # ReLU pattern with one point seen by no neuron: that column of A o X is zero
    A = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert generic_rank(A, 2) == 2
    # all columns equal: A o X has rank <= d0 * 1
    assert generic_rank(np.ones((3, 7)), 2) == 2
    # full column rank iff |T| <= d0 rank(A_T) for all T
    assert generic_rank(np.eye(3).repeat(2, axis=1), 2) == 6


def test_k3_refuses_huge_enumerations():
    A = np.where(np.random.default_rng(0).random((12, 60)) < 0.5, 1.0, 0.0)
    with pytest.raises(ValueError, match="max_candidates"):
        generic_rank(A, 2, max_candidates=1000)
    assert GENERIC_RANK_MAX_CANDIDATES >= 1000


@given(exact_instance(), st.data())
def test_k4_blockwise_kernel(inst, data):
    """Block i of (A o X) e is X diag(A_i) e (exactly, for every e); so (A o X) e = 0 iff every block
    vanishes, checked on a basis of the kernel."""
    A, X, _ = inst
    e = data.draw(hnp.arrays(np.float64, A.shape[1], elements=st.integers(-3, 3).map(float)))
    K = khatri_rao(A, X)
    assert np.array_equal(
        (K @ e).reshape(A.shape[0], X.shape[0]), np.stack([X @ (a * e) for a in A])
    )
    for e0 in scipy.linalg.null_space(K).T:
        assert all(np.allclose(X @ (a * e0), 0, atol=1e-10) for a in A)


@given(exact_instance(max_n=12), st.data())
def test_k5_dlm_residual_is_the_least_squares_residual(inst, data):
    """For every X (degenerate ones included): e_A is orthogonal to the row space of A o X, y - e_A lies
    in it, and it equals numpy lstsq's residual."""
    A, X, _ = inst
    y = data.draw(hnp.arrays(np.float64, A.shape[1], elements=st.integers(-3, 3).map(float)))
    K = khatri_rao(A, X)
    e, rank = dlm_residual(A, X, y, return_rank=True)
    assert rank == np.linalg.matrix_rank(K)
    scale = max(np.linalg.norm(y), 1.0) * max(1.0, np.linalg.norm(K, 2))
    assert np.linalg.norm(K @ e) <= 1e-9 * scale
    assert np.allclose(dlm_residual(A, X, y - e), 0, atol=1e-9 * scale)
    lstsq = y - K.T @ np.linalg.lstsq(K.T, y, rcond=None)[0]
    assert np.allclose(e, lstsq, atol=1e-9 * scale)
    assert np.allclose(
        dlm_residual(A, X, y), e, atol=1e-9 * scale
    )  # the default path, as well as the SVD


def pattern_batch():
    """(A, X, y): a batch of 4 patterns A in {rho, 1}^(d1 x N), any real X and y."""
    return pattern_and_data(reals(), batch=(4,), max_n=20, max_d0=4, max_d1=5).flatmap(
        lambda inst: st.tuples(st.just(inst[0]), st.just(inst[1]), matrices(inst[0].shape[-1]))
    )


@given(pattern_batch())
def test_k5_qr_path_equals_the_svd_path_including_rank_deficient_patterns(inst):
    """For every X and y: the default path (QR with guards and SVD fallback) and the SVD agree to 1e-10
    relative on a batch of patterns, many of them rank-deficient (repeated or dead columns)."""
    batch, X, y = inst
    auto, svd = dlm_residual(batch, X, y), dlm_residual(batch, X, y, method="svd")
    assert np.abs(auto - svd).max() <= 1e-10 * np.linalg.norm(y)


@st.composite
def near_duplicate_points(draw):
    """(A, X, y) with d0 d1 >= N: any X (d0 = max(2, N // 2)) whose second point is moved to 10^log_gap
    (log_gap in [-12, -1]) from the first along any direction, 8 patterns of 3 neurons (slope 0.2) from
    any weights, any y."""
    n = draw(st.integers(3, 12))
    d0 = max(2, n // 2)
    X = draw(matrices((d0, n)))
    X[:, 1] = X[:, 0] + 10.0 ** draw(st.floats(-12, -1)) * draw(matrices(d0))
    A = np.where(draw(matrices((8, 3, d0))) @ X > 0, 1.0, 0.2)
    return A, X, draw(matrices(n))


@given(near_duplicate_points())
def test_k5_wide_path_equals_the_svd_path_near_rank_deficiency(inst):
    """d0 d1 >= N: for every X, the Gram-certified path (e_A = 0 when cond(A o X) < 1e5) agrees with the
    SVD, also when two datapoints are 10^log_gap apart, so that A o X is as ill-conditioned as we like."""
    A, X, y = inst
    auto, svd = dlm_residual(A, X, y), dlm_residual(A, X, y, method="svd")
    assert np.abs(auto - svd).max() <= 1e-8 * np.linalg.norm(y)


def test_k5_batched_equals_one_at_a_time():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((3, 15)), rng.integers(0, 2, 15).astype(float)
    A = activation_pattern(rng.standard_normal((7, 4, 3)), X, 0.2)
    batch = dlm_residual(A, X, y)
    assert np.allclose(batch, np.stack([dlm_residual(a, X, y) for a in A]))


@given(
    st.integers(1, 4).flatmap(
        lambda d0: st.tuples(matrices((4, d0), zero=False), matrices((d0, 10)))
    ),
    rhos,
)
def test_activation_pattern_and_lrelu(WX, rho):
    """For every W and X: the pattern is 1 where W X > 0 and rho where W X < 0, and lrelu(W X) = P * W X;
    a pre-activation exactly 0 (W on a region boundary) is refused."""
    W, X = WX
    U = W @ X
    if np.any(U == 0):
        with pytest.raises(ValueError, match="exactly 0"):
            activation_pattern(W, X, rho)
        return
    P = activation_pattern(W, X, rho)
    assert np.array_equal(P == 1, U > 0) and np.all(P[U < 0] == rho)
    assert np.allclose(lrelu(U, rho), P * U)


def test_mce():
    y = np.array([0, 1, 1, 0.0])
    assert mce(np.array([0.2, 0.9, 0.4, 0.6]), y) == 0.5
    assert mce(y, y) == 0.0
    assert np.array_equal(mce(np.stack([y, 1 - y]), y), [0.0, 1.0])


@pytest.mark.parametrize(
    "call,exc,needle",
    [
        (
            lambda: khatri_rao(np.ones((2, 3)), np.ones((2, 4))),
            ValueError,
            "same number of columns",
        ),
        (
            lambda: khatri_rao(np.ones((2, 3)), np.full((2, 3), np.nan)),
            ValueError,
            "X must be finite",
        ),
        (lambda: khatri_rao(np.ones(3), np.ones((2, 3))), ValueError, "at least 2 dimensions"),
        (
            lambda: activation_pattern(np.ones((2, 2)), np.ones((2, 3)), 1.0),
            ValueError,
            "rho must differ from 1",
        ),
        (
            lambda: activation_pattern(np.array([[1.0, -1.0]]), np.ones((2, 3)), 0.0),
            ValueError,
            "exactly 0",
        ),
        (
            lambda: activation_pattern(np.ones((2, 3)), np.ones((2, 3)), 0.0),
            ValueError,
            "d0 = 2 columns",
        ),
        (
            lambda: dlm_residual(np.ones((2, 3)), np.ones((2, 3)), np.ones(4)),
            ValueError,
            "length N = 3",
        ),
        (lambda: mce(np.ones(3), np.array([0, 1, 2])), ValueError, "entries in {0, 1}"),
        (lambda: mce(np.ones(3), np.array([0, 1])), ValueError, "one label per datapoint"),
        (lambda: generic_rank(np.ones((2, 3)), 0), ValueError, "d0 must be an integer >= 1"),
        (lambda: lrelu(np.array(["a"]), 0.0), TypeError, "U must be a real numeric array"),
        (lambda: lrelu(np.ones(2), True), TypeError, "rho must be a real number"),
    ],
)
def test_bad_inputs(call, exc, needle):
    with pytest.raises(exc, match=needle.replace("{", r"\{").replace("}", r"\}")):
        call()


# --- K3 exactly, where a tolerance would fail: rho near 0, near 1, huge, and the special value -1 -------
def _exact_rank_of_khatri_rao_with_integer_data(A: np.ndarray, d0: int, rng) -> int:
    """rank(A o X) in exact rational arithmetic (SymPy) for X with random integer entries in [-10^6, 10^6].

    An independent route to K3: the generic rank is attained unless X is a root of a non-zero
    polynomial of degree <= N, which a uniform integer draw from 2 * 10^6 + 1 values hits with
    probability <= N / (2 * 10^6) (Schwartz-Zippel)."""
    import sympy as sp

    n = A.shape[1]
    X = rng.integers(-(10**6), 10**6 + 1, (d0, n))
    Aq = sp.Matrix(A.shape[0], n, lambda i, j: sp.Rational(float(A[i, j])))
    cols = [
        sp.Matrix(sp.kronecker_product(Aq[:, j], sp.Matrix(X[:, j].tolist()))) for j in range(n)
    ]
    return sp.Matrix.hstack(*cols).rank()


@pytest.mark.parametrize("rho", [1e-13, 1 - 1e-12, 1e12, -1.0, -1.0 + 1e-12, 0.0, 0.3])
@pytest.mark.parametrize("seed", range(3))
def test_k3_generic_rank_is_exact_at_hard_slopes(rho, seed):
    """Against the exact rank of A o X for integer data (SymPy), at slopes where a float tolerance on A
    goes wrong (A = [[1e-13, 1, 1e-13], [1e-13, 1e-13, 1e-13]], d0 = 2 has rank 3, not 1)."""
    rng = np.random.default_rng([seed, 7])
    n, d0, d1 = int(rng.integers(3, 8)), int(rng.integers(1, 3)), int(rng.integers(1, 4))
    A = np.where(rng.random((d1, n)) < 0.5, 1.0, rho)
    A[:, -1] = A[:, 0]  # a repeated column, so some subset T can matter
    assert generic_rank(A, d0) == _exact_rank_of_khatri_rao_with_integer_data(A, d0, rng)


def test_k3_issue_example_with_a_tiny_slope():
    A = np.array([[1e-13, 1, 1e-13], [1e-13, 1e-13, 1e-13]])
    assert (
        generic_rank(A, 2)
        == 3
        == _exact_rank_of_khatri_rao_with_integer_data(A, 2, np.random.default_rng(0))
    )
    # the same structure at every scale of A: the rank of A o X does not depend on it
    assert generic_rank(A * 1e-200, 2) == generic_rank(A * 1e200, 2) == 3


def test_dlm_residual_refuses_a_nan_or_negative_rtol():
    for bad in (float("nan"), -1.0, 1.5, "0.1"):
        with pytest.raises(ValueError, match="rtol"):
            dlm_residual(np.ones((1, 3)), np.eye(3), np.ones(3), rtol=bad)
