"""Cases for centroid clustering (KMeans, MiniBatchKMeans, BisectingKMeans) and Gaussian mixtures."""

from __future__ import annotations

from sklearn.cluster import BisectingKMeans, KMeans, MiniBatchKMeans
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.cases import Case, blobs


def _cluster(name: str, make_est, n: int, *, scaled: bool = False) -> Case:
    def make():
        X, _, X_eval = blobs(n, n_samples=300, seed=90 + n)
        est = make_est()
        if scaled:
            est = make_pipeline(StandardScaler(), est)
        return est.fit(X), X_eval

    return Case(f"{name}-{n}" + ("-scaled" if scaled else ""), make)


CLUSTERERS = {
    "KMeans": lambda k: KMeans(n_clusters=k, n_init=3, random_state=0),
    "MiniBatchKMeans": lambda k: MiniBatchKMeans(n_clusters=k, n_init=3, random_state=0),
    "BisectingKMeans": lambda k: BisectingKMeans(n_clusters=k, random_state=0),
    "BisectingKMeans-largest": lambda k: BisectingKMeans(
        n_clusters=k, bisecting_strategy="largest_cluster", random_state=0
    ),
}
MIXTURES = {
    f"{cls.__name__}-{cov}": (lambda k, cls=cls, cov=cov: cls(n_components=k, covariance_type=cov, random_state=0))
    for cls in (GaussianMixture, BayesianGaussianMixture)
    for cov in ("full", "tied", "diag", "spherical")
}


def _dp_mixture() -> Case:
    def make():
        X, _, X_eval = blobs(3, n_samples=300, seed=97)
        est = BayesianGaussianMixture(
            n_components=4, weight_concentration_prior_type="dirichlet_distribution", random_state=0, max_iter=300
        )
        return est.fit(X), X_eval

    return Case("BayesianGaussianMixture-dirichlet_distribution", make)


CASES: list[Case] = [
    *[_cluster(name, lambda make=make, k=k: make(k), k) for name, make in CLUSTERERS.items() for k in (1, 3, 6)],
    _cluster("KMeans", lambda: KMeans(n_clusters=4, n_init=2, random_state=1), 4, scaled=True),
    *[_cluster(name, lambda make=make: make(3), 3) for name, make in MIXTURES.items()],
    _cluster("GaussianMixture-full", lambda: GaussianMixture(n_components=2, random_state=0), 2, scaled=True),
    _dp_mixture(),
]
