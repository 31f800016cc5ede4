"""Encoders and imputers on text columns, at the builder level: string categories become codes
of each input column's vocabulary (``GraphBuilder.string_vocab``), and the network, run by every
backend on the code matrix, agrees with scikit-learn run on the strings. Also: column names,
refusals, and pickles of text encoders through the safe loader."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import make_pipeline

import nnconvert
from nnconvert.converters import registry
from nnconvert.errors import UnsupportedModel
from nnconvert.io.loading import load_model
from nnconvert.ir.builder import GraphBuilder
from nnconvert.runtime.execute import run

CITIES = np.array(["Paris", "Lyon", "Nice", "Lille", None, "Brest"], dtype=object)
P = [0.35, 0.25, 0.2, 0.1, 0.07, 0.03]


def _frame(seed: int, n: int, *, unknown: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    city = rng.choice(CITIES, n, p=P)
    size = rng.choice(np.array(["S", "M", "L"], dtype=object), n)
    if unknown:
        city[rng.uniform(size=n) < 0.1] = "Rome"
        size[rng.uniform(size=n) < 0.05] = "XL"
    return pd.DataFrame({"city": city, "size": size, "age": rng.normal(40, 10, n), "score": rng.normal(size=n)})


def _fit(est, X: pd.DataFrame, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _network(est):
    """The network and the vocabulary of each string input column, as ``nnconvert.convert`` builds it."""
    entry = registry.lookup(est)
    g = GraphBuilder(registry.n_features_of(est))
    outputs = entry.converter(est, g, g.input)
    return g.build(outputs, registry.metadata_of(est, entry, g)), g.string_vocab, g


def _codes(X: pd.DataFrame, vocab: dict[int, list[str]]) -> np.ndarray:
    """What the network's input holds: a string is its vocabulary code (-1 outside it), a missing
    cell NaN, a number itself."""
    out = np.empty(X.shape, dtype=np.float64)
    for j in range(X.shape[1]):
        col = X.iloc[:, j].to_numpy(dtype=object)
        index = {s: i for i, s in enumerate(vocab.get(j, []))}
        for r, v in enumerate(col):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                out[r, j] = np.nan
            elif isinstance(v, str):
                out[r, j] = index.get(v, -1)
            else:
                out[r, j] = float(v)
    return out


def _all_backends(net, codes: np.ndarray) -> list[dict[str, np.ndarray]]:
    results = [run(net, codes), run(nnconvert.from_json(nnconvert.to_json(net)), codes)]
    for dtype in ("float64", "float32"):
        model = nnconvert.to_onnx(net, dtype=dtype)
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        results.append(dict(zip(names, session.run(None, {"X": codes.astype(dtype)}), strict=True)))
    return results


def _dense(a) -> np.ndarray:
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a)


def _check(est, X_eval: pd.DataFrame, method: str = "transform"):
    net, vocab, _ = _network(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's notices about unknown categories
        expected = _dense(getattr(est, method)(X_eval))
        for got in _all_backends(net, _codes(X_eval, vocab)):
            if expected.dtype.kind in "fiu" and method != "predict":
                np.testing.assert_allclose(np.asarray(got[method], dtype=np.float64), expected, rtol=1e-6, atol=1e-6)
            else:
                np.testing.assert_array_equal(got[method], expected)
    return net


TRAIN, EVAL, KNOWN = _frame(0, 400, unknown=False), _frame(1, 300, unknown=True), _frame(2, 300, unknown=False)
CAT = ["city", "size"]


@pytest.mark.parametrize(
    "params",
    [
        {"handle_unknown": "ignore"},
        {"handle_unknown": "infrequent_if_exist", "min_frequency": 40},
        {"handle_unknown": "ignore", "max_categories": 3, "drop": "first"},
        {"handle_unknown": "infrequent_if_exist", "max_categories": 4, "drop": ["Paris", "M"]},
        {"drop": "if_binary", "handle_unknown": "ignore"},
    ],
    ids=str,
)
def test_one_hot_encoder_on_text(params) -> None:
    est = _fit(pp.OneHotEncoder(**params), TRAIN[CAT])
    _check(est, EVAL[CAT])


def test_one_hot_encoder_error_gives_the_ignore_row_and_names_columns() -> None:
    est = _fit(pp.OneHotEncoder(min_frequency=40, handle_unknown="infrequent_if_exist"), TRAIN[CAT])
    net = _check(est, KNOWN[CAT])
    names = nnconvert.convert(est).meta.extra["columns"]["transform"]
    assert "city=Paris" in names and "city=infrequent_sklearn" in names and "city=None" not in names
    strict = _fit(pp.OneHotEncoder(), TRAIN[CAT])
    _check(strict, KNOWN[CAT])
    assert {"city=None", "city=nan"} & set(nnconvert.convert(strict).meta.extra["columns"]["transform"])
    rome = pd.DataFrame({"city": ["Rome"], "size": ["S"]})
    with pytest.raises(ValueError, match="unknown categories"):
        strict.transform(rome)
    got = run(_network(strict)[0], _codes(rome, _network(strict)[1]))["transform"]
    np.testing.assert_array_equal(
        got, _fit(pp.OneHotEncoder(handle_unknown="ignore"), TRAIN[CAT]).transform(rome).toarray()
    )
    assert "'ignore' row" in net.meta.description


@pytest.mark.parametrize(
    "params",
    [
        {"handle_unknown": "use_encoded_value", "unknown_value": -1},
        {
            "handle_unknown": "use_encoded_value",
            "unknown_value": np.nan,
            "encoded_missing_value": -2,
            "min_frequency": 40,
        },
        {"handle_unknown": "use_encoded_value", "unknown_value": 9, "max_categories": 3},
    ],
    ids=str,
)
def test_ordinal_encoder_on_text(params) -> None:
    _check(_fit(pp.OrdinalEncoder(**params), TRAIN[CAT]), EVAL[CAT])


def test_ordinal_encoder_missing_is_nan_and_unknown_nan_where_sklearn_raises() -> None:
    est = _fit(pp.OrdinalEncoder(), TRAIN[CAT])
    _check(est, KNOWN[CAT])
    net, vocab, _ = _network(est)
    got = run(net, _codes(pd.DataFrame({"city": ["Rome", None], "size": ["S", "L"]}), vocab))["transform"]
    assert np.isnan(got[:, 0]).all()  # unknown (scikit-learn raises) and missing (encoded_missing_value NaN)
    np.testing.assert_array_equal(
        got[:, 1], est.transform(pd.DataFrame({"city": ["Paris"] * 2, "size": ["S", "L"]}))[:, 1]
    )


@pytest.mark.parametrize("target", ["binary", "multiclass", "continuous"])
def test_target_encoder_on_text(target) -> None:
    rng = np.random.default_rng(3)
    y = {
        "binary": rng.choice(["no", "yes"], len(TRAIN)),
        "multiclass": rng.choice([3, 7, 11], len(TRAIN)),
        "continuous": TRAIN["age"].to_numpy() + rng.normal(size=len(TRAIN)),
    }[target]
    est = _fit(pp.TargetEncoder(random_state=0), TRAIN[CAT], y)
    _check(est, EVAL[CAT])


def test_dataframe_pipeline_with_imputer_encoders_and_classifier() -> None:
    """The pipeline people pickle: a ColumnTransformer imputing and one-hot encoding the text
    columns, scaling the numbers, before a classifier."""
    y = np.where(TRAIN["age"] + (TRAIN["city"] == "Paris") * 10 > 45, "old", "young")
    pre = ColumnTransformer(
        [
            ("city", make_pipeline(SimpleImputer(strategy="most_frequent"), pp.OneHotEncoder(handle_unknown="ignore")), ["city"]),
            ("size", make_pipeline(SimpleImputer(strategy="constant", fill_value="none"), pp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)), ["size"]),
            ("num", pp.StandardScaler(), ["age", "score"]),
        ]
    )  # fmt: skip
    est = _fit(make_pipeline(pre, lm.LogisticRegression()), TRAIN, y)
    for method in ("predict", "predict_proba"):
        _check(est, EVAL, method)


@pytest.mark.parametrize(
    "params",
    [
        {"strategy": "most_frequent"},
        {"strategy": "constant", "fill_value": "unknown"},
        {"strategy": "most_frequent", "missing_values": "?"},
    ],
    ids=str,
)
def test_simple_imputer_on_text_before_an_encoder(params) -> None:
    train, evals = TRAIN[CAT].copy(), EVAL[CAT].copy()
    if params.get("missing_values") == "?":
        train, evals = train.fillna("?"), evals.fillna("?")
        train.loc[::7, "size"], evals.loc[::5, "size"] = "?", "?"
    est = _fit(make_pipeline(SimpleImputer(**params), pp.OneHotEncoder(handle_unknown="ignore")), train)
    _check(est, evals)
    imputer = est[0]
    net, vocab, _ = _network(imputer)  # alone: the imputed codes are the imputed strings
    got = run(net, _codes(evals, vocab))["transform"]
    expected = imputer.transform(evals)
    for j in range(expected.shape[1]):
        decoded = [vocab[j][int(c)] if c >= 0 else None for c in got[:, j]]
        assert decoded == [v if isinstance(v, str) and v in vocab[j] else None for v in expected[:, j]]


@pytest.mark.parametrize("missing", [np.nan, "?"], ids=str)
def test_missing_indicator_on_text(missing) -> None:
    train, evals = (TRAIN[CAT], EVAL[CAT]) if missing != "?" else (TRAIN[CAT].fillna("?"), EVAL[CAT].fillna("?"))
    _check(_fit(MissingIndicator(missing_values=missing, features="all"), train), evals)
    _check(_fit(MissingIndicator(missing_values=missing), train), evals)
    imputer = SimpleImputer(missing_values=missing, strategy="most_frequent", add_indicator=True)
    _check(_fit(make_pipeline(imputer, pp.OneHotEncoder(handle_unknown="ignore")), train), evals)


def test_label_binarizer_of_text_labels() -> None:
    lb = pp.LabelBinarizer(neg_label=-1).fit(TRAIN["size"])
    net, vocab, g = _network_of_column(lb)
    col = pd.DataFrame({"size": EVAL["size"]})
    got = run(net, _codes(col, vocab))["transform"]
    np.testing.assert_array_equal(got, lb.transform(EVAL["size"]))
    assert g.column_names[net.outputs["transform"]] == ["L", "M", "S"]


def _network_of_column(est):
    entry = registry.lookup(est)
    g = GraphBuilder(1)
    outputs = entry.converter(est, g, g.input)
    return g.build(outputs, registry.metadata_of(est, entry, g)), g.string_vocab, g


def test_refusals_are_one_clear_line() -> None:
    both = pp.OneHotEncoder().fit(np.array([["a"], [None], [np.nan]], dtype=object))
    with pytest.raises(UnsupportedModel, match="both None and NaN"):
        nnconvert.convert(both)
    empty = pp.OneHotEncoder().fit(np.array([["a"], [""]], dtype=object))
    with pytest.raises(UnsupportedModel, match="empty string"):
        nnconvert.convert(empty)
    with pytest.raises(UnsupportedModel, match="labels, not numbers"):
        nnconvert.convert(make_pipeline(pp.OrdinalEncoder(dtype=np.int64), lm.LinearRegression()).fit(KNOWN[["age"]].round(), KNOWN["score"]))  # fmt: skip


def test_text_encoder_pickles_load_safely_and_convert_alike(tmp_path) -> None:
    """Object arrays of str (and None/NaN among them), drop_idx_ of ints, the imputer's object
    dtype: all rebuilt by the safe loader, and the loaded model converts to the same network."""
    city = KNOWN[["city"]].fillna(np.nan)  # NaN, not None, as the missing value
    models = [
        (
            _fit(pp.OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=40, drop="first"), TRAIN[CAT]),
            KNOWN[CAT],
        ),
        (_fit(pp.OneHotEncoder(drop=["Paris", "M"]), TRAIN[CAT]), KNOWN[CAT]),
        (_fit(pp.OneHotEncoder(), TRAIN[["city"]].fillna(np.nan)), city),
        (_fit(pp.OrdinalEncoder(), TRAIN[CAT]), KNOWN[CAT]),
        (_fit(pp.TargetEncoder(random_state=0), TRAIN[CAT], TRAIN["age"]), KNOWN[CAT]),
        (_fit(make_pipeline(SimpleImputer(strategy="most_frequent"), pp.OneHotEncoder()), TRAIN[CAT]), KNOWN[CAT]),
    ]
    for est, X in models:
        path = tmp_path / "m.pkl"
        path.write_bytes(pickle.dumps(est))
        loaded = load_model(path)
        assert type(loaded) is type(est)
        np.testing.assert_array_equal(_dense(loaded.transform(X)), _dense(est.transform(X)))
        a, b = _network(est)[0], _network(loaded)[0]
        assert nnconvert.to_json(a)["nodes"] == nnconvert.to_json(b)["nodes"]


def test_draw_and_explain_name_the_one_hot_neurons(tmp_path) -> None:
    """Inside a pipeline the one-hot layer is an inner layer: its neurons carry ``city=Paris``."""
    from nnconvert.show.draw import layout
    from nnconvert.show.explain import explain

    X = _codes(KNOWN[["city", "age"]].fillna(np.nan), {0: ["Paris", "Lyon", "Nice", "Lille", "Brest"]})
    frame = pd.DataFrame({"city": X[:, 0], "age": X[:, 1]})  # numeric codes: the end-to-end form before text inputs
    y = (frame["age"] > 40).to_numpy()
    pre = ColumnTransformer([("c", pp.OneHotEncoder(handle_unknown="ignore"), ["city"]), ("n", pp.StandardScaler(), ["age"])])  # fmt: skip
    net = nnconvert.convert(_fit(make_pipeline(pre, lm.LogisticRegression()), frame, y))
    assert "neurons: city=0.0, city=1.0" in explain(net)
    labels = [n.label for n in layout(net).neurons if n.label]
    assert "city=0.0" in labels and "city=nan" in labels
    draw_path = tmp_path / "p.svg"
    from nnconvert.show.draw import draw

    draw(net, draw_path)
    assert "city=nan" in draw_path.read_text()
