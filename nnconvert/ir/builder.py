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
        # Input columns that hold strings: column of X -> its vocabulary (see category_codes).
        self.string_vocab: dict[int, list[str]] = {}
        # String input columns whose fitted missing category is ``None`` (not NaN): the estimator
        # is shown a missing cell as None there (scikit-learn's encoders tell None from NaN).
        self.none_missing: set[int] = set()

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

    def input_column(self, tensor: str, k: int) -> int | None:
        """The column of ``X`` whose values (or their imputed form) column ``k`` of ``tensor``
        holds, following exact column copies (selection layers, concatenations, identity
        activations, imputers); None when the column is computed."""
        while tensor != ir.INPUT:
            node = next((n for n in self.nodes if n.name == tensor), None)
            if isinstance(node, ir.Dense) and node.selection is not None and not node.bias.any():
                tensor, k = node.input, int(node.selection[k])
            elif isinstance(node, ir.Concat):
                for part in node.inputs:
                    width = self.width(part)
                    if k < width:
                        tensor = part
                        break
                    k -= width
            elif isinstance(node, ir.Impute) or (isinstance(node, ir.Activation) and node.fn == "identity"):
                tensor = node.inputs[0]
            else:
                return None
        return k

    def category_codes(self, tensor: str, k: int, values: Any, *, who: str) -> np.ndarray:
        """Fitted category values of column ``k`` of ``tensor`` as the float numbers the network
        compares that column with.

        Numbers stay themselves (NaN, a missing value, included). Strings are codes: a string
        input column carries ``code(s)``, the position of ``s`` in that column's vocabulary
        (:attr:`string_vocab`, grown here, so codes already handed out never change); a value
        outside the vocabulary is -1 (matches no category) and a missing cell (``None``/NaN in
        the fitted values; the empty string in the network's string input) is NaN. A string
        category on a computed column, or the empty string as a category, is refused.
        """
        from nnconvert.errors import UnsupportedModel

        vals = list(np.asarray(values, dtype=object).ravel())
        if not any(isinstance(v, str) for v in vals):
            try:
                return np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64)
            except (TypeError, ValueError):
                raise UnsupportedModel(f"{who}: categories of column {k} are neither numbers nor strings") from None
        col = self.input_column(tensor, k)
        if col is None:
            raise UnsupportedModel(f"{who}: string categories on a computed column (column {k} of {tensor!r})")
        vocab = self.string_vocab.setdefault(col, [])
        index = {s: i for i, s in enumerate(vocab)}
        codes = []
        for v in vals:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                if v is None:
                    self.none_missing.add(col)
                codes.append(np.nan)
            elif isinstance(v, str):
                if v == "":
                    raise UnsupportedModel(
                        f"{who}: the empty string is a fitted category of column {k}; in a network's string "
                        "input the empty string stands for a missing value"
                    )
                if v not in index:
                    index[v] = len(vocab)
                    vocab.append(v)
                codes.append(float(index[v]))
            else:
                raise UnsupportedModel(f"{who}: column {k} mixes strings with {type(v).__name__} categories")
        return np.array(codes, dtype=np.float64)

    def build(self, outputs: Mapping[str, str], meta: ir.Metadata) -> ir.Network:
        return ir.Network(n_features=self.n_features, nodes=tuple(self.nodes), outputs=dict(outputs), meta=meta)
