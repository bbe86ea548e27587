"""Table 1's ImageNet 64x64 row, streamed: N = 1,281,167, d0 = 12,288, d1 = 105 (issue 21, item 3).

    python scripts/imagenet_table1.py IMAGENET_DIR CACHE_DIR [--optimizer adam|sgd] [--d1 105]
                                      [--epochs 100] [--stop-after SECONDS] [--lr LR] [--batch-size 256]
                                      [--checkpoint PATH] [--checkpoint-seconds 300]
                                      [--limit N] [--threads 1] [--seed 0] [--side 64]

The paper's row: Downsampled ImageNet 64x64's ten training batches (``train_data_batch_1.npz`` ...
``train_data_batch_10.npz`` in IMAGENET_DIR), classes 501-1000 against 1-500, ZCA-whitened by a streamed
covariance, ReLU, MSE, minibatch Adam or SGD read from a whitened float32 cache in CACHE_DIR
(:func:`~vanishing_minima.numeric.whitened_cache`: 63 GB at full size, checked against the free space
before it is written; reused by later runs).  ``--limit N`` keeps the first N images (a seeded subset
would need the cache rewritten per subset).  One progress line per epoch, then one JSON line with the
result.

Resumable: with ``--checkpoint PATH`` the run's state is written to PATH (atomically) every
``--checkpoint-seconds`` and when it stops; ``--stop-after S`` ends a session after S seconds of
training (inside an epoch if need be).  To resume, rerun the same command: the run continues from PATH
and ends with the weights of an uninterrupted run, to the bit.  A checkpoint written with other
settings or for other data (the cache's name and the whitening's hash identify the data) is refused
with the difference named; ``--epochs`` and ``--stop-after`` may change between sessions.  The package
never reads these files on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from vanishing_minima import numeric as nm


class First:
    """The first ``n`` images of a source of rows (``--limit``)."""

    def __init__(self, source, n: int):
        self.source, self.n, self.d0 = source, min(n, source.n), source.d0

    def rows(self, chunk_rows: int = 1024):
        left = self.n
        for chunk in self.source.rows(chunk_rows):
            if left <= 0:
                return
            yield chunk[:left]
            left -= len(chunk)

    def fingerprint(self) -> str:
        return f"{self.source.fingerprint()[:16]}first{self.n}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("imagenet")
    p.add_argument("cache")
    p.add_argument("--optimizer", default="adam", choices=("adam", "sgd"))
    p.add_argument("--d1", type=int, default=105)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument(
        "--stop-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="end this session after SECONDS of training (with --checkpoint: rerun to resume)",
    )
    p.add_argument(
        "--checkpoint",
        default=None,
        metavar="PATH",
        help="write the run's state to PATH (.npz) and resume from it when it exists: "
        "resume by rerunning the same command",
    )
    p.add_argument("--checkpoint-seconds", type=float, default=300.0)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--side", type=int, default=64, choices=(8, 16, 32, 64), help="8-32: smoke tests"
    )
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        files = nm.open_imagenet(args.imagenet, "train", side=args.side)
        source = files if args.limit is None else First(files, args.limit)
        labels = files.labels[: source.n]
        y = nm.imagenet_binary_labels(labels)
        with threadpool_limits(args.threads):
            rows, whitening = nm.whitened_cache(source, args.cache)
            prepared = time.perf_counter() - start
            print(
                f"data checked, whitened and cached in {prepared:.0f} s: {rows.shape}", flush=True
            )

            def progress(r):
                print(
                    f"epoch {r.iteration}: loss {r.loss:.6g}, MCE {r.mce:.4%}, {r.seconds:.0f} s, "
                    f"ETA to --epochs {r.eta_seconds / 60:.1f} min",
                    flush=True,
                )

            result = nm.train_streamed(
                rows,
                y,
                args.d1,
                0.0,
                rng=args.seed,
                optimizer=args.optimizer,
                max_iter=args.epochs,
                lr=args.lr,
                batch_size=args.batch_size,
                progress=progress,
                stop_after=args.stop_after,
                checkpoint=args.checkpoint,
                checkpoint_seconds=args.checkpoint_seconds,
                fingerprint=f"{Path(rows.filename).name} {whitening.fingerprint()}",
                max_work=1e30,
            )
    except (ValueError, FileNotFoundError) as exc:
        print(f"imagenet_table1: {exc}", file=sys.stderr)
        return 2
    n, d0 = rows.shape
    print(
        json.dumps(
            {
                "n": n,
                "d0": d0,
                "d1": args.d1,
                "params_over_n": (d0 * args.d1 + args.d1) / n,
                "optimizer": args.optimizer,
                "mce": result.mce,
                "errors": round(result.mce * n),
                "loss": result.loss,
                "epochs": result.iterations,
                "resumed_at": result.resumed_at,
                "stop_reason": result.stop_reason,
                "train_seconds": round(result.seconds, 1),
                "prepare_seconds": round(prepared, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
