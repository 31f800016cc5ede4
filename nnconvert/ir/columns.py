"""Categories as numbers: codes and indicators.

- :class:`CategoryCodes`: HistGradientBoosting's ``OrdinalEncoder(handle_unknown='use_encoded_value',
  unknown_value=nan)`` in front of its trees (``gradient_boosting.py``, ``_preprocess_X``), which
  keeps NaN where it is (picking columns is a Dense selection layer, ``Dense.selection``).
- :class:`CategoryIndicators`: one exact equality neuron per (column, category),
  ``y = [x_col == v]`` (``isnan(x_col)`` for the missing-value category): the encoders
  (``sklearn/preprocessing/_encoders.py``, ``_target_encoder.py``) are these indicators followed
  by dense layers, whose 0/1 sums are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, register_node


def _index_array(a: object, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu" or (arr < 0).any():
        raise InvalidNetwork(f"{what} must be a non-empty 1-D array of column indices")
    arr = arr.astype(np.int64)
    arr.setflags(write=False)
    return arr


@register_node
@dataclass(frozen=True, eq=False)
class CategoryCodes(Node):
    """``y = x`` except in ``columns``: there ``y_j = c`` where ``x_j == categories[k, c]`` (the
    ``k``-th listed column's known values, ``counts[k]`` of them, the rest of the row padding),
    and NaN for a value that is not a known category (NaN included)."""

    op: ClassVar[str] = "category_codes"
    input: str
    columns: np.ndarray
    categories: np.ndarray
    counts: np.ndarray

    def __post_init__(self) -> None:
        what = f"category_codes {self.name!r}"
        object.__setattr__(self, "columns", _index_array(self.columns, f"{what} columns"))
        object.__setattr__(self, "counts", _index_array(self.counts, f"{what} counts"))
        cats = np.array(self.categories, dtype=np.float64)
        if cats.ndim != 2 or len(cats) != len(self.columns) or len(self.counts) != len(self.columns):
            raise InvalidNetwork(f"{what}: one categories row and count per column")
        if (self.counts > cats.shape[1]).any() or (self.counts < 1).any():
            raise InvalidNetwork(f"{what}: counts must be between 1 and the row length")
        if not np.isfinite(cats).all():
            raise InvalidNetwork(f"{what}: categories must be finite (NaN is never a known category here)")
        cats.setflags(write=False)
        object.__setattr__(self, "categories", cats)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if self.columns.max() >= width:
            raise InvalidNetwork(f"category_codes {self.name!r}: column {self.columns.max()} of {width}")
        return TensorInfo(width)


def category_codes(node: CategoryCodes, x: np.ndarray) -> np.ndarray:
    """Runtime kernel: exact equality with each known category, the first match's index."""
    y = x.copy()
    for k, col in enumerate(node.columns):
        known = node.categories[k, : node.counts[k]].astype(x.dtype)
        eq = x[:, col, None] == known[None, :]
        y[:, col] = np.where(eq.any(axis=1), eq.argmax(axis=1).astype(x.dtype), np.nan)
    return y


@register_node
@dataclass(frozen=True, eq=False)
class CategoryIndicators(Node):
    """``y_o = 1 if x[:, columns[o]] == values[o] else 0``; where ``missing[o]`` is true,
    ``y_o = 1 if isnan(x[:, columns[o]]) else 0`` (``values[o]`` unused, written 0). A NaN input
    equals no value."""

    op: ClassVar[str] = "category_indicators"
    input: str
    columns: np.ndarray
    values: np.ndarray
    missing: np.ndarray | None = None

    def __post_init__(self) -> None:
        what = f"category_indicators {self.name!r}"
        object.__setattr__(self, "columns", _index_array(self.columns, f"{what} columns"))
        values = np.array(self.values, dtype=np.float64)
        if values.shape != self.columns.shape:
            raise InvalidNetwork(f"{what}: one value per column entry, got {values.shape} for {self.columns.shape}")
        if self.missing is not None:
            missing = np.asarray(self.missing)
            if missing.dtype.kind != "b" or missing.shape != self.columns.shape:
                raise InvalidNetwork(f"{what}: missing must be one boolean per column entry")
            missing = missing.copy()
            missing.setflags(write=False)
            object.__setattr__(self, "missing", missing if missing.any() else None)
            if self.missing is not None:
                values = np.where(missing, 0.0, values)
        if not np.isfinite(values).all():
            raise InvalidNetwork(f"{what}: values must be finite (the missing-value category is a missing entry)")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if self.columns.max() >= width:
            raise InvalidNetwork(f"category_indicators {self.name!r}: column {self.columns.max()} of {width}")
        return TensorInfo(len(self.columns))


def category_indicators(node: CategoryIndicators, x: np.ndarray) -> np.ndarray:
    """Runtime kernel: exact equality of each listed column with its value (isnan where missing)."""
    cols = x[:, node.columns]
    eq = cols == node.values.astype(x.dtype)[None, :]
    if node.missing is not None:
        eq = np.where(node.missing[None, :], np.isnan(cols), eq)
    return eq.astype(x.dtype)
