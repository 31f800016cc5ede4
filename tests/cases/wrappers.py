"""Cases for wrappers: searches, multiclass and multi-output meta-estimators, chains and the
transformed-target regressor, over several bases and label kinds."""

from __future__ import annotations

import numpy as np
from sklearn import linear_model as lm
from sklearn import naive_bayes as nb
from sklearn import preprocessing as pp
from sklearn import svm
from sklearn.compose import TransformedTargetRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (makes the Halving searches importable)
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, HalvingRandomSearchCV, RandomizedSearchCV
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier, OutputCodeClassifier
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier, MultiOutputRegressor, RegressorChain
from sklearn.pipeline import make_pipeline

from tests.cases import Case, blobs, classes_of

BASES = {
    "LogisticRegression": lambda: lm.LogisticRegression(),
    "GaussianNB": lambda: nb.GaussianNB(),
    "LinearSVC": lambda: svm.LinearSVC(),
    "scaled-SVC": lambda: make_pipeline(pp.StandardScaler(), svm.SVC()),
}


def _classifier(name: str, wrap, n_classes: int, labels: str) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, seed=90 + n_classes)
        return wrap().fit(X, classes_of(labels, n_classes)[y]), X_eval

    return Case(f"{name}-{n_classes}cls-{labels}", make)


def _multilabel(name: str, wrap) -> Case:
    def make():
        X, y, X_eval = blobs(3, seed=97)
        Y = np.column_stack([y == 0, y == 1, (y != 1) ^ (X[:, 0] > 0)]).astype(int)
        return wrap().fit(X, Y), X_eval

    return Case(name, make)


def _regression(name: str, wrap, n_targets: int = 1) -> Case:
    def make():
        X, _, X_eval = blobs(2, seed=98)
        Y = np.abs(X @ np.arange(1.0, 1.0 + X.shape[1] * n_targets).reshape(X.shape[1], n_targets)) + 30
        return wrap().fit(X, Y[:, 0] if n_targets == 1 else Y), X_eval

    return Case(name, make)


def _string_outputs() -> Case:
    def make():
        X, y, X_eval = blobs(3, seed=99)
        Y = np.column_stack([classes_of("str", 3)[y], classes_of("str", 3)[(y + 1) % 3]])
        return MultiOutputClassifier(lm.LogisticRegression()).fit(X, Y), X_eval

    return Case("MultiOutputClassifier-str-labels", make)


_PIPE = lambda: make_pipeline(pp.StandardScaler(), lm.LogisticRegression())  # noqa: E731

CASES: list[Case] = [
    *[
        _classifier(f"{w.__name__}-{b}", lambda w=w, b=b: w(BASES[b]()), n, lab)
        for w in (OneVsRestClassifier, OneVsOneClassifier)
        for b in BASES
        for n, lab in ((2, "int"), (3, "wild"), (4, "str"))
    ],
    _classifier("OneVsRestClassifier-Ridge", lambda: OneVsRestClassifier(lm.Ridge()), 3, "str"),
    *[
        _classifier(f"OutputCodeClassifier-{b}", lambda b=b: OutputCodeClassifier(BASES[b](), random_state=0), n, lab)
        for b in ("LogisticRegression", "LinearSVC")
        for n, lab in ((2, "wild"), (4, "str"))
    ],
    _multilabel("OneVsRestClassifier-multilabel", lambda: OneVsRestClassifier(lm.LogisticRegression())),
    _classifier(
        "GridSearchCV-pipeline", lambda: GridSearchCV(_PIPE(), {"logisticregression__C": [0.1, 1.0]}, cv=3), 3, "wild"
    ),
    _regression(
        "RandomizedSearchCV-Ridge",
        lambda: RandomizedSearchCV(lm.Ridge(), {"alpha": [0.1, 1.0, 10.0]}, n_iter=2, cv=3, random_state=0),
    ),
    _classifier(
        "HalvingGridSearchCV-LinearSVC",
        lambda: HalvingGridSearchCV(svm.LinearSVC(), {"C": [0.1, 1.0]}, cv=3, random_state=0),
        3,
        "str",
    ),
    _classifier(
        "HalvingRandomSearchCV-LogisticRegression",
        lambda: HalvingRandomSearchCV(
            lm.LogisticRegression(), {"C": [0.1, 1.0, 3.0]}, n_candidates=3, cv=3, random_state=0
        ),
        2,
        "int",
    ),
    _regression(
        "TransformedTargetRegressor-log",
        lambda: TransformedTargetRegressor(lm.Ridge(), func=np.log, inverse_func=np.exp),
    ),
    _regression("TransformedTargetRegressor-identity-2targets", lambda: TransformedTargetRegressor(lm.Ridge()), 2),
    *[
        _regression(
            f"TransformedTargetRegressor-{s.__name__}",
            lambda s=s: TransformedTargetRegressor(lm.Ridge(), transformer=s()),
        )
        for s in (pp.StandardScaler, pp.MinMaxScaler, pp.MaxAbsScaler, pp.RobustScaler)
    ],
    _regression("MultiOutputRegressor-Ridge", lambda: MultiOutputRegressor(lm.Ridge()), 3),
    _regression("RegressorChain-Ridge", lambda: RegressorChain(lm.Ridge(), order=[1, 2, 0]), 3),
    _multilabel("MultiOutputClassifier-LinearSVC", lambda: MultiOutputClassifier(svm.LinearSVC())),
    _multilabel("MultiOutputClassifier-GaussianNB", lambda: MultiOutputClassifier(nb.GaussianNB())),
    _string_outputs(),
    *[
        _multilabel(
            f"ClassifierChain-{m}",
            lambda m=m: ClassifierChain(lm.LogisticRegression(), order=[2, 0, 1], chain_method=m),
        )
        for m in ("predict", "predict_proba", "decision_function")
    ],
    _multilabel(
        "ClassifierChain-GaussianNB-random", lambda: ClassifierChain(nb.GaussianNB(), order="random", random_state=1)
    ),
]
