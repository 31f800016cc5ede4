"""Nearest neighbours: one distance neuron per stored sample, a neighbour selection, a weighted vote.

Mirrors ``sklearn/neighbors/_classification.py``, ``_regression.py`` and ``_base.py``:

- distances: ``effective_metric_`` (``minkowski`` p = 1, 2, inf resolve to manhattan, euclidean,
  chebyshev; any other p > 0 stays ``(sum |x - s|^p)^(1/p)``; ``cosine`` with brute force);
- selection: the ``n_neighbors`` smallest distances (equal distances: lower sample index first,
  see below) or every sample within ``radius`` (``d <= radius``);
- ``_get_weights``: ``uniform`` 1, ``distance`` ``1 / d``; a row with a zero distance weighs those
  neighbours 1 and the others 0;
- ``predict_proba`` = the weighted share of each class; ``predict`` = ``classes_[argmax]`` (ties to
  the lowest class, as ``np.argmax``, ``scipy.stats.mode`` and ``weighted_mode``); regressors
  ``predict`` = the weighted mean of ``_y``; radius rows without neighbours: ``outlier_label_``
  (classifier) or NaN (regressor).

Equal distances at the k-th place: the network keeps the lower sample index (ONNX ``TopK``).
scikit-learn keeps whatever its search visits first: brute force pushes samples in index order
into a max-heap that evicts its current root (``sklearn/utils/_heap.pyx``), which is not always
the higher index, and the trees visit samples in tree order. Such rows have a decision margin of
0, so verify reports them, and float32 flips there count as boundary rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.registry import declare_reference_slack, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.neighbours import NeighbourVote, zero_threshold

_METRIC_ALIASES = {
    "euclidean": "euclidean", "l2": "euclidean", "manhattan": "manhattan", "cityblock": "manhattan",
    "l1": "manhattan", "chebyshev": "chebyshev", "infinity": "chebyshev", "minkowski": "minkowski",
    "cosine": "cosine",
}  # fmt: skip
_MINKOWSKI_NAMED = {1.0: "manhattan", 2.0: "euclidean", float("inf"): "chebyshev"}
# A kd_tree / ball_tree model pickles its search tree (KDTree/BallTree, rebuilt by the Cython
# function newObj(cls) + __setstate__, holding a DistanceMetric64 the same way); the converters
# read only _fit_X, _y, classes_ and effective_metric_. newObj is a function, which the
# allow-list never admits from sklearn: such pickles load once the loader rebuilds the trees.
_TREES = (
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    *(f"sklearn.metrics._dist_metrics.{m}Distance64" for m in ("Euclidean", "Manhattan", "Chebyshev", "Minkowski")),
)
_K = "distance neurons (1 per training row of _fit_X) -> TopK k nearest (lower index on ties) -> gather -> {vote}"
_R = "distance neurons (1 per training row of _fit_X) -> radius mask d <= radius -> {vote}"


def resolve_metric(est: Any) -> tuple[str, float]:
    """``(metric, p)`` of the Distance node for ``effective_metric_`` / ``effective_metric_params_``."""
    name = type(est).__name__
    metric = getattr(est, "effective_metric_", getattr(est, "metric", None))
    params = dict(getattr(est, "effective_metric_params_", None) or getattr(est, "metric_params", None) or {})
    if params.get("w", 0) is None:
        del params["w"]
    if callable(metric):
        raise UnsupportedModel(f"{name} uses a callable metric: its network is not known; refit with a named metric")
    if metric not in _METRIC_ALIASES:
        raise UnsupportedModel(
            f"{name} metric {metric!r} is not supported; supported: euclidean, manhattan, chebyshev, minkowski, cosine"
        )
    if set(params) - {"p"}:
        raise UnsupportedModel(
            f"{name}: metric_params {sorted(set(params) - {'p'})} (e.g. weighted Minkowski) are not supported"
        )
    metric = _METRIC_ALIASES[metric]
    p = float(params.get("p", getattr(est, "p", 2) or 2))
    if metric == "minkowski":
        metric = _MINKOWSKI_NAMED.get(p, "minkowski")
    return metric, p


def _samples(est: Any) -> np.ndarray:
    X = est._fit_X
    return np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)


def _weighting(est: Any) -> str:
    weights = est.weights
    if weights is None or (isinstance(weights, str) and weights == "uniform"):
        return "uniform"
    if isinstance(weights, str) and weights == "distance":
        return "distance"
    raise UnsupportedModel(f"{type(est).__name__} uses a callable weights function: its network is not known")


def _distances(est: Any, g: GraphBuilder, x: str) -> str:
    metric, p = resolve_metric(est)
    source = {"centres": "_fit_X"}
    return g.distance(x, _samples(est), metric, p=p, source=source, hint="distances")


def _one_hot(est: Any) -> np.ndarray:
    name = type(est).__name__
    if getattr(est, "outputs_2d_", False):
        raise UnsupportedModel(f"{name} fitted on several outputs: predict_proba is a list of arrays; fit one output")
    y = np.asarray(est._y, dtype=np.int64)
    return np.eye(len(est.classes_))[y]


def _targets(est: Any) -> np.ndarray:
    y = np.asarray(est._y, dtype=np.float64)
    return y[:, None] if y.ndim == 1 else y


def zero_tolerance(metric: str, samples: np.ndarray) -> float:
    """``zero_tol`` of the vote: the GEMM form's euclidean noise for a query equal to a sample is
    about ``sqrt(eps * n_features) * |s|``; 16 times the largest ``|s|`` covers it. Other metrics
    subtract coordinates, so an exact match is exactly 0."""
    if metric != "euclidean" or samples.size == 0:
        return 0.0
    return 16.0 * float(np.sqrt((samples * samples).sum(axis=1).max()))


def _vote(est: Any, g: GraphBuilder, x: str, values: np.ndarray, *, k: int = 0, outlier: Any = None) -> str:
    d = _distances(est, g, x)
    params = {"k": k} if k else {"radius": float(est.radius)}
    tol = zero_tolerance(resolve_metric(est)[0], _samples(est))
    return g.add(
        NeighbourVote,
        "vote",
        input=d,
        values=values,
        weighting=_weighting(est),
        outlier=outlier,
        zero_tol=tol,
        **params,
    )


def _summarize(est: Any, g: GraphBuilder, selection: str, tail: str) -> None:
    name = type(est).__name__
    n, d = _samples(est).shape
    metric, p = resolve_metric(est)
    metric_words = f"minkowski p={p:g}" if metric == "minkowski" else metric
    text = f"{name}: {n} stored samples x {d} features ({metric_words} distance neurons) -> {selection} -> {tail}"
    g.summarize(name, text, samples=n, metric=metric_words, weights=_weighting(est), selection=selection)


@register(
    "sklearn.neighbors.KNeighborsClassifier",
    _K.format(vote="one-hot labels, weighted vote = predict_proba -> argmax"),
    pickle_support=_TREES,
)
def k_neighbors_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    k = int(est.n_neighbors)
    proba = _vote(est, g, x, _one_hot(est), k=k)
    _summarize(est, g, f"the {k} nearest", f"{_weighting(est)} vote over {len(est.classes_)} classes")
    return {"predict_proba": proba, "predict": g.argmax_label(proba, est.classes_)}


@register(
    "sklearn.neighbors.KNeighborsRegressor",
    _K.format(vote="targets _y, weighted mean = predict"),
    pickle_support=_TREES,
)
def k_neighbors_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    k = int(est.n_neighbors)
    mean = _vote(est, g, x, _targets(est), k=k)
    _summarize(est, g, f"the {k} nearest", f"{_weighting(est)} mean of _y")
    return {"predict": g.squeeze(mean, hint="prediction") if np.ndim(est._y) == 1 else mean}


def _outlier_row(est: Any) -> np.ndarray | None:
    """``outlier_label_`` as the probability row scikit-learn gives rows without neighbours."""
    label = est.outlier_label_
    if label is None:
        return None  # scikit-learn raises on such rows; the network gives NaN
    label = label[0]
    hits = np.flatnonzero(np.asarray(est.classes_) == label)
    if hits.size != 1:
        raise UnsupportedModel(
            f"RadiusNeighborsClassifier outlier_label {label!r} is not one of classes_: predict returns a label "
            "the network's argmax cannot produce"
        )
    return np.eye(len(est.classes_))[hits[0]]


@register(
    "sklearn.neighbors.RadiusNeighborsClassifier",
    _R.format(vote="one-hot labels, weighted vote = predict_proba (no neighbour: outlier_label_) -> argmax"),
    pickle_support=_TREES,
)
def radius_neighbors_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    outlier = _outlier_row(est)
    proba = _vote(est, g, x, _one_hot(est), outlier=outlier)
    tail = f"{_weighting(est)} vote over {len(est.classes_)} classes"
    _summarize(est, g, f"every sample within radius {float(est.radius):g}", tail)
    return {"predict_proba": proba, "predict": g.argmax_label(proba, est.classes_)}


@register(
    "sklearn.neighbors.RadiusNeighborsRegressor",
    _R.format(vote="targets _y, weighted mean = predict (no neighbour: NaN)"),
    pickle_support=_TREES,
)
def radius_neighbors_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    # empty_obs = np.full_like(_y[0], np.nan): NaN, or for integer targets the integer NaN casts to.
    empty = np.full_like(np.atleast_1d(est._y[0]), np.nan).astype(np.float64)
    mean = _vote(est, g, x, _targets(est), outlier=empty if np.isfinite(empty).all() else None)
    _summarize(est, g, f"every sample within radius {float(est.radius):g}", f"{_weighting(est)} mean of _y")
    return {"predict": g.squeeze(mean, hint="prediction") if np.ndim(est._y) == 1 else mean}


def distance_rounding(est: Any, X: Any) -> dict[str, np.ndarray] | None:
    """How far scikit-learn's own rounding moves a ``weights='distance'`` neighbours output from
    the network's (the reference slack of :func:`registry.declare_reference_slack`).

    Brute force computes euclidean distances by GEMM (``|x|^2 - 2 x.s + |s|^2``): for a query equal
    to a sample that gives rounding noise (``~sqrt(eps) |s|``; in many dimensions it is rarely 0)
    instead of 0, so scikit-learn weighs the sample ``1 / noise`` instead of applying its zero-
    distance rule; the network applies the rule to every distance up to ``zero_tol * sqrt(eps)``.
    On the rows where scikit-learn's own distances (``kneighbors``, ``radius_neighbors``) hold such
    a distance, the slack is twice the gap between its weighted vote and the zero rule's on those
    same distances (float outputs), and a label may differ where the zero rule's two best classes
    are within it. None for other configurations: kd/ball trees, other metrics and uniform
    weights are exact."""
    if _weighting(est) != "distance" or getattr(est, "_fit_method", None) != "brute":
        return None
    if resolve_metric(est)[0] != "euclidean":
        return None
    tiny = zero_threshold(zero_tolerance("euclidean", _samples(est)), np.float64)
    if hasattr(est, "kneighbors"):
        dist, ind = est.kneighbors(X)
        near = np.flatnonzero((dist <= tiny).any(axis=1))
        d, i, n_rows = dist[near], ind[near], len(dist)
    else:  # radius: ragged rows, those with a near-zero distance padded with far, weightless entries
        dists, inds = est.radius_neighbors(X)
        near = np.array([k for k, row in enumerate(dists) if (row <= tiny).any()], dtype=np.int64)
        width = max((len(dists[k]) for k in near), default=0)
        d, i = np.full((len(near), width), np.inf), np.zeros((len(near), width), dtype=np.int64)
        for r, k in enumerate(near):
            d[r, : len(dists[k])], i[r, : len(inds[k])] = dists[k], inds[k]
        n_rows = len(dists)
    if not len(near):
        return None
    classifier = hasattr(est, "classes_")
    values = _one_hot(est) if classifier else _targets(est)
    v = values[i]  # [m, k, outputs]
    with np.errstate(divide="ignore"):  # _get_weights: 1 / d, or the exact zeros alone where there are any
        w = np.where((d == 0).any(axis=1, keepdims=True), (d == 0).astype(np.float64), 1.0 / d)
    theirs = (v * w[:, :, None]).sum(axis=1) / w.sum(axis=1)[:, None]
    zero = (d <= tiny).astype(np.float64)
    rule = (v * zero[:, :, None]).sum(axis=1) / zero.sum(axis=1)[:, None]
    gap = np.zeros(n_rows)
    gap[near] = 2.0 * np.abs(theirs - rule).max(axis=1) + 8 * np.finfo(np.float64).eps * np.abs(v).max(axis=(1, 2))
    if not classifier:
        return {"predict": gap}
    top = np.sort(rule, axis=1)
    margin = np.full(n_rows, np.inf)
    if top.shape[1] > 1:
        margin[near] = top[:, -1] - top[:, -2]
    return {"predict_proba": gap, "predict": np.where(margin <= gap, gap, 0.0)}


for _path in ("KNeighborsClassifier", "KNeighborsRegressor", "RadiusNeighborsClassifier", "RadiusNeighborsRegressor"):
    declare_reference_slack(f"sklearn.neighbors.{_path}", distance_rounding)
