"""The basic node kinds: affine neurons, activations, kernel (distance) neurons and concatenation.

Each kind states its math in its docstring and its shape rule in ``infer``; it registers itself
with :func:`nnconvert.ir.base.register_node` so the JSON reader knows its ``op``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, Work, f64_array, register_node, row_min


@register_node
@dataclass(frozen=True, eq=False)
class Dense(Node):
    """Affine neurons: ``y = x @ weight + bias``; ``weight`` is ``[n_in, n_out]``."""

    op: ClassVar[str] = "dense"
    input: str
    weight: np.ndarray
    bias: np.ndarray
    source: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", f64_array(self.weight, 2, f"dense {self.name!r} weight"))
        object.__setattr__(self, "bias", f64_array(self.bias, 1, f"dense {self.name!r} bias"))
        if self.bias.shape[0] != self.weight.shape[1]:
            raise InvalidNetwork(
                f"dense {self.name!r}: bias has {self.bias.shape[0]} entries, weight has {self.weight.shape[1]} columns"
            )
        object.__setattr__(self, "source", dict(self.source))

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.weight.shape[0]:
            raise InvalidNetwork(f"dense {self.name!r}: input width {width}, weight expects {self.weight.shape[0]}")
        return TensorInfo(self.weight.shape[1])

    @functools.cached_property
    def selection(self) -> np.ndarray | None:
        """Where every column of ``weight`` is a unit vector (one 1, zeros elsewhere), the input
        column each output copies: ``y = x[:, selection] + bias`` exactly (runtimes gather
        instead of multiplying; a NaN or infinity in another column stays out). None otherwise."""
        w = self.weight
        if not np.all((w == 0) | (w == 1)) or not np.all(w.sum(axis=0) == 1):
            return None
        sel = np.argmax(w, axis=0)
        sel.setflags(write=False)
        return sel

    @functools.cached_property
    def column_scale(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Where every column of ``weight`` has exactly one non-zero entry, ``(sel, mul)`` with
        ``y = x[:, sel] * mul + bias``: runtimes gather and multiply column by column, which is
        bit-identical to the matrix product on finite inputs and keeps a NaN in its column (a
        diagonal scaler after an imputer). None otherwise (a selection has ``mul`` all ones)."""
        w = self.weight
        nonzero = w != 0
        if not np.all(nonzero.sum(axis=0) == 1):
            return None
        sel = np.argmax(nonzero, axis=0)
        mul = w[sel, np.arange(w.shape[1])]
        sel.setflags(write=False)
        mul.setflags(write=False)
        return sel, mul

    @property
    def is_surjective(self) -> bool:
        """Every input column reaches some output (a column scale that drops no column)."""
        cs = self.column_scale
        return cs is not None and len(np.unique(cs[0])) == self.weight.shape[0]

    @functools.cached_property
    def is_translation(self) -> bool:
        """``weight`` is the identity: ``y = x + bias`` (a selection of every column in order)."""
        sel, w = self.selection, self.weight
        return sel is not None and w.shape[0] == w.shape[1] and bool(np.array_equal(sel, np.arange(w.shape[0])))

    @property
    def is_shift(self) -> bool:
        """A selection with a non-zero bias: ``y = x[:, sel] - c``. Kept apart by the simplifier:
        folded into the next layer, ``(x - c) W`` would become ``x W - c W``, which cancels when
        ``|c|`` is large against the spread of ``x`` (scikit-learn subtracts first)."""
        return self.selection is not None and bool(self.bias.any())


# name -> (does it take a parameter, math)
ACTIVATIONS: dict[str, str] = {
    "identity": "y = x",
    "relu": "y = max(x, 0)",
    "sigmoid": "y = 1 / (1 + exp(-x))",
    "tanh": "y = tanh(x)",
    "exp": "y = exp(x)",
    "log": "y = log(x)",
    "abs": "y = |x|",
    "softsign": "y = x / (1 + |x|)",
    "softmax": "y_i = exp(x_i) / sum_j exp(x_j) (per row)",
    "square": "y = x * x",
    "power": "y = x ** param (param an integer >= 1)",
    "step_gt": "y = 1 if x > 0 else 0",
    "step_ge": "y = 1 if x >= 0 else 0",
    "clip": "y = min(max(x, param[0]), param[1])",
    "reciprocal": "y = 1 / x",
    "sqrt": "y = sqrt(x)",
    "cos": "y = cos(x)",
    "round_float32": "y = float32(x) (scikit-learn's cast of X to float32; identity in a float32 network)",
    "erf": "y = erf(x) = 2 / sqrt(pi) * integral_0^x exp(-t^2) dt",
}


@register_node
@dataclass(frozen=True, eq=False)
class Activation(Node):
    """Elementwise activation ``fn`` (see :data:`ACTIVATIONS`), with ``param`` where it takes one."""

    op: ClassVar[str] = "activation"
    input: str
    fn: str
    param: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.fn not in ACTIVATIONS:
            raise InvalidNetwork(f"unknown activation {self.fn!r}; known: {', '.join(ACTIVATIONS)}")
        param = tuple(float(p) for p in self.param)
        object.__setattr__(self, "param", param)
        need = {"power": 1, "clip": 2}.get(self.fn, 0)
        if len(param) != need:
            raise InvalidNetwork(f"activation {self.fn!r} takes {need} parameters, got {len(param)}")
        if self.fn == "power" and (param[0] < 1 or param[0] != int(param[0])):
            raise InvalidNetwork(f"power activation needs an integer exponent >= 1, got {param[0]}")

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        if ins[0].kind != "float":
            raise InvalidNetwork(f"activation {self.name!r} needs a float input")
        if self.fn == "softmax" and ins[0].width is None:
            raise InvalidNetwork(f"softmax {self.name!r} needs a 2-D input")
        return TensorInfo(ins[0].width)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """Steps decide at 0: the margin is ``min_j |x_j|``."""
        return row_min(np.abs(inputs64[0])) if self.fn in ("step_gt", "step_ge") else None


DISTANCE_METRICS: dict[str, str] = {
    "sqeuclidean": "y_j = sum_i (x_i - c_ji)^2  (computed as |x|^2 - 2 x.c_j + |c_j|^2, clamped at 0)",
    "euclidean": "y_j = sqrt(sum_i (x_i - c_ji)^2)",
    "manhattan": "y_j = sum_i |x_i - c_ji|",
    "chebyshev": "y_j = max_i |x_i - c_ji|",
    "minkowski": "y_j = (sum_i |x_i - c_ji|^p)^(1/p)",
    "cosine": "y_j = clip(1 - x.c_j / (|x| |c_j|), 0, 2)  (a zero-norm row counts as norm 1)",
}


@register_node
@dataclass(frozen=True, eq=False)
class Distance(Node):
    """Kernel neurons: the distance from ``x`` to each centre (a row of ``centres``); ``p`` is
    the Minkowski power (used by ``metric="minkowski"`` only)."""

    op: ClassVar[str] = "distance"
    input: str
    centres: np.ndarray
    metric: str = "sqeuclidean"
    source: Mapping[str, str] = field(default_factory=dict)
    p: float = 2.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "centres", f64_array(self.centres, 2, f"distance {self.name!r} centres"))
        if self.metric not in DISTANCE_METRICS:
            raise InvalidNetwork(f"unknown distance metric {self.metric!r}")
        object.__setattr__(self, "source", dict(self.source))
        object.__setattr__(self, "p", float(self.p))
        if not (np.isfinite(self.p) and self.p > 0):
            raise InvalidNetwork(f"distance {self.name!r}: Minkowski p must be a positive number, got {self.p}")

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.centres.shape[1]:
            raise InvalidNetwork(f"distance {self.name!r}: input width {width}, centres have {self.centres.shape[1]}")
        return TensorInfo(self.centres.shape[0])

    def work(self, ins: list[TensorInfo], out: TensorInfo) -> Work:
        """Manhattan and Chebyshev hold ``|x - c|`` for every centre and feature, ``[N, k, d]``."""
        k, d = self.centres.shape
        per_row = 16 * k * (d if self.metric in ("manhattan", "chebyshev") else 1)
        return Work(self.centres.nbytes * 2, per_row, 8)


@register_node
@dataclass(frozen=True, eq=False)
class Concat(Node):
    """Side-by-side columns: ``y = [x_1 | x_2 | ...]`` (2-D float inputs)."""

    op: ClassVar[str] = "concat"
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources))
        if not self.sources:
            raise InvalidNetwork(f"concat {self.name!r} needs at least one input")

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.sources

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        return TensorInfo(sum(self._float2d(t) for t in ins))
