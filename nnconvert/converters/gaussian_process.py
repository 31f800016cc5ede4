"""Gaussian processes: kernel neurons over X_train_, then dense layers from the fitted solves.

``GaussianProcessRegressor`` (``sklearn/gaussian_process/_gpr.py``, GPML Algorithm 2.1):

- ``predict = std_y * (K(x, X_train_) @ alpha_) + mean_y`` (``normalize_y``: ``_y_train_std``,
  ``_y_train_mean``);
- ``predict_std`` (``predict(X, return_std=True)[1]``): ``V = K(x, X_train_) @ inv(L_).T``,
  ``sqrt(std_y^2 * max(k(x, x) - sum_j V_j^2, 0))``.

``GaussianProcessClassifier`` (``_gpc.py``, Laplace approximation, GPML Algorithm 3.2), per
binary problem: latent mean ``f = K @ (y_train_ - pi_)``, variance ``v = k(x, x) - |K diag(W_sr_)
inv(L_).T|^2``; ``predict_proba`` uses the erf mixture ``pi* = sum_j COEFS_j / 2 erf(l_j f /
sqrt(1 + 2 l_j^2 v)) + sum_j COEFS_j / 2`` (``LAMBDAS``, ``COEFS``: scikit-learn's five-term fit
of the logistic); ``predict`` is ``f > 0``. One-vs-rest: the positive-class probabilities,
normalised to sum 1; ``predict`` their argmax.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.gp_kernels import Term, cross_kernel, dense_of, describe, diag_kernel
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.combine import Combine
from nnconvert.ir.erf_mixture import ErfMixture

_GPR = "kernel neurons over X_train_ (sum/product tree of the fitted kernel) -> dense (alpha_) = predict; -> dense (inv(L_)) -> square -> sum -> k(x,x) - . -> sqrt = predict_std"
_GPC = "kernel neurons over X_train_ -> dense latent mean (y_train_ - pi_) and variance (W_sr_, inv(L_)) -> erf mixture (5 erf neurons, float64) = predict_proba; mean > 0 = predict"


def _train(est: Any) -> np.ndarray:
    X = est.X_train_
    if not isinstance(X, np.ndarray) or X.dtype.kind not in "fiu":
        raise UnsupportedModel(f"{type(est).__name__} was fitted on non-numeric inputs (a structured kernel)")
    return np.asarray(X, dtype=np.float64)


def _inverse_cholesky(L: np.ndarray) -> np.ndarray:
    from scipy.linalg import solve_triangular  # here, not at import: `nnconvert list` imports every family

    return solve_triangular(L, np.eye(len(L)), lower=True, check_finite=False)


def _variance(g: GraphBuilder, x: str, K: Term, diag: Term, weight: np.ndarray, hint: str) -> str:
    """``k(x, x) - sum_j (K @ weight)_j^2`` (``[N, 1]``)."""
    V = dense_of(g, x, K, weight, np.zeros(weight.shape[1]), {"weight": "inv(L_).T"}, f"{hint}_v")
    vv = g.dense(g.act(V, "square"), -np.ones((weight.shape[1], 1)), [0.0], hint=f"{hint}_vv")
    if diag.tensor is None:
        return g.dense(vv, [[1.0]], [diag.offset], hint=hint)
    return g.add(Combine, hint, sources=(diag.tensor, vv), fn="add", coeffs=(diag.scale, 1.0), bias=diag.offset)


_KERNELS = tuple(
    f"sklearn.gaussian_process.kernels.{k}"
    for k in ("Sum", "Product", "ConstantKernel", "WhiteKernel", "RBF", "Matern", "RationalQuadratic",
              "ExpSineSquared", "DotProduct")
)  # fmt: skip


@register("sklearn.gaussian_process.GaussianProcessRegressor", _GPR, pickle_support=_KERNELS)
def gaussian_process_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    X_train = _train(est)
    K = cross_kernel(est.kernel_, g, x, X_train)
    alpha = np.asarray(est.alpha_, dtype=np.float64)
    one_target = alpha.ndim == 1 or alpha.shape[1] == 1
    alpha2 = alpha.reshape(len(alpha), -1)
    std = np.broadcast_to(np.asarray(est._y_train_std, dtype=np.float64), (alpha2.shape[1],))
    mean_y = np.broadcast_to(np.asarray(est._y_train_mean, dtype=np.float64), (alpha2.shape[1],))
    src = {"weight": "alpha_ * _y_train_std", "bias": "_y_train_mean"}
    mean = dense_of(g, x, K, alpha2 * std, mean_y, src, "mean")
    diag = diag_kernel(est.kernel_, g, x)
    var = _variance(g, x, K, diag, _inverse_cholesky(est.L_).T, "variance")
    var_y = g.dense(
        g.act(var, "relu", hint="variance_clamped"), (std**2)[None, :], np.zeros(len(std)), hint="variance_y"
    )
    sd = g.act(var_y, "sqrt", hint="std")
    text = f"GaussianProcessRegressor: {len(X_train)} kernel neurons over X_train_ for {describe(est.kernel_)} -> mean and std"
    g.summarize("GaussianProcessRegressor", text, kernel=describe(est.kernel_), training_rows=len(X_train))
    if one_target:
        return {"predict": g.squeeze(mean, hint="prediction"), "predict_std": g.squeeze(sd, hint="predicted_std")}
    return {"predict": mean, "predict_std": sd}


def _binary_positive(e: Any, g: GraphBuilder, x: str) -> tuple[str, str]:
    """Latent mean ``f`` (``[N, 1]``) and ``pi*`` (``[N, 1]``) of one ``_BinaryGPCLaplace``."""
    from sklearn.gaussian_process._gpc import COEFS, LAMBDAS

    X_train = _train(e)
    K = cross_kernel(e.kernel_, g, x, X_train)
    resid = (np.asarray(e.y_train_, dtype=np.float64) - e.pi_)[:, None]
    f = dense_of(g, x, K, resid, np.zeros(1), {"weight": "y_train_ - pi_"}, "latent_mean")
    weight = np.asarray(e.W_sr_)[:, None] * _inverse_cholesky(e.L_).T
    var = _variance(g, x, K, diag_kernel(e.kernel_, g, x), weight, "latent_variance")
    pi = g.add(ErfMixture, "pi_star", mean=f, variance=var, lambdas=LAMBDAS.ravel(), coefs=COEFS.ravel())
    return f, pi


@register(
    "sklearn.gaussian_process.GaussianProcessClassifier",
    _GPC,
    pickle_support=(
        *_KERNELS,
        "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",
        "sklearn.multiclass.OneVsRestClassifier",
    ),
)
def gaussian_process_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    base = est.base_estimator_
    classes = est.classes_
    if len(classes) == 2:
        f, pi = _binary_positive(base, g, x)
        label = g.threshold_label(g.squeeze(f, hint="latent"), classes)
        g.summarize("GaussianProcessClassifier", f"GaussianProcessClassifier binary, {describe(base.kernel_)}")
        return {"predict_proba": g.binary_proba(pi), "predict": label}
    if est.multi_class != "one_vs_rest":
        raise UnsupportedModel(
            "GaussianProcessClassifier multi_class='one_vs_one' has no predict_proba; refit with one_vs_rest"
        )
    scores = g.concat([_binary_positive(e, g, x)[1] for e in base.estimators_], hint="one_vs_rest")
    text = f"GaussianProcessClassifier one-vs-rest, {len(classes)} binary Laplace GPs -> normalised pi*"
    g.summarize("GaussianProcessClassifier", text, classes=len(classes))
    return {"predict_proba": g.normalize(scores, hint="proba"), "predict": g.argmax_label(scores, classes)}
