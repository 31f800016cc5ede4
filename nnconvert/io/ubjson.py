"""A bounded UBJSON reader (Universal Binary JSON, https://ubjson.org; what XGBoost's
``save_model("model.ubj")`` and its pickled ``Booster`` state write).

A value is a one-byte marker then its payload, big-endian: ``Z`` null, ``N`` no-op, ``T``/``F``
booleans, ``i`` int8, ``U`` uint8, ``I`` int16, ``l`` int32, ``L`` int64, ``d`` float32, ``D``
float64, ``H`` a high-precision number (its decimal text), ``C`` one char, ``S`` a string (an
integer length, then UTF-8 bytes); ``[`` ... ``]`` arrays and ``{`` ... ``}`` objects (keys are
strings without the ``S`` marker). The optimized container header ``$<type>`` (every item of that
type) and ``#<count>`` (the number of items, so no closing marker) may follow ``[`` or ``{``.

Every size the file claims (a string's length, a container's count) is checked against the bytes
that remain and against the :class:`~nnconvert.io.limits.Budget` *before* anything is allocated;
containers hold at most ``max_items`` items and nest at most ``max_depth`` deep. A typed numeric
array (``[$d#...``) becomes one numpy array (native byte order) without a Python object per item.
Any malformed input is one :class:`~nnconvert.errors.ModelLoadError` line.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError
from nnconvert.io.limits import Budget

# marker -> (struct format, numpy dtype) of the fixed-size numeric types
_NUMBERS: dict[int, tuple[str, str]] = {
    ord("i"): (">b", ">i1"),
    ord("U"): (">B", ">u1"),
    ord("I"): (">h", ">i2"),
    ord("l"): (">i", ">i4"),
    ord("L"): (">q", ">i8"),
    ord("d"): (">f", ">f4"),
    ord("D"): (">d", ">f8"),
}
_INTS = frozenset(ord(c) for c in "iUIlL")
_VALUE_MARKERS = frozenset(ord(c) for c in "ZNTFiUIlLdDHCS[{")
_OBJECT_OVERHEAD = 64  # bytes a Python object per item costs, charged against the budget


class _Reader:
    def __init__(self, data: bytes | bytearray | memoryview, budget: Budget) -> None:
        self.data = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
        self.pos = 0
        self.budget = budget

    def fail(self, what: str) -> ModelLoadError:
        return ModelLoadError(f"{self.budget.filename} is truncated or corrupt: {what} (UBJSON, byte {self.pos})")

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise self.fail(f"it claims {n} bytes where {len(self.data) - self.pos} remain")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def marker(self) -> int:
        while True:
            if self.pos >= len(self.data):
                raise self.fail("it ends inside a value")
            m = self.data[self.pos]
            self.pos += 1
            if m != ord("N"):  # no-op
                return m

    def number(self, m: int) -> int | float:
        fmt, _ = _NUMBERS[m]
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def count(self, m: int | None = None) -> int:
        m = self.marker() if m is None else m
        if m not in _INTS:
            raise self.fail(f"a length of type {chr(m)!r}")
        n = int(self.number(m))
        if n < 0:
            raise self.fail(f"a negative length {n}")
        return n

    def text(self) -> str:
        n = self.count()
        self.budget.charge(n, "a UBJSON string")
        try:
            return str(self.take(n), "utf-8")
        except UnicodeDecodeError:
            raise self.fail("a string that is not UTF-8") from None

    def value(self, m: int, depth: int) -> Any:
        if m in _NUMBERS:
            return self.number(m)
        if m == ord("S"):
            return self.text()
        if m == ord("Z"):
            return None
        if m == ord("T"):
            return True
        if m == ord("F"):
            return False
        if m == ord("C"):
            return chr(self.take(1)[0])
        if m == ord("H"):
            text = self.text()
            try:
                return int(text) if text.lstrip("-").isdigit() else float(text)
            except ValueError:
                raise self.fail(f"a high-precision number {text[:40]!r}") from None
        if m in (ord("["), ord("{")):
            self.budget.check_depth(depth + 1)
            return self.container(m == ord("{"), depth + 1)
        raise self.fail(f"an unknown marker {bytes([m])!r}")

    def header(self) -> tuple[int | None, int | None]:
        """The optimized ``$type`` / ``#count`` header, if any (the position is left after it)."""
        kind = count = None
        if self.pos < len(self.data) and self.data[self.pos] == ord("$"):
            self.pos += 1
            kind = self.marker()
            if kind not in _VALUE_MARKERS or kind == ord("N"):
                raise self.fail(f"a container of type {bytes([kind])!r}")
            if self.pos >= len(self.data) or self.data[self.pos] != ord("#"):
                raise self.fail("a typed container without a count")
        if self.pos < len(self.data) and self.data[self.pos] == ord("#"):
            self.pos += 1
            count = self.count()
            self.budget.check_items(count, "a UBJSON container")
        return kind, count

    def container(self, is_object: bool, depth: int) -> Any:
        kind, count = self.header()
        if not is_object and kind in _NUMBERS and count is not None:
            _, dtype = _NUMBERS[kind]
            size = np.dtype(dtype).itemsize * count
            self.budget.charge(size, "a UBJSON array")
            raw = self.take(size)
            return np.frombuffer(raw, dtype=dtype).astype(np.dtype(dtype).newbyteorder("="))
        if count is not None:
            # every item takes at least one byte (a typed item: its payload, at least one byte
            # for all but null/booleans): refuse a count the remaining bytes cannot hold
            least = 0 if kind in (ord("Z"), ord("T"), ord("F")) else 1
            if is_object:
                least += 1  # each key's length
            if least * count > len(self.data) - self.pos:
                raise self.fail(f"a container of {count} items in {len(self.data) - self.pos} bytes")
            self.budget.charge(_OBJECT_OVERHEAD * count, "a UBJSON container")
        out: Any = {} if is_object else []
        n = 0
        while True:
            if count is None:
                if self.pos >= len(self.data):
                    raise self.fail("it ends inside a container")
                if self.data[self.pos] == ord("N"):
                    self.pos += 1
                    continue
                if self.data[self.pos] == ord("}" if is_object else "]"):
                    self.pos += 1
                    return out
                n += 1
                self.budget.check_items(n, "a UBJSON container")
                self.budget.charge(_OBJECT_OVERHEAD, "a UBJSON container")
            elif n == count:
                return out
            else:
                n += 1
            if is_object:
                key = self.text()
                m = kind if kind is not None else self.marker()
                out[key] = self.value(m, depth)
            else:
                m = kind if kind is not None else self.marker()
                out.append(self.value(m, depth))


def loads(data: bytes | bytearray | memoryview, budget: Budget) -> Any:
    """The one UBJSON value in ``data`` (numeric typed arrays as numpy arrays); trailing bytes
    other than no-ops are refused."""
    reader = _Reader(data, budget)
    value = reader.value(reader.marker(), 0)
    while reader.pos < len(reader.data) and reader.data[reader.pos] == ord("N"):
        reader.pos += 1
    if reader.pos != len(reader.data):
        raise reader.fail(f"{len(reader.data) - reader.pos} bytes after the value")
    return value
