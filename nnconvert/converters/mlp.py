"""scikit-learn's multi-layer perceptrons: ``a_{i+1} = f(a_i @ coefs_[i] + intercepts_[i])``.

Mirrors ``sklearn/neural_network/_multilayer_perceptron.py`` (scikit-learn 1.9.1):
``BaseMultilayerPerceptron._forward_pass_fast`` applies ``ACTIVATIONS[activation]`` after every
hidden layer and ``ACTIVATIONS[out_activation_]`` after the last one (``_base.py``: identity,
logistic = ``expit``, tanh, relu, softmax = shifted exp over the row sum, exp for the Poisson
loss). ``out_activation_`` is set in ``_initialize``: identity/exp for regressors, softmax for
multiclass, logistic for binary and multi-label classifiers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

# sklearn/neural_network/_base.py ACTIVATIONS -> IR activation names.
_ACT = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "softmax": "softmax",
    "exp": "exp",
}

_PICKLE_SUPPORT = (
    "sklearn.preprocessing.LabelBinarizer",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
)


def _act(name: str, what: str) -> str:
    if name not in _ACT:
        raise UnsupportedModel(f"MLP {what} {name!r} is not supported; supported: {', '.join(_ACT)}")
    return _ACT[name]


def forward(est: Any, g: GraphBuilder, x: str) -> str:
    """``_forward_pass_fast``: dense layer ``i`` reads ``coefs_[i]`` / ``intercepts_[i]``; the
    hidden activation follows every layer but the last, ``out_activation_`` follows the last."""
    hidden = _act(est.activation, "activation")
    out = _act(est.out_activation_, "out_activation_")
    n_layers = len(est.coefs_)
    h = x
    for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        last = i == n_layers - 1
        h = g.dense(
            h,
            w,
            b,
            source={"weight": f"coefs_[{i}]", "bias": f"intercepts_[{i}]"},
            hint="output" if last else f"hidden{i + 1}",
        )
        fn = out if last else hidden
        if fn != "identity":
            h = g.act(h, fn, hint="out_activation" if last else f"{fn}{i + 1}")
    return h


@register(
    "sklearn.neural_network.MLPClassifier",
    "dense -> activation (per hidden layer) -> dense -> sigmoid/softmax = predict_proba; threshold 0.5 / argmax -> classes_",
    pickle_support=_PICKLE_SUPPORT,
)
def mlp_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict_proba``: multiclass ``softmax`` rows; binary ``[1 - p, p]``; multi-label the
    sigmoid matrix. ``predict`` = ``_label_binarizer.inverse_transform`` (``_predict``):
    multiclass ``classes_[argmax]``; binary ``classes_[p > 0.5]`` and multi-label
    ``(P > 0.5)`` as an int 0/1 matrix (``_inverse_binarize_thresholding``, threshold
    ``(pos_label + neg_label) / 2 = 0.5``, strict ``>``)."""
    lb = est._label_binarizer
    y_type = lb.y_type_
    out = forward(est, g, x)
    if y_type == "multiclass":
        return {"predict_proba": out, "predict": g.argmax_label(out, est.classes_)}
    threshold = (lb.pos_label + lb.neg_label) / 2.0
    if y_type == "binary" and est.n_outputs_ == 1:
        p = g.squeeze(out, hint="p")
        return {"predict_proba": g.binary_proba(out), "predict": g.threshold_label(p, est.classes_, threshold)}
    if y_type == "multilabel-indicator" and est.n_outputs_ > 1:
        # inverse_transform returns the thresholded matrix itself (int indexing dtype).
        return {"predict_proba": out, "predict": g.threshold_label(out, np.array([0, 1]), threshold)}
    raise UnsupportedModel(f"MLPClassifier with target type {y_type!r} and {est.n_outputs_} outputs is not supported")


@register(
    "sklearn.neural_network.MLPRegressor",
    "dense -> activation (per hidden layer) -> dense (-> exp for poisson) = predict",
    pickle_support=_PICKLE_SUPPORT,
)
def mlp_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = _forward_pass_fast(X)``, raveled to 1-D when there is one output (``_predict``)."""
    out = forward(est, g, x)
    return {"predict": g.squeeze(out, hint="prediction") if g.width(out) == 1 else out}
