"""Cases for LightGBM: every objective, binary/multiclass with string labels, NaN and zero rows
under each missing type (NaN, Zero via ``zero_as_missing``, None via ``use_missing=False``),
rows on thresholds and one float64 ulp either side, categorical features (odd codes: negative,
fractional, unseen, huge), early stopping's best_iteration, random forests, rankers, linear-leaf
trees (``linear_tree``, NaN rows falling back to the leaf value), a bare Booster, and each through nnconvert's safe unpickler and LightGBM's own model text file."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tests.cases import Case, classes_of
from tests.cases.trees import category_frame

try:
    import lightgbm as lgb
except ImportError:  # the boosters extra is not installed: no LightGBM cases
    lgb = None

_COMMON = {"n_jobs": 1, "verbose": -1, "min_child_samples": 5, "random_state": 0}
_DIR = Path(tempfile.mkdtemp(prefix="nnconvert-lgbm-cases-"))


def _data(seed: int, *, cat: bool = False, zeros: bool = False, nan: bool = True, n: int = 400, nan_only: bool = False):
    """Columns 0-2 numeric (column 0 with exact zeros when ``zeros``), column 3 categorical codes
    0-11 when ``cat``; NaN in training rows of high scores (a data-driven missing direction); with
    ``nan_only``, column 2 is NaN in most high-score rows, so that the best split is NaN against
    every number (LightGBM writes its threshold as ``inf``)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    if cat:
        X[:, 3] = rng.integers(0, 12, n)
    if zeros:
        X[rng.random(n) < 0.25, 0] = 0.0
    score = X[:, 0] + 0.5 * X[:, 1] ** 2 + (np.isin(X[:, 3], [1, 4, 7, 10]) * 1.5 if cat else X[:, 3])
    if nan:
        X[(score > np.median(score)) & (rng.random(n) < 0.3), 1] = np.nan
    if nan_only:
        X[(score > np.median(score)) & (rng.random(n) < 0.9), 2] = np.nan
    X_eval = rng.normal(size=(200, 4))
    if nan_only:
        X_eval[rng.random(200) < 0.3, 2] = np.nan
    if cat:
        X_eval[:, 3] = rng.integers(0, 12, 200)
    X_eval[rng.random(200) < 0.1, 0] = 0.0
    X_eval[rng.random(200) < 0.1, 1] = np.nan
    odd = np.array([
        [np.nan] * 4, [0.0] * 4, [-0.0] * 4, [1e-36, -1e-36, 1e-36, 0.0], [1e-35, -1e-35, 2e-35, 0.0],
        [np.nan, 0.0, np.nan, -0.5], [0.3, np.nan, 0.0, -1.0], [-0.2, 0.1, np.nan, 2.7], [1.0, 1.0, 1.0, 12.0],
        [0.5, -0.5, 0.0, 1000.0], [2.0, 0.0, -1.0, 1e10], [0.0, 0.0, 0.0, np.nan],
    ])  # fmt: skip
    return X, score, np.vstack([X_eval, odd])


def on_thresholds(booster: Any, X: np.ndarray, n: int = 3) -> np.ndarray:
    """Rows with a numeric split's feature exactly on its threshold and one float64 ulp either
    side (``n`` thresholds of the first tree with numeric splits)."""
    rows = []
    for info in booster.dump_model()["tree_info"]:
        stack = [info["tree_structure"]]
        while stack and len(rows) < 3 * n:
            node = stack.pop()
            if "split_feature" not in node:
                continue
            stack += [node["left_child"], node["right_child"]]
            if node["decision_type"] == "<=":
                t = float(node["threshold"])
                for v in (t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf)):
                    row = X[len(rows) % len(X)].copy()
                    row[node["split_feature"]] = v
                    rows.append(row)
        if rows:
            break
    return np.vstack([X, *rows]) if rows else X


def _classifier(n_classes: int, labels: str, *, seed: int = 0, fit_kw: Any = None, data_kw: Any = None, **kw: Any):
    def make():
        X, score, X_eval = _data(seed, **(data_kw or {}))
        cuts = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
        y = classes_of(labels, n_classes)[np.digitize(score, cuts)]
        est = lgb.LGBMClassifier(**{"n_estimators": 12, "num_leaves": 7, **_COMMON, **kw})
        est.fit(X, y, **(fit_kw or {}))
        return est, on_thresholds(est.booster_, X_eval)

    return make


def _regressor(*, seed: int = 1, target: str = "real", data_kw: Any = None, **kw: Any):
    def make():
        X, score, X_eval = _data(seed, **(data_kw or {}))
        y = {"real": score * 2, "positive": np.exp(score / 2), "unit": 1 / (1 + np.exp(-score))}[target]
        est = lgb.LGBMRegressor(**{"n_estimators": 12, "num_leaves": 7, **_COMMON, **kw}).fit(X, y)
        return est, on_thresholds(est.booster_, X_eval)

    return make


def _ranker(objective: str):
    def make():
        X, score, X_eval = _data(5)
        rel = np.digitize(score, np.quantile(score, [0.5, 0.8]))
        est = lgb.LGBMRanker(n_estimators=10, num_leaves=7, objective=objective, **_COMMON)
        return est.fit(X, rel, group=[100] * 4), on_thresholds(est.booster_, X_eval)

    return make


def _early_stopping():
    X, score, X_eval = _data(6)
    y = (score > np.median(score)).astype(int)
    est = lgb.LGBMClassifier(n_estimators=300, num_leaves=15, learning_rate=0.3, **_COMMON)
    est.fit(X[:300], y[:300], eval_X=X[300:], eval_y=y[300:], callbacks=[lgb.early_stopping(3, verbose=False)])
    if not 0 < est.best_iteration_ < 300:
        raise AssertionError(f"early stopping did not stop: best_iteration_ = {est.best_iteration_}")
    return est, X_eval


def _booster(params: dict[str, Any], *, seed: int = 7, cat: bool = False):
    def make():
        X, score, X_eval = _data(seed, cat=cat)
        y = (score > np.median(score)).astype(float)
        ds = lgb.Dataset(X, y, categorical_feature=[3] if cat else "auto", params={"verbose": -1})
        booster = lgb.train({"num_leaves": 7, "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5, **params}, ds,
                            num_boost_round=10)  # fmt: skip
        return booster, on_thresholds(booster, X_eval)

    return make


def _frame_model(cls: str, **kw: Any):
    """A wrapper fitted on :func:`category_frame` (category columns from the dtype), rows as a DataFrame."""

    def make():
        train = category_frame(30, 500, rows=False)
        bonus = train["city"].map({"Lima": 2.0, "Oslo": -1.0, "Paris": 0.5, "Rome": 1.5, "Tokyo": -2.0}).astype(float)
        score = (train["height"] - 170) / 10 + bonus + (train["size"].astype(float) > 10)
        y = score.to_numpy() if cls == "LGBMRegressor" else (score > 0.3).to_numpy().astype(int)
        est = getattr(lgb, cls)(**{"n_estimators": 12, "num_leaves": 7, **_COMMON, "min_data_per_group": 5,
                                   "cat_smooth": 1.0, **kw}).fit(train, y)  # fmt: skip
        return est, category_frame(31, 300, rows=True)[["weight", "size", "city", "height"]]  # another column order

    return make


def _as_text_file(name: str, make: Any):
    """The model saved with ``Booster.save_model``; the reference is LightGBM reading that file."""

    def make_file():
        est, X = make()
        path = _DIR / f"{name}.txt"
        (est if isinstance(est, lgb.Booster) else est.booster_).save_model(str(path))
        return lgb.Booster(model_file=str(path)), X

    return make_file


def _from_text_file(booster: Any) -> Any:
    import nnconvert

    return nnconvert.load_model(_DIR / f"{_file_of[id(booster)]}.txt")


_file_of: dict[int, str] = {}


def _text_case(name: str, make: Any, **kw: Any) -> Case:
    def make_tracked():
        booster, X = _as_text_file(name, make)()
        _file_of[id(booster)] = name
        return booster, X

    return Case(f"lgbm-txt-{name}", make_tracked, to_convert=_from_text_file, **kw)


def _from_pickle(est: Any) -> Any:
    """The live model pickled, then read back by nnconvert's safe loader (nothing runs)."""
    import nnconvert

    path = _DIR / f"pickle-{id(est)}.pkl"
    path.write_bytes(pickle.dumps(est, protocol=5))
    return nnconvert.load_model(path)


def _cases() -> list[Case]:
    if lgb is None:
        return []
    cat = {"data_kw": {"cat": True}, "fit_kw": {"categorical_feature": [3]}}
    zero = {"data_kw": {"zeros": True}}
    return [
        Case("LGBMClassifier-binary", _classifier(2, "int")),
        Case("LGBMClassifier-binary-str-pickle", _classifier(2, "str"), to_convert=_from_pickle),
        Case("LGBMClassifier-3cls-str", _classifier(3, "str", seed=2), tree_form="compact"),
        Case(
            "LGBMClassifier-3cls-str-neuron-pickle",
            _classifier(3, "str", seed=2, n_estimators=3),
            to_convert=_from_pickle,
            tree_form="neuron",
        ),
        Case("LGBMClassifier-binary-sigmoid0.6", _classifier(2, "wild", seed=3, objective="binary", sigmoid=0.6)),
        Case("LGBMClassifier-4cls-multiclassova", _classifier(4, "int", seed=4, objective="multiclassova")),
        Case("LGBMClassifier-one-class-str", _classifier(1, "str", seed=16)),  # a binary model predicting classes_[0]
        Case("LGBMClassifier-binary-nan-split-inf", _classifier(2, "int", seed=14, data_kw={"nan_only": True})),
        Case("LGBMClassifier-binary-zero-as-missing", _classifier(2, "int", seed=8, zero_as_missing=True, **zero)),
        Case("LGBMClassifier-3cls-use-missing-false", _classifier(3, "int", seed=9, use_missing=False, **zero)),
        Case(
            "LGBMClassifier-binary-categorical",
            _classifier(2, "str", seed=10, cat_smooth=1.0, min_data_per_group=5, **cat),
        ),
        Case(
            "LGBMClassifier-3cls-categorical-pickle",
            _classifier(3, "int", seed=11, min_data_per_group=5, **cat),
            to_convert=_from_pickle,
        ),
        Case(
            "LGBMClassifier-3cls-categorical-neuron",
            _classifier(3, "int", seed=11, min_data_per_group=5, n_estimators=2, **cat),
            tree_form="neuron",
        ),
        Case("LGBMClassifier-early-stopping", _early_stopping),
        Case("LGBMClassifier-rf", _classifier(2, "int", seed=12, boosting_type="rf", subsample=0.7, subsample_freq=1)),
        Case(
            "LGBMClassifier-3cls-dart-pickle",
            _classifier(3, "str", seed=13, boosting_type="dart"),
            to_convert=_from_pickle,
        ),
        *(
            Case(f"LGBMRegressor-{obj}", _regressor(objective=obj, target=target))
            for obj, target in [
                ("regression", "real"),
                ("regression_l1", "real"),
                ("huber", "real"),
                ("fair", "real"),
                ("quantile", "real"),
                ("mape", "positive"),
                ("poisson", "positive"),
                ("gamma", "positive"),
                ("tweedie", "positive"),
                ("cross_entropy", "unit"),
                ("cross_entropy_lambda", "unit"),
            ]
        ),
        Case("LGBMRegressor-sqrt", _regressor(objective="regression", reg_sqrt=True)),
        Case(
            "LGBMRegressor-rf-pickle",
            _regressor(boosting_type="rf", subsample=0.7, subsample_freq=1),
            to_convert=_from_pickle,
        ),
        Case(
            "LGBMRegressor-zero-as-missing-neuron",
            _regressor(zero_as_missing=True, data_kw={"zeros": True}, n_estimators=3),
            tree_form="neuron",
        ),
        Case("LGBMRegressor-linear-tree", _regressor(linear_tree=True, seed=14)),
        Case(
            "LGBMRegressor-linear-tree-lambda-neuron",
            _regressor(linear_tree=True, linear_lambda=0.3, seed=15, n_estimators=4),
            tree_form="neuron",
        ),
        Case(
            "LGBMClassifier-3cls-linear-tree-compact",
            _classifier(3, "str", seed=16, linear_tree=True),
            tree_form="compact",
        ),
        Case(
            "LGBMClassifier-binary-linear-tree-categorical-pickle",
            _classifier(2, "int", seed=17, linear_tree=True, min_data_per_group=5, **cat),
            to_convert=_from_pickle,
        ),
        Case(
            "LGBMRegressor-linear-tree-use-missing-false",
            _regressor(linear_tree=True, use_missing=False, data_kw={"zeros": True}, seed=18),
        ),
        Case("LGBMClassifier-pandas-categories", _frame_model("LGBMClassifier")),
        Case(
            "LGBMClassifier-pandas-categories-neuron",
            _frame_model("LGBMClassifier", n_estimators=3),
            tree_form="neuron",
        ),
        Case("LGBMRegressor-pandas-categories-pickle", _frame_model("LGBMRegressor"), to_convert=_from_pickle),
        Case("LGBMRegressor-pandas-categories-linear-tree", _frame_model("LGBMRegressor", linear_tree=True)),
        Case("LGBMRanker-lambdarank", _ranker("lambdarank")),
        Case("LGBMRanker-rank_xendcg-pickle", _ranker("rank_xendcg"), to_convert=_from_pickle),
        Case("lightgbm.Booster-binary", _booster({"objective": "binary"})),
        Case("lightgbm.Booster-binary-pickle", _booster({"objective": "binary"}), to_convert=_from_pickle),
        _text_case("binary", _classifier(2, "int")),
        _text_case("linear-tree", _regressor(linear_tree=True, seed=19)),
        _text_case("3cls-categorical", _classifier(3, "int", seed=11, min_data_per_group=5, **cat)),
        _text_case("zero-as-missing", _classifier(2, "int", seed=8, zero_as_missing=True, **zero)),
        _text_case("use-missing-false", _regressor(use_missing=False, data_kw={"zeros": True})),
        _text_case("early-stopping", _early_stopping),
        _text_case("rf", _regressor(boosting_type="rf", subsample=0.7, subsample_freq=1)),
        _text_case("poisson", _regressor(objective="poisson", target="positive")),
        _text_case("nan-split-inf", _regressor(seed=15, data_kw={"nan_only": True})),
        _text_case("multiclassova", _classifier(4, "int", seed=4, objective="multiclassova")),
        _text_case("booster-categorical", _booster({"objective": "binary"}, cat=True)),
        _text_case("lambdarank", _ranker("lambdarank")),
        _text_case("pandas-categories", _frame_model("LGBMClassifier")),
    ]


CASES = _cases()
