"""CIFAR-10 batches against resource attacks on the unpickler (red-team D2-D5, D11, D3).

The batch files are untrusted: before the C unpickler sees one, its opcode stream is checked
(``_cifar_pickle.check_opcodes``).  Here each reproducer's payload is refused with its rule and byte
offset, without a crash (the segfault case in a child process) and in bounded memory, and real-shaped
batches as Python 2's cPickle wrote them and as Python 3 writes them at protocols 2-5 still load, equal
to the arrays written.  Every payload is written here; the byte offsets are counted from the payloads.
"""

from __future__ import annotations

import os
import pickle
import pickletools
import struct
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from test_datasets import py2_batch

from vanishing_minima.checks.cli import main
from vanishing_minima.numeric import _cifar_pickle as cp
from vanishing_minima.numeric.datasets import load_cifar10

# --- writers -------------------------------------------------------------------------------------------


class _CPickle:
    """Python 2's cPickle at protocol 2, as it wrote the distributed batches: every string, tuple, global,
    list, dict and call's result memoized (BINPUT, LONG_BINPUT from index 256), lists and dicts filled in
    batches of 1000 (MARK ... APPENDS), str as SHORT_BINSTRING or BINSTRING, numpy 1.x's array reduce
    with its Fortran flag as INT ``I00``."""

    def __init__(self):
        self.out, self.memo = [b"\x80\x02"], 0

    def put(self) -> None:
        self.memo += 1
        index = self.memo
        self.out.append(b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index))

    def string(self, b: bytes) -> None:
        size = bytes([len(b)]) if len(b) < 256 else struct.pack("<i", len(b))
        self.out.append((b"U" if len(b) < 256 else b"T") + size + b)
        self.put()

    def glob(self, module: bytes, name: bytes) -> None:
        self.out.append(b"c" + module + b"\n" + name + b"\n")
        self.put()

    def int_(self, v: int) -> None:
        if 0 <= v < 256:
            self.out.append(b"K" + bytes([v]))
        elif 0 <= v < 65536:
            self.out.append(b"M" + struct.pack("<H", v))
        else:
            self.out.append(b"J" + struct.pack("<i", v))

    def tuple_(self, n: int) -> None:
        self.out.append({1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(n, b"t"))
        self.put()

    def items(self, entries, save, closer: bytes) -> None:
        for start in range(0, len(entries), 1000):
            self.out.append(b"(")
            for entry in entries[start : start + 1000]:
                save(entry)
            self.out.append(closer)

    def array(self, data: np.ndarray) -> None:
        self.glob(b"numpy.core.multiarray", b"_reconstruct")
        self.glob(b"numpy", b"ndarray")
        self.int_(0)
        self.tuple_(1)
        self.string(b"b")
        self.tuple_(3)
        self.out.append(b"R")
        self.put()
        self.out.append(b"(")
        self.int_(1)
        for n in data.shape:
            self.int_(n)
        self.tuple_(data.ndim)
        self.glob(b"numpy", b"dtype")
        self.string(b"u1")
        self.int_(0)
        self.int_(1)
        self.tuple_(3)
        self.out.append(b"R")
        self.put()
        self.out.append(b"(")
        self.int_(3)
        self.string(b"|")
        self.out.append(b"NNN")
        self.int_(-1)
        self.int_(-1)
        self.int_(0)
        self.tuple_(8)
        self.out.append(b"b")
        self.out.append(b"I00\n")
        self.string(data.tobytes())
        self.tuple_(5)
        self.out.append(b"b")


def cpickle_batch(
    data: np.ndarray, labels: list[int], names: list[bytes], label: bytes = b"batch 1"
) -> bytes:
    """A batch in the distributed files' format (see :class:`_CPickle`), file names included."""
    w = _CPickle()
    w.out.append(b"}")
    w.put()

    def entry(pair):
        key, save = pair
        w.string(key)
        save()

    def a_list(values, save):
        def write():
            w.out.append(b"]")
            w.put()
            w.items(values, save, b"e")

        return write

    w.items(
        [
            (b"batch_label", lambda: w.string(label)),
            (b"labels", a_list(labels, w.int_)),
            (b"data", lambda: w.array(data)),
            (b"filenames", a_list(names, w.string)),
        ],
        entry,
        b"u",
    )
    w.out.append(b".")
    return b"".join(w.out)


def _names(n: int) -> list[bytes]:
    return [f"leptodactylus_pentadactylus_s_{i:06d}.png".encode() for i in range(n)]


def _python3(protocol: int, keys=bytes, names=bytes, label=b"training batch 1 of 5", order="C"):
    """``pickle.dumps`` of a whole batch: keys and file names as bytes or str, pixels in ``order``."""

    def write(data: np.ndarray, labels: list[int]) -> bytes:
        pixels = np.asfortranarray(data) if order == "F" else data
        batch = {
            "batch_label": label,
            "labels": labels,
            "data": pixels,
            "filenames": [n if names is bytes else n.decode() for n in _names(len(labels))],
        }
        batch = {k.encode() if keys is bytes else k: v for k, v in batch.items()}
        return pickle.dumps(batch, protocol)

    return write


WRITERS = {
    "python2-cpickle": lambda data, labels: cpickle_batch(data, labels, _names(len(labels))),
    "python2-cpickle-empty-label": lambda data, labels: cpickle_batch(
        data, labels, _names(len(labels)), label=b""
    ),
    "test_datasets.py2_batch": py2_batch,
    **{f"protocol-{p}": _python3(p) for p in (2, 3, 4, 5)},
    **{f"protocol-{p}-str": _python3(p, keys=str, names=str, label="batch") for p in (2, 3, 4, 5)},
    **{f"protocol-{p}-empty-label": _python3(p, label=b"") for p in (2, 3, 4, 5)},  # D11 at 2
    **{f"protocol-{p}-fortran": _python3(p, order="F") for p in (2, 4, 5)},
}


def _batch(n: int, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3072), dtype=np.uint8), rng.integers(0, 10, n).tolist()


# --- what real batches are still read -------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])  # 1: a single label and file name (APPEND, not APPENDS)
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_batches_written_by_python2_and_by_python3_at_protocols_2_to_5_load(tmp_path, writer, n):
    data, labels = _batch(n, seed=n)
    (tmp_path / "test_batch").write_bytes(WRITERS[writer](data, labels))
    X, y = load_cifar10(tmp_path, "test")
    assert np.array_equal(X, data.T / 255.0) and y.tolist() == labels


def test_the_cpickle_writer_writes_what_pickle_reads_as_a_batch():
    """The hand-written format checked by the standard (unrestricted) unpickler, on trusted bytes."""
    data, labels = _batch(3)
    batch = pickle.loads(cpickle_batch(data, labels, _names(3), label=b"x"), encoding="bytes")
    assert batch == {b"batch_label": b"x", b"labels": labels, b"data": batch[b"data"],
                     b"filenames": _names(3)}  # fmt: skip
    assert np.array_equal(batch[b"data"], data) and batch[b"data"].dtype == np.uint8


@pytest.mark.parametrize("writer", ["python2-cpickle", "protocol-2"])
def test_a_batch_of_10000_images_passes_every_cap(tmp_path, writer):
    """The full size: the distributed form and the form with the most opcodes (Python 3 at protocol 2 with
    bytes file names: each a call of _codecs.encode), 10,000 images, labels and file names."""
    data, labels = _batch(10_000)
    path = tmp_path / "data_batch_1"
    path.write_bytes(WRITERS[writer](data, labels))
    batch = cp.unpickle_cifar(path)
    assert np.array_equal(batch[b"data"].array, data)
    assert batch[b"labels"] == labels and batch[b"filenames"] == _names(10_000)


# --- the reproducers -----------------------------------------------------------------------------------

M61 = 2**61 - 1


def _hash_flood(n: int) -> bytes:
    """D5: a dict of ``n`` int keys with equal hashes (multiples of 2**61 - 1, as LONG1)."""
    keys = ((i * M61).to_bytes(((i * M61).bit_length() + 8) // 8, "little", signed=True)
            for i in range(1, n + 1))  # fmt: skip
    return b"\x80\x02}(" + b"".join(b"\x8a" + bytes([len(k)]) + k + b"N" for k in keys) + b"u."


D2_DEEP_KEY = b"\x80\x02}" + b")" + b"\x85" * 2**20 + b"K\x01s."

#: name -> (payload, the rule in the message, the byte offset of the opcode refused)
REPRODUCERS = {
    "D2 deep tuple key": (D2_DEEP_KEY, "containers nested deeper than 8", 3 + cp.MAX_DEPTH),
    "D4a memo index 2**27": (
        b"\x80\x02Nr" + struct.pack("<I", 2**27) + b".",
        "memo index 134217728 not below the number of opcodes before it",
        3,
    ),
    "D4b empty-set flood": (
        b"\x80\x04(" + b"\x8f" * 2**24 + b"l.",
        r"opcode EMPTY_SET \(b'\\x8f'\)",
        3,
    ),
    "D4c empty-dict flood": (
        b"\x80\x04(" + b"}" * 2**24 + b"l.",
        "more than 16 empty containers",
        3 + cp.MAX_EMPTY_CONTAINERS,
    ),
    "D5 hash flood": (_hash_flood(100_000), r"opcode LONG1 \(b'\\x8a'\)", 4),
}


def _refused(path: Path, rule: str, offset: int):
    return pytest.raises(
        ValueError, match=f"^{path}: not a CIFAR-10 python batch: .*{rule}.*, at byte {offset}$"
    )


def _peak_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("case", sorted(set(REPRODUCERS) - {"D2 deep tuple key"}))
def test_the_reproducers_are_refused_by_their_rule_in_bounded_memory(tmp_path, case):
    """D4's 9 bytes made the C unpickler allocate 2 GiB and its 16 MiB floods 4 GB and 1.4 GB; D5 took 52 s.
    Each is refused by the opcode check at its opcode, with less than 50 MB at the peak (the file's
    bytes, up to 16 MiB, included)."""
    payload, rule, offset = REPRODUCERS[case]
    path = tmp_path / "test_batch"
    path.write_bytes(payload)

    def load():
        with _refused(path, rule, offset):
            load_cifar10(tmp_path, "test")

    assert _peak_bytes(load) < 50e6


def test_the_memo_bomb_of_9_bytes_allocates_next_to_nothing(tmp_path):
    payload, rule, offset = REPRODUCERS["D4a memo index 2**27"]
    (tmp_path / "test_batch").write_bytes(payload)

    def load():
        with _refused(tmp_path / "test_batch", rule, offset):
            load_cifar10(tmp_path, "test")

    assert _peak_bytes(load) < 2**20


#: Run by a child process: the module file alone (it imports only the standard library and numpy), so a
#: crash of the C unpickler kills the child and not pytest, and the child starts in well under a second.
_CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("cifar_pickle", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
try:
    module.unpickle_cifar(sys.argv[2])
except ValueError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
"""


@pytest.mark.parametrize("depth", [2**20, cp.MAX_OPCODES - 10])
def test_the_deep_tuple_key_that_crashed_the_process_is_refused_in_a_child_process(tmp_path, depth):
    """D2: a 1 MB file whose dict key is a tuple nested 2**20 deep crashed the unpickler (SIGSEGV in the
    tuple hash), and so does one nested 199,990 deep, within the opcode cap (checked by hand on the
    unpickler alone): refused at the ninth nested tuple, the child exits 2 with the rule."""
    _, rule, offset = REPRODUCERS["D2 deep tuple key"]
    path = tmp_path / "data_batch_1"
    path.write_bytes(b"\x80\x02}" + b")" + b"\x85" * depth + b"K\x01s.")
    assert depth < 2**20 or path.read_bytes() == D2_DEEP_KEY
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, cp.__file__, str(path)],
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard, not a measurement
    )
    assert child.returncode == 2, (child.returncode, child.stderr[-500:])
    expected = f"{path}: not a CIFAR-10 python batch: {rule} (a batch is 5 deep), at byte {offset}\n"
    assert child.stderr == expected


@pytest.mark.parametrize(
    "case",
    sorted(set(REPRODUCERS) - {"D2 deep tuple key", "D4b empty-set flood", "D4c empty-dict flood"}),
)
def test_table1_refuses_a_reproducer_with_one_line_and_exit_code_2(tmp_path, capsys, case):
    payload, rule, offset = REPRODUCERS[case]
    (tmp_path / "data_batch_1").write_bytes(payload)
    assert main(["table1", "--cifar", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"--cifar {tmp_path}: {tmp_path / 'data_batch_1'}: not a CIFAR-10 python batch: " in err
    assert f", at byte {offset}\n" in err


def test_a_flood_of_equal_hashes_in_allowed_opcodes_is_refused_on_the_dict_entries(tmp_path):
    """D5's flood needs LONG1, refused as an opcode no batch uses; the same dict of 10,000 int keys in
    opcodes a batch does use (BININT: distinct hashes, but the dict is as large) is refused at its
    SETITEMS by the cap on dict entries in the file, and so is a 17th SETITEM."""
    path = tmp_path / "test_batch"
    n = 10_000
    keys = b"".join(b"J" + struct.pack("<i", i) + b"N" for i in range(n))
    path.write_bytes(b"\x80\x02}(" + keys + b"u.")
    with _refused(path, "more than 16 dict entries in the file", 4 + len(keys)):
        load_cifar10(tmp_path, "test")
    items = b"".join(b"K" + bytes([i]) + b"N" + b"s" for i in range(cp.MAX_DICT_ENTRIES + 1))
    path.write_bytes(b"\x80\x02}" + items + b".")
    with _refused(path, "more than 16 dict entries", 3 + 4 * cp.MAX_DICT_ENTRIES + 3):
        load_cifar10(tmp_path, "test")


# --- D11: b"" as Python 3 writes it at protocol 2 ------------------------------------------------------


def test_an_empty_bytes_value_written_at_protocol_2_is_read_and_bytes_accepts_no_argument(tmp_path):
    """Python 3 pickles b"" at protocol 2 as __builtin__.bytes() (builtins.bytes without fix_imports)."""
    data, labels = _batch(2)
    path = tmp_path / "test_batch"
    for fix_imports in (True, False):
        blob = pickle.dumps({b"batch_label": b"", b"data": data, b"labels": labels}, 2,
                            fix_imports=fix_imports)  # fmt: skip
        assert (b"c__builtin__\nbytes\n" in blob) is fix_imports
        path.write_bytes(blob)
        batch = cp.unpickle_cifar(path)
        assert batch[b"batch_label"] == b"" and np.array_equal(batch[b"data"].array, data)
    path.write_bytes(b"\x80\x02c__builtin__\nbytes\nK\x05\x85R.")  # bytes(5): five zero bytes
    rule = r"bytes is accepted only as bytes\(\) with no arguments.*got bytes\(5,\)"
    with pytest.raises(ValueError, match=rule):
        cp.unpickle_cifar(path)


# --- D3: a regular file only -------------------------------------------------------------------------------


def test_a_fifo_named_as_a_batch_is_refused_without_being_opened_for_reading(tmp_path):
    """D3: open() of a FIFO blocks until a writer comes.  A writer thread stands by: if the loader opened
    the FIFO it would read an empty file and fail as truncated, not hang; it is released at the end."""
    fifo = tmp_path / "data_batch_1"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: os.close(os.open(fifo, os.O_WRONLY)), daemon=True)
    writer.start()
    try:
        with pytest.raises(ValueError, match=f"^{fifo}: not a regular file \\(a FIFO\\)"):
            load_cifar10(tmp_path)
    finally:
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer's open return
        writer.join(60)
        os.close(reader)
    assert not writer.is_alive()


def test_a_directory_or_a_device_is_refused_and_a_link_to_a_batch_is_read(tmp_path, capsys):
    data, labels = _batch(2)
    real = tmp_path / "elsewhere"
    real.write_bytes(py2_batch(data, labels))
    (tmp_path / "test_batch").symlink_to(real)
    assert np.array_equal(load_cifar10(tmp_path, "test")[0], data.T / 255.0)
    (tmp_path / "test_batch").unlink()
    (tmp_path / "test_batch").symlink_to(os.devnull)
    with pytest.raises(ValueError, match="test_batch: not a regular file \\(a character device\\)"):
        load_cifar10(tmp_path, "test")
    (tmp_path / "data_batch_1").mkdir()
    assert main(["table1", "--cifar", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{tmp_path / 'data_batch_1'}: not a regular file (a directory)" in err
    (tmp_path / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match="missing test_batch"):  # a missing file stays so
        load_cifar10(tmp_path, "test")


# --- each rule of the opcode check, at its byte ------------------------------------------------------------


def _nested(depth: int) -> bytes:
    """A tuple ``depth`` deep (an empty tuple is 1 deep) as the whole pickle."""
    return b"\x80\x02)" + b"\x85" * (depth - 1) + b"."


@pytest.mark.parametrize(
    ("blob", "rule", "offset"),
    [
        (b"\x80\x02G" + struct.pack(">d", 1.0) + b".", r"opcode BINFLOAT \(b'G'\) is not one", 2),
        (b"\x80\x02cos\nsystem\nU\x02ls\x85R.", "", None),  # allowed opcodes: find_class refuses it
        (_nested(cp.MAX_DEPTH + 1), f"nested deeper than {cp.MAX_DEPTH}", 2 + cp.MAX_DEPTH),
        (b"\x80\x02Nq\x02.", "memo index 2 not below the number of opcodes before it \\(2\\)", 3),
        (b"\x80\x02Nq\x01N.", "STOP leaves 1 object", 6),
        (b"\x80\x02Nq\x01h\x00.", "memo index 0 read before it is set", 5),
        (b"\x80\x02\x85.", r"TUPLE1 needs 1 object\(s\) above the last MARK", 2),
        (b"\x80\x02(K\x01\x86.", r"TUPLE2 needs 2 object\(s\) above the last MARK", 5),
        (b"\x80\x02K\x01e.", "APPENDS with no MARK before it", 4),
        (b"\x80\x02q\x00.", "BINPUT with no object on the stack", 2),
        (b"\x80\x02}.\x00", r"trailing data", 4),
        (b"\x80\x02}(U\x04dataK\x01", "truncated: the file ends inside a pickle", 12),
        (
            b"\x80\x02X" + struct.pack("<I", 2**31) + b"abc.",
            "truncated: .*expected 2147483648 bytes",
            2,
        ),
        (
            b"\x80\x04\x95" + struct.pack("<Q", 2**40) + b"}.",
            "truncated: a frame of 1099511627776",
            2,
        ),
        (b"\x80\x02c" + b"m" * 300 + b"\nx\n.", "a text argument with no newline within 256", 2),
        (b"\x80\x02\xff.", "not a pickle opcode", 2),
        (b"\x80\x02}\xff", "not a pickle opcode", 3),
        (b"\x80\x02X\x02\x00\x00\x00\xff\xfe.", "a malformed argument: .*utf-8", 2),
    ],
)
def test_each_rule_of_the_opcode_check_names_its_byte(tmp_path, blob, rule, offset):
    path = tmp_path / "test_batch"
    path.write_bytes(blob)
    if offset is None:
        with pytest.raises(ValueError, match="refused the global os.system"):
            cp.unpickle_cifar(path)
        assert cp.check_opcodes(blob) == len(list(pickletools.genops(blob)))
        return
    with _refused(path, rule, offset):
        cp.unpickle_cifar(path)


def test_the_depth_cap_admits_its_depth_and_follows_the_memo(tmp_path):
    """A tuple MAX_DEPTH deep passes the check (the batch's own checks then refuse it); a list filled after
    it was placed in another container is refused, since that would hide its depth from the container."""
    assert cp.check_opcodes(_nested(cp.MAX_DEPTH)) == cp.MAX_DEPTH + 2
    # L = [] (memo 0); T = (L,); then L.append(...) through the memo: refused at the APPEND
    blob = b"\x80\x02]q\x00\x85h\x00K\x01a."
    with pytest.raises(cp._Refused, match="APPEND fills an object already placed inside") as r:
        cp.check_opcodes(blob)
    assert r.value.offset == blob.index(b"a.")
    # the depth of a memoized item is its depth when read back: (((x))) memoized, then nested again
    deep = b"\x80\x02)" + b"\x85" * (cp.MAX_DEPTH - 2) + b"q\x00" + b"h\x00\x85\x85."
    with pytest.raises(cp._Refused, match="nested deeper"):
        cp.check_opcodes(deep)


def test_the_opcode_cap(tmp_path):
    """MAX_OPCODES opcodes pass (here a list of ints); one more is refused at the opcode past the cap."""
    head = b"\x80\x02]("  # PROTO, EMPTY_LIST, MARK; then the ints, APPENDS, STOP
    fits = head + b"K\x00" * (cp.MAX_OPCODES - 5) + b"e."
    assert cp.check_opcodes(fits) == cp.MAX_OPCODES
    over = head + b"K\x00" * (cp.MAX_OPCODES - 4) + b"e."
    with pytest.raises(cp._Refused, match=f"more than {cp.MAX_OPCODES:,} opcodes") as r:
        cp.check_opcodes(over)
    assert r.value.offset == len(over) - 1  # the STOP


def test_an_array_shape_of_more_than_64_dimensions_is_refused_before_its_product(tmp_path):
    """numpy's state with a shape of 66 entries whose product is the byte count: refused by the length of
    the shape (its product over a long shape of large ints is quadratic: 9 s for 100,000 entries)."""
    data = np.arange(3072, dtype=np.uint8).reshape(1, 3072)
    blob = py2_batch(data, [0])
    shape = b"(K\x01J" + struct.pack("<i", 1) + b"M\x00\x0c\x86"
    assert blob.count(shape) == 1
    long_shape = b"(K\x01(" + b"K\x01" * 65 + b"M\x00\x0ct"
    (tmp_path / "test_batch").write_bytes(blob.replace(shape, long_shape))
    with pytest.raises(ValueError, match="an array must be numpy's state"):
        load_cifar10(tmp_path, "test")


def test_an_array_numpy_pickles_with_an_axis_order_at_protocol_5_is_read(tmp_path):
    """numpy 2 pickles an array that is neither C- nor Fortran-contiguous but a permutation of a contiguous
    block as _frombuffer(bytes, dtype, shape, "K", axis_order)."""
    block = np.random.default_rng(3).integers(0, 256, (2, 3, 4), dtype=np.uint8)
    view = block.transpose(1, 0, 2)
    blob = pickle.dumps({b"data": view, b"labels": [0]}, protocol=5)
    assert b"_frombuffer" in blob and b"\x8c\x01K" in blob
    (tmp_path / "test_batch").write_bytes(blob)
    assert np.array_equal(cp.unpickle_cifar(tmp_path / "test_batch")[b"data"].array, view)


def test_the_loaders_docstring_states_the_caps_the_module_sets():
    doc = " ".join(load_cifar10.__doc__.split())
    for stated in (
        f"of at most {cp.MAX_BATCH_BYTES // 2**20} MiB",
        f"at most {cp.MAX_OPCODES:,} opcodes",
        f"nested at most {cp.MAX_DEPTH} deep",
        f"at most {cp.MAX_DICT_ENTRIES} dict entries and {cp.MAX_EMPTY_CONTAINERS} empty containers",
        f"larger than {cp.MAX_BATCH_BYTES // 2**20} MiB",
    ):
        assert stated in doc, stated


def test_a_file_larger_than_max_bytes_is_refused_before_it_is_read(tmp_path):
    data, labels = _batch(2)
    path = tmp_path / "test_batch"
    path.write_bytes(py2_batch(data, labels))
    size = path.stat().st_size
    assert np.array_equal(cp.unpickle_cifar(path, max_bytes=size)[b"data"].array, data)
    with pytest.raises(ValueError, match=f"{path}: {size} bytes; a CIFAR-10 batch is at most {size - 1}"):
        cp.unpickle_cifar(path, max_bytes=size - 1)
    assert size < cp.MAX_BATCH_BYTES


def _shared_key(refs: int, levels: int = 7) -> bytes:
    """A batch-shaped dict whose key is ``levels`` nested tuples, each holding ``refs`` memo references to
    the one below: 1.4 KB at refs = 100, and hashing it visits refs**levels items (it hung the loader)."""
    b = b"\x80\x02}" + b"(" * levels + b"K\x01" * refs + b"t" + b"q\x01"
    for k in range(2, levels + 1):
        b += (b"h" + bytes([k - 1])) * (refs - 1) + b"t" + b"q" + bytes([k])
    return b + b"K\x01s."


@pytest.mark.parametrize("refs", [10, 100])
def test_memo_references_cannot_expand_a_small_file_into_a_hang(refs):
    """Depth alone does not bound the work: sharing through the memo does.  Counted with repetition the
    key holds refs**7 objects (1e7 at refs = 10, 1e14 at 100): refused before the C unpickler hashes it."""
    blob = _shared_key(refs)
    assert len(blob) < 1500
    with pytest.raises(cp._Refused, match="counted with repetition"):
        cp.check_opcodes(blob)
    # the same shape with a handful of references is checked through (and is no batch, elsewhere)
    cp.check_opcodes(_shared_key(2))
