"""KernelRidge: one kernel neuron per training row, one dense output neuron per target.

``predict = K(x, X_fit_) @ dual_coef_`` (``sklearn/kernel_ridge.py``), with the kernel of
``sklearn.metrics.pairwise.pairwise_kernels`` (``gamma=None`` means ``1 / n_features``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.kernels import check_kernel, kernel_layer, pairwise_gamma
from nnconvert.converters.registry import register
from nnconvert.ir.builder import GraphBuilder


@register(
    "sklearn.kernel_ridge.KernelRidge", "kernel neurons (1 per training row of X_fit_) -> dense (dual_coef_) = predict"
)
def kernel_ridge(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = sum_s dual_coef_[s] K(x, X_fit_[s])`` (1-D when fitted on a 1-D target)."""
    kernel = check_kernel(est.kernel, "KernelRidge")
    X_fit = est.X_fit_
    X_fit = np.asarray(X_fit.toarray() if hasattr(X_fit, "toarray") else X_fit, dtype=np.float64)
    K = kernel_layer(
        g, x, X_fit, kernel,
        gamma=pairwise_gamma(est.gamma, X_fit.shape[1]), degree=est.degree, coef0=est.coef0,
        centres_name="X_fit_", owner="KernelRidge",
    )  # fmt: skip
    coef = np.asarray(est.dual_coef_, dtype=np.float64)
    weight = coef[:, None] if coef.ndim == 1 else coef
    y = g.dense(K, weight, np.zeros(weight.shape[1]), source={"weight": "dual_coef_"}, hint="prediction")
    return {"predict": g.squeeze(y, hint="predicted") if coef.ndim == 1 else y}
