"""A TorchNetwork as a ``torch.export`` program file (``.pt2``), loadable without nnconvert.

``torch.export.load(path).module()(X)`` returns the outputs dict; the file also holds
``nnconvert.json`` (``torch.export.load(path, extra_files={"nnconvert.json": ""})``): the
estimator, dtype, feature names, ``classes`` and which outputs are class indices into them.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np
import torch

import nnconvert
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.torch.network import TorchNetwork

META_FILE = "nnconvert.json"


def program_metadata(module: TorchNetwork) -> dict[str, Any]:
    """What a reader needs besides the program: labels, outputs and where they came from."""
    return {
        "nnconvert_version": nnconvert.__version__,
        "estimator": module.estimator,
        "dtype": str(module.dtype).removeprefix("torch."),
        "n_features": module.n_features,
        "feature_names": None if module.feature_names_ is None else list(module.feature_names_),
        "classes": None if module.classes_ is None else module.classes_.tolist(),
        "outputs": list(module.outputs),
        "index_outputs": {m: c.tolist() for m, c in module.index_outputs.items()},
        # named column inputs and how they fill X (string columns as codes; see nnconvert.ir.inputs)
        "inputs": None if not module.inputs else [i.to_dict() for i in module.inputs],
    }


def export_program(module: TorchNetwork) -> torch.export.ExportedProgram:
    """``torch.export`` of ``module`` for any number of rows (``X`` ``[N, n_features]``)."""
    if module.soft:
        raise InvalidNetwork("export the exact network (soft=False); a soft network is for training")
    example = torch.zeros((2, module.n_features), dtype=module.dtype)
    rows = torch.export.Dim("N")
    with torch.no_grad():
        return torch.export.export(module.eval(), (example,), dynamic_shapes={"X": {0: rows}})


def save_program(module: TorchNetwork, path: str | os.PathLike) -> None:
    """Write the exported program of ``module`` and its metadata to ``path``."""
    meta = json.dumps(program_metadata(module), sort_keys=True)
    program = export_program(module)
    with warnings.catch_warnings():
        # torch.export.save's weight packing notes that CPU weights share no storage: harmless here.
        warnings.filterwarnings("ignore", "No complete tensor found", UserWarning)
        torch.export.save(program, os.fspath(path), extra_files={META_FILE: meta})


def load_program(path: str | os.PathLike) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The callable module of a ``.pt2`` file and its nnconvert metadata."""
    extra = {META_FILE: ""}
    program = torch.export.load(os.fspath(path), extra_files=extra)
    return program.module(), json.loads(extra[META_FILE] or "{}")


def decode_program_outputs(outputs: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, np.ndarray]:
    """A loaded program's outputs as numpy, class indices turned back into class labels."""
    out = {m: v.detach().cpu().numpy() for m, v in outputs.items()}
    for m, classes in meta.get("index_outputs", {}).items():
        out[m] = np.asarray(classes)[out[m]]
    return out
