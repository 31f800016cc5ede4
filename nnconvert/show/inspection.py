"""``nnconvert inspect``: what a model, ONNX file or JSON spec is, as a dict and as text.

The description has the estimator and task, classes and features, the layers (one row per IR
node: op, neurons, activation, where its weights came from), the parameter count, the ONNX
operators and opset, and the interface contract (input and output names, dtypes, shapes). For a
model or a JSON spec the ONNX part describes the graph ``convert`` would write by default
(float32, default opset); an ONNX file is described as it is, with its layers read from the
display description nnconvert writes into its metadata (display only, never used by verify).

``parameters`` counts the same thing for a model and for its own ONNX file: the values the
network stores (:data:`PARAMETERS_COUNTED`). For an ONNX file nnconvert did not write it is the
number of float values in the graph's initializers, and says so.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.io.sources import Source

PARAMETERS_COUNTED = "weights, biases and kernel centres the network stores"
_FOREIGN_COUNTED = "float values in the ONNX initializers (the file has no nnconvert network description)"


def _layers(net: ir.Network) -> list[dict[str, Any]]:
    rows = []
    for node in net.nodes:
        info = net.info(node.name)
        activation = node.fn if isinstance(node, ir.Activation) else None
        consumers = net.consumers(node.name)
        if activation is None and len(consumers) == 1 and isinstance(consumers[0], ir.Activation):
            activation = consumers[0].fn
        rows.append(
            {
                "name": node.name,
                "op": node.op,
                "inputs": list(node.inputs),
                "neurons": 1 if info.width is None else info.width,
                "activation": activation,
                "provenance": dict(getattr(node, "source", {}) or {}),
                "outputs": [m for m, t in net.outputs.items() if t == node.name],
            }
        )
    return rows


def _dtype_name(elem_type: int) -> str:
    from onnx import TensorProto, helper

    if elem_type == TensorProto.STRING:
        return "string"
    return str(np.dtype(helper.tensor_dtype_to_np_dtype(elem_type)))


def _value_info(v: Any) -> dict[str, Any]:
    t = v.type.tensor_type
    shape = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in t.shape.dim]
    return {"name": v.name, "dtype": _dtype_name(t.elem_type), "shape": shape}


def _onnx_part(model: Any) -> tuple[dict[str, Any], dict[str, Any], int]:
    g = model.graph
    ops = Counter(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}" for n in g.node)
    onnx_info = {
        "opset": next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None),
        "domains": sorted({o.domain or "ai.onnx" for o in model.opset_import}),
        "operators": dict(sorted(ops.items())),
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
    }
    contract = {"inputs": [_value_info(v) for v in g.input], "outputs": [_value_info(v) for v in g.output]}
    n_params = sum(int(np.prod(t.dims)) for t in g.initializer if t.data_type in (1, 10, 11))  # float/half/double
    return onnx_info, contract, n_params


def _column_input(inp: Any) -> dict[str, Any]:
    """A named column input: name, kind (float or string), the column of X it fills, and for a
    string input the size of its vocabulary (the strings with a code)."""
    d: dict[str, Any] = {"name": inp.name, "kind": inp.kind, "column": inp.column}
    if inp.kind == "string":
        d["vocabulary_size"] = len(inp.vocabulary)
    return d


def describe(src: Source) -> dict[str, Any]:
    """The inspection of ``src`` as a JSON-ready dict (see the module doc)."""
    from nnconvert.exporters.onnx import read_metadata, to_onnx

    out: dict[str, Any] = {"file": str(src.path), "kind": src.kind}
    net = src.ir() if src.kind != "onnx" else (src.network or src.display_network)
    model = src.onnx_model if src.kind == "onnx" else to_onnx(net)
    onnx_info, contract, onnx_params = _onnx_part(model)
    columns = net.inputs if net is not None else read_metadata(model).get("inputs")
    out["inputs"] = None if not columns else [_column_input(i) for i in columns]
    if net is not None:
        m = net.meta
        out.update(
            estimator=m.estimator,
            task=m.task,
            sklearn_version=m.sklearn_version,
            classes=None if m.classes is None else list(m.classes),
            n_features=net.n_features,
            feature_names=None if m.feature_names is None else list(m.feature_names),
            description=m.description,
            summary=list(m.extra.get("summary") or []),
            layers=_layers(net),
            parameters=net.n_parameters,
            parameters_counted=PARAMETERS_COUNTED,
        )
    else:
        meta = read_metadata(model)
        out.update(
            estimator=meta.get("estimator"),
            task=meta.get("task"),
            sklearn_version=meta.get("sklearn_version") or None,
            classes=meta.get("classes"),
            n_features=src.n_features,
            feature_names=meta.get("feature_names"),
            description=meta.get("description") or model.doc_string,
            summary=list((meta.get("extra") or {}).get("summary") or []),
            layers=None,
            parameters=onnx_params,
            parameters_counted=_FOREIGN_COUNTED,
        )
    if src.kind != "model":
        from nnconvert.cli.selfcheck_run import embedded_references
        from nnconvert.cli.selfcheck_run import summary as references_summary

        out["references"] = references_summary(embedded_references(src))
    out["onnx"] = onnx_info
    out["contract"] = contract
    if src.kind != "onnx":
        out["contract_note"] = "as written by convert with the defaults; --dtype float64 makes float tensors double"
    return out


def _shape(shape: list[Any]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _list(values: Any, limit: int = 12) -> str:
    values = list(values)
    text = ", ".join(str(v) for v in values[:limit])
    return text + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _summary_line(entry: Any) -> str:
    """A converter's architecture summary: its ``text``, else its facts as ``key=value``."""
    if not isinstance(entry, dict):
        return str(entry)
    if entry.get("text"):
        return str(entry["text"])
    facts = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "estimator")
    return f"{entry.get('estimator', '?')}: {facts}"


def format_text(d: dict[str, Any]) -> str:
    """Human-readable form of :func:`describe`'s dict; every string from the file is made
    one-line printable first (:func:`nnconvert.text.printable_tree`)."""
    from nnconvert.text import printable_tree

    d = printable_tree(d)
    est = d.get("estimator") or "unknown estimator"
    lines = [f"{d['file']} ({d['kind']}): {est.rsplit('.', 1)[-1]}"]
    lines.append(
        f"  estimator:  {est}" + (f" (scikit-learn {d['sklearn_version']})" if d.get("sklearn_version") else "")
    )
    lines.append(f"  task:       {d.get('task') or '?'}")
    if d.get("classes") is not None:
        lines.append(f"  classes:    {_list(d['classes'])}")
    names = d.get("feature_names")
    lines.append(f"  features:   {d.get('n_features')}" + (f" ({_list(names)})" if names else ""))
    if d.get("inputs"):
        cols = [f"{i['name']} ({i['kind']}" + (f", {i['vocabulary_size']} strings)" if i["kind"] == "string" else ")")
                for i in d["inputs"]]  # fmt: skip
        lines.append(f"  inputs:     {len(cols)} named columns: {_list(cols, 40)}")
    if d.get("description"):
        lines.append(f"  network:    {d['description']}")
    for i, entry in enumerate(d.get("summary") or []):
        lines.append(f"  {'architecture:' if i == 0 else '':<13} {_summary_line(entry)}")
    if d.get("layers") is not None:
        lines.append("  layers:")
        width = max([len(r["name"]) for r in d["layers"]] + [4])
        opw = max([len(r["op"]) for r in d["layers"]] + [15])
        lines.append(f"    {'name':<{width}}  {'op':<{opw}} {'neurons':>7}  {'activation':<10}  from")
        for r in d["layers"]:
            prov = ", ".join(f"{k}={v}" for k, v in r["provenance"].items())
            outs = f"  -> {', '.join(r['outputs'])}" if r["outputs"] else ""
            lines.append(
                f"    {r['name']:<{width}}  {r['op']:<{opw}} {r['neurons']:>7}  {r['activation'] or '-':<10}  {prov or '-'}{outs}"
            )
    else:
        lines.append(
            "  layers:     (this ONNX file has no nnconvert network description; inspect the model or JSON spec)"
        )
    lines.append(f"  parameters: {d['parameters']} ({d['parameters_counted']})")
    if "references" in d:
        r = d["references"]
        text = "none embedded (verify needs the model)"
        if r is not None:
            text = f"{r['rows']} rows, {r['dtype']}, {r.get('source') or '?'} ({', '.join(r['outputs'])}); `nnconvert verify {d['file']}` re-runs them"
        lines.append(f"  references: {text}")
    o = d["onnx"]
    lines.append(
        f"  onnx:       opset {o['opset']}, domains {', '.join(o['domains'])}; operators {_list(o['operators'], 40)}"
    )
    c = d["contract"]
    for key, label in (("inputs", "input"), ("outputs", "output")):
        for v in c[key]:
            lines.append(f"  {label + ':':<11} {v['name']} {v['dtype']} {_shape(v['shape'])}")
    if d.get("contract_note"):
        lines.append(f"  ({d['contract_note']})")
    return "\n".join(lines)
