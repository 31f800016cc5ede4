"""The combine node: elementwise sums and products of tensors of one shape.

Kernels built from other kernels (``sklearn.gaussian_process.kernels.Sum`` and ``Product``:
``k1(x, y) + k2(x, y)``, ``k1(x, y) * k2(x, y)``) and kernels whose activation is a product of
two functions of one distance (Matern 3/2: ``(1 + t) exp(-t)``) multiply or add whole kernel
layers: no dense layer expresses that without ``n^2`` weights, so this kind exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, register_node

COMBINE_FNS = {
    "add": "y = bias + sum_i coeffs_i * x_i (elementwise, left to right)",
    "mul": "y = prod_i x_i (elementwise, left to right)",
}


@register_node
@dataclass(frozen=True, eq=False)
class Combine(Node):
    """Elementwise ``y = bias + sum_i coeffs_i x_i`` (``fn="add"``) or ``y = prod_i x_i``
    (``fn="mul"``) over ``sources`` of one shape."""

    op: ClassVar[str] = "combine"
    sources: tuple[str, ...]
    fn: str = "add"
    coeffs: tuple[float, ...] = ()
    bias: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "coeffs", tuple(float(c) for c in self.coeffs))
        object.__setattr__(self, "bias", float(self.bias))
        if self.fn not in COMBINE_FNS:
            raise InvalidNetwork(f"combine {self.name!r}: fn must be one of {', '.join(COMBINE_FNS)}, got {self.fn!r}")
        if not self.sources:
            raise InvalidNetwork(f"combine {self.name!r} needs at least one input")
        if self.fn == "add" and len(self.coeffs) != len(self.sources):
            raise InvalidNetwork(f"combine {self.name!r}: {len(self.coeffs)} coeffs for {len(self.sources)} inputs")
        if self.fn == "mul" and (self.coeffs or self.bias):
            raise InvalidNetwork(f"combine {self.name!r}: a product takes no coeffs or bias")
        if not all(np.isfinite([*self.coeffs, self.bias])):
            raise InvalidNetwork(f"combine {self.name!r}: coeffs and bias must be finite")

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.sources

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        widths = {self._float2d(t) for t in ins}
        if len(widths) != 1:
            raise InvalidNetwork(f"combine {self.name!r}: inputs have different widths {sorted(widths)}")
        return TensorInfo(widths.pop())


def combine(node: Combine, xs: list[np.ndarray]) -> np.ndarray:
    """Runtime kernel, in the order the ONNX emitter uses (left to right)."""
    if node.fn == "mul":
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return y
    dt = xs[0].dtype.type
    y = xs[0] * dt(node.coeffs[0])
    for c, x in zip(node.coeffs[1:], xs[1:], strict=True):
        y = y + x * dt(c)
    return y + dt(node.bias) if node.bias else y
