"""Bounds on an ONNX graph read from a file, checked before onnxruntime runs any of it.

A graph from a file can loop without end or allocate what it likes, and onnxruntime would
oblige. :func:`check_graph` reads the graph (never runs it) and refuses, with one
:class:`nnconvert.limits.LimitExceeded` line:

- subgraphs (the bodies of ``Loop``, ``Scan``, ``If``) nested more than :data:`MAX_DEPTH` deep;
- a ``Loop`` whose trip count is not a constant (an initializer or ``Constant`` output of the
  graph or an enclosing one): a loop bounded only by a condition computed at run time, or by a
  computed count, has no bound nnconvert can check;
- more operators than ``max_ops``, counting a ``Loop`` body once per trip;
- stored tensors (initializers, ``Constant`` values; sizes from their dims, never their bytes)
  over ``max_memory``, and tensors kept in external files (never read);
- ``ConstantOfShape``, ``Expand``, ``Tile`` and ``Range`` whose output size is fixed by constant
  inputs and over ``max_memory``.

Graphs nnconvert writes pass: the libsvm coupling ``Loop`` runs a constant ``max(100, k)``
trips, and ``k`` was within the limits when the graph was written.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx
from onnx import numpy_helper

from nnconvert.limits import LimitExceeded, current, require
from nnconvert.text import printable

MAX_DEPTH = 2  # subgraph nesting nnconvert runs: a loop body may hold one more level (an If)
_SMALL = 64  # constant tensors with at most this many elements are kept to read trip counts and shapes


def _where(node: onnx.NodeProto) -> str:
    return f"{node.op_type} node '{printable(node.name or (node.output[0] if node.output else '?'))}'"


def _tensor_bytes(t: onnx.TensorProto, name: str, what: str) -> int:
    """The bytes a tensor claims, from its dims and element type (strings: their stored lengths)."""
    if t.data_location == onnx.TensorProto.EXTERNAL or t.external_data:
        raise LimitExceeded(f"{what}: tensor '{printable(name)}' is stored in an external file; nnconvert reads none")
    if any(d < 0 for d in t.dims):
        raise LimitExceeded(f"{what}: tensor '{printable(name)}' has negative dimensions {list(t.dims)}")
    n = int(np.prod([float(d) for d in t.dims]))  # float: a product of claimed dims can exceed int64
    if t.data_type == onnx.TensorProto.STRING:
        return sum(len(s) for s in t.string_data) + 8 * n
    itemsize = onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize if t.data_type else 8
    return n * itemsize


def _small(t: onnx.TensorProto) -> np.ndarray | None:
    if t.data_type == onnx.TensorProto.STRING or int(np.prod(t.dims)) > _SMALL:
        return None
    try:
        return numpy_helper.to_array(t)
    except Exception:  # a malformed constant: onnxruntime will refuse it; nothing to read here
        return None


class _Walk:
    """One pass over a graph and its subgraphs, accumulating stored bytes."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.stored = 0

    def store(self, t: onnx.TensorProto, consts: dict[str, np.ndarray], name: str | None = None) -> None:
        """Count tensor ``t`` (the value ``name``, default its own name) and keep it if small."""
        name = t.name if name is None else name
        self.stored += _tensor_bytes(t, name, self.what)
        require(self.what, self.stored, "max_memory")
        value = _small(t)
        if value is not None:
            consts[name] = value

    def graph(self, g: onnx.GraphProto, depth: int, outer: Mapping[str, np.ndarray]) -> int:
        """Operators of one run of ``g`` (loop bodies once per trip)."""
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"{self.what}: subgraphs nested more than {MAX_DEPTH} deep; nnconvert runs none such")
        consts = dict(outer)
        for t in g.initializer:
            self.store(t, consts)
        for s in g.sparse_initializer:
            self.store(s.values, consts)
        ops = 0
        for node in g.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                for a in node.attribute:
                    if a.type == onnx.AttributeProto.TENSOR and node.output:
                        self.store(a.t, consts, node.output[0])
            body = 0
            for a in node.attribute:
                subs = [a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)
                body += sum(self.graph(sub, depth + 1, consts) for sub in subs)
            trips = self.trips(node, consts) if node.op_type == "Loop" else 1
            self.allocation(node, consts)
            own = 1 + trips * max(body, 1)  # an empty body still costs a step per trip
            if own > 1:
                require(f"{self.what}: {_where(node)}", own, "max_ops")
            ops += own
            require(self.what, ops, "max_ops")
        return ops

    def trips(self, node: onnx.NodeProto, consts: Mapping[str, np.ndarray]) -> int:
        """A Loop's constant trip count, or LimitExceeded."""
        m = node.input[0] if node.input else ""
        value = consts.get(m) if m else None
        if value is None or value.size != 1 or value.dtype.kind not in "iu":
            why = (
                "it runs until a condition computed at run time" if not m else "its trip count is computed at run time"
            )
            raise LimitExceeded(
                f"{self.what}: {_where(node)} has no constant trip count ({why}); nnconvert runs only bounded loops"
            )
        return max(int(value.reshape(-1)[0]), 0)

    def allocation(self, node: onnx.NodeProto, consts: Mapping[str, np.ndarray]) -> None:
        """Outputs whose size constant inputs fix, within ``max_memory`` (8 bytes an element)."""
        ins = [consts.get(i) for i in node.input]
        elements: float | None = None
        if node.op_type in ("ConstantOfShape", "Expand", "Tile"):
            shape = ins[0] if node.op_type == "ConstantOfShape" else (ins[1] if len(ins) > 1 else None)
            if shape is not None and shape.dtype.kind in "iu":
                elements = float(np.prod(np.maximum(shape.astype(np.float64), 1)))
        elif node.op_type == "Range" and len(ins) == 3 and all(v is not None and v.size == 1 for v in ins):
            start, limit, delta = (float(v.reshape(-1)[0]) for v in ins)  # type: ignore[union-attr]
            elements = abs((limit - start) / delta) if delta else float("inf")
        if elements is not None and elements * 8 > current().max_memory:
            require(f"{self.what}: {_where(node)}", elements * 8, "max_memory")


def check_graph(model: onnx.ModelProto, what: str) -> None:
    """Refuse ``model`` if running it is unbounded or over the limits (see the module doc);
    ``what`` (the file) starts every message."""
    _Walk(what).graph(model.graph, 0, {})
