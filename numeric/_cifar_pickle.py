"""A restricted unpickler for CIFAR-10's "python version" batches: it builds what a batch holds (a dict of
a uint8 array, a list of ints and strings) and refuses every other global, so nothing in a file is run.

Public inside :mod:`vanishing_minima.numeric` for :mod:`.datasets`: :func:`unpickle_cifar`,
:class:`Uint8Array` (what an array of the file becomes) and :func:`text_of`.
"""

from __future__ import annotations

import math
import pickle
import reprlib
from pathlib import Path

import numpy as np

__all__ = ["text_of", "Uint8Array", "unpickle_cifar"]


def text_of(value) -> str | None:
    """``value`` as str when it is a str or bytes (latin-1, as pickles of Python 2 strings are), else None."""
    if isinstance(value, bytes):
        return value.decode("latin1")
    return value if isinstance(value, str) else None


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


class Uint8Array:
    """Stand-in for a uint8 ``ndarray`` while unpickling; ``array`` is set by numpy's state (version 1)."""

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
            or not isinstance(shape, tuple)
            or not all(type(n) is int and n >= 0 for n in shape)
            or math.prod(shape) != len(raw)
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


def _latin1(text, encoding) -> bytes:
    """``_codecs.encode(text, "latin1")``: how Python 3 pickles bytes at protocol 2."""
    if not (isinstance(text, str) and encoding == "latin1"):
        raise pickle.UnpicklingError(
            f"only _codecs.encode(str, 'latin1') is accepted; got {reprlib.repr((text, encoding))}"
        )
    return text.encode("latin1")


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR-10 python batch and nothing else: every global but numpy's array pieces is refused.

    numpy's array reduce needs ``_reconstruct``, ``ndarray`` and ``dtype``; they are given as stand-ins
    that accept only a uint8 array in numpy's format (no numpy code runs on the file's contents), and
    ``_codecs.encode`` is a latin-1 encoder (Python 3 writes bytes so at protocol 2).
    """

    GLOBALS = {
        ("numpy.core.multiarray", "_reconstruct"): _Global(_reconstruct),
        ("numpy._core.multiarray", "_reconstruct"): _Global(_reconstruct),
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): _Global(_Uint8Dtype),
        ("_codecs", "encode"): _Global(_latin1),
    }

    def find_class(self, module, name):
        try:
            return self.GLOBALS[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused the global {module}.{name} (a CIFAR-10 batch needs only numpy's "
                "_reconstruct, ndarray and dtype)"
            ) from None


def unpickle_cifar(path: Path):
    """The object a batch file holds, unpickled by :class:`_CifarUnpickler`; ValueError naming ``path``."""
    with open(path, "rb") as fh:
        try:
            batch = _CifarUnpickler(fh, encoding="bytes").load()
            trailing = fh.read(1)
        except OSError:
            raise
        except Exception as exc:  # whatever the bytes make pickle raise is a fault of the file
            raise ValueError(
                f"{path}: not a CIFAR-10 python batch: {type(exc).__name__}: {exc}"
            ) from None
    if trailing:
        raise ValueError(f"{path}: data follow the pickle's end (trailing data: not one batch)")
    return batch
