r"""The moves of generalized splitting: the counted, chunked score and the pCN kernel with rejection.

:math:`W' = cW + \sqrt{1-c^2}\,Z`, :math:`Z\sim\mathcal N(0,I)`, accepted iff :math:`S(W')\ge\gamma_t`: the
Metropolis-Hastings kernel for :math:`\mathcal N(0,I)` restricted to :math:`\{S\ge\gamma_t\}`, optionally
moving one random index along ``block_axis`` (``docs/methods/splitting.md``, The kernel).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["Scorer", "kernel_step"]


class Scorer:
    """Chunked, validated, counted calls to the user's score."""

    def __init__(self, score: Callable, batch: int | None):
        self.score = score
        self.batch = batch
        self.evaluations = 0

    def __call__(self, W: np.ndarray) -> np.ndarray:
        n = W.shape[0]
        if n == 0:
            return np.empty(0)
        step = n if self.batch is None else self.batch
        parts = []
        for i in range(0, n, step):
            out = np.asarray(self.score(W[i : i + step]), dtype=float)
            b = min(step, n - i)
            if out.shape != (b,):
                raise ValueError(
                    f"score must return one value per sample, shape ({b},); got shape {out.shape}"
                )
            if np.any(np.isnan(out)):
                raise ValueError("score returned NaN")
            parts.append(out)
        self.evaluations += n
        return np.concatenate(parts)


def kernel_step(
    states: np.ndarray,
    S: np.ndarray,
    level: float,
    c: float,
    rng: np.random.Generator,
    scorer: Scorer,
    block_axis: int | None,
) -> np.ndarray:
    """One pCN move with rejection for every row of ``states`` (in place); returns the acceptance mask."""
    n = states.shape[0]
    Z = rng.standard_normal(states.shape)
    prop = c * states + math.sqrt(1.0 - c * c) * Z
    if block_axis is not None:
        k = states.shape[1 + block_axis]
        idx = rng.integers(k, size=n)
        shape = [n] + [1] * (states.ndim - 1)
        shape[1 + block_axis] = k
        mask = (np.arange(k)[None, :] == idx[:, None]).reshape(shape)
        prop = np.where(mask, prop, states)
    Sp = scorer(prop)
    acc = Sp >= level
    states[acc] = prop[acc]
    S[acc] = Sp[acc]
    return acc
