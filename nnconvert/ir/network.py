"""The network: a validated DAG of nodes over the input ``X``, and its metadata.

A :class:`Network` is a DAG of named nodes over one input ``X`` of shape ``[N, n_features]``.
Every tensor in it is either 2-D ``[N, width]`` or 1-D ``[N]`` (``width is None``); a tensor
is ``float`` (computed in the network's dtype) or ``label`` (class labels taken from a
classes array). Outputs are keyed by the estimator method they reproduce.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import LABEL_DTYPES, Node, TensorInfo, Work, as_classes, label_dtype
from nnconvert.ir.inputs import ColumnInput, validate_inputs
from nnconvert.ir.nodes import Dense

INPUT = "X"
# Estimator methods, plus ``predict_std``: ``predict(X, return_std=True)[1]`` of Gaussian processes.
OUTPUT_METHODS = ("predict", "predict_proba", "decision_function", "score_samples", "transform", "predict_std")


@dataclass(frozen=True)
class Metadata:
    """Where the network came from and what its interface means."""

    estimator: str  # e.g. "sklearn.linear_model._logistic.LogisticRegression"
    task: str  # "classifier", "regressor", "outlier_detector", "transformer"
    sklearn_version: str | None = None
    classes: tuple[Any, ...] | None = None  # Python values (JSON-ready); their dtype is classes_dtype
    feature_names: tuple[str, ...] | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    classes_dtype: str | None = None  # one of ir.LABEL_DTYPES; inferred from the values when not given

    def __post_init__(self) -> None:
        if self.classes is None:
            object.__setattr__(self, "classes_dtype", None)
            return
        dtype = self.classes_dtype or label_dtype(as_classes(list(self.classes)))
        if dtype not in LABEL_DTYPES:
            raise InvalidNetwork(f"classes dtype {dtype!r} is not one of {', '.join(LABEL_DTYPES)}")
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "classes_dtype", dtype)

    @property
    def classes_array(self) -> np.ndarray | None:
        """``classes`` as the estimator's ``classes_`` array, in its own dtype."""
        if self.classes is None:
            return None
        return np.asarray(self.classes, dtype=str if self.classes_dtype == "str" else self.classes_dtype)

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
    topological order, and ``outputs`` mapping estimator method names to tensor names.

    ``inputs`` (None: the interface is ``X`` itself) lists the named column inputs that fill
    ``X`` (see :mod:`nnconvert.ir.inputs`); unlisted columns of ``X`` read as 0.0."""

    n_features: int
    nodes: tuple[Node, ...]
    outputs: Mapping[str, str]
    meta: Metadata
    inputs: tuple[ColumnInput, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "outputs", dict(self.outputs))
        if self.inputs is not None:
            object.__setattr__(self, "inputs", tuple(self.inputs))
            if not all(isinstance(i, ColumnInput) for i in self.inputs):
                raise InvalidNetwork("inputs must be ColumnInput objects")
        object.__setattr__(self, "_infos", self._validate())

    def _validate(self) -> dict[str, TensorInfo]:
        if not isinstance(self.n_features, int) or self.n_features < 1:
            raise InvalidNetwork(f"n_features must be a positive integer, got {self.n_features!r}")
        if self.inputs is not None:
            validate_inputs(self.inputs, self.n_features, OUTPUT_METHODS)
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

    @property
    def string_inputs(self) -> tuple[ColumnInput, ...]:
        """The string column inputs (none without named inputs)."""
        return tuple(i for i in self.inputs or () if i.kind == "string")

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
            if isinstance(n, Dense) and n.selection is not None:
                total += n.bias.size  # a selection's unit weights are never stored or multiplied
                continue
            for value in n.params().values():
                if isinstance(value, np.ndarray) and value.dtype == np.float64:
                    total += value.size
        return total

    def work(self) -> list[tuple[Node, Work]]:
        """Every node with its estimated cost (see :class:`nnconvert.ir.base.Work`)."""
        infos = [[self.info(i) for i in n.inputs] for n in self.nodes]
        return [(n, n.work(ins, self.info(n.name))) for n, ins in zip(self.nodes, infos, strict=True)]

    def replace(self, **changes: Any) -> Network:
        return dataclasses.replace(self, **changes)
