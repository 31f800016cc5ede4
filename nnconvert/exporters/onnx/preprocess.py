"""ONNX emitters of the preprocessing and label node kinds (``nnconvert.ir.columns``/``labels``).

Missing values: ``IsNaN`` or ``Equal``, then ``Where`` (a NaN never meets a multiplication).
Row norms as ``sklearn.preprocessing.normalize``; ``Interp`` counts the knots at or left of
``x`` (``LessOrEqual`` + ``ReduceSum``), gathers the segment from flattened tables and applies
the same ``Where`` rules as the numpy kernel. Labels: ``Equal`` against each class; stacking by
``Unsqueeze`` + ``Concat``. Default-domain operators only.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.labels import LabelIndicator, StackLabels
from nnconvert.ir.preprocess import TINY_NORM, Impute, Interp, IsMissing, MarkMissing, RowNorm


def _mask(g: OnnxGraph, x: str, value: float | None, y: str) -> str:
    if value is None:
        return g.op("IsNaN", [x], name=y)
    return g.op("Equal", [x, g.scalar(f"{y}.missing", value)], name=y)


def _is_missing(g: OnnxGraph, n: IsMissing) -> None:
    g.op("Cast", [_mask(g, n.input, n.value, n.name)], n.name, name=n.name, to=g.elem_type)


def _impute(g: OnnxGraph, n: Impute) -> None:
    mask = _mask(g, n.input, n.value, n.name)
    g.op("Where", [mask, g.const(f"{n.name}.fill", n.fill[None, :]), n.input], n.name, name=n.name)


def _mark_missing(g: OnnxGraph, n: MarkMissing) -> None:
    mask = _mask(g, n.input, n.value, n.name)
    g.op("Where", [mask, g.scalar(f"{n.name}.nan", float("nan")), n.input], n.name, name=n.name)


def _row_norm(g: OnnxGraph, n: RowNorm) -> None:
    x, y = n.input, n.name
    if n.norm == "l1":
        norms = g.reduce("ReduceSum", g.op("Abs", [x], name=y), 1, 1, name=y)
    elif n.norm == "l2":
        norms = g.op("Sqrt", [g.reduce("ReduceSum", g.op("Mul", [x, x], name=y), 1, 1, name=y)], name=y)
    else:
        norms = g.reduce("ReduceMax", g.op("Abs", [x], name=y), 1, 1, name=y)
    small = g.op("Less", [norms, g.scalar(f"{y}.tiny", TINY_NORM)], name=y)
    safe = g.op("Where", [small, g.scalar(f"{y}.one", 1.0), norms], name=y)
    g.op("Div", [x, safe], y, name=y)


def _interp(g: OnnxGraph, n: Interp) -> None:
    x, y = n.input, n.name
    d, k = n.xp.shape
    x3 = g.op("Unsqueeze", [x, g.axes(f"{y}.axes2", [2])], name=y)  # [N, d, 1]
    at_or_left = g.op("LessOrEqual", [g.const(f"{y}.xp", n.xp[None, :, :]), x3], name=y)
    count = g.reduce("ReduceSum", g.op("Cast", [at_or_left], name=y, to=TensorProto.INT64), 2, 0, name=y)
    one = g.const(f"{y}.one_i", np.asarray(1, np.int64))
    last_knot = g.op("Sub", [count, one], name=y)
    lo = g.const(f"{y}.lo", np.asarray(0, np.int64))
    seg = g.op("Max", [g.op("Min", [last_knot, g.const(f"{y}.hi", np.asarray(k - 2, np.int64))], name=y), lo], name=y)
    knot = g.op("Max", [g.op("Min", [last_knot, g.const(f"{y}.top", np.asarray(k - 1, np.int64))], name=y), lo], name=y)

    def gather(table: np.ndarray, index: str, hint: str) -> str:
        """``table[j, index[:, j]]`` through the flattened table (Gather on axis 0)."""
        offsets = g.const(f"{y}.{hint}_offsets", (np.arange(d) * table.shape[1])[None, :], np.int64)
        flat = g.op("Add", [index, offsets], name=y)
        return g.op("Gather", [g.const(f"{y}.{hint}", table.ravel()), flat], name=y, axis=0)

    x_i, f_i, slope = gather(n.xp, seg, "xp"), gather(n.fp, seg, "fp"), gather(n.slopes, seg, "slopes")
    out = g.op("Add", [g.op("Mul", [slope, g.op("Sub", [x, x_i], name=y)], name=y), f_i], name=y)
    last, first = g.const(f"{y}.xp_last", n.xp[None, :, -1]), g.const(f"{y}.xp_first", n.xp[None, :, 0])
    out = g.op("Where", [g.op("GreaterOrEqual", [x, last], name=y), g.const(f"{y}.fp_last", n.fp[None, :, -1]), out], name=y)  # fmt: skip
    on = g.op("Equal", [x, gather(n.xp, knot, "knots")], name=y)
    out = g.op("Where", [on, gather(n.knot_values, knot, "knot_values"), out], name=y)
    g.op("Where", [g.op("Less", [x, first], name=y), g.const(f"{y}.fp_first", n.fp[None, :, 0]), out], y, name=y)


def _label_indicator(g: OnnxGraph, n: LabelIndicator) -> None:
    x, y = n.input, n.name
    if n.classes.dtype.kind == "U" and g.opset < 19:
        raise InvalidNetwork(f"label_indicator {y!r} compares strings, which ONNX Equal does from opset 19 on")
    col = g.op("Unsqueeze", [x, g.axes(f"{y}.axes1", [1])], name=y)
    same = g.op("Equal", [col, g.const(f"{y}.classes", n.classes[None, :], n.classes.dtype)], name=y)
    g.op("Cast", [same], y, name=y, to=g.elem_type)


def _stack_labels(g: OnnxGraph, n: StackLabels) -> None:
    cols = [g.op("Unsqueeze", [s, g.axes(f"{n.name}.axes1", [1])], name=n.name) for s in n.sources]
    g.op("Concat", cols, n.name, name=n.name, axis=1)


register_emitter(IsMissing, _is_missing)
register_emitter(Impute, _impute)
register_emitter(MarkMissing, _mark_missing)
register_emitter(RowNorm, _row_norm)
register_emitter(Interp, _interp)
register_emitter(LabelIndicator, _label_indicator)
register_emitter(StackLabels, _stack_labels)
