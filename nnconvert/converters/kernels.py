"""Kernel neurons: one hidden neuron per centre (support vector, training row, landmark).

The layer is one matrix product over all centres (never one layer per pair), mirroring
``Kernel::k_function`` in ``sklearn/svm/src/libsvm/svm.cpp`` and ``sklearn/metrics/pairwise.py``:

- linear ``K = x.s``;  poly ``K = (gamma x.s + coef0)^degree``;  sigmoid ``K = tanh(gamma x.s + coef0)``
- rbf ``K = exp(-gamma |x - s|^2)``: a Distance node on ``sqrt(gamma) (x - m)`` and
  ``sqrt(gamma) (s - m)`` (``|x|^2 - 2 x.s + |s|^2``, clamped at 0), then ``exp`` and
  ``reciprocal``, since ``exp(-t) = 1 / exp(t)``: a per-neuron scale by ``-gamma`` would be a
  dense layer with ``n_centres^2`` weights. ``m`` is the centres' mean rounded to float32
  (:func:`common_centre`): ``|x - s|^2`` is unchanged by a common shift, but its expanded form
  cancels in proportion to ``|x|^2 / |x - s|^2``, so float32 graphs lose every digit on data
  far from the origin (an ill-conditioned NuSVC: 4% off, against 4e-5 for a direct float32
  evaluation). The shift is a translation layer the simplifier keeps apart (``x - m`` first).
- laplacian ``K = exp(-gamma |x - s|_1)``: the manhattan Distance on ``gamma x``, ``gamma s``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

KERNELS = ("linear", "poly", "polynomial", "rbf", "sigmoid", "laplacian")


def check_kernel(kernel: Any, owner: str) -> str:
    """The kernel name, or UnsupportedModel for precomputed, callable and unknown kernels."""
    if callable(kernel):
        raise UnsupportedModel(
            f"{owner} uses a callable kernel ({getattr(kernel, '__name__', kernel)!r}): its network is not known; "
            "refit with one of " + ", ".join(KERNELS)
        )
    if kernel == "precomputed":
        raise UnsupportedModel(
            f"{owner} uses kernel='precomputed': it reads kernel values, not features, so it has no network on X"
        )
    if kernel not in KERNELS:
        raise UnsupportedModel(f"{owner} kernel {kernel!r} is not supported; supported: " + ", ".join(KERNELS))
    return "poly" if kernel == "polynomial" else str(kernel)


def _integer_degree(degree: Any, owner: str) -> int:
    d = float(degree)
    if d != int(d) or d < 0:
        raise UnsupportedModel(f"{owner}: polynomial kernel degree {degree!r} is not a non-negative integer")
    return int(d)


def kernel_layer(
    g: GraphBuilder,
    x: str,
    centres: Any,
    kernel: str,
    *,
    gamma: float,
    degree: Any = 3,
    coef0: float = 0.0,
    centres_name: str = "support_vectors_",
    owner: str = "the model",
) -> str:
    """Add ``K(x, s)`` for every row ``s`` of ``centres``: ``[N, n_centres]``."""
    centres = np.asarray(centres, dtype=np.float64)
    gamma, coef0 = float(gamma), float(coef0)
    n = centres.shape[0]
    if kernel == "linear":
        return g.dense(x, centres.T, np.zeros(n), source={"weight": f"{centres_name}.T"}, hint="kernel_linear")
    if kernel in ("poly", "sigmoid"):
        if kernel == "poly" and _integer_degree(degree, owner) == 0:
            # powi(base, 0) = 1: every neuron is the constant 1.
            return g.dense(x, np.zeros((centres.shape[1], n)), np.ones(n), hint="kernel_poly")
        z = g.dense(
            x,
            gamma * centres.T,
            np.full(n, coef0),
            source={"weight": f"_gamma * {centres_name}.T", "bias": "coef0"},
            hint=f"kernel_{kernel}_in",
        )
        if kernel == "sigmoid":
            return g.act(z, "tanh", hint="kernel_sigmoid")
        return g.act(z, "power", float(_integer_degree(degree, owner)), hint="kernel_poly")
    if gamma <= 0:
        raise UnsupportedModel(f"{owner}: {kernel} kernel needs gamma > 0, got {gamma}")
    if kernel == "rbf":
        root = np.sqrt(gamma)
        xc, cc, cc_name = _centred(g, x, centres, centres_name)
        xs = g.scale(xc, root, 0.0, source={"weight": "sqrt(_gamma)"}, hint="sqrt_gamma_x")
        d = g.distance(xs, root * cc, "sqeuclidean", source={"centres": f"sqrt(_gamma) * {cc_name}"})
    else:  # laplacian
        xs = g.scale(x, gamma, 0.0, source={"weight": "gamma"}, hint="gamma_x")
        d = g.distance(xs, gamma * centres, "manhattan", source={"centres": f"gamma * {centres_name}"})
    return g.act(g.act(d, "exp", hint="exp_gamma_d"), "reciprocal", hint=f"kernel_{kernel}")


def common_centre(centres: np.ndarray) -> np.ndarray:
    """The point kernel distances are measured from: the centres' mean, rounded to float32 so
    that ``x - m`` is exact in a float32 graph wherever ``x`` is within a factor 2 of ``m``."""
    return centres.mean(axis=0).astype(np.float32).astype(np.float64)


def _centred(g: GraphBuilder, x: str, centres: np.ndarray, centres_name: str) -> tuple[str, np.ndarray, str]:
    """``x - m`` and ``centres - m`` for ``m`` = :func:`common_centre` (exact in real arithmetic)."""
    m = common_centre(centres)
    if not m.any():
        return x, centres, centres_name
    width = g.width(x)
    xc = g.dense(x, np.eye(width), -m, source={"bias": f"-mean({centres_name})"}, hint="centred_x")
    return xc, centres - m, f"({centres_name} - mean)"


def pairwise_gamma(gamma: Any, n_features: int) -> float:
    """``sklearn.metrics.pairwise``: ``gamma=None`` means ``1 / n_features``."""
    return 1.0 / n_features if gamma is None else float(gamma)
