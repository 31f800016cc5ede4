"""Reading a JSON network spec's parts back: nodes, metadata and field values, all checked.

Each node field's JSON value is checked against the field's annotation on the node's dataclass
(``ir.NODE_TYPES`` maps ``op`` to the class): float64 arrays from nested lists of numbers,
other arrays and class labels from ``{"dtype": ..., "values": [...]}``. The informational keys
``neurons`` and ``activation`` are checked against the built network. Used by
:func:`nnconvert.exporters.json_spec.from_json`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import InvalidNetwork, ModelLoadError

INFO_KEYS = ("neurons", "activation")


def node_fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.name != "name"]


def load_document(spec: Mapping[str, Any] | str | os.PathLike) -> Any:
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
    """``{"dtype": d, "values": [...]}`` with ``d`` one of ``ir.LABEL_DTYPES``, every value
    (of a list or a table) checked against ``d``'s kind and range."""
    if not isinstance(v, Mapping) or set(v) != {"dtype", "values"}:
        raise InvalidNetwork(f'{where} must be an object {{"dtype": ..., "values": [...]}}')
    dtype, values = v["dtype"], v["values"]
    if dtype not in ir.LABEL_DTYPES:
        raise InvalidNetwork(f"{where}: dtype must be one of {', '.join(ir.LABEL_DTYPES)}, got {dtype!r}")
    np_dtype = np.dtype(str if dtype == "str" else dtype)
    kinds: dict[str, tuple[type, ...]] = {"i": (int,), "u": (int,), "f": (int, float), "b": (bool,), "U": (str,)}
    if not isinstance(values, list) or not values:
        raise InvalidNetwork(f"{where}: values must be a non-empty list")
    flat = values
    while flat and all(isinstance(x, list) for x in flat):  # a table (e.g. an int matrix): check its entries
        flat = [y for x in flat for y in x]
    for x in flat:
        if not isinstance(x, kinds[np_dtype.kind]) or (dtype != "bool" and isinstance(x, bool)):
            raise InvalidNetwork(f"{where}: value {x!r} is not {dtype}")
    try:
        arr = np.asarray(values, dtype=np_dtype)
    except (OverflowError, ValueError):
        raise InvalidNetwork(f"{where}: values do not fit {dtype} (or rows differ in length)") from None
    if np_dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise InvalidNetwork(f"{where}: values overflow {dtype}")
    return arr


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


def parse_node(d: Any, i: int) -> tuple[ir.Node, dict[str, Any]]:
    if not isinstance(d, Mapping):
        raise InvalidNetwork(f"nodes[{i}] must be an object")
    name, op = d.get("name"), d.get("op")
    if not isinstance(name, str) or not name:
        raise InvalidNetwork(f"nodes[{i}] needs a 'name' (a non-empty string)")
    where = f"node {name!r} (nodes[{i}])"
    if op not in ir.NODE_TYPES:
        raise InvalidNetwork(f"{where}: unknown op {op!r}; known: {', '.join(ir.NODE_TYPES)}")
    cls = ir.NODE_TYPES[op]
    fields = {f.name: f for f in node_fields(cls)}
    unknown = sorted(set(d) - {"name", "op", *INFO_KEYS, *fields})
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
    return node, {k: d[k] for k in INFO_KEYS if k in d}


def check_info(net: ir.Network, infos: dict[str, dict[str, Any]]) -> None:
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


def parse_metadata(spec: Mapping[str, Any], inp: Mapping[str, Any]) -> ir.Metadata:
    meta = spec.get("metadata", {})
    if not isinstance(meta, Mapping):
        raise InvalidNetwork("'metadata' must be an object")
    _no_unknown(meta, ("estimator", "task", "sklearn_version", "classes", "description", "extra"), "metadata")
    _no_unknown(inp, ("name", "n_features", "feature_names"), "input")
    for key in ("estimator", "task", "description", "sklearn_version"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise InvalidNetwork(f"metadata {key!r} must be a string")
    classes, classes_dtype = meta.get("classes"), None
    if classes is not None:
        arr = _typed_array(classes, "metadata 'classes'")
        classes, classes_dtype = tuple(arr.tolist()), ir.label_dtype(arr)
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
        classes_dtype=classes_dtype,
        feature_names=None if names is None else tuple(names),
        description=meta.get("description") or "",
        extra=dict(extra),
    )
