"""Hold-out style: 30+ realistic pipelines fitted on pandas DataFrames with numeric, integer,
string and missing values, each converted and proved equivalent by ``nnconvert verify`` from a
CSV and a Parquet file written by pandas, with the columns shuffled and an extra column added.

The models are what people pickle: a ``ColumnTransformer`` that scales and imputes the numeric
columns and encodes the string ones, in a ``Pipeline``, often tuned by a search. Each pickle is
read by the safe loader (no ``--trust``); the network takes one input per column.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn import ensemble, impute, naive_bayes, neighbors, svm, tree
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

import nnconvert
from nnconvert.cli import cli

NUMERIC = ["age", "income", "score"]
CITIES = ["Paris", "London", "Berlin", "Madrid", "Rome", "Oslo", "Lima"]
PLANS = ["basic", "plus", "pro"]


def frame(seed: int, n: int, *, unknown: bool = False) -> pd.DataFrame:
    """Columns as a CRM export read by pandas has them: floats with ~10% missing, an integer
    count, a string city (rare values, missing cells as NaN), a string plan, a yes/no string and
    a float score."""
    rng = np.random.default_rng(seed)
    cities = rng.choice(CITIES, size=n, p=[0.3, 0.25, 0.2, 0.1, 0.08, 0.05, 0.02]).astype(object)
    cities[rng.uniform(size=n) < 0.08] = np.nan  # as pandas.read_csv / read_parquet give a missing string
    if unknown:
        cities[rng.uniform(size=n) < 0.05] = "Atlantis"  # never seen at fit
    age = rng.normal(40, 12, n)
    age[rng.uniform(size=n) < 0.1] = np.nan
    income = rng.lognormal(10.5, 0.5, n)
    income[rng.uniform(size=n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "visits": rng.poisson(4, n).astype(np.int64),
            "city": pd.Series(cities, dtype=object),
            "plan": pd.Series(rng.choice(PLANS, size=n), dtype=object),
            "member": pd.Series(rng.choice(["yes", "no"], size=n), dtype=object),
            "score": rng.normal(size=n),
        }
    )


def target(df: pd.DataFrame, kind: str) -> np.ndarray:
    city = df["city"].map({c: i for i, c in enumerate(CITIES)}).fillna(3).to_numpy(float)
    s = (
        np.nan_to_num((df["age"].to_numpy() - 40) / 12)
        + df["score"].to_numpy()
        + (df["plan"] == "pro").to_numpy() * 1.2
        - 0.3 * city
        + 0.2 * df["visits"].to_numpy()
    )
    if kind == "reg":
        return 50 + 10 * s
    if kind == "bin":
        return np.where(s > np.median(s), "churn", "stay")
    return np.array(["low", "mid", "high"])[np.digitize(s, np.quantile(s, [1 / 3, 2 / 3]))]


def _num(scaler: Any = None) -> Pipeline:
    return make_pipeline(impute.SimpleImputer(strategy="median"), scaler or pp.StandardScaler())


def _cat(encoder: Any = None, *, impute_first: bool = False) -> Any:
    encoder = encoder if encoder is not None else pp.OneHotEncoder(handle_unknown="ignore")
    if impute_first:
        return make_pipeline(impute.SimpleImputer(strategy="most_frequent"), encoder)
    return encoder


def _ct(*branches: Any, **kw: Any) -> ColumnTransformer:
    return ColumnTransformer(list(branches), **kw)


def _standard(final: Any, encoder: Any = None, **kw: Any) -> Pipeline:
    return make_pipeline(_ct(("num", _num(), NUMERIC), ("cat", _cat(encoder), ["city", "plan", "member"]), **kw), final)


# name -> (make the unfitted pipeline, target kind, whether it accepts unseen categories)
Maker = Callable[[], Any]
PIPELINES: dict[str, tuple[Maker, str, bool]] = {
    "onehot-logistic": (lambda: _standard(lm.LogisticRegression(max_iter=500)), "bin", True),
    "onehot-logistic-grid": (
        lambda: GridSearchCV(
            _standard(lm.LogisticRegression(max_iter=500)), {"logisticregression__C": [0.1, 1.0]}, cv=3
        ),
        "multi",
        True,
    ),
    "impute-onehot-forest": (
        lambda: make_pipeline(
            _ct(("num", "passthrough", NUMERIC), ("cat", _cat(impute_first=True), ["city", "plan"])),
            ensemble.RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0),
        ),
        "multi",
        True,
    ),
    "ordinal-hgb": (
        lambda: make_pipeline(
            _ct(
                ("num", "passthrough", [*NUMERIC, "visits"]),
                ("cat", pp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["city", "plan"]),
            ),
            ensemble.HistGradientBoostingClassifier(max_iter=20, random_state=0),
        ),
        "bin",
        True,
    ),
    "onehot-drop-first-ridge": (
        lambda: _standard(lm.Ridge(alpha=1.0), pp.OneHotEncoder(drop="first", handle_unknown="ignore")),
        "reg",
        True,
    ),
    "onehot-if-binary-svc": (
        lambda: _standard(svm.SVC(kernel="rbf", C=2.0), pp.OneHotEncoder(drop="if_binary", handle_unknown="ignore")),
        "bin",
        True,
    ),
    "onehot-min-frequency-logistic": (
        lambda: _standard(
            lm.LogisticRegression(max_iter=500),
            pp.OneHotEncoder(min_frequency=30, handle_unknown="infrequent_if_exist"),
        ),
        "multi",
        True,
    ),
    "onehot-max-categories-tree": (
        lambda: _standard(
            tree.DecisionTreeClassifier(max_depth=5, random_state=0),
            pp.OneHotEncoder(max_categories=3, handle_unknown="infrequent_if_exist"),
        ),
        "bin",
        True,
    ),
    "target-encoder-gbr": (
        lambda: make_pipeline(
            _ct(("num", _num(), NUMERIC), ("cat", pp.TargetEncoder(), ["city", "plan"])),
            ensemble.GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0),
        ),
        "reg",
        True,
    ),
    "target-encoder-multiclass-logistic": (
        lambda: make_pipeline(
            _ct(("num", _num(), NUMERIC), ("cat", pp.TargetEncoder(), ["city", "plan"])),
            lm.LogisticRegression(max_iter=500),
        ),
        "multi",
        True,
    ),
    "ordinal-missing-extratrees": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), NUMERIC),
                (
                    "cat",
                    pp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2),
                    ["city", "plan", "member"],
                ),
            ),
            ensemble.ExtraTreesRegressor(n_estimators=10, max_depth=6, random_state=0),
        ),
        "reg",
        True,
    ),
    "selectors-mlp": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), make_column_selector(dtype_include="number")),
                ("cat", _cat(impute_first=True), make_column_selector(dtype_include=object)),
            ),
            MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
        ),
        "multi",
        True,
    ),
    "remainder-passthrough-knn": (
        lambda: make_pipeline(
            _ct(("cat", _cat(impute_first=True), ["city", "plan", "member"]), remainder=_num()),
            neighbors.KNeighborsClassifier(n_neighbors=5),
        ),
        "bin",
        True,
    ),
    "remainder-drop-gaussiannb": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), ["age", "score"]),
                ("cat", pp.OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["plan"]),
            ),
            naive_bayes.GaussianNB(),
        ),
        "bin",
        True,
    ),
    "feature-union-numeric-logistic": (
        lambda: make_pipeline(
            _ct(
                (
                    "num",
                    make_pipeline(
                        impute.SimpleImputer(), FeatureUnion([("std", pp.StandardScaler()), ("mm", pp.MinMaxScaler())])
                    ),
                    NUMERIC,
                ),
                ("cat", _cat(), ["city"]),
            ),
            lm.LogisticRegression(max_iter=500),
        ),
        "bin",
        True,
    ),
    "onehot-integer-column-logistic": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), NUMERIC),
                ("counts", pp.OneHotEncoder(handle_unknown="ignore"), ["visits"]),
                ("cat", _cat(), ["plan"]),
            ),
            lm.LogisticRegression(max_iter=500),
        ),
        "multi",
        True,
    ),
    "constant-fill-linearsvc": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), NUMERIC),
                (
                    "cat",
                    make_pipeline(
                        impute.SimpleImputer(strategy="constant", fill_value="unknown"),
                        pp.OneHotEncoder(handle_unknown="ignore"),
                    ),
                    ["city", "plan"],
                ),
            ),
            svm.LinearSVC(C=0.5),
        ),
        "multi",
        True,
    ),
    "indicator-onehot-logistic": (
        lambda: make_pipeline(
            _ct(
                ("num", make_pipeline(impute.SimpleImputer(add_indicator=True), pp.StandardScaler()), NUMERIC),
                ("cat", _cat(impute_first=True), ["city"]),
                ("city_missing", impute.MissingIndicator(features="all"), ["city"]),
            ),
            lm.LogisticRegression(max_iter=500),
        ),
        "bin",
        True,
    ),
    "onevsrest-logistic": (
        lambda: _standard(OneVsRestClassifier(lm.LogisticRegression(max_iter=500))),
        "multi",
        True,
    ),
    "transformed-target-ridge": (
        lambda: TransformedTargetRegressor(regressor=_standard(lm.Ridge()), func=np.log, inverse_func=np.exp),
        "reg",
        True,
    ),
    "kbins-onehot-bernoullinb": (
        lambda: make_pipeline(
            _ct(
                (
                    "bins",
                    make_pipeline(
                        impute.SimpleImputer(),
                        pp.KBinsDiscretizer(n_bins=4, encode="onehot-dense", quantile_method="averaged_inverted_cdf"),
                    ),
                    NUMERIC,
                ),
                ("cat", _cat(impute_first=True), ["city", "plan"]),
            ),
            naive_bayes.BernoulliNB(),
        ),
        "multi",
        True,
    ),
    "power-onehot-kernelridge": (
        lambda: _standard(KernelRidge(alpha=1.0, kernel="rbf", gamma=0.1)).set_params(
            columntransformer__num=_num(pp.PowerTransformer())
        ),
        "reg",
        True,
    ),
    "randomized-search-forest": (
        lambda: RandomizedSearchCV(
            _standard(ensemble.RandomForestRegressor(n_estimators=10, random_state=0)),
            {"randomforestregressor__max_depth": [3, 5, 7]},
            n_iter=2,
            cv=3,
            random_state=0,
        ),
        "reg",
        True,
    ),
    "boolean-mask-adaboost": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), [True, True, False, False, False, False, True]),
                ("cat", _cat(impute_first=True), [False, False, False, True, True, False, False]),
            ),
            ensemble.AdaBoostClassifier(n_estimators=10, random_state=0),
        ),
        "bin",
        True,
    ),
    "integer-indices-sgd": (
        lambda: make_pipeline(
            _ct(("num", _num(), [0, 1, 6]), ("cat", _cat(), [4, 5])),
            lm.SGDClassifier(loss="log_loss", random_state=0),
        ),
        "bin",
        True,
    ),
    "slice-columns-lasso": (
        lambda: make_pipeline(
            _ct(("num", _num(), slice(0, 3)), ("cat", _cat(), slice(4, 6))),
            lm.Lasso(alpha=0.1),
        ),
        "reg",
        True,
    ),
    "ordinal-knn-regressor": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), NUMERIC),
                ("cat", pp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["plan", "member"]),
            ),
            neighbors.KNeighborsRegressor(n_neighbors=4),
        ),
        "reg",
        False,
    ),
    "voting-soft": (
        lambda: _standard(
            ensemble.VotingClassifier(
                [("lr", lm.LogisticRegression(max_iter=500)), ("nb", naive_bayes.GaussianNB())], voting="soft"
            ),
            pp.OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        ),
        "multi",
        True,
    ),
    "stacking": (
        lambda: _standard(
            ensemble.StackingClassifier(
                [("lr", lm.LogisticRegression(max_iter=500)), ("dt", tree.DecisionTreeClassifier(max_depth=4))],
                final_estimator=lm.LogisticRegression(),
                cv=3,
            )
        ),
        "bin",
        True,
    ),
    "ordinal-infrequent-gbc": (
        lambda: make_pipeline(
            _ct(
                ("num", _num(), [*NUMERIC, "visits"]),
                (
                    "cat",
                    pp.OrdinalEncoder(min_frequency=40, handle_unknown="use_encoded_value", unknown_value=np.nan),
                    ["city", "plan"],
                ),
            ),
            ensemble.HistGradientBoostingClassifier(max_iter=15, random_state=0),
        ),
        "multi",
        True,
    ),
    "calibrated-svc": (
        lambda: _standard(CalibratedClassifierCV(svm.SVC(kernel="rbf"), cv=3)),
        "bin",
        True,
    ),
    "onehot-explicit-drop-logistic": (
        lambda: _standard(
            lm.LogisticRegression(max_iter=500),
            pp.OneHotEncoder(drop=["Paris", "basic", "no"], handle_unknown="ignore"),
        ),
        "bin",
        True,
    ),
}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Path, pd.DataFrame]]:
    """Each pipeline fitted, pickled with joblib, and its evaluation frame."""
    root = tmp_path_factory.mktemp("frames")
    train = frame(0, 400)
    out = {}
    for name, (make, kind, unknown_ok) in PIPELINES.items():
        est = make().fit(train, target(train, kind))
        path = root / f"{name}.joblib"
        joblib.dump(est, path)
        evaluation = frame(1, 150, unknown=unknown_ok)
        out[name] = (est, path, evaluation)
    return out


def _shuffled(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Columns in another order, plus a column no model reads."""
    rng = np.random.default_rng(seed)
    cols = list(df.columns)
    rng.shuffle(cols)
    out = df[cols].copy()
    out.insert(int(rng.integers(len(cols) + 1)), "customer_note", [f"note {i}" for i in range(len(df))])
    return out


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_verifies_from_csv_and_parquet(fitted, name: str, tmp_path: Path) -> None:
    est, path, evaluation = fitted[name]
    net = nnconvert.convert(est)
    assert net.inputs is not None, "a model fitted on a DataFrame with string columns takes named column inputs"
    names = {i.name for i in net.inputs}
    assert names <= set(evaluation.columns)
    data = _shuffled(evaluation, seed=len(name))
    csv, parquet = tmp_path / "rows.csv", tmp_path / "rows.parquet"
    data.to_csv(csv, index=False)
    data.to_parquet(parquet, index=False)
    runner = CliRunner()
    for file in (csv, parquet):
        result = runner.invoke(cli, ["verify", str(path), "--data", str(file), "--dtype", "float64"])
        assert result.exit_code == 0, f"{file.name}: {result.output}"
        result = runner.invoke(cli, ["verify", str(path), "--data", str(file)])  # float32 ONNX
        assert result.exit_code == 0, f"{file.name} float32: {result.output}"


def test_string_columns_are_string_inputs(fitted) -> None:
    est, _, _ = fitted["onehot-logistic"]
    net = nnconvert.convert(est)
    kinds = {i.name: i.kind for i in net.inputs}
    assert kinds == {
        "age": "float",
        "income": "float",
        "score": "float",
        "city": "string",
        "plan": "string",
        "member": "string",
    }


def test_a_dropped_column_is_not_an_input(fitted) -> None:
    est, _, _ = fitted["remainder-drop-gaussiannb"]
    assert [i.name for i in nnconvert.convert(est).inputs] == ["age", "plan", "score"]


def test_missing_column_is_one_line(fitted, tmp_path: Path) -> None:
    _, path, evaluation = fitted["onehot-logistic"]
    csv = tmp_path / "rows.csv"
    evaluation.drop(columns=["city"]).to_csv(csv, index=False)
    result = CliRunner().invoke(cli, ["verify", str(path), "--data", str(csv)])
    assert result.exit_code == 2
    assert "city" in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_convert_embeds_reference_rows_read_by_name(fitted, tmp_path: Path) -> None:
    """``convert --data`` on a model with string columns reads the file by column name (CSV and
    Parquet), and the ONNX file it writes re-verifies its embedded rows."""
    _, path, evaluation = fitted["impute-onehot-forest"]
    runner = CliRunner()
    for suffix in ("csv", "parquet"):
        data = tmp_path / f"rows.{suffix}"
        shuffled = _shuffled(evaluation, seed=7)
        shuffled.to_csv(data, index=False) if suffix == "csv" else shuffled.to_parquet(data, index=False)
        out = tmp_path / f"net_{suffix}.onnx"
        result = runner.invoke(cli, ["convert", str(path), "-o", str(out), "--data", str(data)])
        assert result.exit_code == 0, result.output
        assert "reference rows embedded (data)" in result.output
        result = runner.invoke(cli, ["verify", str(out)])
        assert result.exit_code == 0, result.output
