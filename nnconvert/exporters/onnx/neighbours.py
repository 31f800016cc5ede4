"""ONNX emitter of the neighbour-vote node: ``TopK`` (or a radius mask), ``Gather`` and a weighted mean.

``TopK(largest=0, sorted=1)`` returns equal distances lower index first, the tie rule of
:func:`nnconvert.ir.neighbours.nearest`; the steps mirror :func:`nnconvert.ir.neighbours.neighbour_vote`.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.neighbours import NeighbourVote, zero_threshold


def _weights(g: OnnxGraph, n: NeighbourVote, dist: str, inside: str | None) -> str:
    """``_get_weights``: ``1 / d``, or ``d == 0`` on rows holding a zero; 0 outside ``inside``."""
    name = n.name
    if n.weighting == "uniform":
        return g.op("Cast", [inside], name=name, to=g.elem_type)  # radius mode only
    zero_f = g.scalar(f"{name}.zero", 0.0)
    tol = g.scalar(f"{name}.zero_threshold", zero_threshold(n.zero_tol, g.dtype.type))
    zero = g.op("LessOrEqual", [dist, tol], name=name)
    if inside is not None:
        zero = g.op("And", [zero, inside], name=name)
    zero_w = g.op("Cast", [zero], name=name, to=g.elem_type)
    any_zero = g.op("Greater", [g.reduce("ReduceMax", zero_w, 1, 1, name=name), zero_f], name=name)
    inv = g.op("Div", [g.scalar(f"{name}.one", 1.0), dist], name=name)
    if inside is not None:
        inv = g.op("Where", [inside, inv, zero_f], name=name)
    return g.op("Where", [any_zero, zero_w, inv], name=name)


def _emit(g: OnnxGraph, n: NeighbourVote) -> None:
    d, y = n.input, n.name
    values = g.const(f"{y}.values", n.values)
    if n.k:
        k = g.const(f"{y}.k", np.asarray([n.k], dtype=np.int64))
        dist = g.fresh(f"{y}.distances")
        idx = g.fresh(f"{y}.indices")
        topk = helper.make_node("TopK", [d, k], [dist, idx], name=g.fresh(f"{y}/TopK"), axis=1, largest=0, sorted=1)
        g.nodes.append(topk)  # two outputs: OnnxGraph.op writes one
        picked = g.op("Gather", [values, idx], name=y, axis=0)  # [N, k, m]
        if n.weighting == "uniform":
            num = g.reduce("ReduceSum", picked, 1, 0, name=y)
            g.op("Div", [num, g.scalar(f"{y}.k_float", float(n.k))], y, name=y)
            return
        w = _weights(g, n, dist, None)
        w3 = g.op("Unsqueeze", [w, g.axes(f"{y}.axes2", [2])], name=y)
        num = g.reduce("ReduceSum", g.op("Mul", [w3, picked], name=y), 1, 0, name=y)
        g.op("Div", [num, g.reduce("ReduceSum", w, 1, 1, name=y)], y, name=y)
        return
    inside = g.op("LessOrEqual", [d, g.scalar(f"{y}.radius", n.radius)], name=y)
    w = _weights(g, n, d, inside)
    total = g.reduce("ReduceSum", w, 1, 1, name=y)
    empty = g.op("Equal", [total, g.scalar(f"{y}.zero_total", 0.0)], name=y)
    safe = g.op("Where", [empty, g.scalar(f"{y}.one_total", 1.0), total], name=y)
    mean = g.op("Div", [g.op("MatMul", [w, values], name=y), safe], name=y)
    fill = np.full(n.values.shape[1], np.nan) if n.outlier is None else n.outlier
    g.op("Where", [empty, g.const(f"{y}.outlier", fill[None, :]), mean], y, name=y)


register_emitter(NeighbourVote, _emit)
