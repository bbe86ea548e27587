"""Loaders for E3's data, tested on small files written here in the standard formats."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest

from vanishing_minima.numeric.datasets import (
    binary_labels,
    load_cifar10,
    load_digits_binary,
    load_mnist,
    read_idx,
    whiten,
)


def _write_idx(path, array: np.ndarray, compress: bool) -> None:
    head = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    blob = head + array.astype(np.uint8).tobytes()
    (gzip.open if compress else open)(path, "wb").write(blob)


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
    assert np.sum(s > 0.5) == 4 and np.allclose(s[s > 0.5], 1, atol=1e-3) and s.min() < 1e-3


def test_binary_labels():
    assert binary_labels(np.array([0, 5, 7, 2]), {5, 7}).tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="absent"):
        binary_labels(np.array([0, 1]), {3})
    with pytest.raises(ValueError, match="one class"):
        binary_labels(np.array([1, 1]), {1})


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
    s7 = np.var(X[7])
    assert (
        np.var(Xw[7]) == pytest.approx(s7 / (s7 + 1e-5), rel=0.05) and np.var(Xw[7]) < 1e-3
    )  # (sample correlations)
    with pytest.raises(ValueError, match="eps"):
        whiten(X, eps=0.0)


def _mnist_dir():
    """A real MNIST copy for measurements: $VM_MNIST_DIR, else ../shared/data/mnist beside the repository."""
    import os
    from pathlib import Path

    here = Path(__file__).resolve().parents[1]
    for candidate in (
        os.environ.get("VM_MNIST_DIR"),
        here.parent / "shared" / "data" / "mnist",
        here.parent.parent / "shared" / "data" / "mnist",
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


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
