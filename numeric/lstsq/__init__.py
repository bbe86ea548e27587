r"""Certified least-squares residuals for stacks of Khatri-Rao systems: the fast path of ``dlm_residual``.

For patterns :math:`A` (B, d1, N) and data :math:`X` (d0, N), the residual :math:`e_A = (I - P)y` of
:math:`M = (A\circ X)^\top` is computed for the whole batch without forming :math:`M`, and every result
carries a certificate; :func:`auto_residual` recomputes the uncertified ones by Householder QR and, where
that refuses too, by the SVD.  One module per job:

* :mod:`.certified`: :func:`certified_residual` and the dispatch between tall and wide systems
* :mod:`.tall`: :math:`d_0d_1 < N`, Gram matrix, certified Cholesky, refinement, certificates
* :mod:`.wide`: :math:`d_0d_1\ge N`, dead points removed and the live rows certified independent
* :mod:`.reductions`: K3's exact reductions of structurally rank-deficient patterns
* :mod:`.factor`: the shifted (Rump) Cholesky test, batched and blocked
* :mod:`.products`: K1's products with :math:`M` and :math:`M^\top` and the Gram matrices
* :mod:`.scaling`: exact power-of-two scaling of the inputs
* :mod:`.fallback`: Householder QR of :math:`[M \mid y]`, then the SVD
* :mod:`.auto`: :func:`auto_residual`, the three in turn
* :mod:`.runtime`: stage statistics (:func:`collect_stats`) and BLAS threads

The certificates, their proofs and the error bounds: ``docs/methods/certified-least-squares.md``.
"""

from .auto import auto_residual
from .certified import certified_residual
from .fallback import QR_CERTIFICATE_GUARD, QR_DIAGONAL_GUARD, augmented, residual_svd
from .reductions import SUBSET_KAPPA
from .runtime import ONE_THREAD_BELOW_P, ResidualStats, collect_stats
from .tall import ACCURACY_GUARD, DATA_REFINEMENT_STEPS, ORTHOGONALITY_GUARD, TALL_KAPPA
from .wide import WIDE_KAPPA

__all__ = [
    "certified_residual",
    "auto_residual",
    "ResidualStats",
    "collect_stats",
    "augmented",
    "residual_svd",
    "TALL_KAPPA",
    "WIDE_KAPPA",
    "SUBSET_KAPPA",
    "ORTHOGONALITY_GUARD",
    "ACCURACY_GUARD",
    "DATA_REFINEMENT_STEPS",
    "QR_DIAGONAL_GUARD",
    "QR_CERTIFICATE_GUARD",
    "ONE_THREAD_BELOW_P",
]
