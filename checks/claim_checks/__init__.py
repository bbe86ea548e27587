"""One check per claim (see :mod:`..audit` for the verdicts), one module per family of claims.

Each check is named after its claim (``check_K3``) and registered in :mod:`..registry`:

* :mod:`.definitions`: assumptions A1-A5 and definitions D1-D5;
* :mod:`.khatri_rao`: the Khatri-Rao lemmas K1-K6;
* :mod:`.gaussian`: the Gaussian-input lemmas G1-G6;
* :mod:`.volumes`: the angular volumes V1, V2 and Lemma 2;
* :mod:`.theorem6`: Theorem 6 across N (its sweeps' tasks: :func:`.theorem6.t6_tasks`);
* :mod:`.theorems`: C7, T8, T9, T10 and S6;
* :mod:`.section5`: the experiments E1-E3 of Section 5 (E2's plan, per-run records and verdict rule:
  :mod:`.e2_rule`).

The audit's scaling family and the sweeps' sizes are defined once, in :mod:`.family`.
"""

from .theorem6 import t6_tasks

__all__ = ["t6_tasks"]
