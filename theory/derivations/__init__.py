r"""Symbolic derivations that link the paper's statements, each checked by SymPy.

Every function returns a :class:`Derivation`: what is claimed, whether SymPy confirmed it
(``holds``), and the steps with the SymPy results that decided it.  Some derivations also record
*findings*: places where a commonly quoted form of a step is wrong and the corrected form holds.

=========================================  =====================================================
function                                   what it derives
=========================================  =====================================================
:func:`theorem10_second_inequality_from_A4` :math:`e^{-\gamma N^{3/4}(d_0d_1)^{1/4}} \le e^{-\gamma N\log N}`
:func:`theorem9_second_inequality`          :math:`e^{-d_1^* d_0\log N} = e^{-2N\log N}` for :math:`d_1^* = 2N/d_0`
:func:`d1_star_times_d0`                    :math:`d_1^* d_0 = 2N + O(N/d_0 + d_0)` for Theorem 8's width
:func:`theorem10_from_theorems_6_and_9`     the composed exponent has Theorem 6's leading order
:func:`corollary7_from_theorem6`            Markov's inequality, and :math:`1/\delta` is of lower order
:func:`theorem9_delta_vanishes`             :math:`\delta \to 0` under A2-A3
:func:`mse_gradient_in_region`              :math:`\nabla_W\mathrm{MSE}` in a region, through :math:`(A\circ X)e`
:func:`gram_identity`                       K1: :math:`(A\circ X)^\top(B\circ Y) = (A^\top B)\odot(X^\top Y)`
=========================================  =====================================================

By theorem: :mod:`.theorem10`, :mod:`.global_minima` (Theorems 8 and 9), :mod:`.theorem6` (Corollary 7
and Section 6), :mod:`.khatri_rao` (K1 and L2); the :class:`Derivation` record and the shared reading
of the shipped formulas in :mod:`.common`.  The derivations in full: ``docs/methods/``.
"""

from __future__ import annotations

# the family, GAMMA and theorem6_exponent are not in __all__ but importable from here, as the tests do
from .common import FAMILY_D0, FAMILY_D1, GAMMA, Derivation, theorem6_exponent  # noqa: F401
from .global_minima import d1_star_times_d0, theorem9_delta_vanishes, theorem9_second_inequality
from .khatri_rao import gram_identity, khatri_rao_symbolic, mse_gradient_in_region
from .theorem6 import corollary7_from_theorem6, section6_reduced_width
from .theorem10 import (
    theorem10_from_theorems_6_and_9,
    theorem10_nonvacuous_log_n,
    theorem10_second_inequality_from_A4,
)

__all__ = [
    "Derivation",
    "theorem10_second_inequality_from_A4",
    "theorem9_second_inequality",
    "d1_star_times_d0",
    "theorem10_from_theorems_6_and_9",
    "theorem10_nonvacuous_log_n",
    "corollary7_from_theorem6",
    "theorem9_delta_vanishes",
    "mse_gradient_in_region",
    "gram_identity",
    "khatri_rao_symbolic",
    "section6_reduced_width",
    "ALL_DERIVATIONS",
]

ALL_DERIVATIONS = (
    theorem10_second_inequality_from_A4,
    theorem9_second_inequality,
    d1_star_times_d0,
    theorem10_from_theorems_6_and_9,
    corollary7_from_theorem6,
    theorem9_delta_vanishes,
    mse_gradient_in_region,
    gram_identity,
    section6_reduced_width,
)
