"""A small network touching the basic activations, distance metrics and heads (dense, activation,
distance, concat, normalize, squeeze, argmax and threshold labels): a probe for runtimes and pages."""

from __future__ import annotations

import numpy as np

from nnconvert import ir


def probe_network() -> ir.Network:
    """Every basic activation but erf and round_float32, the four original metrics, every head."""
    from nnconvert.ir.builder import GraphBuilder

    b = GraphBuilder(2)
    h = b.dense(b.input, [[1.0, -1.0], [0.5, 2.0]], [0.1, 0.2])
    acts = [
        b.act(h, fn) for fn in ("relu", "sigmoid", "tanh", "softsign", "softmax", "square", "step_gt", "step_ge", "cos")
    ]
    acts += [
        b.act(h, "power", 3),
        b.act(h, "clip", -1, 1),
        b.act(b.act(h, "exp"), "log"),
        b.act(b.act(h, "exp"), "sqrt"),
    ]
    dists = [b.distance(h, [[0.0, 1.0]], m) for m in ("sqeuclidean", "euclidean", "manhattan", "chebyshev")]
    cat = b.concat([b.normalize(b.act(h, "reciprocal"), zero_to_uniform=True), *acts, *dists])
    s = b.squeeze(b.dense(cat, np.ones((b.width(cat), 1))))
    outputs = {"predict": b.argmax_label(h, ["a", "b"]), "decision_function": s, "transform": b.act(h, "abs")}
    outputs["score_samples"] = b.threshold_label(s, [0, 1])
    return b.build(outputs, ir.Metadata("probe", "classifier"))
