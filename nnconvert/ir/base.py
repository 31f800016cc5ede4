"""The IR's foundations: tensor descriptions, the :class:`Node` base class and array checks.

Every tensor is either 2-D ``[N, width]`` or 1-D ``[N]`` (``width is None``) and either
``float`` or ``label`` (:class:`TensorInfo`). Node kinds subclass :class:`Node` here and in
:mod:`nnconvert.ir`, :mod:`nnconvert.ir.heads` and the ``ir_*`` modules; all are re-exported
from :mod:`nnconvert.ir`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork


@dataclass(frozen=True)
class TensorInfo:
    """Static description of a tensor: ``width`` (None for 1-D) and ``kind``."""

    width: int | None
    kind: str = "float"  # "float" or "label"
    classes: np.ndarray | None = field(default=None, compare=False)

    @property
    def ndim(self) -> int:
        return 1 if self.width is None else 2


@dataclass(frozen=True)
class Work:
    """What a node costs to run: ``stored`` bytes (weights, tables), ``per_row`` bytes of working
    tensors per input row, and the ``ops`` (graph operators, a loop body once per trip) one row
    passes through. Estimates from the node's fields alone, so a file's claims can be checked
    (``nnconvert.limits``) before any work starts."""

    stored: int
    per_row: int
    ops: int


# Label dtypes a network can return, by numpy name ("str" for unicode): exactly scikit-learn's
# ``classes_.dtype`` (``predict`` is ``classes_.take(...)``, so it has that dtype too).
LABEL_DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "str",
)  # fmt: skip


def label_dtype(arr: np.ndarray) -> str:
    """The :data:`LABEL_DTYPES` name of a classes array's dtype (``"str"`` for any unicode width)."""
    return "str" if arr.dtype.kind == "U" else arr.dtype.name


def as_classes(classes: Any) -> np.ndarray:
    """A classes array in its own dtype (one of :data:`LABEL_DTYPES`): numbers and bools keep
    their exact dtype (``uint8`` labels stay ``uint8``); object arrays of strings become unicode,
    object arrays of Python ints ``int64``."""
    arr = np.asarray(classes)
    if arr.ndim != 1 or arr.size == 0:
        raise InvalidNetwork(f"classes must be a non-empty 1-D array, got shape {arr.shape}")
    if arr.dtype.kind in "SO":
        if arr.dtype.kind == "O" and not all(isinstance(c, str) for c in arr):
            if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in arr):
                return arr.astype(np.int64)
            raise InvalidNetwork("object-dtype classes must all be strings or all integers")
        return arr.astype(str)
    if label_dtype(arr) not in LABEL_DTYPES:
        raise InvalidNetwork(f"unsupported classes dtype {arr.dtype}; supported: {', '.join(LABEL_DTYPES)}")
    return arr


def f64_array(a: Any, ndim: int, what: str) -> np.ndarray:
    arr = np.array(a, dtype=np.float64)
    if arr.ndim != ndim:
        raise InvalidNetwork(f"{what} must be {ndim}-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidNetwork(f"{what} contains NaN or infinity")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Node:
    """Base class: ``name`` of the tensor the node produces, ``inputs`` it reads."""

    op: ClassVar[str] = ""
    name: str

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.input,)  # type: ignore[attr-defined]

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        raise NotImplementedError

    def _float2d(self, t: TensorInfo) -> int:
        if t.kind != "float" or t.width is None:
            raise InvalidNetwork(f"{self.op} {self.name!r} needs a 2-D float input")
        return t.width

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """Per row, the float64 distance of the node's discrete decisions to their thresholds, in
        units of its inputs; None for continuous nodes (used by ``verify.boundary_rows``)."""
        return None

    def work(self, ins: list[TensorInfo], out: TensorInfo) -> Work:
        """The default cost: the node's arrays stored, its output held twice per row (value and
        temporary), a handful of operators. Kinds whose work grows faster override it."""
        stored = sum(v.nbytes for v in self.params().values() if isinstance(v, np.ndarray))
        return Work(stored, 16 * (out.width or 1), 4)

    def params(self) -> dict[str, Any]:
        """The node's fields other than ``name`` (for exporters and inspection)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name"}


def row_min(gap: np.ndarray) -> np.ndarray:
    return gap if gap.ndim == 1 else gap.min(axis=1)


NODE_TYPES: dict[str, type[Node]] = {}


def register_node(cls: type[Node]) -> type[Node]:
    """Make a node kind known to the JSON reader (by its ``op``); usable as a class decorator."""
    if cls.op in NODE_TYPES and NODE_TYPES[cls.op] is not cls:
        raise ValueError(f"node op {cls.op!r} registered twice")
    NODE_TYPES[cls.op] = cls
    return cls
