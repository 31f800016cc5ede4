"""Random forests, extra trees and isolation forests: many trees, one network.

Mirrors ``sklearn/ensemble/_forest.py``: ``ForestClassifier.predict_proba`` sums the trees'
``predict_proba`` (tree order) and divides by the number of trees; ``predict`` is
``classes_[argmax]`` (ties to the lowest index; multi-output: per output, the label columns side by
side, the probability arrays side by side); ``ForestRegressor.predict`` is the mean of the
trees' predictions. ``sklearn/ensemble/_iforest.py``: each tree (fitted on the columns
``estimators_features_``) contributes ``decision_path_length[leaf] + c(n_samples[leaf]) - 1`` with
``c`` the average path length of an unsuccessful BST search; ``score_samples = -2 ** (-sum /
(n_trees c(max_samples)))``, ``decision_function = score_samples - offset_`` and ``predict`` is 1
where that is ``>= 0``, else -1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import regression_output
from nnconvert.converters.registry import register
from nnconvert.converters.trees import (
    TREE_PICKLE,
    accepts_missing,
    classes_text,
    classifier_heads,
    classifier_values,
    from_sklearn,
    regressor_values,
    summarize_trees,
    tree_block,
)
from nnconvert.ir.builder import GraphBuilder

_TREE_CLASSES = (
    "sklearn.tree.DecisionTreeClassifier",
    "sklearn.tree.DecisionTreeRegressor",
    "sklearn.tree.ExtraTreeClassifier",
    "sklearn.tree.ExtraTreeRegressor",
)
FOREST_PICKLE = (*TREE_PICKLE, *_TREE_CLASSES)
_CLASSIFIER = "split neurons of every tree (X as float32) -> leaf AND neurons -> class fractions summed / n_trees = predict_proba -> argmax"
_REGRESSOR = "split neurons of every tree (X as float32) -> leaf AND neurons -> leaf values summed / n_trees = predict"


@register("sklearn.ensemble.RandomForestClassifier", _CLASSIFIER, pickle_support=FOREST_PICKLE)
@register("sklearn.ensemble.ExtraTreesClassifier", _CLASSIFIER, pickle_support=FOREST_PICKLE)
def forest_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict_proba = sum_t value_t[leaf_t(x)] / T``; ``predict = classes_[argmax]``."""
    trees = [from_sklearn(t.tree_, classifier_values(t)) for t in est.estimators_]  # trees see every class
    g.missing_values |= accepts_missing(est)
    total = tree_block(g, x, trees, hint="proba_sum")
    proba = g.scale(total, 1.0 / len(trees), 0.0, source={"weight": "1 / n_estimators"}, hint="proba")
    summarize_trees(g, est, trees, f"{classes_text(est)} summed / {len(trees)} = predict_proba -> argmax")
    return classifier_heads(g, est, proba)


@register("sklearn.ensemble.RandomForestRegressor", _REGRESSOR, pickle_support=FOREST_PICKLE)
@register("sklearn.ensemble.ExtraTreesRegressor", _REGRESSOR, pickle_support=FOREST_PICKLE)
def forest_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = sum_t value_t[leaf_t(x)] / T`` (one column per output)."""
    trees = [from_sklearn(t.tree_, regressor_values(t)) for t in est.estimators_]
    g.missing_values |= accepts_missing(est)
    total = tree_block(g, x, trees, hint="value_sum")
    mean = g.scale(total, 1.0 / len(trees), 0.0, source={"weight": "1 / n_estimators"}, hint="value")
    summarize_trees(g, est, trees, f"leaf values summed / {len(trees)} = predict")
    return regression_output(g, mean, est.n_outputs_ == 1)


def average_path_length(n: np.ndarray) -> np.ndarray:
    """``sklearn/ensemble/_iforest.py::_average_path_length``: ``c(n) = 2 (H(n - 1)) - 2 (n - 1) / n``
    with ``H(i) = ln(i) + euler_gamma``; ``c(1) = 0``, ``c(2) = 1``."""
    from sklearn.ensemble._iforest import _average_path_length

    return np.asarray(_average_path_length(np.asarray(n)), dtype=np.float64)


@register(
    "sklearn.ensemble.IsolationForest",
    "split neurons of every tree (X as float32) -> leaf AND neurons -> path length + c(leaf size) - 1 summed "
    "-> -2^(-sum / (n_trees c(max_samples))) = score_samples; - offset_ = decision_function; >= 0 -> 1 else -1",
    pickle_support=FOREST_PICKLE,
)
def isolation_forest(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """The average path length of ``x`` over the trees, normalised and exponentiated."""
    subsample = est._max_features != est.n_features_in_
    trees = []
    for t, feats, lengths, apl in zip(est.estimators_, est.estimators_features_, est._decision_path_lengths,
                                      est._average_path_length_per_tree, strict=True):  # fmt: skip
        depth = np.asarray(lengths, dtype=np.float64) + np.asarray(apl, dtype=np.float64) - 1.0
        trees.append(from_sklearn(t.tree_, depth[:, None], feats if subsample else None))
    g.missing_values = True
    total = tree_block(g, x, trees, source="decision_path_length + c(n_node_samples) - 1", hint="path_lengths")
    denominator = len(trees) * float(average_path_length(np.array([est._max_samples]))[0])
    # 2 ** (-d / den) = exp(-ln 2 d / den); a zero denominator (one training sample) gives 2 ** -1 (numpy's out=ones).
    scale = -np.log(2.0) / denominator if denominator != 0 else 0.0
    shift = 0.0 if denominator != 0 else -np.log(2.0)
    power = g.act(g.dense(total, [[scale]], [shift], hint="log2_score"), "exp", hint="anomaly_score")
    score = g.dense(power, [[-1.0]], [0.0], source={"weight": "score_samples = -score"}, hint="score_2d")
    decision = g.dense(power, [[-1.0]], [-float(est.offset_)], source={"bias": "-offset_"}, hint="decision_2d")
    summarize_trees(
        g, est, trees,
        f"path lengths summed -> -2^(-sum / {denominator:.6g}) = score_samples; - offset_ ({float(est.offset_):.6g}) "
        "= decision_function; >= 0 -> 1 (inlier), else -1 = predict",
        offset=float(est.offset_), max_samples=int(est._max_samples),
    )  # fmt: skip
    decision_1d = g.squeeze(decision, hint="decision")
    return {
        "score_samples": g.squeeze(score, hint="score"),
        "decision_function": decision_1d,
        "predict": g.threshold_label(decision_1d, [-1, 1], strict=False),
    }
