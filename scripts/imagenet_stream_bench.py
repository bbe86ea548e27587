"""The streamed ImageNet pipeline on synthetic files in the distributed format: rows/s and memory per stage.

    python scripts/imagenet_stream_bench.py WORKDIR [--rows-per-file 2000] [--side 64] [--chunk-rows 1024]
        [--stages write,verify,read,whiten,train] [--d1 2] [--epochs 1] [--threads 1] [--seed 0]
        [--workers 2]

Writes the ten ``train_data_batch_*.npz`` files (``numpy.savez_compressed``, uint8 images, labels 1..1000,
a mean) into ``WORKDIR/npz`` (skipped when they exist with the same sizes), then times each stage named
in ``--stages``:

* ``verify``: :func:`~vanishing_minima.numeric.open_imagenet`, which reads every byte (CRC checked);
* ``read``: one pass of ``ImageNetFiles.rows`` (decompression and copying only);
* ``stats`` (not run by default): :func:`~vanishing_minima.numeric.streamed_whitening` in this process,
  then with ``--workers`` processes (one part per file, one BLAS thread each), checking the same bits;
* ``whiten``: :func:`~vanishing_minima.numeric.whitened_cache` into ``WORKDIR/cache``: the streamed
  covariance, its eigendecomposition and the float32 cache (reused when present: delete it to re-time);
* ``train``: :func:`~vanishing_minima.numeric.train_streamed` (Adam, ``--epochs`` epochs) on the cache.

For each: seconds, rows per second, the peak of NumPy's allocations (``tracemalloc``) against the stage's
declared bound, and the process's maximum resident set (``ru_maxrss``, which also counts the cache's
memory-mapped pages while they are resident).  The images are blocky (8x8-pixel tiles of random
colours, plus noise in 0..15) so that they compress about as natural images do, not as random bytes.
Prints one JSON object per stage.  Sizes are bounded: at most 200,000 rows (2.5 GB of data at 64x64).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.imagenet import IMAGENET_FILES
from vanishing_minima.numeric.sweeps.executors import start_pool, terminate_pool

MAX_ROWS = 200_000


def images(rng, n: int, side: int) -> np.ndarray:
    """n blocky images (n, 3 side^2), channel-major: 8x8 tiles of one colour plus noise in 0..15."""
    tiles = max(side // 8, 1)
    base = rng.integers(0, 240, (n, 3, tiles, tiles), dtype=np.uint8)
    img = np.repeat(np.repeat(base, side // tiles, axis=2), side // tiles, axis=3)
    img += rng.integers(0, 16, img.shape, dtype=np.uint8)
    return img.reshape(n, -1)


def write(folder: Path, rows: int, side: int, seed: int) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for name in IMAGENET_FILES["train"]:
        x = images(rng, rows, side)
        np.savez_compressed(
            folder / name, data=x, labels=rng.integers(1, 1001, rows), mean=x.mean(0)
        )
    return time.perf_counter() - start


def stage(name: str, rows: int, bound: int | None, fn):
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    record = {
        "stage": name,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "tracemalloc_peak_mb": round(peak / 1e6, 1),
        "declared_bound_mb": None if bound is None else round(bound / 1e6, 1),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1),
    }
    print(json.dumps(record), flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workdir", type=Path)
    p.add_argument("--rows-per-file", type=int, default=2000)
    p.add_argument("--side", type=int, default=64, choices=(8, 16, 32, 64))
    p.add_argument("--chunk-rows", type=int, default=1024)
    p.add_argument("--stages", default="write,verify,read,whiten,train")
    p.add_argument("--d1", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2, help="processes of the stats stage")
    args = p.parse_args(argv)
    n = 10 * args.rows_per_file
    if not 1 <= args.rows_per_file or n > MAX_ROWS:
        p.error(f"--rows-per-file must be in 1..{MAX_ROWS // 10}")
    stages = args.stages.split(",")
    folder, cache = args.workdir / "npz", args.workdir / "cache"
    d0 = 3 * args.side**2
    with threadpool_limits(args.threads):
        if "write" in stages:
            seconds = write(folder, args.rows_per_file, args.side, args.seed)
            size = sum((folder / f).stat().st_size for f in IMAGENET_FILES["train"])
            print(
                json.dumps(
                    {
                        "stage": "write",
                        "rows": n,
                        "seconds": round(seconds, 2),
                        "npz_mb": round(size / 1e6, 1),
                        "raw_mb": round(n * d0 / 1e6, 1),
                    }
                )
            )
        chunk = args.chunk_rows
        bound = nm.whitening_memory_bound(d0, chunk)
        files = stage(
            "verify", n, bound, lambda: nm.open_imagenet(folder, side=args.side, chunk_rows=chunk)
        )
        if "read" in stages:
            stage("read", n, chunk * d0 * 4 + 2**20, lambda: sum(len(c) for c in files.rows()))
        if "stats" in stages:
            serial = stage("stats", n, bound, lambda: nm.streamed_whitening(files, chunk_rows=chunk))
            pool = start_pool(args.workers)  # one BLAS thread per worker, gone with this process
            try:
                parallel = stage(
                    f"stats on {args.workers} processes",
                    n,
                    None,
                    lambda: nm.streamed_whitening(
                        files, chunk_rows=chunk, executor=pool, max_pending=args.workers
                    ),
                )
            finally:
                terminate_pool(pool)
            same = np.array_equal(serial.matrix, parallel.matrix)
            print(json.dumps({"stage": "stats check", "same_bits": same}), flush=True)
        if "whiten" in stages or "train" in stages:
            cache.mkdir(parents=True, exist_ok=True)
            rows, _ = stage(
                "whiten", n, bound, lambda: nm.whitened_cache(files, cache, chunk_rows=chunk)
            )
        if "train" in stages:
            y = nm.imagenet_binary_labels(files.labels)
            tb = nm.streamed_memory_bound(d0, args.d1, n, batch_size=256, eval_rows=4096)
            result = stage(
                "train",
                n * args.epochs,
                tb,
                lambda: nm.train_streamed(
                    rows, y, args.d1, 0.0, rng=args.seed, max_iter=args.epochs, max_work=1e30
                ),
            )
            print(json.dumps({"stage": "train result", "mce": result.mce, "loss": result.loss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
