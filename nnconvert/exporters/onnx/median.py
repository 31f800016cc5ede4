"""ONNX emitter of the weighted_median node (AdaBoostRegressor's ``_get_median_predict``):
TopK sorts each row ascending, the weights gathered in that order are accumulated (CumSum,
float64 as ``stable_cumsum``), the first position reaching half the total is an ArgMax of the
``>=`` mask, and the prediction there is gathered. Default-domain operators only."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.median import WeightedMedian


def _median(g: OnnxGraph, n: WeightedMedian) -> None:
    y, k = n.name, len(n.weights)
    sorted_x = g.fresh(f"{y}/sorted")
    order = g.fresh(f"{y}/order")
    g.nodes.append(
        helper.make_node(
            "TopK", [n.input, g.const(f"{y}.k", np.array([k]), np.int64)], [sorted_x, order],
            name=g.fresh(f"{y}/TopK"), axis=1, largest=0, sorted=1,
        )
    )  # fmt: skip
    w = g.op("Gather", [g.const(f"{y}.weights", n.weights, np.float64), order], name=y, axis=0)  # [N, k] double
    cdf = g.op("CumSum", [w, g.rank0(f"{y}.axis", 1, np.int64)], name=y)
    total = g.op("Gather", [cdf, g.const(f"{y}.last", np.array([k - 1]), np.int64)], name=y, axis=1)
    half = g.op("Mul", [total, g.const(f"{y}.half", np.array(0.5), np.float64)], name=y)
    reached = g.op("Cast", [g.op("GreaterOrEqual", [cdf, half], name=y)], name=y, to=TensorProto.INT32)
    pick = g.op("ArgMax", [reached], name=y, axis=1, keepdims=1, select_last_index=0)
    g.op("GatherElements", [sorted_x, pick], y, name=y, axis=1)


register_emitter(WeightedMedian, _median)
