"""Centroid clustering: one distance neuron per cluster centre, then the nearest centre.

Mirrors ``sklearn/cluster/_kmeans.py``, ``_k_means_lloyd.pyx`` and ``_bisect_k_means.py``
(scikit-learn 1.9.1):

- ``KMeans`` / ``MiniBatchKMeans``: ``predict`` is the first centre minimising
  ``D_j = |c_j|^2 - 2 x . c_j`` (``_update_chunk_dense``: the centres' squared norms plus a GEMM
  with alpha -2; ``|x|^2`` is left out and ties go to the lowest index, ``<``). The network
  computes ``-D_j = 2 x . c_j - |c_j|^2`` (one dense layer) and takes the argmax, which breaks ties
  the same way. ``transform = euclidean_distances(x, cluster_centers_)``: the euclidean distance
  neurons ``sqrt(max(|x|^2 - 2 x.c + |c|^2, 0))``, scikit-learn's formula.
- ``BisectingKMeans``: ``predict`` walks the bisecting tree (``_predict_recursive``): at each
  split the row goes left iff ``D_left <= D_right`` for the split's two centres (plus ``_X_mean``).
  That is a decision tree with oblique splits: a dense layer of the ``D``, one step neuron per
  split on ``D_right - D_left`` (its sign is exact), one AND neuron per leaf
  (``step(sum_path ±h - (left turns) + 1/2)``, i.e. all its path's conditions hold), and the leaf's
  cluster label. ``transform`` as KMeans over ``cluster_centers_``.

Labels are ``int32``, as scikit-learn returns them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_KMEANS = "dense (2 x.c - |c|^2, 1 neuron per centre) -> argmax = predict; euclidean distance neurons = transform"


def _negated_kmeans_distance(g: GraphBuilder, x: str, centres: np.ndarray, *, hint: str) -> str:
    """``2 x . c_j - |c_j|^2 = -D_j`` for every centre (``[N, n_centres]``)."""
    norms = (centres * centres).sum(axis=1)
    return g.dense(
        x,
        2.0 * centres.T,
        -norms,
        source={"weight": "2 cluster_centers_.T", "bias": "-|cluster_centers_|^2"},
        hint=hint,
    )


def _transform(g: GraphBuilder, x: str, centres: np.ndarray) -> str:
    return g.distance(x, centres, "euclidean", source={"centres": "cluster_centers_"}, hint="distances")


def _centres(est: Any) -> np.ndarray:
    centres = np.asarray(est.cluster_centers_, dtype=np.float64)
    if centres.ndim != 2 or not len(centres):
        raise UnsupportedModel(f"{type(est).__name__} has no cluster centres")
    return centres


@register("sklearn.cluster.KMeans", _KMEANS)
@register("sklearn.cluster.MiniBatchKMeans", _KMEANS)
def kmeans(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = argmin_j |c_j|^2 - 2 x.c_j`` (first on ties); ``transform = |x - c_j|``."""
    centres = _centres(est)
    k = len(centres)
    scores = _negated_kmeans_distance(g, x, centres, hint="closeness")
    name = type(est).__name__
    g.summarize(
        name,
        f"{name}: {k} centre neurons 2 x.c - |c|^2 (the negated squared distance less |x|^2) -> argmax = predict; "
        f"{k} euclidean distance neurons = transform",
        clusters=k,
    )
    return {"predict": g.argmax_label(scores, np.arange(k, dtype=np.int32)), "transform": _transform(g, x, centres)}


def _tree_splits(est: Any) -> tuple[list[np.ndarray], list[tuple[int, list[tuple[int, bool]]]]]:
    """The bisecting tree's splits (their two centres, ``_X_mean`` added) and, per leaf, its label
    and path ``[(split index, goes left)]``."""
    offset = getattr(est, "_X_mean", None)
    splits: list[np.ndarray] = []
    leaves: list[tuple[int, list[tuple[int, bool]]]] = []
    stack = [(est._bisecting_tree, [])]
    while stack:
        node, path = stack.pop()
        if node.left is None:
            leaves.append((int(node.label), path))
            continue
        centres = np.vstack((node.left.center, node.right.center)).astype(np.float64)
        if offset is not None:
            centres = centres + offset
        i = len(splits)
        splits.append(centres)
        stack.append((node.right, [*path, (i, False)]))
        stack.append((node.left, [*path, (i, True)]))
    return splits, leaves


@register(
    "sklearn.cluster.BisectingKMeans",
    "bisecting tree: dense (|c|^2 - 2 x.c per split centre) -> step per split (left iff D_left <= D_right) "
    "-> AND per leaf -> cluster label = predict; euclidean distance neurons = transform",
    pickle_support=("sklearn.cluster._bisect_k_means._BisectingTree",),
)
def bisecting_kmeans(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``_predict_recursive`` as a tree network (see the module docstring)."""
    centres = _centres(est)
    splits, leaves = _tree_splits(est)
    out = {"transform": _transform(g, x, centres)}
    if not splits:
        labels = np.array([leaves[0][0]], dtype=np.int32)
        one = g.dense(x, np.zeros((g.width(x), 1)), [1.0], hint="single_cluster")
        out["predict"] = g.argmax_label(one, labels)
        return out
    pairs = np.vstack(splits)  # rows 2i, 2i+1: split i's left and right centre
    dist = g.dense(
        x, -2.0 * pairs.T, (pairs * pairs).sum(axis=1), source={"weight": "-2 split centres.T", "bias": "|centres|^2"},
        hint="split_distances",
    )  # fmt: skip
    n = len(splits)
    diff = np.zeros((2 * n, n))
    diff[2 * np.arange(n), np.arange(n)], diff[2 * np.arange(n) + 1, np.arange(n)] = -1.0, 1.0
    goes_left = g.act(g.dense(dist, diff, hint="right_minus_left"), "step_ge", hint="goes_left")
    path_w = np.zeros((n, len(leaves)))
    path_b = np.zeros(len(leaves))
    for j, (_, path) in enumerate(leaves):
        for i, left in path:
            path_w[i, j] = 1.0 if left else -1.0
        path_b[j] = 0.5 - sum(1 for _, left in path if left)  # all conditions hold <=> sum >= #left
    reached = g.act(g.dense(goes_left, path_w, path_b, hint="leaf_in"), "step_ge", hint="leaf")
    labels = np.array([label for label, _ in leaves], dtype=np.int32)
    out["predict"] = g.argmax_label(reached, labels)
    g.summarize(
        "BisectingKMeans",
        f"BisectingKMeans: {len(centres)} clusters; bisecting tree of {n} split neurons (left iff "
        f"D_left <= D_right) -> {len(leaves)} leaf AND neurons -> cluster label = predict; "
        f"{len(centres)} euclidean distance neurons = transform",
        clusters=len(centres), splits=n,
    )  # fmt: skip
    return out
