"""``vanishing-minima table1`` on malformed data files: exit 2, one line naming the file and the rule.

Every file here is written in the test, in the standard formats (IDX for MNIST, pickled batches for
CIFAR-10) and then damaged; none of them reaches training.
"""

from __future__ import annotations

import gzip
import pickle
import re
import types
from pathlib import Path

import numpy as np
import pytest
from test_datasets import ShellCommand, idx_bytes, py2_batch

from vanishing_minima import numeric
from vanishing_minima.checks.cli import main

IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"


def _images(n: int = 6, side: int = 28) -> np.ndarray:
    return np.random.default_rng(n).integers(0, 256, (n, side, side), dtype=np.uint8)


def _labels(n: int = 6) -> np.ndarray:
    return (np.arange(n) % 10).astype(np.uint8)


def _good_mnist(directory: Path) -> None:
    (directory / IMAGES).write_bytes(idx_bytes(_images()))
    (directory / LABELS).write_bytes(idx_bytes(_labels()))


def _gzip_cut(blob: bytes) -> bytes:
    stream = gzip.compress(blob)
    return stream[: len(stream) // 2]


#: (file name, contents replacing a good train split's file or added beside it, the rule in the message)
MNIST_CASES = {
    "truncated header": (
        IMAGES,
        b"\x00\x00\x08\x03\x00\x00\x00\x06\x00",
        "ends inside the IDX header",
    ),
    "truncated data": (IMAGES, idx_bytes(_images())[:-5], "truncated"),
    "trailing data": (IMAGES, idx_bytes(_images()) + b"\x00", "trailing data"),
    "truncated gzip": (IMAGES + ".gz", _gzip_cut(idx_bytes(_images())), "not valid gzip data"),
    "not gzip": (IMAGES + ".gz", b"\x00\x00\x08\x03 not gzip", "not valid gzip data"),
    "garbage": (IMAGES, bytes(range(255, 0, -3)), "not an IDX file"),
    "empty": (IMAGES, b"", "ends inside the 4-byte IDX magic number"),
    "1-D images": (IMAGES, idx_bytes(np.zeros(6, np.uint8)), "1 dimensions; must be 3"),
    "float images": (IMAGES, idx_bytes(np.zeros((6, 28, 28), ">f4")), ">f4; must be uint8"),
    "unknown type": (IMAGES, b"\x00\x00\x0a\x01\x00\x00\x00\x01\x00", "unknown IDX type byte 0x0a"),
    "counts disagree": (LABELS, idx_bytes(_labels(5)), "declares 6 images.*5 labels"),
    "label out of range": (LABELS, idx_bytes(np.array([0, 1, 2, 3, 12, 5], np.uint8)), "got 12"),
    "corrupt optional test split": (
        TEST_IMAGES,
        b"\x00\x00\x08\x03\x00",
        "ends inside the IDX header",
    ),
}


@pytest.mark.parametrize("case", sorted(MNIST_CASES))
def test_table1_refuses_malformed_mnist_files_with_one_line(tmp_path, capsys, case):
    name, contents, rule = MNIST_CASES[case]
    _good_mnist(tmp_path)
    if name.endswith(".gz"):
        (tmp_path / name.removesuffix(".gz")).unlink()  # the gzipped file is the one found
    if name == TEST_IMAGES:
        (tmp_path / TEST_LABELS).write_bytes(idx_bytes(_labels()))
    (tmp_path / name).write_bytes(contents)
    assert main(["table1", "--mnist", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err
    assert f"--mnist {tmp_path}: " in err and str(tmp_path / name) in err
    assert re.search(rule, err), err


def test_table1_names_mnist_splits_that_do_not_fit_together(tmp_path, capsys):
    _good_mnist(tmp_path)
    (tmp_path / TEST_IMAGES).write_bytes(idx_bytes(_images(3, side=20)))
    (tmp_path / TEST_LABELS).write_bytes(idx_bytes(_labels(3)))
    assert main(["table1", "--mnist", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train images have 784 pixels (" in err and f"test images 400 ({tmp_path / TEST_IMAGES})" in err
    (tmp_path / TEST_IMAGES).unlink()
    (tmp_path / TEST_LABELS).unlink()
    (tmp_path / LABELS).write_bytes(idx_bytes(np.array([0, 1, 2, 3, 4, 0], np.uint8)))
    assert main(["table1", "--mnist", str(tmp_path)]) == 2  # no digit 5-9: one class only
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--mnist {tmp_path}: positive names classes absent" in err


def test_table1_joins_a_valid_test_split_to_the_train_split(tmp_path, capsys, monkeypatch):
    """Train (6) and test (4) images make N = 10, in that order; training itself is replaced here."""
    seen = {}

    def record(task):
        seen["X"], seen["y"] = task.X, task.y
        d0, n = task.X.shape
        return types.SimpleNamespace(d0=d0, d1=1, n=n, params_over_n=1.0, mce=0.0, iterations=0)

    monkeypatch.setattr(numeric, "e3_point", record)
    _good_mnist(tmp_path)
    test_images, test_labels = _images(4), np.array([9, 8, 7, 6], np.uint8)
    (tmp_path / (TEST_IMAGES + ".gz")).write_bytes(gzip.compress(idx_bytes(test_images)))
    (tmp_path / TEST_LABELS).write_bytes(idx_bytes(test_labels))
    assert main(["table1", "--mnist", str(tmp_path)]) == 0
    images = np.concatenate([_images(), test_images]).reshape(10, -1).T / 255.0
    digits = np.concatenate([_labels(), test_labels])
    assert np.array_equal(seen["X"], images) and np.array_equal(seen["y"], digits >= 5)
    assert "MNIST" in capsys.readouterr().out


def _cifar(directory: Path, write=py2_batch) -> None:
    rng = np.random.default_rng(9)
    for i in range(1, 6):
        data = rng.integers(0, 256, (2, 3072), dtype=np.uint8)
        (directory / f"data_batch_{i}").write_bytes(write(data, [i % 10, (i + 5) % 10]))


def _dump(batch: dict) -> bytes:
    return pickle.dumps(batch, protocol=2)


_U8 = np.zeros((2, 3072), np.uint8)

#: (contents of data_batch_3, the rule in the message)
CIFAR_CASES = {
    "missing key": (_dump({b"data": _U8}), r"missing \['labels'\]"),
    "garbage": (bytes(range(7, 250, 3)), "not a CIFAR-10 python batch"),
    "truncated": (py2_batch(_U8, [0, 1])[:-40], "not a CIFAR-10 python batch"),
    "trailing data": (py2_batch(_U8, [0, 1]) + b"\x00", "trailing data"),
    "1-D data": (
        _dump({b"data": np.zeros(3072, np.uint8), b"labels": [0]}),
        r"got shape \(3072,\)",
    ),
    "counts disagree": (_dump({b"data": _U8, b"labels": [0, 1, 2]}), "one int per image"),
    "float data": (
        _dump({b"data": np.zeros((2, 3072)), b"labels": [0, 1]}),
        "dtype accepted is uint8",
    ),
    "label out of range": (_dump({b"data": _U8, b"labels": [0, 10]}), "ints 0-9; got 10"),
    "not a dict": (_dump([_U8, [0, 1]]), "is a dict; got list"),
}


@pytest.mark.parametrize("case", sorted(CIFAR_CASES))
def test_table1_refuses_malformed_cifar_batches_with_one_line(tmp_path, capsys, case):
    contents, rule = CIFAR_CASES[case]
    _cifar(tmp_path)
    (tmp_path / "data_batch_3").write_bytes(contents)
    assert main(["table1", "--cifar", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err
    assert f"--cifar {tmp_path}: {tmp_path / 'data_batch_3'}" in err
    assert re.search(rule, err), err


def test_table1_runs_nothing_from_a_hostile_cifar_batch(tmp_path, capsys):
    marker = tmp_path / "marker"
    _cifar(tmp_path, write=lambda data, labels: _dump({b"data": data, b"labels": labels}))
    (tmp_path / "data_batch_2").write_bytes(
        _dump({b"data": ShellCommand(f"touch {marker}"), b"labels": [0, 1]})
    )
    code = main(["table1", "--cifar", str(tmp_path)])
    assert not marker.exists()
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert f"{tmp_path / 'data_batch_2'}: not a CIFAR-10 python batch" in err
    assert "refused the global posix.system" in err


def test_table1_names_the_flag_when_the_data_cannot_be_trained_on(tmp_path, capsys):
    """Every image equal: nothing to whiten.  The refusal names the flag and folder (it named neither)."""
    (tmp_path / IMAGES).write_bytes(idx_bytes(np.full((10, 28, 28), 7, np.uint8)))
    (tmp_path / LABELS).write_bytes(idx_bytes(_labels(10)))
    assert main(["table1", "--mnist", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--mnist {tmp_path}: " in err and "must vary" in err


@pytest.mark.parametrize("command", ["table1", "audit"])
def test_a_data_set_too_large_for_memory_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch, command):
    """Within the loaders' caps a file can still declare more than the machine holds (a 522 KB gzip at
    MNIST's cap is 4.8 GB as float64): a MemoryError while loading is exit 2 naming the flag."""
    from vanishing_minima.checks import commands, measure_commands

    def out_of_memory(name, folder):
        raise MemoryError()

    monkeypatch.setattr(measure_commands, "load_table1", out_of_memory)
    monkeypatch.setattr(commands.table1_data, "load_table1", out_of_memory)
    _good_mnist(tmp_path)
    argv = (
        ["table1", "--mnist", str(tmp_path)]
        if command == "table1"
        else ["audit", "--claims", "K1", "--json", "", "--docs", "", "--data", f"mnist={tmp_path}"]
    )
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not enough memory" in err and str(tmp_path) in err
