"""Kernel approximations as transformer networks (``sklearn/kernel_approximation.py``).

- RBFSampler: ``transform = sqrt(2 / n_components) cos(x @ random_weights_ + random_offset_)``
- Nystroem: ``transform = K(x, components_) @ normalization_.T``: kernel neurons, then a dense layer.
- PolynomialFeatures: ``transform_j = prod_i x_i ** powers_[j, i]``: one monomial neuron per output
  (the monomials node, multiplying in ``sklearn/preprocessing/_polynomial.py``'s order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.kernels import check_kernel, kernel_layer, pairwise_gamma
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.monomials import Monomials


@register(
    "sklearn.kernel_approximation.RBFSampler",
    "dense (random_weights_, random_offset_) -> cos -> scale sqrt(2/n_components) = transform",
)
def rbf_sampler(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = sqrt(2 / n_components) * cos(x @ random_weights_ + random_offset_)``."""
    W = np.asarray(est.random_weights_, dtype=np.float64)
    z = g.dense(
        x, W, est.random_offset_, source={"weight": "random_weights_", "bias": "random_offset_"}, hint="projection"
    )
    c = g.act(z, "cos", hint="random_features")
    scale = (2.0 / est.n_components) ** 0.5  # the same float scikit-learn multiplies by
    return {"transform": g.scale(c, scale, 0.0, source={"weight": "sqrt(2 / n_components)"}, hint="rbf_features")}


@register(
    "sklearn.kernel_approximation.Nystroem", "kernel neurons (1 per component) -> dense (normalization_.T) = transform"
)
def nystroem(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = K(x, components_) @ normalization_.T`` with ``Nystroem._get_kernel_params``."""
    kernel = check_kernel(est.kernel, "Nystroem")
    params = dict(est.kernel_params or {})
    for name in ("gamma", "degree", "coef0"):
        if getattr(est, name) is not None:
            params[name] = getattr(est, name)
    comps = np.asarray(est.components_, dtype=np.float64)
    K = kernel_layer(
        g, x, comps, kernel,
        gamma=pairwise_gamma(params.get("gamma"), comps.shape[1]),
        degree=params.get("degree", 3), coef0=params.get("coef0", 1.0),  # pairwise_kernels' defaults
        centres_name="components_", owner="Nystroem",
    )  # fmt: skip
    norm = np.asarray(est.normalization_, dtype=np.float64)
    return {
        "transform": g.dense(
            K, norm.T, np.zeros(norm.shape[0]), source={"weight": "normalization_.T"}, hint="nystroem_features"
        )
    }


@register(
    "sklearn.preprocessing.PolynomialFeatures",
    "monomial neurons (1 per output feature: prod_i x_i ** powers_[j, i]; 1 for the bias) = transform",
)
def polynomial_features(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_j = prod_i x_i ** powers_[j, i]`` (``powers_`` covers ``degree`` as an int or a
    ``(min, max)`` tuple, ``interaction_only`` and ``include_bias``)."""
    powers = np.asarray(est.powers_)
    if powers.shape[0] == 0:
        raise UnsupportedModel("PolynomialFeatures produces no output features")
    n_out, n_in = powers.shape
    degrees = powers.sum(axis=1)
    g.summarize(
        "PolynomialFeatures",
        f"PolynomialFeatures: {n_in} inputs -> {n_out} monomial neurons of degree {int(degrees.min())} to "
        f"{int(degrees.max())}{' (interaction only)' if est.interaction_only else ''}"
        f"{' (incl. the constant 1)' if est.include_bias else ''} = transform",
        inputs=n_in, monomials=n_out, min_degree=int(degrees.min()), max_degree=int(degrees.max()),
        interaction_only=bool(est.interaction_only), include_bias=bool(est.include_bias),
    )  # fmt: skip
    return {"transform": g.add(Monomials, "polynomial_features", input=x, powers=powers)}
