"""E2's plan, per-run records and verdict rule: where a run ended against the paper's ranges, the counts
over a protocol's runs, and the verdict across protocols (fixed before the first scan).

The check itself is :func:`.section5.check_E2`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vanishing_minima.numeric import E2Run, experiments

from ..core import Verdict
from ..evidence import Evidence, shown

__all__ = [
    "E2_PAPER_WX",
    "E2_PAPER_MSE",
    "E2_STEPS",
    "E2_INIT_SCALES",
    "E2_PARTIAL",
    "E2Plan",
    "e2_plan",
    "E2Record",
    "E2Flags",
    "e2_run_flags",
    "E2Summary",
    "e2_summary",
    "E2ProtocolRow",
    "E2BestCell",
    "E2RunRow",
    "e2_verdict",
    "e2_protocol_name",
]

#: The paper's ranges of Figure 5.2: the final min |w^T x| and the final MSE.
E2_PAPER_WX, E2_PAPER_MSE = (1e-3, 1.0), (1e-31, 1e-7)

#: E2's protocols: every optimizer of ``vanishing_minima.numeric.training.OPTIMIZERS`` at every step of
#: ``E2_STEPS`` and every initialization scale of ``E2_INIT_SCALES`` (minibatches of ``experiments.E2_BATCH``).
#: The grid spans Adam's customary step (1e-3), SGD's (1e-2 to 1e-1) and the step of ``e2_point`` (0.2).
E2_STEPS = (0.001, 0.01, 0.03, 0.1, 0.2)
E2_INIT_SCALES = (0.3, 1.0, 3.0)
#: Verdict tolerance, fixed before the first scan: "partial" when the best protocol puts at least this
#: fraction of its runs in both of the paper's ranges (no protocol puts all of them there).
E2_PARTIAL = 0.9


@dataclass(frozen=True)
class E2Plan(Evidence):
    """The sizes, grid and repeats of E2 at one budget."""

    ds: tuple[int, ...] = shown("ds")
    steps: tuple[float, ...] = shown("steps")
    scales: tuple[float, ...] = shown("scales")
    reps: int = shown("reps")


def e2_plan(scale: int) -> E2Plan:
    """The sizes, grid and repeats of E2 at a budget ``scale`` (1 quick, 4 standard, 16 thorough).

    Quick and standard are subsets of the thorough scan (same seeds for the same d and repeat), so
    their runs are runs of the full scan.

    Raises
    ------
    ValueError
        If ``scale`` is not 1, 4 or 16.
    """
    plans = {
        1: E2Plan(ds=(10, 15), steps=(0.01, 0.1), scales=(1.0,), reps=4),
        4: E2Plan(ds=(10, 15, 20), steps=E2_STEPS, scales=(1.0,), reps=5),
        16: E2Plan(ds=(10, 15, 20, 25, 30), steps=E2_STEPS, scales=E2_INIT_SCALES, reps=30),
    }
    if scale not in plans:
        raise ValueError(f"scale must be one of {sorted(plans)}; got {scale!r}")
    return plans[scale]


@dataclass(frozen=True)
class E2Record:
    """One E2 run with its protocol: the optimizer, step, init scale and size it was trained at."""

    protocol: str
    optimizer: str
    lr: float
    init_scale: float
    d: int
    run: E2Run


@dataclass(frozen=True)
class E2Flags:
    """Where one E2 run ended, against the paper's ranges (:func:`e2_run_flags`)."""

    in_wx: bool
    in_mse: bool
    mse_small: bool
    both: bool
    diverged: bool
    kink: bool


def e2_run_flags(record: E2Record) -> E2Flags:
    """Where one E2 run ended, against the paper's ranges.

    ``in_wx``: min |w^T x| in [1e-3, 1]; ``in_mse``: MSE in [1e-31, 1e-7] (the paper's range as printed);
    ``mse_small``: MSE <= 1e-7 (below 1e-31 is closer to a global minimum still, not evidence against
    the claim); ``both``: ``in_wx`` and ``mse_small`` (what the verdict counts); ``diverged``; ``kink``.
    A diverged run is in no range.
    """
    run = record.run
    if run.diverged:
        return E2Flags(
            in_wx=False, in_mse=False, mse_small=False, both=False, diverged=True, kink=False
        )
    in_wx = E2_PAPER_WX[0] <= run.min_abs_wx <= E2_PAPER_WX[1]
    small = run.mse <= E2_PAPER_MSE[1]
    return E2Flags(
        in_wx=in_wx,
        in_mse=E2_PAPER_MSE[0] <= run.mse <= E2_PAPER_MSE[1],
        mse_small=small,
        both=in_wx and small,
        diverged=False,
        kink=bool(run.kink),
    )


@dataclass(frozen=True)
class E2Summary(Evidence):
    """Counts and fractions of :func:`e2_run_flags` over some runs (:func:`e2_summary`)."""

    runs: int = shown("runs")
    in_wx: int = shown("in_wx")
    in_wx_fraction: float = shown("in_wx fraction")
    in_mse: int = shown("in_mse")
    in_mse_fraction: float = shown("in_mse fraction")
    mse_small: int = shown("mse_small")
    mse_small_fraction: float = shown("mse_small fraction")
    both: int = shown("both")
    both_fraction: float = shown("both fraction")
    diverged: int = shown("diverged")
    diverged_fraction: float = shown("diverged fraction")
    kink: int = shown("kink")
    kink_fraction: float = shown("kink fraction")

    def counts(self) -> dict[str, int | float]:
        """The fields by name, to build a row that holds a summary (:class:`E2ProtocolRow`)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(E2Summary)}


def e2_summary(records: Sequence[E2Record]) -> E2Summary:
    """Counts and fractions of :func:`e2_run_flags` over ``records``.

    Raises
    ------
    ValueError
        If ``records`` is empty.
    """
    if not records:
        raise ValueError("runs must hold at least one run")
    flags = [e2_run_flags(r) for r in records]
    counts: dict[str, int | float] = {"runs": len(records)}
    for f in dataclasses.fields(E2Flags):
        counts[f.name] = sum(getattr(x, f.name) for x in flags)
        counts[f"{f.name}_fraction"] = counts[f.name] / len(records)
    return E2Summary(**counts)


# Rows that hold a summary between other fields: a dataclass's fields follow its reversed MRO, so
# ``class Row(E2Summary, Head)`` has the head's fields, then the summary's, then its own.
@dataclass(frozen=True)
class _ProtocolHead(Evidence):
    protocol: str = shown("protocol")
    optimizer: str = shown("optimizer")
    step: float = shown("step")
    init_scale: float = shown("init_scale")


@dataclass(frozen=True)
class E2ProtocolRow(E2Summary, _ProtocolHead):
    """One protocol of E2: its name and settings, the summary of its runs, the medians of its stable runs
    (``None`` when every run diverged)."""

    median_mse: float | None = shown("median MSE (stable)")
    median_wx: float | None = shown("median min|w^T x| (stable)")

    @classmethod
    def of(cls, records: Sequence[E2Record]) -> E2ProtocolRow:
        """The row of one protocol's records (at least one)."""
        first = records[0]
        stable = [r.run for r in records if not r.run.diverged]
        return cls(
            protocol=first.protocol,
            optimizer=first.optimizer,
            step=first.lr,
            init_scale=first.init_scale,
            **e2_summary(records).counts(),
            median_mse=float(np.median([r.mse for r in stable])) if stable else None,
            median_wx=float(np.median([r.min_abs_wx for r in stable])) if stable else None,
        )


@dataclass(frozen=True)
class _CellHead(Evidence):
    protocol: str = shown("protocol")
    d: int = shown("d")


@dataclass(frozen=True)
class E2BestCell(E2Summary, _CellHead):
    """One protocol at one size: its name, the size, the summary of its runs there."""

    @classmethod
    def of(cls, protocol: str, d: int, summary: E2Summary) -> E2BestCell:
        """The cell of ``protocol`` at ``d`` with the summary of its runs there."""
        return cls(protocol=protocol, d=d, **summary.counts())


@dataclass(frozen=True)
class E2RunRow(Evidence):
    """One E2 run as the evidence lists it."""

    optimizer: str = shown("optimizer")
    lr: float = shown("lr")
    init_scale: float = shown("init_scale")
    d: int = shown("d")
    rep: int = shown("rep")
    mse: float = shown("mse")
    min_abs_wx: float = shown("min_abs_wx")
    normalized_min_abs_wx: float = shown("normalized_min_abs_wx")
    zero_inputs: int = shown("zero_inputs")
    diverged: bool = shown("diverged")

    @classmethod
    def of(cls, record: E2Record) -> E2RunRow:
        """The row of one record."""
        run = record.run
        return cls(
            optimizer=record.optimizer,
            lr=record.lr,
            init_scale=record.init_scale,
            d=record.d,
            rep=run.rep,
            mse=run.mse,
            min_abs_wx=run.min_abs_wx,
            normalized_min_abs_wx=run.normalized_min_abs_wx,
            zero_inputs=run.zero_inputs,
            diverged=run.diverged,
        )


def e2_verdict(
    protocols: Mapping[str, Sequence[E2Record]], *, partial: float = E2_PARTIAL
) -> tuple[Verdict, str, str]:
    """E2's verdict across protocols (the rule was fixed before the first scan).

    A run reproduces Figure 5.2 when it did not diverge, its min |w^T x| lies in [1e-3, 1] and its MSE
    is <= 1e-7.  ``consistent``: some protocol reproduces it in every one of its runs (the paper's figure
    shows all 30 in the ranges); ``partial``: none does, but the best protocol does in at least
    ``partial`` of its runs; ``inconsistent`` otherwise.  The best protocol is the one with the largest
    fraction (the first in ``protocols`` order on ties).

    Parameters
    ----------
    protocols : mapping
        Protocol name to the records of its runs.
    partial : float in (0, 1)
        The fraction of the best protocol's runs that makes the verdict partial.

    Returns
    -------
    verdict : Verdict
    best : str
        The name of the best protocol.
    text : str
        The sentence that names the protocol(s) that reproduce the figure, or lists those tried.

    Raises
    ------
    ValueError
        If ``protocols`` is empty, a protocol has no runs, or ``partial`` is not in (0, 1).
    """
    if not protocols:
        raise ValueError("protocols must name at least one protocol")
    if not 0 < partial < 1:
        raise ValueError(f"partial must lie in (0, 1); got {partial!r}")
    fractions = {name: e2_summary(runs).both_fraction for name, runs in protocols.items()}
    best = max(fractions, key=lambda name: fractions[name])  # first maximum in order
    full = [name for name, f in fractions.items() if f == 1.0]
    if full:
        return (
            Verdict.CONSISTENT,
            best,
            f"every run in both ranges under {', '.join(full)} ({len(full)} of {len(fractions)} protocols)",
        )
    tried = "; ".join(f"{name}: {f:.0%}" for name, f in fractions.items())
    if fractions[best] >= partial:
        return (
            Verdict.PARTIAL,
            best,
            f"no protocol puts every run in both ranges; best {best} with "
            f"{fractions[best]:.0%} (>= {partial:.0%}); tried {tried}",
        )
    return (
        Verdict.INCONSISTENT,
        best,
        f"no protocol puts {partial:.0%} of its runs in both ranges; best {best} with "
        f"{fractions[best]:.0%}; tried {tried}",
    )


def e2_protocol_name(optimizer: str, step: float, init_scale: float) -> str:
    """``"adam step 0.01 init 1"``; minibatch methods also name the batch size."""
    batch = "" if optimizer == "gd" else f" batch {experiments.E2_BATCH}"
    return f"{optimizer}{batch} step {step:g} init {init_scale:g}"
