r"""Samplers over random first layers :math:`W\sim\mathcal N`: the V2 event and the global-minimum event.

The V2 event :math:`\mathrm{MCE}(y - e_{a(WX)}) > \epsilon` bounds :math:`V(L_\epsilon)` from above (V2), for
fixed data (:func:`sample_bad_region_event`) or averaged over Gaussian data as Theorem 6 does
(:func:`sample_bad_region_event_over_data`); :func:`sample_global_minimum_event` estimates :math:`V(G)`
(D4) where it is not tiny.  Every estimate is an exact Clopper-Pearson :class:`~.stats.Estimate`; all
samplers are vectorized over a batch of networks and their draws do not depend on the batch size.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_generator,
    as_matrix,
    batch_sizes,
    check_labels,
    check_rho,
    check_samples,
    open_unit,
    positive_int,
    scaled_norm,
)
from .cones import DEFAULT_MARGIN, check_margin
from .khatri_rao import (
    activation_pattern,
    dlm_residual,
    dlm_residual_unchecked,
    khatri_rao,
    mce_unchecked,
    pattern_unchecked,
)
from .regions import MAX_D1_SIGN_CHOICES, dlm_in_region
from .stats import Estimate, binomial_estimate

__all__ = [
    "sample_bad_region_event",
    "sample_bad_region_event_over_data",
    "sample_bad_region_event_loop",
    "sample_global_minimum_event",
]


# --- samplers over random W -----------------------------------------------------------------------
def _check_sizes(X, y, d1: int) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix("X", X)
    y = check_labels(y, X.shape[1])
    positive_int("d1", d1)
    return X, y


def _check_event_args(rho, eps, n_samples, rng, alpha) -> tuple[float, np.random.Generator]:
    """Validate the V2 samplers' common arguments (``alpha`` too, before any sampling); return (rho, generator)."""
    rho = check_rho(rho)
    open_unit("eps", eps)
    positive_int("n_samples", n_samples)
    open_unit("alpha", alpha)
    return rho, as_generator(rng)


def _count_v2_events(draw, y: np.ndarray, eps: float, n_samples: int, batch: int) -> int:
    """Count V2 events over ``n_samples`` draws taken ``batch`` at a time; ``draw(b)`` returns (A, X)
    for ``b`` samples (X shared or batched).  The event: MCE of the DLM output y - e_A exceeds eps."""
    hits = 0
    for b in batch_sizes(n_samples, batch):
        A, X = draw(b)
        e = dlm_residual_unchecked(A, X, y)
        hits += int(np.sum(mce_unchecked(y - e, y) > eps))
    return hits


#: Operations charged to each sample beside the product WX (patterns, residual bookkeeping): a lower bound.
_SAMPLE_OVERHEAD = 4e3


def _auto_batch(n: int, p: int) -> int:
    """Patterns per batch: one batch of [M | y] takes about 8 MB, at most 1024 patterns.

    Measured on the benchmark sizes (2 cores, median of 5): at (64, 4, 8) 512 patterns per batch give
    29,400 W/s against 25,600 with 248 (per-batch overhead); at (256, 8, 16) 15-32 give 2,100 and 63 give
    1,750 (cache); at (1024, 16, 32) 1-8 are within 4%."""
    return max(1, min(1024, (1 << 20) // (n * (p + 1))))


def sample_bad_region_event(
    X,
    y,
    d1: int,
    eps: float,
    rho: float,
    *,
    n_samples: int,
    rng,
    alpha: float = 1e-3,
    batch: int | None = None,
    max_work: float | None = None,
) -> Estimate:
    r"""Estimate :math:`\mathbb P_{W\sim\mathcal N}(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)`, the V2 upper
    bound on :math:`V(L_\epsilon)`.

    By K5 every DLM of the region :math:`\mathcal D_{a(WX)}` outputs :math:`y - e_A`; the event drops the
    requirement that a DLM exists, so its probability bounds :math:`V(L_\epsilon)` from above (V2).

    Vectorized: a batch of networks is one matrix product and one batched residual computation
    (:func:`~vanishing_minima.numeric.khatri_rao.dlm_residual`: certified Gram/Cholesky path, QR and SVD
    fallbacks).  ``batch``
    defaults to about 8 MB of work per batch (:func:`_auto_batch`); it does not change the draws (the normal stream is
    consumed in order), so any batch gives the same estimate.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data, real and finite.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width of the hidden layer: an integer :math:`\ge 1`.
    eps : float
        MCE threshold :math:`\epsilon`, in the open interval (0, 1).
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.
    n_samples : int
        Number of random first layers :math:`W`: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    alpha : float
        Error rate of the Clopper-Pearson interval, in the open interval (0, 1).
    batch : int, optional
        Networks per batch: an integer :math:`\ge 1`; ``None`` for the default above.
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at :math:`2d_1d_0N + 4000` operations each
        (a lower bound: the residual's solve comes on top) exceed it.

    Returns
    -------
    Estimate
        ``upper`` is a ``1 - alpha`` upper confidence bound on the V2 event probability.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, ``rho`` is not a real number, or ``rng`` is not a
        generator or an integer seed.
    ValueError
        If ``X`` is not 2-D, is empty or not finite; ``y`` is not a 1-D {0, 1} vector of length N; ``d1``,
        ``n_samples`` or ``batch`` is not an integer >= 1; ``eps`` or ``alpha`` is not in (0, 1); ``rho`` is
        not finite or equals 1; ``rng`` is None or a negative seed; the draws need more work than
        ``max_work``; or a drawn :math:`W` has a
        pre-activation :math:`w_i^\top x^{(n)}` exactly 0 (e.g. a zero column of ``X``).
    """
    X, y = _check_sizes(X, y, d1)
    rho, rng = _check_event_args(rho, eps, n_samples, rng, alpha)
    check_samples(
        "sample_bad_region_event", n_samples, 2.0 * d1 * X.size + _SAMPLE_OVERHEAD, max_work
    )
    batch = (
        _auto_batch(X.shape[1], d1 * X.shape[0]) if batch is None else positive_int("batch", batch)
    )
    draw = lambda b: (pattern_unchecked(rng.standard_normal((b, d1, X.shape[0])) @ X, rho), X)  # noqa: E731
    return binomial_estimate(
        _count_v2_events(draw, y, eps, int(n_samples), batch), int(n_samples), alpha
    )


def sample_bad_region_event_over_data(
    y,
    d0: int,
    d1: int,
    eps: float,
    rho: float,
    *,
    n_samples: int,
    rng,
    alpha: float = 1e-3,
    batch: int | None = None,
    max_work: float | None = None,
) -> Estimate:
    r"""Estimate :math:`\mathbb E_X\,\mathbb P_W(\mathrm{MCE}(y - e_{a(WX)}) > \epsilon)`: the V2 bound on
    :math:`\mathbb E_X V(L_\epsilon)`.

    Theorem 6 bounds :math:`\mathbb E_X V(L_\epsilon(X, y))` for fixed labels and :math:`X\sim\mathcal N`
    (A1).  Each sample draws a fresh pair :math:`(X, W)` of standard normal matrices, so the events are
    independent Bernoulli trials with success probability :math:`\mathbb E_X \mathbb P_W(\cdot)` and the
    Clopper-Pearson interval is exact for it (one :math:`X` per sample, not one per batch of :math:`W`).

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels with entries in {0, 1}.
    d0, d1 : int
        Input dimension and width of the hidden layer: integers :math:`\ge 1`.
    eps : float
        MCE threshold :math:`\epsilon`, in the open interval (0, 1).
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.
    n_samples : int
        Number of pairs :math:`(X, W)`: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    alpha : float
        Error rate of the interval, in the open interval (0, 1) (checked after sampling).
    batch : int, optional
        Pairs per batch (default: :func:`_auto_batch`), an integer :math:`\ge 1`.  The draws do not depend
        on it: :math:`X` and :math:`W` come from two streams spawned from ``rng``, each consumed in order.
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at
        :math:`(2d_1 + 1)d_0N + 4000` operations each (a lower bound: the residual's solve comes on top)
        exceed it.

    Returns
    -------
    Estimate
        The frequency of the event with its Clopper-Pearson interval at level ``alpha``.

    Raises
    ------
    TypeError
        If ``y`` is not a real numeric array, ``rho`` is not a real number, or ``rng`` is not a generator
        or an integer seed.
    ValueError
        If ``y`` is not a 1-D {0, 1} vector; ``d0``, ``d1``, ``n_samples`` or ``batch`` is not an integer
        >= 1; ``eps`` or ``alpha`` is not in (0, 1); ``rho`` is not finite or equals 1; ``rng`` is None or a
        negative seed; the draws need more work than ``max_work``; or a draw has a pre-activation exactly 0
        (probability zero).
    """
    y = check_labels(y)
    d0, d1 = positive_int("d0", d0), positive_int("d1", d1)
    rho, rng = _check_event_args(rho, eps, n_samples, rng, alpha)
    n = y.shape[0]
    check_samples(
        "sample_bad_region_event_over_data",
        n_samples,
        (2.0 * d1 + 1) * d0 * n + _SAMPLE_OVERHEAD,
        max_work,
    )
    batch = _auto_batch(n, d1 * d0) if batch is None else positive_int("batch", batch)
    rng_x, rng_w = rng.spawn(
        2
    )  # one stream each, consumed in order: the draws do not depend on the batch

    def draw(b: int) -> tuple[np.ndarray, np.ndarray]:
        X = rng_x.standard_normal((b, d0, n))
        return pattern_unchecked(rng_w.standard_normal((b, d1, d0)) @ X, rho), X

    return binomial_estimate(
        _count_v2_events(draw, y, eps, int(n_samples), batch), int(n_samples), alpha
    )


def sample_bad_region_event_loop(
    X,
    y,
    d1: int,
    eps: float,
    rho: float,
    *,
    n_samples: int,
    rng,
    alpha: float = 1e-3,
    max_work: float | None = None,
) -> Estimate:
    r"""Reference implementation of :func:`sample_bad_region_event`: one sample at a time.

    Draws the same :math:`W` as the vectorized sampler (same ``rng``), then for each forms
    :math:`A\circ X` and takes the residual of ``numpy.linalg.lstsq``.  For tests and the benchmark
    only: it is a Python loop per sample.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data, real and finite.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width of the hidden layer: an integer :math:`\ge 1`.
    eps : float
        MCE threshold :math:`\epsilon`; meant in (0, 1), but not validated here (unlike the vectorized sampler).
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.
    n_samples : int
        Number of random first layers: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    alpha : float
        Error rate of the Clopper-Pearson interval, in the open interval (0, 1).
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at :math:`2d_1d_0N + 40000`
        operations each (a Python iteration each; the least-squares solve comes on top) exceed it.

    Returns
    -------
    Estimate
        The same estimate as :func:`sample_bad_region_event` up to rounding of the residuals.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, ``rho`` is not a real number, or ``rng`` is not a
        generator or an integer seed.
    ValueError
        If ``X`` is not 2-D, is empty or not finite; ``y`` is not a 1-D {0, 1} vector of length N; ``d1``
        is not an integer >= 1; ``rho`` is not finite or equals 1; ``rng`` is None or a negative seed;
        ``n_samples`` is not an integer >= 1 or needs more work than ``max_work``, ``eps`` or ``alpha`` is
        not in (0, 1); or a drawn :math:`W` has a
        pre-activation :math:`w_i^\top x^{(n)}` exactly 0 (e.g. a zero column of ``X``).
    """
    X, y = _check_sizes(X, y, d1)
    rho, rng = _check_event_args(rho, eps, n_samples, rng, alpha)
    check_samples(
        "sample_bad_region_event_loop",
        n_samples,
        2.0 * d1 * X.size + 10 * _SAMPLE_OVERHEAD,
        max_work,
    )
    hits = 0
    for _ in range(int(n_samples)):
        A = pattern_unchecked(rng.standard_normal((d1, X.shape[0])) @ X, rho)
        M = khatri_rao(A, X).T
        e = y - M @ np.linalg.lstsq(M, y, rcond=None)[0]
        hits += int(mce_unchecked(y - e, y) > eps)
    return binomial_estimate(hits, int(n_samples), alpha)


def sample_global_minimum_event(
    X,
    y,
    d1: int,
    rho: float,
    *,
    n_samples: int,
    rng,
    alpha: float = 1e-3,
    margin: float = DEFAULT_MARGIN,
    max_work: float | None = None,
) -> Estimate:
    r"""Estimate :math:`\mathbb P_{W\sim\mathcal N}(\mathcal D_{a(WX)} \subseteq G)`, i.e. :math:`V(G)` (D4, T9).

    The residual test :math:`e_A = 0` is batched; the K6 sign LPs run once per *distinct* pattern among
    the samples with :math:`e_A = 0`, for the sign choices that pass K6's sign test
    (:func:`~.regions.admissible_sign_choices`, at most :data:`~.regions.MAX_SIGN_LPS` per pattern); ``d1``
    is limited to ``MAX_D1_SIGN_CHOICES``.

    Parameters
    ----------
    X : array_like, shape (d0, N)
        Data, real and finite, with no zero column.
    y : array_like, shape (N,)
        Labels with entries in {0, 1}, one per column of ``X``.
    d1 : int
        Width of the hidden layer: an integer between 1 and ``MAX_D1_SIGN_CHOICES``.
    rho : float
        LReLU slope: a finite real number, :math:`\rho \ne 1`.
    n_samples : int
        Number of random first layers :math:`W`: an integer :math:`\ge 1`.
    rng : numpy.random.Generator or int
        The random generator, or an integer seed (``None`` is refused: results must be reproducible).
    alpha : float
        Error rate of the Clopper-Pearson interval, in the open interval (0, 1).
    margin : float
        In the open interval (0, 1): the LP margin of :func:`~.regions.dlm_in_region`.
    max_work : float, optional
        Work cap (default :data:`~vanishing_minima.numeric._checks.MAX_WORK`, 1e11, about a minute), a
        finite number > 0: refused before any draw when ``n_samples`` draws at :math:`2d_1d_0N + 4000`
        operations each exceed it (the LPs come on top).  Every draw is held at once (with its pattern
        and residual work arrays, :math:`8d_1(d_0 + N) + 24(Np + \min(N,p)^2 + 8d_1N)` bytes,
        :math:`p = d_0d_1`): more than :data:`~vanishing_minima.numeric._checks.MAX_MEMORY` is refused.

    Returns
    -------
    Estimate
        The frequency of :math:`\mathcal D_{a(WX)} \subseteq G` with its Clopper-Pearson interval.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not a real numeric array, ``rho`` is not a real number, or ``rng`` is not a
        generator or an integer seed.
    ValueError
        If ``X`` is not 2-D, is empty or not finite; ``y`` is not a 1-D {0, 1} vector of length N; ``d1``
        is not an integer in [1, ``MAX_D1_SIGN_CHOICES``]; ``n_samples`` is not an integer >= 1; ``alpha``
        or ``margin`` is not in (0, 1); ``rho`` is not finite or equals 1; ``rng`` is None or a negative
        seed; the draws need more work than ``max_work`` or more memory than ``MAX_MEMORY``; a drawn
        :math:`W` has a pre-activation :math:`w_i^\top x^{(n)}` exactly 0 (e.g. a zero column of ``X``); or
        a pattern leaves more than :data:`~.regions.MAX_SIGN_LPS` admissible sign choices.
    """
    X, y = _check_sizes(X, y, d1)
    rho = check_rho(rho)
    if d1 > MAX_D1_SIGN_CHOICES:
        raise ValueError(
            f"d1 must be <= {MAX_D1_SIGN_CHOICES}: the sign test enumerates 3^d1 choices; got d1 = {d1}"
        )
    d0, n = X.shape
    q = d0 * d1
    n_samples = check_samples(
        "sample_global_minimum_event",
        n_samples,
        2.0 * q * n + _SAMPLE_OVERHEAD,
        max_work,
        8.0 * d1 * (d0 + n) + 24.0 * (n * q + min(n, q) ** 2 + 8 * d1 * n),
    )
    alpha, margin = open_unit("alpha", alpha), check_margin(margin)
    rng = as_generator(rng)
    W = rng.standard_normal((int(n_samples), d1, X.shape[0]))
    A = activation_pattern(W, X, rho)
    e = dlm_residual(A, X, y)
    zero = scaled_norm(e, axis=-1) <= 1e-9 * scaled_norm(y)  # relative to the labels
    hits = 0
    if np.any(zero):
        patterns, counts = np.unique(
            A[zero].reshape(int(zero.sum()), -1), axis=0, return_counts=True
        )
        for p, c in zip(patterns, counts):
            cert = dlm_in_region(
                p.reshape(d1, -1), X, y, margin=margin, target_residual=np.zeros_like(y)
            )
            hits += int(c) if cert is not None else 0
    return binomial_estimate(hits, int(n_samples), alpha)
