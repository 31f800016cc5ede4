"""Cases for networks with named column inputs: models fitted on pandas DataFrames, evaluated on
DataFrames (every backend fed by column name). Numeric pipelines converted with
``inputs="columns"`` (a ColumnTransformer's dropped column is no input), a DataFrame model left
as a matrix (``inputs="auto"`` without strings), and string columns: HistGradientBoosting's
categorical features from a pandas category column of text, with unknown strings, "" and None
among the evaluation rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import impute
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from tests.cases import Case, classes_of

NUMERIC = ["height", "weight", "age", "income"]
CITIES = ["Lima", "Oslo", "Paris", "Rome", "Tokyo"]


def _frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scale, offset = np.array([10, 15, 12, 2e4]), np.array([170, 70, 40, 5e4])
    return pd.DataFrame(rng.normal(size=(n, 4)) * scale + offset, columns=NUMERIC)


def _label(df: pd.DataFrame, n: int) -> np.ndarray:
    score = (df["height"] - 170) / 10 + (df["weight"] - 70) / 15 - (df["income"] - 5e4) / 2e4
    return classes_of("str", n)[np.digitize(score, np.quantile(score, np.linspace(0, 1, n + 1)[1:-1]))]


def _numeric(name: str, build, *, target: str, inputs: str = "columns", tree_form: str = "auto", nan: bool = False):
    def make():
        train, rows = _frame(len(name), 300), _frame(len(name) + 1, 150)
        y = train["height"] * 0.5 - train["income"] * 1e-3 + 4 if target == "reg" else _label(train, int(target))
        if nan:
            for df, seed in ((train, 1), (rows, 2)):
                mask = np.random.default_rng(seed).uniform(size=(len(df), 2)) < 0.15
                df[["height", "age"]] = df[["height", "age"]].mask(mask)
        est = build().fit(train, y)
        rows = rows[["income", "age", "weight", "height"]].assign(note="ignored")  # another order, an extra column
        return est, rows

    return Case(f"columns-{name}", make, tree_form=tree_form, inputs=inputs)


def _cities(seed: int, n: int, *, rows: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = _frame(seed, n)[["height", "weight"]]
    city = rng.choice(CITIES, n).astype(object)
    if rows:  # unknown strings, "" and None (missing), a string with a space
        odd = rng.uniform(size=n)
        city[odd < 0.08] = "Berlin"
        city[(odd >= 0.08) & (odd < 0.14)] = ""
        city[(odd >= 0.14) & (odd < 0.2)] = None
        city[(odd >= 0.2) & (odd < 0.23)] = "Rio de Janeiro"
    df.insert(1, "city", city if rows else pd.Categorical(city))
    return df


def _strings(name: str, cls, **params) -> Case:
    def make():
        train = _cities(3, 400, rows=False)
        bonus = train["city"].map({"Lima": 2.0, "Oslo": -1.0, "Paris": 0.5, "Rome": 1.5, "Tokyo": -2.0}).astype(float)
        score = (train["height"] - 170) / 10 + bonus
        y = score.to_numpy() if cls is HistGradientBoostingRegressor else (score > 0.3).to_numpy().astype(int)
        est = cls(max_iter=15, max_depth=3, categorical_features="from_dtype", random_state=0, **params).fit(train, y)
        rows = _cities(4, 200, rows=True)
        return est, rows[["weight", "city", "height"]]

    return Case(f"columns-{name}", make)


CASES = [
    _numeric(
        "Pipeline-StandardScaler-LogisticRegression",
        lambda: make_pipeline(pp.StandardScaler(), lm.LogisticRegression(max_iter=500)),
        target="3",
    ),
    _numeric(
        "ColumnTransformer-drops-a-column",
        lambda: make_pipeline(
            ColumnTransformer(
                [("scaled", pp.StandardScaler(), ["height", "weight"]), ("kept", "passthrough", ["income"])]
            ),
            lm.Ridge(),
        ),
        target="reg",
    ),
    _numeric(
        "DecisionTree-neuron",
        lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
        target="3",
        tree_form="neuron",
    ),
    _numeric(
        "DecisionTree-compact",
        lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
        target="3",
        tree_form="compact",
    ),
    _numeric(
        "SimpleImputer-as-matrix",
        lambda: make_pipeline(impute.SimpleImputer(strategy="median"), lm.LinearRegression()),
        target="reg",
        inputs="auto",
        nan=True,
    ),
    _numeric(
        "SimpleImputer-columns-NaN",
        lambda: make_pipeline(impute.SimpleImputer(add_indicator=True), lm.LogisticRegression(max_iter=500)),
        target="2",
        nan=True,
    ),
    _strings("HistGradientBoostingClassifier-string-categories", HistGradientBoostingClassifier),
    _strings("HistGradientBoostingRegressor-string-categories", HistGradientBoostingRegressor),
]
