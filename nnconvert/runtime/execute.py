"""The numpy runtime: executes a Network; in float64 it is the reference implementation.

``run(network, X)`` returns ``{output name: array}``. With ``dtype=np.float32`` every float
tensor and weight is float32, which mirrors what the float32 ONNX graph computes. ``X`` is the
internal matrix ``[N, n_features]``; a network with named inputs also takes its columns by name
(a Mapping or DataFrame, encoded by ``nnconvert.runtime.columns.encode_columns``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import DataError
from nnconvert.ir import columns as ir_columns
from nnconvert.ir import combine as ir_combine
from nnconvert.ir import coupling as ir_coupling
from nnconvert.ir import erf_mixture as ir_erf_mixture
from nnconvert.ir import labels as ir_labels
from nnconvert.ir import median as ir_median
from nnconvert.ir import monomials as ir_monomials
from nnconvert.ir import neighbours as ir_neighbours
from nnconvert.ir import preprocess as ir_preprocess
from nnconvert.ir import splines as ir_splines
from nnconvert.ir import trees as ir_trees

Array = np.ndarray


def _softmax(x: Array) -> Array:
    # scikit-learn's softmax: subtract the row max, exponentiate, divide by the row sum.
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _sigmoid(x: Array) -> Array:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


_ACTIVATIONS: dict[str, Callable[[Array, tuple[float, ...]], Array]] = {
    "identity": lambda x, p: x,
    "relu": lambda x, p: np.maximum(x, 0),
    "sigmoid": lambda x, p: _sigmoid(x),
    "tanh": lambda x, p: np.tanh(x),
    "exp": lambda x, p: np.exp(x),
    "log": lambda x, p: np.log(x),
    "abs": lambda x, p: np.abs(x),
    "softsign": lambda x, p: x / (1 + np.abs(x)),
    "softmax": lambda x, p: _softmax(x),
    "square": lambda x, p: x * x,
    "power": lambda x, p: np.power(x, int(p[0])),
    "step_gt": lambda x, p: (x > 0).astype(x.dtype),
    "step_ge": lambda x, p: (x >= 0).astype(x.dtype),
    "clip": lambda x, p: np.clip(x, x.dtype.type(p[0]), x.dtype.type(p[1])),
    "reciprocal": lambda x, p: 1 / x,
    "sqrt": lambda x, p: np.sqrt(x),
    "cos": lambda x, p: np.cos(x),
    "round_float32": lambda x, p: x.astype(np.float32).astype(x.dtype),
    "erf": lambda x, p: _erf(x),
}


def _erf(x: Array) -> Array:
    from scipy.special import erf

    return erf(x)


# Rows per block of the [rows, centres, features] differences of the elementwise metrics.
_BLOCK_ELEMENTS = 2**22


def _dense(node: ir.Dense, x: Array) -> Array:
    """``x @ weight + bias``; a selection layer gathers its columns (exact, see Dense.selection)."""
    sel = node.selection
    if sel is not None:
        return (x if node.is_translation else x[:, sel]) + node.bias.astype(x.dtype)
    scale = node.column_scale
    if scale is not None:  # column by column (see Dense.column_scale)
        return x[:, scale[0]] * scale[1].astype(x.dtype) + node.bias.astype(x.dtype)
    return x @ node.weight.astype(x.dtype) + node.bias.astype(x.dtype)


def _logsumexp(x: Array) -> Array:
    """``m + log(sum_j exp(x_j - m))`` per row, ``m`` the row max (0 where it is not finite)."""
    m = x.max(axis=1)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(x - m[:, None]).sum(axis=1)) + m


def _distance(node: ir.Distance, x: Array) -> Array:
    c = node.centres.astype(x.dtype)
    if node.metric in ("sqeuclidean", "euclidean"):
        # |x|^2 - 2 x.c + |c|^2, clamped at 0 against cancellation (same form as the ONNX graph).
        d2 = (x * x).sum(axis=1, keepdims=True) - 2 * (x @ c.T) + (c * c).sum(axis=1)[None, :]
        d2 = np.maximum(d2, 0)
        return d2 if node.metric == "sqeuclidean" else np.sqrt(d2)
    if node.metric == "cosine":
        # sklearn.metrics.pairwise.cosine_distances: normalised rows (norm 0 -> 1), 1 - x.c, clipped.
        def unit(a: Array) -> Array:
            norm = np.sqrt((a * a).sum(axis=1, keepdims=True))
            return a / np.where(norm == 0, 1, norm)

        return np.clip(1 - unit(x) @ unit(c).T, 0, 2)
    step = max(1, _BLOCK_ELEMENTS // max(1, c.size))
    return np.concatenate(
        [_elementwise_distance(node, x[i : i + step], c) for i in range(0, len(x), step)]
        or [np.zeros((0, len(c)), x.dtype)]
    )


def _elementwise_distance(node: ir.Distance, x: Array, c: Array) -> Array:
    diff = np.abs(x[:, None, :] - c[None, :, :])
    if node.metric == "minkowski":
        p = x.dtype.type(node.p)
        return np.power(np.power(diff, p).sum(axis=2), 1 / p)
    return diff.sum(axis=2) if node.metric == "manhattan" else diff.max(axis=2)


def _normalize(node: ir.Normalize, x: Array) -> Array:
    total = x.sum(axis=1, keepdims=True)
    if not node.zero_to_uniform:
        return x / total
    zero = total == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = x / np.where(zero, 1, total)
    return np.where(zero, x.dtype.type(1.0 / x.shape[1]), out)


def _threshold(node: ir.ThresholdLabel, x: Array) -> Array:
    thr = x.dtype.type(node.threshold)
    idx = (x > thr) if node.strict else (x >= thr)
    return node.classes[idx.astype(np.int64)]


_KERNELS: dict[type, Callable[[Any, list[Array]], Array]] = {
    ir.Dense: lambda n, xs: _dense(n, xs[0]),
    ir.Activation: lambda n, xs: _ACTIVATIONS[n.fn](xs[0], n.param),
    ir.Distance: lambda n, xs: _distance(n, xs[0]),
    ir.Concat: lambda n, xs: np.concatenate(xs, axis=1),
    ir.Normalize: lambda n, xs: _normalize(n, xs[0]),
    ir.Squeeze: lambda n, xs: xs[0][:, 0],
    ir.LogSumExp: lambda n, xs: _logsumexp(xs[0]),
    ir.ArgMaxLabel: lambda n, xs: n.classes[np.argmax(xs[0], axis=1)],
    ir.ThresholdLabel: lambda n, xs: _threshold(n, xs[0]),
}


def register_kernel(node_type: type, fn: Callable[[Any, list[Array]], Array]) -> None:
    """Teach the runtime a node kind defined outside ir.py."""
    if node_type in _KERNELS:
        raise ValueError(f"runtime kernel for {node_type.__name__} registered twice")
    _KERNELS[node_type] = fn


register_kernel(ir_coupling.PairwiseCoupling, lambda n, xs: ir_coupling.pairwise_coupling(xs[0], n.n_classes))
register_kernel(ir_monomials.Monomials, lambda n, xs: ir_monomials.monomials(n, xs[0]))
register_kernel(ir_trees.TreeSplits, lambda n, xs: ir_trees.tree_splits(n, xs[0]))
register_kernel(ir_trees.TreeEnsemble, lambda n, xs: ir_trees.tree_ensemble(n, xs[0]))
register_kernel(ir_columns.CategoryCodes, lambda n, xs: ir_columns.category_codes(n, xs[0]))
register_kernel(ir_columns.CategoryIndicators, lambda n, xs: ir_columns.category_indicators(n, xs[0]))
register_kernel(ir_median.WeightedMedian, lambda n, xs: ir_median.weighted_median(n, xs[0]))
register_kernel(ir_combine.Combine, ir_combine.combine)
register_kernel(ir_erf_mixture.ErfMixture, lambda n, xs: ir_erf_mixture.erf_mixture(n, xs[0], xs[1]))
register_kernel(ir_neighbours.NeighbourVote, lambda n, xs: ir_neighbours.neighbour_vote(n, xs[0]))
register_kernel(ir_preprocess.IsMissing, lambda n, xs: ir_preprocess.missing_mask(xs[0], n.value).astype(xs[0].dtype))
register_kernel(ir_preprocess.Impute, lambda n, xs: ir_preprocess.impute(n, xs[0]))
register_kernel(ir_preprocess.MarkMissing, lambda n, xs: ir_preprocess.mark_missing(n, xs[0]))
register_kernel(ir_preprocess.RowNorm, lambda n, xs: ir_preprocess.row_norm(n, xs[0]))
register_kernel(ir_preprocess.Interp, lambda n, xs: ir_preprocess.interp(n, xs[0]))
register_kernel(ir_splines.PiecewisePoly, lambda n, xs: ir_splines.piecewise_poly(n, xs[0]))
register_kernel(ir_labels.LabelIndicator, lambda n, xs: ir_labels.label_indicator(n, xs[0]))
register_kernel(ir_labels.StackLabels, lambda n, xs: np.stack(xs, axis=1))


def check_input(network: ir.Network, X: Any, dtype: Any = np.float64) -> Array:
    """Return X as a 2-D ``dtype`` array with the network's number of columns, or raise DataError;
    columns by name (for a network with named inputs) are encoded into that array."""
    from nnconvert.runtime.columns import encode_columns, is_columns

    if network.inputs and is_columns(X):
        return encode_columns(network, X, dtype)
    try:
        with np.errstate(over="ignore"):  # past float32's range is +-inf in a float32 run, as in onnxruntime
            arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DataError(f"input is not numeric: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] != network.n_features:
        raise DataError(f"input has shape {arr.shape}; the network expects [N, {network.n_features}]")
    return arr


def run(network: ir.Network, X: Any, dtype: Any = np.float64, *, trace: bool = False) -> dict[str, Array]:
    """Execute ``network`` on ``X``. Returns the outputs (and, with ``trace``, every tensor)."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    values: dict[str, Array] = {ir.INPUT: check_input(network, X, dtype)}
    with np.errstate(all="ignore"):  # IEEE results, as onnxruntime gives them (verify judges the values)
        for node in network.nodes:
            out = _KERNELS[type(node)](node, [values[i] for i in node.inputs])
            # float tensors computed from labels only (label_indicator) take the network's dtype
            is_float = network.info(node.name).kind == "float"  # labels keep their own dtype (float32 classes)
            values[node.name] = out.astype(dtype, copy=False) if is_float and out.dtype.kind == "f" else out
    outputs = {method: values[tensor] for method, tensor in network.outputs.items()}
    if trace:
        return {**values, **outputs}
    return outputs
