"""GraphBuilder: how converters write networks without naming tensors by hand.

A converter receives a builder and the tensor it reads (``x``), adds nodes with the methods
below and returns a dict ``{estimator method: tensor}``. Composite estimators (pipelines,
calibration) call other converters on the same builder, so a network is assembled from the
pieces each family knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert import ir

TREE_FORMS = ("auto", "neuron", "compact")


@dataclass(frozen=True)
class ConversionOptions:
    """Choices a converter may ask about. ``tree_form``: how trees become neurons: ``neuron``
    (split, leaf and output layers: the picture), ``compact`` (tree traversal, for big models)
    or ``auto`` (by size, see ``nnconvert.converters.trees``)."""

    tree_form: str = "auto"

    def __post_init__(self) -> None:
        if self.tree_form not in TREE_FORMS:
            raise ir.InvalidNetwork(f"tree_form must be one of {', '.join(TREE_FORMS)}, got {self.tree_form!r}")


class GraphBuilder:
    """Accumulates nodes; each method returns the name of the tensor it adds."""

    def __init__(self, n_features: int, options: ConversionOptions | None = None) -> None:
        self.n_features = int(n_features)
        self.options = options or ConversionOptions()
        # Set by converters whose estimator takes NaN as data (scikit-learn's allow_nan tag).
        self.missing_values = False
        self.nodes: list[ir.Node] = []
        self._infos: dict[str, ir.TensorInfo] = {ir.INPUT: ir.TensorInfo(self.n_features)}
        self._counts: dict[str, int] = {}
        # What each converted estimator's network is, in numbers (recorded into Metadata.extra).
        self.summaries: list[dict[str, Any]] = []
        # Names of a tensor's columns where they are not the classes (an ovo SVC's class pairs).
        self.column_names: dict[str, list[str]] = {}

    @property
    def input(self) -> str:
        return ir.INPUT

    def info(self, tensor: str) -> ir.TensorInfo:
        return self._infos[tensor]

    def width(self, tensor: str) -> int:
        width = self._infos[tensor].width
        if width is None:
            raise ir.InvalidNetwork(f"tensor {tensor!r} is 1-D")
        return width

    def _name(self, hint: str) -> str:
        n = self._counts.get(hint, 0)
        self._counts[hint] = n + 1
        return hint if n == 0 else f"{hint}_{n}"

    def summarize(self, estimator: str, text: str, **facts: Any) -> None:
        """Record an architecture summary: ``text`` says it in words with the numbers, ``facts``
        are the numbers (JSON values); ``inspect`` prints them, the exporters carry them."""
        self.summaries.append({"estimator": estimator, "text": text, **facts})

    def name_columns(self, tensor: str, names: Sequence[str]) -> None:
        """Record what each column of ``tensor`` is (``"a|b"`` for the pair of classes a, b);
        outputs reading it carry the names in ``Metadata.extra["columns"]`` for CSV headers."""
        if len(names) != self.width(tensor):
            raise ir.InvalidNetwork(f"{len(names)} column names for {self.width(tensor)} columns of {tensor!r}")
        self.column_names[tensor] = [str(n) for n in names]

    def add(self, node_type: type[ir.Node], hint: str, **params: Any) -> str:
        """Add any node kind (validated at once against its inputs)."""
        node = node_type(name=self._name(hint), **params)
        self._infos[node.name] = node.infer([self._infos[i] for i in node.inputs])
        self.nodes.append(node)
        return node.name

    def dense(
        self,
        x: str,
        weight: Any,
        bias: Any | None = None,
        *,
        source: Mapping[str, str] | None = None,
        hint: str = "dense",
    ) -> str:
        """``x @ weight + bias`` (bias defaults to zeros)."""
        weight = np.asarray(weight, dtype=np.float64)
        if weight.ndim == 1:
            weight = weight[:, None]
        if bias is None:
            bias = np.zeros(weight.shape[1])
        bias = np.atleast_1d(np.asarray(bias, dtype=np.float64))
        return self.add(ir.Dense, hint, input=x, weight=weight, bias=bias, source=source or {})

    def scale(self, x: str, mul: Any, add: Any, *, source: Mapping[str, str] | None = None, hint: str = "scale") -> str:
        """Per-column affine map ``x * mul + add`` as a diagonal dense layer (folds away)."""
        width = self.width(x)
        mul = np.broadcast_to(np.asarray(mul, dtype=np.float64), (width,))
        add = np.broadcast_to(np.asarray(add, dtype=np.float64), (width,))
        return self.dense(x, np.diag(mul), add, source=source, hint=hint)

    def act(self, x: str, fn: str, *param: float, hint: str | None = None) -> str:
        return self.add(ir.Activation, hint or fn, input=x, fn=fn, param=tuple(param))

    def distance(
        self,
        x: str,
        centres: Any,
        metric: str = "sqeuclidean",
        *,
        source: Mapping[str, str] | None = None,
        hint: str = "distance",
        p: float = 2.0,
    ) -> str:
        return self.add(ir.Distance, hint, input=x, centres=centres, metric=metric, source=source or {}, p=p)

    def concat(self, xs: Sequence[str], *, hint: str = "concat") -> str:
        return xs[0] if len(xs) == 1 else self.add(ir.Concat, hint, sources=tuple(xs))

    def normalize(self, x: str, *, zero_to_uniform: bool = False, hint: str = "normalized") -> str:
        return self.add(ir.Normalize, hint, input=x, zero_to_uniform=zero_to_uniform)

    def squeeze(self, x: str, *, hint: str = "squeezed") -> str:
        return self.add(ir.Squeeze, hint, input=x)

    def argmax_label(self, x: str, classes: Any, *, hint: str = "label") -> str:
        return self.add(ir.ArgMaxLabel, hint, input=x, classes=classes)

    def threshold_label(
        self, x: str, classes: Any, threshold: float = 0.0, *, strict: bool = True, hint: str = "label"
    ) -> str:
        return self.add(ir.ThresholdLabel, hint, input=x, classes=classes, threshold=threshold, strict=strict)

    def binary_proba(self, p: str, *, hint: str = "proba") -> str:
        """``[N, 1]`` probability of the positive class -> ``[1 - p, p]`` (exact: ``-1*p + 1``)."""
        return self.dense(p, [[-1.0, 1.0]], [1.0, 0.0], hint=hint)

    def build(self, outputs: Mapping[str, str], meta: ir.Metadata) -> ir.Network:
        return ir.Network(n_features=self.n_features, nodes=tuple(self.nodes), outputs=dict(outputs), meta=meta)
