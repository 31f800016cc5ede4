"""The neuron graph: the intermediate representation every converter builds.

A :class:`Network` is a DAG of named nodes over one input ``X`` of shape ``[N, n_features]``.
Every tensor in it is either 2-D ``[N, width]`` or 1-D ``[N]`` (``width is None``); a tensor
is ``float`` (computed in the network's dtype) or ``label`` (class labels taken from a
classes array). Nodes are frozen dataclasses; each kind states its math in its docstring
and the shape rule in :meth:`Node.infer`. Runtimes and exporters dispatch on the node type;
nothing here imports them.

The kinds are deliberately few: a kind earns its place only where dense-plus-activation
cannot express the math exactly. :class:`Node` and :class:`TensorInfo` live in
:mod:`nnconvert.ir_base`, the output heads (normalize, squeeze, labels) in
:mod:`nnconvert.ir_heads`; all are re-exported here, so ``ir.<Name>`` is the way to use them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir_base import Node, TensorInfo, as_classes, f64_array, row_min
from nnconvert.ir_heads import ArgMaxLabel, Normalize, Squeeze, ThresholdLabel

__all__ = [
    "ACTIVATIONS",
    "DISTANCE_METRICS",
    "INPUT",
    "NODE_TYPES",
    "OUTPUT_METHODS",
    "Activation",
    "ArgMaxLabel",
    "Concat",
    "Dense",
    "Distance",
    "Metadata",
    "Network",
    "Node",
    "Normalize",
    "Squeeze",
    "TensorInfo",
    "ThresholdLabel",
    "as_classes",
    "register_node",
]

INPUT = "X"
OUTPUT_METHODS = ("predict", "predict_proba", "decision_function", "score_samples", "transform")


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
    def is_translation(self) -> bool:
        """``weight`` is the identity: ``y = x + bias`` (runtimes skip the product; exact)."""
        w = self.weight
        return w.shape[0] == w.shape[1] and bool(np.array_equal(w, np.eye(w.shape[0])))


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
}


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
}


@dataclass(frozen=True, eq=False)
class Distance(Node):
    """Kernel neurons: the distance from ``x`` to each centre (a row of ``centres``)."""

    op: ClassVar[str] = "distance"
    input: str
    centres: np.ndarray
    metric: str = "sqeuclidean"
    source: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "centres", f64_array(self.centres, 2, f"distance {self.name!r} centres"))
        if self.metric not in DISTANCE_METRICS:
            raise InvalidNetwork(f"unknown distance metric {self.metric!r}")
        object.__setattr__(self, "source", dict(self.source))

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.centres.shape[1]:
            raise InvalidNetwork(f"distance {self.name!r}: input width {width}, centres have {self.centres.shape[1]}")
        return TensorInfo(self.centres.shape[0])


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


NODE_TYPES: dict[str, type[Node]] = {}


def register_node(cls: type[Node]) -> type[Node]:
    """Make a node kind known to the JSON reader (kinds defined elsewhere call this too)."""
    if cls.op in NODE_TYPES and NODE_TYPES[cls.op] is not cls:
        raise ValueError(f"node op {cls.op!r} registered twice")
    NODE_TYPES[cls.op] = cls
    return cls


for _cls in (Dense, Activation, Distance, Concat, Normalize, Squeeze, ArgMaxLabel, ThresholdLabel):
    register_node(_cls)


@dataclass(frozen=True)
class Metadata:
    """Where the network came from and what its interface means."""

    estimator: str  # e.g. "sklearn.linear_model._logistic.LogisticRegression"
    task: str  # "classifier", "regressor", "outlier_detector", "transformer"
    sklearn_version: str | None = None
    classes: tuple[Any, ...] | None = None
    feature_names: tuple[str, ...] | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def estimator_name(self) -> str:
        """Short class name; a pipeline shows its steps: ``Pipeline(StandardScaler, SVC)``."""
        name = self.estimator.rsplit(".", 1)[-1]
        steps = self.extra.get("steps")
        return f"{name}({', '.join(steps)})" if steps else name

    @property
    def final_estimator_name(self) -> str:
        """The estimator that produces the outputs (a pipeline's last step)."""
        steps = self.extra.get("steps")
        return steps[-1] if steps else self.estimator.rsplit(".", 1)[-1]


@dataclass(frozen=True, eq=False)
class Network:
    """A validated neuron graph: input ``X`` of ``n_features`` columns, ``nodes`` in
    topological order, and ``outputs`` mapping estimator method names to tensor names."""

    n_features: int
    nodes: tuple[Node, ...]
    outputs: Mapping[str, str]
    meta: Metadata

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "outputs", dict(self.outputs))
        object.__setattr__(self, "_infos", self._validate())

    def _validate(self) -> dict[str, TensorInfo]:
        if not isinstance(self.n_features, int) or self.n_features < 1:
            raise InvalidNetwork(f"n_features must be a positive integer, got {self.n_features!r}")
        infos: dict[str, TensorInfo] = {INPUT: TensorInfo(self.n_features)}
        for node in self.nodes:
            if not isinstance(node, Node):
                raise InvalidNetwork(f"not a node: {node!r}")
            if node.name in infos or node.name in OUTPUT_METHODS:
                raise InvalidNetwork(f"tensor name {node.name!r} is reserved or used twice")
            missing = [i for i in node.inputs if i not in infos]
            if missing:
                raise InvalidNetwork(f"node {node.name!r} reads undefined tensors {missing}")
            infos[node.name] = node.infer([infos[i] for i in node.inputs])
        if not self.outputs:
            raise InvalidNetwork("a network needs at least one output")
        for method, tensor in self.outputs.items():
            if method not in OUTPUT_METHODS:
                raise InvalidNetwork(f"output {method!r} is not one of {', '.join(OUTPUT_METHODS)}")
            if tensor not in infos or tensor == INPUT:
                raise InvalidNetwork(f"output {method!r} names unknown tensor {tensor!r}")
        return infos

    def info(self, tensor: str) -> TensorInfo:
        """Static shape and kind of a tensor."""
        return self._infos[tensor]  # type: ignore[attr-defined]

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def consumers(self, tensor: str) -> list[Node]:
        return [n for n in self.nodes if tensor in n.inputs]

    @property
    def n_parameters(self) -> int:
        """Number of stored weights (dense weights and biases, kernel centres)."""
        total = 0
        for n in self.nodes:
            if isinstance(n, Dense) and n.is_translation:
                total += n.bias.size  # the identity weight is never stored or multiplied
                continue
            for value in n.params().values():
                if isinstance(value, np.ndarray) and value.dtype == np.float64:
                    total += value.size
        return total

    def replace(self, **changes: Any) -> Network:
        return dataclasses.replace(self, **changes)


from nnconvert import ir_coupling as _ir_coupling  # noqa: E402,F401  (registers pairwise_coupling)
from nnconvert import ir_monomials as _ir_monomials  # noqa: E402,F401  (registers monomials)
