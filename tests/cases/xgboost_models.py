"""Cases for XGBoost: every objective through the scikit-learn wrappers (classifier, regressor,
random forests, ranker), a bare ``Booster``, dart, early stopping (``best_iteration``), a base score
per target, NaN rows and rows on the split conditions (``x == split`` and its float32
neighbours), categorical splits (``enable_categorical``: numpy codes with odd values, one-hot
splits, pandas string and number categories with unseen and missing cells), multi-output trees
(``multi_strategy="multi_output_tree"``: vector leaves), ``booster="gblinear"``, and the same models
read back from XGBoost's own ``.json`` / ``.ubj`` files and through nnconvert's safe unpickler."""

from __future__ import annotations

import json
import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tests.cases import Case
from tests.cases.trees import BOTH, category_frame, classification, regression

try:
    import xgboost as xgb
except ImportError:  # pragma: no cover - the boosters extra installs it
    xgb = None

_FILES: dict[int, Path] = {}  # id(estimator) -> the model file it was saved to
_DIR: list[Path] = []


def splits_of(booster: Any) -> list[tuple[int, float]]:
    """``(feature, split_condition)`` of every split, read from XGBoost's own JSON dump."""
    doc = json.loads(bytes(booster.save_raw("json")))
    out = []
    for tree in (
        doc["learner"]["gradient_booster"].get("gbtree", doc["learner"]["gradient_booster"])["model"].get("trees", [])
    ):
        left = np.asarray(tree["left_children"])
        inner = left >= 0
        feats = np.asarray(tree["split_indices"])[inner]
        conds = np.asarray(tree["split_conditions"], dtype=np.float32)[inner]
        out += list(zip(feats.tolist(), conds.astype(np.float64).tolist(), strict=True))
    return out


def split_rows(X: np.ndarray, splits: list[tuple[int, float]], n: int = 40, seed: int = 0) -> np.ndarray:
    """Rows of ``X`` with one feature set to a split condition ``t`` (goes right: ``x < t`` fails),
    the float32 just below it (left), just above it, and a float64 just below ``t`` that rounds
    to ``t`` in float32 (right: XGBoost compares float32 values)."""
    rng = np.random.default_rng(seed)
    if not splits:
        return X[:0]
    rows = []
    for i in rng.integers(0, len(splits), n):
        f, t = splits[i]
        t32 = np.float32(t)
        for v in (t, np.nextafter(t32, np.float32(-np.inf)), np.nextafter(t32, np.float32(np.inf)),
                  np.nextafter(t, -np.inf)):  # fmt: skip
            row = X[rng.integers(0, len(X))].copy()
            row[f] = float(v)
            rows.append(row)
    return np.array(rows)


def _with_edges(est: Any, X_eval: Any) -> Any:
    if hasattr(X_eval, "columns"):  # a DataFrame: rows as they are
        return X_eval
    booster = est.get_booster() if hasattr(est, "get_booster") else est
    return np.vstack([X_eval, split_rows(np.nan_to_num(X_eval), splits_of(booster))])


def _case(name: str, fit: Any, forms: tuple[str, ...] = ("auto",)) -> list[Case]:
    def make() -> tuple[Any, np.ndarray]:
        est, X_eval = fit()
        return est, _with_edges(est, X_eval)

    made = Case(f"{name}-made", make).build
    return [Case(f"{name}-{form}", made, tree_form=form) for form in forms]


_VECTOR = {"multi_strategy": "multi_output_tree", "tree_method": "hist"}
_LINEAR = {"booster": "gblinear", "n_estimators": 15, "learning_rate": 0.5, "max_depth": None}


def _small(**kw: Any) -> dict[str, Any]:
    return {"n_estimators": 12, "max_depth": 3, "learning_rate": 0.3, "random_state": 0, "n_jobs": 1, **kw}


def _classifier(n_classes: int, *, nan: bool = True, seed: int = 0, cls: str = "XGBClassifier", **kw: Any):
    def fit():
        X, y, X_eval = classification(n_classes, "int", nan=nan, seed=seed)
        return getattr(xgb, cls)(**_small(**kw)).fit(X, y), X_eval

    return fit


def _regressor(objective: str, *, target: str = "real", nan: bool = True, n_outputs: int = 1,
               cls: str = "XGBRegressor", **kw: Any):  # fmt: skip
    def fit():
        X, y, X_eval = regression(n_outputs, nan=nan, seed=5, positive=target != "real")
        if target == "unit":
            y = 1 / (1 + np.exp(-(y - np.median(y))))
        if target == "count":
            y = np.floor(y * 2)
        return getattr(xgb, cls)(**_small(objective=objective, **kw)).fit(X, y), X_eval

    return fit


def near_values(value: float) -> np.ndarray:
    """``value``, its float32 rounding, the float32 neighbours of that, and the float64 neighbours
    of ``value`` (which round to the same float32 unless ``value`` sits halfway)."""
    v32 = np.float32(value)
    inf32 = np.float32(np.inf)
    return np.array([value, float(v32), float(np.nextafter(v32, -inf32)), float(np.nextafter(v32, inf32)),
                     float(np.nextafter(value, -np.inf)), float(np.nextafter(value, np.inf))])  # fmt: skip


def with_missing_number(X: np.ndarray, value: float, share: float, seed: int, near: bool) -> np.ndarray:
    """``X`` with a ``share`` of its entries set to ``value`` (``near``: to the values of
    :func:`near_values`, so that both sides of "equal after the float32 cast" are met)."""
    rng = np.random.default_rng(seed)
    marks = rng.random(X.shape) < share
    out = X.copy()
    out[marks] = rng.choice(near_values(value), int(marks.sum())) if near else value
    return out


def _missing_number(value: float, cls: str = "XGBClassifier", **kw: Any):
    """A wrapper with ``missing=value`` fitted on data holding ``value`` (and NaN)."""

    def fit():
        if cls == "XGBClassifier":
            X, y, X_eval = classification(3, "int", nan=True, seed=9)
        else:
            X, y, X_eval = regression(nan=True, seed=10)
        X = with_missing_number(X, value, 0.15, 1, near=False)
        X_eval = with_missing_number(X_eval, value, 0.2, 2, near=True)
        return getattr(xgb, cls)(**_small(missing=value, **kw)).fit(X, y), X_eval

    return fit


def _early_stopping():
    X, y, X_eval = classification(3, "int", nan=True, seed=4, n=400)
    est = xgb.XGBClassifier(**_small(n_estimators=60, learning_rate=0.5, early_stopping_rounds=3))
    est.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])], verbose=False)
    assert est.best_iteration < 59  # early stopping chose fewer rounds than were trained
    return est, X_eval


def _ranker(objective: str):
    def fit():
        X, y, X_eval = regression(nan=True, seed=6)
        rel = np.digitize(y, np.quantile(y, [0.3, 0.6, 0.85]))
        qid = np.repeat(np.arange(24), 10)
        return xgb.XGBRanker(**_small(objective=objective)).fit(X, rel, qid=qid), X_eval

    return fit


def _booster(objective: str, **params: Any):
    """A bare ``xgb.train`` Booster (``Booster.predict`` is the reference)."""

    def fit():
        X, y, X_eval = regression(nan=True, seed=8, positive=True)
        d = xgb.DMatrix(X, label=y)
        if objective == "survival:aft":
            d.set_float_info("label_lower_bound", y)
            d.set_float_info("label_upper_bound", np.where(np.arange(len(y)) % 4 == 0, np.inf, y))
        if objective == "binary:logistic":
            d.set_label((y > np.median(y)).astype(float))
        if objective == "multi:softmax":
            d.set_label(np.digitize(y, np.quantile(y, [0.33, 0.66])).astype(float))
            params["num_class"] = 3
        booster = xgb.train({"objective": objective, "max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 0, **params},
                            d, num_boost_round=10)  # fmt: skip
        return booster, X_eval

    return fit


ODD_CODES = (-0.5, -1.0, -0.0, 1e-45, 2.7, 9.99, 10.0, 11.0, 255.0, 256.0, 1e9, 2.0**24 - 1, 2.0**24, np.nan)


def _codes(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns 0-2 numbers, column 3 category codes 0..9 (NaN in some training rows, so the
    missing side is learnt); evaluation rows add codes that are negative, fractional, past
    every set, at and past XGBoost's 2^24, and NaN."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[:, 3] = rng.integers(0, 10, n)
    score = X[:, 0] + 1.5 * np.isin(X[:, 3], [1, 4, 7]) - (X[:, 3] == 9) + 0.3 * X[:, 1]
    X[(rng.random(n) < 0.15) & (score > np.median(score)), 3] = np.nan
    X_eval = rng.normal(size=(150, 4))
    X_eval[:, 3] = rng.integers(0, 10, 150)
    X_eval[rng.random(150) < 0.1, 3] = np.nan
    odd = np.repeat(X_eval[:2], len(ODD_CODES), axis=0)
    odd[:, 3] = np.tile(ODD_CODES, 2)
    return X, score, np.vstack([X_eval, odd])


def _categorical(cls: str, *, n_classes: int = 2, **kw: Any):
    """A wrapper fitted on numpy codes (``feature_types`` marks column 3 categorical)."""

    def fit():
        X, score, X_eval = _codes(20 + n_classes)
        y = (
            score
            if cls == "XGBRegressor"
            else np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
        )
        est = getattr(xgb, cls)(**_small(enable_categorical=True, feature_types=["q", "q", "q", "c"], **kw))
        return est.fit(X, y), X_eval

    return fit


def frame_fit(cls: str, **kw: Any):
    """A wrapper fitted on a DataFrame with a string and a number category column (missing cells
    in rows of high scores); evaluation
    rows hold categories the model never saw and missing cells, with categories of their own
    (XGBoost recodes by value)."""

    def fit():
        train = category_frame(30, 500, rows=False)
        bonus = train["city"].map({"Lima": 2.0, "Oslo": -1.0, "Paris": 0.5, "Rome": 1.5, "Tokyo": -2.0}).astype(float)
        score = ((train["height"] - 170) / 10 + bonus + (train["size"].astype(float) > 10)).to_numpy()
        y = score if cls == "XGBRegressor" else (score > 0.3).astype(int)
        rng = np.random.default_rng(3)  # missing cells in rows of high scores: splits learn to send them right
        for name in ("city", "size"):
            train.loc[(score > np.quantile(score, 0.6)) & (rng.random(len(score)) < 0.3), name] = np.nan
        return getattr(xgb, cls)(**_small(enable_categorical=True, **kw)).fit(train, y), category_frame(
            31, 300, rows=True
        )

    return fit


def _frame_booster():
    """A bare ``Booster`` trained on a ``DMatrix(frame, enable_categorical=True)``."""
    fit = frame_fit("XGBRegressor")
    est, rows = fit()
    train = category_frame(30, 500, rows=False)
    d = xgb.DMatrix(train, label=est.predict(train), enable_categorical=True)
    return xgb.train({"max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 0}, d, num_boost_round=6), rows


def _pickled(est: Any) -> Any:
    """The live model pickled, then read back by nnconvert's safe loader (nothing runs)."""
    import nnconvert

    if not _DIR:
        _DIR.append(Path(tempfile.mkdtemp(prefix="nnconvert-xgb-")))
    path = _DIR[0] / f"pickle-{id(est)}.pkl"
    path.write_bytes(pickle.dumps(est, protocol=5))
    return nnconvert.load_model(path)


def _saved(fit: Any, suffix: str):
    """``fit``'s model, saved to an XGBoost model file that the case converts (the live model is
    the reference)."""

    def make():
        est, X_eval = fit()
        if not _DIR:
            _DIR.append(Path(tempfile.mkdtemp(prefix="nnconvert-xgb-")))
        path = _DIR[0] / f"model{len(_FILES)}{suffix}"
        est.save_model(str(path))
        _FILES[id(est)] = path
        return est, X_eval

    return make


def _from_file(est: Any) -> Any:
    import nnconvert

    return nnconvert.load_model(_FILES[id(est)])


def _file_case(name: str, fit: Any, suffix: str, **kw: Any) -> Case:
    def make() -> tuple[Any, np.ndarray]:
        est, X_eval = _saved(fit, suffix)()
        return est, _with_edges(est, X_eval)

    return Case(f"{name}{suffix.replace('.', '-')}", make, to_convert=_from_file, **kw)


def _cases() -> list[Case]:
    if xgb is None:  # pragma: no cover
        return []
    cases = [
        *_case("XGBClassifier-binary-nan", _classifier(2), BOTH),
        *_case("XGBClassifier-3cls-nan", _classifier(3, seed=1), BOTH),
        *_case("XGBClassifier-missing-minus1", _missing_number(-1.0), BOTH),
        *_case("XGBRegressor-missing-0.1", _missing_number(0.1, cls="XGBRegressor")),
        *_case("XGBRegressor-missing-0", _missing_number(0.0, cls="XGBRegressor", objective="reg:pseudohubererror")),
        *_case("XGBClassifier-softmax", _classifier(3, seed=2, objective="multi:softmax")),
        *_case("XGBClassifier-logitraw", _classifier(2, seed=3, objective="binary:logitraw")),
        *_case("XGBClassifier-hinge", _classifier(2, seed=4, objective="binary:hinge")),
        *_case("XGBClassifier-dart", _classifier(2, seed=5, booster="dart", rate_drop=0.3)),
        *_case("XGBClassifier-early-stopping", _early_stopping),
        *_case("XGBRFClassifier-3cls", _classifier(3, seed=6, cls="XGBRFClassifier", learning_rate=1.0)),
        *_case("XGBRegressor-squarederror-nan", _regressor("reg:squarederror"), BOTH),
        *_case("XGBRegressor-dart", _regressor("reg:squarederror", booster="dart", rate_drop=0.2)),
        *_case("XGBRegressor-logistic", _regressor("reg:logistic", target="unit")),
        *_case("XGBRegressor-pseudohuber", _regressor("reg:pseudohubererror")),
        *_case("XGBRegressor-absoluteerror", _regressor("reg:absoluteerror")),
        *_case("XGBRegressor-quantile", _regressor("reg:quantileerror", quantile_alpha=0.3)),
        *_case("XGBRegressor-multiquantile", _regressor("reg:quantileerror", quantile_alpha=np.array([0.2, 0.8]))),
        *_case("XGBRegressor-poisson", _regressor("count:poisson", target="count")),
        *_case("XGBRegressor-gamma", _regressor("reg:gamma", target="positive")),
        *_case("XGBRegressor-tweedie", _regressor("reg:tweedie", target="positive", tweedie_variance_power=1.4)),
        *_case("XGBRegressor-cox", _regressor("survival:cox", target="positive")),
        *_case("XGBRegressor-2targets", _regressor("reg:squarederror", n_outputs=2)),
        *_case("XGBRFRegressor", _regressor("reg:squarederror", cls="XGBRFRegressor", learning_rate=1.0)),
        *_case("XGBRanker-pairwise", _ranker("rank:pairwise")),
        *_case("XGBRanker-ndcg", _ranker("rank:ndcg")),
        *_case("Booster-logistic", _booster("binary:logistic")),
        *_case("Booster-softmax", _booster("multi:softmax")),
        *_case("Booster-aft", _booster("survival:aft", aft_loss_distribution="normal")),
        _file_case("XGBClassifier-binary-file", _classifier(2, seed=7), ".json"),
        _file_case("XGBClassifier-binary-file", _classifier(2, seed=7), ".ubj"),
        _file_case("XGBClassifier-3cls-file", _classifier(3, seed=8), ".ubj"),
        _file_case("XGBClassifier-early-stopping-file", _early_stopping, ".json"),
        _file_case("XGBRegressor-2targets-file", _regressor("reg:squarederror", n_outputs=2), ".ubj"),
        _file_case("XGBRegressor-dart-file", _regressor("reg:squarederror", booster="dart", rate_drop=0.2), ".json"),
        _file_case("Booster-aft-file", _booster("survival:aft", aft_loss_distribution="logistic"), ".ubj"),
        _file_case("Booster-softmax-file", _booster("multi:softmax"), ".json"),
        # booster='gblinear': one linear layer on X in float32, missing entries as 0
        *_case("XGBClassifier-3cls-gblinear", _classifier(3, seed=12, **_LINEAR), BOTH),
        *_case("XGBClassifier-binary-gblinear", _classifier(2, seed=13, **_LINEAR)),
        *_case("XGBRegressor-gblinear-missing-minus1", _missing_number(-1.0, cls="XGBRegressor", **_LINEAR)),
        *_case("XGBRegressor-gblinear-poisson", _regressor("count:poisson", target="count", **_LINEAR)),
        *_case("XGBRegressor-gblinear-2targets", _regressor("reg:squarederror", n_outputs=2, **_LINEAR)),
        Case("XGBClassifier-gblinear-pickle", _classifier(3, seed=14, **_LINEAR), to_convert=_pickled),
        _file_case("XGBClassifier-gblinear-file", _classifier(2, seed=15, **_LINEAR), ".ubj"),
        _file_case("XGBRegressor-gblinear-file", _regressor("reg:tweedie", target="positive", **_LINEAR), ".json"),
        # multi_strategy='multi_output_tree': one tree per round, a vector of values at each leaf
        *_case("XGBRegressor-vector-leaves", _regressor("reg:squarederror", n_outputs=3, **_VECTOR), BOTH),
        *_case("XGBClassifier-3cls-vector-leaves", _classifier(3, seed=9, **_VECTOR)),
        *_case("XGBClassifier-softmax-vector-leaves", _classifier(4, seed=10, objective="multi:softmax", **_VECTOR)),
        Case(
            "XGBRegressor-vector-leaves-pickle",
            _regressor("reg:logistic", target="unit", n_outputs=2, **_VECTOR),
            to_convert=_pickled,
        ),
        _file_case("XGBRegressor-vector-leaves-file", _regressor("reg:squarederror", n_outputs=3, **_VECTOR), ".json"),
        _file_case(
            "XGBClassifier-3cls-vector-leaves-lossguide-file",
            _classifier(3, seed=11, grow_policy="lossguide", max_leaves=6, **_VECTOR),
            ".ubj",
        ),
        *_case("XGBClassifier-categorical-codes", _categorical("XGBClassifier"), BOTH),
        *_case(
            "XGBClassifier-3cls-categorical-onehot", _categorical("XGBClassifier", n_classes=3, max_cat_to_onehot=16)
        ),
        *_case("XGBRegressor-categorical-codes", _categorical("XGBRegressor", max_depth=4)),
        _file_case("XGBClassifier-categorical-codes-file", _categorical("XGBClassifier"), ".ubj"),
        *_case("XGBClassifier-pandas-categories", frame_fit("XGBClassifier"), BOTH),
        *_case("XGBRegressor-pandas-categories-onehot", frame_fit("XGBRegressor", max_cat_to_onehot=8)),
        Case("XGBClassifier-pandas-categories-pickle", frame_fit("XGBClassifier"), to_convert=_pickled),
        Case("Booster-pandas-categories", _frame_booster),
        Case("Booster-pandas-categories-pickle", _frame_booster, to_convert=_pickled),
        _file_case("XGBClassifier-pandas-categories-file", frame_fit("XGBClassifier"), ".json"),
        _file_case("XGBRegressor-pandas-categories-file", frame_fit("XGBRegressor"), ".ubj"),
        _file_case("Booster-pandas-categories-file", _frame_booster, ".json"),
    ]
    return cases


CASES = _cases()
__all__ = ["CASES", "ODD_CODES", "frame_fit", "split_rows", "splits_of"]
