"""Preprocessing node kinds that dense-plus-activation cannot express exactly.

- :class:`IsMissing` and :class:`Impute`: a missing value (NaN, or one number such as ``-1``)
  is tested with ``isnan``/``==`` and replaced with ``where``. Multiplying by 0/1 masks would
  turn ``0 * NaN`` into NaN, so missing values get their own two kinds
  (``sklearn/utils/_mask.py::_get_dense_mask``, ``sklearn/impute/_base.py``).
- :class:`MarkMissing`: the other way round, a number that stands for missing (XGBoost's
  ``missing=-1``) becomes NaN, so the split tests route it by their NaN rule
  (``src/data/adapter.h``: the DMatrix drops entries equal to ``missing``).
- :class:`RowNorm`: each row divided by its l1, l2 or max norm, as ``sklearn.preprocessing.normalize``.
- :class:`Interp`: per column, ``np.interp`` of a piecewise-linear table (QuantileTransformer).

Each kind's numpy kernel is the function of the same name below (the runtime registers them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, f64_array, register_node

# sklearn/preprocessing/_data.py::_handle_zeros_in_scale: norms below 10 float64 eps count as 0.
TINY_NORM = 10 * float(np.finfo(np.float64).eps)
NORMS = ("l1", "l2", "max")


def _missing_value(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return None  # NaN is written as None (JSON has no NaN)
    if not math.isfinite(value):
        raise InvalidNetwork(f"{name!r}: the missing value must be NaN (None) or a finite number, got {value}")
    return value


def missing_mask(x: np.ndarray, value: float | None) -> np.ndarray:
    """``isnan(x)`` when ``value`` is None, else ``x == value`` (bool, the shape of ``x``)."""
    return np.isnan(x) if value is None else x == x.dtype.type(value)


@register_node
@dataclass(frozen=True, eq=False)
class IsMissing(Node):
    """Missing-value indicator: ``y = 1 if x is missing else 0`` elementwise, where missing is
    ``isnan(x)`` (``value`` None) or ``x == value``."""

    op: ClassVar[str] = "is_missing"
    input: str
    value: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _missing_value(self.value, self.name))

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        return TensorInfo(self._float2d(ins[0]))


@register_node
@dataclass(frozen=True, eq=False)
class Impute(Node):
    """Fill missing values: ``y_j = fill_j if x_j is missing else x_j`` (missing as in
    :class:`IsMissing`); a NaN never reaches another column."""

    op: ClassVar[str] = "impute"
    input: str
    fill: np.ndarray
    value: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fill", f64_array(self.fill, 1, f"impute {self.name!r} fill"))
        object.__setattr__(self, "value", _missing_value(self.value, self.name))

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.fill.shape[0]:
            raise InvalidNetwork(f"impute {self.name!r}: input width {width}, {self.fill.shape[0]} fill values")
        return TensorInfo(width)


@register_node
@dataclass(frozen=True, eq=False)
class MarkMissing(Node):
    """A number as missing: ``y = NaN if x == value else x`` elementwise (NaN stays NaN). The
    NaN only reaches node kinds that route missing values (tree splits), never a product."""

    op: ClassVar[str] = "mark_missing"
    input: str
    value: float = 0.0

    def __post_init__(self) -> None:
        value = _missing_value(self.value, self.name)
        if value is None:
            raise InvalidNetwork(
                f"mark_missing {self.name!r}: the value must be a finite number (NaN is missing already)"
            )
        object.__setattr__(self, "value", value)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        return TensorInfo(self._float2d(ins[0]))


@register_node
@dataclass(frozen=True, eq=False)
class RowNorm(Node):
    """``y = x / n(x)`` per row with ``n`` the l1 (``sum |x_j|``), l2 (``sqrt(sum x_j^2)``) or
    max (``max |x_j|``) norm; a norm below ``10 * eps`` (float64) divides by 1."""

    op: ClassVar[str] = "row_norm"
    input: str
    norm: str = "l2"

    def __post_init__(self) -> None:
        if self.norm not in NORMS:
            raise InvalidNetwork(f"row_norm {self.name!r}: norm must be one of {', '.join(NORMS)}, got {self.norm!r}")

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        return TensorInfo(self._float2d(ins[0]))


@register_node
@dataclass(frozen=True, eq=False)
class Interp(Node):
    """Per column ``j``, ``y_j = np.interp(x_j, xp[j], fp[j])``: with ``i`` the last knot where
    ``xp[j, i] <= x_j``, ``fp[j, 0]`` left of the table, ``on_knot[j, i]`` (default ``fp[j, i]``)
    when ``x_j == xp[j, i]``, ``fp[j, -1]`` right of it, else ``slope_i (x_j - xp[j, i]) + fp[j, i]``
    with ``slope_i = (fp[j, i+1] - fp[j, i]) / (xp[j, i+1] - xp[j, i])`` (numpy's ``arr_interp``);
    NaN stays NaN. ``xp`` rows are non-decreasing, at least 2 knots each. A repeated knot gives a
    jump; ``on_knot`` a value at the knot itself that neither side has."""

    op: ClassVar[str] = "interp"
    input: str
    xp: np.ndarray
    fp: np.ndarray
    on_knot: np.ndarray | None = None

    def __post_init__(self) -> None:
        xp = f64_array(self.xp, 2, f"interp {self.name!r} xp")
        fp = f64_array(self.fp, 2, f"interp {self.name!r} fp")
        if xp.shape != fp.shape or xp.shape[1] < 2:
            raise InvalidNetwork(f"interp {self.name!r}: xp {xp.shape} and fp {fp.shape} must match, >= 2 knots")
        if self.on_knot is not None:
            on_knot = f64_array(self.on_knot, 2, f"interp {self.name!r} on_knot")
            if on_knot.shape != xp.shape:
                raise InvalidNetwork(f"interp {self.name!r}: on_knot {on_knot.shape} must match xp {xp.shape}")
            object.__setattr__(self, "on_knot", on_knot)
        if np.any(np.diff(xp, axis=1) < 0):
            raise InvalidNetwork(f"interp {self.name!r}: each row of xp must be non-decreasing")
        object.__setattr__(self, "xp", xp)
        object.__setattr__(self, "fp", fp)

    @property
    def knot_values(self) -> np.ndarray:
        """The value on each knot: ``on_knot``, or ``fp``."""
        return self.fp if self.on_knot is None else self.on_knot

    @property
    def slopes(self) -> np.ndarray:
        """``[d, K - 1]`` segment slopes (0 on zero-width segments, which are never used)."""
        dx, dy = np.diff(self.xp, axis=1), np.diff(self.fp, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dx > 0, dy / np.where(dx > 0, dx, 1.0), 0.0)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """Distance of ``x`` to the knots where float32 can jump: knots closer to the next one
        than float32 resolves (they merge), and repeated knots (a jump) unless ``x`` is on it
        exactly (then float32 is on it too)."""
        x = inputs64[0]
        margin = np.full(x.shape, np.inf)
        for j in range(x.shape[1]):
            u = np.unique(self.xp[j])
            close = np.diff(u) < 2.0**-20 * np.maximum(np.abs(u[:-1]), 1.0)
            merging = np.unique(np.concatenate([u[:-1][close], u[1:][close]]))
            jumps = np.unique(self.xp[j][:-1][np.diff(self.xp[j]) == 0])
            for knots, exact_ok in ((merging, False), (jumps, True)):
                if knots.size:
                    gap = np.abs(x[:, j][:, None] - knots[None, :])
                    if exact_ok:
                        gap = np.where(gap == 0, np.inf, gap)
                    margin[:, j] = np.minimum(margin[:, j], gap.min(axis=1))
        return margin.min(axis=1)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.xp.shape[0]:
            raise InvalidNetwork(f"interp {self.name!r}: input width {width}, tables for {self.xp.shape[0]} columns")
        return TensorInfo(width)


def impute(node: Impute, x: np.ndarray) -> np.ndarray:
    return np.where(missing_mask(x, node.value), node.fill.astype(x.dtype), x)


def mark_missing(node: MarkMissing, x: np.ndarray) -> np.ndarray:
    return np.where(missing_mask(x, node.value), x.dtype.type(np.nan), x)


def row_norm(node: RowNorm, x: np.ndarray) -> np.ndarray:
    if node.norm == "l1":
        norms = np.abs(x).sum(axis=1)
    elif node.norm == "l2":
        norms = np.sqrt((x * x).sum(axis=1))
    else:
        norms = np.abs(x).max(axis=1)
    norms = np.where(norms < TINY_NORM, x.dtype.type(1), norms)
    return x / norms[:, None]


def interp(node: Interp, x: np.ndarray) -> np.ndarray:
    """The formula of :class:`Interp`, in ``x``'s dtype (the ONNX emitter does the same steps)."""
    xp, fp, at, slopes = (a.astype(x.dtype) for a in (node.xp, node.fp, node.knot_values, node.slopes))
    k = xp.shape[1]
    # knots at or left of x, per column (searchsorted 'right' counts the xp <= x)
    count = np.stack([np.searchsorted(xp[j], x[:, j], side="right") for j in range(xp.shape[0])], axis=1)
    cols = np.arange(xp.shape[0])[None, :]
    i, j = np.clip(count - 1, 0, k - 2), np.clip(count - 1, 0, k - 1)  # segment, last knot
    y = slopes[cols, i] * (x - xp[cols, i]) + fp[cols, i]
    y = np.where(x >= xp[:, -1], fp[:, -1], y)
    y = np.where(x == xp[cols, j], at[cols, j], y)
    return np.where(x < xp[:, 0], fp[:, 0], y)
