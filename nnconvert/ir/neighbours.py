"""The neighbour-vote node: select neighbours by distance, then a weighted average of their values.

Its input is one distance neuron per stored sample, ``[N, n_samples]``. Two selection rules:

- ``k >= 1``: the ``k`` smallest distances (``TopK``; equal distances go to the lower sample
  index, as ONNX ``TopK`` orders them);
- ``k = 0``: every sample with ``distance <= radius``.

The selected samples' ``values`` rows (one-hot labels for a classifier, targets for a regressor)
are averaged with weights ``w = 1`` (``uniform``) or ``w = 1 / d`` (``distance``), except that
a row with a selected distance of 0 weighs those samples 1 and the others 0: scikit-learn's
``_get_weights`` (``sklearn/neighbors/_base.py``). ``y = sum_i w_i values_i / sum_i w_i``; a row
with no neighbour (radius only) is ``outlier`` (NaN when ``outlier`` is None).

"A distance of 0" is ``d <= zero_tol * sqrt(eps)`` (``eps`` of the dtype computed in): a query
equal to a stored sample gets a euclidean distance of rounding noise from the GEMM form
``|x|^2 - 2 x.s + |s|^2`` (``sqrt(eps |x|^2)`` at worst), where scikit-learn's trees and its brute
force in few dimensions compute exactly 0. Exact metrics use ``zero_tol = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, f64_array, register_node

WEIGHTINGS = ("uniform", "distance")


@register_node
@dataclass(frozen=True, eq=False)
class NeighbourVote(Node):
    """``y = sum_i w_i values[i] / sum_i w_i`` over the neighbours ``i`` of each row: the ``k``
    nearest (lower index first on equal distances) or, with ``k = 0``, those within ``radius``;
    ``w`` is 1 (``uniform``) or ``1 / d_i`` (``distance``; exact zeros take all the weight)."""

    op: ClassVar[str] = "neighbour_vote"
    input: str
    values: np.ndarray
    k: int = 0
    radius: float = 0.0  # radius mode only
    weighting: str = "uniform"
    outlier: np.ndarray | None = None
    zero_tol: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "zero_tol", float(self.zero_tol))
        if not (np.isfinite(self.zero_tol) and self.zero_tol >= 0):
            raise InvalidNetwork(f"neighbour_vote {self.name!r}: zero_tol must be a finite number >= 0")
        object.__setattr__(self, "values", f64_array(self.values, 2, f"neighbour_vote {self.name!r} values"))
        if isinstance(self.k, bool) or int(self.k) != self.k or self.k < 0:
            raise InvalidNetwork(f"neighbour_vote {self.name!r}: k must be an integer >= 0, got {self.k!r}")
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "radius", float(self.radius))
        if self.weighting not in WEIGHTINGS:
            raise InvalidNetwork(f"neighbour_vote {self.name!r}: weighting must be one of {', '.join(WEIGHTINGS)}")
        if self.k == 0 and not (self.radius >= 0 and np.isfinite(self.radius)):
            raise InvalidNetwork(f"neighbour_vote {self.name!r}: radius mode (k = 0) needs a finite radius >= 0")
        if self.k > self.values.shape[0]:
            raise InvalidNetwork(f"neighbour_vote {self.name!r}: k = {self.k} > {self.values.shape[0]} samples")
        if self.outlier is not None:
            outlier = f64_array(self.outlier, 1, f"neighbour_vote {self.name!r} outlier")
            if outlier.shape[0] != self.values.shape[1]:
                raise InvalidNetwork(f"neighbour_vote {self.name!r}: outlier has {outlier.shape[0]} values")
            object.__setattr__(self, "outlier", outlier)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.values.shape[0]:
            raise InvalidNetwork(f"neighbour_vote {self.name!r}: {width} distances for {self.values.shape[0]} samples")
        return TensorInfo(self.values.shape[1])

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray:
        """``k``: the gap between the k-th and (k+1)-th distance (which samples are chosen);
        radius: ``min_i |d_i - radius|``. With ``distance`` weighting also the smallest
        distance's gap to the float32 zero threshold (zeros switch the weights)."""
        d = inputs64[0]
        if self.k == 0:
            margin = np.abs(d - self.radius).min(axis=1)
        elif self.k < d.shape[1]:
            part = np.partition(d, [self.k - 1, self.k], axis=1)
            margin = part[:, self.k] - part[:, self.k - 1]
        else:
            margin = np.full(len(d), np.inf)
        if self.weighting == "distance":
            margin = np.minimum(margin, np.abs(d.min(axis=1) - zero_threshold(self.zero_tol, np.float32)))
        return margin


def zero_threshold(zero_tol: float, dtype: type) -> float:
    """The largest distance that counts as 0 in ``dtype``: ``zero_tol * sqrt(eps)``."""
    return float(zero_tol * np.sqrt(np.finfo(dtype).eps))


def nearest(d: np.ndarray, k: int) -> np.ndarray:
    """Indices ``[N, k]`` of the ``k`` smallest entries per row, ordered by (distance, index):
    ONNX ``TopK(largest=0, sorted=1)``, whose equal values come lower index first."""
    n = d.shape[1]
    if k >= n:
        return np.argsort(d, axis=1, kind="stable")
    kth = np.partition(d, k - 1, axis=1)[:, k - 1 : k]
    less = d < kth
    ties = d == kth
    room = k - less.sum(axis=1, keepdims=True)
    take = less | (ties & (np.cumsum(ties, axis=1) <= room))
    idx = np.nonzero(take)[1].reshape(len(d), k)  # ascending index within each row
    order = np.argsort(np.take_along_axis(d, idx, axis=1), axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)


def vote_weights(
    dist: np.ndarray, weighting: str, selected: np.ndarray | None = None, zero_tol: float = 0.0
) -> np.ndarray:
    """``_get_weights``: 1, or ``1 / d`` with rows holding a zero distance turned into ``d == 0``;
    entries outside ``selected`` (radius mode) weigh 0."""
    one = dist.dtype.type(1)
    if weighting == "uniform":
        w = np.ones_like(dist)
    else:
        zero = dist <= dist.dtype.type(zero_threshold(zero_tol, dist.dtype.type))
        if selected is not None:
            zero &= selected
        with np.errstate(divide="ignore"):
            w = np.where(zero.any(axis=1, keepdims=True), zero.astype(dist.dtype), one / dist)
    return w if selected is None else np.where(selected, w, dist.dtype.type(0))


def neighbour_vote(node: NeighbourVote, d: np.ndarray) -> np.ndarray:
    """Runtime kernel (the same steps as the ONNX emitter)."""
    values = node.values.astype(d.dtype)
    if node.k:
        idx = nearest(d, node.k)
        w = vote_weights(np.take_along_axis(d, idx, axis=1), node.weighting, None, node.zero_tol)
        return (w[:, :, None] * values[idx]).sum(axis=1) / w.sum(axis=1, keepdims=True)
    inside = d <= d.dtype.type(node.radius)
    w = vote_weights(d, node.weighting, inside, node.zero_tol)
    total = w.sum(axis=1, keepdims=True)
    empty = total == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (w @ values) / np.where(empty, 1, total)
    fill = np.full(values.shape[1], np.nan) if node.outlier is None else node.outlier
    return np.where(empty, fill.astype(d.dtype), y)
