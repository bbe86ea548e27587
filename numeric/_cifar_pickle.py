r"""A restricted unpickler for CIFAR-10's "python version" batches, behind a check of the opcode stream.

A batch file is untrusted input.  It must be a regular file (a symbolic link to one is followed; a FIFO,
device or directory is refused before it is opened for reading) of at most :data:`MAX_BATCH_BYTES`; it is
read once, and the same bytes go through two passes:

1. :func:`check_opcodes`: :func:`pickletools.genops` parses the opcodes and their arguments without building
   any object, over a reader whose ``read(n)`` never returns (or allocates) more than the bytes left, so a
   declared length of :math:`2^{40}` is refused as truncated.  The stack is simulated from the opcodes'
   ``stack_before``/``stack_after`` and marks, and the stream is refused, naming the rule and the byte
   offset, unless it keeps to what a batch needs: only the opcodes in :data:`ALLOWED_OPCODES`; at most
   :data:`MAX_OPCODES` opcodes; every memo index below the number of opcodes before it (and read only once
   set); containers nested at most :data:`MAX_DEPTH` deep; at most :data:`MAX_EXPANDED` objects counted
   with repetition (memo references repeat one); at most :data:`MAX_DICT_ENTRIES` dict entries
   and :data:`MAX_EMPTY_CONTAINERS` empty containers in the whole file; nothing after the STOP.
2. :class:`_CifarUnpickler`: the C unpickler, with every global refused but numpy's uint8 array pieces,
   ``_codecs.encode`` and ``bytes()`` (given as stand-ins that check their arguments), so nothing in the
   file is run.

The first pass is what bounds the C unpickler's resources: without it a 1 MB dict key of tuples nested
:math:`2^{20}` deep crashed the process (the tuple hash recurses in C), a 9-byte memo index made it allocate
2 GiB, 16 MiB of empty sets 4 GB, and 100,000 int keys of one hash took 52 s (quadratic).

Public inside :mod:`vanishing_minima.numeric` for :mod:`.datasets`: :func:`unpickle_cifar`,
:func:`check_opcodes`, :class:`Uint8Array` (what an array of the file becomes), :func:`text_of` and the caps.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import pickletools
import reprlib
import stat
from pathlib import Path

import numpy as np

__all__ = [
    "text_of",
    "Uint8Array",
    "check_opcodes",
    "unpickle_cifar",
    "ALLOWED_OPCODES",
    "MAX_BATCH_BYTES",
    "MAX_OPCODES",
    "MAX_DEPTH",
    "MAX_EXPANDED",
    "MAX_DICT_ENTRIES",
    "MAX_EMPTY_CONTAINERS",
    "MAX_LINE_BYTES",
]

#: The largest batch file read (128 MiB).  A batch of 10,000 images is 30.7 MB as Python 2 wrote it and
#: up to 62 MB when Python 3 pickles it at protocol 2 (the pixels as UTF-8 text, two bytes for each value
#: of 128 or more): a margin of two over the largest.
MAX_BATCH_BYTES = 128 * 2**20

#: The most opcodes a batch may have.  A batch of 10,000 images with its 10,000 labels and 10,000 file
#: names has about 30,100 (Python 2's cPickle and Python 3 at protocols 3-5: about three per image) and
#: 90,150 when Python 3 writes it at protocol 2 with bytes file names (each a call of ``_codecs.encode``:
#: nine opcodes per image); 200,000 (20 per image) leaves a margin of two over the largest.
MAX_OPCODES = 200_000

#: The deepest nesting of containers: a tuple, list or dict, or the result of a call or of BUILD, is one
#: deeper than the deepest thing it was built from.  A batch is 5 deep at most (the dict; the array built
#: from its state tuple holding the dtype built from its own arguments); a crash needed about 100,000.
MAX_DEPTH = 8

#: The most dict entries in the whole file (a batch is one dict of 4 keys).
MAX_DICT_ENTRIES = 16

#: The most objects the batch would hold counted with repetition: what hashing or walking it visits.  A
#: memo reference (BINGET) repeats an object, so 1.4 KB of tuples of 100 references to the tuple below
#: hash :math:`100^7` items (a hang).  A batch of 10,000 images counts 20,037 (its labels and file names)
#: at protocols 3-5 and 60,065 at protocol 2 (with the calls that build bytes); 1,000,000 leaves a margin
#: of 16.
MAX_EXPANDED = 1_000_000

#: The most empty containers (EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE) in the whole file: a batch has one
#: dict, two lists (labels and file names) and at most one empty tuple (``bytes()`` for ``b""``).
MAX_EMPTY_CONTAINERS = 16

#: The longest text line an opcode may take as its argument (GLOBAL's module and name, INT's digits).
MAX_LINE_BYTES = 256

#: The opcodes of a batch as Python 2's cPickle wrote the distributed files (protocol 2, with INT for
#: numpy's Fortran flag and SHORT_BINSTRING/BINSTRING for str) and as Python 3's pickle writes the same
#: dict at protocols 2-5 (bytes or str keys and file names, C or Fortran order, an empty batch label, a
#: single label): found by pickling such batches and listing their opcodes with ``pickletools.genops``.
ALLOWED_OPCODES = frozenset(
    {
        "PROTO", "FRAME", "STOP", "MARK",
        "EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE",
        "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3",
        "APPEND", "APPENDS", "SETITEM", "SETITEMS", "BUILD", "REDUCE",
        "GLOBAL", "STACK_GLOBAL",
        "NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2",
        "SHORT_BINSTRING", "BINSTRING", "SHORT_BINBYTES", "BINBYTES", "BYTEARRAY8",
        "SHORT_BINUNICODE", "BINUNICODE",
        "BINPUT", "LONG_BINPUT", "MEMOIZE", "BINGET", "LONG_BINGET",
    }
)  # fmt: skip

#: The most dimensions an array's shape may have (numpy's own limit); a longer shape tuple is refused
#: before its product is taken (the product of 200,000 large ints is quadratic: tens of seconds).
MAX_NDIM = 64

_LEAVES = frozenset(
    {
        "GLOBAL", "NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2",
        "SHORT_BINSTRING", "BINSTRING", "SHORT_BINBYTES", "BINBYTES", "BYTEARRAY8",
        "SHORT_BINUNICODE", "BINUNICODE",
    }
)  # fmt: skip
_CODES = frozenset(op.code.encode("latin1") for op in pickletools.opcodes)
_EMPTY = frozenset({"EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE"})
_FIXED_TUPLES = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}
_MUTATORS = frozenset({"APPEND", "APPENDS", "SETITEM", "SETITEMS", "BUILD"})


def text_of(value) -> str | None:
    """``value`` as str when it is a str or bytes (latin-1, as pickles of Python 2 strings are), else None."""
    if isinstance(value, bytes):
        return value.decode("latin1")
    return value if isinstance(value, str) else None


# --- the first pass: the opcode stream ------------------------------------------------------------------


class _Refused(Exception):
    """A rule the opcode stream breaks, at byte ``offset`` (set by :func:`check_opcodes` if not given)."""

    def __init__(self, rule: str, offset: int | None = None):
        super().__init__(rule)
        self.rule, self.offset = rule, offset


class _Bounded:
    """A reader of ``data`` for :func:`pickletools.genops`: ``read(n)`` returns at most the bytes left (a
    declared length beyond the end allocates nothing and reads as truncated), ``readline()`` at most
    :data:`MAX_LINE_BYTES` bytes and their newline."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def tell(self) -> int:
        return self.pos

    def left(self) -> int:
        return len(self.data) - self.pos

    def read(self, n: int = -1) -> bytes:
        n = self.left() if n is None or n < 0 else min(n, self.left())
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def readline(self, size: int = -1) -> bytes:
        end = self.data.find(b"\n", self.pos, self.pos + MAX_LINE_BYTES + 1)
        if end < 0:
            raise _Refused(f"a text argument with no newline within {MAX_LINE_BYTES} bytes")
        return self.read(end + 1 - self.pos)


class _Stack:
    """The unpickler's stack as the depth of each item, with its marks.

    An item is a record ``[depth, placed, size]``: ``placed`` once it is inside another container;
    ``size`` the objects it holds counted with repetition, itself included (:data:`MAX_EXPANDED`).  The memo
    holds the same records, so a list filled after it was memoized is seen at its depth when read back.
    """

    def __init__(self):
        self.items: list[list] = []
        self.marks: list[int] = []
        self.memo: dict[int, list] = {}

    def pop(self, n: int, name: str) -> list[list]:
        floor = self.marks[-1] if self.marks else 0
        if len(self.items) - floor < n:
            raise _Refused(f"{name} needs {n} object(s) above the last MARK; the stack has fewer")
        out = self.items[len(self.items) - n :]
        del self.items[len(self.items) - n :]
        return out

    def pop_to_mark(self, name: str) -> list[list]:
        if not self.marks:
            raise _Refused(f"{name} with no MARK before it")
        start = self.marks.pop()
        out = self.items[start:]
        del self.items[start:]
        return out

    def top(self, name: str) -> list:
        if len(self.items) <= (self.marks[-1] if self.marks else 0):
            raise _Refused(f"{name} with no object on the stack to memoize")
        return self.items[-1]


def _built(items: list[list]) -> list:
    """A new container's record: one deeper than the deepest item; the items are now placed in it."""
    depth = 1 + max((item[0] for item in items), default=0)
    if depth > MAX_DEPTH:
        raise _Refused(f"containers nested deeper than {MAX_DEPTH} (a batch is 5 deep)")
    size = _expanded(1 + sum(item[2] for item in items))
    for item in items:
        item[1] = True
    return [depth, False, size]


def _expanded(size: int) -> int:
    if size > MAX_EXPANDED:
        raise _Refused(
            f"more than {MAX_EXPANDED:,} objects counted with repetition (memo references repeat an "
            "object; a batch of 10,000 images counts at most about 60,000)"
        )
    return size


def _filled(target: list, items: list[list], name: str) -> list:
    """``target``'s record after APPEND(S), SETITEM(S) or BUILD put ``items`` into it."""
    if target[1]:
        raise _Refused(
            f"{name} fills an object already placed inside another (a batch fills each container "
            "before it uses it)"
        )
    built = _built(items)
    target[0] = max(target[0], built[0])
    target[2] = _expanded(target[2] + built[2] - 1)
    return target


def check_opcodes(data: bytes) -> int:
    """Check the opcode stream of a pickle against what a CIFAR-10 batch needs, building nothing.

    One pass of :func:`pickletools.genops` over a bounded reader of ``data``.  With :math:`k` the number of
    opcodes before the current one, the rules are: the opcode is in :data:`ALLOWED_OPCODES`;
    :math:`k <` :data:`MAX_OPCODES`; a BINPUT or LONG_BINPUT index is below :math:`k` (MEMOIZE takes the
    next index itself), a BINGET or LONG_BINGET index has been set; FRAME declares no more than the bytes
    left; the stack never underflows (the opcodes' ``stack_before``, MARK to the last mark); the depth of
    an item (0 for a scalar; for a container, a call's result or BUILD's object, 1 + the largest depth of
    what built or filled it) is at most :data:`MAX_DEPTH`, the objects it holds counted with repetition (a
    memo reference repeats one) at most :data:`MAX_EXPANDED`, and an object is not filled after it was placed
    in another (so the depth of what holds it stays a bound); the file holds at most
    :data:`MAX_DICT_ENTRIES` dict entries (SETITEM adds one, SETITEMS half its items) and
    :data:`MAX_EMPTY_CONTAINERS` empty containers; STOP leaves the stack empty and is the last byte.

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    int
        The number of opcodes.

    Raises
    ------
    _Refused
        With the rule (``rule``) and the byte offset of the opcode that broke it (``offset``; for trailing
        data, the first byte after the STOP).
    """
    reader = _Bounded(data)
    stack = _Stack()
    count = entries = empties = 0
    ops = pickletools.genops(reader)
    start = 0
    while True:
        start = reader.pos
        try:
            op, arg, _ = next(ops)
        except StopIteration:
            break
        except _Refused as refused:
            refused.offset = start
            raise
        except ValueError as exc:  # genops: unknown opcode, an argument cut short, the end before STOP
            if start < len(data) and data[start : start + 1] not in _CODES:
                raise _Refused(f"not a pickle opcode: {exc}", start) from None
            if reader.left() == 0:
                raise _Refused(f"truncated: the file ends inside a pickle ({exc})", start) from None
            raise _Refused(f"a malformed argument: {exc}", start) from None
        try:
            count += 1
            if count > MAX_OPCODES:
                raise _Refused(
                    f"more than {MAX_OPCODES:,} opcodes (a batch of 10,000 images has at most about "
                    "90,000)"
                )
            name = op.name
            if name not in ALLOWED_OPCODES:
                code = op.code.encode("latin1")
                raise _Refused(f"opcode {name} ({code!r}) is not one a CIFAR-10 batch uses")
            if name in _LEAVES:
                stack.items.append([0, False, 1])
            elif name in _EMPTY:
                empties += 1
                if empties > MAX_EMPTY_CONTAINERS:
                    raise _Refused(
                        f"more than {MAX_EMPTY_CONTAINERS} empty containers in the file (a batch has "
                        "at most 4)"
                    )
                stack.items.append([1, False, 1])
            elif name in ("BINPUT", "LONG_BINPUT"):
                if arg >= count - 1:
                    raise _Refused(
                        f"memo index {arg} not below the number of opcodes before it ({count - 1})"
                    )
                stack.memo[arg] = stack.top(name)
            elif name == "MEMOIZE":
                stack.memo[len(stack.memo)] = stack.top(name)
            elif name in ("BINGET", "LONG_BINGET"):
                if arg not in stack.memo:
                    raise _Refused(f"memo index {arg} read before it is set")
                stack.items.append(stack.memo[arg])
            elif name == "MARK":
                stack.marks.append(len(stack.items))
            elif name in _FIXED_TUPLES:
                stack.items.append(_built(stack.pop(_FIXED_TUPLES[name], name)))
            elif name == "TUPLE":
                stack.items.append(_built(stack.pop_to_mark(name)))
            elif name == "REDUCE":
                stack.items.append(_built(stack.pop(2, name)))
            elif name == "STACK_GLOBAL":
                stack.pop(2, name)
                stack.items.append([0, False, 1])
            elif name in _MUTATORS:
                if name in ("APPENDS", "SETITEMS"):
                    items = stack.pop_to_mark(name)
                    target = stack.pop(1, name)[0]
                else:
                    target, *items = stack.pop(len(op.stack_before), name)
                if name.startswith("SETITEM"):
                    entries += len(items) // 2
                    if entries > MAX_DICT_ENTRIES:
                        raise _Refused(
                            f"more than {MAX_DICT_ENTRIES} dict entries in the file (a batch is one "
                            "dict of 4 keys)"
                        )
                stack.items.append(_filled(target, items, name))
            elif name == "FRAME":
                if arg > reader.left():
                    raise _Refused(
                        f"truncated: a frame of {arg} bytes with {reader.left()} bytes left"
                    )
            elif name == "STOP":
                stack.pop(1, name)
                if stack.items or stack.marks:
                    raise _Refused(
                        f"STOP leaves {len(stack.items)} object(s) and {len(stack.marks)} mark(s) on "
                        "the stack besides the batch"
                    )
            # PROTO: nothing on the stack
        except _Refused as refused:
            refused.offset = start
            raise
    if reader.left():
        raise _Refused("data follow the pickle's end (trailing data: not one batch)", reader.pos)
    return count


# --- the second pass: the restricted unpickler -----------------------------------------------------------


class _Global:
    """A global handed to the unpickler: calls ``make``; read-only, so a pickle's BUILD cannot alter it."""

    __slots__ = ("make",)

    def __init__(self, make=None):
        object.__setattr__(self, "make", make)

    def __setattr__(self, name, value):
        raise AttributeError(f"{name}: read-only")

    def __call__(self, *args):
        if self.make is None:
            raise pickle.UnpicklingError(
                "numpy.ndarray is accepted only as _reconstruct's argument"
            )
        return self.make(*args)


_NDARRAY = _Global()  # numpy.ndarray: a marker that _reconstruct accepts, not callable


class _Uint8Dtype:
    """Stand-in for ``numpy.dtype("u1")`` while unpickling: refuses every other dtype and state."""

    STATE = (3, "|", None, None, None, -1, -1, 0)  # numpy's pickled state of uint8

    def __init__(self, code, align=False, copy=True):
        if text_of(code) != "u1":
            raise pickle.UnpicklingError(
                f"the only array dtype accepted is uint8 ('u1'); got {reprlib.repr(code)}"
            )

    def __setstate__(self, state) -> None:
        if not isinstance(state, tuple) or tuple(text_of(v) or v for v in state) != self.STATE:
            raise pickle.UnpicklingError(
                f"the uint8 dtype's state must be {self.STATE}; got {reprlib.repr(state)}"
            )


def _is_shape(shape, nbytes: int) -> bool:
    """``shape`` is a tuple of at most :data:`MAX_NDIM` ints >= 0 whose product is ``nbytes``."""
    return (
        isinstance(shape, tuple)
        and len(shape) <= MAX_NDIM
        and all(type(n) is int and n >= 0 for n in shape)
        and math.prod(shape) == nbytes
    )


class Uint8Array:
    """Stand-in for a uint8 ``ndarray`` while unpickling; ``array`` is set by numpy's state (version 1)
    or by :func:`_frombuffer`."""

    array: np.ndarray | None = None

    def __setstate__(self, state) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            raise pickle.UnpicklingError(f"not an ndarray state: {reprlib.repr(state)}")
        version, shape, dtype, fortran, raw = state
        if (
            version != 1
            or not isinstance(dtype, _Uint8Dtype)
            or fortran not in (False, True)
            or not isinstance(raw, (bytes, bytearray))
            or not _is_shape(shape, len(raw))
        ):
            raise pickle.UnpicklingError(
                "an array must be numpy's state (1, shape, uint8, fortran, bytes) with one byte per "
                f"value; got {reprlib.repr(state)}"
            )
        order = "F" if fortran else "C"
        self.array = np.frombuffer(raw, dtype=np.uint8).reshape(shape, order=order)


def _reconstruct(subtype, shape, code) -> Uint8Array:
    """numpy's ``_reconstruct(ndarray, (0,), b"b")``, the only call its array pickles make."""
    if not (subtype is _NDARRAY and shape == (0,) and text_of(code) == "b"):
        raise pickle.UnpicklingError(
            f"only numpy's _reconstruct(ndarray, (0,), b'b') is accepted; got "
            f"{reprlib.repr((subtype, shape, code))}"
        )
    return Uint8Array()


def _frombuffer(buffer, dtype, shape, order, axis_order=None) -> Uint8Array:
    """numpy's ``_frombuffer(buffer, dtype, shape, order[, axis_order])``: how numpy pickles an array at
    protocol 5 (the bytes in-band, as a bytearray); uint8 only, order "C" or "F", or "K" with a
    permutation of the axes."""
    ok = isinstance(buffer, (bytes, bytearray)) and isinstance(dtype, _Uint8Dtype)
    ok = ok and _is_shape(shape, len(buffer))
    order = text_of(order)
    if ok and order in ("C", "F") and axis_order is None:
        array = np.frombuffer(buffer, dtype=np.uint8).reshape(shape, order=order)
    elif (
        ok
        and order == "K"
        and isinstance(axis_order, tuple)
        and sorted(axis_order) == list(range(len(shape)))
        and all(type(a) is int for a in axis_order)
    ):
        array = np.frombuffer(buffer, dtype=np.uint8).reshape(shape).transpose(axis_order)
    else:
        raise pickle.UnpicklingError(
            "only numpy's _frombuffer(bytes, uint8, shape, 'C' or 'F') with one byte per value is "
            f"accepted; got {reprlib.repr((buffer, dtype, shape, order, axis_order))}"
        )
    out = Uint8Array()
    out.array = array
    return out


def _latin1(text, encoding) -> bytes:
    """``_codecs.encode(text, "latin1")``: how Python 3 pickles bytes at protocol 2."""
    if not (isinstance(text, str) and encoding == "latin1"):
        raise pickle.UnpicklingError(
            f"only _codecs.encode(str, 'latin1') is accepted; got {reprlib.repr((text, encoding))}"
        )
    return text.encode("latin1")


def _empty_bytes(*args) -> bytes:
    """``bytes()``: how Python 3 pickles ``b""`` at protocol 2 (``__builtin__.bytes`` called with ``()``)."""
    if args:
        raise pickle.UnpicklingError(
            "bytes is accepted only as bytes() with no arguments (how Python 3 writes b'' at "
            f"protocol 2); got bytes{reprlib.repr(args)}"
        )
    return b""


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR-10 python batch and nothing else: every global but numpy's array pieces is refused.

    numpy's array reduce needs ``_reconstruct``, ``ndarray`` and ``dtype`` (or ``_frombuffer`` and
    ``dtype`` at protocol 5); they are given as stand-ins that accept only a uint8 array in numpy's format
    (no numpy code runs on the file's contents); ``_codecs.encode`` is a latin-1 encoder and ``bytes`` gives
    ``b""`` called with nothing (Python 3 writes bytes so at protocol 2).
    """

    GLOBALS = {
        ("numpy.core.multiarray", "_reconstruct"): _Global(_reconstruct),
        ("numpy._core.multiarray", "_reconstruct"): _Global(_reconstruct),
        ("numpy.core.numeric", "_frombuffer"): _Global(_frombuffer),
        ("numpy._core.numeric", "_frombuffer"): _Global(_frombuffer),
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): _Global(_Uint8Dtype),
        ("_codecs", "encode"): _Global(_latin1),
        ("__builtin__", "bytes"): _Global(_empty_bytes),
        ("builtins", "bytes"): _Global(_empty_bytes),
    }

    def find_class(self, module, name):
        try:
            return self.GLOBALS[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused the global {module}.{name} (a CIFAR-10 batch needs only numpy's "
                "_reconstruct or _frombuffer, ndarray and dtype, _codecs.encode and bytes)"
            ) from None


# --- the file -------------------------------------------------------------------------------------------

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _require_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _KINDS if test(mode)), "not a file")
        raise ValueError(
            f"{path}: not a regular file ({kind}); a CIFAR-10 batch is a regular file or a symbolic "
            "link to one"
        )


def _read_batch_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes``; checked again on the open file
    (opened without blocking, so a FIFO put in its place between the checks cannot hang the read)."""
    _require_regular(path, os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    with open(os.open(path, flags), "rb") as fh:
        info = os.fstat(fh.fileno())
        _require_regular(path, info.st_mode)
        if info.st_size > max_bytes:
            raise ValueError(
                f"{path}: {info.st_size} bytes; a CIFAR-10 batch is at most {max_bytes} bytes "
                "(30.7 MB as distributed)"
            )
        data = fh.read(info.st_size + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{path}: grew past {max_bytes} bytes while it was read")
    return data


def unpickle_cifar(path: Path, *, max_bytes: int = MAX_BATCH_BYTES):
    """The object a batch file holds: its opcodes checked by :func:`check_opcodes`, then unpickled by
    :class:`_CifarUnpickler` from the same bytes.

    Parameters
    ----------
    path : Path
        A regular file (or a symbolic link to one).
    max_bytes : int
        The largest file read (:data:`MAX_BATCH_BYTES` by default).

    Returns
    -------
    object
        What the pickle builds (a dict, for a batch; :mod:`.datasets` checks the rest).

    Raises
    ------
    ValueError
        Naming ``path``: not a regular file, larger than ``max_bytes``, a rule of :func:`check_opcodes`
        broken (the rule and the byte offset), or an error of the unpickler (a refused global, a call
        with other arguments).
    OSError
        If the file cannot be opened or read.
    """
    path = Path(path)
    data = _read_batch_file(path, max_bytes)
    try:
        check_opcodes(data)
    except _Refused as refused:
        raise ValueError(
            f"{path}: not a CIFAR-10 python batch: {refused.rule}, at byte {refused.offset}"
        ) from None
    try:
        return _CifarUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as exc:  # whatever the bytes make pickle raise is a fault of the file
        raise ValueError(
            f"{path}: not a CIFAR-10 python batch: {type(exc).__name__}: {exc}"
        ) from None
