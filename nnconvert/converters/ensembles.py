"""Meta-ensembles: AdaBoost, bagging, voting and stacking over supported members.

- AdaBoostClassifier (``sklearn/ensemble/_weight_boosting.py``, SAMME): ``decision_function =
  sum_m w_m (1 if pred_m = c else -1/(k-1)) / sum(w)`` (binary: column 1 minus column 0, 1-D);
  the tree members' ``pred_m`` is a per-leaf constant, so each tree's leaves hold these votes.
  ``predict_proba = softmax(d / (k - 1))`` (binary ``softmax([-d, d] / 2)``); ``predict``:
  binary ``d > 0``, else argmax.
- AdaBoostRegressor: the weighted median of the trees' predictions (``weighted_median`` node).
- Bagging (``_bagging.py``): each member reads ``X[:, estimators_features_[m]]``
  (a selection layer, ``_blocks.select_columns``); classifiers average ``predict_proba`` (a member that saw fewer classes
  adds into its ``classes_`` columns) and ``decision_function``; regressors average ``predict``.
- Voting (``_voting.py``): soft ``predict_proba = average(probas, weights)``, ``transform`` the
  probabilities side by side; hard ``predict = classes_[argmax(bincount(encoded predictions,
  weights))]`` (weighted one-hot votes), ``transform`` the encoded predictions; VotingRegressor
  ``predict = average(predictions, weights)``.
- Stacking (``_stacking.py``): ``transform`` = each member's ``stack_method_`` output (binary
  ``predict_proba``: its column 1 only; ``predict``: its label-encoded prediction as a number),
  then ``X`` when ``passthrough``; the final estimator's network reads it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import as_column, regression_output, select_columns
from nnconvert.converters.registry import convert_into, register
from nnconvert.converters.trees import TREE_PICKLE, accepts_missing, from_sklearn, summarize_trees, tree_block
from nnconvert.errors import UnsupportedModel
from nnconvert.ir import LabelIndicator, StackLabels, WeightedMedian
from nnconvert.ir.builder import GraphBuilder

_TREES = ("sklearn.tree.DecisionTreeClassifier", "sklearn.tree.DecisionTreeRegressor",
          "sklearn.tree.ExtraTreeClassifier", "sklearn.tree.ExtraTreeRegressor")  # fmt: skip
_ENSEMBLE_PICKLE = (*TREE_PICKLE, *_TREES, "sklearn.preprocessing._label.LabelEncoder", "sklearn.utils._bunch.Bunch")


def _tree_members(est: Any) -> list[Any]:
    members = list(est.estimators_)
    if not all(hasattr(m, "tree_") and getattr(m, "n_outputs_", 1) == 1 for m in members):
        raise UnsupportedModel(f"{type(est).__name__} is supported over single-output decision trees (its default)")
    return members


@register(
    "sklearn.ensemble.AdaBoostClassifier",
    "split neurons of every tree -> leaf AND neurons -> weighted SAMME votes / sum(w) = decision_function "
    "-> softmax = predict_proba; > 0 | argmax = predict",
    pickle_support=_ENSEMBLE_PICKLE,
)
def adaboost_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """SAMME votes summed over the trees (see the module docstring)."""
    classes = np.asarray(est.classes_)
    k = len(classes)
    trees = []
    for member, w in zip(_tree_members(est), est.estimator_weights_, strict=False):
        value = np.asarray(member.tree_.value, dtype=np.float64)[:, 0, :]
        predicted = np.asarray(member.classes_)[value.argmax(axis=1)]  # DecisionTreeClassifier.predict at each leaf
        hit = predicted[:, None] == classes[None, :]
        trees.append(from_sklearn(member.tree_, np.where(hit, w, -w / (k - 1))))
    g.missing_values |= accepts_missing(est)
    total = tree_block(g, x, trees, source="estimator_weights_ (SAMME votes)", hint="votes")
    pred = g.scale(total, 1.0 / float(np.sum(est.estimator_weights_)), 0.0, hint="votes_mean")
    summarize_trees(g, est, trees, f"SAMME votes of {k} classes / sum(estimator_weights_) = decision_function")
    if k == 2:
        d2 = g.dense(pred, [[-1.0], [1.0]], [0.0], hint="decision_2d")
        decision = g.squeeze(d2, hint="decision")
        proba = g.act(g.dense(d2, [[-0.5, 0.5]], [0.0, 0.0], hint="proba_in"), "softmax", hint="proba")
        return {"decision_function": decision, "predict_proba": proba,
                "predict": g.threshold_label(decision, classes, strict=True)}  # fmt: skip
    proba = g.act(g.scale(pred, 1.0 / (k - 1), 0.0, hint="proba_in"), "softmax", hint="proba")
    return {"decision_function": pred, "predict_proba": proba, "predict": g.argmax_label(pred, classes)}


@register(
    "sklearn.ensemble.AdaBoostRegressor",
    "split neurons of every tree -> leaf AND neurons -> each tree's prediction -> weighted median = predict",
    pickle_support=_ENSEMBLE_PICKLE,
)
def adaboost_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``_get_median_predict``: the weighted median of the trees' predictions."""
    members = _tree_members(est)
    trees = [from_sklearn(m.tree_, np.asarray(m.tree_.value, dtype=np.float64)[:, 0, :]) for m in members]
    g.missing_values |= accepts_missing(est)
    each = tree_block(g, x, trees, per_tree=True, hint="tree_predictions")
    weights = np.asarray(est.estimator_weights_, dtype=np.float64)[: len(trees)]
    median = g.add(WeightedMedian, "median", input=each, weights=weights)
    summarize_trees(g, est, trees, f"{len(trees)} tree predictions -> weighted median = predict")
    return regression_output(g, median, True)


def _member_input(g: GraphBuilder, x: str, features: np.ndarray) -> str:
    """``X[:, features]``, the member's feature subset (an exact Gather, see ``select_columns``)."""
    return select_columns(g, x, features, what="estimators_features_", hint="bagged_features")


def _mean(g: GraphBuilder, parts: list[str], weights: np.ndarray, width: int, *, hint: str) -> str:
    """``sum_m w_m part_m`` (each ``[N, width]``) as one dense layer."""
    stacked = g.concat(parts)
    W = np.vstack([w * np.eye(width) for w in weights])
    return g.dense(stacked, W, np.zeros(width), hint=hint)


@register("sklearn.ensemble.BaggingClassifier", "each member's network on its feature subset -> mean of predict_proba "
          "(and decision_function) -> argmax = predict", pickle_support=_ENSEMBLE_PICKLE)  # fmt: skip
def bagging_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict_proba = sum_m P_m proba_m / M`` (``P_m`` places member ``m``'s classes)."""
    k, _n = len(est.classes_), est.n_features_in_
    probas, decisions = [], []
    for member, feats in zip(est.estimators_, est.estimators_features_, strict=True):
        out = convert_into(member, g, _member_input(g, x, feats))
        if "predict_proba" not in out:
            raise UnsupportedModel(f"BaggingClassifier over {type(member).__name__}: members need predict_proba")
        cols = np.asarray(member.classes_, dtype=np.int64)  # members learn the encoded labels 0..k-1
        place = np.zeros((len(cols), k))
        place[np.arange(len(cols)), cols] = 1.0
        probas.append(g.dense(out["predict_proba"], place, np.zeros(k), hint="member_proba"))
        if "decision_function" in out and hasattr(est, "decision_function"):
            decisions.append(as_column(g, out["decision_function"]))
    g.missing_values |= accepts_missing(est)
    m = len(probas)
    proba = _mean(g, probas, np.full(m, 1.0 / m), k, hint="proba")
    g.summarize(type(est).__name__, f"BaggingClassifier: {m} {type(est.estimators_[0]).__name__} networks on feature "
                f"subsets -> mean of predict_proba -> argmax = predict", members=m)  # fmt: skip
    out = {"predict_proba": proba, "predict": g.argmax_label(proba, est.classes_)}
    if hasattr(est, "decision_function"):
        width = g.width(decisions[0])
        dec = _mean(g, decisions, np.full(m, 1.0 / m), width, hint="decision_mean")
        out["decision_function"] = g.squeeze(dec, hint="decision") if width == 1 else dec
    return out


@register("sklearn.ensemble.BaggingRegressor", "each member's network on its feature subset -> mean = predict",
          pickle_support=_ENSEMBLE_PICKLE)  # fmt: skip
def bagging_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = sum_m predict_m(X[:, features_m]) / M``."""
    preds = [as_column(g, convert_into(m, g, _member_input(g, x, f))["predict"])
             for m, f in zip(est.estimators_, est.estimators_features_, strict=True)]  # fmt: skip
    g.missing_values |= accepts_missing(est)
    mean = _mean(g, preds, np.full(len(preds), 1.0 / len(preds)), 1, hint="prediction")
    g.summarize(type(est).__name__, f"BaggingRegressor: {len(preds)} member networks on feature subsets -> mean = predict",
                members=len(preds))  # fmt: skip
    return regression_output(g, mean, True)


def _weights(est: Any, m: int) -> np.ndarray:
    w = np.ones(m) if est.weights is None else np.asarray([w for w in est.weights if w is not None], dtype=np.float64)
    return w / w.sum()


@register("sklearn.ensemble.VotingClassifier", "each member's network -> weighted mean of predict_proba (soft) "
          "| weighted one-hot votes of the members' labels (hard) -> argmax = predict; transform: the probabilities "
          "| the members' labels side by side", pickle_support=_ENSEMBLE_PICKLE)  # fmt: skip
def voting_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """Soft voting: ``predict_proba = sum_m w_m proba_m / sum(w)``; hard: :func:`_hard_voting`."""
    if est.voting != "soft":
        return _hard_voting(est, g, x)
    k = len(est.classes_)
    probas = [convert_into(m, g, x)["predict_proba"] for m in est.estimators_]
    proba = _mean(g, probas, _weights(est, len(probas)), k, hint="proba")
    g.summarize("VotingClassifier", f"VotingClassifier soft: {len(probas)} member networks -> weighted mean of "
                "predict_proba -> argmax = predict", members=len(probas))  # fmt: skip
    out = {"predict_proba": proba, "predict": g.argmax_label(proba, est.classes_)}
    if est.flatten_transform:
        out["transform"] = g.concat(probas)
    return out


def _hard_voting(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = classes_[argmax(bincount(pred, weights))]`` over the members' label-encoded
    predictions ``pred`` (members learnt ``le_.transform(y)``: labels 0..k-1): the votes
    ``sum_m w_m [pred_m == c]`` are one dense layer over the members' label indicators, the argmax
    ties to the lowest class as numpy's. ``transform`` = the encoded predictions side by side
    (an int64 ``[N, n_estimators]`` label output)."""
    k = len(est.classes_)
    preds = [convert_into(m, g, x)["predict"] for m in est.estimators_]
    w = est._weights_not_none
    weights = np.ones(len(preds)) if w is None else np.asarray(w, dtype=np.float64)
    if np.any(weights < 0):  # bincount only counts the classes up to the largest vote: a 0 there could win
        raise UnsupportedModel("VotingClassifier(voting='hard') with negative weights is not supported")
    codes = np.arange(k)
    onehot = [g.add(LabelIndicator, "member_vote", input=p, classes=codes) for p in preds]
    votes = _mean(g, onehot, weights, k, hint="votes")
    g.summarize("VotingClassifier", f"VotingClassifier hard: {len(preds)} member networks -> weighted one-hot votes "
                "of their labels -> argmax (ties to the lowest class) = predict", members=len(preds))  # fmt: skip
    return {"predict": g.argmax_label(votes, est.classes_),
            "transform": g.add(StackLabels, "member_labels", sources=tuple(preds))}  # fmt: skip


@register("sklearn.ensemble.VotingRegressor", "each member's network -> weighted mean = predict",
          pickle_support=_ENSEMBLE_PICKLE)  # fmt: skip
def voting_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = sum_m w_m predict_m / sum(w)``; ``transform`` the predictions side by side."""
    preds = [as_column(g, convert_into(m, g, x)["predict"]) for m in est.estimators_]
    g.summarize("VotingRegressor", f"VotingRegressor: {len(preds)} member networks -> weighted mean = predict",
                members=len(preds))  # fmt: skip
    out = regression_output(g, _mean(g, preds, _weights(est, len(preds)), 1, hint="prediction"), True)
    return {**out, "transform": g.concat(preds)}


def _stack_features(est: Any, g: GraphBuilder, x: str) -> tuple[str, str]:
    """``StackingClassifier/Regressor.transform``: the members' outputs (and X when passthrough),
    as the final estimator reads them (floats) and as ``transform`` returns them.

    A classifier member stacked on ``predict`` gives its label-encoded prediction (members learnt
    ``_label_encoder.transform(y)``) as one column; ``np.hstack`` makes it a float next to float
    columns and leaves it int64 when every column is a label (``transform`` is then a label output)."""
    parts, labels = [], []
    binary = len(getattr(est, "classes_", [])) == 2
    for member, method in zip(est.estimators_, est.stack_method_, strict=True):
        out = convert_into(member, g, x)
        t = out.get(method)
        if t is not None and method == "predict" and g.info(t).kind == "label" and g.info(t).width is None:
            classes = np.asarray(member.classes_)
            if classes.dtype.kind not in "iu":
                raise UnsupportedModel(f"stacking on {type(member).__name__}.predict: labels that are not integers")
            labels.append(t)
            onehot = g.add(LabelIndicator, "stacked_label", input=t, classes=classes)
            parts.append(g.dense(onehot, classes.astype(np.float64)[:, None], source={"weight": "classes_"},
                                 hint="stacked_prediction"))  # fmt: skip
            continue
        if t is None or g.info(t).kind != "float":
            raise UnsupportedModel(f"stacking on {type(member).__name__}.{method}: not a float output of its network")
        t = as_column(g, t)
        if method == "predict_proba" and binary:
            t = g.dense(t, [[0.0], [1.0]], [0.0], hint="positive_proba")
        parts.append(t)
    if est.passthrough:
        parts.append(x)
    features = g.concat(parts, hint="stacked")
    if labels and len(labels) == len(parts):
        return features, g.add(StackLabels, "stacked_labels", sources=tuple(labels))
    return features, features


@register("sklearn.ensemble.StackingClassifier", "member networks -> their stack_method outputs (+ X) = transform "
          "-> the final estimator's network", pickle_support=_ENSEMBLE_PICKLE)  # fmt: skip
@register("sklearn.ensemble.StackingRegressor", "member networks -> their predictions (+ X) = transform "
          "-> the final estimator's network", pickle_support=_ENSEMBLE_PICKLE)  # fmt: skip
def stacking(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``final_estimator_(transform(X))``; classifiers' final labels are decoded to ``classes_``."""
    features, transform = _stack_features(est, g, x)
    out = convert_into(est.final_estimator_, g, features)
    g.summarize(type(est).__name__, f"{type(est).__name__}: {len(est.estimators_)} member networks "
                f"({', '.join(est.stack_method_)}) -> {type(est.final_estimator_).__name__}", members=len(est.estimators_))  # fmt: skip
    out = {m: t for m, t in out.items() if hasattr(est, m) and m != "transform"}
    if "predict" in out and hasattr(est, "classes_"):
        out["predict"] = _relabel(g, out["predict"], np.asarray(est.classes_))
    return {**out, "transform": transform}


def _relabel(g: GraphBuilder, label: str, classes: np.ndarray) -> str:
    """The final estimator learnt encoded labels 0..k-1: the same head over ``classes_``."""
    node = next(n for n in g.nodes if n.name == label)
    from nnconvert import ir

    if isinstance(node, ir.ArgMaxLabel):
        return g.argmax_label(node.input, classes)
    if isinstance(node, ir.ThresholdLabel):
        return g.threshold_label(node.input, classes, node.threshold, strict=node.strict)
    raise UnsupportedModel(f"cannot decode the final estimator's labels ({node.op})")
