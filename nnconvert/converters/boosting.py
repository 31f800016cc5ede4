"""Gradient boosting (GradientBoosting*, HistGradientBoosting*): summed trees, then the loss's link.

GradientBoosting (``sklearn/ensemble/_gb.py``, ``_gradient_boosting.pyx::predict_stages``): X is
cast to float32; ``raw = init_raw + sum_stages learning_rate * value[leaf]`` (one tree per class
and stage); ``init_raw`` is 0 for ``init='zero'``, else ``_init_raw_predictions``: the init
estimator's ``predict_proba`` (positive column when binary) clipped to ``[eps, 1 - eps]`` and sent
through the link (logit; half logit for the exponential loss; ``log p - mean(log p)`` for
multinomial), or its ``predict`` for regressors. A Dummy init is a constant; a single-tree
init is one more tree whose leaves hold that raw prediction. Classifiers:
binary ``predict = classes_[raw >= 0]``, ``predict_proba = [1 - s, s]`` with ``s = expit(raw)``
(``expit(2 raw)`` for the exponential loss, ``sklearn/_loss/link.py::HalfLogitLink``); multiclass
softmax and argmax. Regressors: ``predict = raw``.

HistGradientBoosting (``_hist_gradient_boosting/gradient_boosting.py``, ``_predictor.pyx``): no
cast; ``raw = baseline_prediction_ + sum tree values`` (values hold the learning rate);
categorical columns go through ``OrdinalEncoder`` (unknown -> NaN) and bitset splits;
``predict = classes_[raw > 0]`` (binary) or argmax; regressors apply the inverse link (identity,
or exp for poisson and gamma).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import regression_output
from nnconvert.converters.registry import register
from nnconvert.converters.trees import TREE_PICKLE, TreeData, accepts_missing, from_sklearn, summarize_trees, tree_block
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_LOSSES = tuple(f"sklearn._loss.loss.{n}" for n in ("HalfBinomialLoss", "HalfMultinomialLoss", "ExponentialLoss",
                "HalfSquaredError", "AbsoluteError", "HuberLoss", "PinballLoss", "HalfPoissonLoss", "HalfGammaLoss"))  # fmt: skip
GB_PICKLE = (*TREE_PICKLE, "sklearn.tree.DecisionTreeRegressor", "sklearn.dummy.DummyClassifier",
             "sklearn.dummy.DummyRegressor", *_LOSSES)  # fmt: skip
HGB_PICKLE = (
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    *_LOSSES,
)
_EPS = float(np.finfo(np.float64).eps)
# Inits that become one more tree (their leaves' raw predictions are constants).
_TREE_INITS = tuple(f"{kind}{task}" for kind in ("DecisionTree", "ExtraTree") for task in ("Classifier", "Regressor"))


def _classifier_heads(g: GraphBuilder, raw: str, classes: Any, *, link_scale: float, strict: bool) -> dict[str, str]:
    """decision_function, predict_proba and predict from raw scores ``[N, K]``."""
    if g.width(raw) == 1:
        decision = g.squeeze(raw, hint="decision")
        z = raw if link_scale == 1.0 else g.dense(raw, [[link_scale]], [0.0], hint="link_in")
        return {
            "decision_function": decision,
            "predict_proba": g.binary_proba(g.act(z, "sigmoid", hint="positive_proba")),
            "predict": g.threshold_label(decision, classes, strict=strict),
        }
    return {
        "decision_function": raw,
        "predict_proba": g.act(raw, "softmax", hint="proba"),
        "predict": g.argmax_label(raw, classes),
    }


def _init_raw(est: Any, k: int) -> np.ndarray | TreeData:
    """``_raw_predict_init``: a constant (``'zero'``, a Dummy init) or, for a single-tree init, a
    tree whose leaves hold ``link(clip(predict_proba))`` (``predict`` for regressors) computed
    here in float64 by scikit-learn's own link, so it is exact in every dtype."""
    init = est.init_
    if isinstance(init, str) and init == "zero":
        return np.zeros(k)
    if type(init).__name__ in ("DummyClassifier", "DummyRegressor"):
        return np.asarray(est._raw_predict_init(np.zeros((1, est.n_features_in_))), dtype=np.float64)[0]
    if type(init).__name__ not in _TREE_INITS or getattr(init, "n_outputs_", 1) != 1:
        raise UnsupportedModel(
            f"GradientBoosting with init={type(init).__name__}: scikit-learn runs it on float32 X (float32 "
            "arithmetic for linear models) and takes a logit of its clipped probabilities, which a float32 network "
            "cannot reproduce; single-tree inits, Dummy inits and 'zero' are exact"
        )
    value = np.asarray(init.tree_.value, dtype=np.float64)[:, 0, :]
    if hasattr(est, "classes_"):
        proba = value[:, 1] if k == 1 else value  # predict_proba[:, 1] when binary
        raw = est._loss.link.link(np.clip(proba, _EPS, 1 - _EPS))
    else:
        raw = value[:, 0]
    return from_sklearn(init.tree_, np.asarray(raw, dtype=np.float64).reshape(len(value), k))


@register(
    "sklearn.ensemble.GradientBoostingClassifier",
    "split neurons of every tree (X as float32) -> leaf AND neurons -> init + learning_rate * leaf values "
    "= decision_function -> sigmoid | softmax = predict_proba; >= 0 | argmax = predict",
    pickle_support=GB_PICKLE,
)
@register(
    "sklearn.ensemble.GradientBoostingRegressor",
    "split neurons of every tree (X as float32) -> leaf AND neurons -> init + learning_rate * leaf values = predict",
    pickle_support=GB_PICKLE,
)
def gradient_boosting(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``raw = init_raw + learning_rate * sum value[leaf]``, then the loss's link."""
    stages, k = est.estimators_.shape
    lr = float(est.learning_rate)
    trees = []
    for i in range(stages):
        for j in range(k):
            value = np.zeros((est.estimators_[i, j].tree_.node_count, k))
            value[:, j] = lr * est.estimators_[i, j].tree_.value[:, 0, 0]
            trees.append(from_sklearn(est.estimators_[i, j].tree_, value))
    g.missing_values |= accepts_missing(est)
    init = _init_raw(est, k)
    if isinstance(init, TreeData):  # the init tree joins the boosted trees
        trees, bias = [init, *trees], np.zeros(k)
    else:
        bias = init
    total = tree_block(g, x, trees, source="learning_rate * tree_.value", hint="tree_sum")
    raw = g.scale(total, 1.0, bias, source={"bias": "init_ raw prediction"}, hint="raw")
    init_name = init if isinstance(est.init_, str) else type(est.init_).__name__
    tail = f"init ({init_name}) + {lr:g} * leaf values summed = raw"
    summarize_trees(g, est, trees, tail, learning_rate=lr, loss=str(est.loss), stages=stages)
    if not hasattr(est, "classes_"):
        return regression_output(g, raw, True)
    return _classifier_heads(g, raw, est.classes_, link_scale=2.0 if est.loss == "exponential" else 1.0, strict=False)


def _bit_table(bitsets: np.ndarray) -> np.ndarray:
    """``[n, 8]`` uint32 bitsets -> ``[n, 256]`` flags (``_bitset.pyx::in_bitset``)."""
    bits = np.asarray(bitsets, dtype=np.uint32)
    codes = np.arange(ir.trees.N_CATEGORIES)
    return ((bits[:, codes // 32] >> (codes % 32).astype(np.uint32)) & 1).astype(bool)


def _hgb_tree(predictor: Any, column: np.ndarray, k: int, j: int) -> TreeData:
    nodes = predictor.nodes
    leaf = nodes["is_leaf"].astype(bool)
    values = np.zeros((len(nodes), k))
    values[:, j] = np.where(leaf, nodes["value"], 0.0)
    is_cat = nodes["is_categorical"].astype(bool) & ~leaf
    bitsets = np.asarray(predictor.raw_left_cat_bitsets)
    category = np.where(is_cat, nodes["bitset_idx"].astype(np.int64), -1) if is_cat.any() else None
    return TreeData(
        feature=column[nodes["feature_idx"].astype(np.int64)],
        threshold=np.where(leaf | is_cat, 0.0, nodes["num_threshold"]),
        left=np.where(leaf, -1, nodes["left"].astype(np.int64)),
        right=np.where(leaf, -1, nodes["right"].astype(np.int64)),
        missing_left=nodes["missing_go_to_left"].astype(bool),
        values=values,
        category=category,
        categories=_bit_table(bitsets) if category is not None else None,
    )


def _hgb_input(est: Any, g: GraphBuilder, x: str) -> tuple[str, np.ndarray]:
    """Categorical columns as OrdinalEncoder codes (unknown -> NaN), and the map from the
    predictors' (categorical-first) column order to the network's columns."""
    is_cat = getattr(est, "is_categorical_", None)
    if is_cat is None or not np.any(is_cat) or est._preprocessor is None:
        return x, np.arange(est.n_features_in_)
    cat_cols = np.flatnonzero(is_cat)
    fitted = est._preprocessor.named_transformers_["encoder"].categories_
    # string categories (a pandas category column of text) are codes of the input column's vocabulary
    known = [g.category_codes(x, int(k), c, who=type(est).__name__) for k, c in zip(cat_cols, fitted, strict=True)]
    known = [c[~np.isnan(c)] for c in known]
    width = max(1, max(len(c) for c in known))
    table = np.zeros((len(known), width))
    for r, c in enumerate(known):
        table[r, : len(c)] = c
    if any(len(c) == 0 for c in known):
        raise UnsupportedModel("a categorical feature with no known category")
    codes = g.add(ir.CategoryCodes, "category_codes", input=x, columns=cat_cols, categories=table,
                  counts=np.array([len(c) for c in known]))  # fmt: skip
    return codes, np.concatenate([cat_cols, np.flatnonzero(~np.asarray(is_cat))])


@register(
    "sklearn.ensemble.HistGradientBoostingClassifier",
    "category codes -> split neurons (float64, NaN by missing_go_to_left, bitsets) -> leaf AND neurons -> baseline "
    "+ leaf values = decision_function -> sigmoid | softmax = predict_proba; > 0 | argmax = predict",
    pickle_support=HGB_PICKLE,
)
@register(
    "sklearn.ensemble.HistGradientBoostingRegressor",
    "category codes -> split neurons (float64, NaN by missing_go_to_left, bitsets) -> leaf AND neurons -> baseline "
    "+ leaf values -> inverse link = predict",
    pickle_support=HGB_PICKLE,
)
def hist_gradient_boosting(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``raw = baseline + sum value[leaf]`` on float64 X, then the link."""
    k = int(est.n_trees_per_iteration_)
    xin, column = _hgb_input(est, g, x)
    trees = [_hgb_tree(p, column, k, j) for it in est._predictors for j, p in enumerate(it)]
    g.missing_values |= accepts_missing(est)
    total = tree_block(g, xin, trees, cast_float32=False, source="TreePredictor.nodes['value']", hint="tree_sum")
    baseline = np.asarray(est._baseline_prediction, dtype=np.float64).reshape(-1)
    raw = g.scale(total, 1.0, baseline, source={"bias": "_baseline_prediction"}, hint="raw")
    link = type(est._loss.link).__name__
    summarize_trees(g, est, trees, f"baseline + leaf values summed = raw -> {link}", iterations=len(est._predictors),
                    loss=str(est.loss))  # fmt: skip
    if hasattr(est, "classes_"):
        return _classifier_heads(g, raw, est.classes_, link_scale=1.0, strict=True)
    if link == "LogLink":
        raw = g.act(raw, "exp", hint="prediction")
    elif link != "IdentityLink":
        raise UnsupportedModel(f"HistGradientBoostingRegressor with link {link}")
    return regression_output(g, raw, True)
