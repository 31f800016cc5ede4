"""Cases for nearest neighbours (k nearest, radius) and NearestCentroid.

Evaluation rows mix fresh points, midpoints between classes, rows equal to training rows (zero
distances: the ``distance`` weighting's special case) and, for the integer-grid cases, rows whose
distances tie everywhere except at the k-th place. Ties at the k-th place are scikit-learn's
search order, not math (see ``nnconvert/converters/neighbors.py``): ``tests/test_neighbours.py``
checks that verify flags them instead.
"""

from __future__ import annotations

import numpy as np
from sklearn import neighbors

from tests.cases import Case, blobs, classes_of


def with_duplicates(X: np.ndarray, y: np.ndarray, n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Training data with its first ``n`` rows repeated (same targets): equal distances always."""
    return np.vstack([X, X[:n]]), np.concatenate([y, y[:n]])


def dyadic_blobs(
    n_classes: int, n_features: int, n_samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`blobs` on a grid of 1/64: every product and sum of a squared distance is exact, so
    scikit-learn's brute-force euclidean distances (``|x|^2 - 2 x.s + |s|^2`` by GEMM) are exactly 0
    for a row equal to a sample on every BLAS and thread count. Off the grid that GEMM can return
    about ``sqrt(eps) |x|`` instead of 0, and ``weights='distance'`` then weighs the match by
    ``1 / (that noise)`` rather than by scikit-learn's zero-distance rule: the reference itself
    moves by ~1e-8 from run to run. Midpoints between samples stay exact midpoints (exact ties)."""
    X, y, X_eval = blobs(n_classes, n_features=n_features, n_samples=n_samples, seed=seed)
    X = np.round(X * 64) / 64
    a, b = np.random.default_rng(seed).integers(0, n_samples, size=(2, len(X_eval) - 150))
    return X, y, np.vstack([np.round(X_eval[:150] * 64) / 64, (X[a] + X[b]) / 2])


def eval_rows(X: np.ndarray, X_eval: np.ndarray, n_exact: int = 30) -> np.ndarray:
    """Evaluation rows plus rows equal to training rows (duplicates among them)."""
    return np.vstack([X_eval, X[:: max(1, len(X) // n_exact)]])


def untied_at_k(est, X: np.ndarray, k: int) -> np.ndarray:
    """The rows of ``X`` whose k-th and (k+1)-th nearest distances differ by more than rounding
    (midpoints between training rows tie exactly; ties inside the k stay)."""
    d, _ = est.kneighbors(X, n_neighbors=k + 1)
    return X[d[:, k] - d[:, k - 1] > 1e-9 * np.maximum(d[:, k], 1.0)]


def grid(n_samples: int = 120, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer points in a 5 x 5 square (many equal distances), three classes, and a query grid."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(n_samples, 2)).astype(float)
    y = (X.sum(axis=1) + rng.integers(0, 2, n_samples)) % 3
    q = np.arange(-1, 6, 0.5)
    return X, y.astype(int), np.array([(a, b) for a in q for b in q])


def _knn_case(cls, tag: str, labels: str = "int", n_classes: int = 3, **kw) -> Case:
    def make():
        X, y, X_eval = dyadic_blobs(n_classes, n_features=4, n_samples=150, seed=20 + n_classes)
        X, y = with_duplicates(X, y)
        target = classes_of(labels, n_classes)[y] if cls is neighbors.KNeighborsClassifier else X[:, 0] - 2 * y
        est = cls(**kw).fit(X, target)
        return est, untied_at_k(est, eval_rows(X, X_eval), est.n_neighbors)

    return Case(f"{cls.__name__}-{tag}", make)


def _grid_case(cls, tag: str, k: int, **kw) -> Case:
    def make():
        X, y, Q = grid()
        est = cls(n_neighbors=k, **kw).fit(X, y if cls is neighbors.KNeighborsClassifier else y * 1.5 - X[:, 0])
        return est, untied_at_k(est, np.vstack([Q, X]), k)

    return Case(f"{cls.__name__}-grid-{tag}", make)


def _radius_case(cls, tag: str, radius: float, **kw) -> Case:
    def make():
        X, y, X_eval = dyadic_blobs(3, n_features=3, n_samples=150, seed=31)
        target = classes_of("wild", 3)[y] if cls is neighbors.RadiusNeighborsClassifier else X[:, 1] + y * 0.5
        est = cls(radius=radius, **kw).fit(X, target)
        far = X_eval[:20] * 4  # rows with no neighbour within the radius
        return est, np.vstack([eval_rows(X, X_eval), far if radius < 10 else X_eval[:0]])

    return Case(f"{cls.__name__}-{tag}", make)


def _centroid_case(tag: str, n_classes: int, labels: str = "int", **kw) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_features=4, n_samples=160, seed=40 + n_classes)
        est = neighbors.NearestCentroid(**kw).fit(X, classes_of(labels, n_classes)[y])
        return est, eval_rows(X, X_eval)

    return Case(f"NearestCentroid-{tag}-{n_classes}cls-{labels}", make)


KNC, KNR = neighbors.KNeighborsClassifier, neighbors.KNeighborsRegressor
RNC, RNR = neighbors.RadiusNeighborsClassifier, neighbors.RadiusNeighborsRegressor
# The first case of each kind is brute force: tests/test_loading.py round-trips the first case's
# pickle, and a tree's pickle needs sklearn's newObj function, which the allow-list refuses.
CASES = [
    _knn_case(KNC, "k4-distance-brute-wild", labels="wild", n_neighbors=4, weights="distance", algorithm="brute"),
    _knn_case(KNC, "k5-kd_tree"),
    _knn_case(KNC, "k1-ball_tree-str", labels="str", n_neighbors=1, algorithm="ball_tree"),
    _knn_case(KNC, "k6-distance-kd_tree-2cls", n_classes=2, n_neighbors=6, weights="distance"),
    _knn_case(KNC, "manhattan", n_neighbors=5, metric="manhattan", weights="distance"),
    _knn_case(KNC, "chebyshev", n_neighbors=3, metric="chebyshev"),
    _knn_case(KNC, "minkowski-p3", n_neighbors=5, p=3, weights="distance"),
    _knn_case(KNC, "minkowski-p1.5-brute", n_neighbors=5, p=1.5, algorithm="brute"),
    _knn_case(KNC, "cosine", n_neighbors=7, metric="cosine", weights="distance"),
    _knn_case(KNR, "k3-distance-brute", n_neighbors=3, weights="distance", algorithm="brute"),
    _knn_case(KNR, "k5"),
    _knn_case(KNR, "manhattan-distance", n_neighbors=4, metric="manhattan", weights="distance"),
    _grid_case(KNC, "k4-brute", 4, algorithm="brute"),
    _grid_case(KNC, "k5-distance-kd_tree", 5, weights="distance", algorithm="kd_tree"),
    _grid_case(KNC, "k3-manhattan", 3, metric="manhattan"),
    _grid_case(KNR, "k4-distance", 4, weights="distance", algorithm="brute"),
    _radius_case(RNC, "most_frequent-brute", 1.5, outlier_label="most_frequent", algorithm="brute"),
    _radius_case(RNC, "label-distance", 1.2, outlier_label=7, weights="distance"),
    _radius_case(RNC, "no-outlier-label-manhattan", 50.0, metric="manhattan"),
    _radius_case(RNR, "uniform-brute", 1.5, algorithm="brute"),
    _radius_case(RNR, "distance-chebyshev", 1.0, weights="distance", metric="chebyshev"),
    _centroid_case("euclidean", 2),
    _centroid_case("euclidean", 3, "str"),
    _centroid_case("empirical-priors", 3, "wild", priors="empirical"),
    _centroid_case("shrink", 4, shrink_threshold=0.3),
    _centroid_case("manhattan", 3, metric="manhattan"),
    _centroid_case("manhattan-empirical", 3, metric="manhattan", priors="empirical"),
]
