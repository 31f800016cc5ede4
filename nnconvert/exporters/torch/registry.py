"""The torch exporter's registry: one module factory per IR node kind.

A factory ``fn(node, ctx) -> torch.nn.Module`` builds the module computing the value
``node.name`` from the node's inputs (``module(*inputs)``), with the same arithmetic as
``nnconvert.runtime`` so float64 modules agree with the numpy reference to rounding. Node kinds
defined elsewhere add theirs with :func:`register_module`; a kind with no factory is refused with
a one-line :class:`~nnconvert.errors.InvalidNetwork`, never approximated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from nnconvert import ir
from nnconvert.errors import InvalidNetwork

TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class BuildContext:
    """How modules are built: the float ``dtype`` of every float tensor and weight, and, when
    ``soft``, the ``temperature`` ``t`` of the smooth stand-ins for discrete decisions
    (a step ``x > 0`` becomes ``sigmoid(x / t)``, an argmax a ``softmax(x / t)``)."""

    dtype: torch.dtype
    soft: bool = False
    temperature: float = 1.0
    network: ir.Network | None = field(default=None, compare=False, repr=False)  # set by TorchNetwork

    def input_info(self, node: ir.Node, i: int = 0) -> ir.TensorInfo:
        """The tensor info of ``node``'s ``i``-th input (label kinds need their input's classes)."""
        if self.network is None:
            raise InvalidNetwork(f"{node.op} {node.name!r} is built inside a network (to_torch)")
        return self.network.info(node.inputs[i])

    def tensor(self, value: Any) -> torch.Tensor:
        """A float constant in the module dtype (rounded from float64, as the numpy runtime does)."""
        return torch.tensor(np.asarray(value, dtype=np.float64), dtype=self.dtype)

    def parameter(self, value: Any) -> torch.nn.Parameter:
        """A trainable weight in the module dtype."""
        return torch.nn.Parameter(self.tensor(value))


ModuleFactory = Callable[[Any, BuildContext], torch.nn.Module]
_FACTORIES: dict[type, ModuleFactory] = {}


def register_module(node_type: type, fn: ModuleFactory) -> None:
    """Teach the torch exporter a node kind: ``fn(node, ctx)`` returns the module computing it."""
    if node_type in _FACTORIES:
        raise ValueError(f"torch module for {node_type.__name__} registered twice")
    _FACTORIES[node_type] = fn


def build_module(node: ir.Node, ctx: BuildContext) -> torch.nn.Module:
    """The module of ``node``, from its registered factory."""
    factory = _FACTORIES.get(type(node))
    if factory is None:
        raise InvalidNetwork(f"the torch exporter has no module for node kind {type(node).__name__} ({node.op!r})")
    return factory(node, ctx)


def check_temperature(soft: bool, temperature: float | None) -> float:
    """The temperature to build with: 1.0 by default when ``soft``, refused when not soft."""
    if not soft:
        if temperature is not None:
            raise InvalidNetwork("temperature applies only to soft=True networks")
        return 1.0
    t = 1.0 if temperature is None else float(temperature)
    if not (math.isfinite(t) and t > 0):
        raise InvalidNetwork(f"temperature must be a positive finite number, got {temperature!r}")
    return t
