"""Cases for single trees, forests and IsolationForest, in both tree forms where both apply.

Evaluation rows: fresh rows, rows exactly on split thresholds and one float32 ulp either side
(``tree_rows.edge_rows``), and NaN cells for the models that take missing values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import ensemble, tree

from tests.cases import Case, blobs, classes_of
from tests.cases.tree_rows import edge_rows, thresholds_of, with_nan

BOTH = ("neuron", "compact")


def _trees_of(est: Any) -> list[Any]:
    """The fitted ``tree_`` objects inside ``est`` (members of members included)."""
    if hasattr(est, "tree_"):
        return [est.tree_]
    members = getattr(est, "estimators_", [])
    members = members.ravel() if isinstance(members, np.ndarray) else members  # GradientBoosting: [stages, classes]
    return [t for m in members for t in _trees_of(m)]


def classification(n_classes: int, labels: str, *, nan: bool = False, seed: int = 0, n: int = 240):
    """(X, y, X_eval) blobs, with NaN cells in X and X_eval when ``nan``."""
    X, y, X_eval = blobs(n_classes, n_features=4, n_samples=n, seed=seed)
    y = classes_of(labels, n_classes)[y]
    return (with_nan(X, seed=seed), y, with_nan(X_eval, seed=seed + 1)) if nan else (X, y, X_eval)


def regression(n_outputs: int = 1, *, nan: bool = False, seed: int = 0, positive: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(240, 4))
    Y = np.column_stack([np.sin(X[:, k]) * 3 + X[:, (k + 1) % 4] ** 2 for k in range(n_outputs)])
    if positive:
        Y = np.exp(Y / 4)
    X_eval = rng.normal(size=(150, 4))
    y = Y[:, 0] if n_outputs == 1 else Y
    return (with_nan(X, seed=seed), y, with_nan(X_eval, seed=seed + 1)) if nan else (X, y, X_eval)


CITIES = ["Lima", "Oslo", "Paris", "Rome", "Tokyo"]
SIZES = [3, 7, 11, 20]


def category_frame(seed: int, n: int, *, rows: bool) -> Any:
    """Two number columns (NaN in one), a pandas category column of strings and one of numbers.
    Evaluation rows (``rows``) also hold categories the model never saw and missing cells, and
    their category columns have categories of their own (LightGBM re-bases them)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"height": rng.normal(170, 10, n), "weight": rng.normal(70, 15, n)})
    df.loc[rng.random(n) < 0.1, "weight"] = np.nan
    city = rng.choice(CITIES + (["Berlin", None] if rows else []), n).astype(object)
    size = rng.choice(SIZES + ([5, np.nan] if rows else []), n)
    df.insert(1, "city", pd.Categorical(city, categories=sorted(set(city) - {None}) if rows else CITIES))
    df["size"] = pd.Categorical(size, categories=sorted({v for v in size if v == v}) if rows else SIZES)
    return df


def tree_case(
    name: str,
    fit: Callable[[], tuple[Any, np.ndarray]],
    forms: tuple[str, ...] = BOTH,
    *,
    edges: int = 30,
    ulps: bool = True,
) -> list[Case]:
    """One case per tree form; ``fit()`` returns the fitted estimator and its evaluation rows,
    extended here by rows on the thresholds."""

    def make() -> tuple[Any, np.ndarray]:
        est, X_eval = fit()
        feats = getattr(est, "estimators_features_", None)
        splits = thresholds_of(_trees_of(est), feats if feats is not None else None)
        return est, np.vstack([X_eval, edge_rows(np.nan_to_num(X_eval), splits, edges, ulps=ulps)])

    made = Case(f"{name}-auto", make).build  # one fit shared by the forms
    return [Case(f"{name}-{form}", made, tree_form=form) for form in forms]


def _classifier(est: Any, n_classes: int, labels: str, *, nan: bool = False, weights: bool = False, seed: int = 0):
    def fit() -> tuple[Any, np.ndarray]:
        X, y, X_eval = classification(n_classes, labels, nan=nan, seed=seed)
        sw = np.random.default_rng(seed).uniform(0.5, 2.0, len(y)) if weights else None
        return est.fit(X, y, sample_weight=sw), X_eval

    return fit


def _multi_classifier(est: Any, n_classes: tuple[int, ...], labels: str, *, nan: bool = False, seed: int = 0):
    """An ``[N, n_outputs]`` label matrix: output 0 the blob classes, output ``k`` the row's
    quantile bin of feature ``k`` (``n_classes[k]`` bins), all in one label set."""

    def fit() -> tuple[Any, np.ndarray]:
        X, y, X_eval = classification(n_classes[0], "int", nan=nan, seed=seed)
        codes = [y]
        for k, n in enumerate(n_classes[1:], start=1):
            edges = np.nanquantile(X[:, k], np.linspace(0, 1, n + 1)[1:-1])
            codes.append(np.digitize(np.nan_to_num(X[:, k]), edges))
        Y = np.column_stack([classes_of(labels, max(n_classes))[c] for c in codes])
        return est.fit(X, Y), X_eval

    return fit


def _regressor(est: Any, n_outputs: int = 1, *, nan: bool = False, seed: int = 0):
    def fit() -> tuple[Any, np.ndarray]:
        X, y, X_eval = regression(n_outputs, nan=nan, seed=seed)
        return est.fit(X, y), X_eval

    return fit


def _iforest(**kw: Any):
    def fit() -> tuple[Any, np.ndarray]:
        X, _, X_eval = classification(2, "int", seed=4)
        est = ensemble.IsolationForest(random_state=0, **kw).fit(X)
        return est, np.vstack([X_eval, X_eval * 3, with_nan(X_eval[:40])])

    return fit


CASES: list[Case] = [
    *tree_case("DecisionTreeClassifier-depth3-3cls-str", _classifier(tree.DecisionTreeClassifier(max_depth=3, random_state=0), 3, "str")),
    *tree_case("DecisionTreeClassifier-full-2cls-wild-nan-balanced",
               _classifier(tree.DecisionTreeClassifier(class_weight="balanced", random_state=0), 2, "wild", nan=True)),
    *tree_case("DecisionTreeClassifier-depth6-4cls-int-weighted",
               _classifier(tree.DecisionTreeClassifier(max_depth=6, random_state=1), 4, "int", weights=True)),
    *tree_case("ExtraTreeClassifier-depth5-3cls-wild-nan", _classifier(tree.ExtraTreeClassifier(max_depth=5, random_state=0), 3, "wild", nan=True)),
    *tree_case("DecisionTreeClassifier-3outputs-str", _multi_classifier(tree.DecisionTreeClassifier(max_depth=4, random_state=0), (3, 2, 4), "str")),
    *tree_case("DecisionTreeClassifier-2outputs-wild-nan",
               _multi_classifier(tree.DecisionTreeClassifier(max_depth=5, random_state=0), (2, 3), "wild", nan=True)),
    *tree_case("ExtraTreeClassifier-2outputs-int", _multi_classifier(tree.ExtraTreeClassifier(max_depth=6, random_state=0), (4, 2), "int")),
    *tree_case("DecisionTreeRegressor-depth4-nan", _regressor(tree.DecisionTreeRegressor(max_depth=4, random_state=0), nan=True)),
    *tree_case("DecisionTreeRegressor-2outputs", _regressor(tree.DecisionTreeRegressor(max_depth=5, random_state=0), 2)),
    *tree_case("ExtraTreeRegressor-full", _regressor(tree.ExtraTreeRegressor(random_state=0)), ("compact",)),
    *tree_case("RandomForestClassifier-5x4-3cls-str-weighted",
               _classifier(ensemble.RandomForestClassifier(5, max_depth=4, random_state=0), 3, "str", weights=True)),
    *tree_case("RandomForestClassifier-20-full-2cls-wild-nan",
               _classifier(ensemble.RandomForestClassifier(20, random_state=0), 2, "wild", nan=True), ("compact",)),
    *tree_case("ExtraTreesClassifier-5x3-4cls-int-balanced",
               _classifier(ensemble.ExtraTreesClassifier(5, max_depth=3, class_weight="balanced", random_state=0), 4, "int")),
    *tree_case("RandomForestClassifier-4x4-2outputs-str",
               _multi_classifier(ensemble.RandomForestClassifier(4, max_depth=4, random_state=0), (3, 3), "str", seed=1)),
    *tree_case("ExtraTreesClassifier-6-full-3outputs-int",
               _multi_classifier(ensemble.ExtraTreesClassifier(6, random_state=0), (2, 4, 3), "int", seed=2), ("compact",)),
    *tree_case("ExtraTreesClassifier-3x3-2outputs-wild",
               _multi_classifier(ensemble.ExtraTreesClassifier(3, max_depth=3, random_state=0), (3, 2), "wild")),
    *tree_case("RandomForestRegressor-4x5-2outputs", _regressor(ensemble.RandomForestRegressor(4, max_depth=5, random_state=0), 2)),
    *tree_case("ExtraTreesRegressor-10-full-nan", _regressor(ensemble.ExtraTreesRegressor(10, random_state=0), nan=True), ("compact",)),
    *tree_case("IsolationForest-20-subset-features", _iforest(n_estimators=20, max_samples=64, max_features=0.5)),
    *tree_case("IsolationForest-50-all-features", _iforest(n_estimators=50), ("compact",)),
]  # fmt: skip
