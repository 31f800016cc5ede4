"""Gaussian-process kernels as networks: a kernel-expression tree -> kernel neurons over X_train_.

Each fitted kernel (``sklearn/gaussian_process/kernels.py``) becomes a :class:`Term`,
``scale * tensor + offset`` with ``tensor`` an ``[N, n_train]`` layer (or None for a constant),
so constants fold into the next dense layer instead of costing ``n^2`` weights:

- ``ConstantKernel``: ``c``; ``WhiteKernel``: 0 off the diagonal (``k(x*, X_train)`` for new
  ``x*``), ``noise_level`` on it;
- ``RBF``: ``exp(-d^2 / 2)`` of ``d = |x / l - s / l|`` (per-feature ``l`` allowed);
- ``Matern``: ``t = sqrt(2 nu) d``; nu 0.5 ``exp(-t)``, 1.5 ``(1 + t) exp(-t)``,
  2.5 ``(1 + t + t^2 / 3) exp(-t)``, inf = RBF (other nu need Bessel functions: refused);
- ``RationalQuadratic``: ``(1 + d^2 / (2 alpha l^2))^-alpha = exp(-alpha log(...))``;
- ``ExpSineSquared``: ``exp(-2 sin^2(pi d / p) / l^2) = exp((cos(2 pi d / p) - 1) / l^2)``;
- ``DotProduct``: ``x.s + sigma_0^2`` (a dense neuron per training row);
- ``Sum``/``Product``: elementwise sums and products (``combine`` nodes), expanded over offsets.

``exp(-u)`` is written ``1 / exp(u)`` as in :mod:`nnconvert.converters.kernels`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.combine import Combine


@dataclass(frozen=True)
class Term:
    """``scale * tensor + offset`` (``tensor`` None: the constant ``offset``)."""

    tensor: str | None
    scale: float = 1.0
    offset: float = 0.0


def _combine(g: GraphBuilder, sources: list[str], fn: str, coeffs: list[float] = (), hint: str = "kernel") -> str:  # type: ignore[assignment]
    return g.add(Combine, hint, sources=tuple(sources), fn=fn, coeffs=tuple(coeffs))


def add_terms(g: GraphBuilder, a: Term, b: Term) -> Term:
    """``a + b``."""
    if a.tensor is None or b.tensor is None:
        t = a if b.tensor is None else b
        return Term(t.tensor, t.scale if t.tensor else 0.0, a.offset + b.offset)
    return Term(_combine(g, [a.tensor, b.tensor], "add", [a.scale, b.scale], "kernel_sum"), 1.0, a.offset + b.offset)


def mul_terms(g: GraphBuilder, a: Term, b: Term) -> Term:
    """``(sa A + oa)(sb B + ob) = sa sb AB + sa ob A + sb oa B + oa ob``."""
    if a.tensor is None or b.tensor is None:
        c, t = (a, b) if a.tensor is None else (b, a)
        return Term(t.tensor if c.offset else None, c.offset * t.scale, c.offset * t.offset)
    prod = _combine(g, [a.tensor, b.tensor], "mul", hint="kernel_product")
    parts = [(prod, a.scale * b.scale), (a.tensor, a.scale * b.offset), (b.tensor, b.scale * a.offset)]
    parts = [(t, c) for t, c in parts if c != 0]
    if len(parts) == 1:
        return Term(parts[0][0], parts[0][1], a.offset * b.offset)
    tensor = _combine(g, [t for t, _ in parts], "add", [c for _, c in parts], "kernel_product")
    return Term(tensor, 1.0, a.offset * b.offset)


def _exp_neg(g: GraphBuilder, u: str, hint: str) -> str:
    return g.act(g.act(u, "exp"), "reciprocal", hint=hint)


def _scaled_distance(g: GraphBuilder, x: str, X_train: np.ndarray, factor: Any, metric: str, what: str) -> str:
    """``metric`` distance between ``x * factor`` and ``X_train_ * factor`` (per-feature factor).

    The euclidean distance is the Minkowski p = 2 one, from coordinate differences as ``cdist``
    computes it: Matern 1/2 has slope -1 at d = 0, so the GEMM form's rounding noise near a
    training row (``sqrt(eps) |x|``, 3e-4 in float32) would show in ``predict``."""
    f = np.broadcast_to(np.asarray(factor, dtype=np.float64), (X_train.shape[1],))
    xs = g.scale(x, f, 0.0, source={"weight": what}, hint="scaled_x")
    metric, p = ("minkowski", 2.0) if metric == "euclidean" else (metric, 2.0)
    src = {"centres": f"X_train_ * {what}"}
    return g.distance(xs, X_train * f, metric, p=p, source=src, hint="train_distances")


def _matern(g: GraphBuilder, x: str, X_train: np.ndarray, ls: Any, nu: float) -> str:
    if nu == np.inf:
        d2 = _scaled_distance(g, x, X_train, np.sqrt(0.5) / np.asarray(ls), "sqeuclidean", "sqrt(1/2) / length_scale")
        return _exp_neg(g, d2, "kernel_rbf")
    if nu not in (0.5, 1.5, 2.5):
        raise UnsupportedModel(f"Matern nu={nu:g} needs modified Bessel functions; supported nu: 0.5, 1.5, 2.5, inf")
    c = np.sqrt(2 * nu)
    t = _scaled_distance(g, x, X_train, c / np.asarray(ls), "euclidean", f"sqrt({2 * nu:g}) / length_scale")
    decay = _exp_neg(g, t, "exp_neg_t")
    if nu == 0.5:
        return decay
    poly = [t] if nu == 1.5 else [t, g.act(t, "square")]
    factor = g.add(Combine, "matern_poly", sources=tuple(poly), fn="add", coeffs=(1.0, 1 / 3)[: len(poly)], bias=1.0)
    return _combine(g, [factor, decay], "mul", hint=f"kernel_matern{int(nu * 2)}2")


def cross_kernel(kernel: Any, g: GraphBuilder, x: str, X_train: np.ndarray) -> Term:
    """``k(x, X_train_)``: ``[N, n_train]``."""
    from sklearn.gaussian_process import kernels as K

    kind = type(kernel)
    if kind is K.Sum:
        return add_terms(g, cross_kernel(kernel.k1, g, x, X_train), cross_kernel(kernel.k2, g, x, X_train))
    if kind is K.Product:
        return mul_terms(g, cross_kernel(kernel.k1, g, x, X_train), cross_kernel(kernel.k2, g, x, X_train))
    if kind is K.ConstantKernel:
        return Term(None, 0.0, float(kernel.constant_value))
    if kind is K.WhiteKernel:
        return Term(None, 0.0, 0.0)  # k(X, Y) = 0 for Y other than X itself
    if kind is K.RBF:
        return Term(_matern(g, x, X_train, kernel.length_scale, np.inf))
    if kind is K.Matern:
        return Term(_matern(g, x, X_train, kernel.length_scale, float(kernel.nu)))
    if kind is K.RationalQuadratic:
        a, ls = float(kernel.alpha), float(kernel.length_scale)
        d2 = _scaled_distance(
            g, x, X_train, 1 / (ls * np.sqrt(2 * a)), "sqeuclidean", "1 / (length_scale sqrt(2 alpha))"
        )
        base = g.add(Combine, "rq_base", sources=(d2,), fn="add", coeffs=(1.0,), bias=1.0)
        power = g.add(Combine, "rq_power", sources=(g.act(base, "log"),), fn="add", coeffs=(-a,))
        return Term(g.act(power, "exp", hint="kernel_rq"))
    if kind is K.ExpSineSquared:
        ls, p = float(kernel.length_scale), float(kernel.periodicity)
        d = _scaled_distance(g, x, X_train, 2 * np.pi / p, "euclidean", "2 pi / periodicity")
        u = g.add(Combine, "sine_arg", sources=(g.act(d, "cos"),), fn="add", coeffs=(1 / ls**2,), bias=-1 / ls**2)
        return Term(g.act(u, "exp", hint="kernel_exp_sine"))
    if kind is K.DotProduct:
        s0 = float(kernel.sigma_0) ** 2
        return Term(
            g.dense(x, X_train.T, np.full(len(X_train), s0), source={"weight": "X_train_.T", "bias": "sigma_0^2"})
        )
    raise UnsupportedModel(
        f"Gaussian-process kernel {kind.__name__} is not supported; supported: sums and products of RBF, Matern, "
        "RationalQuadratic, ExpSineSquared, DotProduct, WhiteKernel, ConstantKernel"
    )


def diag_kernel(kernel: Any, g: GraphBuilder, x: str) -> Term:
    """``k(x, x)``: ``[N, 1]`` (a constant for stationary kernels); ``WhiteKernel`` adds its noise."""
    from sklearn.gaussian_process import kernels as K

    kind = type(kernel)
    if kind is K.Sum:
        return add_terms(g, diag_kernel(kernel.k1, g, x), diag_kernel(kernel.k2, g, x))
    if kind is K.Product:
        return mul_terms(g, diag_kernel(kernel.k1, g, x), diag_kernel(kernel.k2, g, x))
    if kind is K.ConstantKernel:
        return Term(None, 0.0, float(kernel.constant_value))
    if kind is K.WhiteKernel:
        return Term(None, 0.0, float(kernel.noise_level))
    if kind is K.DotProduct:
        sq = g.act(x, "square")
        ones = np.ones((g.width(x), 1))
        return Term(g.dense(sq, ones, [float(kernel.sigma_0) ** 2], hint="kernel_diag"))
    if kind in (K.RBF, K.Matern, K.RationalQuadratic, K.ExpSineSquared):
        return Term(None, 0.0, 1.0)
    raise UnsupportedModel(f"Gaussian-process kernel {kind.__name__} is not supported")


def dense_of(
    g: GraphBuilder, x: str, term: Term, weight: np.ndarray, bias: np.ndarray, source: dict[str, str], hint: str
) -> str:
    """``(scale T + offset) @ weight + bias`` as one dense layer (a constant term reads ``x`` with zero weights)."""
    weight = np.asarray(weight, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64) + term.offset * weight.sum(axis=0)
    if term.tensor is None:
        return g.dense(x, np.zeros((g.width(x), weight.shape[1])), bias, hint=hint)
    return g.dense(term.tensor, term.scale * weight, bias, source=source, hint=hint)


def describe(kernel: Any) -> str:
    """The fitted kernel as scikit-learn prints it (its numbers included)."""
    return str(kernel)
