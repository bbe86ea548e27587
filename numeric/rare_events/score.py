r"""The V2 event at fixed data as a score for splitting: :math:`S(W) = m(W) + \tau(W)`.

:math:`m(W)` is the number of points misclassified by the DLM residual of the pattern :math:`a(WX)`
(exact: one batched call of the certified residual per batch of :math:`W`), :math:`m^*` the smallest
count with :math:`m^*/N > \epsilon` (:func:`misclassification_threshold`), and :math:`\tau\in[0, 1-10^{-6}]`
a deterministic tie-breaker that gives splitting a slope where :math:`m` is flat (:data:`TIE_BREAKERS`).
The tie-breakers and the measurements that chose the default: ``docs/methods/splitting.md``
(The V2 score).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._checks import (
    as_matrix,
    check_labels,
    check_rho,
    open_unit,
    positive_int,
    power_of_two_scale,
    scaled_norm,
)
from ..cones import check_no_zero_column
from ..generic_rank import check_general_position
from ..khatri_rao import dlm_residual_unchecked, pattern_unchecked

__all__ = ["TIE_BREAKERS", "V2Score", "misclassification_threshold"]

#: Tie-breakers of :class:`V2Score` (see ``docs/methods/splitting.md``).
TIE_BREAKERS = ("auto", "dead-start", "dead", "dead-max", "residual", "combined", "none")
_TAU_MAX = 1.0 - 1e-6


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
        If ``n`` is not an integer >= 1, or ``eps`` is not a finite number in (0, 1).
    """
    n = positive_int("N", n)
    eps = open_unit("eps", eps)
    m = max(0, math.floor(eps * n) - 1)
    while not m / n > eps:
        m += 1
    return m


class V2Score:
    r"""The splitting score :math:`S(W) = m(W) + \tau(W)` of the V2 event, batched.

    The tie-breakers :math:`\tau` are defined in ``docs/methods/splitting.md`` (The V2 score).

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

    def require_certificate_domain(self, method: str) -> None:
        r"""Refuse a ``method`` whose count rests on K3's certificate where it cannot hold: ``d0 d1 < N``
        (the columns of :math:`A\circ X` cannot then be independent), ``d1 > 62`` (patterns are coded as
        64-bit integers) or X not in general position as far as
        :func:`~vanishing_minima.numeric.generic_rank.check_general_position` tests it.

        Raises
        ------
        ValueError
            Naming ``method`` and the rule that fails.
        """
        if self.d0 * self.d1 < self.n:
            raise ValueError(
                f"method={method!r} needs d0 * d1 >= N (K3's certificate cannot hold otherwise); got "
                f"d0 * d1 = {self.d0 * self.d1} < N = {self.n}; use method='splitting'"
            )
        if self.d1 > 62:
            raise ValueError(f"method={method!r} needs d1 <= 62; got {self.d1}")
        check_general_position(self.X, f"method={method!r}")

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
