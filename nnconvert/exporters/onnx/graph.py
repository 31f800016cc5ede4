"""ONNX graph building: :class:`OnnxGraph` and one emitter per IR node kind.

Each emitter writes the value ``node.name`` with default-domain operators, doing the same
arithmetic as ``nnconvert.runtime`` in the same order, so float64 graphs agree with the numpy
reference to rounding. Node kinds defined elsewhere add theirs with :func:`register_emitter`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nnconvert import ir
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.onnx.erf import erf

FLOAT_TYPES = {"float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE}


class OnnxGraph:
    """Accumulates ONNX nodes and initializers for one network; emitters write through it.

    ``dtype`` is the numpy float dtype of every float tensor, ``elem_type`` its ONNX code and
    ``opset`` the default-domain opset being targeted. Names are made unique but stay readable.
    """

    def __init__(self, network: ir.Network, dtype: np.dtype, opset: int) -> None:
        self.network = network
        self.dtype = dtype
        self.elem_type = FLOAT_TYPES[dtype.name]
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._used: set[str] = {ir.INPUT, *network.outputs, *(n.name for n in network.nodes)}
        self._used |= {i.name for i in network.inputs or ()}  # named column inputs keep their names
        self._next: dict[str, int] = {}  # per hint, the first suffix not yet tried
        self.fused: set[str] = set()  # nodes an earlier emitter already wrote (see emit)

    def fresh(self, hint: str) -> str:
        """A value name derived from ``hint`` that no other value uses: ``hint``, else
        ``hint_k`` for the next ``k`` of that hint (amortised O(1): each ``k`` is tried once)."""
        name = hint
        if name in self._used:
            k = self._next.get(hint, 1)
            while (name := f"{hint}_{k}") in self._used:
                k += 1
            self._next[hint] = k + 1
        self._used.add(name)
        return name

    def const(self, hint: str, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` (float values in the graph dtype unless ``dtype``)."""
        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        elif arr.dtype.kind == "f":
            arr = arr.astype(self.dtype, copy=False)
        name = self.fresh(hint)
        if arr.dtype.kind == "U":
            tensor = helper.make_tensor(name, TensorProto.STRING, arr.shape, [s.encode() for s in arr.ravel()])
        else:
            tensor = numpy_helper.from_array(np.ascontiguousarray(arr), name)
        self.initializers.append(tensor)
        return name

    def rank0(self, hint: str, value: Any, dtype: Any) -> str:
        """A true 0-d initializer (``const`` stores scalars as ``[1]``, which broadcasting accepts
        but an operator that wants a rank-0 tensor, such as CumSum's axis, does not)."""
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.array(value, dtype=dtype).reshape(()), name))
        return name

    def scalar(self, hint: str, value: float) -> str:
        """A 0-d float constant in the graph dtype (rounded from float64 like the runtime)."""
        return self.const(hint, np.asarray(value, dtype=np.float64).astype(self.dtype))

    def axes(self, hint: str, axes: list[int]) -> str:
        return self.const(hint, np.asarray(axes, dtype=np.int64))

    def op(self, op_type: str, inputs: list[str], out: str | None = None, *, name: str, **attrs: Any) -> str:
        """Append ``op_type(inputs) -> out`` (a fresh name when ``out`` is None); returns ``out``."""
        out = out or self.fresh(name)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=self.fresh(f"{name}/{op_type}"), **attrs))
        return out

    def reduce(self, op_type: str, x: str, axis: int, keepdims: int, out: str | None = None, *, name: str) -> str:
        """``op_type`` over one axis; axes became an input in opset 13 (ReduceSum) or 18 (others)."""
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.axes(f"{name}.axes", [axis])], out, name=name, keepdims=keepdims)
        return self.op(op_type, [x], out, name=name, axes=[axis], keepdims=keepdims)


Emitter = Callable[[OnnxGraph, Any], None]


def _activation(g: OnnxGraph, n: ir.Activation) -> None:
    x, y, fn = n.input, n.name, n.fn
    simple = {"identity": "Identity", "relu": "Relu", "tanh": "Tanh", "exp": "Exp", "log": "Log", "abs": "Abs",
              "reciprocal": "Reciprocal", "sqrt": "Sqrt", "cos": "Cos"}  # fmt: skip
    if fn in simple:
        g.op(simple[fn], [x], y, name=y)
    elif fn == "sigmoid":  # 1 / (1 + exp(-x)), as the runtime (onnxruntime's Sigmoid approximates)
        e = g.op("Exp", [g.op("Neg", [x], name=y)], name=y)
        g.op("Reciprocal", [g.op("Add", [g.scalar(f"{y}.one", 1.0), e], name=y)], y, name=y)
    elif fn == "softsign":  # x / (1 + |x|): onnxruntime has no double Softsign kernel
        g.op("Div", [x, g.op("Add", [g.scalar(f"{y}.one", 1.0), g.op("Abs", [x], name=y)], name=y)], y, name=y)
    elif fn == "softmax":
        g.op("Softmax", [x], y, name=y, axis=1)
    elif fn == "square":
        g.op("Mul", [x, x], y, name=y)
    elif fn == "power":
        g.op("Pow", [x, g.scalar(f"{y}.exponent", n.param[0])], y, name=y)
    elif fn in ("step_gt", "step_ge"):
        cmp = g.op("Greater" if fn == "step_gt" else "GreaterOrEqual", [x, g.scalar(f"{y}.zero", 0.0)], name=y)
        g.op("Cast", [cmp], y, name=y, to=g.elem_type)
    elif fn == "round_float32":  # scikit-learn's cast of X to float32 (a no-op in a float32 graph)
        if g.elem_type == TensorProto.FLOAT:
            g.op("Identity", [x], y, name=y)
        else:
            g.op("Cast", [g.op("Cast", [x], name=y, to=TensorProto.FLOAT)], y, name=y, to=g.elem_type)
    elif fn == "erf":
        erf(g, x, y)
    elif fn == "clip":
        lo, hi = n.param
        src = next((m for m in g.network.nodes if m.name == x), None)
        if isinstance(src, ir.Activation) and src.fn == "relu":
            # clip(relu(x), lo, hi) == clip(x, max(lo, 0), hi): read relu's input, so onnxruntime's
            # Relu+Clip fusion (which fails on double Clip bounds) never sees the pair
            x, lo = src.input, max(lo, 0.0)
        g.op("Clip", [x, g.scalar(f"{y}.min", lo), g.scalar(f"{y}.max", hi)], y, name=y)
    else:
        raise InvalidNetwork(f"the ONNX exporter does not know activation {fn!r}")


def _rbf_chain(g: OnnxGraph, n: ir.Distance) -> tuple[ir.Node, ir.Node] | None:
    """``exp`` -> ``reciprocal`` as the only reader of a squared-distance node (the RBF kernel
    layer ``exp(-d)``), none of them a network output; None otherwise."""
    if n.metric != "sqeuclidean":
        return None
    chain: list[ir.Node] = []
    tensor, outputs = n.name, set(g.network.outputs.values())
    for fn in ("exp", "reciprocal"):
        readers = g.network.consumers(tensor)
        if tensor in outputs or len(readers) != 1:
            return None
        node = readers[0]
        if not isinstance(node, ir.Activation) or node.fn != fn:
            return None
        chain.append(node)
        tensor = node.name
    return chain[0], chain[1]


def _rbf_kernel(g: OnnxGraph, n: ir.Distance, out: str) -> None:
    """``exp(-|x - c|^2)`` in one MatMul and one Exp over the ``[N, n_centres]`` matrix (the
    roofline: nothing else reads or writes it): ``Exp([x | |x|^2 | 1] @ [[2 c^T], [-1], [-|c|^2]])``,
    the exponent ``2 x.c - |x|^2 - |c|^2``, the same terms as the distance emitter (``2 c`` is exact,
    a power of two). The distance's clamp at 0 is dropped: it only moves ``exp`` of a
    rounding-sized negative distance from ``1 + tiny`` to 1."""
    x, y = n.input, n.name
    c = np.asarray(n.centres, dtype=np.float64)
    x2 = g.reduce("ReduceSumSquare", x, 1, 1, name=y)
    x2_one = g.op(
        "Pad", [x2, g.const(f"{y}.pad", np.array([0, 0, 0, 1]), np.int64), g.rank0(f"{y}.one", 1.0, g.dtype)], name=y
    )
    # Written straight into the graph dtype, rows of centres at a time (a 20 000-SV model's weight
    # is built without float64 copies of the whole matrix): the same numbers as rounding
    # [[2 c^T], [-1], [-|c|^2]] from float64.
    w = np.empty((c.shape[1] + 2, len(c)), dtype=g.dtype)
    for start in range(0, len(c), 4096):
        part = c[start : start + 4096]
        w[:-2, start : start + 4096] = 2 * part.T
        w[-1, start : start + 4096] = -(part * part).sum(axis=1)
    w[-2] = -1.0
    xw = g.op("MatMul", [g.op("Concat", [x, x2_one], name=y, axis=1), g.const(f"{y}.rbf_weight", w)], name=y)
    g.op("Exp", [xw], out, name=out)


def _distance(g: OnnxGraph, n: ir.Distance) -> None:
    x, y = n.input, n.name
    chain = _rbf_chain(g, n)
    if chain is not None:
        g.fused.update(node.name for node in chain)
        _rbf_kernel(g, n, chain[1].name)
        return
    c = n.centres.astype(g.dtype)
    if n.metric in ("sqeuclidean", "euclidean"):
        # |x|^2 - 2 x.c + |c|^2 clamped at 0, as runtime._distance; -2 c is exact (power of two).
        x2 = g.reduce("ReduceSum", g.op("Mul", [x, x], name=y), 1, 1, name=y)
        xc = g.op("MatMul", [x, g.const(f"{y}.centres_T_x_minus2", (-2 * c).T)], name=y)
        c2 = g.const(f"{y}.centres_sqnorm", (c * c).sum(axis=1)[None, :])
        d2 = g.op("Add", [g.op("Add", [x2, xc], name=y), c2], name=y)
        out = y if n.metric == "sqeuclidean" else None
        d2 = g.op("Max", [d2, g.scalar(f"{y}.zero", 0.0)], out, name=y)
        if out is None:
            g.op("Sqrt", [d2], y, name=y)
        return
    if n.metric == "cosine":  # cosine_distances: unit rows (norm 0 -> 1), clip(1 - x.c, 0, 2)
        norm = g.op("Sqrt", [g.reduce("ReduceSum", g.op("Mul", [x, x], name=y), 1, 1, name=y)], name=y)
        zero = g.op("Equal", [norm, g.scalar(f"{y}.zero", 0.0)], name=y)
        unit = g.op("Div", [x, g.op("Where", [zero, g.scalar(f"{y}.one", 1.0), norm], name=y)], name=y)
        cn = np.sqrt((c * c).sum(axis=1, keepdims=True))
        cu = c / np.where(cn == 0, 1, cn)
        sim = g.op("MatMul", [unit, g.const(f"{y}.unit_centres_T", cu.T)], name=y)
        cos = g.op("Sub", [g.scalar(f"{y}.one_", 1.0), sim], name=y)
        g.op("Clip", [cos, g.scalar(f"{y}.min", 0.0), g.scalar(f"{y}.max", 2.0)], y, name=y)
        return
    x3 = g.op("Unsqueeze", [x, g.axes(f"{y}.axes1", [1])], name=y)  # [N, 1, d]
    diff = g.op("Abs", [g.op("Sub", [x3, g.const(f"{y}.centres", c)], name=y)], name=y)  # [N, k, d]
    if n.metric == "minkowski":  # (sum |x - c|^p)^(1/p), as runtime._distance
        powered = g.op("Pow", [diff, g.scalar(f"{y}.p", n.p)], name=y)
        total = g.reduce("ReduceSum", powered, 2, 0, name=y)
        inv_p = np.asarray(1, g.dtype) / np.asarray(n.p, g.dtype)
        g.op("Pow", [total, g.const(f"{y}.inv_p", inv_p)], y, name=y)
        return
    g.reduce("ReduceSum" if n.metric == "manhattan" else "ReduceMax", diff, 2, 0, y, name=y)


def _normalize(g: OnnxGraph, n: ir.Normalize) -> None:
    x, y = n.input, n.name
    total = g.reduce("ReduceSum", x, 1, 1, name=y)
    if not n.zero_to_uniform:
        g.op("Div", [x, total], y, name=y)
        return
    zero = g.op("Equal", [total, g.scalar(f"{y}.zero", 0.0)], name=y)
    safe = g.op("Where", [zero, g.scalar(f"{y}.one", 1.0), total], name=y)
    uniform = g.scalar(f"{y}.uniform", 1.0 / g.network.info(x).width)  # type: ignore[operator]
    g.op("Where", [zero, uniform, g.op("Div", [x, safe], name=y)], y, name=y)


def _threshold_label(g: OnnxGraph, n: ir.ThresholdLabel) -> None:
    y = n.name
    cmp = g.op("Greater" if n.strict else "GreaterOrEqual", [n.input, g.scalar(f"{y}.threshold", n.threshold)], name=y)
    idx = g.op("Cast", [cmp], name=y, to=TensorProto.INT64)
    g.op("Gather", [g.const(f"{y}.classes", n.classes, n.classes.dtype), idx], y, name=y, axis=0)


def _argmax_label(g: OnnxGraph, n: ir.ArgMaxLabel) -> None:
    idx = g.op("ArgMax", [n.input], name=n.name, axis=1, keepdims=0, select_last_index=0)  # first max wins
    g.op("Gather", [g.const(f"{n.name}.classes", n.classes, n.classes.dtype), idx], n.name, name=n.name, axis=0)


def _dense(g: OnnxGraph, n: ir.Dense) -> None:
    """``x @ weight + bias``; a selection layer is a Gather of columns (exact) plus the bias, a
    column scale a Gather times a vector plus the bias."""
    x, scale = n.input, n.column_scale
    if scale is None:
        x = g.op("MatMul", [x, g.const(f"{n.name}.weight", n.weight)], name=n.name)
    else:  # column by column (see Dense.column_scale): Gather unless in order, Mul unless all ones
        sel, mul = scale
        if not np.array_equal(sel, np.arange(n.weight.shape[0])):
            x = g.op("Gather", [x, g.const(f"{n.name}.columns", sel, np.int64)], name=n.name, axis=1)
        if n.selection is None:
            x = g.op("Mul", [x, g.const(f"{n.name}.mul", mul)], name=n.name)
    g.op("Add", [x, g.const(f"{n.name}.bias", n.bias)], n.name, name=n.name)


def _logsumexp(g: OnnxGraph, n: ir.LogSumExp) -> None:
    """``m + log(sum exp(x - m))`` with ``m`` the row max (0 where not finite), as the runtime."""
    x, y = n.input, n.name
    m = g.reduce("ReduceMax", x, 1, 1, name=y)
    m = g.op("Where", [g.op("IsInf", [m], name=y), g.scalar(f"{y}.zero", 0.0), m], name=y)
    s = g.reduce("ReduceSum", g.op("Exp", [g.op("Sub", [x, m], name=y)], name=y), 1, 1, name=y)
    out = g.op("Add", [g.op("Log", [s], name=y), m], name=y)
    g.op("Squeeze", [out, g.axes(f"{y}.axes", [1])], y, name=y)


_EMITTERS: dict[type, Emitter] = {
    ir.Dense: _dense,
    ir.Activation: _activation,
    ir.Distance: _distance,
    ir.Concat: lambda g, n: g.op("Concat", list(n.sources), n.name, name=n.name, axis=1),
    ir.Normalize: _normalize,
    ir.Squeeze: lambda g, n: g.op("Squeeze", [n.input, g.axes(f"{n.name}.axes", [1])], n.name, name=n.name),
    ir.LogSumExp: _logsumexp,
    ir.ArgMaxLabel: _argmax_label,
    ir.ThresholdLabel: _threshold_label,
}


def register_emitter(node_type: type, fn: Emitter) -> None:
    """Teach the exporter a node kind defined elsewhere: ``fn(graph, node)`` must write the value
    ``node.name`` through :class:`OnnxGraph` (``op``, ``const``, ``scalar``, ``reduce``)."""
    if node_type in _EMITTERS:
        raise ValueError(f"ONNX emitter for {node_type.__name__} registered twice")
    _EMITTERS[node_type] = fn


def emit(g: OnnxGraph, node: ir.Node) -> None:
    """Write ``node`` into ``g`` with its registered emitter."""
    if node.name in g.fused:
        return
    emitter = _EMITTERS.get(type(node))
    if emitter is None:
        raise InvalidNetwork(f"the ONNX exporter has no emitter for node kind {type(node).__name__}")
    emitter(g, node)
