"""Section 5 of the paper (E1, E2, E3) as sweep tasks: one frozen task and one picklable point function
per training run.

Each experiment's task is a frozen dataclass that carries its own seed and is checked on construction
(:class:`E1Task`, :class:`E2Task`, :class:`E2ProtocolTask`, :class:`E3Task`); its point function returns a
frozen dataclass of the task's values and the measurements (:class:`E1Point`, :class:`E2Point`,
:class:`E2ProtocolPoint`, :class:`E3Point`), so a sweep is ``run_sweep(e1_point, tasks, executor=...)``
(:mod:`..sweeps`) on any executor, and ``task.run()`` computes one point.  Labels the point does not need
(a repeat's label, a data set's name) stay with the caller: zip the results with the tasks.

* :mod:`.e1`: E1, training error against weights/N (Figure 5.1), and :func:`weights_count`;
* :mod:`.e2`: E2 by full-batch gradient descent (Figure 5.2), its constants and the measurements of a
  trained layer;
* :mod:`.e2_protocols`: E2 under GD, SGD, momentum and Adam, the repeats of a protocol side by side;
* :mod:`.e3`: E3, training error on whitened real data at about one weight per sample (Table 1).

CLAIMS.md gives the data, the architecture and the schedule's shape, not the optimizer's constants; the
constants here are ours and part of the reported evidence (``docs/methods/experiments.md``).
"""

from .e1 import E1Point, E1Task, e1_point, weights_count
from .e2 import (
    E2_BATCH,
    E2_DECAY,
    E2_EPOCHS,
    E2_KINK_MIN,
    E2_KINK_TOL,
    E2_LR,
    E2Measurement,
    E2Point,
    E2Task,
    e2_measure,
    e2_point,
)
from .e2_protocols import E2ProtocolPoint, E2ProtocolTask, E2Run, e2_protocol_point
from .e3 import E3_MAX_WORK, E3Point, E3Task, e3_point

__all__ = [
    "E1Task",
    "E1Point",
    "e1_point",
    "E2Task",
    "E2Point",
    "e2_point",
    "E2Measurement",
    "e2_measure",
    "E2ProtocolTask",
    "E2Run",
    "E2ProtocolPoint",
    "e2_protocol_point",
    "E3Task",
    "E3Point",
    "e3_point",
    "E2_LR",
    "E2_DECAY",
    "E2_EPOCHS",
    "E2_BATCH",
    "E2_KINK_TOL",
    "E2_KINK_MIN",
    "weights_count",
    "E3_MAX_WORK",
]
