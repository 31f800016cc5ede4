"""ONNX emitters of the column kinds: CategoryCodes compares each categorical column with its
known values (Equal), takes the first match's index (ArgMax) and writes NaN where none matches,
as ``nnconvert.ir.columns.category_codes``; CategoryIndicators gathers the listed columns and
compares them with their values (Equal, or IsNaN for the missing-value entries: And/Or masks), cast to the float type. Default-domain operators only (opset 13)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.columns import CategoryCodes, CategoryIndicators


def _codes(g: OnnxGraph, n: CategoryCodes) -> None:
    y, width = n.name, g.network.info(n.input).width
    cols: list[str] = []
    coded = dict(zip(n.columns.tolist(), range(len(n.columns)), strict=True))
    for j in range(width):  # type: ignore[arg-type]
        col = g.op("Gather", [n.input, g.const(f"{y}.col{j}", np.array([j]), np.int64)], name=y, axis=1)  # [N, 1]
        if j in coded:
            k = coded[j]
            known = g.const(f"{y}.known{j}", n.categories[k, : n.counts[k]][None, :])
            eq = g.op("Cast", [g.op("Equal", [col, known], name=y)], name=y, to=TensorProto.INT32)
            found = g.reduce("ReduceMax", eq, 1, 1, name=y)
            code = g.op("Cast", [g.op("ArgMax", [eq], name=y, axis=1, keepdims=1, select_last_index=0)], name=y,
                        to=g.elem_type)  # fmt: skip
            is_found = g.op("Cast", [found], name=y, to=TensorProto.BOOL)
            col = g.op("Where", [is_found, code, g.scalar(f"{y}.nan", np.nan)], name=y)
        cols.append(col)
    g.op("Concat", cols, y, name=y, axis=1)


def _indicators(g: OnnxGraph, n: CategoryIndicators) -> None:
    y = n.name
    cols = g.op("Gather", [n.input, g.const(f"{y}.columns", n.columns, np.int64)], name=y, axis=1)  # [N, m]
    eq = g.op("Equal", [cols, g.const(f"{y}.values", n.values[None, :])], name=y)
    if n.missing is not None:
        nan = g.op(
            "And", [g.op("IsNaN", [cols], name=y), g.const(f"{y}.missing", n.missing[None, :], np.bool_)], name=y
        )
        eq = g.op("Or", [g.op("And", [eq, g.const(f"{y}.known", ~n.missing[None, :], np.bool_)], name=y), nan], name=y)
    g.op("Cast", [eq], y, name=y, to=g.elem_type)


register_emitter(CategoryCodes, _codes)
register_emitter(CategoryIndicators, _indicators)
