"""ONNX emitter of the monomials node: products of input columns with Gather and Mul.

``X`` is padded with a column of ones; factor slot ``k`` is one Gather (axis 1) of the column
each output multiplies in at step ``k`` (the ones column once an output has no factors left),
and the slots are multiplied in order, as ``nnconvert.ir.monomials.monomials`` does, so the
products are bit-identical to the numpy runtime (and to scikit-learn's PolynomialFeatures).
Default-domain operators only.
"""

from __future__ import annotations

import numpy as np

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.monomials import Monomials, factor_slots


def _emit(g: OnnxGraph, n: Monomials) -> None:
    x, y = n.input, n.name
    rows = g.op("Slice", [g.op("Shape", [x], name=y), g.axes(f"{y}.start", [0]), g.axes(f"{y}.end", [1])], name=y)
    ones_shape = g.op("Concat", [rows, g.axes(f"{y}.one_col", [1])], name=y, axis=0)
    ones = g.op("Expand", [g.const(f"{y}.one", np.ones((1, 1))), ones_shape], name=y)
    padded = g.op("Concat", [x, ones], name=y, axis=1)
    slots = factor_slots(n.powers)
    last = len(slots) - 1
    acc = None
    for k, idx in enumerate(slots):
        out = y if k == last else None
        col = g.op("Gather", [padded, g.const(f"{y}.slot{k}", idx, np.int64)], out if k == 0 else None, name=y, axis=1)
        acc = col if acc is None else g.op("Mul", [acc, col], out, name=y)


register_emitter(Monomials, _emit)
