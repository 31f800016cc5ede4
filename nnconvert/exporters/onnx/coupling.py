"""ONNX emitter of the pairwise_coupling node: libsvm's ``multiclass_probability`` as a Loop.

The same steps as ``nnconvert.ir.coupling`` (read that first), always in double: a float32
graph Casts ``r`` to double and the probabilities back. Before the loop, once: ``Q`` ``[N, k, k]``
from a Gather of ``[r | 1 - r]``, its columns, its diagonal and the update rows
``V_t = [e_t | Q[t][:]]``. The loop runs at most ``max(100, k)`` sweeps over ``p`` ``[N, k]`` and
ends once every row has met the stopping rule ``max_t |(Qp)_t - pQp| < 0.005 / k``; rows that met
it keep their ``p`` (Where on a per-row ``active`` mask). Each of the k sequential steps of a
sweep updates ``S = [p | Qp]`` ``[N, 2k]`` in three operators; the sums ``Qp``, ``pQp`` and ``Q_tt``
are chains of Adds in the C code's order, so results agree with the numpy kernel (and libsvm) to
the last bit. Default-domain operators only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.coupling import PairwiseCoupling, pair_index

_DOUBLE = TensorProto.DOUBLE


class _Ops:
    """Appends nodes to ``nodes`` (the outer graph's or the Loop body's), names unique in ``g``."""

    def __init__(self, g: OnnxGraph, prefix: str, nodes: list[Any]) -> None:
        self.g, self.prefix, self.nodes = g, prefix, nodes
        self.indices: dict[tuple[int, bool], str] = {}

    def __call__(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        out = self.g.fresh(f"{self.prefix}/{op_type.lower()}")
        name = self.g.fresh(f"{self.prefix}/{op_type}")
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=name, **attrs))
        return out

    def const(self, hint: str, value: Any, dtype: Any = np.float64) -> str:
        return self.g.const(f"{self.prefix}.{hint}", np.asarray(value), dtype=dtype)

    def col(self, x: str, j: int, axis: int = 1, keep: bool = True) -> str:
        """``x[:, j:j+1]`` (``keep``) or ``x[:, j]`` along ``axis``."""
        if (j, keep) not in self.indices:
            name = self.g.fresh(f"{self.prefix}.i{j}")  # g.const would make a 0-d index 1-d
            self.g.initializers.append(numpy_helper.from_array(np.array([j] if keep else j, np.int64), name))
            self.indices[j, keep] = name
        return self("Gather", x, self.indices[j, keep], axis=axis)

    def chain(self, op_type: str, terms: list[str]) -> str:
        acc = terms[0]
        for t in terms[1:]:
            acc = self(op_type, acc, t)
        return acc

    def reduce_max(self, x: str) -> str:
        """Row max ``[N, w] -> [N, 1]`` (axes became an input in opset 18)."""
        if self.g.opset >= 18:
            return self("ReduceMax", x, self.const("axis1", [1], np.int64), keepdims=1)
        return self("ReduceMax", x, axes=[1], keepdims=1)


def _emit(g: OnnxGraph, n: PairwiseCoupling) -> None:
    k, y = n.n_classes, n.name
    o = _Ops(g, y, g.nodes)
    one, two = o.const("one", 1.0), o.const("two", 2.0)
    r = o("Cast", n.input, to=_DOUBLE) if g.elem_type != _DOUBLE else n.input
    # Q, built once: R[n, i, j] = r_ij, Q[t][t] = sum_j r_jt^2 (j ascending), Q[t][j] = -r_jt r_tj.
    eye = o.const("eye", np.eye(k, dtype=bool), bool)
    flat = o(
        "Gather", o("Concat", r, o("Sub", one, r), axis=1), o.const("pairs", pair_index(k).ravel(), np.int64), axis=1
    )
    R = o("Where", eye, o.const("zero", 0.0), o("Reshape", flat, o.const("kk", [-1, k, k], np.int64)))
    RT = o("Transpose", R, perm=[0, 2, 1])
    RT2 = o("Mul", RT, RT)
    diag = o.chain("Add", [o.col(RT2, j, axis=2) for j in range(k)])  # [N, k, 1]
    Q = o("Where", eye, diag, o("Neg", o("Mul", RT, R)))
    q_cols = [o.col(Q, j, axis=2, keep=False) for j in range(k)]  # Q[:, :, j] = Q[j][:] (symmetric)
    q_tt = [o.col(diag, t, keep=False) for t in range(k)]  # [N, 1]
    V = o("Concat", o("Expand", o.const("eye_d", np.eye(k)), o("Shape", Q)), Q, axis=2)
    v_rows = [o.col(V, t, keep=False) for t in range(k)]  # [N, 2k] = [e_t | Q[t][:]]
    p0 = o("Expand", o.const("p0", np.full((1, k), 1.0 / k)), o("Shape", q_cols[0]))
    active0 = o("Expand", o.const("true", np.array([[True]]), bool), o("Shape", q_tt[0]))

    body: list[Any] = []
    b = _Ops(g, f"{y}/sweep", body)
    it_in, cond_in, p_in, active_in = (g.fresh(f"{y}/{s}") for s in ("iter", "cond_in", "p_in", "active_in"))
    pc = [b.col(p_in, j) for j in range(k)]
    Qp = b.chain("Add", [b("Mul", q_cols[j], pc[j]) for j in range(k)])  # [N, k]
    pq = b("Mul", p_in, Qp)
    pQp = b.chain("Add", [b.col(pq, t) for t in range(k)])  # [N, 1]
    max_error = b.reduce_max(b("Abs", b("Sub", Qp, pQp)))
    stop = b("Less", max_error, b.const("eps", n.stop_tol / k))
    active = b("And", active_in, b("Not", stop))
    S = b("Concat", p_in, Qp, axis=1)
    for t in range(k):
        qpt = b.col(S, k + t)
        diff = b("Div", b("Sub", pQp, qpt), q_tt[t])
        onep = b("Add", one, diff)
        inner = b("Add", b("Mul", diff, q_tt[t]), b("Mul", two, qpt))
        pQp = b("Div", b("Div", b("Add", pQp, b("Mul", diff, inner)), onep), onep)
        S = b("Div", b("Add", S, b("Mul", diff, v_rows[t])), onep)
    p_new = b("Slice", S, b.const("s0", [0], np.int64), b.const("sk", [k], np.int64), b.const("ax", [1], np.int64))
    p_out = b("Where", active, p_new, p_in)
    n_active = b("ReduceSum", b("Cast", active, to=TensorProto.INT64), keepdims=0)
    cond_out = b("Greater", n_active, b.const("zero_rows", 0, np.int64))
    a_out = g.fresh(f"{y}/active_out")
    body.append(helper.make_node("Identity", [active], [a_out], name=g.fresh(f"{y}/sweep/Identity")))
    graph = helper.make_graph(
        body,
        f"{y}_sweep",
        [
            helper.make_tensor_value_info(it_in, TensorProto.INT64, [1]),
            helper.make_tensor_value_info(cond_in, TensorProto.BOOL, [1]),
            helper.make_tensor_value_info(p_in, _DOUBLE, [None, k]),
            helper.make_tensor_value_info(active_in, TensorProto.BOOL, [None, 1]),
        ],
        [
            helper.make_tensor_value_info(cond_out, TensorProto.BOOL, None),
            helper.make_tensor_value_info(p_out, _DOUBLE, [None, k]),
            helper.make_tensor_value_info(a_out, TensorProto.BOOL, [None, 1]),
        ],
    )
    p_fin, a_fin = g.fresh(f"{y}/p"), g.fresh(f"{y}/active")
    trips = o.const("max_iter", n.max_iter, np.int64)
    g.nodes.append(
        helper.make_node(
            "Loop",
            [trips, o.const("go", True, bool), p0, active0],
            [p_fin, a_fin],
            name=g.fresh(f"{y}/Loop"),
            body=graph,
        )
    )
    if g.elem_type != _DOUBLE:
        g.op("Cast", [p_fin], y, name=y, to=g.elem_type)
    else:
        g.op("Identity", [p_fin], y, name=y)


register_emitter(PairwiseCoupling, _emit)
