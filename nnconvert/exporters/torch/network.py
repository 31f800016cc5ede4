"""A Network as a ``torch.nn.Module``: one registered module per node, run in topological order.

``to_torch(network)`` returns a :class:`TorchNetwork` whose ``forward(X)`` returns
``{estimator method: tensor}``, the outputs of the ONNX interface. Label outputs: integer class
labels come back as themselves (int64); other labels (strings, floats, bools: torch has no
strings) come back as class indices into ``module.classes_``. With ``soft=True`` steps, argmax
and threshold heads are smooth (see :mod:`nnconvert.exporters.torch.layers`), so a label output
is a soft one-hot ``[N, n_classes]`` (argmax) or the soft indicator of ``classes_[1]`` (threshold).

Named column inputs (``Network.inputs``): torch has no string tensors, so ``forward`` always
takes the internal float ``X [N, n_features]`` (string columns as their codes, see
:mod:`nnconvert.ir.inputs`), and ``module.encode(columns)`` builds it from the columns by name
(a mapping or a DataFrame, ``nnconvert.runtime.columns.encode_columns``):
``module(module.encode(df))``. ``module.inputs`` lists the inputs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from nnconvert import ir
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.torch.layers import ColumnScale
from nnconvert.exporters.torch.registry import TORCH_DTYPES, BuildContext, build_module, check_temperature
from nnconvert.exporters.torch.trees import trained_thresholds


def _module_keys(names: list[str]) -> list[str]:
    """Attribute-safe, unique keys for node names (a module name may not hold '.' or be empty)."""
    keys: list[str] = []
    for name in names:
        base = re.sub(r"\W", "_", name) or "node"
        base = f"n_{base}" if base[0].isdigit() else base
        key, k = base, 1
        while key in keys or hasattr(nn.Module, key):
            key, k = f"{base}_{k}", k + 1
        keys.append(key)
    return keys


class TorchNetwork(nn.Module):
    """The network's layers (``self.layers[key]``, a ``ModuleDict`` in node order) and its wiring.

    Attributes: ``classes_`` (the classifier's labels, numpy, or None), ``index_outputs`` (the
    label outputs returned as class indices, and their classes: ``classes_`` for a classifier), ``outputs`` (method -> tensor name),
    ``dtype``, ``soft`` and ``temperature``.
    """

    def __init__(self, network: ir.Network, ctx: BuildContext) -> None:
        super().__init__()
        ctx = dataclasses.replace(ctx, network=network)
        keys = _module_keys([n.name for n in network.nodes])
        self.layers = nn.ModuleDict({key: build_module(n, ctx) for key, n in zip(keys, network.nodes, strict=True)})
        self._wiring = [(key, n.name, tuple(n.inputs)) for key, n in zip(keys, network.nodes, strict=True)]
        self.outputs: Mapping[str, str] = dict(network.outputs)
        self.n_features = network.n_features
        self.inputs: tuple[ir.ColumnInput, ...] | None = network.inputs
        self.dtype = ctx.dtype
        self.soft, self.temperature = ctx.soft, ctx.temperature
        meta = network.meta
        self.classes_ = None if meta.classes is None else ir.as_classes(list(meta.classes))
        self.feature_names_ = meta.feature_names
        infos = {m: network.info(t) for m, t in self.outputs.items()}
        self.index_outputs: dict[str, np.ndarray] = {
            m: i.classes
            for m, i in infos.items()
            if i.kind == "label" and i.classes.dtype.kind not in "iu"  # type: ignore[union-attr]
        }
        # integer labels run as int64; decode gives them back in the classes' own dtype (uint8, int32...)
        self.label_dtypes: dict[str, np.dtype] = {
            m: i.classes.dtype  # type: ignore[union-attr]
            for m, i in infos.items()
            if i.kind == "label" and i.classes.dtype.kind in "iu"  # type: ignore[union-attr]
        }
        self.estimator = meta.estimator_name

    def forward(self, X: torch.Tensor) -> dict[str, torch.Tensor]:
        values: dict[str, torch.Tensor] = {ir.INPUT: X.to(self.dtype)}
        for key, name, inputs in self._wiring:
            values[name] = self.layers[key](*(values[i] for i in inputs))
        return {method: values[tensor] for method, tensor in self.outputs.items()}

    def encode(self, columns: object) -> torch.Tensor:
        """The internal ``X`` (in the module's dtype) of a network with named inputs, from its
        columns by name: a mapping name -> array or a pandas DataFrame."""
        from nnconvert.errors import DataError
        from nnconvert.runtime.columns import encode_inputs

        if not self.inputs:
            raise DataError("this network takes one matrix X, not named columns")
        X = encode_inputs(self.inputs, self.n_features, columns, np.float64)
        return torch.as_tensor(X).to(self.dtype)

    def decode(self, outputs: Mapping[str, torch.Tensor]) -> dict[str, np.ndarray]:
        """Outputs as numpy arrays, class indices turned back into the class labels."""
        out = {m: v.detach().cpu().numpy() for m, v in outputs.items()}
        if not self.soft:
            for m, classes in self.index_outputs.items():
                out[m] = classes[out[m]]
            for m, dtype in self.label_dtypes.items():
                out[m] = out[m].astype(dtype, copy=False)
        return out


def to_torch(
    network: ir.Network, *, dtype: str = "float32", soft: bool = False, temperature: float | None = None
) -> TorchNetwork:
    """``network`` as a :class:`TorchNetwork` in ``dtype``; ``soft`` smooths the discrete decisions
    at ``temperature`` ``t`` (default 1): ``step(x) -> sigmoid(x / t)``, ``argmax -> softmax(x / t)``."""
    if dtype not in TORCH_DTYPES:
        raise InvalidNetwork(f"dtype must be float32 or float64, got {dtype!r}")
    t = check_temperature(soft, temperature)
    return TorchNetwork(network, BuildContext(TORCH_DTYPES[dtype], soft=bool(soft), temperature=t))


def with_trained_weights(network: ir.Network, module: TorchNetwork) -> ir.Network:
    """``network`` with the (fine-tuned) weights of ``module``: dense weights and biases, kernel
    centres, tree split thresholds and leaf values (soft modules), back in float64, so the trained network exports exactly (ONNX, JSON, torch) again."""
    if len(module._wiring) != len(network.nodes):
        raise InvalidNetwork("the module was not built from this network")
    nodes = []
    for (key, name, _), node in zip(module._wiring, network.nodes, strict=True):
        if name != node.name:
            raise InvalidNetwork(f"the module was not built from this network (node {name!r} vs {node.name!r})")
        layer = module.layers[key]
        params = {k: v.detach().cpu().double().numpy() for k, v in layer.named_parameters()}
        if isinstance(node, ir.Dense):
            if isinstance(layer, ColumnScale):
                weight = layer.weight_matrix()
            else:
                weight = node.weight if node.is_translation else params["weight"].T
            node = ir.Dense(name=node.name, input=node.input, weight=weight, bias=params["bias"], source=node.source)
        elif isinstance(node, ir.Distance):
            node = ir.Distance(
                name=node.name, input=node.input, centres=params["centres"], metric=node.metric, source=node.source
            )
        elif isinstance(node, (ir.TreeSplits, ir.TreeEnsemble)) and params:
            changes = {"threshold": trained_thresholds(node, layer)}
            if "values" in params:
                changes["values"] = params["values"]
            node = dataclasses.replace(node, **changes)
        elif params:
            raise InvalidNetwork(f"cannot write back the weights of node kind {type(node).__name__}")
        nodes.append(node)
    return network.replace(nodes=tuple(nodes))
