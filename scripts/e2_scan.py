"""Run E2's scan (every optimizer over the grid of steps and init scales) at a budget, in one process.

    python scripts/e2_scan.py OUT_DIR [--budget thorough] [--seed 0]

Writes OUT_DIR/E2.json (the check's result and evidence) and OUT_DIR/E2-scatter-<optimizer>.svg, and
prints the per-optimizer table as Markdown.  One process, one BLAS thread (set OMP_NUM_THREADS=1 before
starting Python); progress (tasks done, elapsed seconds) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from vanishing_minima.checks import audit


class _Serial:
    """An executor that runs tasks in this process and reports progress."""

    def map(self, fn, tasks):
        tasks = list(tasks)
        start = time.perf_counter()
        for i, task in enumerate(tasks, 1):
            yield fn(task)
            print(
                f"{i}/{len(tasks)} tasks, {time.perf_counter() - start:.0f} s",
                file=sys.stderr,
                flush=True,
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--budget", default="thorough", choices=[b.value for b in audit.Budget])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    (result,) = audit.run_audit(
        ["E2"], audit.Budget(args.budget), seed=args.seed, executor=_Serial()
    )
    seconds = time.perf_counter() - start
    (args.out / "E2.json").write_text(
        json.dumps(
            {
                "verdict": result.verdict,
                "key_figure": result.key_figure,
                "seconds": seconds,
                "evidence": result.evidence,
            },
            indent=1,
        )
    )
    for name, text in result.figures.items():
        (args.out / f"E2-{name}.svg").write_text(text)
    cols = [
        "optimizer",
        "batch",
        "best protocol",
        "runs",
        "min|w^T x| in 1e-3..1",
        "MSE in 1e-31..1e-7",
        "MSE <= 1e-7",
        "both",
        "diverged",
        "kink",
        "grid runs",
        "grid: both",
        "grid: diverged",
        "grid: kink",
    ]
    print(
        f"E2 {args.budget}, seed {args.seed}: {result.verdict}; {seconds:.0f} s\n{result.key_figure}\n"
    )
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for row in result.evidence["table"]:
        print(
            "| "
            + " | ".join(
                f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c]) for c in cols
            )
            + " |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
