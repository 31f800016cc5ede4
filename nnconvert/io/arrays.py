"""numpy dtypes, arrays and scalars built by nnconvert from validated parts.

Admitted dtypes are *plain*: bool, int8..int64, uint8..uint64, float16/32/64, complex64/128,
fixed-width unicode ``U<n>`` and bytes ``S<n>``, in either byte order; the only structured
dtypes are scikit-learn's own tree records (``sklearn.tree._tree.NODE_DTYPE`` and
``PREDICTOR_RECORD_DTYPE`` of HistGradientBoosting), compared field by field with the
installed ones. Never object (except as the marker :data:`OBJECT` for arrays whose items the
file gives as a list, see :func:`object_array`), never a file's flags, fields or subarrays: the
``np.dtype`` is always rebuilt here from its descriptor, and the file's state must agree with it.

An array is ``np.frombuffer(data, dtype, count).reshape(shape, order).copy()`` after the byte
count implied by dtype and shape is checked against ``len(data)`` and the memory budget;
results are always native byte order.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError, UntrustedModel
from nnconvert.io.limits import Budget


class _ObjectDtype:
    """Marker for numpy's object dtype: admitted only as the dtype of list-valued array state."""

    def __repr__(self) -> str:
        return "dtype('O')"


OBJECT = _ObjectDtype()
_PLAIN = re.compile(r"(b1|[iu][1248]|f[248]|c(8|16)|[US][1-9][0-9]{0,8})")
_ENDIANS = {"<": "<", ">": ">", "|": "", "=": "="}


def refuse(budget: Budget, what: str) -> UntrustedModel:
    return UntrustedModel(
        f"refusing to load {budget.filename}: {what}, which nnconvert does not allow; pass --trust if you trust this file"
    )


def corrupt(budget: Budget, what: str) -> ModelLoadError:
    return ModelLoadError(f"{budget.filename} is truncated or corrupt: {what}")


@functools.cache
def structured_dtypes() -> tuple[np.dtype, ...]:
    """The installed scikit-learn tree record dtypes (the only structured dtypes admitted): decision
    tree nodes, HistGradientBoosting predictor records and the neighbour trees' node data (whose
    arrays the loader then ignores: a KDTree/BallTree is rebuilt from its rows, see objects.py)."""
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
    from sklearn.tree._tree import NODE_DTYPE

    node_data = np.dtype([("idx_start", "<i8"), ("idx_end", "<i8"), ("is_leaf", "<i8"), ("radius", "<f8")])
    return (np.dtype(NODE_DTYPE), np.dtype(PREDICTOR_RECORD_DTYPE), node_data)


def plain_dtype(descr: Any, budget: Budget, endian: str = "|") -> np.dtype:
    """``np.dtype(endian + descr)`` for an admitted plain descriptor such as ``'f8'``/``'U5'``."""
    if not isinstance(descr, str) or not _PLAIN.fullmatch(descr) or endian not in _ENDIANS:
        raise refuse(budget, f"it asks for numpy dtype {descr!r}")
    return np.dtype(_ENDIANS[endian] + descr)


def dtype_from_state(descr: Any, state: Any, budget: Budget) -> np.dtype | str:
    """The dtype of ``numpy.dtype(descr, align, copy)`` + BUILD ``state``.

    ``state`` is ``(3, endian, subarray, names, fields, elsize, alignment, flags)``
    (numpy/_core/src/multiarray/descriptor.c ``arraydescr_setstate``); every field must agree
    with the dtype rebuilt from ``descr`` (so no forged flags or sizes reach numpy).
    """
    if not (isinstance(state, tuple) and len(state) == 8 and state[0] == 3):
        raise refuse(budget, f"it sets numpy dtype state {_short(state)}")
    _, endian, subarray, names, fields, elsize, alignment, flags = state
    if subarray is not None:
        raise refuse(budget, "it asks for a numpy sub-array dtype")
    if descr == "O8" and names is None and fields is None and (elsize, alignment) == (-1, -1):
        if flags != np.dtype(object).flags:
            raise refuse(budget, "it sets forged numpy dtype flags")
        return OBJECT
    if names is not None or fields is not None:
        result = _structured(descr, names, fields, elsize, budget)
    else:
        result = plain_dtype(descr, budget, endian if isinstance(endian, str) else "?")
    expected_size = result.itemsize if result.kind in "USV" else -1
    if flags != result.flags or elsize != expected_size or alignment not in (-1, result.alignment):
        raise refuse(budget, f"it sets numpy dtype state {_short(state)} that does not match {result}")
    return result


def _structured(descr: Any, names: Any, fields: Any, elsize: Any, budget: Budget) -> np.dtype:
    """One of :func:`structured_dtypes`, from a state whose field dtypes are already built."""
    if not (isinstance(names, tuple) and isinstance(fields, dict) and set(names) == set(fields)):
        raise refuse(budget, "it asks for a malformed structured numpy dtype")
    try:
        formats = [fields[n][0] for n in names]
        offsets = [fields[n][1] for n in names]
        if not all(isinstance(f, np.dtype) for f in formats) or not all(type(o) is int for o in offsets):
            raise TypeError
        candidate = np.dtype({"names": list(names), "formats": formats, "offsets": offsets, "itemsize": elsize})
    except (TypeError, ValueError, IndexError, KeyError):
        raise refuse(budget, "it asks for a malformed structured numpy dtype") from None
    for known in structured_dtypes():
        if descr == f"V{known.itemsize}" and _native(candidate) == known:
            return candidate
    raise refuse(budget, f"it asks for the structured numpy dtype {_short(candidate.descr)}")


def checked_dtype(dtype: Any, budget: Budget) -> np.dtype:
    """An already-parsed dtype (a ``.npy`` header's) if it is one this module admits."""
    if not isinstance(dtype, np.dtype) or dtype.hasobject or dtype.subdtype is not None:
        raise refuse(budget, f"it asks for numpy dtype {dtype!r}")
    if dtype.names is not None:
        if any(_native(dtype) == known for known in structured_dtypes()):
            return dtype
        raise refuse(budget, f"it asks for the structured numpy dtype {_short(dtype.descr)}")
    return plain_dtype(dtype.str[1:], budget, dtype.str[0])


def _native(dtype: np.dtype) -> np.dtype:
    if dtype.names is None:
        return dtype.newbyteorder("=") if dtype.byteorder != "|" else dtype
    return np.dtype(
        {
            "names": list(dtype.names),
            "formats": [_native(dtype.fields[n][0]) for n in dtype.names],
            "offsets": [dtype.fields[n][1] for n in dtype.names],
            "itemsize": dtype.itemsize,
        }
    )


def check_shape(shape: Any, budget: Budget) -> tuple[int, ...]:
    if isinstance(shape, list):
        shape = tuple(shape)
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, tuple) or len(shape) > 32 or not all(_is_count(n) for n in shape):
        raise corrupt(budget, f"array shape {_short(shape)}")
    return tuple(int(n) for n in shape)


def _is_count(n: Any) -> bool:
    return isinstance(n, int | np.integer) and not isinstance(n, bool) and 0 <= n < 1 << 62


def array_from_bytes(data: Any, dtype: Any, shape: Any, fortran: bool, budget: Budget) -> np.ndarray:
    """A native-order copy of ``data`` seen as ``dtype`` with ``shape`` (C or Fortran order)."""
    if not isinstance(dtype, np.dtype):
        raise refuse(budget, "it gives numpy array bytes for an object dtype")
    shape = check_shape(shape, budget)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    budget.charge(nbytes, f"an array of shape {shape} ({dtype})")
    if not isinstance(data, bytes | bytearray) or len(data) != nbytes:
        got = len(data) if isinstance(data, bytes | bytearray) else type(data).__name__
        raise corrupt(budget, f"an array of shape {shape} ({dtype}) needs {nbytes} bytes, the file gives {got}")
    flat = np.frombuffer(data, dtype=dtype, count=count)
    array = flat.reshape(shape, order="F" if fortran else "C").copy(order="K")
    native = _native(dtype)
    return array if native == dtype else array.astype(native)


def object_array(items: Any, shape: Any, budget: Budget, admitted: frozenset[type]) -> np.ndarray:
    """An array for numpy's object-dtype state, whose items the pickle gives as a list.

    Admitted only when every item is a ``str`` (string ``classes_``, encoder categories ->
    a fixed-width ``U`` array), every item an ``int`` (-> int64), or every item ``None`` or an
    object the loader itself built from an admitted class (GradientBoosting's
    ``estimators_``, LogisticRegressionCV's ``l1_ratios_``), every item a float (-> float64), or every
    item a plain value, a numpy number or an array the loader built (KBinsDiscretizer's ragged
    ``bin_edges_``, OneHotEncoder's ``drop_idx_``) -> an
    object array filled here, so no pointer ever comes from the file).
    """
    shape = check_shape(shape, budget)
    if not isinstance(items, list):
        raise refuse(budget, "it gives raw bytes for an object array")
    if len(items) != math.prod(shape):
        raise corrupt(budget, f"an object array of shape {shape} with {_short(items)} items")
    if all(type(i) is str for i in items):
        width = max((len(i) for i in items), default=1) or 1
        budget.charge(4 * width * len(items), f"a string array of shape {shape}")
        return np.array(items, dtype=f"U{width}").reshape(shape)
    if all(type(i) is int for i in items):
        if items and not -(1 << 63) <= min(items) <= max(items) < 1 << 63:
            raise refuse(budget, "it stores integers beyond int64 in an object array")
        budget.charge(8 * len(items), f"an integer array of shape {shape}")
        return np.array(items, dtype=np.int64).reshape(shape)
    if items and all(type(i) is float for i in items):  # SimpleImputer's statistics_ of a constant fill
        budget.charge(8 * len(items), f"a float array of shape {shape}")
        return np.array(items, dtype=np.float64).reshape(shape)
    plain = (type(None), bool, int, float, str, np.ndarray, *admitted)  # never a pointer from the file
    # numpy scalars the loader built from plain bytes (OneHotEncoder's drop_idx_: ints and int64s)
    numbers = (np.bool_, np.integer, np.floating)
    if items and all(
        type(i) in plain or isinstance(i, numbers) for i in items
    ):  # KBinsDiscretizer's ragged bin_edges_, mixed params
        budget.charge(8 * len(items), f"an object array of shape {shape}")
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)
    kinds = sorted({type(i).__name__ for i in items})
    raise refuse(budget, f"it stores an object array of {', '.join(kinds[:4])}")


def scalar(dtype: Any, data: Any, budget: Budget) -> np.generic:
    """``numpy._core.multiarray.scalar(dtype, bytes)``: one element of a plain dtype."""
    if not isinstance(dtype, np.dtype) or dtype.names is not None:
        raise refuse(budget, "it asks for a numpy scalar of an object or structured dtype")
    return array_from_bytes(data, dtype, (), False, budget)[()]


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."
