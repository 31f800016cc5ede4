"""Cases for projections (PCA, IncrementalPCA, TruncatedSVD, FastICA, KernelPCA, FactorAnalysis,
random projections), alone and inside pipelines with a classifier."""

from __future__ import annotations

from sklearn.decomposition import PCA, FactorAnalysis, FastICA, IncrementalPCA, KernelPCA, TruncatedSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection

from tests.cases import Case, blobs, classes_of

PROJECTIONS = {
    "PCA": lambda: PCA(n_components=3),
    "PCA-whiten": lambda: PCA(n_components=4, whiten=True),
    "PCA-full": lambda: PCA(),
    "IncrementalPCA": lambda: IncrementalPCA(n_components=3, batch_size=50),
    "IncrementalPCA-whiten": lambda: IncrementalPCA(n_components=2, whiten=True),
    "TruncatedSVD": lambda: TruncatedSVD(n_components=3, random_state=0),
    "FastICA": lambda: FastICA(n_components=3, random_state=0, max_iter=1000),
    "FastICA-nowhiten": lambda: FastICA(whiten=False, random_state=0, max_iter=1000),
    "FactorAnalysis": lambda: FactorAnalysis(n_components=2, random_state=0),
    "GaussianRandomProjection": lambda: GaussianRandomProjection(n_components=4, random_state=0),
    "SparseRandomProjection": lambda: SparseRandomProjection(n_components=4, density=0.5, random_state=0),
    **{
        f"KernelPCA-{k}": (lambda k=k: KernelPCA(n_components=3, kernel=k, gamma=0.1))
        for k in ("linear", "poly", "rbf", "sigmoid")
    },
}


def _transform_case(name: str, offset: float = 0.0) -> Case:
    def make():
        X, _, X_eval = blobs(3, n_samples=150, seed=100)
        return PROJECTIONS[name]().fit(X + offset), X_eval + offset

    return Case(f"{name}-transform" + ("-offset" if offset else ""), make)


def _pipeline_case(name: str, n_classes: int) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=200, seed=110 + n_classes)
        est = make_pipeline(PROJECTIONS[name](), LogisticRegression(max_iter=2000))
        return est.fit(X, classes_of("str", n_classes)[y]), X_eval

    return Case(f"pipeline-{name}-LogisticRegression-{n_classes}cls", make)


def _lda_transform() -> Case:
    def make():
        X, y, X_eval = blobs(4, n_samples=200, seed=120)
        return make_pipeline(LinearDiscriminantAnalysis(n_components=2), LogisticRegression()).fit(X, y), X_eval

    return Case("pipeline-LDA-transform-LogisticRegression", make)


CASES: list[Case] = [
    *[_transform_case(name) for name in PROJECTIONS],
    _transform_case("PCA", offset=1e3),
    _transform_case("FactorAnalysis", offset=100.0),
    *[_pipeline_case(name, n) for name in ("PCA-whiten", "KernelPCA-rbf", "FactorAnalysis") for n in (2, 3)],
    _lda_transform(),
]
