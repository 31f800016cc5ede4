"""NearestCentroid: one distance neuron per class centroid.

Mirrors ``sklearn/neighbors/_nearest_centroid.py`` (scikit-learn 1.9):

- ``predict`` with uniform ``class_prior_``: ``classes_[argmin_c d(x, centroids_[c])]``
  (``pairwise_distances_argmin``; ties to the lowest class);
- otherwise, and for ``decision_function``/``predict_proba`` (euclidean only, ``available_if``):
  the discriminant ``score_c = -d(x / s, centroids_[c] / s)^2 + 2 log class_prior_[c]`` with
  ``s = within_class_std_dev_`` (features with ``s = 0`` left unscaled); ``predict`` is its argmax,
  ``predict_proba`` its softmax, binary ``decision_function`` ``score_1 - score_0``.

``shrink_threshold`` only moves ``centroids_`` at fit time, so it needs nothing here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_ARCH = (
    "distance neurons (1 per class centroid) -> argmin = predict (uniform priors); "
    "euclidean: -d(x/s, c/s)^2 + 2 log prior = decision_function -> softmax = predict_proba"
)


def _discriminant(est: Any, g: GraphBuilder, x: str, metric: str) -> str:
    """``score_c = -d(x / s, c / s)^2 + 2 log prior_c`` for every class (``[N, n_classes]``)."""
    prior = np.asarray(est.class_prior_, dtype=np.float64)
    if np.any(prior <= 0):
        raise UnsupportedModel("NearestCentroid has a class prior of 0: its discriminant score is -inf")
    s = np.asarray(est.within_class_std_dev_, dtype=np.float64)
    scale = np.where(s != 0, 1.0 / np.where(s != 0, s, 1.0), 1.0)
    centroids = np.asarray(est.centroids_, dtype=np.float64).copy()
    centroids[:, s != 0] /= s[s != 0]  # as scikit-learn normalises them
    xs = g.scale(x, scale, 0.0, source={"weight": "1 / within_class_std_dev_"}, hint="standardized")
    src = {"centres": "centroids_ / within_class_std_dev_"}
    if metric == "euclidean":
        d2 = g.distance(xs, centroids, "sqeuclidean", source=src, hint="centroid_distances")
    else:
        d2 = g.act(g.distance(xs, centroids, metric, source=src, hint="centroid_distances"), "square")
    n = len(prior)
    return g.dense(d2, -np.eye(n), 2 * np.log(prior), source={"bias": "2 log class_prior_"}, hint="discriminant")


@register("sklearn.neighbors.NearestCentroid", _ARCH)
def nearest_centroid(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    metric = str(est.metric)
    if metric not in ("euclidean", "manhattan"):
        raise UnsupportedModel(f"NearestCentroid metric {metric!r} is not supported; supported: euclidean, manhattan")
    classes = est.classes_
    n = len(classes)
    uniform = bool(np.isclose(est.class_prior_, 1 / n).all())  # the test NearestCentroid.predict makes
    outputs: dict[str, str] = {}
    scores = None
    if metric == "euclidean" or not uniform:
        scores = _discriminant(est, g, x, metric)
    if metric == "euclidean":
        outputs["decision_function"] = (
            g.squeeze(g.dense(scores, [[-1.0], [1.0]], [0.0], hint="log_ratio"), hint="decision") if n == 2 else scores
        )
        outputs["predict_proba"] = g.act(scores, "softmax", hint="proba")
    if uniform:
        d = g.distance(
            x, est.centroids_, "sqeuclidean" if metric == "euclidean" else metric, source={"centres": "centroids_"}
        )
        scores = g.dense(d, -np.eye(n), np.zeros(n), hint="negative_distances")
    outputs["predict"] = g.argmax_label(scores, classes)
    rule = "nearest centroid" if uniform else "largest discriminant"
    text = f"NearestCentroid ({metric}): {n} centroid neurons over {g.n_features} features -> {rule} = predict"
    g.summarize("NearestCentroid", text, centroids=n, metric=metric, uniform_priors=uniform)
    return outputs
