"""Loaders for E3's data, tested on small files written here in the standard formats."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vanishing_minima.numeric.datasets import (
    MAX_IDX_BYTES,
    binary_labels,
    load_cifar10,
    load_digits_binary,
    load_mnist,
    read_idx,
    whiten,
)

#: The IDX type bytes (the format's definition, written out here independently of the loader).
IDX_CODES = {">u1": 0x08, ">i1": 0x09, ">i2": 0x0B, ">i4": 0x0C, ">f4": 0x0D, ">f8": 0x0E}


def idx_bytes(array: np.ndarray, code: int | None = None) -> bytes:
    """``array`` in the IDX format: 0 0 type ndim, big-endian uint32 sizes, big-endian data."""
    big = array.astype(array.dtype.newbyteorder(">"))
    code = IDX_CODES[big.dtype.str.replace("|", ">")] if code is None else code
    return (
        bytes([0, 0, code, array.ndim])
        + struct.pack(f">{array.ndim}I", *array.shape)
        + big.tobytes()
    )


def _write_idx(path, array: np.ndarray, compress: bool) -> None:
    blob = idx_bytes(array.astype(np.uint8))
    with (gzip.open if compress else open)(path, "wb") as fh:
        fh.write(blob)


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_idx_round_trip(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28))
    labels = rng.integers(0, 10, 7)
    suffix = ".gz" if compress else ""
    _write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, compress)
    _write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, compress)
    X, y = load_mnist(tmp_path)
    assert X.shape == (784, 7) and np.array_equal(y, labels)
    assert np.allclose(X[:, 3], images[3].ravel() / 255.0)


def test_mnist_errors_name_the_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros((3, 4)), False)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-2])
    with pytest.raises(ValueError, match="header says"):
        read_idx(tmp_path / "short")


def test_cifar10_pickle_batches(tmp_path):
    rng = np.random.default_rng(1)
    parts = []
    for i in range(1, 6):
        data, labels = (
            rng.integers(0, 256, (4, 3072), dtype=np.uint8),
            rng.integers(0, 10, 4).tolist(),
        )
        parts.append((data, labels))
        with open(tmp_path / f"data_batch_{i}", "wb") as fh:
            pickle.dump({b"data": data, b"labels": labels}, fh)
    X, y = load_cifar10(tmp_path)
    assert X.shape == (3072, 20) and y.tolist() == sum((p[1] for p in parts), [])
    assert np.allclose(X[:, 5], parts[1][0][1] / 255.0)
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(
        FileNotFoundError, match="missing data_batch_3; expected the files data_batch_1"
    ):
        load_cifar10(tmp_path)


def test_digits_ship_with_scikit_learn():
    X, y = load_digits_binary()
    assert X.shape == (64, 1797) and set(np.unique(y)) == {0.0, 1.0}
    assert 0 <= X.min() and X.max() <= 1


def test_whitening_makes_the_covariance_the_identity_on_varying_directions():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 400)) * np.array([[1.0], [3.0], [0.1], [2.0], [1.0]]) + 7.0
    X[4] = X[0] + X[1]  # a direction of zero variance
    Xw = whiten(X)
    cov = Xw @ Xw.T / X.shape[1]
    s = np.linalg.eigvalsh(cov)
    assert np.allclose(Xw.mean(axis=1), 0, atol=1e-10)
    assert np.sum(s > 0.5) == 4 and s.min() < 1e-3
    # a direction of variance v comes out with variance v / (v + eps sigma**2), sigma the range of X
    v = np.linalg.eigvalsh(np.cov(X, bias=True))
    expected = v / (v + 1e-5 * np.ptp(X) ** 2)
    assert (
        np.allclose(s, expected, atol=1e-9) and expected[1] < 0.95
    )  # eps shrinks the 0.1 direction


@pytest.mark.parametrize("n", [5, 30, 59])
def test_wide_data_whiten_through_the_gram_matrix_as_through_the_covariance(n):
    """N < d0 takes the N x N route; it must be the d0 x d0 map (computed here by hand, eigh of the
    covariance) to rounding, constant pixels included."""
    rng = np.random.default_rng(n)
    X = rng.integers(0, 256, (60, n)).astype(float) / 255
    X[3] = 0.5  # a constant pixel
    X[7] = X[1] + X[2]  # a dependent one
    out = whiten(X, eps=1e-4)
    C = (X - X.mean(axis=1, keepdims=True)) / (X.max() - X.min())
    s, U = np.linalg.eigh(C @ C.T / n)
    direct = (U * (1.0 / np.sqrt(np.maximum(s, 0.0) + 1e-4))) @ (U.T @ C)
    assert out.shape == X.shape
    assert np.linalg.norm(out - direct) <= 1e-9 * np.linalg.norm(direct)


def test_binary_labels():
    assert binary_labels(np.array([0, 5, 7, 2]), {5, 7}).tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="absent"):
        binary_labels(np.array([0, 1]), {3})
    with pytest.raises(ValueError, match="one class"):
        binary_labels(np.array([1, 1]), {1})


@pytest.mark.audit  # long: whitening CIFAR-10 is an eigendecomposition of order 3072 (about 20 s)
def test_table1_command_on_small_files_in_the_standard_formats(tmp_path, capsys):
    """MNIST IDX and CIFAR-10 pickles written here, then E3 run on them from the command line."""
    from vanishing_minima.checks.cli import main

    rng = np.random.default_rng(2)
    _write_idx(tmp_path / "train-images-idx3-ubyte", rng.integers(0, 256, (40, 28, 28)), False)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(40) % 10, False)
    for i in range(1, 6):
        with open(tmp_path / f"data_batch_{i}", "wb") as fh:
            pickle.dump(
                {
                    b"data": rng.integers(0, 256, (8, 3072), dtype=np.uint8),
                    b"labels": [(j + 3 * i) % 10 for j in range(8)],
                },
                fh,
            )
    assert (
        main(["table1", "--mnist", str(tmp_path), "--cifar", str(tmp_path), "--max-iter", "50"])
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "MNIST" in out and "CIFAR-10" in out and out.count("ours") == 2 and out.count("paper") == 3
    )


def test_table1_command_names_the_missing_files(tmp_path, capsys):
    from vanishing_minima.checks.cli import main

    assert main(["table1", "--mnist", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte" in err and err.count("\n") == 1
    assert main(["table1"]) == 2 and "--digits" in capsys.readouterr().err


@pytest.mark.parametrize("sep", ["-", "."])
@pytest.mark.parametrize("compress", [False, True])
def test_mnist_loader_accepts_the_mirror_names_and_says_which_files_it_used(
    tmp_path, sep, compress, caplog
):
    """train-images-idx3-ubyte and train-images.idx3-ubyte, gzipped or not."""
    import logging

    from vanishing_minima.numeric import mnist_files

    rng = np.random.default_rng(3)
    images, labels = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    suffix = ".gz" if compress else ""
    img = tmp_path / f"t10k-images{sep}idx3-ubyte{suffix}"
    lab = tmp_path / f"t10k-labels{sep}idx1-ubyte{suffix}"
    _write_idx(img, images, compress)
    _write_idx(lab, labels, compress)
    assert mnist_files(tmp_path, "test") == (img, lab)
    with caplog.at_level(logging.INFO, logger="vanishing_minima.numeric.datasets"):
        X, y, files = load_mnist(tmp_path, "test", with_files=True)
    assert files == (img, lab) and str(img) in caplog.text and str(lab) in caplog.text
    assert X.shape == (784, 5) and np.array_equal(y, labels)
    with pytest.raises(FileNotFoundError, match=r"train-images\.idx3-ubyte\.gz"):
        mnist_files(tmp_path, "train")  # the message lists the names it tried
    with pytest.raises(ValueError, match="split"):
        mnist_files(tmp_path, "validation")


def test_mnist_loader_prefers_the_first_name_in_its_documented_order(tmp_path):
    from vanishing_minima.numeric import mnist_files

    for name in (
        "train-images.idx3-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "train-labels.idx1-ubyte",
        "train-labels-idx1-ubyte.gz",
    ):
        _write_idx(
            tmp_path / name,
            np.zeros((2, 28, 28) if "images" in name else (2,)),
            name.endswith(".gz"),
        )
    images, labels = mnist_files(tmp_path)
    assert (
        images.name == "train-images-idx3-ubyte.gz" and labels.name == "train-labels-idx1-ubyte.gz"
    )


def test_whitening_keeps_constant_pixels_as_zero_rows_and_shrinks_tiny_variance():
    """Pixels constant over the data (MNIST's borders): kept, output rows (numerically) zero, nothing blown up;
    the varying pixels are whitened as if the constant ones were absent; a pixel of variance s << eps is
    shrunk to variance s / (s + eps)."""
    rng = np.random.default_rng(4)
    n = 500
    varying = rng.standard_normal((4, n)) * np.array([[1.0], [2.0], [0.5], [3.0]])
    X = np.zeros((8, n))
    X[[0, 2, 3, 6]] = varying
    X[1], X[4], X[5] = 0.0, 1.0, 0.25  # constant pixels (black, white, grey)
    X[7] = 0.0
    X[7, 0] = 1e-3  # one pixel lit once: variance about 2e-9, far below eps
    Xw = whiten(X, eps=1e-5)
    assert Xw.shape == X.shape and np.all(np.isfinite(Xw))
    assert np.abs(Xw[[1, 4, 5]]).max() < 1e-9
    alone = whiten(varying, eps=1e-5)
    assert np.allclose(Xw[[0, 2, 3, 6]], alone, atol=1e-6)
    sigma = np.ptp(X)  # eps is relative to the square of the range of X
    s7 = np.var(X[7]) / sigma**2
    assert (
        np.var(Xw[7]) == pytest.approx(s7 / (s7 + 1e-5), rel=0.05) and np.var(Xw[7]) < 1e-3
    )  # (sample correlations)
    for eps in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="eps"):
            whiten(X, eps=eps)


def _mnist_dir():
    """A real MNIST copy for measurements, named by $VM_MNIST_DIR (the tests never look for one elsewhere)."""
    candidate = os.environ.get("VM_MNIST_DIR")
    return Path(candidate) if candidate and Path(candidate).is_dir() else None


def test_real_mnist_files_load_when_a_copy_is_present():
    """Skipped without a copy: the package and the audit never need one."""
    directory = _mnist_dir()
    if directory is None:
        pytest.skip("no MNIST copy (set VM_MNIST_DIR)")
    X, y, files = load_mnist(directory, "test", with_files=True)
    assert (
        X.shape == (784, 10_000)
        and set(np.unique(y)) == set(range(10))
        and all(f.exists() for f in files)
    )
    constant = np.ptp(X, axis=1) == 0
    assert constant.sum() > 0  # the border pixels that make whitening ill-posed without eps
    Xw = whiten(X[:, :2000])
    assert np.all(np.isfinite(Xw)) and np.abs(Xw[np.ptp(X[:, :2000], axis=1) == 0]).max() < 1e-6


# --- IDX files from untrusted sources: read exactly what the header declares ---------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A directory for the property tests' files (Hypothesis refuses function-scoped fixtures)."""
    return tmp_path_factory.mktemp("files")


def _write(directory: Path, name: str, blob: bytes, compress: bool = False) -> Path:
    """``blob`` written to ``directory / name`` (gzipped, and ``.gz`` appended, when ``compress``)."""
    path = directory / (name + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(blob) if compress else blob)
    return path


_IDX_ARRAYS = st.sampled_from(sorted(IDX_CODES)).flatmap(
    lambda dtype: hnp.arrays(
        dtype, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4)
    )
)


@given(array=_IDX_ARRAYS, compress=st.booleans())
def test_read_idx_returns_the_array_written(scratch, array, compress):
    got = read_idx(_write(scratch, "a-idx", idx_bytes(array), compress))
    assert got.shape == array.shape and got.dtype == array.dtype.newbyteorder(">")
    assert got.tobytes() == array.astype(got.dtype).tobytes()


@given(array=_IDX_ARRAYS, compress=st.booleans(), data=st.data())
def test_read_idx_refuses_every_truncation_naming_the_file(scratch, array, compress, data):
    """Every proper prefix of an IDX file (or of its gzip stream) is refused with a ValueError naming it."""
    blob = idx_bytes(array)
    stored = gzip.compress(blob) if compress else blob
    cut = data.draw(st.integers(0, len(stored) - 1), label="cut")
    path = _write(scratch, "cut-idx" + (".gz" if compress else ""), stored[:cut])
    with pytest.raises(ValueError, match=str(path)):
        read_idx(path)


@given(array=_IDX_ARRAYS, extra=st.binary(min_size=1, max_size=16), compress=st.booleans())
def test_read_idx_refuses_trailing_data_naming_the_file(scratch, array, extra, compress):
    path = _write(scratch, "long-idx", idx_bytes(array) + extra, compress)
    with pytest.raises(ValueError, match=f"{path}.*trailing data"):
        read_idx(path)


def test_read_idx_reads_no_more_than_the_header_declares_from_a_gzip_bomb(tmp_path):
    """16 declared bytes, then 64 MiB of zeros in a 64 kB gzip: refused after reading about 17 bytes."""
    member = gzip.compress(bytes(2**20))
    path = tmp_path / "bomb-idx.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(16, np.uint8))) + member * 64)
    assert path.stat().st_size < 2**17
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as refused:
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**22  # 4 MiB: nowhere near the 64 MiB the stream expands to
    assert refused.match(f"{path}.*trailing data")


def test_read_idx_refuses_a_header_over_max_bytes_before_reading(tmp_path):
    huge = tmp_path / "huge-idx"
    huge.write_bytes(bytes([0, 0, 0x08, 2]) + struct.pack(">2I", 2**16, 2**16))  # 4 GiB declared
    assert 2**32 > MAX_IDX_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(
            ValueError, match=f"{huge}.*4294967296 bytes.*max_bytes = {MAX_IDX_BYTES}"
        ):
            read_idx(huge)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    small = _write(tmp_path, "small-idx", idx_bytes(np.zeros((10, 10), np.uint8)))
    assert read_idx(small, max_bytes=100).shape == (10, 10)
    with pytest.raises(ValueError, match="100 bytes.*max_bytes = 99"):
        read_idx(small, max_bytes=99)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_bytes"):
            read_idx(small, max_bytes=bad)


@pytest.mark.parametrize(
    ("blob", "rule"),
    [
        (b"", "ends inside the 4-byte IDX magic number"),
        (b"\x00\x00\x08", "ends inside the 4-byte IDX magic number"),
        (
            b"\x00\x01\x08\x01" + bytes(8),
            "not an IDX file: the magic number must start with two zero",
        ),
        (b"\x00\x00\x07\x01" + bytes(8), "unknown IDX type byte 0x07"),
        (b"\x00\x00\x08\x00", "declares 0 dimensions; must be at least 1"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", "ends inside the IDX header"),
    ],
)
def test_read_idx_names_the_file_and_the_rule(tmp_path, blob, rule):
    path = _write(tmp_path, "bad-idx", blob)
    with pytest.raises(ValueError, match=f"{path}.*{rule}"):
        read_idx(path)


def test_read_idx_checks_the_declared_ndim_and_dtype_before_reading(tmp_path):
    path = _write(tmp_path, "f-idx", idx_bytes(np.zeros((2, 3), ">f4")))
    with pytest.raises(ValueError, match=f"{path}.*declares 2 dimensions; must be 3"):
        read_idx(path, ndim=3)
    with pytest.raises(ValueError, match=f"{path}.*declares >f4; must be uint8"):
        read_idx(path, dtype=np.uint8)
    assert read_idx(path, ndim=2, dtype=np.float32).dtype == np.dtype(">f4")
    for bad in (0, 2.0, "2"):
        with pytest.raises(ValueError, match="ndim must be an integer >= 1"):
            read_idx(path, ndim=bad)


def test_read_idx_names_a_corrupt_gzip_file(tmp_path):
    path = _write(tmp_path, "junk-idx.gz", b"not gzip at all")
    with pytest.raises(ValueError, match=f"{path}: not valid gzip data"):
        read_idx(path)
    stream = bytearray(gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8))))
    stream[30] ^= 0xFF  # inside the deflate data
    path.write_bytes(bytes(stream))
    with pytest.raises(ValueError, match=f"{path}: (not valid gzip data|.*trailing|.*truncated)"):
        read_idx(path)


def _mnist(tmp_path, images: np.ndarray, labels: np.ndarray, split: str = "train") -> Path:
    stem = {"train": "train", "test": "t10k"}[split]
    (tmp_path / f"{stem}-images-idx3-ubyte").write_bytes(idx_bytes(images))
    (tmp_path / f"{stem}-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    return tmp_path


@pytest.mark.parametrize(
    ("images", "labels", "file", "rule"),
    [
        (
            np.zeros((3, 2, 2), np.uint8),
            np.zeros(4, np.uint8),
            "images",
            "declares 3 images.*4 labels",
        ),
        (
            np.zeros((3, 2, 2), np.uint8),
            np.array([0, 10, 1], np.uint8),
            "labels",
            "0-9; got 10 at index 1",
        ),
        (np.zeros((3, 4), np.uint8), np.zeros(3, np.uint8), "images", "2 dimensions; must be 3"),
        (
            np.zeros((3, 2, 2), np.uint8),
            np.zeros((3, 1), np.uint8),
            "labels",
            "2 dimensions; must be 1",
        ),
        (
            np.zeros((3, 2, 2), ">f4"),
            np.zeros(3, np.uint8),
            "images",
            "declares >f4; must be uint8",
        ),
        (
            np.zeros((3, 2, 2), np.uint8),
            np.zeros(3, ">i4"),
            "labels",
            "declares >i4; must be uint8",
        ),
        (np.zeros((0, 2, 2), np.uint8), np.zeros(0, np.uint8), "images", "no pixels"),
        (np.zeros((2, 0, 2), np.uint8), np.zeros(2, np.uint8), "images", "no pixels"),
    ],
)
def test_mnist_loader_checks_counts_dtypes_and_labels(tmp_path, images, labels, file, rule):
    _mnist(tmp_path, images, labels)
    with pytest.raises(ValueError, match=f"train-{file}-idx.-ubyte.*{rule}"):
        load_mnist(tmp_path)


# --- CIFAR-10 batches: a restricted unpickler ------------------------------------------------------------


def py2_batch(data: np.ndarray, labels: list[int]) -> bytes:
    """A batch byte for byte in the format of the real files: Python 2's cPickle at protocol 2, numpy 1.x's
    array reduce (``numpy.core.multiarray._reconstruct``), str keys and values as Python 2 byte strings."""

    def s(b: bytes) -> bytes:  # SHORT_BINSTRING / BINSTRING
        return (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<i", len(b))) + b

    array = (
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + s(b"b") + b"\x87R"
        + b"(K\x01J" + struct.pack("<i", data.shape[0]) + b"M\x00\x0c\x86"
        + b"cnumpy\ndtype\n" + s(b"u1") + b"K\x00K\x01\x87R"
        + b"(K\x03" + s(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        + b"I00\n" + s(data.tobytes()) + b"tb"
    )  # fmt: skip
    names = b"".join(s(f"image_{i}.png".encode()) for i in range(len(labels)))
    return (
        b"\x80\x02}(" + s(b"batch_label") + s(b"training batch 1 of 5")
        + s(b"labels") + b"](" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
        + s(b"data") + array + s(b"filenames") + b"](" + names + b"eu."
    )  # fmt: skip


def _batch(rng, n: int = 4) -> tuple[np.ndarray, list[int]]:
    return rng.integers(0, 256, (n, 3072), dtype=np.uint8), rng.integers(0, 10, n).tolist()


def test_py2_batch_writer_writes_what_pickle_reads_as_a_cifar_batch():
    """The hand-written format checked by the standard (unrestricted) unpickler, on trusted bytes."""
    data, labels = _batch(np.random.default_rng(5))
    batch = pickle.loads(py2_batch(data, labels), encoding="bytes")
    assert set(batch) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert np.array_equal(batch[b"data"], data) and batch[b"data"].dtype == np.uint8
    assert batch[b"labels"] == labels


def _as_protocol(protocol: int, fortran: bool = False):
    def write(data: np.ndarray, labels: list[int]) -> bytes:
        array = np.asfortranarray(data) if fortran else data
        return pickle.dumps({"data": array, "labels": labels}, protocol=protocol)

    return write


@pytest.mark.parametrize(
    "write",
    [py2_batch, _as_protocol(2), _as_protocol(pickle.DEFAULT_PROTOCOL), _as_protocol(4, True)],
    ids=["python2-cPickle", "protocol-2", "default-protocol", "fortran-order"],
)
def test_cifar10_loader_reads_the_formats_of_the_batches(tmp_path, write):
    rng = np.random.default_rng(6)
    parts = [_batch(rng, 3) for _ in range(5)]
    for i, (data, labels) in enumerate(parts, 1):
        (tmp_path / f"data_batch_{i}").write_bytes(write(data, labels))
    X, y = load_cifar10(tmp_path)
    assert np.array_equal(X, np.concatenate([p[0] for p in parts]).T / 255.0)
    assert y.tolist() == sum((p[1] for p in parts), [])


class ShellCommand:
    """Pickles as ``os.system(command)``: what a hostile batch file would run on an unrestricted load."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_cifar10_loader_runs_nothing_from_a_hostile_pickle(tmp_path):
    marker = tmp_path / "marker"
    (tmp_path / "test_batch").write_bytes(
        pickle.dumps({b"data": ShellCommand(f"touch {marker}"), b"labels": [0]}, protocol=2)
    )
    with pytest.raises(ValueError) as refused:
        load_cifar10(tmp_path, "test")
    assert not marker.exists()
    assert refused.match(f"{tmp_path / 'test_batch'}.*refused the global posix.system")


@pytest.mark.parametrize(
    ("blob", "rule"),
    [
        (
            b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1s\x85R.",
            "refused the global builtins.eval",
        ),
        (b"\x80\x02cnumpy\nndarray\nJ\x00\x00\x00\x40\x85R.", "numpy.ndarray is accepted only"),
        (
            b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nJ\x00\x00\x00\x40\x85U\x01b"
            b"\x87R.",
            r"only numpy's _reconstruct\(ndarray, \(0,\), b'b'\)",
        ),
        (b"\x80\x02cnumpy\ndtype\n}U\x04makeNsb.", "AttributeError"),  # BUILD onto a global
        (b"\x80\x02cnumpy\ndtype\nU\x02f8K\x00K\x01\x87R.", "only array dtype accepted is uint8"),
        (b"\x80\x02ccopyreg\n_reconstructor\n.", "refused the global copyreg._reconstructor"),
        (b"\x80\x02}.garbage", "trailing data"),
        (b"\x80\x02](K\x01e.", "a CIFAR-10 batch is a dict; got list"),
        (b"garbage bytes, not a pickle", "not a CIFAR-10 python batch"),
        (b"\x80\x02}(U\x04dataK\x01", "not a CIFAR-10 python batch"),
    ],
)
def test_cifar10_loader_refuses_other_pickles_naming_the_file(tmp_path, blob, rule):
    path = tmp_path / "test_batch"
    path.write_bytes(blob)
    with pytest.raises(ValueError, match=f"{path}.*{rule}"):
        load_cifar10(tmp_path, "test")
    data, labels = _batch(np.random.default_rng(7))
    path.write_bytes(py2_batch(data, labels))  # the globals were not altered by the attempt
    assert np.array_equal(load_cifar10(tmp_path, "test")[0], data.T / 255.0)


@pytest.mark.parametrize(
    ("batch", "rule"),
    [
        ({b"data": np.zeros((2, 3072), np.uint8)}, r"missing \['labels'\]"),
        (
            {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1], b"extra": 1},
            "unknown.*extra",
        ),
        ({b"data": np.zeros((2, 3072), np.uint8), "data": 0, b"labels": [0, 1]}, "each once"),
        ({b"data": np.zeros((2, 3072)), b"labels": [0, 1]}, "dtype accepted is uint8.*f8"),
        (
            {b"data": np.zeros((2, 3072), np.int64), b"labels": [0, 1]},
            "dtype accepted is uint8.*i8",
        ),
        (
            {b"data": np.zeros(3072, np.uint8), b"labels": [0]},
            r"shape \(n >= 1, 3072\); got shape \(3072,\)",
        ),
        ({b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}, r"got shape \(2, 1024\)"),
        ({b"data": np.zeros((0, 3072), np.uint8), b"labels": []}, r"got shape \(0, 3072\)"),
        ({b"data": [[0] * 3072], b"labels": [0]}, "not a uint8 array"),
        (
            {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]},
            r"one int per image \(2\); got 1",
        ),
        (
            {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]},
            "ints 0-9; got 10 at index 1",
        ),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, True]}, "ints 0-9; got True"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1.0]}, "opcode BINFLOAT"),
        (
            {b"data": np.zeros((2, 3072), np.uint8), b"labels": np.zeros(2, np.uint8)},
            "list of one int",
        ),
    ],
)
def test_cifar10_loader_checks_keys_dtype_shape_counts_and_labels(tmp_path, batch, rule):
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps(batch))
    with pytest.raises(ValueError, match=f"{path}.*{rule}"):
        load_cifar10(tmp_path, "test")


@given(
    protocol=st.sampled_from([2, pickle.DEFAULT_PROTOCOL, "python2"]),
    data=st.data(),
)
def test_cifar10_loader_refuses_every_truncation_or_loads_a_valid_batch_after_any_byte_flip(
    scratch, protocol, data
):
    """Damaged files: a proper prefix is always refused (ValueError naming the file); a flipped byte either
    still reads as a valid batch (a pixel changed) or is refused, never anything else."""
    images, labels = _batch(np.random.default_rng(8), 2)
    write = py2_batch if protocol == "python2" else _as_protocol(protocol)
    blob = write(images, labels)
    path = scratch / "test_batch"
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut")
    path.write_bytes(blob[:cut])
    with pytest.raises(ValueError, match=str(path)):
        load_cifar10(scratch, "test")
    where = data.draw(st.integers(0, len(blob) - 1), label="where")
    flip = data.draw(st.integers(1, 255), label="flip")
    path.write_bytes(blob[:where] + bytes([blob[where] ^ flip]) + blob[where + 1 :])
    try:
        X, y = load_cifar10(scratch, "test")
    except ValueError as exc:
        assert str(path) in str(exc)
    else:
        assert X.shape == (3072, 2) and set(y.tolist()) <= set(range(10))
        assert 0 <= X.min() and X.max() <= 1


# --- whitening is scale-invariant ------------------------------------------------------------------------


@given(
    seed=st.integers(0, 2**32 - 1),
    log10_c=st.floats(-300, 300),
)
def test_whitening_is_scale_invariant(seed, log10_c):
    """whiten(c X) = whiten(X) for c from 1e-300 to 1e300, up to rounding (well-conditioned data with a
    zero-variance direction: the agreement to 1e-9 depends on the conditioning, so the data are drawn)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 30)) * rng.uniform(0.1, 3.0, (4, 1)) + rng.uniform(-5, 5, (4, 1))
    X[3] = X[0] - X[1]  # a zero-variance direction: where eps matters most
    assert np.allclose(whiten(X * 10.0**log10_c), whiten(X), rtol=1e-9, atol=1e-9)


@given(
    X=hnp.arrays(
        float, st.tuples(st.integers(1, 4), st.integers(2, 8)), elements=st.floats(-1e3, 1e3)
    ),
    k=st.integers(-1000, 1000),
)
def test_whitening_is_exactly_invariant_under_powers_of_two(X, k):
    """whiten(2**k X) = whiten(X) bit for bit, for every X that varies, whenever 2**k X is exact (no
    overflow, no underflow to a subnormal)."""
    assume((X != X[:, :1]).any())
    c = 2.0**k
    assume(np.all(np.isfinite(X * c)) and np.all(np.abs(X * c)[X != 0] >= np.finfo(float).tiny))
    assert np.array_equal(whiten(X * c), whiten(X))


def test_whitening_refuses_data_that_do_not_vary_naming_x():
    # equal columns whose row means are not exact (7/255 ten times: the mean is 1 ulp off), and equal
    # columns of different pixels: both once passed the check on the centered data (then NaN or noise)
    seven = np.full((4, 10), 7 / 255)
    assert (seven - seven.mean(axis=1, keepdims=True)).any()
    pixels = np.repeat(np.array([[0.1], [0.7], [7 / 255]]), 10, axis=1)
    for X in (np.ones((3, 5)), np.arange(3.0)[:, None], np.full((2, 4), 1e300), seven, pixels):
        with pytest.raises(ValueError, match="X must vary across its columns"):
            whiten(X)


def _declared_only(shape: tuple[int, ...], present: int = 1000) -> bytes:
    """An IDX uint8 header declaring ``shape``, followed by only ``present`` zero bytes (as a gzip bomb's
    first block would be: what matters is what the header declares)."""
    return bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + bytes(present)


def test_mnist_headers_declaring_gigabytes_are_refused_before_any_data_are_read(tmp_path):
    """A header just under read_idx's 2 GiB cap (2,739,000 images) once made load_mnist read 2.2 GB and
    then ask for 16 GiB as float64 (a traceback): the headers are now checked first, with the pixels
    against max_bytes, and little memory is used.  Counts that disagree are refused from the headers."""
    n = 2_739_000
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as fh:
        fh.write(_declared_only((n, 28, 28), 10**6))
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb", compresslevel=1) as fh:
        fh.write(_declared_only((n,), 10**6))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than max_bytes = 536870912") as info:
            load_mnist(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "train-images-idx3-ubyte.gz" in str(info.value) and peak < 20 * 2**20
    with pytest.raises(ValueError, match="max_bytes must be"):
        load_mnist(tmp_path, max_bytes=0)
    # labels that disagree with the images: refused from the two headers, not after reading gigabytes
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb") as fh:
        fh.write(_declared_only((5,), 5))
    with pytest.raises(ValueError, match=f"declares {n} images.*5 labels"):
        load_mnist(tmp_path, max_bytes=2**40)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc/self/mem")
def test_a_read_error_names_the_file(tmp_path):
    """Reading /proc/self/mem at offset 0 fails with EIO, an error with no file name: it is named."""
    _mnist(tmp_path, np.zeros((3, 2, 2), np.uint8), np.zeros(3, np.uint8))
    images = tmp_path / "train-images-idx3-ubyte"
    images.unlink()
    images.symlink_to("/proc/self/mem")
    with pytest.raises(OSError) as info:
        load_mnist(tmp_path)
    assert info.value.filename == str(images) and not isinstance(info.value, ValueError)


def test_a_fifo_or_folder_in_place_of_an_mnist_file_is_named_not_missing(tmp_path):
    _mnist(tmp_path, np.zeros((3, 2, 2), np.uint8), np.zeros(3, np.uint8))
    images = tmp_path / "train-images-idx3-ubyte"
    images.unlink()
    os.mkfifo(images)  # opening it would wait for a writer forever
    with pytest.raises(ValueError, match="train-images-idx3-ubyte: not a regular file"):
        load_mnist(tmp_path)
    images.unlink()
    images.mkdir()
    with pytest.raises(ValueError, match="not a regular file"):
        load_mnist(tmp_path)
    images.rmdir()
    images.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="not a regular file"):
        load_mnist(tmp_path)
    images.unlink()
    with pytest.raises(FileNotFoundError, match="missing train-images-idx3-ubyte"):
        load_mnist(tmp_path)
