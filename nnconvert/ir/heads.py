"""Output heads: the nodes that turn scores into what an estimator method returns.

Probabilities by row normalisation, 1-D outputs by squeezing ``[N, 1]``, and class labels by
argmax or threshold. Re-exported from :mod:`nnconvert.ir` (use ``ir.ArgMaxLabel`` etc.).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, as_classes, register_node, row_min


@register_node
@dataclass(frozen=True, eq=False)
class Normalize(Node):
    """Rows divided by their sum: ``y = x / sum(x)``; rows summing to 0 become ``1/width``
    when ``zero_to_uniform`` (scikit-learn's rule for modified-Huber probabilities)."""

    op: ClassVar[str] = "normalize"
    input: str
    zero_to_uniform: bool = False

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        return TensorInfo(self._float2d(ins[0]))


@register_node
@dataclass(frozen=True, eq=False)
class Squeeze(Node):
    """``[N, 1] -> [N]``: scikit-learn returns 1-D binary scores and single-target predictions."""

    op: ClassVar[str] = "squeeze"
    input: str

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        if self._float2d(ins[0]) != 1:
            raise InvalidNetwork(f"squeeze {self.name!r} needs a [N, 1] input")
        return TensorInfo(None)


@register_node
@dataclass(frozen=True, eq=False)
class LogSumExp(Node):
    """``[N, k] -> [N]``: ``y = log sum_j exp(x_j)``, computed as ``m + log(sum_j exp(x_j - m))``
    with ``m`` the row max (a mixture's ``score_samples`` from its weighted log-probabilities)."""

    op: ClassVar[str] = "logsumexp"
    input: str

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        self._float2d(ins[0])
        return TensorInfo(None)


@register_node
@dataclass(frozen=True, eq=False)
class ArgMaxLabel(Node):
    """``y = classes[argmax_j x_j]``; ties go to the first (lowest) index, as numpy's argmax."""

    op: ClassVar[str] = "argmax_label"
    input: str
    classes: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", as_classes(self.classes))

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != len(self.classes):
            raise InvalidNetwork(f"argmax_label {self.name!r}: {width} scores for {len(self.classes)} classes")
        return TensorInfo(None, "label", self.classes)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """The gap between the two largest scores."""
        x = inputs64[0]
        if x.shape[1] < 2:
            return None
        top2 = np.partition(x, -2, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0]


@register_node
@dataclass(frozen=True, eq=False)
class ThresholdLabel(Node):
    """Elementwise ``y = classes[1] if x > threshold else classes[0]`` (``>=`` when not
    ``strict``); the output has the input's shape."""

    op: ClassVar[str] = "threshold_label"
    input: str
    classes: np.ndarray
    threshold: float = 0.0
    strict: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", as_classes(self.classes))
        object.__setattr__(self, "threshold", float(self.threshold))
        if len(self.classes) != 2:
            raise InvalidNetwork(f"threshold_label {self.name!r} needs exactly 2 classes")

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        if ins[0].kind != "float":
            raise InvalidNetwork(f"threshold_label {self.name!r} needs a float input")
        return TensorInfo(ins[0].width, "label", self.classes)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """``min_j |x_j - threshold|``."""
        return row_min(np.abs(inputs64[0] - self.threshold))
