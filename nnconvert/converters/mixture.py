"""Gaussian mixtures: one quadratic neuron per component, then softmax, argmax and logsumexp.

Mirrors ``sklearn/mixture/_gaussian_mixture.py`` ``_estimate_log_gaussian_prob`` and
``_bayesian_mixture.py`` (scikit-learn 1.9.1). The weighted log-probability of component ``k`` is
``w_k(x) = -1/2 q_k(x) + c_k``, with ``q_k`` computed in scikit-learn's own arithmetic:

- 'full': ``q_k = |x P_k - mu_k P_k|^2`` (``P_k = precisions_cholesky_[k]``);
- 'tied': the same with one ``P``;
- 'diag': ``q_k = sum(mu_k^2 p_k) - 2 x . (mu_k p_k) + x^2 . p_k`` (``p = precisions_cholesky_^2``);
- 'spherical': ``q_k = |mu_k|^2 p_k - 2 (x . mu_k) p_k + |x|^2 p_k``;

and the constant ``c_k = -1/2 d log(2 pi) + log det(P_k) + log_weights_k`` (plus, for
``BayesianGaussianMixture``, ``-1/2 d log dof_k + 1/2 (log_lambda_k - d / mean_precision_k)`` and
its own ``_estimate_log_weights``). Then ``predict = argmax w`` (int64), ``predict_proba =
softmax(w)`` (``exp(w - logsumexp(w))``) and ``score_samples = logsumexp(w)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._quadratic import projections, weighted_square_sums
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_MIXTURE = (
    "quadratic neurons (1 per component, precisions_cholesky_) = weighted log-probability -> softmax = "
    "predict_proba; argmax = predict; logsumexp = score_samples"
)


def _log_det_cholesky(est: Any, d: int) -> np.ndarray:
    from sklearn.mixture._gaussian_mixture import _compute_log_det_cholesky

    log_det = np.asarray(_compute_log_det_cholesky(est.precisions_cholesky_, est.covariance_type, d))
    return np.broadcast_to(log_det, (len(est.means_),)).astype(np.float64)


def _constants(est: Any, d: int) -> np.ndarray:
    """``c_k`` of the module docstring, from the fitted attributes as scikit-learn combines them."""
    c = -0.5 * d * math.log(2 * math.pi) + _log_det_cholesky(est, d)
    if hasattr(est, "degrees_of_freedom_"):  # BayesianGaussianMixture._estimate_log_prob
        from scipy.special import digamma

        dof = np.asarray(est.degrees_of_freedom_, dtype=np.float64)
        c = c - 0.5 * d * np.log(dof)
        log_lambda = d * np.log(2.0) + np.sum(digamma(0.5 * (dof - np.arange(0, d)[:, np.newaxis])), 0)
        c = c + 0.5 * (log_lambda - d / np.asarray(est.mean_precision_, dtype=np.float64))
    return c + np.asarray(est._estimate_log_weights(), dtype=np.float64)


def _weighted_log_prob(est: Any, g: GraphBuilder, x: str) -> str:
    means = np.asarray(est.means_, dtype=np.float64)
    k, d = means.shape
    kind = est.covariance_type
    chol = np.asarray(est.precisions_cholesky_, dtype=np.float64)
    c = _constants(est, d)
    source = {"bias": "log-normaliser + log weights"}
    if kind in ("full", "tied"):
        mats = list(chol) if kind == "full" else [chol] * k
        y = projections(
            g, x, mats, [-(mu @ P) for mu, P in zip(means, mats, strict=True)],
            source={"weight": "precisions_cholesky_", "bias": "-means_ @ precisions_cholesky_"}, hint="whitened",
        )  # fmt: skip
        return weighted_square_sums(g, y, [np.full(d, -0.5)] * k, c, source=source, hint="weighted_log_prob")
    if kind not in ("diag", "spherical"):
        raise UnsupportedModel(f"{type(est).__name__} covariance_type {kind!r} is not supported")
    p = chol**2  # diag: [k, d]; spherical: [k]
    if kind == "diag":
        linear, quad, const = (means * p).T, p.T, np.sum(means**2 * p, axis=1)
        x2 = g.act(x, "square", hint="x_squared")
    else:
        linear, quad, const = means.T * p, p[None, :], np.sum(means**2, axis=1) * p
        x2 = g.dense(g.act(x, "square", hint="x_squared"), np.ones((d, 1)), hint="x_sqnorm")
    q = g.dense(
        g.concat([x, x2]), np.vstack([-2.0 * linear, quad]), const,
        source={"weight": "-2 means_ * precisions, precisions", "bias": "sum means_^2 * precisions"}, hint="mahalanobis",
    )  # fmt: skip
    return g.dense(q, -0.5 * np.eye(k), c, source=source, hint="weighted_log_prob")


@register("sklearn.mixture.GaussianMixture", _MIXTURE)
@register("sklearn.mixture.BayesianGaussianMixture", _MIXTURE)
def gaussian_mixture(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``w_k(x) = -1/2 q_k(x) + c_k``; softmax, argmax and logsumexp of ``w``."""
    w = _weighted_log_prob(est, g, x)
    k = g.width(w)
    name = type(est).__name__
    g.summarize(
        name,
        f"{name} ({est.covariance_type}), {k} components: {k} quadratic neurons -1/2 |x - mean|^2_precision + "
        "log-normaliser + log weight -> softmax = predict_proba, argmax = predict, logsumexp = score_samples",
        components=k, covariance_type=str(est.covariance_type),
    )  # fmt: skip
    return {
        "predict": g.argmax_label(w, np.arange(k, dtype=np.int64)),
        "predict_proba": g.act(w, "softmax", hint="proba"),
        "score_samples": g.add(ir.LogSumExp, "log_likelihood", input=w),
    }
