"""The weighted-median node: AdaBoostRegressor's prediction from its trees' predictions.

Mirrors ``sklearn/ensemble/_weight_boosting.py::AdaBoostRegressor._get_median_predict``: sort
each row's predictions, accumulate the weights in that order (float64, ``stable_cumsum``), and
return the first prediction whose cumulative weight reaches half the total. Predictions that
tie have the same value, so the order among them (numpy's argsort is not stable) cannot change
the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, f64_array, register_node


@register_node
@dataclass(frozen=True, eq=False)
class WeightedMedian(Node):
    """``y = x_(m)``: with ``x`` sorted ascending per row, ``m`` is the first position where the
    cumulative ``weights`` (in that order) reach ``0.5 * sum(weights)``; ``[N, k] -> [N, 1]``."""

    op: ClassVar[str] = "weighted_median"
    input: str
    weights: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", f64_array(self.weights, 1, f"weighted_median {self.name!r} weights"))
        if not len(self.weights) or (self.weights < 0).any():
            raise InvalidNetwork(f"weighted_median {self.name!r} needs non-negative weights")

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        if self._float2d(ins[0]) != len(self.weights):
            raise InvalidNetwork(f"weighted_median {self.name!r}: {ins[0].width} columns, {len(self.weights)} weights")
        return TensorInfo(1)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray:
        """The gap between the chosen prediction and its nearest different neighbour in sorted order
        (float32 rounding can reorder predictions closer than that)."""
        x = np.sort(inputs64[0], axis=1)
        gaps = np.diff(x, axis=1)
        return np.where(gaps > 0, gaps, np.inf).min(axis=1, initial=np.inf)


def weighted_median(node: WeightedMedian, x: np.ndarray) -> np.ndarray:
    """Runtime kernel (cumulative weights in float64, as ``stable_cumsum``)."""
    order = np.argsort(x, axis=1, kind="stable")
    cdf = np.cumsum(node.weights[order], axis=1)
    pick = (cdf >= 0.5 * cdf[:, -1:]).argmax(axis=1)
    rows = np.arange(len(x))
    return x[rows, order[rows, pick]][:, None]
