"""Cases for scikit-learn's MLPClassifier and MLPRegressor: every hidden activation, every
output activation (logistic: binary and multi-label, softmax: multiclass, identity and exp:
regression), one and two hidden layers."""

from __future__ import annotations

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor

from tests.cases import Case, blobs, classes_of

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def _hidden(activation: str) -> tuple[int, ...]:
    return (8,) if activation in ("identity", "relu") else (7, 5)


def _classifier(activation: str, n_classes: int, labels: str, solver: str = "lbfgs") -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=200, seed=10 + n_classes)
        est = MLPClassifier(
            hidden_layer_sizes=_hidden(activation), activation=activation, solver=solver, max_iter=300, random_state=0
        )
        return est.fit(X, classes_of(labels, n_classes)[y]), X_eval

    return Case(f"MLPClassifier-{activation}-{n_classes}cls-{labels}-{solver}", make)


def _multilabel(activation: str) -> Case:
    def make():
        rng = np.random.default_rng(5)
        X = rng.normal(size=(200, 5))
        Y = np.stack([X[:, 0] + X[:, 1] > 0, X[:, 2] * X[:, 3] > 0, X[:, 4] > 0.5], axis=1).astype(int)
        est = MLPClassifier(hidden_layer_sizes=(9,), activation=activation, max_iter=300, random_state=0)
        return est.fit(X, Y), rng.normal(size=(250, 5))

    return Case(f"MLPClassifier-{activation}-multilabel3", make)


def _regressor(activation: str, n_targets: int, loss: str = "squared_error") -> Case:
    def make():
        rng = np.random.default_rng(n_targets)
        X = rng.normal(size=(200, 4))
        y = np.tanh(X @ rng.normal(size=(4, n_targets))) * 3 + X[:, :1] ** 2
        if loss == "poisson":
            y = np.exp(y / 3)
        est = MLPRegressor(
            hidden_layer_sizes=_hidden(activation),
            activation=activation,
            loss=loss,
            solver="lbfgs",
            max_iter=300,
            random_state=0,
        )
        return est.fit(X, y[:, 0] if n_targets == 1 else y), rng.normal(size=(250, 4)) * 1.5

    return Case(f"MLPRegressor-{activation}-{n_targets}target-{loss}", make)


CASES: list[Case] = [
    *[_classifier(a, n, labels) for a in ACTIVATIONS for n, labels in ((2, "int"), (3, "wild"), (4, "str"))],
    _classifier("relu", 2, "str", solver="adam"),
    _classifier("tanh", 3, "int", solver="sgd"),
    *[_multilabel(a) for a in ("logistic", "relu")],
    *[_regressor(a, n) for a in ACTIVATIONS for n in (1, 3)],
    _regressor("tanh", 1, "poisson"),
    _regressor("relu", 2, "poisson"),
]
