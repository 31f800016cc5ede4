"""JSON network spec: a Network <-> a versioned, human-readable JSON document.

Nodes are written generically from their dataclass fields (``ir.NODE_TYPES`` maps ``op`` to the
class), so a new node kind needs no change here: float64 arrays become nested lists of floats
(Python's float repr is the shortest round-trip form, so weights come back bit-exact), other
arrays and class labels become ``{"dtype": ..., "values": [...]}``, tuples become lists and
provenance mappings objects. ``neurons`` (output width) and ``activation`` (the activation the
node's only consumer applies) are written for readers and checked when read back.
The format is described in ``nnconvert/schema/network.schema.json``; the checks done when
reading a spec back live in :mod:`nnconvert.exporters.json_spec.read`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.json_spec.read import (
    check_info,
    load_document,
    node_fields,
    parse_metadata,
    parse_node,
)
from nnconvert.limits import check_network

FORMAT = "nnconvert-network"
VERSION = 1


def _typed(arr: np.ndarray) -> dict[str, Any]:
    """A non-float64 array (class labels in their own dtype, integer tables) as ``{"dtype", "values"}``:
    ``{"dtype": "uint8", "values": [0, 3]}``; unicode of any width is ``"str"``."""
    if arr.dtype.kind in "USO":
        arr = ir.as_classes(arr) if arr.ndim == 1 else arr.astype(str)
    return {"dtype": ir.label_dtype(arr), "values": arr.tolist()}


def _value(v: Any, field: str) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist() if v.dtype == np.float64 and field != "classes" else _typed(v)
    if isinstance(v, Mapping):
        return {str(k): _value(x, field) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [_value(x, field) for x in v]
    return v.item() if isinstance(v, np.generic) else v


def to_json(
    network: ir.Network,
    references: Mapping[str, Any] | None = None,
    *,
    arrays: Callable[[ir.Node, str, np.ndarray], Any] | None = None,
) -> dict[str, Any]:
    """The spec of ``network`` as a JSON-ready dict; ``references`` (see nnconvert.check.selfcheck)
    become the optional top-level ``"references"`` object. ``arrays(node, field, value)``, where
    given, may stand in for an array field (not None: written instead of its list of numbers)."""
    m = network.meta
    nodes = []
    for node in network.nodes:
        d: dict[str, Any] = {"name": node.name, "op": node.op, "neurons": network.info(node.name).width}
        consumers = network.consumers(node.name)
        if node.op != "activation" and len(consumers) == 1 and isinstance(consumers[0], ir.Activation):
            d["activation"] = consumers[0].fn
        for f in node_fields(type(node)):
            v = getattr(node, f.name)
            stand_in = None
            if arrays is not None and isinstance(v, np.ndarray) and f.name != "classes":
                stand_in = arrays(node, f.name, v)
            d[f.name] = _value(v, f.name) if stand_in is None else stand_in
        nodes.append(d)
    classes = None if m.classes_array is None else _typed(m.classes_array)
    spec = {
        "format": FORMAT,
        "version": VERSION,
        "metadata": {
            "estimator": m.estimator,
            "task": m.task,
            "sklearn_version": m.sklearn_version,
            "classes": classes,
            "description": m.description,
            "extra": _value(dict(m.extra), "extra"),
        },
        "input": {
            "name": ir.INPUT,
            "n_features": network.n_features,
            "feature_names": None if m.feature_names is None else list(m.feature_names),
        },
        "nodes": nodes,
        "outputs": dict(network.outputs),
    }
    if network.inputs:  # named column inputs filling X (nnconvert.ir.inputs)
        spec["inputs"] = [i.to_dict() for i in network.inputs]
    if references is not None:
        spec["references"] = dict(references)
    return spec


def _nested(items: list[Any]) -> bool:
    return any(isinstance(x, (list, dict)) for x in items)


def _render(obj: Any, indent: str) -> str:
    """JSON text: objects and nested lists indented, flat lists (a weight row) on one line."""
    inner = indent + "  "
    flat = isinstance(obj, dict) and not any(
        (isinstance(x, list) and _nested(x)) or isinstance(x, dict) for x in obj.values()
    )
    if flat and len(one_line := json.dumps(obj, ensure_ascii=False, allow_nan=False)) <= 80:
        return one_line  # a short object of scalars and flat lists: classes, source
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(str(k))}: {_render(v, inner)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(obj, list) and _nested(obj):
        return "[\n" + ",\n".join(inner + _render(x, inner) for x in obj) + "\n" + indent + "]"
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def dumps(network: ir.Network, references: Mapping[str, Any] | None = None) -> str:
    """Deterministic, indented JSON text of the spec (each weight row on one line)."""
    return _render(to_json(network, references), "") + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the spec format."""
    text = resources.files("nnconvert").joinpath("schema", "network.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def from_json(spec: Mapping[str, Any] | str | os.PathLike) -> ir.Network:
    """Read a spec (a dict, JSON text, or a path to a file) into a validated Network."""
    data = load_document(spec)
    if not isinstance(data, Mapping):
        raise InvalidNetwork("a network spec must be a JSON object")
    if data.get("format") != FORMAT:
        raise InvalidNetwork(f"not an nnconvert network spec: 'format' is {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version") != VERSION:
        raise InvalidNetwork(
            f"unsupported spec version {data.get('version')!r}; this nnconvert reads version {VERSION}"
        )
    unknown = sorted(set(data) - {"format", "version", "metadata", "input", "inputs", "nodes", "outputs", "references"})
    if unknown:
        raise InvalidNetwork(f"unknown top-level field {unknown[0]!r}")
    inp = data.get("input")
    if not isinstance(inp, Mapping) or inp.get("name", ir.INPUT) != ir.INPUT:
        raise InvalidNetwork(f"'input' must be an object with name {ir.INPUT!r} and n_features")
    n_features = inp.get("n_features")
    if not isinstance(n_features, int) or isinstance(n_features, bool):
        raise InvalidNetwork(f"input 'n_features' must be a positive integer, got {n_features!r}")
    nodes, outputs = data.get("nodes"), data.get("outputs")
    if not isinstance(nodes, list):
        raise InvalidNetwork("'nodes' must be a list of node objects")
    if not isinstance(outputs, Mapping) or not all(isinstance(v, str) for v in outputs.values()):
        raise InvalidNetwork("'outputs' must be an object mapping method names to tensor names")
    parsed = [parse_node(d, i) for i, d in enumerate(nodes)]
    net = ir.Network(
        n_features=n_features,
        nodes=tuple(n for n, _ in parsed),
        outputs=dict(outputs),
        meta=parse_metadata(data, inp),
        inputs=None if data.get("inputs") is None else ir.inputs_from_json(data["inputs"]),
    )
    check_info(net, {n.name: info for n, info in parsed})
    check_network(net, "the network spec")  # before any work: sizes a short spec may claim
    if data.get("references") is not None:
        from nnconvert.check.selfcheck import validate_references

        validate_references(data["references"], n_features)
    return net


def read_references(spec: Mapping[str, Any] | str | os.PathLike) -> dict[str, Any] | None:
    """The validated ``"references"`` object of a spec (see nnconvert.check.selfcheck), or None."""
    data = load_document(spec)
    if not isinstance(data, Mapping) or data.get("references") is None:
        return None
    from nnconvert.check.selfcheck import validate_references

    n_features = (data.get("input") or {}).get("n_features") if isinstance(data.get("input"), Mapping) else None
    return validate_references(data["references"], n_features)
