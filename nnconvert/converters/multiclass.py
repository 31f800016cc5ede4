"""One-vs-rest, one-vs-one and output-code classifiers over any supported binary base
(``sklearn/multiclass.py``). Each base network reads the same input; ``_predict_binary(e, X)``
is its ``decision_function`` (else ``predict_proba[:, 1]``; a regressor's ``predict``).

- OneVsRest: ``decision_function`` the scores side by side; ``predict`` their argmax with ties to
  the *last* estimator (``argmaxima[maxima == pred] = i`` in estimator order), or
  ``score > threshold`` when binary/multilabel; ``predict_proba`` the positive columns normalised
  to sum 1 (multilabel: as they are; binary ``[1 - p, p]``).
- OneVsOne: ``_ovr_decision_function(predictions, confidences, k)``: votes from each pair's
  ``predict`` (0 votes i, 1 votes j) plus ``c / (3 (|c| + 1))`` of the summed confidences.
- OutputCode: ``classes_[argmin_c |Y - code_book_[c]|]`` with ``Y`` the scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import binary_score, select_columns
from nnconvert.converters.registry import convert_into, register
from nnconvert.converters.svm import vote_matrices
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def _threshold(base: Any) -> float:
    """``_threshold_for_binary_predict``: 0 for a classifier's decision function, else 0.5."""
    from sklearn.base import is_classifier

    return 0.0 if hasattr(base, "decision_function") and is_classifier(base) else 0.5


def _constant(e: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``_ConstantPredictor`` (a class or code bit constant in fit): ``decision_function = y_``,
    ``predict_proba = [1 - y_, y_]``, whatever the row."""
    value = float(np.ravel(e.y_)[0])
    score = g.dense(x, np.zeros((g.width(x), 1)), [value], source={"bias": "y_"}, hint="constant")
    return {"decision_function": g.squeeze(score), "predict_proba": g.binary_proba(score)}


def _bases(est: Any, g: GraphBuilder, x: str) -> tuple[list[dict[str, str]], str]:
    """Each base estimator's network on ``x`` and their binary scores side by side ``[N, n]``."""
    outs = [_constant(e, g, x) if type(e).__name__ == "_ConstantPredictor" else convert_into(e, g, x) for e in est.estimators_]  # fmt: skip
    scores = [binary_score(e, g, o) for e, o in zip(est.estimators_, outs, strict=True)]
    return outs, g.concat(scores, hint="binary_scores")


def _summary(g: GraphBuilder, est: Any, what: str) -> None:
    base = type(est.estimators_[0]).__name__
    n = len(est.estimators_)
    g.summarize(type(est).__name__, f"{type(est).__name__}: {n} {base} network{'s' * (n != 1)} -> {what}", estimators=n)


@register(
    "sklearn.multiclass.OneVsRestClassifier",
    "one base network per class -> scores side by side -> argmax (ties to the last) | threshold; proba normalised",
    pickle_support=("sklearn.preprocessing._label.LabelBinarizer", "sklearn.multiclass._ConstantPredictor"),
)
def one_vs_rest(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``OneVsRestClassifier.predict / decision_function / predict_proba`` (module docstring)."""
    outs, scores = _bases(est, g, x)
    classes, n = np.asarray(est.classes_), len(est.estimators_)
    multiclass = est.label_binarizer_.y_type_ == "multiclass"
    if multiclass:  # ties to the last estimator: argmax (first) over the columns reversed
        reversed_scores = select_columns(g, scores, np.arange(n)[::-1], what="estimators reversed", hint="reversed")
        out = {"predict": g.argmax_label(reversed_scores, classes[::-1])}
    else:
        labels = classes if n == 1 else np.array([0, 1])  # multilabel: the 0/1 indicator matrix
        decided = g.squeeze(scores) if n == 1 else scores
        out = {"predict": g.threshold_label(decided, labels, _threshold(est.estimators_[0]))}
    if hasattr(est.estimators_[0], "decision_function"):
        out["decision_function"] = g.squeeze(scores, hint="decision") if n == 1 else scores
    if hasattr(est.estimators_[0], "predict_proba"):
        pos = [select_columns(g, o["predict_proba"], [1], what="predict_proba[:, 1]") for o in outs]
        p = g.concat(pos, hint="positive_proba")
        out["predict_proba"] = g.binary_proba(p) if n == 1 else (g.normalize(p) if multiclass else p)
    _summary(g, est, "argmax (ties to the last)" if multiclass else "thresholds")
    return out


@register(
    "sklearn.multiclass.OneVsOneClassifier",
    "one base network per pair -> votes (label indicators) + c / (3(|c| + 1)) of summed confidences -> argmax",
)
def one_vs_one(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``decision_function = votes + sum_conf / (3 (|sum_conf| + 1))``; ``predict = argmax`` (binary:
    ``decision[:, 1] > threshold``)."""
    if est.pairwise_indices_ is not None:
        raise UnsupportedModel("OneVsOneClassifier over a precomputed-kernel (pairwise) base is not supported")
    from sklearn.base import is_regressor

    if is_regressor(est.estimators_[0]):
        raise UnsupportedModel(
            "OneVsOneClassifier over a regressor votes by predict == 0 / == 1 on real numbers; use a classifier"
        )
    classes = np.asarray(est.classes_)
    k = len(classes)
    outs, conf = _bases(est, g, x)
    said0 = [g.add(ir.LabelIndicator, "pair_says", input=o["predict"], classes=np.array([0, 1])) for o in outs]
    zero = select_columns(g, g.concat(said0), np.arange(len(outs)) * 2, what="predict == 0", hint="votes_first")
    V, b = vote_matrices(k)
    votes = g.dense(zero, V, b, source={"weight": "pair -> class votes"}, hint="votes")
    summed = g.act(g.dense(conf, -V, np.zeros(k), hint="confidence_sum"), "softsign", hint="confidence")
    decision = g.dense(g.concat([votes, summed]), np.vstack([np.eye(k), np.eye(k) / 3.0]), hint="ovr_decision")
    _summary(g, est, f"{k} classes: votes + confidences -> argmax")
    if k == 2:
        dec = g.squeeze(select_columns(g, decision, [1], what="decision[:, 1]"), hint="decision")
        return {"decision_function": dec, "predict": g.threshold_label(dec, classes, _threshold(est.estimators_[0]))}
    return {"decision_function": decision, "predict": g.argmax_label(decision, classes)}


@register(
    "sklearn.multiclass.OutputCodeClassifier",
    "one base network per code bit -> euclidean distance to each code word -> argmin -> classes_",
    pickle_support=("sklearn.multiclass._ConstantPredictor",),
)
def output_code(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = classes_[argmin_c |Y - code_book_[c]|]`` (ties to the first code word)."""
    _, scores = _bases(est, g, x)
    d = g.distance(scores, est.code_book_, "euclidean", source={"centres": "code_book_"}, hint="code_distance")
    _summary(g, est, f"distance to {len(est.classes_)} code words -> argmin")
    return {"predict": g.argmax_label(g.scale(d, -1.0, 0.0, hint="closeness"), est.classes_)}
