"""Settings with no exact network are refused in one line; a few behaviours the conformance
cases cannot show (an all-missing column dropped with a warning, NaN kept in its column)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import impute
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsOneClassifier

import nnconvert
from nnconvert.errors import UnsupportedModel

RNG = np.random.default_rng(0)
X = np.abs(RNG.normal(size=(120, 3))) + 0.5
Y = (X[:, 0] > X[:, 1]).astype(int)


@pytest.mark.parametrize(
    ("est", "match"),
    [
        (pp.QuantileTransformer(n_quantiles=20, output_distribution="normal").fit(X), "inverse error function"),
        (pp.FunctionTransformer(lambda a: a * 2).fit(X), "arbitrary callable"),
        (pp.FunctionTransformer(np.log, kw_args={"out": None}).fit(X), "kw_args"),
        (pp.SplineTransformer(sparse_output=True).fit(X), "sparse_output"),
        (GridSearchCV(lm.Ridge(), {"alpha": [1.0, 2.0]}, refit=False, cv=3).fit(X, X[:, 0]), "refit=False"),
        (OneVsOneClassifier(lm.Ridge()).fit(X, Y), "regressor"),
        (
            TransformedTargetRegressor(lm.Ridge(), transformer=pp.QuantileTransformer(n_quantiles=20)).fit(X, X[:, 0]),
            "exact inverses",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_refused_in_one_line(est, match: str) -> None:
    with pytest.raises(UnsupportedModel, match=match) as info:
        nnconvert.convert(est)
    assert "\n" not in str(info.value)


def test_all_missing_column_is_dropped_like_scikit_learn() -> None:
    Xn = X.copy()
    Xn[:, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        est = impute.SimpleImputer().fit(Xn)
        ref = est.transform(Xn)
    got = nnconvert.run(nnconvert.convert(est), Xn)["transform"]
    assert got.shape == (len(X), 2)
    np.testing.assert_array_equal(got, ref)


def test_nan_stays_in_its_column_through_a_scaler() -> None:
    """StandardScaler keeps NaN where it was (its column scale runs column by column)."""
    est = pp.StandardScaler().fit(X)
    Xn = X.copy()
    Xn[::5, 2] = np.nan
    for dtype in ("float64", "float32"):
        got = nnconvert.run(nnconvert.convert(est), Xn, dtype)["transform"]
        np.testing.assert_array_equal(np.isnan(got), np.isnan(Xn))
