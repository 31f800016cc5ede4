"""Projections: linear (and kernel) layers whose outputs are the components.

Mirrors ``sklearn/decomposition`` and ``sklearn/random_projection.py`` (scikit-learn 1.9.1):

- ``PCA`` / ``IncrementalPCA``: ``transform = (x - mean_) @ components_.T`` (``_BasePCA._transform``
  applies the centring after the projection, ``x @ C.T - mean_ @ C.T``: equal within float64 rounding,
  and centring first keeps float32 exact far from the origin), divided by ``sqrt(explained_variance_)`` (clipped at
  eps) when ``whiten``; ``PCA.score_samples = -1/2 (x - mean_) P (x - mean_) - 1/2 (d log 2 pi - log det P)``
  with ``P = get_precision()``, written as ``-1/2 |(x - mean_) V sqrt(lambda)|^2`` (``P = V diag(lambda) V^T``);
- ``TruncatedSVD``: ``x @ components_.T``; ``FastICA``: ``(x - mean_) @ components_.T`` (``x`` itself
  when ``whiten`` is False); random projections: ``x @ components_.T`` (sparse components densified);
- ``FactorAnalysis``: ``transform = (x - mean_) @ (W / psi).T @ inv(I + (W / psi) W.T)``, and
  ``score_samples`` as PCA's with its own precision;
- ``KernelPCA``: kernel neurons over ``X_fit_``, ``KernelCenterer`` (``K - K_fit_rows_ - mean_j K + K_fit_all_``),
  then ``eigenvectors_ / sqrt(eigenvalues_)`` (zero eigenvalues give zero columns).

``NMF`` and ``MiniBatchNMF`` have no network: their ``transform`` solves a non-negative least-squares
problem iteratively from the data (a coordinate-descent or multiplicative-update loop whose
iteration count depends on the row), not a closed-form function of ``x``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.kernels import check_kernel, kernel_layer
from nnconvert.converters.registry import refuse, register
from nnconvert.ir.builder import GraphBuilder

_NMF = (
    "{name}.transform solves a non-negative least-squares problem iteratively for each row (the number of "
    "iterations depends on the data), so it has no exact closed-form network"
)
refuse("sklearn.decomposition.NMF", _NMF.format(name="NMF"))
refuse("sklearn.decomposition.MiniBatchNMF", _NMF.format(name="MiniBatchNMF"))


def _f64(a: Any) -> np.ndarray:
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a, dtype=np.float64)


def _shift(g: GraphBuilder, x: str, mean: Any) -> str:
    """``x - mean_`` as its own layer (scikit-learn subtracts first; see Dense.is_shift)."""
    return g.dense(x, np.eye(g.width(x)), -_f64(mean), source={"bias": "-mean_"}, hint="centred")


def _gaussian_log_likelihood(g: GraphBuilder, centred: str, precision: np.ndarray) -> str:
    """``-1/2 u P u - 1/2 (d log 2 pi - log det P)`` for ``u = x - mean_``, as ``|u V sqrt(lambda)|^2``."""
    lam, V = np.linalg.eigh((precision + precision.T) / 2)
    d = len(lam)
    _, logdet = np.linalg.slogdet(precision)
    root = g.dense(
        centred, V * np.sqrt(np.maximum(lam, 0.0)), source={"weight": "eigh(get_precision())"}, hint="whitened"
    )
    sq = g.act(root, "square", hint="whitened_sq")
    const = -0.5 * (d * np.log(2.0 * np.pi) - logdet)
    ll = g.dense(
        sq, np.full((d, 1), -0.5), [const], source={"bias": "-(d log 2 pi - log det precision) / 2"}, hint="ll"
    )
    return g.squeeze(ll, hint="log_likelihood")


def _summary(g: GraphBuilder, est: Any, out: str, what: str, **facts: Any) -> None:
    name = type(est).__name__
    g.summarize(
        name, f"{name}: {g.width(out)} component neurons ({what}) = transform", components=g.width(out), **facts
    )


@register(
    "sklearn.decomposition.PCA",
    "x - mean_ -> dense (components_.T) [/ sqrt(explained_variance_)] = transform; quadratic neuron = score_samples",
)
@register(
    "sklearn.decomposition.IncrementalPCA",
    "x - mean_ -> dense (components_.T) [/ sqrt(explained_variance_)] = transform",
)
def pca(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``_BasePCA._transform``; and ``PCA.score_samples`` (module docstring)."""
    C = _f64(est.components_)
    mean = _f64(est.mean_)
    # (x - mean_) @ C.T: equal to scikit-learn's x @ C.T - mean_ @ C.T within float64 rounding, and it
    # keeps float32 networks exact on data far from the origin (no cancellation of two large terms).
    centred = _shift(g, x, mean)
    out = g.dense(centred, C.T, source={"weight": "components_.T"}, hint="components")
    if est.whiten:
        scale = np.sqrt(_f64(est.explained_variance_))
        scale[scale < np.finfo(scale.dtype).eps] = np.finfo(scale.dtype).eps
        out = g.scale(
            out, 1.0 / scale, 0.0, source={"weight": "1 / sqrt(explained_variance_)"}, hint="whitened_components"
        )
    result = {"transform": out}
    if hasattr(est, "score_samples"):
        result["score_samples"] = _gaussian_log_likelihood(g, centred, _f64(est.get_precision()))
    _summary(g, est, out, "components_" + (", whitened" if est.whiten else ""), whiten=bool(est.whiten))
    return result


_PROJECTION = "dense (components_.T) = transform"


@register("sklearn.decomposition.TruncatedSVD", _PROJECTION)
@register("sklearn.random_projection.GaussianRandomProjection", _PROJECTION)
@register("sklearn.random_projection.SparseRandomProjection", _PROJECTION + " (sparse components_ densified)")
def projection(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = x @ components_.T``."""
    C = _f64(est.components_)
    out = g.dense(x, C.T, source={"weight": "components_.T"}, hint="components")
    _summary(g, est, out, "components_")
    return {"transform": out}


@register("sklearn.decomposition.FastICA", "x - mean_ (when whiten) -> dense (components_.T) = transform")
def fast_ica(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = (x - mean_) @ components_.T`` (no centring when ``whiten`` is False)."""
    if est.whiten:
        x = _shift(g, x, est.mean_)
    out = g.dense(x, _f64(est.components_).T, source={"weight": "components_.T"}, hint="sources")
    _summary(g, est, out, "unmixing components_")
    return {"transform": out}


@register(
    "sklearn.decomposition.FactorAnalysis",
    "x - mean_ -> dense ((W / psi).T inv(I + (W / psi) W.T)) = transform; quadratic neuron = score_samples",
)
def factor_analysis(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``FactorAnalysis.transform`` and ``score_samples`` (module docstring)."""
    W = _f64(est.components_)
    Wpsi = W / _f64(est.noise_variance_)
    cov_z = np.linalg.inv(np.eye(len(W)) + Wpsi @ W.T)
    centred = _shift(g, x, est.mean_)
    tmp = g.dense(centred, Wpsi.T, source={"weight": "(components_ / noise_variance_).T"}, hint="factor_scores")
    out = g.dense(tmp, cov_z, source={"weight": "inv(I + Wpsi components_.T)"}, hint="factors")
    _summary(g, est, out, "posterior means of the factors")
    return {"transform": out, "score_samples": _gaussian_log_likelihood(g, centred, _f64(est.get_precision()))}


@register(
    "sklearn.decomposition.KernelPCA",
    "kernel neurons (1 per training row, X_fit_) -> kernel centring -> dense (eigenvectors_ / sqrt(eigenvalues_)) = transform",
    pickle_support=("sklearn.preprocessing._data.KernelCenterer",),
)
def kernel_pca(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = center(K(x, X_fit_)) @ scaled_alphas`` (``KernelPCA.transform``)."""
    kernel = check_kernel(est.kernel, "KernelPCA")
    X_fit = _f64(est.X_fit_)
    n = len(X_fit)
    K = kernel_layer(
        g,
        x,
        X_fit,
        kernel,
        gamma=est.gamma_,
        degree=est.degree,
        coef0=est.coef0,
        centres_name="X_fit_",
        owner="KernelPCA",
    )
    c = est._centerer
    row_mean = g.dense(K, np.full((n, 1), 1.0 / n), hint="kernel_row_mean")
    centring = np.vstack([np.eye(n), -np.ones((1, n))])
    Kc = g.dense(
        g.concat([K, row_mean]), centring, float(c.K_fit_all_) - _f64(c.K_fit_rows_),
        source={"weight": "K - mean_j K", "bias": "K_fit_all_ - K_fit_rows_"}, hint="centred_kernel",
    )  # fmt: skip
    eigval, eigvec = _f64(est.eigenvalues_), _f64(est.eigenvectors_)
    nz = np.flatnonzero(eigval)
    alphas = np.zeros_like(eigvec)
    alphas[:, nz] = eigvec[:, nz] / np.sqrt(eigval[nz])
    out = g.dense(Kc, alphas, source={"weight": "eigenvectors_ / sqrt(eigenvalues_)"}, hint="kernel_components")
    _summary(g, est, out, f"{n} {kernel} kernel neurons over X_fit_, centred", kernel=kernel, training_rows=n)
    return {"transform": out}
