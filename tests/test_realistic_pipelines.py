"""Hold-out style: realistic numeric pipelines fitted on pandas DataFrames with missing values.

Each converts; the numpy runtime (float64) and onnxruntime (float32 and float64) agree with the
estimator called on the same DataFrame (same column names, NaN included), with the verify
tolerances; ``explain`` and ``draw`` render the network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import feature_selection as fs
from sklearn import impute, svm
from sklearn import linear_model as lm
from sklearn import naive_bayes as nb
from sklearn import preprocessing as pp
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import FeatureUnion, make_pipeline

import nnconvert
from nnconvert.check.verify import Comparison, boundary_rows, onnx_runner
from nnconvert.show.draw import layout
from nnconvert.show.explain import explain

COLUMNS = ["age", "income", "height", "visits", "score"]


def _frame(seed: int, n: int) -> pd.DataFrame:
    """Numeric columns on different scales, ~12% missing in the first three, as a DataFrame."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)) * [12, 2e4, 0.1, 3, 1] + [40, 5e4, 1.7, 6, 0]
    X[:, 3] = np.round(np.abs(X[:, 3]))
    X[:, :3] = np.where(rng.uniform(size=(n, 3)) < 0.12, np.nan, X[:, :3])
    return pd.DataFrame(X, columns=COLUMNS)


def _labels(df: pd.DataFrame, kind: str) -> np.ndarray:
    s = np.nan_to_num((df["age"] - 40) / 12 + (df["income"] - 5e4) / 2e4 + df["score"] + (df["visits"] - 6) / 3)
    if kind == "reg":
        return 100 + 10 * s + np.sin(df["score"].to_numpy())
    k = {"bin": 2, "multi": 3, "str": 4}[kind]
    idx = np.digitize(s, np.quantile(s, np.linspace(0, 1, k + 1)[1:-1]))
    return (
        np.array(["low", "mid", "high", "top"])[idx] if kind == "str" else np.array([3, 7, 11])[idx] if k == 3 else idx
    )


def _num(scaler=None):
    return make_pipeline(impute.SimpleImputer(strategy="median", add_indicator=True), scaler or pp.StandardScaler())


def _ct(*branches, **kw):
    return ColumnTransformer(list(branches), **kw)


PIPELINES = {
    "imputer-scaler-logistic": (
        lambda: make_pipeline(impute.SimpleImputer(), pp.StandardScaler(), lm.LogisticRegression(max_iter=1000)),
        "bin",
    ),
    "imputer-quantile-kbest-logistic": (
        lambda: make_pipeline(
            impute.SimpleImputer(strategy="median"),
            pp.QuantileTransformer(n_quantiles=100),
            fs.SelectKBest(k=3),
            lm.LogisticRegression(),
        ),
        "str",
    ),
    "imputer-power-ridge": (
        lambda: make_pipeline(impute.SimpleImputer(add_indicator=True), pp.PowerTransformer(), lm.Ridge()),
        "reg",
    ),
    "ct-branches-svc": (
        lambda: make_pipeline(
            _ct(("num", _num(), ["age", "income", "height"]), ("mm", pp.MinMaxScaler(), ["visits", "score"])),
            svm.SVC(probability=True, random_state=0),
        ),
        "multi",
    ),
    "ct-selector-remainder-logistic": (
        lambda: make_pipeline(
            _ct(
                ("imp", _num(pp.RobustScaler()), make_column_selector(pattern="^age$|^income$|^height$")),
                remainder=pp.StandardScaler(),
            ),
            lm.LogisticRegression(),
        ),
        "str",
    ),
    "ct-kbins-passthrough-nb": (
        lambda: make_pipeline(
            _ct(
                (
                    "bins",
                    make_pipeline(
                        impute.SimpleImputer(), pp.KBinsDiscretizer(n_bins=4, quantile_method="averaged_inverted_cdf")
                    ),
                    [0, 1],
                ),
                ("pt", "passthrough", [3]),
            ),
            nb.MultinomialNB(),
        ),
        "multi",
    ),
    "grid-search-pipeline": (
        lambda: GridSearchCV(
            make_pipeline(impute.SimpleImputer(), pp.StandardScaler(), lm.LogisticRegression()),
            {"logisticregression__C": [0.1, 1.0], "simpleimputer__strategy": ["mean", "median"]},
            cv=3,
        ),
        "multi",
    ),
    "transformed-target-log": (
        lambda: TransformedTargetRegressor(
            make_pipeline(impute.SimpleImputer(), pp.StandardScaler(), lm.Ridge()), func=np.log, inverse_func=np.exp
        ),
        "reg",
    ),
    "transformed-target-scaler": (
        lambda: TransformedTargetRegressor(
            make_pipeline(_ct(("num", _num(), [0, 1, 2]), remainder="passthrough"), lm.Lasso(alpha=0.01)),
            transformer=pp.StandardScaler(),
        ),
        "reg",
    ),
    "ovr-linear-svc": (lambda: make_pipeline(_num(), OneVsRestClassifier(svm.LinearSVC())), "str"),
    "ovo-logistic": (lambda: make_pipeline(_num(), OneVsOneClassifier(lm.LogisticRegression())), "multi"),
    "union-pca-indicator": (
        lambda: make_pipeline(
            impute.SimpleImputer(),
            FeatureUnion([("pca", make_pipeline(pp.StandardScaler(), PCA(3))), ("scaled", pp.MaxAbsScaler())]),
            lm.LogisticRegression(),
        ),
        "bin",
    ),
    "rfe-in-pipeline": (
        lambda: make_pipeline(_num(), fs.RFE(lm.LogisticRegression(), n_features_to_select=4)),
        "multi",
    ),
    "variance-normalizer-sgd": (
        lambda: make_pipeline(
            impute.SimpleImputer(strategy="most_frequent"),
            pp.StandardScaler(),
            fs.VarianceThreshold(0.1),
            pp.Normalizer(),
            lm.SGDClassifier(loss="log_loss", random_state=0),
        ),
        "bin",
    ),
    "function-log1p-mlp": (
        lambda: make_pipeline(
            impute.SimpleImputer(strategy="constant", fill_value=0.0),
            pp.FunctionTransformer(np.abs),
            pp.FunctionTransformer(np.log1p),
            pp.StandardScaler(),
            MLPRegressor(hidden_layer_sizes=(8,), max_iter=300, random_state=0),
        ),
        "reg",
    ),
    "multioutput-ridge": (
        lambda: MultiOutputRegressor(make_pipeline(impute.SimpleImputer(), pp.StandardScaler(), lm.Ridge())),
        "reg2",
    ),
    "select-from-model-lda": (
        lambda: make_pipeline(
            _num(),
            fs.SelectFromModel(lm.LogisticRegression(C=0.05)),
            LinearDiscriminantAnalysis(),
        ),
        "str",
    ),
}


@pytest.fixture(scope="module", params=sorted(PIPELINES))
def fitted(request):
    build, kind = PIPELINES[request.param]
    train, test = _frame(1, 400), _frame(2, 200)
    y = _labels(train, "reg") if kind.startswith("reg") else _labels(train, kind)
    if kind == "reg2":
        y = np.column_stack([y, -2 * y])
    est = build().fit(train, y)
    return request.param, est, test


def _reference(est, df: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {}
    for m in ("predict", "predict_proba", "decision_function", "transform"):
        if hasattr(est, m):
            out[m] = np.asarray(getattr(est, m)(df))
    return out


def test_pipeline_matches_on_a_dataframe_with_missing_values(fitted) -> None:
    name, est, test = fitted
    net = nnconvert.convert(est)
    assert net.meta.feature_names == tuple(COLUMNS)
    X = test.to_numpy()
    assert np.isnan(X).any()
    ref = _reference(est, test)
    runs = [("numpy float64", "float64", nnconvert.run(net, X))]
    for dtype in ("float32", "float64"):
        runner, _ = onnx_runner(nnconvert.to_onnx(net, dtype=dtype))
        runs.append((f"onnx {dtype}", dtype, runner(X)))
    near = boundary_rows(net, X)
    for what, dtype, got in runs:
        cmp = Comparison(dtype)
        cmp.update(ref, got, near if dtype == "float32" else None)
        assert cmp.equivalent, f"{name} [{what}]\n{cmp.format_text()}"
        assert all(r.n_boundary <= 0.05 * len(X) for r in cmp.outputs.values())


def test_preprocessing_is_explained_and_drawn(fitted) -> None:
    name, est, _ = fitted
    net = nnconvert.convert(est)
    text = explain(net)
    assert "X" in text and len(text.splitlines()) > 3, name
    assert len(layout(net).layers) >= 3, name
