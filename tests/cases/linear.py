"""Cases for linear models, scalers and pipelines of them."""

from __future__ import annotations

import numpy as np
from sklearn import linear_model as lm
from sklearn import svm
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

from tests.cases import Case, blobs, classes_of

CLASSIFIERS = {
    "LogisticRegression": lambda: lm.LogisticRegression(max_iter=2000),
    "LogisticRegressionCV": lambda: lm.LogisticRegressionCV(max_iter=2000, cv=3),
    "LinearSVC": lambda: svm.LinearSVC(),
    "Perceptron": lambda: lm.Perceptron(random_state=0),
    "RidgeClassifier": lambda: lm.RidgeClassifier(),
    "RidgeClassifierCV": lambda: lm.RidgeClassifierCV(),
    "PassiveAggressiveClassifier": lambda: lm.PassiveAggressiveClassifier(random_state=0),
    **{
        f"SGDClassifier-{loss}": (lambda loss=loss: lm.SGDClassifier(loss=loss, random_state=0, max_iter=2000))
        for loss in (
            "hinge",
            "log_loss",
            "modified_huber",
            "squared_hinge",
            "perceptron",
            "squared_error",
            "huber",
            "epsilon_insensitive",
            "squared_epsilon_insensitive",
        )
    },
}

REGRESSORS = {
    "LinearRegression": lambda: lm.LinearRegression(),
    "Ridge": lambda: lm.Ridge(alpha=0.5),
    "RidgeCV": lambda: lm.RidgeCV(),
    "Lasso": lambda: lm.Lasso(alpha=0.01),
    "LassoCV": lambda: lm.LassoCV(cv=3),
    "ElasticNet": lambda: lm.ElasticNet(alpha=0.01),
    "ElasticNetCV": lambda: lm.ElasticNetCV(cv=3),
    "SGDRegressor": lambda: lm.SGDRegressor(random_state=0),
    "HuberRegressor": lambda: lm.HuberRegressor(max_iter=1000),
    "BayesianRidge": lambda: lm.BayesianRidge(),
    "ARDRegression": lambda: lm.ARDRegression(),
    "LinearSVR": lambda: svm.LinearSVR(random_state=0, max_iter=10000),
}
MULTI_TARGET = ("LinearRegression", "Ridge", "Lasso", "ElasticNet")

SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "maxabs": MaxAbsScaler, "robust": RobustScaler}


def _classifier_case(name: str, n_classes: int, labels: str, scaler: str | None = None) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, seed=n_classes)
        est = CLASSIFIERS[name]()
        if scaler:
            est = make_pipeline(SCALERS[scaler](), est)
        return est.fit(X, classes_of(labels, n_classes)[y]), X_eval

    return Case(f"{name}-{n_classes}cls-{labels}" + (f"-{scaler}" if scaler else ""), make)


def _regressor_case(name: str, n_targets: int, scaler: str | None = None) -> Case:
    def make():
        rng = np.random.default_rng(n_targets)
        X = rng.normal(size=(200, 6)) * [1, 10, 0.1, 5, 1, 100]
        coef = rng.normal(size=(6, n_targets))
        y = X @ coef + rng.normal(size=(200, n_targets)) + 3
        est = REGRESSORS[name]()
        if scaler:
            est = make_pipeline(SCALERS[scaler](), est)
        return est.fit(X, y[:, 0] if n_targets == 1 else y), rng.normal(size=(150, 6)) * [1, 10, 0.1, 5, 1, 100]

    return Case(f"{name}-{n_targets}target" + (f"-{scaler}" if scaler else ""), make)


def _scaler_only(scaler: str, **kw) -> Case:
    def make():
        X, _, X_eval = blobs(2, seed=9)
        return make_pipeline(SCALERS[scaler](**kw), StandardScaler()).fit(X * 3 + 1), X_eval * 5

    return Case(f"pipeline-transform-{scaler}" + "".join(f"-{k}" for k in kw), make)


CASES: list[Case] = [
    *[_classifier_case(name, n, labels) for name in CLASSIFIERS for n, labels in ((2, "int"), (3, "wild"), (4, "str"))],
    _classifier_case("LogisticRegression", 2, "str"),
    *[_classifier_case("LogisticRegression", 3, "int", s) for s in SCALERS],
    *[_classifier_case("LinearSVC", 2, "wild", s) for s in SCALERS],
    _classifier_case("SGDClassifier-modified_huber", 3, "str", "standard"),
    *[_regressor_case(name, 1) for name in REGRESSORS],
    *[_regressor_case(name, 3) for name in MULTI_TARGET],
    *[_regressor_case("Ridge", 1, s) for s in SCALERS],
    _scaler_only("minmax", clip=True),
    _scaler_only("robust"),
    _scaler_only("standard", with_mean=False),
]


def _legacy_ovr_logistic() -> Case:
    """An estimator unpickled from scikit-learn < 1.8 carries ``multi_class='ovr'``; the network
    must follow what the installed predict_proba computes with it (softmax since 1.8)."""

    def make():
        X, y, X_eval = blobs(3, seed=21)
        est = lm.LogisticRegression(max_iter=2000).fit(X, y)
        est.multi_class = "ovr"
        return est, X_eval

    return Case("LogisticRegression-3cls-legacy-multi_class-ovr", make)


CASES.append(_legacy_ovr_logistic())


def _multilabel_ridge(name: str, n_labels: int) -> Case:
    """RidgeClassifier(CV) on a multi-label 0/1 matrix: ``predict = (z > 0)`` per label (int 0/1)."""

    def make():
        X, _, X_eval = blobs(3, seed=31 + n_labels)
        rng = np.random.default_rng(n_labels)
        Y = (X @ rng.normal(size=(X.shape[1], n_labels)) > 0).astype(int)
        return CLASSIFIERS[name]().fit(X, Y), X_eval

    return Case(f"{name}-multilabel-{n_labels}", make)


def _passthrough_pipeline() -> Case:
    """'passthrough' and None steps, first included, and a nested pipeline that starts with one."""

    def make():
        X, y, X_eval = blobs(3, seed=33)
        inner = Pipeline([("skip", "passthrough"), ("scale", MinMaxScaler(feature_range=(-3, 5)))])
        steps = [("first", "passthrough"), ("inner", inner), ("none", None), ("clf", lm.LogisticRegression())]
        return Pipeline(steps).fit(X, classes_of("str", 3)[y]), X_eval

    return Case("pipeline-passthrough-first-nested", make)


CASES += [
    *[_multilabel_ridge(name, n) for name in ("RidgeClassifier", "RidgeClassifierCV") for n in (2, 3)],
    _passthrough_pipeline(),
]
