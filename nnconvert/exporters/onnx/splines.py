"""ONNX emitter of ``piecewise_poly`` (:mod:`nnconvert.ir.splines`), the numpy kernel's steps:
``Gather`` of the input columns, the periodic wrap as ``Mod(fmod=1)`` plus the period where the
remainder is negative (numpy's float ``%``), the interval as a ``ReduceSum`` of
``LessOrEqual`` against the breakpoints, ``Gather`` of the interval's coefficients from
flattened tables, Horner with ``Mul``/``Add``, the ends with ``Where``. Default-domain operators only.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.splines import PiecewisePoly


def _piecewise_poly(g: OnnxGraph, n: PiecewisePoly) -> None:
    y = n.name
    m, k1 = n.breaks.shape
    xc = g.op("Gather", [n.input, g.const(f"{y}.columns", n.columns, np.int64)], name=y, axis=1)  # [N, m]
    first, last = g.const(f"{y}.first", n.breaks[None, :, 0]), g.const(f"{y}.last", n.breaks[None, :, -1])
    if n.extrapolation == "periodic":
        period = g.const(f"{y}.period", (n.breaks[:, -1] - n.breaks[:, 0])[None, :])
        r = g.op("Mod", [g.op("Sub", [xc, first], name=y), period], name=y, fmod=1)
        neg = g.op("Less", [r, g.scalar(f"{y}.zero", 0.0)], name=y)
        r = g.op("Where", [neg, g.op("Add", [r, period], name=y), r], name=y)
        xc = g.op("Add", [first, r], name=y)
    x3 = g.op("Unsqueeze", [xc, g.axes(f"{y}.axes2", [2])], name=y)  # [N, m, 1]
    at_or_left = g.op("LessOrEqual", [g.const(f"{y}.breaks", n.breaks[None, :, :]), x3], name=y)
    count = g.reduce("ReduceSum", g.op("Cast", [at_or_left], name=y, to=TensorProto.INT64), 2, 0, name=y)
    last_b = g.op("Sub", [count, g.const(f"{y}.one_i", np.asarray(1, np.int64))], name=y)
    hi = g.const(f"{y}.hi", np.asarray(k1 - 2, np.int64))
    i = g.op("Max", [g.op("Min", [last_b, hi], name=y), g.const(f"{y}.lo", np.asarray(0, np.int64))], name=y)
    flat = g.op("Add", [i, g.const(f"{y}.offsets", (np.arange(m) * (k1 - 1))[None, :], np.int64)], name=y)

    def gather(table: np.ndarray, hint: str) -> str:
        return g.op("Gather", [g.const(f"{y}.{hint}", table.ravel()), flat], name=y, axis=0)

    u = g.op("Sub", [xc, gather(n.breaks[:, :-1], "left")], name=y)
    p_count = n.coefs.shape[2]
    out = gather(n.coefs[:, :, -1], f"c{p_count - 1}")
    for p in range(p_count - 2, -1, -1):
        out = g.op("Add", [g.op("Mul", [out, u], name=y), gather(n.coefs[:, :, p], f"c{p}")], name=y)
    if n.extrapolation == "nan":
        outside = g.op("Or", [g.op("Less", [xc, first], name=y), g.op("Greater", [xc, last], name=y)], name=y)
        out = g.op("Where", [outside, g.scalar(f"{y}.nan", float("nan")), out], name=y)
    elif n.extrapolation == "affine":
        for side, edge, cmp in (("below", first, "Less"), ("above", last, "Greater")):
            table = getattr(n, side)
            v, s = g.const(f"{y}.{side}_v", table[None, :, 0]), g.const(f"{y}.{side}_s", table[None, :, 1])
            line = g.op("Add", [v, g.op("Mul", [g.op("Sub", [xc, edge], name=y), s], name=y)], name=y)
            out = g.op("Where", [g.op(cmp, [xc, edge], name=y), line, out], name=y)
    if n.nan_fill is not None:
        out = g.op("Where", [g.op("IsNaN", [xc], name=y), g.scalar(f"{y}.fill", n.nan_fill), out], name=y)
    g.op("Identity", [out], y, name=y)


register_emitter(PiecewisePoly, _piecewise_poly)
