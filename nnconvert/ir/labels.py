"""Node kinds over label tensors: one-hot indicators of labels, and labels side by side.

A composite estimator that reads another one's ``predict`` (one-vs-one votes, classifier
chains) needs its labels as numbers, and a multi-output classifier returns one label column
per output (``sklearn/multioutput.py``: ``np.asarray([e.predict(X) ...]).T``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, as_classes, register_node


def _label1d(node: Node, t: TensorInfo) -> np.ndarray:
    if t.kind != "label" or t.width is not None or t.classes is None:
        raise InvalidNetwork(f"{node.op} {node.name!r} needs a 1-D label input")
    return t.classes


@register_node
@dataclass(frozen=True, eq=False)
class LabelIndicator(Node):
    """``[N]`` labels -> ``[N, k]`` floats: ``y_j = 1 if x == classes[j] else 0``."""

    op: ClassVar[str] = "label_indicator"
    input: str
    classes: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", as_classes(self.classes))

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        known = _label1d(self, ins[0])
        if (known.dtype.kind == "U") != (self.classes.dtype.kind == "U"):
            raise InvalidNetwork(f"label_indicator {self.name!r}: classes of another type than its input's labels")
        return TensorInfo(len(self.classes))


def _kind(classes: np.ndarray) -> str:
    return {"i": "integer", "U": "string", "b": "bool", "f": "float"}[classes.dtype.kind]


@register_node
@dataclass(frozen=True, eq=False)
class StackLabels(Node):
    """``n`` 1-D label tensors -> one ``[N, n]`` label tensor (column ``j`` is ``sources[j]``);
    all of one type (integer, string, ...)."""

    op: ClassVar[str] = "stack_labels"
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources))
        if not self.sources:
            raise InvalidNetwork(f"stack_labels {self.name!r} needs at least one input")

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.sources

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        classes = [_label1d(self, t) for t in ins]
        kinds = {_kind(c) for c in classes}
        if len(kinds) != 1:
            raise InvalidNetwork(f"stack_labels {self.name!r}: labels of different types ({', '.join(sorted(kinds))})")
        union = np.unique(np.concatenate(classes))
        return TensorInfo(len(ins), "label", union)


def label_indicator(node: LabelIndicator, x: np.ndarray) -> np.ndarray:
    return (x[:, None] == node.classes[None, :]).astype(np.float64)
