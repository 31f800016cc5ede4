"""Cases for the categorical encoders (OneHotEncoder, OrdinalEncoder, TargetEncoder,
LabelBinarizer), alone and in pipelines and ColumnTransformers, on numeric categories:
integer codes, float values (NaN a fitted category) and evaluation rows with unknown values
(except where scikit-learn raises on them: ``handle_unknown='error'``)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline

from tests.cases import Case, classes_of

FLOATS = np.array([0.5, 2.25, -1.0, np.nan, 7.0, 0.1])
FLOAT_P = [0.35, 0.25, 0.15, 0.12, 0.05, 0.08]


def _data(seed: int, n: int = 400, *, unknown: bool = True) -> np.ndarray:
    """Columns: integer category 0..5 (skewed), float category (NaN included), binary 10/20,
    two continuous columns. With ``unknown`` the rows also hold values never fitted."""
    rng = np.random.default_rng(seed)
    ints = rng.choice(6, n, p=[0.3, 0.25, 0.2, 0.15, 0.07, 0.03]).astype(float)
    floats = rng.choice(FLOATS, n, p=FLOAT_P)
    binary = rng.choice([10.0, 20.0], n)
    if unknown:
        ints[rng.uniform(size=n) < 0.1] = 9.0
        floats[rng.uniform(size=n) < 0.1] = 3.5
        binary[rng.uniform(size=n) < 0.05] = 15.0
    return np.column_stack([ints, floats, binary, rng.normal(size=(n, 2)) * [1.0, 3.0] + [0.0, 5.0]])


def _target(X: np.ndarray, kind: str) -> np.ndarray:
    score = X[:, 0] - 2 * np.nan_to_num(X[:, 1], nan=3.0) + X[:, 3] + (X[:, 2] == 20) * 2
    if kind == "reg":
        return score * 1.5 + 4
    n = int(kind[-1])
    return classes_of(kind[:-1], n)[np.digitize(score, np.quantile(score, np.linspace(0, 1, n + 1)[1:-1]))]


def _case(name: str, build, *, columns=(0, 1, 2), target: str | None = None, raises: bool = False) -> Case:
    """``build()`` fitted on ``columns`` of the data (``target``: ``'reg'`` or a label kind such as
    ``'str3'``); evaluated on fresh rows with unknown values unless scikit-learn ``raises`` on them."""

    def make():
        X = _data(len(name))[:, list(columns)]
        X_eval = _data(len(name) + 1, 200, unknown=not raises)[:, list(columns)]
        y = None if target is None else _target(_data(len(name)), target)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fit-time notices (TargetEncoder's cv, unknown-value warnings)
            est = build().fit(X, y)
        return est, X_eval

    return Case(name, make)


def _mixed(encoder, scaled=(3, 4), encoded=(0, 1, 2)):
    """A ColumnTransformer: ``encoder`` on the category columns, StandardScaler on the rest."""
    return ColumnTransformer([("cat", encoder, list(encoded)), ("num", pp.StandardScaler(), list(scaled))])


def _label_binarizer_pipeline() -> Case:
    """A ColumnTransformer holding a fitted LabelBinarizer on one column named as a scalar (so it
    receives 1-D), before a classifier. scikit-learn cannot fit a LabelBinarizer inside a
    ColumnTransformer (its fit takes only y), so the pipeline is fitted with the equivalent
    one-hot encoder and the branch is swapped for the LabelBinarizer fitted on that column."""

    def make():
        X, X_eval = _data(3, unknown=False), _data(4, 200)
        y = _target(X, "int3")
        pipe = make_pipeline(_mixed(pp.OneHotEncoder(sparse_output=False), encoded=(0,)), lm.LogisticRegression())
        pipe.fit(X, y)
        ct = pipe[0]
        lb = pp.LabelBinarizer().fit(X[:, 0])
        ct.transformers_ = [("cat", lb, 0), *ct.transformers_[1:]]
        ct.transformers = [("cat", lb, 0), *ct.transformers[1:]]
        return pipe, X_eval

    return Case("LabelBinarizer-in-ColumnTransformer-LogisticRegression", make)


def _label_binarizer_binary() -> Case:
    def make():
        X, X_eval = _data(5, unknown=False), _data(6, 200, unknown=False)
        y = _target(X, "str2")
        pipe = make_pipeline(_mixed(pp.OneHotEncoder(drop="first", sparse_output=False), encoded=(2,)), lm.Ridge())
        pipe.fit(X, (y == y[0]).astype(float))
        ct = pipe[0]
        lb = pp.LabelBinarizer(neg_label=-1, pos_label=2).fit(X[:, 2][np.isin(X[:, 2], [10.0, 20.0])])
        ct.transformers_ = [("cat", lb, 2), *ct.transformers_[1:]]
        ct.transformers = [("cat", lb, 2), *ct.transformers[1:]]
        return pipe, X_eval

    return Case("LabelBinarizer-binary-neg_label-in-ColumnTransformer-Ridge", make)


OHE = pp.OneHotEncoder
CASES = [
    _case("OneHotEncoder-ignore", lambda: OHE(handle_unknown="ignore")),
    _case("OneHotEncoder-error-dense", lambda: OHE(sparse_output=False), raises=True),
    _case("OneHotEncoder-warn", lambda: OHE(handle_unknown="warn", min_frequency=30)),
    _case(
        "OneHotEncoder-infrequent_if_exist-min_frequency",
        lambda: OHE(handle_unknown="infrequent_if_exist", min_frequency=30),
    ),
    _case("OneHotEncoder-ignore-max_categories", lambda: OHE(handle_unknown="ignore", max_categories=3)),
    _case("OneHotEncoder-drop-first", lambda: OHE(drop="first", handle_unknown="ignore")),
    _case("OneHotEncoder-drop-if_binary", lambda: OHE(drop="if_binary", handle_unknown="ignore", dtype=np.float32)),
    _case("OneHotEncoder-drop-explicit", lambda: OHE(drop=[2.0, np.nan, 20.0], handle_unknown="ignore")),
    _case(
        "OneHotEncoder-drop-infrequent",
        lambda: OHE(drop=[0.0, 0.5, 10.0], handle_unknown="infrequent_if_exist", max_categories=4),
    ),
    _case(
        "OneHotEncoder-categories-given",
        lambda: OHE(
            categories=[[0.0, 1.0, 2.0, 7.0], [-1.0, 0.5, 2.25, np.nan], [10.0, 20.0]], handle_unknown="ignore"
        ),
    ),
    _case(
        "OneHotEncoder-in-ColumnTransformer-LogisticRegression",
        lambda: make_pipeline(
            _mixed(OHE(handle_unknown="infrequent_if_exist", min_frequency=20)), lm.LogisticRegression()
        ),
        columns=range(5),
        target="str3",
    ),
    _case("OrdinalEncoder-default", lambda: pp.OrdinalEncoder(), raises=True),
    _case(
        "OrdinalEncoder-unknown-minus-one",
        lambda: pp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
    ),
    _case(
        "OrdinalEncoder-unknown-nan-missing-minus-two-min_frequency",
        lambda: pp.OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=-2, min_frequency=30
        ),
    ),
    _case(
        "OrdinalEncoder-max_categories-float32",
        lambda: pp.OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=99, max_categories=3, dtype=np.float32
        ),
    ),
    _case(
        "OrdinalEncoder-int64",
        lambda: pp.OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1, dtype=np.int64
        ),
    ),
    _case(
        "OrdinalEncoder-in-ColumnTransformer-LinearRegression",
        lambda: make_pipeline(
            _mixed(pp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1)),
            lm.LinearRegression(),
        ),
        columns=range(5),
        target="reg",
    ),
    _case("TargetEncoder-binary", lambda: pp.TargetEncoder(random_state=0), target="str2"),
    _case("TargetEncoder-multiclass", lambda: pp.TargetEncoder(random_state=0), target="wild3"),
    _case("TargetEncoder-continuous-smooth", lambda: pp.TargetEncoder(smooth=5.0, random_state=0), target="reg"),
    _case(
        "TargetEncoder-in-ColumnTransformer-Ridge",
        lambda: make_pipeline(_mixed(pp.TargetEncoder(random_state=0)), lm.Ridge()),
        columns=range(5),
        target="reg",
    ),
    _label_binarizer_pipeline(),
    _label_binarizer_binary(),
]
CASES += [
    _case("OneHotEncoder-int8", lambda: OHE(handle_unknown="ignore", dtype=np.int8, sparse_output=False)),
    _case(
        "OneHotEncoder-int64-in-LogisticRegression",
        lambda: make_pipeline(OHE(handle_unknown="ignore", dtype=np.int64), lm.LogisticRegression()),
        target="int3",
    ),
]
