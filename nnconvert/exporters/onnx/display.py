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

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from nnconvert import ir
from nnconvert.errors import InvalidNetwork, NnconvertError

DISPLAY_KEY = "nnconvert_display_network"
INLINE_MAX = 16  # arrays up to this many values stay inline
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


def _pointer(node: ir.Node, field: str, value: np.ndarray, inits: dict[str, onnx.TensorProto], dtype: np.dtype) -> Any:
    """``{"initializer", "transform"}`` for an array the graph already holds, else None."""
    for suffix, transform in _HOMES.get((type(node), field), ()):
        tensor = inits.get(node.name + suffix)
        if tensor is None:
            continue
        back = _BACK[transform](numpy_helper.to_array(tensor).astype(np.float64))
        if back.shape == value.shape and np.array_equal(back, value.astype(dtype).astype(np.float64)):
            return {"initializer": tensor.name, "transform": transform}
    return None


def display_spec(network: ir.Network, model: onnx.ModelProto, dtype: np.dtype) -> str:
    """The JSON text stored under :data:`DISPLAY_KEY` for ``model`` (see the module doc)."""
    from nnconvert.exporters.json_spec import to_json

    spec = to_json(network)
    inits = _initializers(model)
    for node, d in zip(network.nodes, spec["nodes"], strict=True):
        for field, value in node.params().items():
            if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.size > INLINE_MAX:
                pointer = _pointer(node, field, value, inits, dtype)
                if pointer is not None:
                    d[field] = pointer
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
        return from_json(spec)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, NnconvertError) as exc:
        raise InvalidNetwork(f"the display description in this ONNX file is broken: {exc}") from None
