"""A display-only description of the network inside the ONNX files nnconvert writes, so that
``draw``, ``explain`` and ``inspect`` can show the layers of a ``.onnx`` file.

The description is the JSON network spec (without references) under the metadata key
:data:`DISPLAY_KEY`. Large weight arrays are not written twice: a field ``{"initializer":
name, "transform": t}`` points at the graph initializer that already holds it, in the graph's
float type, with ``t`` the exact map back (``""`` as is, ``"-T/2"`` for the ``-2 c^T`` of the
squared-distance product, ``"[:-2].T/2"`` for the RBF kernel's ``[[2 c^T], [-1], [-|c|^2]]``, ``"eye"`` for a shift's identity weight; all exact, so float64 files show the weights bit for bit and float32
files show them rounded to float32). A pointer is only written after checking that it reads the
array back, so emitter naming can change without breaking a file.

Security: this is for display only. Nothing in it decides what ``verify`` checks or forgives
(metadata can say anything); :func:`nnconvert.io.sources.open_source` never makes it a Source's
``network``, only its ``display_network``.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from nnconvert import ir
from nnconvert.errors import InvalidNetwork, NnconvertError
from nnconvert.limits import require

DISPLAY_KEY = "nnconvert_display_network"
INLINE_MAX = 16  # arrays up to this many values stay inline
PACK_MIN = 4096  # arrays no initializer holds, over this many values, are packed (see _packed)
_PACKABLE = "biuf"  # numpy kinds a packed array may have: bool, integers, floats
# transform name -> (graph array -> IR array); the inverse of what the emitters store
_BACK: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "": lambda a: a,
    "-T/2": lambda a: -a.T / 2,
    "[:-2].T/2": lambda a: a[:-2].T / 2,  # the RBF MatMul's [[2 c^T], [-1], [-|c|^2]]
    "eye": lambda a: np.eye(a.size),  # a shift's identity weight, never stored: sized by its bias
}
# (node kind, field) -> candidate (initializer suffix, transform), as the emitters in graph.py name them
_HOMES: dict[tuple[type, str], tuple[tuple[str, str], ...]] = {
    (ir.Dense, "weight"): ((".weight", ""), (".bias", "eye")),
    (ir.Dense, "bias"): ((".bias", ""),),
    (ir.Distance, "centres"): (
        (".centres_T_x_minus2", "-T/2"),
        (".rbf_weight", "[:-2].T/2"),
        (".centres", ""),
    ),
}


def _initializers(model: onnx.ModelProto) -> dict[str, onnx.TensorProto]:
    return {t.name: t for t in model.graph.initializer}


def _pointer(node: ir.Node, field: str, value: np.ndarray, inits: dict[str, onnx.TensorProto]) -> Any:
    """``{"initializer", "transform"}`` for an array the graph already holds, else None."""
    for suffix, transform in _HOMES.get((type(node), field), ()):
        tensor = inits.get(node.name + suffix)
        if tensor is None:
            continue
        stored = numpy_helper.to_array(tensor)
        back = _BACK[transform](stored)  # in the graph dtype: the transforms are exact there too
        if back.shape == value.shape and np.array_equal(back, value.astype(stored.dtype, copy=False)):
            return {"initializer": tensor.name, "transform": transform}
    return None


def _packed(value: np.ndarray) -> dict[str, Any]:
    """``{"zlib_base64", "dtype", "shape"}``: an array no initializer holds as is (a forest's node
    tables, laid out anew by the tree emitter), packed instead of listed number by number."""
    raw = zlib.compress(np.ascontiguousarray(value).tobytes(), 1)
    return {"zlib_base64": base64.b64encode(raw).decode("ascii"), "dtype": value.dtype.str, "shape": list(value.shape)}


def _unpacked(value: dict[str, Any], field: str) -> Any:
    """What :func:`nnconvert.exporters.json_spec.to_json` writes for the array :func:`_packed` packed;
    a dtype outside plain numbers, or bytes that do not fill the shape, is a broken description."""
    from nnconvert.exporters.json_spec.write import _value

    dt = np.dtype(str(value["dtype"]))
    shape = [int(s) for s in value["shape"]]
    if dt.kind not in _PACKABLE or any(s < 0 for s in shape):
        raise InvalidNetwork(f"packed array {field!r}: dtype {dt} or shape {shape} refused")
    want = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    require(f"packed display array {field!r}", want, "max_memory")  # before inflating anything
    inflate = zlib.decompressobj()
    raw = inflate.decompress(base64.b64decode(str(value["zlib_base64"]), validate=True), want + 1)
    if len(raw) != want or inflate.unconsumed_tail:
        raise InvalidNetwork(f"packed array {field!r}: {len(raw)} bytes for shape {shape} of {dt}")
    return _value(np.frombuffer(raw, dtype=dt).reshape(shape), field)


def display_spec(network: ir.Network, model: onnx.ModelProto) -> str:
    """The JSON text stored under :data:`DISPLAY_KEY` for ``model`` (see the module doc)."""
    from nnconvert.exporters.json_spec import to_json

    inits = _initializers(model)

    def pointer(node: ir.Node, field: str, value: np.ndarray) -> Any:  # never lists a big array
        if value.size <= INLINE_MAX:
            return None
        if value.dtype == np.float64:
            found = _pointer(node, field, value, inits)
            if found is not None:
                return found
        return _packed(value) if value.size > PACK_MIN and value.dtype.kind in _PACKABLE else None

    spec = to_json(network, arrays=pointer)
    return json.dumps(spec, separators=(",", ":"), allow_nan=False)


def read_display(model: onnx.ModelProto) -> ir.Network | None:
    """The display network of an nnconvert ONNX file (weights from its initializers), or None
    when the file carries none; InvalidNetwork when it carries a broken one."""
    from nnconvert.exporters.json_spec import from_json

    text = next((p.value for p in model.metadata_props if p.key == DISPLAY_KEY), None)
    if text is None:
        return None
    try:
        spec = json.loads(text)
        inits = _initializers(model)
        for d in spec["nodes"]:
            for field, value in list(d.items()):
                if isinstance(value, dict) and set(value) == {"initializer", "transform"}:
                    tensor = inits[value["initializer"]]
                    d[field] = _BACK[value["transform"]](numpy_helper.to_array(tensor).astype(np.float64)).tolist()
                elif isinstance(value, dict) and set(value) == {"zlib_base64", "dtype", "shape"}:
                    d[field] = _unpacked(value, field)
        return from_json(spec)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError, zlib.error, NnconvertError) as exc:
        raise InvalidNetwork(f"the display description in this ONNX file is broken: {exc}") from None
