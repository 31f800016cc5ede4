"""ONNX export: a Network becomes a ModelProto of default-domain operators only.

Each IR node kind has one small emitter (in :mod:`nnconvert.exporters.onnx.graph`, extendable
with :func:`register_emitter`) that writes the same arithmetic as ``nnconvert.runtime``, in the
same order, so float64 graphs agree with the numpy reference to rounding. The graph reads ``X``
``[N, n_features]``, or one ``[N, 1]`` input per named column (:mod:`nnconvert.exporters.onnx.inputs`:
strings through ``TfIdfVectorizer``, opset 9, so the default opset stays 13), and has one output
per estimator method (``predict``, ``predict_proba``...).
Only this module and its ``onnx_*`` helpers import ``onnx`` and ``onnxruntime``.
"""

from __future__ import annotations

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
from nnconvert.exporters.onnx.display import DISPLAY_KEY, display_spec
from nnconvert.exporters.onnx.graph import FLOAT_TYPES, OnnxGraph, emit
from nnconvert.exporters.onnx.inputs import emit_inputs, graph_inputs, rename_values

MIN_OPSET = 13  # Softmax(axis) per-axis, ReduceSum/Squeeze/Unsqueeze axes as inputs
_RESERVED_PROPS = (
    "nnconvert_version", "estimator", "task", "sklearn_version", "classes", "classes_dtype", "feature_names",
    "outputs", "dtype", "description", "n_features", "extra", "inputs", DISPLAY_KEY,
)  # fmt: skip


def label_elem_type(classes: np.ndarray) -> int:
    """The ONNX element type of labels taken from ``classes``: its own dtype (UINT8, INT32,
    FLOAT, ...), STRING for text."""
    return TensorProto.STRING if classes.dtype.kind == "U" else helper.np_dtype_to_tensor_dtype(classes.dtype)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _metadata(network: ir.Network, dtype: np.dtype, extra: Mapping[str, str] | None) -> dict[str, str]:
    meta = network.meta
    classes = None if meta.classes_array is None else meta.classes_array.tolist()
    props = {
        "nnconvert_version": nnconvert.__version__,
        "estimator": meta.estimator,
        "task": meta.task,
        "sklearn_version": meta.sklearn_version or "",
        "classes": _json(classes),
        "classes_dtype": meta.classes_dtype or "",
        "outputs": _json(list(network.outputs)),
        "dtype": dtype.name,
        "description": meta.description,
        "n_features": str(network.n_features),
    }
    if meta.feature_names is not None:
        props["feature_names"] = _json(list(meta.feature_names))
    if meta.extra:
        props["extra"] = _json(dict(meta.extra))
    if network.inputs:
        props["inputs"] = _json([i.to_dict() for i in network.inputs])
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
        elem = g.elem_type if info.kind == "float" else label_elem_type(info.classes)  # type: ignore[arg-type]
        shape = ["N"] if info.width is None else ["N", info.width]
        outputs.append(helper.make_tensor_value_info(method, elem, shape))
    if network.inputs:  # the column inputs build X first (see exporters.onnx.inputs)
        body = rename_values(g)
        start = len(g.nodes)
        emit_inputs(g, body)
        g.nodes = g.nodes[start:] + g.nodes[:start]
    graph = helper.make_graph(
        g.nodes,
        f"nnconvert_{network.meta.estimator_name}",
        graph_inputs(network, g.elem_type),
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
    model.metadata_props.add(key=DISPLAY_KEY, value=display_spec(network, model))  # draw/explain only
    return model


def _expressible(model: onnx.ModelProto) -> str | None:
    """None when every operator of ``model`` exists in its opset with the types it is given
    (onnx's checker with strict type inference), else the checker's complaint."""
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def opset_version(model: onnx.ModelProto) -> int:
    """The default-domain opset a model imports."""
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def to_onnx(
    network: ir.Network,
    *,
    dtype: str = "float32",
    opset: int | None = None,
    extra_metadata: Mapping[str, str] | None = None,
) -> onnx.ModelProto:
    """Export ``network`` as ONNX: ``X [N, n_features]`` -> one output per estimator method.

    The opset is the lowest (>= :data:`MIN_OPSET`) in which the network's operators exist with
    the types it uses, unless ``opset`` asks for a higher one; emitters pick each operator's form
    for the target opset (``ReduceMax`` takes ``axes`` as an attribute below 18, as an input from
    18), so today's node kinds are all written at 13. ``model.ir_version`` is the lowest that
    opset needs (opset 13: IR 7), so runtimes as old as onnxruntime 1.8 load the file.
    """
    np_dtype = np.dtype(dtype)
    if np_dtype.name not in FLOAT_TYPES:
        raise InvalidNetwork(f"dtype must be float32 or float64, got {dtype!r}")
    newest = onnx.defs.onnx_opset_version()
    if opset is not None and not MIN_OPSET <= int(opset) <= newest:
        raise InvalidNetwork(f"opset {opset} is not supported; use {MIN_OPSET} to {newest}")
    first = MIN_OPSET if opset is None else int(opset)
    for version in range(first, newest + 1):
        model = _build(network, np_dtype, version, extra_metadata)
        problem = _expressible(model)
        if problem is None:
            return model
        if opset is not None:
            lowest = next((v for v in range(version + 1, newest + 1) if not _expressible(_build(
                network, np_dtype, v, extra_metadata))), None)  # fmt: skip
            hint = f"; the lowest that does is {lowest}" if lowest else ""
            raise InvalidNetwork(f"opset {opset} cannot express this network ({problem}){hint}")
    raise InvalidNetwork(f"no opset up to {newest} expresses this network: {problem}")


def read_metadata(model: onnx.ModelProto) -> dict[str, Any]:
    """The nnconvert metadata of a model, JSON fields parsed (``classes``, ``outputs``...)."""
    props = {p.key: p.value for p in model.metadata_props if p.key != DISPLAY_KEY}
    out: dict[str, Any] = dict(props)
    for key in ("classes", "feature_names", "outputs", "extra", "inputs"):
        if key in props:
            try:
                out[key] = json.loads(props[key])
            except json.JSONDecodeError:
                raise InvalidNetwork(f"ONNX metadata {key!r} is not valid JSON") from None
    out.setdefault("feature_names", None)
    if "inputs" in out:
        out["inputs"] = ir.inputs_from_json(out["inputs"], "ONNX metadata 'inputs'")
    if "n_features" in props and props["n_features"].isdigit():
        out["n_features"] = int(props["n_features"])
    out.update(producer_name=model.producer_name, producer_version=model.producer_version)
    out.update(opset=next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None))
    return out


def run_onnx(
    model_or_bytes: onnx.ModelProto | bytes | str | os.PathLike, X: Any, *, threads: int | None = None
) -> dict[str, np.ndarray]:
    """Run a model in onnxruntime (CPU): ``{output name: array}``; X is cast to the input dtype
    and string labels come back as numpy ``str`` arrays, like ``nnconvert.runtime.run``. A model
    with named column inputs takes its columns by name (a mapping or a DataFrame), or a matrix of
    its inputs in order when they are all float."""
    import onnxruntime as ort

    if isinstance(model_or_bytes, onnx.ModelProto):
        model = model_or_bytes
    elif isinstance(model_or_bytes, bytes):
        model = onnx.load_from_string(model_or_bytes)
    else:
        model = onnx.load(os.fspath(model_or_bytes))
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = options.inter_op_num_threads = threads
    sess = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    dtype = np.float64 if "tensor(double)" in [i.type for i in sess.get_inputs()] else np.float32
    inputs = read_metadata(model).get("inputs")
    if inputs:
        feeds = onnx_feeds(inputs, X, dtype)
    else:
        try:
            arr = np.asarray(X, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise DataError(f"input is not numeric: {exc}") from None
        n_features = inp.shape[1] if len(inp.shape) == 2 else None
        if arr.ndim != 2 or (isinstance(n_features, int) and arr.shape[1] != n_features):
            raise DataError(f"input has shape {arr.shape}; the model expects [N, {n_features}]")
        feeds = {inp.name: arr}
    results = sess.run(None, feeds)
    out = {}
    for meta, value in zip(sess.get_outputs(), results, strict=True):
        out[meta.name] = value.astype(str) if value.dtype == object else value
    return out


def onnx_feeds(inputs: tuple[ir.ColumnInput, ...], data: Any, dtype: Any) -> dict[str, np.ndarray]:
    """Feeds for a model with named column inputs: columns by name (a mapping or DataFrame),
    or a matrix of the inputs in order when every input is float."""
    from nnconvert.runtime.columns import column_feeds, is_columns

    if not is_columns(data):
        if any(i.kind == "string" for i in inputs):
            raise DataError("this model has string inputs: pass its columns by name (a mapping or a DataFrame)")
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"input is not numeric: {exc}") from None
        if arr.ndim != 2 or arr.shape[1] != len(inputs):
            raise DataError(f"input has shape {arr.shape}; the model's inputs are [N, {len(inputs)}]")
        data = {i.name: arr[:, k] for k, i in enumerate(inputs)}
    return column_feeds(inputs, data, dtype)
