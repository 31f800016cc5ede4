"""Cases for GradientBoosting* (every loss, every kind of init) and HistGradientBoosting*
(NaN both ways, categorical features with unknown categories, every loss)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import ensemble, tree

from tests.cases import Case, classes_of
from tests.cases.trees import BOTH, classification, regression, tree_case


def _gb_classifier(n_classes: int, labels: str, **kw: Any):
    def fit():
        X, y, X_eval = classification(n_classes, labels, seed=n_classes)
        est = ensemble.GradientBoostingClassifier(n_estimators=15, max_depth=2, random_state=0, **kw)
        return est.fit(X, y), X_eval

    return fit


def _gb_regressor(**kw: Any):
    def fit():
        X, y, X_eval = regression(seed=3)
        return ensemble.GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0, **kw).fit(X, y), X_eval

    return fit


def _hgb_data(n_classes: int | None, *, categorical: bool, nan_side: str | None, seed: int = 0):
    """Columns 0-2 numeric, column 3 categorical (codes 0-5 as 0, 2, ..., 10 when ``categorical``).
    ``nan_side``: NaN in training rows of the first class / high targets (so the fitted missing
    direction is data-driven), and NaN and unseen categories in the evaluation rows."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 4))
    X[:, 3] = rng.integers(0, 6, 300) * 2.0 if categorical else X[:, 3]
    score = X[:, 0] + X[:, 1] ** 2 - 1 + (np.isin(X[:, 3], [2.0, 6.0]) if categorical else X[:, 3])
    if n_classes is None:
        y = score * 2
    else:
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    X_eval = rng.normal(size=(160, 4))
    X_eval[:, 3] = rng.integers(-1, 8, 160) * 2.0 if categorical else X_eval[:, 3]  # -2, 12, 14: unknown
    if nan_side is not None:
        pick = (y == y.min()) if n_classes is not None else (y > np.median(y))
        if nan_side == "other":
            pick = ~pick
        X[pick & (rng.random(300) < 0.5), 0] = np.nan
        X_eval[rng.random(160) < 0.2, 0] = np.nan
        X_eval[rng.random(160) < 0.1, 3] = np.nan
    return X, y, X_eval


def _hgb(cls: type, n_classes: int | None, labels: str = "int", *, categorical: bool = False,
         nan_side: str | None = None, **kw: Any):  # fmt: skip
    def fit():
        X, y, X_eval = _hgb_data(n_classes, categorical=categorical, nan_side=nan_side)
        if n_classes is not None:
            y = classes_of(labels, n_classes)[y]
        est = cls(
            max_iter=12, max_leaf_nodes=8, random_state=0, categorical_features=[3] if categorical else None, **kw
        )
        return est.fit(X, y), X_eval

    return fit


def _hgb_case(name: str, fit: Any, forms: tuple[str, ...] = BOTH) -> list[Case]:
    """HistGradientBoosting compares float64 X: float32 rows at thresholds are genuine boundary
    cases, so only a few sit exactly on them (no float32-ulp rows)."""

    def make():
        est, X_eval = fit()
        rows = []
        rng = np.random.default_rng(0)
        is_cat = getattr(est, "is_categorical_", None)
        order = np.arange(4) if is_cat is None else np.concatenate([np.flatnonzero(is_cat), np.flatnonzero(~is_cat)])
        for it in est._predictors[:4]:
            for p in it:
                inner = p.nodes[~p.nodes["is_leaf"].astype(bool) & ~p.nodes["is_categorical"].astype(bool)]
                for node in inner[:2]:
                    row = np.nan_to_num(X_eval[rng.integers(0, len(X_eval))])
                    row[order[node["feature_idx"]]] = node["num_threshold"]
                    rows.append(row)
        return est, np.vstack([X_eval, np.array(rows[:8])]) if rows else X_eval

    made = Case(f"{name}-auto", make).build
    return [Case(f"{name}-{form}", made, tree_form=form) for form in forms]


H_C, H_R = ensemble.HistGradientBoostingClassifier, ensemble.HistGradientBoostingRegressor

CASES: list[Case] = [
    *tree_case("GradientBoostingClassifier-binary-log_loss-str", _gb_classifier(2, "str")),
    *tree_case("GradientBoostingClassifier-binary-exponential-wild", _gb_classifier(2, "wild", loss="exponential"), ("compact",)),
    *tree_case("GradientBoostingClassifier-3cls-log_loss-int", _gb_classifier(3, "int")),
    *tree_case("GradientBoostingClassifier-binary-init-zero", _gb_classifier(2, "int", init="zero"), ("compact",)),
    *tree_case("GradientBoostingClassifier-binary-init-DecisionTree",
               _gb_classifier(2, "str", init=tree.DecisionTreeClassifier(max_depth=3, random_state=0)), ("compact",)),
    *tree_case("GradientBoostingClassifier-3cls-init-DecisionTree-subsample",
               _gb_classifier(3, "wild", init=tree.DecisionTreeClassifier(max_depth=2), subsample=0.7), ("compact",)),
    *tree_case("GradientBoostingClassifier-binary-exponential-init-ExtraTree",
               _gb_classifier(2, "int", loss="exponential", init=tree.ExtraTreeClassifier(max_depth=4)), ("compact",)),
    *tree_case("GradientBoostingRegressor-squared_error", _gb_regressor()),
    *tree_case("GradientBoostingRegressor-absolute_error", _gb_regressor(loss="absolute_error"), ("compact",)),
    *tree_case("GradientBoostingRegressor-huber", _gb_regressor(loss="huber", alpha=0.8), ("compact",)),
    *tree_case("GradientBoostingRegressor-quantile-init-zero", _gb_regressor(loss="quantile", alpha=0.3, init="zero"), ("compact",)),
    *tree_case("GradientBoostingRegressor-init-DecisionTree", _gb_regressor(init=tree.DecisionTreeRegressor(max_depth=3)), ("compact",)),
    *_hgb_case("HistGradientBoostingClassifier-binary-nan-left-str", _hgb(H_C, 2, "str", nan_side="first")),
    *_hgb_case("HistGradientBoostingClassifier-binary-nan-right-wild", _hgb(H_C, 2, "wild", nan_side="other"), ("compact",)),
    *_hgb_case("HistGradientBoostingClassifier-3cls-categorical-nan", _hgb(H_C, 3, "str", categorical=True, nan_side="first")),
    *_hgb_case("HistGradientBoostingClassifier-4cls-categorical", _hgb(H_C, 4, "int", categorical=True), ("compact",)),
    *_hgb_case("HistGradientBoostingRegressor-squared_error-nan", _hgb(H_R, None, nan_side="first")),
    *_hgb_case("HistGradientBoostingRegressor-categorical-nan", _hgb(H_R, None, categorical=True, nan_side="other"), ("compact",)),
    *_hgb_case("HistGradientBoostingRegressor-absolute_error", _hgb(H_R, None, loss="absolute_error"), ("compact",)),
    *_hgb_case("HistGradientBoostingRegressor-quantile", _hgb(H_R, None, loss="quantile", quantile=0.7), ("compact",)),
]  # fmt: skip


def _positive(cls_loss: str) -> list[Case]:
    """Poisson and gamma need positive targets (log link: predict = exp(raw))."""

    def fit():
        X, y, X_eval = _hgb_data(None, categorical=False, nan_side="first")
        return H_R(loss=cls_loss, max_iter=12, max_leaf_nodes=8, random_state=0).fit(X, np.exp(y / 4)), X_eval

    return _hgb_case(f"HistGradientBoostingRegressor-{cls_loss}", fit, ("compact",))


CASES += _positive("poisson") + _positive("gamma")
