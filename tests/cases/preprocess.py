"""Cases for imputers, column plumbing, feature transformers and selectors, alone and in
pipelines before a classifier or regressor. Inputs hold NaN where the model accepts it, and
rows exactly on the edges and thresholds the networks decide at."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special
from sklearn import feature_selection as fs
from sklearn import impute, svm
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.pipeline import FeatureUnion, make_pipeline, make_union

from tests.cases import Case, blobs, classes_of


def _data(seed: int = 0, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Features on different scales and offsets, and rows to evaluate on."""
    rng = np.random.default_rng(seed)
    scale, offset = np.array([1, 5, 0.1, 2, 1]), np.array([0, 3, 1, 0, 9])
    return rng.normal(size=(n, 5)) * scale + offset, rng.normal(size=(150, 5)) * scale * 1.5 + offset


def _holes(X: np.ndarray, seed: int, columns: tuple[int, ...] = (0, 1, 2)) -> np.ndarray:
    """``X`` with ~15% NaN in ``columns``."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    cols = list(columns)
    X[:, cols] = np.where(rng.uniform(size=(len(X), len(cols))) < 0.15, np.nan, X[:, cols])
    return X


def _labels(X: np.ndarray, kind: str, n: int) -> np.ndarray:
    score = np.nan_to_num(X[:, 0] + (X[:, 2] - 1) * 10 + X[:, 3])
    return classes_of(kind, n)[np.digitize(score, np.quantile(score, np.linspace(0, 1, n + 1)[1:-1]))]


def _case(name: str, build, *, target: str | None = None, nan: bool = False, quiet: bool = False) -> Case:
    """``build()`` an unfitted estimator; fit it on the data (NaN holes with ``nan``), with a
    target (``'reg'`` or a label kind such as ``'str3'``), and evaluate on fresh rows."""

    def make():
        X, X_eval = _data(len(name))
        if nan:
            X, X_eval = _holes(X, 1), _holes(X_eval, 2)
        y = None
        if target == "reg":
            y = np.nan_to_num(X) @ np.array([1.0, -0.5, 3.0, 0.2, 1.0]) + 4
        elif target:
            y = _labels(X, target[:-1], int(target[-1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if quiet else "default")
            est = build().fit(X, y)
        return est, X_eval

    return Case(name, make)


def _on_edges(name: str, build, edges) -> Case:
    """A transformer evaluated on fresh rows plus rows exactly at ``edges(est)`` (``[n, d]``)."""

    def make():
        X, X_eval = _data(7)
        est = build().fit(X)
        return est, np.vstack([X_eval, edges(est)])

    return Case(name, make)


def _kbins_edges(est) -> np.ndarray:
    k = min(len(e) for e in est.bin_edges_)
    return np.array([[e[i] for e in est.bin_edges_] for i in range(k)])


def _kbins(encode: str, strategy: str) -> Case:
    kw = {"quantile_method": "averaged_inverted_cdf"} if strategy == "quantile" else {}
    return _on_edges(
        f"KBinsDiscretizer-{encode}-{strategy}",
        lambda: pp.KBinsDiscretizer(n_bins=4, encode=encode, strategy=strategy, **kw),
        _kbins_edges,
    )


def _quantile(n_quantiles: int) -> Case:
    """Rounded data (repeated quantiles: the two interpolation directions differ), rows on the knots."""

    def make():
        X, X_eval = _data(8)
        est = pp.QuantileTransformer(n_quantiles=n_quantiles).fit(np.round(X, 1))
        return est, np.vstack([X_eval, np.round(X_eval, 1), est.quantiles_[::25]])

    return Case(f"QuantileTransformer-{n_quantiles}", make)


def _box_cox() -> Case:
    def make():
        X, X_eval = _data(9)
        return pp.PowerTransformer(method="box-cox").fit(np.abs(X) + 0.1), np.abs(X_eval) + 0.05

    return Case("PowerTransformer-box-cox", make)


def _missing_number() -> Case:
    """``missing_values=-1``: exact equality marks the missing cells."""

    def make():
        X, X_eval = _data(10)
        X, X_eval = (np.where(np.isnan(_holes(a, s)), -1.0, np.round(a, 2)) for a, s in ((X, 1), (X_eval, 2)))
        pipe = make_pipeline(impute.SimpleImputer(missing_values=-1, add_indicator=True), lm.LogisticRegression())
        return pipe.fit(X, _labels(X, "wild", 3)), X_eval

    return Case("SimpleImputer-missing-minus-one-LogisticRegression", make)


def _empty_kept() -> Case:
    """A column with no value in fit, kept (statistic 0) by keep_empty_features."""

    def make():
        X, X_eval = _data(11)
        X = _holes(X, 1)
        X[:, 1] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = impute.SimpleImputer(strategy="median", keep_empty_features=True, add_indicator=True).fit(X)
        return est, _holes(X_eval, 2)

    return Case("SimpleImputer-keep_empty_features", make)


def _column_transformer(name: str, transformers, **kw) -> Case:
    return _case(f"ColumnTransformer-{name}", lambda: ColumnTransformer(transformers(), **kw), nan=True)


def _imputed_scaled():
    return make_pipeline(impute.SimpleImputer(add_indicator=True), pp.StandardScaler())


CASES: list[Case] = [
    *[
        _case(f"SimpleImputer-{s}", lambda s=s: impute.SimpleImputer(strategy=s, fill_value=-7.5), nan=True)
        for s in ("mean", "median", "most_frequent", "constant")
    ],
    _case("SimpleImputer-mean-indicator", lambda: impute.SimpleImputer(add_indicator=True), nan=True),
    _missing_number(),
    _empty_kept(),
    _case("MissingIndicator-missing-only", impute.MissingIndicator, nan=True),
    _case("MissingIndicator-all", lambda: impute.MissingIndicator(features="all"), nan=True),
    _case(
        "make_union-imputer-MissingIndicator",
        lambda: make_union(impute.SimpleImputer(), impute.MissingIndicator()),
        nan=True,
    ),
    *[_case(f"Normalizer-{n}", lambda n=n: pp.Normalizer(norm=n)) for n in ("l1", "l2", "max")],
    _on_edges("Binarizer", lambda: pp.Binarizer(threshold=0.5), lambda est: np.full((2, 5), 0.5)),
    *[_kbins(e, s) for e in ("ordinal", "onehot-dense") for s in ("uniform", "quantile", "kmeans")],
    _kbins("onehot", "uniform"),
    _quantile(50),
    _quantile(300),
    _case("PowerTransformer-yeo-johnson", pp.PowerTransformer),
    _case("PowerTransformer-yeo-johnson-raw", lambda: pp.PowerTransformer(standardize=False)),
    _box_cox(),
    *[
        _case(
            f"FunctionTransformer-{f.__name__}",
            lambda f=f: make_pipeline(pp.FunctionTransformer(np.abs), pp.FunctionTransformer(f)),
        )
        for f in (np.log1p, np.sqrt, np.exp, np.tanh, np.expm1, np.log10, special.expit)
    ],
    _case("FunctionTransformer-identity", pp.FunctionTransformer),
    _column_transformer(
        "indices-slice", lambda: [("num", _imputed_scaled(), [0, 1, 2]), ("mm", pp.MinMaxScaler(), slice(3, 5))]
    ),
    _column_transformer(
        "mask-passthrough-weights",
        lambda: [("imp", impute.SimpleImputer(), [True, True, True, False, False])],
        remainder="passthrough",
        transformer_weights={"imp": 2.0},
    ),
    _column_transformer(
        "remainder-estimator", lambda: [("imp", impute.SimpleImputer(), [0, 1, 2])], remainder=pp.StandardScaler()
    ),
    _column_transformer("drop-passthrough", lambda: [("d", "drop", [0]), ("pt", "passthrough", [4, 3])]),
    _case(
        "FeatureUnion-weights",
        lambda: FeatureUnion(
            [("s", pp.StandardScaler()), ("d", "drop"), ("p", PCA(2))], transformer_weights={"s": 3.0}
        ),
    ),
    _case("make_union-passthrough", lambda: make_union(pp.MinMaxScaler(), "passthrough")),
    _case("VarianceThreshold", lambda: fs.VarianceThreshold(0.5), nan=True),
    _case("SelectKBest", lambda: fs.SelectKBest(k=2), target="int2"),
    _case("SelectPercentile", lambda: fs.SelectPercentile(fs.f_regression, percentile=40), target="reg"),
    _case("SelectFpr", lambda: fs.SelectFpr(alpha=0.01), target="int3"),
    _case("SelectFdr", lambda: fs.SelectFdr(alpha=0.01), target="int3"),
    _case("SelectFwe", lambda: fs.SelectFwe(alpha=0.01), target="int3"),
    _case("GenericUnivariateSelect", lambda: fs.GenericUnivariateSelect(mode="k_best", param=3), target="int3"),
    _case("SelectFromModel", lambda: fs.SelectFromModel(lm.Lasso(alpha=0.1)), target="reg"),
    _case(
        "SequentialFeatureSelector",
        lambda: fs.SequentialFeatureSelector(lm.Ridge(), n_features_to_select=2, cv=3),
        target="reg",
    ),
    _case("RFE-LogisticRegression", lambda: fs.RFE(lm.LogisticRegression(), n_features_to_select=3), target="str3"),
    _case("RFECV-Ridge", lambda: fs.RFECV(lm.Ridge(), cv=3), target="reg"),
    # inside pipelines, with NaN holes imputed first
    _case(
        "pipeline-imputer-quantile-kbest-LogisticRegression",
        lambda: make_pipeline(
            impute.SimpleImputer(strategy="median"),
            pp.QuantileTransformer(n_quantiles=40),
            fs.SelectKBest(k=3),
            lm.LogisticRegression(),
        ),
        target="str3",
        nan=True,
    ),
    _case(
        "pipeline-imputer-power-Ridge",
        lambda: make_pipeline(impute.SimpleImputer(add_indicator=True), pp.PowerTransformer(), lm.Ridge()),
        target="reg",
        nan=True,
    ),
    _case(
        "pipeline-ct-kbins-normalizer-LogisticRegression",
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    (
                        "bins",
                        make_pipeline(
                            impute.SimpleImputer(),
                            pp.KBinsDiscretizer(n_bins=3, encode="onehot", quantile_method="averaged_inverted_cdf"),
                        ),
                        [0, 2],
                    ),
                    ("norm", pp.Normalizer(), [3, 4]),
                ],
                remainder="drop",
            ),
            lm.LogisticRegression(),
        ),
        target="wild4",
        nan=True,
    ),
    _case(
        "pipeline-scaler-rfe-LinearSVC",
        lambda: make_pipeline(
            pp.StandardScaler(),
            fs.RFE(svm.LinearSVC(), n_features_to_select=3),
        ),
        target="int2",
    ),
]


def _blob_case() -> Case:
    """A selector before a multiclass classifier on overlapping blobs (decision boundaries)."""

    def make():
        X, y, X_eval = blobs(3, seed=41)
        pipe = make_pipeline(fs.VarianceThreshold(), pp.Binarizer(threshold=0.0), lm.LogisticRegression())
        return pipe.fit(X, classes_of("str", 3)[y]), X_eval

    return Case("pipeline-variance-binarizer-LogisticRegression", make)


CASES.append(_blob_case())
