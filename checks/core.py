"""The audit's core types: verdicts, budgets, what a check is given and what it returns.

Kept apart from the runner (:mod:`.audit`) and the registry (:mod:`.registry`) so that the checks import
these types without importing the runner: imports run checks -> core, registry -> checks, audit -> registry.
The verdicts are defined in :mod:`.audit`'s docstring.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

import numpy as np

from vanishing_minima.numeric.sweeps import run_serial
from vanishing_minima.theory import claims

from .evidence import Evidence

__all__ = [
    "Verdict",
    "Budget",
    "CheckResult",
    "Context",
    "CheckFunction",
    "check",
    "PENDING",
    "MC_ALPHA",
    "KEY_FIGURE_LIMIT",
    "split_key_figure",
    "CheckError",
]


class Verdict(str, Enum):
    """The verdicts of the audit (what each one claims: :mod:`.audit`), and ``pending``: a claim whose
    check is not written yet (a status, not a verdict).  A member compares equal to its value and prints
    as it (``str(Verdict.CONSISTENT) == "consistent"``)."""

    PROVED = "proved"
    DERIVED = "derived"
    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    PARTIAL = "partial"
    INCONCLUSIVE = "inconclusive"
    NOT_CHECKABLE = "not checkable"
    PENDING = "pending"

    def __str__(self) -> str:
        return self.value


PENDING = Verdict.PENDING

#: Error rate declared for each Monte Carlo interval (two-sided Clopper-Pearson).  The quick audit has
#: 29 intervals (24 in the lemma checks, 5 in T6's sweep): a run fails by chance with probability at
#: most 2.9e-5, 20 runs with different seeds at most 5.8e-4 (union bound).  T9 and T10
#: also report sampled bounds (each simultaneous over its draws at this rate) that decide no verdict:
#: T9's verdict holds on its deterministic inscribed-cap bound alone, T10's is the derivation.
MC_ALPHA = 1e-6


class Budget(str, Enum):
    """How much work a check may do; ``scale`` multiplies sample counts."""

    QUICK = "quick"
    STANDARD = "standard"
    THOROUGH = "thorough"

    @property
    def scale(self) -> int:
        return {"quick": 1, "standard": 4, "thorough": 16}[self.value]


class CheckError(Exception):
    """A check raised: carries the claim id; the original exception is the ``__cause__``.

    The command maps it to exit code 3 (a broken check), whatever the original type: a ``ValueError``
    inside a check is a bug of the audit, not a usage error."""

    def __init__(self, claim: str, error: BaseException):
        super().__init__(f"the check of {claim} raised {type(error).__name__}: {error}")
        self.claim = claim
        self.error = error


@dataclass(frozen=True)
class Context:
    """What a check is given: its budget, its generator, the declared Monte Carlo error rate, where
    sweeps run (``map``: any ``concurrent.futures.Executor``, or the audit's shared process pool), and the
    user's data folders (``data``)."""

    budget: Budget
    seed: int
    claim: str
    alpha: float = MC_ALPHA
    executor: Any = field(default=None, compare=False, repr=False)
    #: The user's data sets for the checks that can use them (E3's Table 1 rows): ``(name, folder)`` pairs.
    data: tuple[tuple[str, str], ...] = ()

    def map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
        """``[fn(t) for t in tasks]`` on the executor, in task order (each task carries its own seed).

        Results are the same on every executor up to the summation order of a multi-threaded BLAS
        (the audit's own pool and the serial path use one BLAS thread)."""
        if self.executor is None:
            return run_serial(fn, tasks)
        return list(self.executor.map(fn, list(tasks)))

    def task_seed(self, index: int) -> list[int]:
        """Entropy of the ``index``-th task of this claim's sweep: independent of the executor."""
        return [*self.seed_sequence, int(index)]

    @property
    def seed_sequence(self) -> list[int]:
        """The entropy of this claim's generator: ``[seed, crc32(claim id)]``."""
        return [self.seed, zlib.crc32(self.claim.encode())]

    @property
    def rng(self) -> np.random.Generator:
        """A fresh generator for this claim (same seed and claim give the same draws)."""
        return np.random.default_rng(self.seed_sequence)

    def n(self, quick: int) -> int:
        """A sample count: ``quick`` at the quick budget, scaled at the others."""
        return quick * self.budget.scale


#: The key figure's length the pages aim at (characters); the rest of what a check reports goes into
#: :attr:`CheckResult.details`.  The audit's tests hold every check to it.
KEY_FIGURE_LIMIT = 200


def split_key_figure(text: str, limit: int = KEY_FIGURE_LIMIT) -> tuple[str, str]:
    """A long key figure as ``(headline, rest)``: the headline is the longest run of its leading clauses
    (separated by ``"; "`` outside parentheses) that fits in ``limit`` characters (at least the first
    clause, whatever its length), the rest the remaining clauses.

    >>> split_key_figure("a (x; y); b; c", limit=12)
    ('a (x; y); b', 'c')
    >>> split_key_figure("short", limit=12)
    ('short', '')
    """
    clauses, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == ";" and depth == 0 and text[i + 1 : i + 2] == " ":
            clauses.append(text[start:i])
            start = i + 2
    clauses.append(text[start:])
    head = clauses[0]
    k = 1
    while k < len(clauses) and len(head) + 2 + len(clauses[k]) <= limit:
        head += "; " + clauses[k]
        k += 1
    return head, "; ".join(clauses[k:])


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: verdict, the key figure, what kind of evidence, and the evidence.

    Frozen: the audit adds what it measured around the check (``seconds``, ``seed_sequence``) by
    :func:`dataclasses.replace`, never by changing a result.  ``verdict`` is a :class:`Verdict` (a string
    such as ``"consistent"`` is converted); ``evidence`` is the claim's typed :class:`.evidence.Evidence`
    (or ``None``), nothing else.
    """

    claim: str
    verdict: Verdict
    key_figure: str
    method: str
    evidence: Evidence | None = None
    seconds: float = 0.0
    #: SVG figures by name, written beside the claim's page as ``<claim>-<name>.svg`` (not in the JSON).
    figures: dict[str, str] = field(default_factory=dict)
    #: The entropy of the check's generator (``numpy.random.default_rng(seed_sequence)``), set by the audit.
    seed_sequence: tuple[int, ...] = ()
    #: What the key figure leaves out (per-branch or per-size figures): shown below it on the claim's
    #: page and kept in the JSON; the key figure itself stays short (:data:`KEY_FIGURE_LIMIT`).
    details: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))
        if self.evidence is not None and not isinstance(self.evidence, Evidence):
            raise TypeError(
                f"evidence of {self.claim} must be an Evidence dataclass or None; "
                f"got {type(self.evidence).__name__}"
            )

    @property
    def kind(self) -> str:
        return claims.get(self.claim).kind.value

    def evidence_json(self) -> dict[str, Any]:
        """The evidence as the JSON report holds it, the seed sequence last (``{}`` without evidence)."""
        out = {} if self.evidence is None else self.evidence.to_json()
        if self.seed_sequence:
            out["seed_sequence"] = list(self.seed_sequence)
        return out


CheckFunction = Callable[[Context], CheckResult]


def check(claim_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function as the check of ``claim_id`` (which must be in the claim registry).

    Only a label (``fn.claim_id``): what runs is the mapping of :mod:`.registry`, written out there, and
    a test checks that the two agree."""
    claims.get(claim_id)

    def mark(fn: CheckFunction) -> CheckFunction:
        fn.claim_id = claim_id  # type: ignore[attr-defined]
        return fn

    return mark
