"""Quadratic neurons, shared by naive Bayes, discriminant analysis and Gaussian mixtures.

A class (or component) score that is a weighted sum of squares of affine functions of ``x``,
``s_k = sum_j w_kj u_kj^2 + b_k``, is three layers: one affine neuron per ``u_kj`` (all classes
side by side, ``[N, k * m]``), a ``square`` activation, and one dense neuron per class summing
its block with the weights ``w_kj``. How ``u`` is formed follows the estimator's own arithmetic:

- :func:`centred_copies`: ``u_k = x - c_k`` as a selection layer (``x`` copied once per class,
  minus the centres), kept apart by the simplifier so that no ``x W - c W`` cancellation creeps
  in (scikit-learn subtracts first: ``GaussianNB``, ``QuadraticDiscriminantAnalysis``);
- :func:`projections`: ``u_k = x A_k + a_k`` for per-class matrices ``A_k`` (block columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnconvert.ir.builder import GraphBuilder


def centred_copies(g: GraphBuilder, x: str, centres: Any, *, source: str, hint: str = "centred") -> str:
    """``[x - c_1 | x - c_2 | ...]`` for the rows ``c_k`` of ``centres`` (``[N, k * d]``)."""
    centres = np.asarray(centres, dtype=np.float64)
    k, d = centres.shape
    return g.dense(x, np.tile(np.eye(d), (1, k)), -centres.ravel(), source={"bias": f"-{source}"}, hint=hint)


def projections(
    g: GraphBuilder,
    x: str,
    matrices: Sequence[Any],
    offsets: Any = None,
    *,
    source: Mapping[str, str] | None = None,
    hint: str = "projected",
) -> str:
    """``[x A_1 + a_1 | x A_2 + a_2 | ...]`` (``A_k`` of shape ``[d, m_k]``, offsets flattened)."""
    weight = np.hstack([np.asarray(a, dtype=np.float64) for a in matrices])
    bias = None if offsets is None else np.concatenate([np.ravel(np.asarray(o, dtype=np.float64)) for o in offsets])
    return g.dense(x, weight, bias, source=source, hint=hint)


def block_diagonal(blocks: Sequence[Any]) -> np.ndarray:
    """Blocks ``[m_k, n_k]`` on the diagonal of one ``[sum m, sum n]`` matrix."""
    arrays = [np.asarray(b, dtype=np.float64) for b in blocks]
    out = np.zeros((sum(a.shape[0] for a in arrays), sum(a.shape[1] for a in arrays)))
    r = c = 0
    for a in arrays:
        out[r : r + a.shape[0], c : c + a.shape[1]] = a
        r, c = r + a.shape[0], c + a.shape[1]
    return out


def weighted_square_sums(
    g: GraphBuilder,
    u: str,
    weights: Any,
    bias: Any,
    *,
    source: Mapping[str, str] | None = None,
    hint: str = "scores",
) -> str:
    """``s_k = sum_j weights[k][j] * u_kj^2 + bias_k``: a square layer, then one neuron per block
    (``weights`` a list of per-class vectors, or a ``[k, m]`` array)."""
    sq = g.act(u, "square", hint=f"{hint}_squares")
    columns = block_diagonal([np.asarray(w, dtype=np.float64).reshape(-1, 1) for w in weights])
    return g.dense(sq, columns, bias, source=source, hint=hint)
