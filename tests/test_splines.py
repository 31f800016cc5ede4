"""SplineTransformer networks beyond the conformance cases: the JSON spec of every
extrapolation mode validates against the schema and round-trips bit for bit, ``error`` gives NaN
where sklearn raises, a loaded file's B-splines are validated before use, and the configurations
without a network are refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import BSpline
from sklearn.preprocessing import SplineTransformer

import nnconvert
from nnconvert import ir
from nnconvert.errors import InvalidNetwork, UnsupportedModel
from nnconvert.exporters.json_spec import from_json, to_json
from tests.test_json_spec import VALIDATOR, assert_same_network

X = np.random.default_rng(3).normal(size=(80, 2)) * np.array([1.0, 3.0])


@pytest.mark.parametrize("mode", ["error", "constant", "linear", "continue", "periodic"])
def test_spec_validates_and_round_trips(mode: str) -> None:
    est = SplineTransformer(degree=3, n_knots=5, extrapolation=mode, handle_missing="zeros").fit(X)
    net = nnconvert.convert(est)
    spec = to_json(net)
    VALIDATOR.validate(spec)
    back = from_json(spec)
    assert_same_network(net, back)
    rows = X if mode == "error" else np.vstack([X, X * 5])
    np.testing.assert_array_equal(nnconvert.run(back, rows)["transform"], nnconvert.run(net, rows)["transform"])


def test_error_mode_gives_nan_where_sklearn_raises() -> None:
    est = SplineTransformer(degree=2, n_knots=4, extrapolation="error").fit(X)
    rows = np.array([[0.0, 0.0], [X[:, 0].max() + 1.0, 0.0]])
    with pytest.raises(ValueError, match="beyond the limits"):
        est.transform(rows)
    got = nnconvert.run(nnconvert.convert(est), rows)["transform"]
    np.testing.assert_allclose(got[0], est.transform(rows[:1])[0], rtol=1e-12, atol=1e-15)
    n = est.bsplines_[0].c.shape[1]
    assert np.isnan(got[1, :n]).all() and not np.isnan(got[1, n:]).any()


def test_a_nan_input_stays_nan_unless_handle_missing_zeros() -> None:
    rows = np.array([[np.nan, 0.5]])
    for missing, expect_nan in (("error", True), ("zeros", False)):
        est = SplineTransformer(extrapolation="continue", handle_missing=missing).fit(X)
        got = nnconvert.run(nnconvert.convert(est), rows)["transform"]
        n = est.bsplines_[0].c.shape[1]
        assert np.isnan(got[0, :n]).all() == expect_nan
        if not expect_nan:
            np.testing.assert_allclose(got, est.transform(rows), rtol=1e-12, atol=1e-15)


def _broken(change) -> SplineTransformer:
    est = SplineTransformer(degree=2, n_knots=4).fit(X)
    spl = est.bsplines_[0]
    est.bsplines_[0] = change(spl)
    return est


@pytest.mark.parametrize(
    ("est", "match"),
    [
        (SplineTransformer(sparse_output=True).fit(X), "sparse_output"),
        (SplineTransformer(degree=1, n_knots=3, extrapolation="linear").fit(X), "empty range"),
        (_broken(lambda s: BSpline.construct_fast(s.t, s.c, s.k - 1)), "degree k=1"),
        (_broken(lambda s: BSpline.construct_fast(np.r_[s.t, s.t[-1] + 1], s.c, s.k)), "do not fit"),
        (_broken(lambda s: BSpline.construct_fast(s.t[::-1].copy(), s.c, s.k)), "sorted"),
        (_broken(lambda s: "not a spline"), "not a B-spline"),
    ],
    ids=["sparse", "linear-quirk", "degree", "shape", "unsorted", "object"],
)
def test_refused_in_one_line(est: SplineTransformer, match: str) -> None:
    with pytest.raises(UnsupportedModel, match=match) as info:
        nnconvert.convert(est)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"breaks": [[0.0, 0.0]]}, "strictly increasing"),
        ({"coefs": [[[1.0], [2.0]]]}, "must be"),
        ({"extrapolation": "affine"}, "below is given exactly"),
        ({"extrapolation": "wrap"}, "extrapolation"),
        ({"columns": [0, 1]}, "must be"),
    ],
)
def test_node_validation(fields: dict, match: str) -> None:
    kw = {"input": "X", "columns": np.array([0]), "breaks": [[0.0, 1.0]], "coefs": [[[1.0, 2.0]]]}
    kw.update({k: np.array(v) if k == "columns" else v for k, v in fields.items()})
    with pytest.raises(InvalidNetwork, match=match):
        ir.PiecewisePoly(name="s", **kw)
