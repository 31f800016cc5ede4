"""ONNX emitter of the erf-mixture node: Cast to double, the Cephes erf, the mixture, Cast back."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from nnconvert.exporters.onnx.erf import erf
from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.erf_mixture import ErfMixture


def _emit(g: OnnxGraph, n: ErfMixture) -> None:
    y = n.name

    def const(hint: str, value: np.ndarray) -> str:
        return g.const(f"{y}.{hint}.f64", np.asarray(value, dtype=np.float64), np.float64)  # double on purpose

    f = g.op("Cast", [n.mean], name=y, to=TensorProto.DOUBLE)
    v = g.op("Cast", [n.variance], name=y, to=TensorProto.DOUBLE)
    lam = n.lambdas[None, :]
    den = g.op("Add", [g.op("Mul", [v, const("two_lambda2", 2 * lam**2)], name=y), const("one", 1.0)], name=y)
    inv = g.op("Div", [const("one_", 1.0), g.op("Sqrt", [den], name=y)], name=y)
    z = g.op("Mul", [g.op("Mul", [f, const("lambdas", lam)], name=y), inv], name=y)
    e = g.fresh(f"{y}.erf")
    erf(g, z, e, double=True)
    mix = g.op("MatMul", [e, const("half_coefs", (n.coefs / 2)[:, None])], name=y)
    total = g.op("Add", [mix, const("half_sum", n.coefs.sum() / 2)], name=y)
    g.op("Cast", [total], y, name=y, to=g.elem_type)


register_emitter(ErfMixture, _emit)
