"""Linear models: one affine neuron per class (one for binary) or per target.

Classifiers: ``z = X coef_.T + intercept_``; ``predict`` thresholds (binary, ``z > 0``) or takes
the argmax; probabilities are a sigmoid (binary), a softmax (multinomial logistic
regression) or normalised one-vs-rest sigmoids (``_predict_proba_lr``).
Regressors: ``y = X coef_.T + intercept_``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from nnconvert.converters._blocks import affine, decision_outputs, ovr_sigmoid_proba, regression_output, softmax_proba
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_CLASSIFIER = "dense (1 neuron per class, 1 if binary) -> threshold/argmax -> classes_"


def _linear_classifier(est: Any, g: GraphBuilder, x: str) -> tuple[str, dict[str, str]]:
    if np.ndim(est.classes_) != 1:
        raise UnsupportedModel(f"multi-label {type(est).__name__} is not supported")
    scores = affine(g, x, est.coef_, est.intercept_)
    if str(getattr(getattr(est, "_label_binarizer", None), "y_type_", "")).startswith("multilabel"):
        # RidgeClassifier.predict (sklearn/linear_model/_ridge.py) on a multi-label target:
        # inverse_transform(2 * (z > 0) - 1) is the 0/1 int matrix (z > 0), one column per label.
        return scores, {"decision_function": scores, "predict": g.threshold_label(scores, np.array([0, 1]))}
    return scores, decision_outputs(g, scores, est.classes_)


def _logistic_is_ovr(est: Any) -> bool:
    """Old scikit-learn (< 1.8) honoured ``multi_class='ovr'`` (or liblinear's 'auto');
    follow whatever the installed LogisticRegression.predict_proba really computes."""
    from sklearn.linear_model import LogisticRegression

    if "multi_class" not in inspect.getsource(LogisticRegression.predict_proba):
        return False
    multi_class = getattr(est, "multi_class", "auto")
    if multi_class == "auto":
        return len(est.classes_) <= 2 or getattr(est, "solver", "") == "liblinear"
    return multi_class == "ovr"


@register(
    "sklearn.linear_model.LogisticRegression",
    "dense (1 neuron per class, 1 if binary) -> sigmoid/softmax = predict_proba; argmax -> classes_",
)
@register(
    "sklearn.linear_model.LogisticRegressionCV",
    "dense (1 neuron per class, 1 if binary) -> sigmoid/softmax = predict_proba; argmax -> classes_",
)
def logistic_regression(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict_proba = softmax(z)`` (binary: ``[1 - s(z), s(z)]``), or OvR sigmoids normalised."""
    scores, out = _linear_classifier(est, g, x)
    out["predict_proba"] = ovr_sigmoid_proba(g, scores) if _logistic_is_ovr(est) else softmax_proba(g, scores)
    return out


@register("sklearn.svm.LinearSVC", _CLASSIFIER)
@register("sklearn.linear_model.Perceptron", _CLASSIFIER)
@register("sklearn.linear_model.RidgeClassifier", _CLASSIFIER)
@register("sklearn.linear_model.RidgeClassifierCV", _CLASSIFIER)
@register("sklearn.linear_model.PassiveAggressiveClassifier", _CLASSIFIER)
def linear_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``decision_function = z``; ``predict = classes_[z > 0]`` or ``classes_[argmax z]``."""
    return _linear_classifier(est, g, x)[1]


@register(
    "sklearn.linear_model.SGDClassifier",
    _CLASSIFIER + "; log_loss: sigmoids normalised, modified_huber: (clip(z,-1,1)+1)/2 normalised",
)
def sgd_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """As a linear classifier; ``predict_proba`` for ``log_loss`` (normalised sigmoids) and
    ``modified_huber`` (``(clip(z, -1, 1) + 1) / 2``, normalised; all-zero rows uniform)."""
    scores, out = _linear_classifier(est, g, x)
    if est.loss == "log_loss":
        out["predict_proba"] = ovr_sigmoid_proba(g, scores)
    elif est.loss == "modified_huber":
        clipped = g.act(scores, "clip", -1.0, 1.0)
        half = g.scale(clipped, 0.5, 0.5, hint="huber_proba")
        out["predict_proba"] = g.binary_proba(half) if g.width(scores) == 1 else g.normalize(half, zero_to_uniform=True)
    return out


_REGRESSOR = "dense (1 neuron per target) = predict"


@register("sklearn.linear_model.LinearRegression", _REGRESSOR)
@register("sklearn.linear_model.Ridge", _REGRESSOR)
@register("sklearn.linear_model.RidgeCV", _REGRESSOR)
@register("sklearn.linear_model.Lasso", _REGRESSOR)
@register("sklearn.linear_model.LassoCV", _REGRESSOR)
@register("sklearn.linear_model.ElasticNet", _REGRESSOR)
@register("sklearn.linear_model.ElasticNetCV", _REGRESSOR)
@register("sklearn.linear_model.SGDRegressor", _REGRESSOR)
@register("sklearn.linear_model.HuberRegressor", _REGRESSOR)
@register("sklearn.linear_model.BayesianRidge", _REGRESSOR)
@register("sklearn.linear_model.ARDRegression", _REGRESSOR)
@register("sklearn.svm.LinearSVR", _REGRESSOR)
def linear_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = X coef_.T + intercept_`` (1-D when ``coef_`` is 1-D)."""
    coef = np.asarray(est.coef_)
    values = affine(g, x, coef, est.intercept_, hint="prediction")
    return regression_output(g, values, coef.ndim == 1)
