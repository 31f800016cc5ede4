"""ONNX export: a Network becomes a ModelProto of default-domain operators only.

Each IR node kind has one small emitter (in :mod:`nnconvert.exporters.onnx.graph`, extendable
with :func:`register_emitter`) that writes the same arithmetic as ``nnconvert.runtime``, in the
same order, so float64 graphs agree with the numpy reference to rounding. The graph reads ``X``
``[N, n_features]`` and has one output per estimator method (``predict``, ``predict_proba``...).
Only this module and its ``onnx_*`` helpers import ``onnx`` and ``onnxruntime``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

import nnconvert
from nnconvert import ir
from nnconvert.errors import DataError, InvalidNetwork
from nnconvert.exporters.onnx.graph import FLOAT_TYPES, OnnxGraph, emit

MIN_OPSET = 13  # Softmax(axis) per-axis, ReduceSum/Squeeze/Unsqueeze axes as inputs
_LABEL_TYPES = {"i": TensorProto.INT64, "U": TensorProto.STRING, "f": TensorProto.DOUBLE, "b": TensorProto.BOOL}
_RESERVED_PROPS = (
    "nnconvert_version", "estimator", "task", "sklearn_version", "classes", "feature_names",
    "outputs", "dtype", "description", "n_features", "extra",
)  # fmt: skip


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
        emit(g, node)
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
    from nnconvert.ir.builder import GraphBuilder

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
    acts.append(b.act(h, "erf"))
    dists = [b.distance(h, [[0.0, 1.0], [1.0, 0.0]], m) for m in ir.DISTANCE_METRICS]
    values = np.eye(2)
    dists.append(b.add(ir.NeighbourVote, "knn", input=dists[0], values=values, k=1, weighting="distance"))
    dists.append(b.add(ir.NeighbourVote, "radius", input=dists[0], values=values, radius=1.0))
    dists.append(b.add(ir.Combine, "product", sources=(dists[-1], dists[-2]), fn="mul"))
    col = b.dense(h, [[1.0], [0.0]])
    dists.append(b.add(ir.ErfMixture, "mixture", mean=col, variance=b.act(col, "square"), lambdas=[0.4], coefs=[1.0]))
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
        models = {dtype: _build(net, np.dtype(dtype), opset, None).SerializeToString() for dtype in FLOAT_TYPES}
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
    if np_dtype.name not in FLOAT_TYPES:
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
