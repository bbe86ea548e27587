r"""Training the LReLU networks of the paper on the MSE, and Lemma 2 checked at the trained point.

One module per job:

* :mod:`.loss`: the MSE of the one-hidden-layer network and its gradient (float64 or float32 products);
* :mod:`.network`: full-batch L-BFGS-B or two-phase gradient descent of that network (L2, E2, E3);
* :mod:`.mlp`: full-batch L-BFGS-B of a network with several hidden layers (E1);
* :mod:`.first_order`: GD, SGD, momentum and Adam on ``R`` runs side by side (E2);
* :mod:`.large`: resumable L-BFGS, SGD and Adam at Table 1's sizes (E3's MNIST row), with checkpoints;
* :mod:`.streaming`: streamed ZCA whitening, a whitened cache on disk, and SGD / Adam read from it in
  bounded memory (E3's ImageNet row);
* :mod:`.diagnostics`: Lemma 2 (:math:`(A\circ X)e = 0`, :math:`e = e_A`) and Section 6's projected
  stationarity measured at a point;
* :mod:`.common`: what the trainers share (validation, the work caps' per-step charge, L-BFGS-B's
  options), public inside the package.

The gradient, its Khatri-Rao form and the work estimates are derived in ``docs/methods/training.md``.
"""

from .diagnostics import DLMDiagnostics, KinkStationarity, dlm_diagnostics, kink_stationarity
from .first_order import DIVERGENCE_FACTOR, OPTIMIZERS, FirstOrderResult, train_first_order
from .large import LargeTrainProgress, LargeTrainResult, train_large
from .loss import mse_and_gradient
from .mlp import MLPResult, train_mlp
from .network import TrainResult, train_network
from .streaming import (
    ArrayRows,
    StreamedWhitening,
    streamed_memory_bound,
    streamed_whitening,
    train_streamed,
    whitened_cache,
    whitening_memory_bound,
)

__all__ = [
    "mse_and_gradient",
    "TrainResult",
    "train_network",
    "DLMDiagnostics",
    "dlm_diagnostics",
    "MLPResult",
    "train_mlp",
    "KinkStationarity",
    "kink_stationarity",
    "OPTIMIZERS",
    "DIVERGENCE_FACTOR",
    "FirstOrderResult",
    "train_first_order",
    "LargeTrainResult",
    "LargeTrainProgress",
    "train_large",
    "ArrayRows",
    "StreamedWhitening",
    "streamed_whitening",
    "whitened_cache",
    "train_streamed",
    "streamed_memory_bound",
    "whitening_memory_bound",
]
