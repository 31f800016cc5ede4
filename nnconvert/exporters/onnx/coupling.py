"""ONNX emitter of the pairwise_coupling node: libsvm's ``multiclass_probability``, few operators.

The same sweeps as ``nnconvert.ir.coupling`` (read that first), always in double: a float32 graph
Casts ``r`` to double and the probabilities back. At batch 1 onnxruntime spends about 0.4 us per
operator whatever its size, so the graph is built to run as few operators as it can; the
arithmetic is libsvm's up to the order of a few sums (agreement ~1e-15, the stop decisions the
same except for rows within rounding of the threshold).

**k = 2, no loop.** With ``a = r_01``, ``b = 1 - a`` and ``Q = v v^T``, ``v = (b, -a)``, the state of
libsvm's iteration is the scalar ``w = b p_0 - a p_1`` (``p = (a + w, b - w)``, since ``p_0 + p_1 = 1``):
``Qp = (b w, -a w)``, ``pQp = w^2``, the stop error is ``|w| max(|b - w|, |a + w|)`` and step ``t`` maps
``w -> h(w; c) = c w^2 / (c^2 - c w + w^2)`` with ``c = b`` (t = 0), ``c = -a`` (t = 1). From
``w_0 = (b - a) / 2``: convergence is quadratic, and for every ``a`` in the clip range
``[1e-7, 1 - 1e-7]`` that scikit-learn feeds (``r`` comes from a ``clip`` activation) two sweeps
always meet the stop rule (the error after two sweeps is below 1.5e-4 against ``eps = 0.0025``;
``tests/test_coupling.py`` checks this on a dense grid). So ``w`` is ``w_0`` if it stops at once,
else ``w_2`` if the first sweep stops, else ``w_4``: 30-odd operators. In ``z = c / w`` form a step
is ``c / (z^2 - z + 1)``.

**k > 2, a Loop** of at most ``max(100, k)`` sweeps over ``p`` ``[N, 1, k]`` that ends once every row
has met the stop rule; rows that met it keep their ``p`` (Where on a per-row ``active`` mask).
Before it, once: ``Q`` ``[N, k, k]`` (a Gather of ``[r | 1 - r | 0]``), ``Q_tt`` and the update rows
``V_t = [e_t | Q[t][:]]``. A sweep: ``Qp`` one batched MatMul, ``pQp`` and the stop error a
ReduceSum and a ReduceMax; then the k sequential steps on ``S = [p | Qp]`` (12 operators each:
``diff = (pQp - Qp_t) / Q_tt``, ``S = (S + diff V_t) / (1 + diff)``,
``pQp = (pQp + diff (pQp + Qp_t)) / (1 + diff)^2``; libsvm writes ``diff Q_tt + 2 Qp_t`` for
``pQp + Qp_t``, the same number). Default-domain operators only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from nnconvert import ir
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

    def col(self, x: str, j: int, axis: int = 1) -> str:
        """``x[..., j:j+1, ...]`` along ``axis`` (the axis kept)."""
        if (j, True) not in self.indices:
            name = self.g.fresh(f"{self.prefix}.i{j}")
            self.g.initializers.append(numpy_helper.from_array(np.array([j], np.int64), name))
            self.indices[j, True] = name
        return self("Gather", x, self.indices[j, True], axis=axis)

    def reduce(self, op_type: str, x: str, axis: int) -> str:
        """``op_type`` over ``axis``, kept (axes became an input in opset 18)."""
        if self.g.opset >= 18 or op_type == "ReduceSum":  # ReduceSum: an input since opset 13
            return self(op_type, x, self.const(f"axis{axis}", [axis], np.int64), keepdims=1)
        return self(op_type, x, axes=[axis], keepdims=1)


def closed_form_ok(g: OnnxGraph, n: PairwiseCoupling) -> bool:
    """The k = 2 closed form holds for ``r`` inside ``[1e-7, 1 - 1e-7]`` (libsvm's clip), so it is
    used where ``r`` is a ``clip`` activation to a sub-range of that (what the converters build)."""
    if n.n_classes != 2 or n.stop_tol < PairwiseCoupling.stop_tol / 16:  # two sweeps, tested with that margin
        return False
    try:
        src = g.network.node(n.input)
    except Exception:  # the network input itself
        return False
    return isinstance(src, ir.Activation) and src.fn == "clip" and src.param[0] >= 1e-7 and src.param[1] <= 1 - 1e-7


def _emit(g: OnnxGraph, n: PairwiseCoupling) -> None:
    y = n.name
    o = _Ops(g, y, g.nodes)
    r = o("Cast", n.input, to=_DOUBLE) if g.elem_type != _DOUBLE else n.input
    p = _two_classes(o, r, n) if closed_form_ok(g, n) else _loop(g, o, r, n)
    if g.elem_type != _DOUBLE:
        g.op("Cast", [p], y, name=y, to=g.elem_type)
    else:
        g.op("Identity", [p], y, name=y)


def _two_classes(o: _Ops, a: str, n: PairwiseCoupling) -> str:
    """``p = (a + w, b - w)`` with ``w`` after the sweeps libsvm runs (0, 1 or 2; see the module)."""
    eps = n.stop_tol / 2
    one = o.const("one", 1.0)
    b = o("Sub", one, a)
    na = o("Neg", a)
    w0 = o("Sub", o.const("half", 0.5), a)  # b p_0 - a p_1 at p = (1/2, 1/2)

    def step(z: str) -> str:
        """``z^2 - z + 1`` (so that ``h = c / that``)."""
        return o("Add", o("Mul", z, o("Sub", z, one)), one)

    rho = o("Div", na, b)  # z' = c' / h(w; c) = (c' / c) (z^2 - z + 1)
    q1 = step(o("Div", b, w0))  # sweep 1, t = 0: w_1 = b / q1
    q2 = step(o("Mul", rho, q1))  # sweep 1, t = 1: w_2 = -a / q2
    w2 = o("Div", na, q2)
    q3 = step(o("Div", o("Mul", q2, b), na))  # sweep 2, t = 0 (z_3 = (b / -a) q2)
    q4 = step(o("Mul", rho, q3))
    w4 = o("Div", na, q4)
    stop0 = o("Less", o("Abs", w0), o.const("eps0", 2 * eps))  # error at p = 1/2: |w_0| / 2
    # w_2 <= 0 and |w_2| <= a: the error -w_2 max(b - w_2, a + w_2), both factors >= 0
    err1 = o("Mul", w2, o("Max", o("Sub", b, w2), o("Sub", w2, na)))
    stop1 = o("Greater", err1, o.const("neg_eps", -eps))
    w = o("Where", stop0, w0, o("Where", stop1, w2, w4))
    return o("Gemm", w, o.const("plus_minus", [[1.0, -1.0]]), o("Concat", a, b, axis=1))


def _loop(g: OnnxGraph, o: _Ops, r: str, n: PairwiseCoupling) -> str:
    """The sweeps as a Loop (see the module); returns ``p`` ``[N, k]`` in double."""
    k, y = n.n_classes, n.name
    one = o.const("one", 1.0)
    # R[n, i, j] = r_ij from [r | 1 - r | 0] (the diagonal reads the 0), Q[t][t] = sum_j r_jt^2,
    # Q[t][j] = -r_jt r_tj.
    padded = o("Concat", r, o("Sub", one, r), o("Mul", o.col(r, 0), o.const("zero", 0.0)), axis=1)
    idx = pair_index(k)
    idx[np.eye(k, dtype=bool)] = 2 * n.n_pairs
    R = o(
        "Reshape",
        o("Gather", padded, o.const("pairs", idx.ravel(), np.int64), axis=1),
        o.const("kk", [-1, k, k], np.int64),
    )
    RT = o("Transpose", R, perm=[0, 2, 1])
    diag = o.reduce("ReduceSum", o("Mul", RT, RT), 2)  # [N, k, 1]
    Q = o("Sub", o("Mul", diag, o.const("eye", np.eye(k))), o("Mul", RT, R))
    q_tt = [o.col(diag, t) for t in range(k)]  # [N, 1, 1]
    V = o("Concat", o("Expand", o.const("eye3", np.eye(k)[None]), o("Shape", Q)), Q, axis=2)
    v_rows = [o.col(V, t) for t in range(k)]  # [N, 1, 2k] = [e_t | Q[t][:]]
    shape = o("Shape", q_tt[0])  # [N, 1, 1]
    p0 = o("Expand", o.const("p0", np.full((1, 1, k), 1.0 / k)), shape)
    active0 = o("Expand", o.const("true", np.array([[[True]]]), bool), shape)

    body: list[Any] = []
    b = _Ops(g, f"{y}/sweep", body)
    it_in, cond_in, p_in, active_in = (g.fresh(f"{y}/{s}") for s in ("iter", "cond_in", "p_in", "active_in"))
    Qp = b("MatMul", p_in, Q)  # [N, 1, k] (Q is symmetric)
    pQp = b.reduce("ReduceSum", b("Mul", p_in, Qp), 2)  # [N, 1, 1]
    max_error = b.reduce("ReduceMax", b("Abs", b("Sub", Qp, pQp)), 2)
    active = b("And", active_in, b("Not", b("Less", max_error, b.const("eps", n.stop_tol / k))))
    S = b("Concat", p_in, Qp, axis=2)
    for t in range(k):
        qpt = b.col(S, k + t, axis=2)
        diff = b("Div", b("Sub", pQp, qpt), q_tt[t])
        onep = b("Add", diff, one)
        if t < k - 1:  # the next sweep recomputes pQp from scratch
            pQp = b("Div", b("Div", b("Add", pQp, b("Mul", diff, b("Add", pQp, qpt))), onep), onep)
        S = b("Div", b("Add", S, b("Mul", diff, v_rows[t])), onep)
    p_new = b("Slice", S, b.const("s0", [0], np.int64), b.const("sk", [k], np.int64), b.const("ax", [2], np.int64))
    p_out = b("Where", active, p_new, p_in)
    cond_out = b(
        "Greater",
        b("ReduceSum", b("Cast", active, to=TensorProto.INT64), keepdims=0),
        b.const("zero_rows", 0, np.int64),
    )
    a_out = g.fresh(f"{y}/active_out")
    body.append(helper.make_node("Identity", [active], [a_out], name=g.fresh(f"{y}/sweep/Identity")))
    graph = helper.make_graph(
        body,
        f"{y}_sweep",
        [
            helper.make_tensor_value_info(it_in, TensorProto.INT64, [1]),
            helper.make_tensor_value_info(cond_in, TensorProto.BOOL, [1]),
            helper.make_tensor_value_info(p_in, _DOUBLE, [None, 1, k]),
            helper.make_tensor_value_info(active_in, TensorProto.BOOL, [None, 1, 1]),
        ],
        [
            helper.make_tensor_value_info(cond_out, TensorProto.BOOL, None),
            helper.make_tensor_value_info(p_out, _DOUBLE, [None, 1, k]),
            helper.make_tensor_value_info(a_out, TensorProto.BOOL, [None, 1, 1]),
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
    return o("Reshape", p_fin, o.const("nk", [-1, k], np.int64))


register_emitter(PairwiseCoupling, _emit)
