"""CatBoost: oblivious or non-symmetric trees summed, scaled and biased, then the loss's link.

Mirrors CatBoost's evaluator as :mod:`nnconvert.io.native.catboost_model` states it: X cast to
float32; split ``(f, b)`` has bit ``x[f] > b``, NaN as ``-inf`` (``AsIs``, ``AsFalse``) or ``+inf``
(``AsTrue``); leaf ``sum_j bit_j << j`` (oblivious) or the end of the step-node walk
(non-symmetric); ``raw = scale * sum + bias``; sigmoid / softmax / one sigmoid per class (or per
label) for classifiers; ``exp`` for Poisson and Tweedie regressors, ``[mean, exp(2 log sd)]`` for
RMSEWithUncertainty.

An oblivious tree of depth ``d`` becomes the full binary tree of the shared tree networks
(:func:`nnconvert.converters.trees.tree_block`): level ``k`` tests split ``k`` (``x <= b`` goes left,
bit 0), so the heap position ``p`` of a leaf holds the path bits first-split-first and its value is
CatBoost's leaf ``reverse_d(p)``. A non-symmetric tree's step nodes become the same tree layout
(:func:`non_symmetric_tree`): a node with both steps non-zero is a split whose children are the
nodes its steps reach; a step of 0 is a leaf child holding the node's own values.

Four inputs reach the same model: the JSON file, the ``.cbm`` file and a pickle's blob (read by
nnconvert, no CatBoost needed), and a live ``CatBoostClassifier``/``CatBoostRegressor`` (its
``_serialize_model()`` blob, read the same way).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import regression_output
from nnconvert.converters.registry import register
from nnconvert.converters.trees import TreeData, summarize_trees, tree_block
from nnconvert.errors import NotFitted, UnsupportedModel
from nnconvert.io.limits import Budget, Limits
from nnconvert.io.native import catboost_cbm
from nnconvert.io.native.catboost_model import (
    EXP_LOSSES,
    UNCERTAINTY_LOSS,
    CatBoostClassification,
    CatBoostModel,
    build,
)

_ARCH = "split neurons (x[f] > border, X as float32, NaN by nan_value_treatment) of every tree -> leaf AND neurons -> scale * sum + bias"
_CLASSIFIER = f"{_ARCH} -> sigmoid | softmax = predict_proba; > 0 | argmax = predict"
_REGRESSOR = f"{_ARCH} (-> exp for Poisson/Tweedie; mean, exp(2 log sd) for RMSEWithUncertainty) = predict"


def _reverse_bits(p: np.ndarray, d: int) -> np.ndarray:
    out = np.zeros_like(p)
    for j in range(d):
        out |= ((p >> j) & 1) << (d - 1 - j)
    return out


def oblivious_tree(m: CatBoostModel, start: int, leaf: int, d: int) -> TreeData:
    """Tree with splits ``start .. start+d-1`` and leaves ``leaf .. leaf+2^d-1`` as a full binary tree."""
    n_inner = (1 << d) - 1
    node = np.arange(2 * n_inner + 1)
    level = np.floor(np.log2(node + 1)).astype(np.int64)  # exact for these small integers
    inner = node < n_inner
    split = start + np.minimum(level, max(d - 1, 0))
    feature = np.where(inner, m.split_feature[split] if d else 0, 0)
    threshold = np.where(inner, m.split_border[split] if d else 0.0, 0.0)
    missing_left = np.where(inner, ~m.nan_as_true[feature], False)
    position = node - n_inner
    values = np.zeros((len(node), m.dimension))
    values[n_inner:] = m.leaf_values[leaf + _reverse_bits(position[n_inner:], d)]
    left = np.where(inner, 2 * node + 1, -1)
    return TreeData(feature, threshold, left, np.where(inner, 2 * node + 2, -1), missing_left, values)


def non_symmetric_tree(m: CatBoostModel, start: int, size: int) -> TreeData:
    """Step nodes ``start .. start+size-1`` as a binary tree, in pre-order from the tree's first node
    (nodes no walk reaches are left out)."""
    assert m.step_nodes is not None
    feature, threshold, left, right, missing_left, rows = [], [], [], [], [], []
    stack = [(start, -1, -1, 0)]  # (step node, its leaf row or -1, parent, side)
    while stack:
        node, leaf_row, parent, side = stack.pop()
        k = len(feature)
        if parent >= 0:
            (left if side == 0 else right)[parent] = k
        l_diff, r_diff, row = (int(v) for v in m.step_nodes[node])
        if leaf_row >= 0 or l_diff == r_diff == 0:
            f, b, kids = 0, 0.0, None
            rows.append(row if leaf_row < 0 else leaf_row)
        else:
            f, b, kids = int(m.split_feature[node]), float(m.split_border[node]), (l_diff, r_diff)
            rows.append(-1)
        feature.append(f), threshold.append(b), left.append(-1), right.append(-1)
        missing_left.append(kids is not None and not m.nan_as_true[f])
        if kids is not None:  # a step of 0 ends the walk here: a leaf child with this node's values
            for s, diff in ((1, r_diff), (0, l_diff)):  # the left child is popped first
                stack.append((node + diff, -1, k, s) if diff else (node, row, k, s))
    values = np.zeros((len(rows), m.dimension))
    leaf = np.array(rows) >= 0
    values[leaf] = m.leaf_values[np.array(rows)[leaf]]
    return TreeData(np.array(feature, dtype=np.int64), np.array(threshold), np.array(left, dtype=np.int64),
                    np.array(right, dtype=np.int64), np.array(missing_left, dtype=bool), values)  # fmt: skip


def trees_of(m: CatBoostModel) -> list[TreeData]:
    trees, start, leaf = [], 0, 0
    for size in m.tree_sizes.tolist():
        if m.oblivious:
            trees.append(oblivious_tree(m, start, leaf, size))
            leaf += 1 << size
        else:
            trees.append(non_symmetric_tree(m, start, size))
        start += size
    return trees


def catboost_network(m: CatBoostModel, g: Any, x: str, named: Any) -> dict[str, str]:
    """``raw = scale * sum_t value_t[leaf_t(x)] + bias``, then the outputs the model's methods give."""
    trees = trees_of(m)
    g.missing_values = True  # NaN is routed by each feature's nan_value_treatment
    total = tree_block(g, x, trees, cast_float32=True, source="leaf_values", hint="tree_sum")
    raw = g.scale(total, m.scale, m.bias, source={"weight": "scale", "bias": "bias"}, hint="raw")
    summarize_trees(g, named, trees, f"scale * leaf values summed + bias = raw ({m.loss})",
                    loss=m.loss, depth=max(t.depth for t in trees), origin=m.origin,
                    grow_policy="SymmetricTree" if m.oblivious else "non-symmetric")  # fmt: skip
    if not isinstance(m, CatBoostClassification):
        if m.loss in EXP_LOSSES:
            raw = g.act(raw, "exp", hint="prediction")
        if m.loss == UNCERTAINTY_LOSS:  # [mean, log sd] -> [mean, variance = exp(2 log sd)]
            mean = g.dense(raw, [[1.0], [0.0]], hint="mean")
            variance = g.act(g.dense(raw, [[0.0], [2.0]], hint="twice_log_sd"), "exp", hint="variance")
            raw = g.concat([mean, variance], hint="prediction")
        return regression_output(g, raw, m.dimension == 1)
    if m.multilabel:  # one sigmoid per label; each label 1 where raw > 0
        proba = g.act(raw, "sigmoid", hint="proba")
        return {"predict_proba": proba, "predict": g.threshold_label(raw, np.array([0, 1]), 0.0, strict=True)}
    if m.dimension == 1:
        decision = g.squeeze(raw, hint="decision")
        return {
            "predict_proba": g.binary_proba(g.act(raw, "sigmoid", hint="positive_proba")),
            "predict": g.threshold_label(decision, m.class_names, m.threshold, strict=True),
        }
    proba = g.act(raw, "softmax" if m.loss == "MultiClass" else "sigmoid", hint="proba")
    label = g.argmax_label(raw, m.class_names)
    return {"predict_proba": proba, "predict": g.add(ir.StackLabels, "labels", sources=(label,))}


@register("nnconvert.io.native.catboost_model.CatBoostClassification", _CLASSIFIER)
@register("nnconvert.io.native.catboost_model.CatBoostRegression", _REGRESSOR)
def catboost_file(m: CatBoostModel, g: Any, x: str) -> dict[str, str]:
    """A CatBoost model read by nnconvert (JSON file or pickle blob)."""
    return catboost_network(m, g, x, m)


def from_live(est: Any) -> CatBoostModel:
    """A live CatBoost model's own binary blob, read by nnconvert's reader (no file involved)."""
    if not est.is_fitted():
        raise NotFitted(f"this {type(est).__name__} is not fitted; fit it before converting")
    classifier = type(est).__name__ == "CatBoostClassifier"
    blob = bytes(est._serialize_model())
    budget = Budget(type(est).__name__, Limits.with_memory(None))
    return build(catboost_cbm.parse(blob, budget), budget, classifier=classifier, origin=type(est).__name__)


@register("catboost.CatBoostClassifier", _CLASSIFIER)
@register("catboost.CatBoostRegressor", _REGRESSOR)
def catboost_live(est: Any, g: Any, x: str) -> dict[str, str]:
    """A fitted ``CatBoostClassifier``/``CatBoostRegressor`` object."""
    m = from_live(est)
    if g.width(x) != m.n_features:  # a model made with load_model() reports n_features_in_ = 0
        raise UnsupportedModel(
            f"this {type(est).__name__} says it takes {g.width(x)} features but its trees read {m.n_features}; "
            "convert the model file itself (save_model(path, format='json'))"
        )
    return catboost_network(m, g, x, est)
