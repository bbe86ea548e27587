"""Figures for the per-claim pages: matplotlib, SVG text, reproducible byte for byte in one environment.

Every function returns the SVG as a string (no file I/O); :mod:`.cli` writes it beside the claim's page.
Determinism: the Agg backend, a fixed ``svg.hashsalt`` and no date in the metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = [
    "Series",
    "exponent_figure",
    "error_against_ratio_figure",
    "e2_figure",
    "ratio_figure",
    "svg",
]


@dataclass(frozen=True)
class Series:
    """One estimator's measured -log p against N on an exponent figure: points and interval ends."""

    label: str
    n: Sequence[float]
    est: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["svg.hashsalt"] = "vanishing-minima"
    import matplotlib.pyplot as plt

    return plt


def _legend(ax, fontsize: float | None = None) -> None:
    """The legend to the right of the axes, outside them: it can cover no data point (the SVG is saved
    with a tight bounding box, so the figure grows to hold it)."""
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=fontsize or 8
    )


def svg(fig) -> str:
    """The figure as SVG text without a date; the figure is closed."""
    plt = _pyplot()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def exponent_figure(
    n: Sequence[float],
    f: Sequence[float],
    est: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    *,
    title: str,
    ylabel: str,
    claim_label: str,
    measured_label: str = "measured (exact interval)",
    extra: dict[str, Sequence[float]] | None = None,
    second: Sequence[Series] = (),
    second_f: tuple[Sequence[float], Sequence[float]] | None = None,
) -> str:
    """Measured -log p (point and interval; open triangles mark intervals unbounded above) and the claimed
    F(N), log axes; ``extra`` adds labelled lines (e.g. a deterministic bound); ``second`` other
    estimators (at most three :class:`Series`) drawn beside the first, and ``second_f`` their sizes' F(N)
    ``(n, f)`` added to the claim's line.

    Raises
    ------
    ValueError
        If ``second`` holds more than three series.
    """
    if len(second) > 3:
        raise ValueError(f"second must hold at most three series; got {len(second)}")
    plt = _pyplot()
    n, f, est, low, high = (np.asarray(v, float) for v in (n, f, est, low, high))
    fig, ax = plt.subplots(figsize=(6, 4))
    if second_f is not None:
        fn, ff = (np.asarray(v, float) for v in second_f)
        order = np.argsort(np.r_[n, fn])
        ax.plot(np.r_[n, fn][order], np.r_[f, ff][order], "k--", label=claim_label)
    else:
        ax.plot(n, f, "k--", label=claim_label)
    for series, (marker, shift) in zip(second, [("D", 1.03), ("s", 0.97), ("v", 1.06)]):
        n2, e2, l2, h2 = (
            np.asarray(v, float) for v in (series.n, series.est, series.low, series.high)
        )
        ok = np.isfinite(e2) & np.isfinite(h2)
        ax.errorbar(
            n2[ok] * shift,
            e2[ok],
            yerr=[e2[ok] - l2[ok], h2[ok] - e2[ok]],
            fmt=marker,
            mfc="none",
            capsize=3,
            label=series.label,
        )
    for label, values in (extra or {}).items():
        ax.plot(n, np.asarray(values, float), "s:", mfc="none", label=label)
    finite = np.isfinite(est) & np.isfinite(high)
    ax.errorbar(
        n[finite],
        est[finite],
        yerr=[est[finite] - low[finite], high[finite] - est[finite]],
        fmt="o",
        capsize=3,
        label=measured_label,
    )
    if np.any(~finite):
        ax.plot(n[~finite], low[~finite], "^", mfc="none", label="lower end only (no event seen)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import NullFormatter

    lo_x, hi_x = ax.get_xlim()  # powers of 2 as plain numbers: a log axis's minor labels overlap
    ticks = [2**k for k in range(31) if lo_x <= 2**k <= hi_x]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("$N$")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax)
    return svg(fig)


def error_against_ratio_figure(
    series: dict[str, tuple[Sequence[float], Sequence[float], Sequence[float]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
) -> str:
    """Mean +- std of an error against a ratio, one line per series, with the line ratio = 1."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (x, mean, std) in series.items():
        ax.errorbar(x, mean, yerr=std, fmt="o-", capsize=3, label=name)
    ax.axvline(1.0, color="grey", ls=":", label="ratio = 1")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax)
    return svg(fig)


def e2_figure(
    rows: Sequence[Any],
    *,
    paper_wx: tuple[float, float],
    paper_mse: tuple[float, float],
    title: str | None = None,
) -> str:
    """Final min |w^T x| against final MSE, one colour per d, with the paper's ranges shaded.

    ``rows`` are runs with attributes ``d``, ``mse`` and ``min_abs_wx`` (E2's run rows).  Values below
    1e-40 are drawn at 1e-40; diverged runs (non-finite values) are left out and counted
    in the legend.  One figure per optimizer: pass that optimizer's runs and a ``title`` naming it.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for d in sorted({r.d for r in rows}):
        mine = [r for r in rows if r.d == d]
        pts = [r for r in mine if np.isfinite(r.mse) and np.isfinite(r.min_abs_wx)]
        gone = len(mine) - len(pts)
        ax.scatter(
            [max(r.mse, 1e-40) for r in pts],
            [max(r.min_abs_wx, 1e-40) for r in pts],
            s=14,
            label=f"d = {d}" + (f" ({gone} diverged)" if gone else ""),
        )
    ax.axhspan(*paper_wx, color="green", alpha=0.1, label=r"paper: $\min |w_i^\top x^{(n)}|$")
    ax.axvspan(*paper_mse, color="blue", alpha=0.05, label="paper: MSE")
    ax.plot([1e-40, 1], [1e-40, 1], "k:", lw=0.8, label=r"$\min |w_i^\top x^{(n)}|$ = MSE")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("final MSE")
    ax.set_ylabel(r"final $\min_{i,n} |w_i^\top x^{(n)}|$")
    if title:
        ax.set_title(title, fontsize=9)
    _legend(ax, 7)
    return svg(fig)


def ratio_figure(
    n: Sequence[float],
    log_p_upper: Sequence[float],
    log_vg_lower: Sequence[float],
    claim: Sequence[float],
    *,
    title: str,
) -> str:
    """Theorem 10 at finite N: the upper confidence bound on log(V(L_eps)/V(G)) and its two parts, beside the
    claimed exponent -F(N) and 0 (above 0 the bound says nothing); log N axis, linear log-ratio axis."""
    plt = _pyplot()
    n, lp, lv, c = (np.asarray(v, float) for v in (n, log_p_upper, log_vg_lower, claim))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(n, lp - lv, "o", label=r"bound on $\log V(L_\epsilon)/V(G)$")
    ax.plot(n, lp, "v", mfc="none", label=r"$\log P(V_2$ event$)$, upper end")
    ax.plot(n, -lv, "^", mfc="none", label=r"$-\log V(G)$, upper end")
    ax.plot(np.unique(n), [c[n == v][0] for v in np.unique(n)], "k--", label=r"claim: $-F(N)$")
    ax.axhline(0.0, color="grey", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("$N$")
    ax.set_ylabel("natural logarithm")
    ax.set_title(title)
    _legend(ax, 7)
    return svg(fig)
