"""Piecewise polynomials of input columns (B-spline bases, ``sklearn.preprocessing.SplineTransformer``).

:class:`PiecewisePoly`: output column ``o`` reads input column ``columns[o]``; with breakpoints
``b_0 < ... < b_K`` (``breaks[o]``) and ``i`` the interval of ``x`` (``count(b <= x) - 1``,
clipped to ``0 .. K-1``: the last interval includes ``b_K``, like scipy's ``BSpline``),
``y = sum_p coefs[o, i, p] (x - b_i)^p`` by Horner. Outside ``[b_0, b_K]`` by ``extrapolation``:
``extend`` (the end polynomials go on), ``nan``, ``affine`` (``below[o] = (v, s)`` gives
``v + (x - b_0) s`` left of ``b_0``, ``above[o]`` the same with ``b_K`` right of it) or
``periodic`` (``x`` first wrapped as numpy's ``b_0 + (x - b_0) % (b_K - b_0)``, then ``extend``).
NaN gives NaN, or ``nan_fill`` where one is set. The numpy kernel is :func:`piecewise_poly`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, f64_array, register_node
from nnconvert.ir.columns import _index_array

EXTRAPOLATIONS = ("extend", "nan", "affine", "periodic")


@register_node
@dataclass(frozen=True, eq=False)
class PiecewisePoly(Node):
    """Per output ``o``: ``y_o = sum_p coefs[o, i, p] (x_c - breaks[o, i])^p`` with ``c = columns[o]``
    and ``i`` the interval of ``x_c`` (the end intervals go on outside, or NaN, or the
    ``below``/``above`` lines, or ``x`` wraps periodically first: ``extrapolation``)."""

    op: ClassVar[str] = "piecewise_poly"
    input: str
    columns: np.ndarray
    breaks: np.ndarray
    coefs: np.ndarray
    extrapolation: str = "extend"
    below: np.ndarray | None = None
    above: np.ndarray | None = None
    nan_fill: float | None = None

    def __post_init__(self) -> None:
        what = f"piecewise_poly {self.name!r}"
        object.__setattr__(self, "columns", _index_array(self.columns, f"{what} columns"))
        breaks = f64_array(self.breaks, 2, f"{what} breaks")
        coefs = f64_array(self.coefs, 3, f"{what} coefs")
        m = len(self.columns)
        if breaks.shape[0] != m or breaks.shape[1] < 2 or coefs.shape[:2] != (m, breaks.shape[1] - 1) or not coefs.shape[2]:  # fmt: skip
            raise InvalidNetwork(
                f"{what}: breaks {breaks.shape} and coefs {coefs.shape} must be [m, K+1] and [m, K, P]"
            )
        if np.any(np.diff(breaks, axis=1) <= 0):
            raise InvalidNetwork(f"{what}: each row of breaks must be strictly increasing")
        if self.extrapolation not in EXTRAPOLATIONS:
            raise InvalidNetwork(f"{what}: extrapolation {self.extrapolation!r}; known: {', '.join(EXTRAPOLATIONS)}")
        for side in ("below", "above"):
            value = getattr(self, side)
            if (value is None) != (self.extrapolation != "affine"):
                raise InvalidNetwork(f"{what}: {side} is given exactly when extrapolation is 'affine'")
            if value is not None:
                arr = f64_array(value, 2, f"{what} {side}")
                if arr.shape != (m, 2):
                    raise InvalidNetwork(f"{what}: {side} must be [{m}, 2] (value, slope), got {arr.shape}")
                object.__setattr__(self, side, arr)
        if self.nan_fill is not None and not np.isfinite(self.nan_fill):
            raise InvalidNetwork(f"{what}: nan_fill must be a finite number")
        object.__setattr__(self, "breaks", breaks)
        object.__setattr__(self, "coefs", coefs)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """Distance of ``x`` (wrapped, for periodic) to the breakpoints where the output jumps:
        every breakpoint of piecewise constants (degree 0), the two ends under ``nan``; ``x`` on
        a breakpoint exactly is on it in float32 too (unless wrapped). None where the pieces join
        continuously."""
        if self.coefs.shape[2] > 1 and self.extrapolation != "nan":
            return None
        b = self.breaks if self.coefs.shape[2] == 1 else self.breaks[:, [0, -1]]
        xc = inputs64[0][:, self.columns]
        if self.extrapolation == "periodic":
            first, period = self.breaks[:, 0], self.breaks[:, -1] - self.breaks[:, 0]
            r = np.fmod(xc - first, period)
            xc = first + np.where(r < 0, r + period, r)
        gap = np.abs(xc[:, :, None] - b[None, :, :])
        if self.extrapolation != "periodic":  # a wrapped x is computed, so it may miss in float32
            gap = np.where(gap == 0, np.inf, gap)
        return np.nan_to_num(gap.min(axis=(1, 2)), nan=np.inf)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if self.columns.max() >= width:
            raise InvalidNetwork(f"piecewise_poly {self.name!r}: column {self.columns.max()} of {width}")
        return TensorInfo(len(self.columns))


def piecewise_poly(node: PiecewisePoly, x: np.ndarray) -> np.ndarray:
    """The formula of :class:`PiecewisePoly`, in ``x``'s dtype (the exporters do the same steps)."""
    dt = x.dtype
    b, coefs = node.breaks.astype(dt), node.coefs.astype(dt)
    xc = x[:, node.columns]
    first, last = b[:, 0], b[:, -1]
    if node.extrapolation == "periodic":
        period = last - first
        r = np.fmod(xc - first, period)
        xc = first + np.where(r < 0, r + period, r)  # numpy's float % (npy_divmod) for period > 0
    count = (b[None, :, :] <= xc[:, :, None]).sum(axis=2)
    i = np.clip(count - 1, 0, b.shape[1] - 2)
    rows = np.arange(b.shape[0])[None, :]
    u = xc - b[rows, i]
    c = coefs[rows, i]  # [N, m, P]
    y = c[..., -1]
    for p in range(coefs.shape[2] - 2, -1, -1):
        y = y * u + c[..., p]
    if node.extrapolation == "nan":
        y = np.where((xc < first) | (xc > last), dt.type(np.nan), y)
    elif node.extrapolation == "affine":
        lo, hi = node.below.astype(dt), node.above.astype(dt)  # type: ignore[union-attr]
        y = np.where(xc < first, lo[:, 0] + (xc - first) * lo[:, 1], y)
        y = np.where(xc > last, hi[:, 0] + (xc - last) * hi[:, 1], y)
    if node.nan_fill is not None:
        y = np.where(np.isnan(xc), dt.type(node.nan_fill), y)
    return y
