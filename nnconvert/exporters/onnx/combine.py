"""ONNX emitter of the combine node: ``Mul``/``Add`` chains, left to right as the runtime."""

from __future__ import annotations

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.combine import Combine


def _emit(g: OnnxGraph, n: Combine) -> None:
    y, xs = n.name, list(n.sources)
    if n.fn == "mul":
        acc = xs[0] if len(xs) > 1 else g.op("Identity", [xs[0]], y, name=y)
        for i, x in enumerate(xs[1:], 1):
            acc = g.op("Mul", [acc, x], y if i == len(xs) - 1 else None, name=y)
        return
    terms = [
        g.op("Mul", [x, g.scalar(f"{y}.coeff{i}", c)], name=y)
        for i, (x, c) in enumerate(zip(xs, n.coeffs, strict=True))
    ]
    acc = terms[0]
    for t in terms[1:]:
        acc = g.op("Add", [acc, t], name=y)
    if n.bias:
        acc = g.op("Add", [acc, g.scalar(f"{y}.bias", n.bias)], name=y)
    g.op("Identity", [acc], y, name=y)


register_emitter(Combine, _emit)
