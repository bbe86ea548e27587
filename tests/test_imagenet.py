"""Downsampled ImageNet (issue 21, item 3): the npz batches read without pickle and every rule checked,
the streamed whitening and training against their in-memory counterparts, and memory bounded while the
data are larger than the bound.

Every file is written here with ``numpy.savez_compressed`` (or ``numpy.savez``) in the distributed layout:
``train_data_batch_1.npz`` ... ``train_data_batch_10.npz``, each with ``data`` (uint8, (n, 3 side^2)),
``labels`` (1..1000) and ``mean``.
"""

from __future__ import annotations

import functools
import io
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from vanishing_minima import numeric as nm
from vanishing_minima.checks import audit, table1_data
from vanishing_minima.checks.claim_checks import section5
from vanishing_minima.checks.cli import main
from vanishing_minima.numeric import imagenet
from vanishing_minima.numeric.training import streaming
from vanishing_minima.numeric.training.large import train_large

FIRST = "train_data_batch_1.npz"


def write_split(folder: Path, side: int = 64, rows=3, seed: int = 0, save=np.savez_compressed):
    """The ten training batches in ``folder``; their data (N, d0) and labels concatenated."""
    rng = np.random.default_rng(seed)
    d0 = 3 * side * side
    data, labels = [], []
    for i, name in enumerate(imagenet.IMAGENET_FILES["train"]):
        n = rows if np.isscalar(rows) else rows[i]
        x = rng.integers(0, 256, (n, d0), dtype=np.uint8)
        lab = rng.integers(1, 1001, n)
        lab[0] = 1 + 999 * (i % 2)  # both groups of the binary task in every split
        save(folder / name, data=x, labels=lab, mean=x.mean(axis=0))
        data.append(x)
        labels.append(lab)
    return np.concatenate(data), np.concatenate(labels)


# --- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("save", [np.savez_compressed, np.savez], ids=["deflated", "stored"])
def test_the_distributed_format_is_read_in_chunks(tmp_path, save):
    X, labels = write_split(tmp_path, rows=[3, 1, 4, 1, 5, 2, 6, 5, 3, 5], save=save)
    files = nm.open_imagenet(tmp_path)
    assert (files.n, files.d0, files.shape) == (35, 12288, (12288, 35))
    assert np.array_equal(files.labels, labels)
    chunks = list(files.rows(2))
    assert max(len(c) for c in chunks) == 2 and np.array_equal(np.concatenate(chunks), X)
    idx = np.array([34, 0, 7, 7, 20])
    assert np.array_equal(files.take(idx), X[idx])
    assert np.array_equal(files[:, idx], X[idx].T / 255.0)
    with pytest.raises(TypeError, match=r"files\[:, indices\]"):
        files[0]
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 35\)"):
        files.take([35])


def test_table1_loads_imagenet_lazily_with_its_binary_split(tmp_path):
    X, labels = write_split(tmp_path)
    Xf, y = table1_data.load_table1("imagenet", tmp_path)
    assert isinstance(Xf, nm.ImageNetFiles) and Xf.shape == (12288, 30)
    assert np.array_equal(y, (labels > 500).astype(float))
    assert table1_data.TABLE1_SPLITS["imagenet"] == "1-500 vs 501-1000"
    assert "imagenet" in table1_data.TABLE1_DATA and not table1_data.TABLE1_NOT_SUPPORTED
    with pytest.raises(ValueError, match="every one of the 3 samples in one class"):
        nm.imagenet_binary_labels(np.array([1, 2, 500]))
    with pytest.raises(ValueError, match="classes 1-1000"):
        nm.imagenet_binary_labels(np.array([0, 600]))


class Hostile:
    """Unpickling it would create the file named (the test checks it never exists)."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _npz(save=np.savez_compressed, **arrays) -> bytes:
    buf = io.BytesIO()
    save(buf, **arrays)
    return buf.getvalue()


def _flip(blob: bytes, at: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ 0xFF]) + blob[at + 1 :]


def _good(n=3, d0=12288, seed=1):
    x = np.random.default_rng(seed).integers(0, 256, (n, d0), dtype=np.uint8)
    return x, np.array([1, 1000, 7][:n])


def _declared_size(blob: bytes, member: str, size: int) -> bytes:
    """``blob`` with the size the central directory declares for ``member``'s uncompressed data replaced
    by ``size`` (in its zip64 extra field when the entry has one, as numpy writes them)."""
    out = bytearray(blob)
    p = out.find(b"PK\x01\x02")
    while p >= 0:
        name_len, extra_len = (
            int.from_bytes(out[p + 28 : p + 30], "little"),
            int.from_bytes(out[p + 30 : p + 32], "little"),
        )
        if out[p + 46 : p + 46 + name_len] == member.encode():
            if out[p + 24 : p + 28] != b"\xff" * 4:
                out[p + 24 : p + 28] = size.to_bytes(4, "little")
                return bytes(out)
            q = p + 46 + name_len
            while q < p + 46 + name_len + extra_len:
                tag, length = (
                    int.from_bytes(out[q : q + 2], "little"),
                    int.from_bytes(out[q + 2 : q + 4], "little"),
                )
                if tag == 1:
                    out[q + 4 : q + 12] = size.to_bytes(8, "little")
                    return bytes(out)
                q += 4 + length
        p = out.find(b"PK\x01\x02", p + 1)
    raise AssertionError(f"no central directory entry for {member}")


def _short_member(x, lab) -> bytes:
    """An npz whose data.npy header declares ``x``'s shape but whose member holds 100 bytes fewer."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in (("data.npy", x), ("labels.npy", lab)):
            raw = io.BytesIO()
            np.save(raw, arr)
            zf.writestr(name, raw.getvalue()[: -100 if name == "data.npy" else None])
    return buf.getvalue()


def _cases(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    x, lab = _good()
    blob = _npz(data=x, labels=lab)
    mid = len(blob) // 2
    return {
        "float data": (
            _npz(data=x.astype(np.float32), labels=lab),
            "float32; the pixels must be uint8",
        ),
        "int16 data beyond 255": (
            _npz(data=x.astype(np.int16) + 300, labels=lab),
            "int16; the pixels must be uint8",
        ),
        "wrong width": (
            _npz(data=x[:, :-1], labels=lab),
            r"\(3, 12287\); must be \(n >= 1, 12288\)",
        ),
        "no images": (_npz(data=x[:0], labels=lab[:0]), r"must be \(n >= 1, 12288\)"),
        "label count": (_npz(data=x, labels=lab[:2]), r"one label per image \(3,\)"),
        "label 0": (_npz(data=x, labels=np.array([1, 0, 2])), "classes 1-1000; got 0 at index 1"),
        "label 1001": (_npz(data=x, labels=np.array([1001, 1, 2])), "got 1001 at index 0"),
        "float labels": (_npz(data=x, labels=lab.astype(float)), "labels must be integers"),
        "mean of other size": (_npz(data=x, labels=lab, mean=np.zeros(5)), "must be 12288 real"),
        "unknown member": (_npz(data=x, labels=lab, extra=lab), "members data, labels"),
        "no labels": (_npz(data=x), "members data, labels"),
        "fortran order": (_npz(data=np.asfortranarray(x), labels=lab), "Fortran order"),
        "truncated zip": (blob[:mid], "not a valid npz batch"),
        "not a zip": (b"\x93NUMPY not a zip at all", "not a valid npz batch"),
        "corrupt data": (_flip(blob, mid), "not a valid npz batch"),
        "corrupt stored data": (_flip(_npz(np.savez, data=x, labels=lab), mid), "Bad CRC-32"),
        "member shorter than its header": (_short_member(x, lab), "truncated or trailing data"),
        "declared size disagrees": (
            _declared_size(blob, "data.npy", 2**20),
            "truncated or trailing data",
        ),
        "declared size huge": (
            _declared_size(blob, "data.npy", 2**32 - 2),
            "the zip declares 4294967294 bytes",
        ),
        "object array": (
            _hostile_npz(str(tmp_path / "pwned")),
            "object or structured array is refused",
        ),
    }


def _hostile_npz(target: str) -> bytes:
    x, lab = _good()
    buf = io.BytesIO()
    np.savez(buf, data=np.array([Hostile(target)], dtype=object), labels=lab)
    return buf.getvalue()


CASE_NAMES = [
    "float data",
    "int16 data beyond 255",
    "wrong width",
    "no images",
    "label count",
    "label 0",
    "label 1001",
    "float labels",
    "mean of other size",
    "unknown member",
    "no labels",
    "fortran order",
    "truncated zip",
    "not a zip",
    "corrupt data",
    "corrupt stored data",
    "member shorter than its header",
    "declared size disagrees",
    "declared size huge",
    "object array",
]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_malformed_batches_are_refused_naming_the_file(tmp_path, case):
    write_split(tmp_path)
    blob, rule = _cases(tmp_path)[case]
    (tmp_path / FIRST).write_bytes(blob)
    with pytest.raises(ValueError, match=rule) as err:
        table1_data.load_table1("imagenet", tmp_path)
    assert str(tmp_path / FIRST) in str(err.value)
    assert not (tmp_path / "pwned").exists()  # the object array was never unpickled


def test_the_object_array_would_run_code_if_unpickled(tmp_path):
    """The hostile file of the case above is live: numpy's own loader with pickle runs it."""
    (tmp_path / "h.npz").write_bytes(_hostile_npz(str(tmp_path / "pwned")))
    with np.load(tmp_path / "h.npz", allow_pickle=True) as f:
        f["data"]
    assert (tmp_path / "pwned").exists()


def test_a_member_declaring_more_than_the_cap_is_refused_before_reading(tmp_path, monkeypatch):
    """The cap, and a 4 GiB declaration under it refused before anything of that size is allocated."""
    write_split(tmp_path)
    x, lab = _good()
    blob = _declared_size(_npz(data=x, labels=lab), "data.npy", 2**32 - 2)
    (tmp_path / FIRST).write_bytes(blob)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="the zip declares 4294967294 bytes"):
            nm.open_imagenet(tmp_path)
        assert tracemalloc.get_traced_memory()[1] < 2**24
    finally:
        tracemalloc.stop()
    with pytest.raises(
        ValueError, match="data.npy declares 4294967294 bytes, more than max_member"
    ):
        nm.open_imagenet(tmp_path, max_member_bytes=2**31)
    write_split(tmp_path)
    with pytest.raises(
        ValueError, match=r"data.npy declares 36992 bytes, more than max_member_bytes = 1000"
    ):
        nm.open_imagenet(tmp_path, max_member_bytes=1000)
    monkeypatch.setattr(imagenet, "MAX_NPZ_MEMBER_BYTES", 100)  # the default, read at each call
    with pytest.raises(
        ValueError, match="data.npy declares 36992 bytes, more than max_member_bytes = 100"
    ):
        table1_data.load_table1("imagenet", tmp_path)


def test_a_missing_batch_names_the_files_expected(tmp_path):
    write_split(tmp_path)
    (tmp_path / "train_data_batch_7.npz").unlink()
    with pytest.raises(
        FileNotFoundError, match="missing train_data_batch_7.npz; expected the files"
    ):
        table1_data.load_table1("imagenet", tmp_path)


@pytest.mark.parametrize("case", ["object array", "corrupt data", "label 1001"])
def test_audit_data_imagenet_refuses_a_bad_file_with_one_line(tmp_path, capsys, case):
    write_split(tmp_path)
    blob, _ = _cases(tmp_path)[case]
    (tmp_path / FIRST).write_bytes(blob)
    code = main(
        ["audit", "--claims", "K1", "--json", "", "--docs", "", "--data", f"imagenet={tmp_path}"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and FIRST in err
    assert not (tmp_path / "pwned").exists()


def test_a_file_changed_after_opening_is_refused_while_streaming(tmp_path):
    write_split(tmp_path)
    files = nm.open_imagenet(tmp_path)
    x, lab = _good(n=2)
    np.savez_compressed(tmp_path / FIRST, data=x, labels=lab[:2])
    with pytest.raises(ValueError, match=r"now holds \(2, 12288\) of uint8; it held \(3, 12288\)"):
        list(files.rows())


# --- streamed whitening ----------------------------------------------------------------------------


def _pixels(n=400, d0=48, seed=3):
    x = np.random.default_rng(seed).integers(0, 256, (n, d0), dtype=np.uint8)
    x[:, 5] = 9  # a constant pixel: a zero-variance direction, as MNIST's border
    x[:, 6] = x[:, 7] // 2 + x[:, 8] // 2  # nearly collinear pixels
    return x


def test_streamed_whitening_equals_whiten():
    x = _pixels()
    Xw = nm.whiten(x.T / 255.0)
    for src in (streaming.ArrayRows(x), streaming.ArrayRows(x / 255.0)):
        w = nm.streamed_whitening(src, chunk_rows=37)
        got = w.apply(src.array).T
        assert np.abs(got - Xw).max() <= 1e-10 * np.abs(Xw).max()
    assert np.allclose(np.cov(Xw, bias=True)[:5, :5], np.eye(5), atol=1e-3)


def test_the_integer_sums_do_not_depend_on_the_chunking():
    """uint8 sums are exact integers: the moments, hence the map, are the same bits for any chunk size."""
    x = _pixels()
    a = nm.streamed_whitening(streaming.ArrayRows(x), chunk_rows=7)
    b = nm.streamed_whitening(streaming.ArrayRows(x), chunk_rows=400)
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.matrix, b.matrix)


def test_streamed_whitening_refuses_data_that_do_not_vary():
    with pytest.raises(ValueError, match="all 4 rows are equal"):
        nm.streamed_whitening(streaming.ArrayRows(np.full((4, 3), 7, np.uint8)))
    with pytest.raises(ValueError, match="eps must be"):
        nm.streamed_whitening(streaming.ArrayRows(_pixels()), eps=0.0)


# --- the statistics on an executor ------------------------------------------------------------------


SIZES = [25, 1200, 41, 30, 7, 30, 52, 30, 30, 25]


def _split8(folder: Path):
    """8x8 files of 7 to 1,200 images: the second file's uint8 sums of products exceed 2^24, so adding
    them in float32 would round them."""
    folder.mkdir(exist_ok=True)
    X, _ = write_split(folder, side=8, rows=SIZES, seed=8)
    return nm.open_imagenet(folder, side=8, chunk_rows=16), X


def _same_map(a, b) -> bool:
    return (a.n, a.scale, a.eps) == (b.n, b.scale, b.eps) and all(
        np.array_equal(getattr(a, k), getattr(b, k)) for k in ("mean", "matrix")
    )


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_the_statistics_on_an_executor_are_the_serial_bits(tmp_path, pool):
    """One part per npz file on two threads or two processes, added in file order: the uint8 sums are
    exact integers, so the map is the serial pass's to the bit (and so is the cache written from it)."""
    files, X = _split8(tmp_path / "npz")
    assert [p.n for p in files.parts()] == SIZES
    assert np.array_equal(np.concatenate([np.concatenate(list(p.rows())) for p in files.parts()]), X)
    serial = nm.streamed_whitening(files, chunk_rows=16)
    make = ThreadPoolExecutor if pool == "threads" else ProcessPoolExecutor
    with make(max_workers=2) as executor:
        for pending in (1, 2, 3):
            w = nm.streamed_whitening(files, chunk_rows=16, executor=executor, max_pending=pending)
            assert _same_map(w, serial), pending
        if pool == "threads":
            (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
            rows, _ = nm.whitened_cache(files, tmp_path / "a", chunk_rows=16, executor=executor)
            assert np.array_equal(rows, nm.whitened_cache(files, tmp_path / "b", chunk_rows=16)[0])


def test_the_statistics_of_row_blocks_on_an_executor():
    """An in-memory array in blocks of 50 rows: uint8 to the bit; real data to rounding, within the
    tolerance the docstring states (1e-10 of the largest entry).  The smallest entry is in the last
    block only and the largest in the fifth only, so the extremes must be combined."""
    x = np.clip(_pixels(), 10, 245)
    x[-1, 0], x[220, 1] = 0, 255
    with ThreadPoolExecutor(max_workers=2) as executor:
        for data in (x, x / 255.0, (x / 255.0).astype(np.float32)):
            src = streaming.ArrayRows(data, part_rows=50)
            assert len(src.parts()) == 8
            serial = nm.streamed_whitening(src, chunk_rows=37)
            w = nm.streamed_whitening(src, chunk_rows=37, executor=executor)
            if data.dtype == np.uint8:
                assert _same_map(w, serial)
            else:
                assert (w.n, w.scale) == (serial.n, serial.scale)
                assert np.abs(w.mean - serial.mean).max() <= 1e-14
                assert np.abs(w.matrix - serial.matrix).max() <= 1e-10 * np.abs(serial.matrix).max()


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_a_failing_part_raises_the_serial_error_naming_the_file(tmp_path, pool):
    files, _ = _split8(tmp_path / "npz")
    bad = files.files[2]
    bad.write_bytes(_flip(bad.read_bytes(), bad.stat().st_size // 2))  # inside the data
    with pytest.raises(ValueError) as serial:
        nm.streamed_whitening(files, chunk_rows=16)
    assert str(serial.value).startswith(str(bad))
    make = ThreadPoolExecutor if pool == "threads" else ProcessPoolExecutor
    with make(max_workers=2) as executor:
        with pytest.raises(ValueError) as parallel:
            nm.streamed_whitening(files, chunk_rows=16, executor=executor)
    assert str(parallel.value) == str(serial.value)


def test_an_executor_needs_a_source_with_parts():
    class Rows:  # a source without parts()
        n, d0 = 3, 2

        def rows(self, chunk_rows):
            yield np.arange(6.0).reshape(3, 2)

    with ThreadPoolExecutor(max_workers=1) as executor:
        with pytest.raises(TypeError, match="the source must have parts"):
            nm.streamed_whitening(Rows(), executor=executor)
        with pytest.raises(ValueError, match="max_pending must be"):
            nm.streamed_whitening(streaming.ArrayRows(_pixels()), executor=executor, max_pending=0)
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        nm.streamed_whitening(streaming.ArrayRows(_pixels()), executor=map)
    with pytest.raises(ValueError, match="part_rows must be"):
        streaming.ArrayRows(_pixels(), part_rows=0)


def test_the_cache_is_written_atomically_checked_for_space_and_reused(tmp_path, monkeypatch):
    x = _pixels()
    src = streaming.ArrayRows(x)
    rows, w = nm.whitened_cache(src, tmp_path, chunk_rows=50)
    assert isinstance(rows, np.memmap) and rows.shape == (400, 48) and rows.dtype == np.float32
    assert np.array_equal(rows, w.apply(x, np.float32))
    assert not list(tmp_path.glob("*.tmp")) and len(list(tmp_path.iterdir())) == 2

    def fail(*a, **k):
        raise AssertionError("recomputed")

    monkeypatch.setattr(streaming, "streamed_whitening", fail)
    monkeypatch.setattr(streaming, "_write_rows", fail)
    again, _ = nm.whitened_cache(src, tmp_path, chunk_rows=50)  # both files reused
    assert np.array_equal(again, rows)
    monkeypatch.undo()
    monkeypatch.setattr(
        streaming.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**12, 10**12 - 5, 5)
    )
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(ValueError, match="GiB free"):
        nm.whitened_cache(src, other, dtype="float64")
    assert not list(other.glob("whitened-*"))


# --- streamed training -----------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_streamed_training_is_train_large_to_the_bit(optimizer):
    """Same data in the same working dtype, same seed: the same weights bit for bit; the per-epoch loss
    (summed over chunks instead of at once) equal to rounding."""
    x = _pixels()
    Xw = nm.whiten(x.T / 255.0).astype(np.float32)
    y = (np.random.default_rng(4).random(400) < 0.5).astype(float)
    kw = dict(rng=11, optimizer=optimizer, max_iter=3, batch_size=32)
    a = train_large(Xw.astype(float), y, 3, 0.0, **kw)
    b = nm.train_streamed(np.ascontiguousarray(Xw.T), y, 3, 0.0, eval_rows=70, **kw)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.z, b.z)
    assert np.allclose(a.history, b.history, rtol=1e-12, atol=0)
    assert (a.iterations, a.evaluations, a.stop_reason) == (
        b.iterations,
        b.evaluations,
        b.stop_reason,
    )
    assert b.mce == a.mce and b.loss == pytest.approx(a.loss, rel=1e-12)


def test_streamed_training_reaches_zero_error_on_an_easy_task():
    x = _pixels()
    rows = np.ascontiguousarray(nm.whiten(x.T / 255.0).T.astype(np.float32))
    y = (x[:, 0] > 127).astype(float)
    r = nm.train_streamed(rows, y, 8, 0.0, rng=0, optimizer="adam", lr=0.01, max_iter=200)
    assert r.stop_reason == "target_mce" and r.mce == 0.0 and r.converged


def test_train_streamed_refuses_bad_arguments():
    rows = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="rows must be non-empty float32 or float64"):
        nm.train_streamed(np.zeros((4, 3), np.uint8), np.zeros(4), 1, 0.0, rng=0)
    with pytest.raises(ValueError, match="optimizer must be 'sgd' or 'adam'"):
        nm.train_streamed(rows, np.zeros(4), 1, 0.0, rng=0, optimizer="lbfgs")
    with pytest.raises(ValueError, match="one label per datapoint"):
        nm.train_streamed(rows, np.zeros(5), 1, 0.0, rng=0)
    with pytest.raises(ValueError, match="batch_size must be at most N = 4"):
        nm.train_streamed(rows, np.zeros(4), 1, 0.0, rng=0, batch_size=5)


# --- memory ----------------------------------------------------------------------------------------


def _peak(fn):
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_while_the_data_are_larger_than_the_bound(tmp_path):
    """The whole pipeline on 8x8 ImageNet files (d0 = 192, N = 30,000): reading, whitening, the cache and
    two epochs of Adam (two sessions, checkpointed) each allocate less than their declared bound, which
    is a fraction of the data.
    The chunks are large enough that two of them alive at once would exceed either bound."""
    folder = tmp_path / "npz"
    folder.mkdir()
    write_split(folder, side=8, rows=3000, seed=5)
    n, d0, d1, batch, eval_rows, chunk = 30_000, 192, 4, 64, 4096, 1024
    data_bytes = n * d0 * 8  # the data as float64 in memory: 46 MB
    setup_bound = streaming.whitening_memory_bound(d0, chunk)
    train_bound = streaming.streamed_memory_bound(d0, d1, n, batch_size=batch, eval_rows=eval_rows)
    assert data_bytes > 4 * max(setup_bound, train_bound)

    files, peak_open = _peak(lambda: nm.open_imagenet(folder, side=8, chunk_rows=chunk))
    (rows, w), peak_setup = _peak(lambda: nm.whitened_cache(files, tmp_path, chunk_rows=chunk))
    y = nm.imagenet_binary_labels(files.labels)
    train = functools.partial(
        nm.train_streamed,
        rows,
        y,
        d1,
        0.0,
        rng=0,
        batch_size=batch,
        eval_rows=eval_rows,
        checkpoint=tmp_path / "run.npz",  # the data hashed, the checkpoint written and read
    )
    _, peak_first = _peak(lambda: train(max_iter=1))
    result, peak_train = _peak(lambda: train(max_iter=2))
    peak_train = max(peak_first, peak_train)
    assert result.iterations == 2 and result.resumed_at == 1 and rows.shape == (n, d0)
    assert max(peak_open, peak_setup) < setup_bound, (peak_open, peak_setup, setup_bound)
    assert peak_train < train_bound, (peak_train, train_bound)
    # the bound is not vacuous: loading the data whole, as train_large does, would exceed it
    _, peak_whole = _peak(lambda: np.concatenate(list(files.rows())).astype(np.float32))
    assert peak_whole > train_bound


# --- E3 through the audit ----------------------------------------------------------------------------


def test_e3_scope_names_the_imagenet_flag_when_not_given():
    scope = {s.data: s for s in section5._e3_scope((), {})}
    assert scope["ImageNet 64x64"].status == "not run"
    assert scope["ImageNet 64x64"].note == "no data: audit --data imagenet=DIR"


@pytest.mark.audit  # a few seconds: the digits run and an ImageNet run
def test_e3_runs_the_users_imagenet(tmp_path, monkeypatch):
    """E3 with ``--data imagenet=DIR`` runs the row on the files (all 300 images: fewer than the budget's
    N) and counts it in its scope.  The files are 8x8 (d0 = 192): whitening 12,288 dimensions takes
    minutes, which the audit's budget sizes pay on real files, not a test."""
    write_split(tmp_path, side=8, rows=30, seed=6)
    monkeypatch.setattr(
        table1_data.nm, "open_imagenet", functools.partial(nm.open_imagenet, side=8)
    )
    (r,) = audit.run_audit(["E3"], data={"imagenet": tmp_path}, workers=1)
    scope = {s.data: s for s in r.evidence.scope}
    assert scope["ImageNet 64x64"].status == "ran" and scope["ImageNet 64x64"].n == 300
    assert any(run.data.startswith("ImageNet 64x64") and run.d0 == 192 for run in r.evidence.runs)


def test_the_zip_reader_refuses_compression_an_npz_never_uses(tmp_path):
    write_split(tmp_path)
    x, lab = _good()
    with zipfile.ZipFile(tmp_path / FIRST, "w", compression=zipfile.ZIP_BZIP2) as zf:
        for name, arr in (("data.npy", x), ("labels.npy", lab)):
            buf = io.BytesIO()
            np.save(buf, arr)
            zf.writestr(name, buf.getvalue())
    with pytest.raises(ValueError, match="compression method 12"):
        table1_data.load_table1("imagenet", tmp_path)


def test_table1_imagenet_needs_a_limit_and_runs_a_subset(tmp_path, capsys):
    from vanishing_minima.checks.cli import main

    write_split(tmp_path, rows=4)
    assert main(["table1", "--imagenet", str(tmp_path)]) == 2
    assert "--imagenet needs --limit N" in capsys.readouterr().err
    assert main(["table1", "--imagenet", str(tmp_path), "--limit", "30", "--max-iter", "50"]) == 0
    out = capsys.readouterr().out
    assert "ImageNet" in out and "ours" in out


def _as_zip64(blob: bytes, directory_size: int | None = None) -> bytes:
    """``blob`` (a zip) with its end-of-directory record saturated and a Zip64 record and locator
    before it, as writers do past 65,535 entries or 4 GiB; ``directory_size`` replaces the size the
    Zip64 record declares for the central directory."""
    import struct

    at = blob.rfind(b"PK\x05\x06")
    (_, _, _, _, count, size, offset, _) = struct.unpack_from("<4s4H2LH", blob, at)
    size64 = size if directory_size is None else directory_size
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size64, offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return blob[:at] + record + locator + eocd


def test_a_zip_directory_declaring_many_entries_is_refused_before_zipfile_reads_it(tmp_path):
    """A batch with thousands of extra (empty) members once cost zipfile 8x the file in memory and printed
    every name: the directory's declared size is checked from the end record first (also Zip64's), and
    a plain and a Zip64-form valid batch still open."""
    write_split(tmp_path, side=8)
    x, lab = _good(n=3, d0=192)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        with zf.open("data.npy", "w") as fh:
            np.save(fh, x)
        with zf.open("labels.npy", "w") as fh:
            np.save(fh, lab)
        for i in range(3000):
            zf.writestr(f"extra{i:05d}.npy", b"")
    (tmp_path / FIRST).write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match=r"central directory declares \d+ bytes, more than 65536"):
        nm.open_imagenet(tmp_path, side=8)
    good = _npz(data=x, labels=lab)
    (tmp_path / FIRST).write_bytes(_as_zip64(good))
    assert nm.open_imagenet(tmp_path, side=8).n == 30  # zipfile reads the Zip64 form; so does the check
    (tmp_path / FIRST).write_bytes(_as_zip64(good, directory_size=2**40))
    with pytest.raises(ValueError, match="declares 1099511627776 bytes"):
        nm.open_imagenet(tmp_path, side=8)


def _hand_zip(members, tail) -> bytes:
    """A stored zip of ``members`` written by hand, ended by ``tail(count, cd_size, cd_offset)``."""
    import struct
    import zlib

    out, cen = bytearray(), bytearray()
    for name, data in members:
        nm_, crc, off = name.encode(), zlib.crc32(data), len(out)
        out += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(nm_), 0)
        out += nm_ + data
        cen += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(nm_), 0, 0, 0, 0, 0, off
        )
        cen += nm_
    return bytes(out + cen) + tail(len(members), len(cen), len(out))


@pytest.mark.parametrize("variant", ["plain", "zip64 beside a small 32-bit size", "locator past the end", "PK56 in the disk fields"])
def test_the_directory_cap_reads_the_end_records_as_zipfile_does(tmp_path, variant):
    """Three end-record forms once slipped past the cap (a re-review): zipfile takes a Zip64 record
    whenever a locator precedes the end record, ignores the locator's offset, and finds the end record
    in the last 22 bytes first; the check now uses zipfile's own reading."""
    import struct

    def eocd(n, size, off, disk=0, disk_cd=0):
        return struct.pack("<4s4H2IH", b"PK\x05\x06", disk, disk_cd, min(n, 0xFFFF), min(n, 0xFFFF), size, off, 0)

    def z64(n, size, off, reloff):
        return struct.pack("<4sQ2H2I4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, size, off) + struct.pack(
            "<4sIQI", b"PK\x06\x07", 0, reloff, 1
        )

    tails = {
        "plain": lambda n, s, o: eocd(n, s, o),
        "zip64 beside a small 32-bit size": lambda n, s, o: z64(n, s, o, o + s) + eocd(n, 256, o),
        "locator past the end": lambda n, s, o: z64(n, s, o, 2**40) + eocd(n, 0xFFFFFFFF, 0xFFFFFFFF),
        "PK56 in the disk fields": lambda n, s, o: eocd(n, s, o, 0x4B50, 0x0605),
    }
    write_split(tmp_path, side=8)
    x, lab = _good(n=3, d0=192)
    members = [("data.npy", _npy(x)), ("labels.npy", _npy(lab))] + [(f"{k:05d}", b"") for k in range(3000)]
    (tmp_path / FIRST).write_bytes(_hand_zip(members, tails[variant]))
    with pytest.raises(ValueError, match=r"central directory declares \d+ bytes, more than 65536"):
        nm.open_imagenet(tmp_path, side=8)
    (tmp_path / FIRST).write_bytes(_hand_zip(members[:2], tails[variant]))
    if variant != "locator past the end":  # zipfile reads the small form of each (the check agrees)
        assert nm.open_imagenet(tmp_path, side=8).n == 30


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a)
    return buf.getvalue()
