"""Shared builders that several families use: column selection, affine scores, classifier heads.

Every head reproduces scikit-learn's conventions (``sklearn/linear_model/_base.py``,
``LinearClassifierMixin``): with one score column the decision function is 1-D and
``predict`` is ``classes_[1]`` iff the score ``> 0``; with k columns ``predict`` is
``classes_[argmax]`` with ties to the lowest index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def select_columns(
    g: GraphBuilder, x: str, columns: Sequence[int], *, what: str = "columns", hint: str = "columns"
) -> str:
    """``x[:, columns]`` as a selection layer (an exact Gather; a NaN in a dropped column stays
    out). Every column picking in the converters goes through here: a ColumnTransformer branch,
    a selector's support, a chain's order."""
    idx = np.asarray(columns, dtype=np.int64).ravel()
    width = g.width(x)
    if idx.size == 0:
        raise UnsupportedModel(f"no {what} selected")
    if np.array_equal(idx, np.arange(width)):
        return x
    weight = np.zeros((width, idx.size))
    weight[idx, np.arange(idx.size)] = 1.0
    return g.dense(x, weight, source={"weight": what}, hint=hint)


def as_column(g: GraphBuilder, t: str) -> str:
    """A tensor as ``[N, k]``: a 1-D score is the ``[N, 1]`` input of the Squeeze that made it."""
    if g.info(t).width is not None:
        return t
    node = next((n for n in g.nodes if n.name == t), None)
    if isinstance(node, ir.Squeeze):
        return node.input
    raise UnsupportedModel(f"cannot take the [N, 1] column of tensor {t!r}")


def transform_of(g: GraphBuilder, out: Mapping[str, str], who: str) -> str:
    """The float tensor a step hands on: its ``transform``. A boolean mask (MissingIndicator's
    output, a 0/1 float thresholded into ``[False, True]``) is handed on as its 0/1 floats,
    as numpy does when it stacks or multiplies booleans."""
    if "transform" not in out:
        raise UnsupportedModel(f"{who} has no transform to chain")
    t = out["transform"]
    if g.info(t).kind == "label":
        node = next(n for n in g.nodes if n.name == t)
        if isinstance(node, ir.ThresholdLabel) and (
            node.classes.dtype.kind == "b" or (node.classes.dtype.kind in "iu" and node.classes.tolist() == [0, 1])
        ):
            return node.input  # 0/1 floats (an integer one-hot encoder's columns too)
        raise UnsupportedModel(f"the transform of {who} is labels, not numbers")
    return t


def binary_score(est: Any, g: GraphBuilder, out: Mapping[str, str]) -> str:
    """``sklearn.multiclass._predict_binary`` as ``[N, 1]``: a regressor's ``predict``, else
    ``decision_function`` when the estimator has one, else ``predict_proba[:, 1]``."""
    from sklearn.base import is_regressor

    name = type(est).__name__
    method = "predict" if is_regressor(est) else "decision_function"
    if method == "decision_function" and not hasattr(est, method):
        method = "predict_proba"
    if method not in out:
        raise UnsupportedModel(f"the network of {name} has no {method}, which the wrapper reads")
    t = as_column(g, out[method])
    if method == "predict_proba":
        return select_columns(g, t, [1], what="predict_proba[:, 1]", hint="positive_proba")
    if g.width(t) != 1:
        raise UnsupportedModel(f"{name}.{method} has {g.width(t)} columns; a binary score has one")
    return t
