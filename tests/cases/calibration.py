"""Cases for CalibratedClassifierCV: sigmoid / isotonic x ensemble True / False x base x classes."""

from __future__ import annotations

from sklearn import svm
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.cases import Case, blobs, classes_of

BASES = {
    "SVC": lambda: svm.SVC(),
    "LinearSVC": lambda: svm.LinearSVC(),
    "LogisticRegression": lambda: LogisticRegression(max_iter=2000),
    "scaled-SVC-poly": lambda: make_pipeline(StandardScaler(), svm.SVC(kernel="poly", degree=2)),
}


def _case(base: str, method: str, ensemble: bool, n_classes: int, labels: str) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=180, seed=30 + n_classes)
        est = CalibratedClassifierCV(BASES[base](), method=method, ensemble=ensemble, cv=3)
        return est.fit(X, classes_of(labels, n_classes)[y]), X_eval

    return Case(f"CalibratedClassifierCV-{base}-{method}-ensemble={ensemble}-{n_classes}cls-{labels}", make)


CASES: list[Case] = [
    *[
        _case(base, method, ensemble, n, labels)
        for base in ("SVC", "LinearSVC", "LogisticRegression")
        for method in ("sigmoid", "isotonic")
        for ensemble in (True, False)
        for n, labels in ((2, "wild"), (3, "str"))
    ],
    _case("scaled-SVC-poly", "isotonic", True, 4, "int"),
    _case("scaled-SVC-poly", "sigmoid", False, 2, "str"),
]
