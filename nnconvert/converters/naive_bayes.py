"""Naive Bayes classifiers: a layer of joint-log-likelihood neurons, then softmax and argmax.

Mirrors ``sklearn/naive_bayes.py`` (scikit-learn 1.9.1): ``predict = classes_[argmax jll]`` and
``predict_proba = exp(jll - logsumexp(jll))``, i.e. a softmax of the joint log-likelihood ``jll``:

- ``GaussianNB``: ``jll_k = log prior_k - 1/2 sum_j log(2 pi var_kj) - 1/2 sum_j (x_j - theta_kj)^2 / var_kj``,
  a quadratic neuron per class (``var_smoothing`` is already in the fitted ``var_``);
- ``MultinomialNB``: ``jll = x @ feature_log_prob_.T + class_log_prior_``, one linear layer;
- ``ComplementNB``: ``jll = x @ feature_log_prob_.T`` (plus ``class_log_prior_`` with one class);
  ``norm`` is already in the fitted ``feature_log_prob_``;
- ``BernoulliNB``: ``b = [x > binarize]`` (a step layer, skipped when ``binarize`` is None), then
  ``jll = b @ (flp - log(1 - exp(flp))).T + class_log_prior_ + sum log(1 - exp(flp))``;
- ``CategoricalNB``: per feature a one-hot of the category index, ``[x >= c] - [x >= c + 1]`` (the
  integer part, as ``check_array(dtype=int)`` truncates non-negative values), then
  ``jll = sum_i feature_log_prob_[i][:, x_i] + class_log_prior_``, one linear layer. Rows that
  scikit-learn refuses (a negative value, or a category index it never saw) have no defined output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import softmax_proba
from nnconvert.converters._quadratic import centred_copies, weighted_square_sums
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_TAIL = " = joint log-likelihood -> softmax = predict_proba; argmax -> classes_ = predict"


def _outputs(g: GraphBuilder, est: Any, jll: str, text: str, **facts: Any) -> dict[str, str]:
    """Softmax and argmax of the class scores; records the architecture summary."""
    name = type(est).__name__
    k = g.width(jll)
    g.summarize(name, f"{name}, {k} classes: {text}{_TAIL}", classes=k, **facts)
    proba = g.act(jll, "softmax", hint="proba") if k > 1 else softmax_proba(g, jll)
    return {"predict_proba": proba, "predict": g.argmax_label(jll, est.classes_)}


@register("sklearn.naive_bayes.GaussianNB", "quadratic neurons (1 per class: centred squares / var_)" + _TAIL)
def gaussian_nb(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``jll_k = log prior_k - 1/2 sum log(2 pi var_k) - 1/2 sum (x - theta_k)^2 / var_k``."""
    theta, var = np.asarray(est.theta_, dtype=np.float64), np.asarray(est.var_, dtype=np.float64)
    k, d = theta.shape
    bias = np.log(est.class_prior_) + np.array([-0.5 * np.sum(np.log(2.0 * np.pi * var[i])) for i in range(k)])
    u = centred_copies(g, x, theta, source="theta_")
    jll = weighted_square_sums(
        g, u, -0.5 / var, bias,
        source={"weight": "-1 / (2 var_)", "bias": "log class_prior_ - sum log(2 pi var_) / 2"}, hint="jll",
    )  # fmt: skip
    text = f"{k} quadratic neurons over {d} features (x - theta_)^2 / var_ with log prior and normaliser"
    return _outputs(g, est, jll, text, features=d, var_smoothing=float(est.var_smoothing))


def _linear_jll(g: GraphBuilder, x: str, weight: np.ndarray, bias: np.ndarray, source: dict[str, str]) -> str:
    return g.dense(x, weight, bias, source=source, hint="jll")


@register("sklearn.naive_bayes.MultinomialNB", "dense (feature_log_prob_.T, class_log_prior_)" + _TAIL)
def multinomial_nb(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``jll = x @ feature_log_prob_.T + class_log_prior_``."""
    flp = np.asarray(est.feature_log_prob_, dtype=np.float64)
    jll = _linear_jll(
        g, x, flp.T, np.asarray(est.class_log_prior_), {"weight": "feature_log_prob_.T", "bias": "class_log_prior_"}
    )
    return _outputs(g, est, jll, f"{flp.shape[0]} linear neurons (feature_log_prob_, class_log_prior_)")


@register("sklearn.naive_bayes.ComplementNB", "dense (feature_log_prob_.T)" + _TAIL)
def complement_nb(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``jll = x @ feature_log_prob_.T`` (``+ class_log_prior_`` when there is one class)."""
    flp = np.asarray(est.feature_log_prob_, dtype=np.float64)
    one = len(est.classes_) == 1
    bias = np.asarray(est.class_log_prior_, dtype=np.float64) if one else np.zeros(flp.shape[0])
    source = {"weight": "feature_log_prob_.T", **({"bias": "class_log_prior_"} if one else {})}
    jll = _linear_jll(g, x, flp.T, bias, source)
    return _outputs(g, est, jll, f"{flp.shape[0]} linear neurons (feature_log_prob_, norm={bool(est.norm)})")


@register("sklearn.naive_bayes.BernoulliNB", "step neurons (x > binarize) -> dense (log-odds)" + _TAIL)
def bernoulli_nb(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``b = [x > binarize]``; ``jll = b @ (flp - neg).T + class_log_prior_ + sum neg``,
    ``neg = log(1 - exp(flp))``."""
    flp = np.asarray(est.feature_log_prob_, dtype=np.float64)
    neg = np.log(1 - np.exp(flp))
    if est.binarize is not None:
        t = float(est.binarize)
        shifted = g.scale(x, 1.0, -t, source={"bias": "-binarize"}, hint="minus_binarize")
        x = g.act(shifted, "step_gt", hint="binarized")
    jll = _linear_jll(
        g, x, (flp - neg).T, np.asarray(est.class_log_prior_) + neg.sum(axis=1),
        {"weight": "(feature_log_prob_ - log(1 - exp(feature_log_prob_))).T",
         "bias": "class_log_prior_ + sum log(1 - exp(feature_log_prob_))"},
    )  # fmt: skip
    what = "step neurons x > binarize, then " if est.binarize is not None else ""
    return _outputs(g, est, jll, f"{what}{flp.shape[0]} linear neurons (log-odds of each feature)")


@register(
    "sklearn.naive_bayes.CategoricalNB", "one-hot step neurons (per category) -> dense (feature_log_prob_)" + _TAIL
)
def categorical_nb(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``onehot_ic = [x_i >= c] - [x_i >= c + 1]``; ``jll = onehot @ feature_log_prob_ + class_log_prior_``."""
    n_cat = [int(n) for n in np.asarray(est.n_categories_)]
    d = len(n_cat)
    if sum(n_cat) == 0:
        raise UnsupportedModel("CategoricalNB has no categories")
    # Step inputs x_i - c for c = 0..n_i (n_i + 1 thresholds per feature), then differences.
    cols = [i for i in range(d) for _ in range(n_cat[i] + 1)]
    thresholds = np.concatenate([np.arange(n + 1, dtype=np.float64) for n in n_cat])
    sel = np.zeros((d, len(cols)))
    sel[cols, np.arange(len(cols))] = 1.0
    steps = g.act(g.dense(x, sel, -thresholds, source={"bias": "-category index"}, hint="category_minus_c"), "step_ge")
    diff = np.zeros((len(cols), sum(n_cat)))
    out, pos = 0, 0
    for n in n_cat:
        for c in range(n):
            diff[pos + c, out + c], diff[pos + c + 1, out + c] = 1.0, -1.0
        pos, out = pos + n + 1, out + n
    onehot = g.dense(steps, diff, hint="onehot")
    flp = np.vstack([np.asarray(f, dtype=np.float64).T for f in est.feature_log_prob_])  # [sum n_i, k]
    jll = _linear_jll(
        g,
        onehot,
        flp,
        np.asarray(est.class_log_prior_),
        {"weight": "feature_log_prob_[i].T", "bias": "class_log_prior_"},
    )
    text = f"one-hot of {d} categorical features ({sum(n_cat)} category neurons), then {flp.shape[1]} linear neurons"
    return _outputs(g, est, jll, text, categories=n_cat)
