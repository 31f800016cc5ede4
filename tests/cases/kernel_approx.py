"""Cases for kernel approximations (RBFSampler, Nystroem, PolynomialFeatures) in pipelines and alone."""

from __future__ import annotations

from sklearn.kernel_approximation import Nystroem, RBFSampler
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import LinearSVC

from tests.cases import Case, blobs, classes_of

APPROX = {
    "RBFSampler": lambda: RBFSampler(gamma=0.2, n_components=60, random_state=0),
    "Nystroem-rbf": lambda: Nystroem(gamma=0.2, n_components=40, random_state=0),
    "Nystroem-poly": lambda: Nystroem(kernel="poly", degree=2, gamma=0.1, n_components=12, random_state=0),
    "Nystroem-sigmoid": lambda: Nystroem(kernel="sigmoid", gamma=0.05, coef0=0.1, n_components=40, random_state=0),
    "Nystroem-laplacian": lambda: Nystroem(kernel="laplacian", n_components=40, random_state=0),
    "Nystroem-linear": lambda: Nystroem(kernel="linear", n_components=5, random_state=0),
}


def _classifier_case(approx: str, final: str, n_classes: int) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=180, seed=40 + n_classes)
        head = LogisticRegression(max_iter=3000) if final == "LogisticRegression" else LinearSVC()
        est = make_pipeline(StandardScaler(), APPROX[approx](), head)
        return est.fit(X, classes_of("wild", n_classes)[y]), X_eval

    return Case(f"pipeline-{approx}-{final}-{n_classes}cls", make)


def _transform_case(approx: str) -> Case:
    def make():
        X, _, X_eval = blobs(2, n_samples=150, seed=50)
        return APPROX[approx]().fit(X), X_eval

    return Case(f"{approx}-transform", make)


def _regressor_case(approx: str) -> Case:
    def make():
        X, y, X_eval = blobs(3, n_samples=150, seed=51)
        return make_pipeline(APPROX[approx](), Ridge(alpha=1.0)).fit(X, X[:, 0] ** 2 + y), X_eval

    return Case(f"pipeline-{approx}-Ridge", make)


CASES: list[Case] = [
    *[_transform_case(a) for a in APPROX],
    *[
        _classifier_case(a, f, n)
        for a in ("RBFSampler", "Nystroem-rbf")
        for f in ("LogisticRegression", "LinearSVC")
        for n in (2, 3)
    ],
    *[_regressor_case(a) for a in ("RBFSampler", "Nystroem-poly", "Nystroem-laplacian")],
]

POLY = {
    "Poly-2": lambda: PolynomialFeatures(2),
    "Poly-3": lambda: PolynomialFeatures(3),
    "Poly-4-nobias": lambda: PolynomialFeatures(4, include_bias=False),
    "Poly-3-interaction": lambda: PolynomialFeatures(3, interaction_only=True),
    "Poly-2to3": lambda: PolynomialFeatures((2, 3)),
    "Poly-0to2-nobias-interaction": lambda: PolynomialFeatures((0, 2), interaction_only=True, include_bias=False),
    "Poly-1": lambda: PolynomialFeatures(1, include_bias=False),
    "Poly-0": lambda: PolynomialFeatures(0),
}


def _poly_transform_case(poly: str) -> Case:
    def make():
        X, _, X_eval = blobs(2, n_features=4, n_samples=120, seed=60)
        return POLY[poly]().fit(X), X_eval

    return Case(f"{poly}-transform", make)


def _poly_pipeline_case(poly: str, final: str, n_classes: int = 0) -> Case:
    def make():
        X, y, X_eval = blobs(max(n_classes, 2), n_features=4, n_samples=180, seed=61 + n_classes)
        heads = {
            "LogisticRegression": lambda: LogisticRegression(max_iter=5000),
            "LinearSVC": lambda: LinearSVC(max_iter=20000),
            "Ridge": lambda: Ridge(alpha=1.0),
        }
        est = make_pipeline(StandardScaler(), POLY[poly](), heads[final]())
        target = X[:, 0] * X[:, 1] - X[:, 2] ** 2 + y if final == "Ridge" else classes_of("wild", n_classes)[y]
        return est.fit(X, target), X_eval

    suffix = f"-{n_classes}cls" if n_classes else ""
    return Case(f"pipeline-{poly}-{final}{suffix}", make)


CASES += [
    *[_poly_transform_case(p) for p in POLY],
    _poly_pipeline_case("Poly-2", "LogisticRegression", 2),
    _poly_pipeline_case("Poly-3", "LogisticRegression", 3),
    _poly_pipeline_case("Poly-3-interaction", "LinearSVC", 3),
    _poly_pipeline_case("Poly-2to3", "LinearSVC", 2),
    _poly_pipeline_case("Poly-2", "Ridge"),
    _poly_pipeline_case("Poly-4-nobias", "Ridge"),
]
