"""ONNX exporter: a Network becomes a ModelProto of default-domain operators only.

Each IR node kind has one small emitter (``_EMITTERS``, extendable with
:func:`register_emitter`) that writes the same arithmetic as ``nnconvert.runtime``, in the same
order, so float64 graphs agree with the numpy reference to rounding. The graph reads ``X``
``[N, n_features]`` and has one output per estimator method (``predict``, ``predict_proba``...).
Only this module imports ``onnx`` and ``onnxruntime``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import nnconvert
from nnconvert import ir
from nnconvert.errors import DataError, InvalidNetwork

MIN_OPSET = 13  # Softmax(axis) per-axis, ReduceSum/Squeeze/Unsqueeze axes as inputs
_FLOAT_TYPES = {"float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE}
_LABEL_TYPES = {"i": TensorProto.INT64, "U": TensorProto.STRING, "f": TensorProto.DOUBLE, "b": TensorProto.BOOL}
_RESERVED_PROPS = (
    "nnconvert_version", "estimator", "task", "sklearn_version", "classes", "feature_names",
    "outputs", "dtype", "description", "n_features", "extra",
)  # fmt: skip


class OnnxGraph:
    """Accumulates ONNX nodes and initializers for one network; emitters write through it.

    ``dtype`` is the numpy float dtype of every float tensor, ``elem_type`` its ONNX code and
    ``opset`` the default-domain opset being targeted. Names are made unique but stay readable.
    """

    def __init__(self, network: ir.Network, dtype: np.dtype, opset: int) -> None:
        self.network = network
        self.dtype = dtype
        self.elem_type = _FLOAT_TYPES[dtype.name]
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._used: set[str] = {ir.INPUT, *network.outputs, *(n.name for n in network.nodes)}

    def fresh(self, hint: str) -> str:
        """A value name derived from ``hint`` that no other value uses."""
        name, k = hint, 1
        while name in self._used:
            name, k = f"{hint}_{k}", k + 1
        self._used.add(name)
        return name

    def const(self, hint: str, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` (float values in the graph dtype unless ``dtype``)."""
        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype)
        elif arr.dtype.kind == "f":
            arr = arr.astype(self.dtype)
        name = self.fresh(hint)
        if arr.dtype.kind == "U":
            tensor = helper.make_tensor(name, TensorProto.STRING, arr.shape, [s.encode() for s in arr.ravel()])
        else:
            tensor = numpy_helper.from_array(np.ascontiguousarray(arr), name)
        self.initializers.append(tensor)
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
    elif fn == "clip":
        g.op("Clip", [x, g.scalar(f"{y}.min", n.param[0]), g.scalar(f"{y}.max", n.param[1])], y, name=y)
    else:
        raise InvalidNetwork(f"the ONNX exporter does not know activation {fn!r}")


def _distance(g: OnnxGraph, n: ir.Distance) -> None:
    x, y = n.input, n.name
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
    x3 = g.op("Unsqueeze", [x, g.axes(f"{y}.axes1", [1])], name=y)  # [N, 1, d]
    diff = g.op("Abs", [g.op("Sub", [x3, g.const(f"{y}.centres", c)], name=y)], name=y)  # [N, k, d]
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


_EMITTERS: dict[type, Emitter] = {
    ir.Dense: lambda g, n: g.op(
        "Add",
        [
            g.op("MatMul", [n.input, g.const(f"{n.name}.weight", n.weight)], name=n.name),
            g.const(f"{n.name}.bias", n.bias),
        ],
        n.name,
        name=n.name,
    ),
    ir.Activation: _activation,
    ir.Distance: _distance,
    ir.Concat: lambda g, n: g.op("Concat", list(n.sources), n.name, name=n.name, axis=1),
    ir.Normalize: _normalize,
    ir.Squeeze: lambda g, n: g.op("Squeeze", [n.input, g.axes(f"{n.name}.axes", [1])], n.name, name=n.name),
    ir.ArgMaxLabel: _argmax_label,
    ir.ThresholdLabel: _threshold_label,
}


def register_emitter(node_type: type, fn: Emitter) -> None:
    """Teach the exporter a node kind defined elsewhere: ``fn(graph, node)`` must write the value
    ``node.name`` through :class:`OnnxGraph` (``op``, ``const``, ``scalar``, ``reduce``)."""
    if node_type in _EMITTERS:
        raise ValueError(f"ONNX emitter for {node_type.__name__} registered twice")
    _EMITTERS[node_type] = fn


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _metadata(network: ir.Network, dtype: np.dtype, extra: Mapping[str, str] | None) -> dict[str, str]:
    meta = network.meta
    classes = None if meta.classes is None else ir.as_classes(list(meta.classes)).tolist()
    props = {
        "nnconvert_version": nnconvert.__version__,
        "estimator": meta.estimator,
        "task": meta.task,
        "sklearn_version": meta.sklearn_version or "",
        "classes": _json(classes),
        "outputs": _json(list(network.outputs)),
        "dtype": dtype.name,
        "description": meta.description,
        "n_features": str(network.n_features),
    }
    if meta.feature_names is not None:
        props["feature_names"] = _json(list(meta.feature_names))
    if meta.extra:
        props["extra"] = _json(dict(meta.extra))
    for key, value in (extra or {}).items():
        if key in _RESERVED_PROPS:
            raise ValueError(f"extra_metadata may not override {key!r}")
        props[str(key)] = str(value)
    return props


def _build(network: ir.Network, dtype: np.dtype, opset: int, extra: Mapping[str, str] | None) -> onnx.ModelProto:
    g = OnnxGraph(network, dtype, opset)
    for node in network.nodes:
        emitter = _EMITTERS.get(type(node))
        if emitter is None:
            raise InvalidNetwork(f"the ONNX exporter has no emitter for node kind {type(node).__name__}")
        emitter(g, node)
    outputs = []
    for method, tensor in network.outputs.items():
        g.op("Identity", [tensor], method, name=f"output.{method}")
        info = network.info(tensor)
        elem = g.elem_type if info.kind == "float" else _LABEL_TYPES[info.classes.dtype.kind]  # type: ignore[union-attr]
        shape = ["N"] if info.width is None else ["N", info.width]
        outputs.append(helper.make_tensor_value_info(method, elem, shape))
    graph = helper.make_graph(
        g.nodes,
        f"nnconvert_{network.meta.estimator_name}",
        [helper.make_tensor_value_info(ir.INPUT, g.elem_type, ["N", network.n_features])],
        outputs,
        g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        producer_name="nnconvert",
        producer_version=nnconvert.__version__,
        doc_string=network.meta.description,
    )
    model.ir_version = helper.find_min_ir_version_for(list(model.opset_import))
    helper.set_model_props(model, _metadata(network, dtype, extra))
    return model


def _probe_network() -> ir.Network:
    """A tiny network touching every built-in emitter, for :func:`default_opset`."""
    from nnconvert.builder import GraphBuilder

    b = GraphBuilder(2)
    h = b.dense(b.input, [[1.0, -1.0], [0.5, 2.0]], [0.1, 0.2])
    acts = [
        b.act(h, fn) for fn in ("relu", "sigmoid", "tanh", "softsign", "softmax", "square", "step_gt", "step_ge", "cos")
    ]
    acts += [
        b.act(h, "power", 3),
        b.act(h, "clip", -1, 1),
        b.act(b.act(h, "exp"), "log"),
        b.act(b.act(h, "exp"), "sqrt"),
    ]
    dists = [b.distance(h, [[0.0, 1.0]], m) for m in ir.DISTANCE_METRICS]
    cat = b.concat([b.normalize(b.act(h, "reciprocal"), zero_to_uniform=True), *acts, *dists])
    s = b.squeeze(b.dense(cat, np.ones((b.width(cat), 1))))
    outputs = {"predict": b.argmax_label(h, ["a", "b"]), "decision_function": s, "transform": b.act(h, "abs")}
    outputs["score_samples"] = b.threshold_label(s, [0, 1])
    return b.build(outputs, ir.Metadata("probe", "classifier"))


@functools.cache
def default_opset() -> int:
    """The newest default-domain opset (>= 13) whose graphs the installed onnxruntime runs."""
    import onnxruntime as ort

    net, x = _probe_network(), np.zeros((1, 2))
    for opset in range(onnx.defs.onnx_opset_version(), MIN_OPSET - 1, -1):
        models = {dtype: _build(net, np.dtype(dtype), opset, None).SerializeToString() for dtype in _FLOAT_TYPES}
        try:
            for dtype, data in models.items():
                ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {ir.INPUT: x.astype(dtype)})
        except Exception:  # onnxruntime refuses this opset (unknown version or missing kernel)
            continue
        return opset
    raise InvalidNetwork(f"the installed onnxruntime runs no opset >= {MIN_OPSET}")


def to_onnx(
    network: ir.Network,
    *,
    dtype: str = "float32",
    opset: int | None = None,
    extra_metadata: Mapping[str, str] | None = None,
) -> onnx.ModelProto:
    """Export ``network`` as ONNX: ``X [N, n_features]`` -> one output per estimator method."""
    np_dtype = np.dtype(dtype)
    if np_dtype.name not in _FLOAT_TYPES:
        raise InvalidNetwork(f"dtype must be float32 or float64, got {dtype!r}")
    opset = default_opset() if opset is None else int(opset)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise InvalidNetwork(f"opset {opset} is not supported; use {MIN_OPSET} to {onnx.defs.onnx_opset_version()}")
    return _build(network, np_dtype, opset, extra_metadata)


def read_metadata(model: onnx.ModelProto) -> dict[str, Any]:
    """The nnconvert metadata of a model, JSON fields parsed (``classes``, ``outputs``...)."""
    props = {p.key: p.value for p in model.metadata_props}
    out: dict[str, Any] = dict(props)
    for key in ("classes", "feature_names", "outputs", "extra"):
        if key in props:
            try:
                out[key] = json.loads(props[key])
            except json.JSONDecodeError:
                raise InvalidNetwork(f"ONNX metadata {key!r} is not valid JSON") from None
    out.setdefault("feature_names", None)
    if "n_features" in props and props["n_features"].isdigit():
        out["n_features"] = int(props["n_features"])
    out.update(producer_name=model.producer_name, producer_version=model.producer_version)
    out.update(opset=next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None))
    return out


def run_onnx(
    model_or_bytes: onnx.ModelProto | bytes | str | os.PathLike, X: Any, *, threads: int | None = None
) -> dict[str, np.ndarray]:
    """Run a model in onnxruntime (CPU): ``{output name: array}``; X is cast to the input dtype
    and string labels come back as numpy ``str`` arrays, like ``nnconvert.runtime.run``."""
    import onnxruntime as ort

    data = model_or_bytes.SerializeToString() if isinstance(model_or_bytes, onnx.ModelProto) else model_or_bytes
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = options.inter_op_num_threads = threads
    sess = ort.InferenceSession(
        os.fspath(data) if not isinstance(data, bytes) else data, options, providers=["CPUExecutionProvider"]
    )
    inp = sess.get_inputs()[0]
    try:
        arr = np.asarray(X, dtype=np.float64 if inp.type == "tensor(double)" else np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"input is not numeric: {exc}") from None
    n_features = inp.shape[1] if len(inp.shape) == 2 else None
    if arr.ndim != 2 or (isinstance(n_features, int) and arr.shape[1] != n_features):
        raise DataError(f"input has shape {arr.shape}; the model expects [N, {n_features}]")
    results = sess.run(None, {inp.name: arr})
    out = {}
    for meta, value in zip(sess.get_outputs(), results, strict=True):
        out[meta.name] = value.astype(str) if value.dtype == object else value
    return out


from nnconvert.exporters import onnx_coupling as _onnx_coupling  # noqa: E402,F401  (pairwise_coupling emitter)
from nnconvert.exporters import onnx_monomials as _onnx_monomials  # noqa: E402,F401  (monomials emitter)
