"""ONNX emitter of the pairwise_coupling node: libsvm's ``multiclass_probability`` as a Loop.

The loop runs at most ``max(100, k)`` sweeps and ends once every row has met the stopping
rule ``max_t |(Qp)_t - pQp| < 0.005 / k``; rows that met it keep their ``p`` (Where on a
per-row ``active`` mask). Each column is its own ``[N, 1]`` tensor and every sum is a chain of
Adds in the C code's order, so float64 agrees with ``nnconvert.ir_coupling`` (and libsvm) to
the last bits. Default-domain operators only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto, helper

from nnconvert.exporters.onnx import OnnxGraph, register_emitter
from nnconvert.ir_coupling import PairwiseCoupling


class _Body:
    """Nodes of the Loop body (names made unique through the outer graph)."""

    def __init__(self, g: OnnxGraph, prefix: str) -> None:
        self.g, self.prefix, self.nodes = g, prefix, []

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        out = self.g.fresh(f"{self.prefix}/{op_type.lower()}")
        self.nodes.append(
            helper.make_node(op_type, inputs, [out], name=self.g.fresh(f"{self.prefix}/{op_type}"), **attrs)
        )
        return out

    def chain(self, op_type: str, terms: list[str]) -> str:
        acc = terms[0]
        for t in terms[1:]:
            acc = self.op(op_type, [acc, t])
        return acc


def _emit(g: OnnxGraph, n: PairwiseCoupling) -> None:
    k, y, r = n.n_classes, n.name, n.input
    one, two = g.scalar(f"{y}.one", 1.0), g.scalar(f"{y}.two", 2.0)
    cols = [
        g.op("Gather", [r, g.const(f"{y}.col{p}", np.array([p], dtype=np.int64))], name=y, axis=1)
        for p in range(n.n_pairs)
    ]
    R: list[list[str]] = [[""] * k for _ in range(k)]
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            R[i][j], R[j][i] = cols[p], g.op("Sub", [one, cols[p]], name=y)
            p += 1
    Q: list[list[str]] = [[""] * k for _ in range(k)]
    for t in range(k):
        sq = [g.op("Mul", [R[j][t], R[j][t]], name=y) for j in range(k) if j != t]
        acc = sq[0]
        for s in sq[1:]:
            acc = g.op("Add", [acc, s], name=y)
        Q[t][t] = acc
        for j in range(t):
            Q[t][j] = Q[j][t]
        for j in range(t + 1, k):
            Q[t][j] = g.op("Mul", [g.op("Neg", [R[j][t]], name=y), R[t][j]], name=y)
    shape = g.op("Shape", [cols[0]], name=y)
    p0 = [g.op("Expand", [g.scalar(f"{y}.p0", 1.0 / k), shape], name=y) for _ in range(k)]
    active0 = g.op("Expand", [g.const(f"{y}.true", np.array(True)), shape], name=y)

    b = _Body(g, f"{y}/sweep")
    it_in, cond_in = g.fresh(f"{y}/iter"), g.fresh(f"{y}/cond_in")
    p_in = [g.fresh(f"{y}/p{t}_in") for t in range(k)]
    active_in = g.fresh(f"{y}/active_in")
    Qp = [b.chain("Add", [b.op("Mul", [Q[t][j], p_in[j]]) for j in range(k)]) for t in range(k)]
    pQp = b.chain("Add", [b.op("Mul", [p_in[t], Qp[t]]) for t in range(k)])
    max_error = b.chain("Max", [b.op("Abs", [b.op("Sub", [Qp[t], pQp])]) for t in range(k)])
    stop = b.op("Less", [max_error, g.scalar(f"{y}.eps", 0.005 / k)])
    active = b.op("And", [active_in, b.op("Not", [stop])])
    new_p = list(p_in)
    for t in range(k):
        diff = b.op("Div", [b.op("Sub", [pQp, Qp[t]]), Q[t][t]])
        new_p[t] = b.op("Add", [new_p[t], diff])
        onep = b.op("Add", [one, diff])
        inner = b.op("Add", [b.op("Mul", [diff, Q[t][t]]), b.op("Mul", [two, Qp[t]])])
        pQp = b.op("Div", [b.op("Div", [b.op("Add", [pQp, b.op("Mul", [diff, inner])]), onep]), onep])
        for j in range(k):
            Qp[j] = b.op("Div", [b.op("Add", [Qp[j], b.op("Mul", [diff, Q[t][j]])]), onep])
            new_p[j] = b.op("Div", [new_p[j], onep])
    p_out = [b.op("Where", [active, new_p[t], p_in[t]]) for t in range(k)]
    n_active = b.op("ReduceSum", [b.op("Cast", [active], to=TensorProto.INT64)], keepdims=0)
    cond_out = b.op("Greater", [n_active, g.const(f"{y}.zero_rows", np.array(0, dtype=np.int64))])
    col = [None, 1]
    a_out = g.fresh(f"{y}/active_out")
    body = helper.make_graph(
        [*b.nodes, helper.make_node("Identity", [active], [a_out])],
        f"{y}_sweep",
        [
            helper.make_tensor_value_info(it_in, TensorProto.INT64, [1]),
            helper.make_tensor_value_info(cond_in, TensorProto.BOOL, [1]),
        ]
        + [helper.make_tensor_value_info(v, g.elem_type, col) for v in p_in]
        + [helper.make_tensor_value_info(active_in, TensorProto.BOOL, col)],
        [helper.make_tensor_value_info(cond_out, TensorProto.BOOL, None)]
        + [helper.make_tensor_value_info(v, g.elem_type, col) for v in p_out]
        + [helper.make_tensor_value_info(a_out, TensorProto.BOOL, col)],
    )
    outs = [g.fresh(f"{y}/p{t}") for t in range(k)] + [g.fresh(f"{y}/active")]
    trips = g.const(f"{y}.max_iter", np.array(n.max_iter, dtype=np.int64))
    g.nodes.append(
        helper.make_node(
            "Loop",
            [trips, g.const(f"{y}.go", np.array(True)), *p0, active0],
            outs,
            name=g.fresh(f"{y}/Loop"),
            body=body,
        )
    )
    g.op("Concat", outs[:k], y, name=y, axis=1)


register_emitter(PairwiseCoupling, _emit)
