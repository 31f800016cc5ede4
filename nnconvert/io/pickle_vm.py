"""A pickle reader that calls nothing from the file.

It interprets the opcode stream of every protocol (0-5) itself, over bytes already in
memory, into plain data: None, bool, int, float, str, bytes, bytearray, list, tuple, dict,
set, frozenset. ``GLOBAL``/``STACK_GLOBAL`` never import: they yield a
:class:`~nnconvert.io.objects.GlobalRef` checked by name against the allow-list
(:mod:`nnconvert.io.allowlist`), and ``REDUCE``/``NEWOBJ``/``BUILD``/``INST``/``OBJ`` on one go to
nnconvert's own constructors (:mod:`nnconvert.io.objects`). Refused outright: persistent ids
(``PERSID``), the copyreg extension registry (``EXT*``), out-of-band buffers
(``NEXT_BUFFER``/``READONLY_BUFFER``).

Bounded: lengths are read from headers and checked against the bytes left before anything
is sliced; integer literals are limited to ``max_int_bytes``; stack, memo and containers to
``max_items`` and charged against ``max_memory``; the loop is iterative (no recursion), and
the finished object graph is walked iteratively to check its depth and that it holds only
what the loader built (:func:`check_graph`). joblib's ``NumpyArrayWrapper`` is followed by
the raw array bytes (or, for object arrays, a nested pickle read by this same reader).
"""

from __future__ import annotations

import codecs
import functools
import struct
from typing import Any

import numpy as np

from nnconvert.errors import MissingDependency, ModelLoadError, UnsupportedModel
from nnconvert.io import allowlist, arrays, objects
from nnconvert.io.arrays import corrupt, refuse
from nnconvert.io.limits import Budget
from nnconvert.io.objects import GlobalRef, Pending

_JOBLIB_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")
_PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray, slice, np.generic, np.dtype)


class _Mark:
    """The MARK opcode's position on the stack."""


class _JoblibArray:
    """joblib's array wrapper: its BUILD state says which array bytes follow in the stream."""


def supported_families() -> str:
    from nnconvert.converters.registry import entries

    return ", ".join(sorted({e.family for e in entries()}))


class PickleReader:
    """One pickle stream read from ``data[pos:]``; :meth:`load` returns the object and end."""

    def __init__(self, data: bytes | memoryview, budget: Budget, pos: int = 0, *, nested: bool = False) -> None:
        self.data, self.pos, self.budget, self.nested = data, pos, budget, nested
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.raw_tuples: dict[int, tuple[tuple, int]] = {}  # tuples holding refs: id -> (t, depth)
        self.proto = 0
        self.roots: set[str] = {"builtins", "numpy", "collections"}
        self.admitted: frozenset[type] = admitted_types(frozenset(self.roots))

    # ------------------------------------------------------------------ Context for objects

    def value(self, obj: Any) -> Any:
        """``obj`` as stored data: names become admitted values, pending objects their result."""
        if isinstance(obj, GlobalRef):
            if obj.kind in ("class", "value"):
                return obj.target
            raise refuse(self.budget, f"it stores the function '{obj.path}' as data")
        if isinstance(obj, Pending):
            if not obj.done:
                raise corrupt(self.budget, f"{obj.what} is used before its content is given")
            return obj.result
        if isinstance(obj, _JoblibArray):
            raise corrupt(self.budget, "a joblib array is used before its bytes are read")
        if type(obj) is tuple and id(obj) in self.raw_tuples:
            return tuple(self.value(item) for item in obj)
        return obj

    # ------------------------------------------------------------------ reading

    def _take(self, n: int) -> bytes | memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise corrupt(self.budget, f"an opcode claims {n} bytes, {len(self.data) - self.pos} are left")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _uint(self, size: int) -> int:
        return int.from_bytes(self._take(size), "little")

    def _line(self) -> bytes:
        end = bytes(self.data[self.pos : self.pos + (1 << 20)]).find(b"\n")
        if end < 0:
            raise corrupt(self.budget, "a text opcode without an end of line")
        return bytes(self._take(end + 1))[:-1]

    def _int_text(self, text: bytes) -> int:
        if len(text) > 4300:  # Python's own int-from-text limit
            raise ModelLoadError(f"refusing to load {self.budget.filename}: an integer literal of {len(text)} digits")
        return int(text)

    def _long_bytes(self, n: int) -> int:
        if n > self.budget.limits.max_int_bytes:
            raise ModelLoadError(f"refusing to load {self.budget.filename}: an integer of {n} bytes")
        return int.from_bytes(self._take(n), "little", signed=True)

    def _text(self, n: int) -> str:
        return str(self._take(n), "utf-8", "surrogatepass")

    def _push(self, obj: Any) -> None:
        if len(self.stack) >= self.budget.limits.max_items:
            self.budget.check_items(len(self.stack) + 1, "the pickle stack")
        self.stack.append(obj)

    def _pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise corrupt(self.budget, "a MARK is missing")
        items, self.stack = self.stack, self.metastack.pop()
        return items

    def _tuple(self, items: list[Any]) -> tuple:
        self.budget.charge(8 * len(items), "a tuple")
        t = tuple(items)
        inner = [self.raw_tuples[id(i)][1] for i in t if type(i) is tuple and id(i) in self.raw_tuples]
        if inner or any(isinstance(i, GlobalRef | Pending | _JoblibArray) for i in t):
            depth = 1 + max(inner, default=0)
            self.budget.check_depth(depth)
            self.raw_tuples[id(t)] = (t, depth)
        return t

    def _memo_get(self, index: int) -> Any:
        if index not in self.memo:
            raise corrupt(self.budget, f"memo entry {index} is missing")
        obj = self.memo[index]
        return obj.result if isinstance(obj, Pending) and obj.done else obj

    def _memo_put(self, index: int) -> None:
        if not self.stack:
            raise corrupt(self.budget, "PUT on an empty stack")
        self.budget.check_items(len(self.memo) + 1, "the pickle memo")
        self.memo[index] = self.stack[-1]

    def _global(self, module: Any, name: Any) -> GlobalRef:
        if not isinstance(module, str) or not isinstance(name, str):
            raise corrupt(self.budget, "a global whose name is not text")
        module, name = allowlist.normalise(module, name)
        if (module, name) in objects.CONSTRUCTORS:
            return GlobalRef(module, name, "constructor")
        if (module, name) == _JOBLIB_WRAPPER and not self.nested:
            return GlobalRef(module, name, "joblib")
        found = allowlist.lookup(module, name)
        root = module.split(".", 1)[0]
        if found is not None and root not in self.roots:
            self.roots.add(root)
            self.admitted = admitted_types(frozenset(self.roots))
        if found is not None:
            return GlobalRef(module, name, *found)
        hint = allowlist.missing_library(module, name)
        if hint is not None:
            raise MissingDependency(f"{self.budget.filename} holds an {root} model ('{module}.{name}'): {hint}")
        if allowlist.known_unsupported(module, name):
            raise UnsupportedModel(
                f"{self.budget.filename}: {name} is not supported; supported families: {supported_families()} "
                f"(the file names '{module}.{name}')"
            )
        raise refuse(self.budget, f"it asks for global '{module}.{name}'")

    # ------------------------------------------------------------------ the loop

    def load(self) -> tuple[Any, int]:
        ops = _DISPATCH
        while True:
            code = self._take(1)[0]
            handler = ops.get(code)
            if handler is None:
                raise corrupt(self.budget, f"unknown opcode {bytes([code])!r} at byte {self.pos - 1}")
            if handler is _stop:
                if len(self.stack) != 1 or self.metastack:
                    raise corrupt(self.budget, "STOP with a malformed stack")
                result = self.value(self.stack.pop())
                check_graph(result, self.budget, self.admitted, self.roots)
                return result, self.pos
            handler(self)

    def _build(self) -> None:
        state = self.value(self.stack.pop())
        obj = self.stack[-1]
        if isinstance(obj, _JoblibArray):
            self.stack[-1] = self._joblib_array(state)
        else:
            self.stack[-1] = objects.build(self, obj, state)

    def _joblib_array(self, state: Any) -> np.ndarray:
        """The array bytes after a ``NumpyArrayWrapper`` (joblib/numpy_pickle.py ``read_array``)."""
        keys = {"subclass", "shape", "order", "dtype", "allow_mmap"}
        if type(state) is not dict or not keys <= set(state) <= keys | {"numpy_array_alignment_bytes"}:
            raise corrupt(self.budget, "a joblib array header")
        if state["subclass"] is not np.ndarray or state["order"] not in ("C", "F"):
            raise refuse(self.budget, f"it stores a joblib array of {state['subclass']!r}")
        shape, dtype = arrays.check_shape(state["shape"], self.budget), state["dtype"]
        if dtype is arrays.OBJECT:
            array, self.pos = PickleReader(self.data, self.budget, self.pos, nested=True).load()
            if not isinstance(array, np.ndarray) or array.shape != shape:
                raise corrupt(self.budget, "a joblib object array")
            return array
        if not isinstance(dtype, np.dtype):
            raise corrupt(self.budget, "a joblib array dtype")
        if state.get("numpy_array_alignment_bytes") is not None:
            self._take(self._uint(1))
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if nbytes > len(self.data) - self.pos:
            raise corrupt(self.budget, f"a joblib array claims {nbytes} bytes, {len(self.data) - self.pos} are left")
        raw = bytes(self._take(nbytes))
        return arrays.array_from_bytes(raw, dtype, shape, state["order"] == "F", self.budget)


@functools.cache
def admitted_types(roots: frozenset[str]) -> frozenset[type]:
    """Admitted classes of the packages a file named, and the types our constructors create
    that a file cannot name as classes."""
    import collections

    classes = {cls for root in roots for cls in allowlist.allowed(root).classes.values()}
    return frozenset({*classes, collections.OrderedDict})


@functools.cache
def _made_by_known_code() -> frozenset[type]:
    """Types no file can name that a known ``__setstate__`` creates from validated attributes
    (IsotonicRegression's interpolator; a pickled xgboost Booster's model as nnconvert parsed it,
    and the ctypes handle xgboost's own deserializer gives it from the same checked bytes, see
    ``nnconvert.converters.xgboost_trees.booster_state``; a LightGBM Booster's C handle, made by
    LightGBM from a model text nnconvert's parser checked); accepted without looking inside."""
    import ctypes

    from scipy.interpolate import interp1d

    from nnconvert.io.native.xgboost_model import XGBoostModel

    return frozenset({interp1d, XGBoostModel, ctypes.c_void_p})


# ---------------------------------------------------------------------- opcode handlers


def _stop(r: PickleReader) -> None:  # handled in the loop
    raise AssertionError


def _proto(r: PickleReader) -> None:
    r.proto = r._uint(1)
    if r.proto > 5:
        raise ModelLoadError(f"{r.budget.filename} uses pickle protocol {r.proto}; nnconvert reads protocols 0-5")


def _frame(r: PickleReader) -> None:
    size = r._uint(8)
    if size > len(r.data) - r.pos:
        raise corrupt(r.budget, f"a frame claims {size} bytes, {len(r.data) - r.pos} are left")


def _mark(r: PickleReader) -> None:
    r.budget.check_depth(len(r.metastack) + 1)
    r.metastack.append(r.stack)
    r.stack = []


def _int_op(r: PickleReader) -> None:
    text = r._line()
    r._push({b"00": False, b"01": True}.get(text) if text in (b"00", b"01") else r._int_text(text))


def _long_op(r: PickleReader) -> None:
    r._push(r._int_text(r._line().rstrip(b"L")))


def _float_op(r: PickleReader) -> None:
    r._push(float(r._line()))


def _string_op(r: PickleReader) -> None:
    text = r._line()
    if len(text) < 2 or text[0] != text[-1] or text[:1] not in (b"'", b'"'):
        raise corrupt(r.budget, "a STRING opcode without quotes")
    r._push(codecs.escape_decode(text[1:-1])[0].decode("ascii"))


def _binstring(size: int) -> Any:
    def op(r: PickleReader) -> None:
        r._push(bytes(r._take(r._uint(size))).decode("ascii"))

    return op


def _unicode_op(r: PickleReader) -> None:
    r._push(str(r._line(), "raw-unicode-escape"))


def _binunicode(size: int) -> Any:
    return lambda r: r._push(r._text(r._uint(size)))


def _binbytes(size: int, kind: type = bytes) -> Any:
    return lambda r: r._push(kind(r._take(r._uint(size))))


def _fixed(fmt: str) -> Any:
    width = struct.calcsize(fmt)
    return lambda r: r._push(struct.unpack(fmt, r._take(width))[0])


def _const(value: Any) -> Any:
    return lambda r: r._push(value)


def _long1(r: PickleReader) -> None:
    r._push(r._long_bytes(r._uint(1)))


def _long4(r: PickleReader) -> None:
    r._push(r._long_bytes(r._uint(4)))


def _append(r: PickleReader, items: list[Any]) -> None:
    target = r.stack[-1] if r.stack else None
    if type(target) is not list:
        raise refuse(r.budget, f"it appends to a {type(target).__name__}")
    r.budget.check_items(len(target) + len(items), "a list")
    r.budget.charge(8 * len(items), "a list")
    target.extend(r.value(i) for i in items)


def _setitems(r: PickleReader, items: list[Any]) -> None:
    if len(items) % 2 or not r.stack:
        raise corrupt(r.budget, "SETITEMS with an odd number of items")
    target = r.stack[-1]
    r.budget.check_items(len(items) // 2 + (len(target) if isinstance(target, dict) else 0), "a dict")
    r.budget.charge(16 * len(items), "a dict")
    values = [r.value(i) for i in items]
    objects.set_items(r, target, list(zip(values[::2], values[1::2], strict=True)))


def _additems(r: PickleReader) -> None:
    items = r._pop_mark()
    target = r.stack[-1] if r.stack else None
    if type(target) is not set:
        raise refuse(r.budget, f"it adds items to a {type(target).__name__}")
    r.budget.check_items(len(target) + len(items), "a set")
    r.budget.charge(16 * len(items), "a set")
    for item in items:
        target.add(_hashable(r, r.value(item)))


def _hashable(r: PickleReader, item: Any) -> Any:
    if not isinstance(item, str | int | float | bytes | tuple | frozenset | np.generic | type(None)):
        raise refuse(r.budget, f"it puts a {type(item).__name__} in a set")
    return item


def _frozenset(r: PickleReader) -> None:
    items = r._pop_mark()
    r.budget.charge(16 * len(items), "a frozenset")
    r._push(frozenset(_hashable(r, r.value(i)) for i in items))


def _dict_op(r: PickleReader) -> None:
    items = r._pop_mark()
    r._push({})
    _setitems(r, items)


def _list_op(r: PickleReader) -> None:
    items = r._pop_mark()
    r._push([])
    _append(r, items)


def _tuple_n(n: int) -> Any:
    def op(r: PickleReader) -> None:
        if len(r.stack) < n:
            raise corrupt(r.budget, "a tuple opcode on a short stack")
        items = r.stack[len(r.stack) - n :]
        del r.stack[len(r.stack) - n :]
        r._push(r._tuple(items))

    return op


def _pop(r: PickleReader) -> None:
    if r.stack:
        r.stack.pop()
    else:
        r._pop_mark()


def _dup(r: PickleReader) -> None:
    if not r.stack:
        raise corrupt(r.budget, "DUP on an empty stack")
    r._push(r.stack[-1])


def _global_op(r: PickleReader) -> None:
    module = r._line().decode("utf-8", "replace")
    r._push(r._global(module, r._line().decode("utf-8", "replace")))


def _stack_global(r: PickleReader) -> None:
    if len(r.stack) < 2:
        raise corrupt(r.budget, "STACK_GLOBAL on a short stack")
    name, module = r.stack.pop(), r.stack.pop()
    r._push(r._global(module, name))


def _new(r: PickleReader, cls: Any, args: Any, kwargs: Any = None) -> Any:
    if isinstance(cls, GlobalRef) and cls.kind == "joblib" and args == () and kwargs in (None, {}):
        return _JoblibArray()
    return objects.new_object(r, cls, args, kwargs)


def _newobj(r: PickleReader) -> None:
    args, cls = r.stack.pop(), r.stack.pop()
    r._push(_new(r, cls, args))


def _newobj_ex(r: PickleReader) -> None:
    kwargs, args, cls = r.stack.pop(), r.stack.pop(), r.stack.pop()
    r._push(_new(r, cls, args, kwargs))


def _inst(r: PickleReader) -> None:
    cls = r._global(r._line().decode("utf-8", "replace"), r._line().decode("utf-8", "replace"))
    r._push(_new(r, cls, tuple(r._pop_mark())))


def _obj(r: PickleReader) -> None:
    items = r._pop_mark()
    if not items:
        raise corrupt(r.budget, "OBJ without a class")
    r._push(_new(r, items[0], tuple(items[1:])))


def _reconstructor_wrapper(r: PickleReader, func: Any, args: Any) -> Any:
    """``copyreg._reconstructor(NumpyArrayWrapper, object, None)`` (joblib with protocol 0/1)."""
    wrapper = isinstance(args, tuple) and len(args) == 3 and isinstance(args[0], GlobalRef) and args[0].kind == "joblib"
    if wrapper and isinstance(args[1], GlobalRef) and args[1].target is object and args[2] is None:
        return _JoblibArray()
    return objects.call(r, func, args)


def _reduce_op(r: PickleReader) -> None:
    if len(r.stack) < 2:
        raise corrupt(r.budget, "REDUCE on a short stack")
    args, func = r.stack.pop(), r.stack.pop()
    if isinstance(func, GlobalRef) and func.name == "_reconstructor":
        r._push(_reconstructor_wrapper(r, func, args))
    else:
        r._push(objects.call(r, func, args))


def _refused(what: str) -> Any:
    def op(r: PickleReader) -> None:
        raise refuse(r.budget, f"it uses {what}")

    return op


def _get(size: int | None) -> Any:
    return lambda r: r._push(r._memo_get(r._int_text(r._line()) if size is None else r._uint(size)))


def _put(size: int | None) -> Any:
    return lambda r: r._memo_put(r._int_text(r._line()) if size is None else r._uint(size))


def _with_mark(fn: Any) -> Any:
    return lambda r: fn(r, r._pop_mark())


def _memoize(r: PickleReader) -> None:
    r._memo_put(len(r.memo))


def _empty(kind: type) -> Any:
    return lambda r: r._push(kind())


def _list_tuple(r: PickleReader) -> None:
    r._push(r._tuple(r._pop_mark()))


# fmt: off
_DISPATCH: dict[int, Any] = {ord(k): v for k, v in {
    "\x80": _proto, "\x95": _frame, ".": _stop, "(": _mark, "1": lambda r: r._pop_mark(), "0": _pop, "2": _dup,
    "I": _int_op, "J": _fixed("<i"), "K": _fixed("<B"), "M": _fixed("<H"), "L": _long_op,
    "\x8a": _long1, "\x8b": _long4, "F": _float_op, "G": _fixed(">d"),
    "S": _string_op, "T": _binstring(4), "U": _binstring(1),
    "B": _binbytes(4), "C": _binbytes(1), "\x8e": _binbytes(8), "\x96": _binbytes(8, bytearray),
    "V": _unicode_op, "X": _binunicode(4), "\x8c": _binunicode(1), "\x8d": _binunicode(8),
    "N": _const(None), "\x88": _const(True), "\x89": _const(False),
    "]": _empty(list), "}": _empty(dict), "\x8f": _empty(set), ")": lambda r: r._push(()),
    "a": lambda r: _append(r, [r.stack.pop()] if r.stack else []), "e": _with_mark(_append), "l": _list_op,
    "s": lambda r: _setitems(r, [r.stack.pop(-2), r.stack.pop()] if len(r.stack) > 2 else [None]),
    "u": _with_mark(_setitems), "d": _dict_op, "\x90": _additems, "\x91": _frozenset,
    "t": _list_tuple, "\x85": _tuple_n(1), "\x86": _tuple_n(2), "\x87": _tuple_n(3),
    "g": _get(None), "h": _get(1), "j": _get(4), "p": _put(None), "q": _put(1), "r": _put(4), "\x94": _memoize,
    "c": _global_op, "\x93": _stack_global, "R": _reduce_op, "b": lambda r: r._build(),
    "i": _inst, "o": _obj, "\x81": _newobj, "\x92": _newobj_ex,
    "P": _refused("a persistent id"), "Q": _refused("a persistent id"),
    "\x82": _refused("the copyreg extension registry"), "\x83": _refused("the copyreg extension registry"),
    "\x84": _refused("the copyreg extension registry"),
    "\x97": _refused("an out-of-band buffer"), "\x98": _refused("an out-of-band buffer"),
}.items()}
# fmt: on


def check_graph(root: Any, budget: Budget, admitted: frozenset[type], roots: set[str]) -> None:
    """Walk the loaded objects iteratively: at most ``max_depth`` deep, and every object one
    the loader built (plain data, arrays it made, admitted instances and values)."""
    values = {id(v) for r in roots for v in allowlist.allowed(r).values.values()}
    made_by_known_code = _made_by_known_code()
    seen: set[int] = set()
    todo: list[tuple[Any, int]] = [(root, 0)]
    while todo:
        obj, depth = todo.pop()
        if id(obj) in seen or isinstance(obj, _PLAIN) or type(obj) in made_by_known_code:
            continue
        seen.add(id(obj))
        budget.check_depth(depth)
        if isinstance(obj, list | tuple | set | frozenset):
            todo.extend((item, depth + 1) for item in obj)
        elif isinstance(obj, dict) and type(obj) in (dict, *admitted):
            todo.extend((item, depth + 1) for pair in obj.items() for item in pair)
            todo.extend((v, depth + 1) for v in getattr(obj, "__dict__", {}).values())
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                todo.extend((item, depth + 1) for item in obj.flat)
        elif type(obj) in admitted:
            todo.extend((v, depth + 1) for v in getattr(obj, "__dict__", {}).values())
        elif id(obj) not in values:
            raise refuse(budget, f"it leaves a {type(obj).__name__} in the model")
