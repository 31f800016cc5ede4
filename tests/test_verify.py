"""verify.Comparison on non-finite outputs: an infinite reference must not widen the tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPRegressor

import nnconvert
from nnconvert.check.verify import Comparison, compare, numpy_runner, reference_outputs


@pytest.mark.parametrize(
    ("ref", "got", "equivalent"),
    [
        (np.inf, np.inf, True),
        (-np.inf, -np.inf, True),
        (np.nan, np.nan, True),
        (np.inf, 1e300, False),
        (np.inf, np.nan, False),
        (-np.inf, np.inf, False),
        (1.0, np.inf, False),
        (1.0, np.nan, False),
    ],
)
def test_non_finite_values_agree_only_when_equal(ref: float, got: float, equivalent: bool) -> None:
    cmp = Comparison("float64")
    cmp.update({"predict": np.array([1.0, ref])}, {"predict": np.array([1.0, got])})
    assert cmp.equivalent is equivalent
    assert cmp.outputs["predict"].n_mismatch == (0 if equivalent else 1)


def test_overflowing_poisson_mlp_agrees_and_a_finite_stand_in_does_not() -> None:
    """MLPRegressor(loss='poisson') ends in exp: huge inputs overflow to inf in scikit-learn and in
    the network alike; a runner that returns a finite value there is a real disagreement."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    est = MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=300, random_state=0)
    est.fit(X, np.exp(X[:, 0] / 3))
    net = nnconvert.convert(est)
    w = est.coefs_[-1][:, 0] @ est.coefs_[-2].T  # a likely growth direction; the overflow is checked below
    X_eval = np.vstack([X[:5], 1e6 * np.sign(w)[None, :] * np.ones((1, 3))])
    with np.errstate(over="ignore"):
        ref = reference_outputs(est, X_eval)
        if np.isfinite(ref["predict"][-1]):
            pytest.fail("the test row must overflow the estimator's exp")
        ok = compare(lambda Z: reference_outputs(est, Z), numpy_runner(net), [X_eval], dtype="float64")
        capped = compare(
            lambda Z: reference_outputs(est, Z),
            lambda Z: {"predict": np.minimum(numpy_runner(net)(Z)["predict"], 1e300)},
            [X_eval],
            dtype="float64",
        )
    assert ok.equivalent, ok.format_text()
    assert not capped.equivalent


def test_boundary_rows_in_pieces_equal_one_piece(monkeypatch) -> None:
    """boundary_rows cuts large inputs so its traces stay bounded; the answer must not change."""
    import nnconvert
    from nnconvert.check import verify
    from tests.cases import all_cases

    case = next(c for c in all_cases() if c.id.startswith("LinearSVC-2cls"))
    est, X = case.build()
    w, b = est.coef_[0], est.intercept_[0]
    on_plane = X[:20] - ((X[:20] @ w + b) / (w @ w))[:, None] * w  # w.x + b = 0 up to rounding
    X = np.vstack([X, on_plane])
    net = nnconvert.convert(est)
    whole = verify.boundary_rows(net, X)
    assert whole[-20:].all() and not whole[:-20].all()
    monkeypatch.setattr(verify, "TRACE_BUDGET", 12 * 20 * 7)  # a few rows per piece
    assert np.array_equal(verify.boundary_rows(net, X), whole)
