"""Shared builders that several families use: affine scores and classifier heads.

Every head reproduces scikit-learn's conventions (``sklearn/linear_model/_base.py``,
``LinearClassifierMixin``): with one score column the decision function is 1-D and
``predict`` is ``classes_[1]`` iff the score ``> 0``; with k columns ``predict`` is
``classes_[argmax]`` with ties to the lowest index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def affine(
    g: GraphBuilder,
    x: str,
    coef: Any,
    intercept: Any,
    *,
    coef_name: str = "coef_",
    intercept_name: str = "intercept_",
    hint: str = "scores",
) -> str:
    """One neuron per row of ``coef``: ``z = x @ coef.T + intercept`` (``[N, n_rows]``)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.broadcast_to(np.asarray(intercept, dtype=np.float64), (coef.shape[0],))
    return g.dense(x, coef.T, intercept, source={"weight": f"{coef_name}.T", "bias": intercept_name}, hint=hint)


def decision_outputs(g: GraphBuilder, scores: str, classes: Any) -> dict[str, str]:
    """``decision_function`` and ``predict`` from linear scores (1 column: binary; k: argmax)."""
    if g.width(scores) == 1:
        decision = g.squeeze(scores, hint="decision")
        return {"decision_function": decision, "predict": g.threshold_label(decision, classes)}
    return {"decision_function": scores, "predict": g.argmax_label(scores, classes)}


def ovr_sigmoid_proba(g: GraphBuilder, scores: str) -> str:
    """``_predict_proba_lr``: binary ``[1 - s(z), s(z)]``; multiclass sigmoids normalised to sum 1
    (all-zero rows become uniform)."""
    p = g.act(scores, "sigmoid")
    if g.width(scores) == 1:
        return g.binary_proba(p)
    return g.normalize(p, zero_to_uniform=True)


def softmax_proba(g: GraphBuilder, scores: str) -> str:
    """Multinomial probabilities: ``softmax(z)`` (binary: the sigmoid pair, which equals it)."""
    if g.width(scores) == 1:
        return g.binary_proba(g.act(scores, "sigmoid"))
    return g.act(scores, "softmax", hint="proba")


def regression_output(g: GraphBuilder, values: str, one_dimensional: bool) -> dict[str, str]:
    """``predict`` of a regressor: 1-D when it was fitted on a 1-D target."""
    return {"predict": g.squeeze(values, hint="prediction") if one_dimensional else values}


def column_of(g: GraphBuilder, t: str) -> str:
    """A 1-D score as its ``[N, 1]`` column (the input of the Squeeze that made it)."""
    if g.info(t).width is not None:
        return t
    node = next((n for n in g.nodes if n.name == t), None)
    if isinstance(node, ir.Squeeze):
        return node.input
    raise UnsupportedModel(f"cannot take the [N, 1] column of tensor {t!r}")
