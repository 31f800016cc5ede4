"""JSON network spec: a Network <-> a versioned, human-readable JSON document.

Nodes are written generically from their dataclass fields (``ir.NODE_TYPES`` maps ``op`` to the
class), so a new node kind needs no change here: float64 arrays become nested lists of floats
(Python's float repr is the shortest round-trip form, so weights come back bit-exact), other
arrays and class labels become ``{"dtype": ..., "values": [...]}``, tuples become lists and
provenance mappings objects. ``neurons`` (output width) and ``activation`` (the activation the
node's only consumer applies) are written for readers and checked when read back.
The format is described in ``nnconvert/schema/network.schema.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import InvalidNetwork, ModelLoadError

FORMAT = "nnconvert-network"
VERSION = 1
_DTYPES = {"i": "int64", "U": "str", "f": "float64", "b": "bool"}
_INFO_KEYS = ("neurons", "activation")


def _fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.name != "name"]


def _typed(arr: np.ndarray) -> dict[str, Any]:
    """A non-float64 array (class labels, integer tables) as ``{"dtype", "values"}``."""
    if arr.dtype.kind in "USO":
        arr = ir.as_classes(arr) if arr.ndim == 1 else arr.astype(str)
    return {"dtype": _DTYPES.get(arr.dtype.kind, arr.dtype.name), "values": arr.tolist()}


def _value(v: Any, field: str) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist() if v.dtype == np.float64 and field != "classes" else _typed(v)
    if isinstance(v, Mapping):
        return {str(k): _value(x, field) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [_value(x, field) for x in v]
    return v.item() if isinstance(v, np.generic) else v


def to_json(network: ir.Network, references: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The spec of ``network`` as a JSON-ready dict; ``references`` (see nnconvert.selfcheck)
    become the optional top-level ``"references"`` object."""
    m = network.meta
    nodes = []
    for node in network.nodes:
        d: dict[str, Any] = {"name": node.name, "op": node.op, "neurons": network.info(node.name).width}
        consumers = network.consumers(node.name)
        if node.op != "activation" and len(consumers) == 1 and isinstance(consumers[0], ir.Activation):
            d["activation"] = consumers[0].fn
        d.update({f.name: _value(getattr(node, f.name), f.name) for f in _fields(type(node))})
        nodes.append(d)
    classes = None if m.classes is None else _typed(ir.as_classes(list(m.classes)))
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


# ---------------------------------------------------------------------------------------- reading


def _load(spec: Mapping[str, Any] | str | os.PathLike) -> Any:
    if not isinstance(spec, (str, os.PathLike)):
        return spec  # a parsed document (from_json checks that it is an object)
    if isinstance(spec, str) and spec.lstrip().startswith(("{", "[")):
        text, where = spec, "network spec"
    else:
        try:
            with open(spec, encoding="utf-8") as fh:
                text, where = fh.read(), os.fspath(spec)
        except OSError as exc:
            raise ModelLoadError(f"cannot read network spec {spec!r}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidNetwork(f"{where} is not valid JSON: {exc}") from None


def _float_array(v: Any, where: str) -> np.ndarray:
    try:
        arr = np.asarray(v)
    except ValueError:
        raise InvalidNetwork(f"{where} is ragged (rows of different lengths)") from None
    if arr.dtype.kind not in "iuf":
        raise InvalidNetwork(f"{where} must be a (nested) list of numbers")
    return arr.astype(np.float64)


def _typed_array(v: Any, where: str) -> np.ndarray:
    if not isinstance(v, Mapping) or set(v) != {"dtype", "values"}:
        raise InvalidNetwork(f'{where} must be an object {{"dtype": ..., "values": [...]}}')
    dtype, values = v["dtype"], v["values"]
    kinds = {"int64": (int,), "str": (str,), "float64": (int, float), "bool": (bool,)}
    if dtype not in kinds:
        if not isinstance(dtype, str):
            raise InvalidNetwork(f"{where}: dtype must be a string")
        try:
            return np.asarray(values, dtype=np.dtype(dtype))
        except (TypeError, ValueError) as exc:
            raise InvalidNetwork(f"{where}: {exc}") from None
    if not isinstance(values, list) or not values:
        raise InvalidNetwork(f"{where}: values must be a non-empty list")
    flat = values
    while flat and all(isinstance(x, list) for x in flat):  # a table (e.g. an int matrix): check its entries
        flat = [y for x in flat for y in x]
    for x in flat:
        if not isinstance(x, kinds[dtype]) or (dtype != "bool" and isinstance(x, bool)):
            raise InvalidNetwork(f"{where}: value {x!r} is not {dtype}")
    try:
        return np.asarray(values, dtype={"str": str}.get(dtype, dtype))
    except (OverflowError, ValueError):
        raise InvalidNetwork(f"{where}: values do not fit {dtype} (or rows differ in length)") from None


def _convert(v: Any, f: dataclasses.Field, where: str) -> Any:
    """A JSON value for field ``f``, checked against its annotation."""
    t = str(f.type)
    if v is None and "None" in t:
        return None
    if "ndarray" in t:
        return _typed_array(v, where) if f.name == "classes" or isinstance(v, Mapping) else _float_array(v, where)
    checks: dict[str, tuple[tuple[type, ...], str]] = {
        "str": ((str,), "a string"),
        "bool": ((bool,), "true or false"),
        "int": ((int,), "an integer"),
        "float": ((int, float), "a number"),
        "tuple[str, ...]": ((list,), "a list of strings"),
        "tuple[float, ...]": ((list,), "a list of numbers"),
        "Mapping[str, str]": ((Mapping,), "an object of strings"),
    }
    if t in checks:
        kinds, what = checks[t]
        ok = isinstance(v, kinds) and not (isinstance(v, bool) and t in ("int", "float"))
        if ok and t == "tuple[str, ...]":
            ok = all(isinstance(x, str) for x in v)
        if ok and t == "tuple[float, ...]":
            ok = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
        if ok and t == "Mapping[str, str]":
            ok = all(isinstance(x, str) for x in v.values())
        if not ok:
            raise InvalidNetwork(f"{where} must be {what}, got {json.dumps(v)[:60]}")
        return tuple(v) if t.startswith("tuple") else v
    return v


def _node(d: Any, i: int) -> tuple[ir.Node, dict[str, Any]]:
    if not isinstance(d, Mapping):
        raise InvalidNetwork(f"nodes[{i}] must be an object")
    name, op = d.get("name"), d.get("op")
    if not isinstance(name, str) or not name:
        raise InvalidNetwork(f"nodes[{i}] needs a 'name' (a non-empty string)")
    where = f"node {name!r} (nodes[{i}])"
    if op not in ir.NODE_TYPES:
        raise InvalidNetwork(f"{where}: unknown op {op!r}; known: {', '.join(ir.NODE_TYPES)}")
    cls = ir.NODE_TYPES[op]
    fields = {f.name: f for f in _fields(cls)}
    unknown = sorted(set(d) - {"name", "op", *_INFO_KEYS, *fields})
    if unknown:
        raise InvalidNetwork(f"{where}: unknown field {unknown[0]!r} for op {op!r}; known: {', '.join(fields)}")
    kwargs = {k: _convert(d[k], fields[k], f"{where} field {k!r}") for k in fields if k in d}
    if cls is ir.Dense and "bias" not in kwargs and "weight" in kwargs and kwargs["weight"].ndim == 2:
        kwargs["bias"] = np.zeros(kwargs["weight"].shape[1])  # bias is optional in a hand-written spec
    missing = [
        k for k, f in fields.items() if k not in kwargs and f.default is f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise InvalidNetwork(f"{where}: missing field {missing[0]!r}")
    try:
        node = cls(name=name, **kwargs)
    except InvalidNetwork:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidNetwork(f"{where}: {exc}") from None
    return node, {k: d[k] for k in _INFO_KEYS if k in d}


def _check_info(net: ir.Network, infos: dict[str, dict[str, Any]]) -> None:
    for name, info in infos.items():
        if "neurons" in info and info["neurons"] != net.info(name).width:
            raise InvalidNetwork(
                f"node {name!r}: 'neurons' says {info['neurons']}, the node gives {net.info(name).width}"
            )
        if "activation" in info:
            consumers = net.consumers(name)
            fns = [c.fn for c in consumers if isinstance(c, ir.Activation)]
            if len(consumers) != 1 or fns != [info["activation"]]:
                raise InvalidNetwork(
                    f"node {name!r}: 'activation' says {info['activation']!r} but its consumers are "
                    f"{[c.name for c in consumers]}; add an activation node instead"
                )


def _no_unknown(obj: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(obj) - set(known))
    if unknown:
        raise InvalidNetwork(f"unknown {where} field {unknown[0]!r}; known: {', '.join(known)}")


def _metadata(spec: Mapping[str, Any], inp: Mapping[str, Any]) -> ir.Metadata:
    meta = spec.get("metadata", {})
    if not isinstance(meta, Mapping):
        raise InvalidNetwork("'metadata' must be an object")
    _no_unknown(meta, ("estimator", "task", "sklearn_version", "classes", "description", "extra"), "metadata")
    _no_unknown(inp, ("name", "n_features", "feature_names"), "input")
    for key in ("estimator", "task", "description", "sklearn_version"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise InvalidNetwork(f"metadata {key!r} must be a string")
    classes = meta.get("classes")
    if classes is not None:
        classes = tuple(_typed_array(classes, "metadata 'classes'").tolist())
    names = inp.get("feature_names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise InvalidNetwork("input 'feature_names' must be a list of strings")
    if names is not None and len(names) != inp.get("n_features"):
        raise InvalidNetwork(f"input has {len(names)} feature_names for {inp.get('n_features')} features")
    extra = meta.get("extra") or {}
    if not isinstance(extra, Mapping):
        raise InvalidNetwork("metadata 'extra' must be an object")
    return ir.Metadata(
        estimator=meta.get("estimator") or "custom",
        task=meta.get("task") or "custom",
        sklearn_version=meta.get("sklearn_version"),
        classes=classes,
        feature_names=None if names is None else tuple(names),
        description=meta.get("description") or "",
        extra=dict(extra),
    )


def from_json(spec: Mapping[str, Any] | str | os.PathLike) -> ir.Network:
    """Read a spec (a dict, JSON text, or a path to a file) into a validated Network."""
    data = _load(spec)
    if not isinstance(data, Mapping):
        raise InvalidNetwork("a network spec must be a JSON object")
    if data.get("format") != FORMAT:
        raise InvalidNetwork(f"not an nnconvert network spec: 'format' is {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version") != VERSION:
        raise InvalidNetwork(
            f"unsupported spec version {data.get('version')!r}; this nnconvert reads version {VERSION}"
        )
    unknown = sorted(set(data) - {"format", "version", "metadata", "input", "nodes", "outputs", "references"})
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
    parsed = [_node(d, i) for i, d in enumerate(nodes)]
    net = ir.Network(
        n_features=n_features,
        nodes=tuple(n for n, _ in parsed),
        outputs=dict(outputs),
        meta=_metadata(data, inp),
    )
    _check_info(net, {n.name: info for n, info in parsed})
    if data.get("references") is not None:
        from nnconvert.selfcheck import validate_references

        validate_references(data["references"], n_features)
    return net


def read_references(spec: Mapping[str, Any] | str | os.PathLike) -> dict[str, Any] | None:
    """The validated ``"references"`` object of a spec (see nnconvert.selfcheck), or None."""
    data = _load(spec)
    if not isinstance(data, Mapping) or data.get("references") is None:
        return None
    from nnconvert.selfcheck import validate_references

    n_features = (data.get("input") or {}).get("n_features") if isinstance(data.get("input"), Mapping) else None
    return validate_references(data["references"], n_features)
