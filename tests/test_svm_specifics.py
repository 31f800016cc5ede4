"""SVM behaviour the conformance suite does not pin down by itself: constructed vote ties,
exact-zero decisions, libsvm's coupling for k = 2, refused kernels, float32 near support vectors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import svm
from sklearn.calibration import CalibratedClassifierCV
from sklearn.kernel_ridge import KernelRidge

import nnconvert
from nnconvert.errors import UnsupportedModel
from nnconvert.exporters.onnx import run_onnx
from nnconvert.ir.coupling import pairwise_coupling
from tests.cases import blobs
from tests.cases.svm import near_support_vectors


def _three_class_tie_model() -> tuple[svm.SVC, np.ndarray]:
    """Three classes on a triangle; a grid around its centre holds 1-1-1 vote cycles."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 2.0], [-1.8, -1.0], [1.8, -1.0]])
    y = np.repeat([0, 1, 2], 40)
    X = centres[y] + rng.normal(scale=1.3, size=(120, 2))
    est = svm.SVC(kernel="rbf", gamma=0.7, C=3.0, decision_function_shape="ovo").fit(X, np.array([40, 7, 11])[y])
    g = np.linspace(-2.5, 2.5, 121)
    grid = np.array([[a, b] for a in g for b in g])
    return est, grid


def test_three_way_vote_ties_go_to_the_lowest_class() -> None:
    est, grid = _three_class_tie_model()
    dec = est.decision_function(grid)  # pairs (0,1), (0,2), (1,2)
    votes = np.stack(
        [(dec[:, 0] > 0) + (dec[:, 1] > 0), (dec[:, 0] <= 0) + (dec[:, 2] > 0), (dec[:, 1] <= 0) + (dec[:, 2] <= 0)],
        axis=1,
    )
    ties = (votes == 1).all(axis=1)
    assert ties.sum() >= 5, "the grid must contain 1-1-1 vote cycles"
    assert (est.predict(grid[ties]) == est.classes_[0]).all()
    net = nnconvert.convert(est)
    for out in (nnconvert.run(net, grid[ties]), run_onnx(nnconvert.to_onnx(net, dtype="float64"), grid[ties])):
        np.testing.assert_array_equal(out["predict"], est.predict(grid[ties]))
    # with 'ovr' and break_ties the confidences decide instead
    est.set_params(decision_function_shape="ovr", break_ties=True)
    out = nnconvert.run(nnconvert.convert(est), grid[ties])
    np.testing.assert_array_equal(out["predict"], est.predict(grid[ties]))
    assert len(set(est.predict(grid[ties]))) > 1


def test_exact_zero_binary_decision_predicts_the_second_class() -> None:
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [2.0, 1.0]])
    est = svm.SVC(kernel="linear").fit(X, ["a", "b", "a", "b"])
    rows = np.array([[0.0, 5.0], [0.0, -3.0]])
    assert (est.decision_function(rows) == 0).all() and (est.predict(rows) == "b").all()
    net = nnconvert.convert(est)
    np.testing.assert_array_equal(nnconvert.run(net, rows)["predict"], ["b", "b"])
    np.testing.assert_array_equal(run_onnx(nnconvert.to_onnx(net, dtype="float32"), rows)["predict"], ["b", "b"])


def test_binary_probabilities_are_coupled_not_plain_platt() -> None:
    X, y, X_eval = blobs(2, n_samples=150, seed=3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
        est = svm.SVC(probability=True, random_state=0).fit(X, y)
    ref = est.predict_proba(X_eval)
    dec = est.decision_function(X_eval)
    A, B = est._probA[0], est._probB[0]
    platt = 1 / (1 + np.exp(-(A * dec) + B))  # libsvm's dec is -decision_function
    assert np.abs(platt - ref[:, 0]).max() > 1e-5, "coupling must differ from the bare sigmoid"
    net = nnconvert.convert(est)
    np.testing.assert_allclose(nnconvert.run(net, X_eval)["predict_proba"], ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        run_onnx(nnconvert.to_onnx(net, dtype="float64"), X_eval)["predict_proba"], ref, rtol=1e-12, atol=1e-14
    )


def test_coupling_stops_row_by_row() -> None:
    """Rows need different sweep counts: a fixed unroll would be wrong for some of them."""
    rng = np.random.default_rng(1)
    r = np.clip(rng.uniform(0, 1, size=(200, 6)), 1e-7, 1 - 1e-7)  # k = 4
    p = pairwise_coupling(r, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    # one row at a time gives the same answer as the batch
    for i in (0, 17, 199):
        np.testing.assert_array_equal(pairwise_coupling(r[i : i + 1], 4)[0], p[i])


@pytest.mark.parametrize(
    "est",
    [
        svm.SVC(kernel="precomputed"),
        svm.SVR(kernel=lambda a, b: a @ b.T),
        KernelRidge(kernel="chi2", gamma=1.0),
    ],
    ids=["precomputed", "callable", "chi2"],
)
def test_unsupported_kernels_are_refused(est) -> None:
    rng = np.random.default_rng(0)
    X = np.abs(rng.normal(size=(30, 3)))
    y = np.arange(30) % 2
    est.fit(X @ X.T if est.kernel == "precomputed" else X, y)
    # (a callable-kernel model records no n_features_in_: the registry refuses it first)
    with pytest.raises(UnsupportedModel, match=r"kernel|features"):
        nnconvert.convert(est)


def test_temperature_calibration_is_refused() -> None:
    X, y, _ = blobs(2, n_samples=90, seed=2)
    est = CalibratedClassifierCV(svm.LinearSVC(), method="temperature", cv=3).fit(X, y)
    with pytest.raises(UnsupportedModel, match="temperature"):
        nnconvert.convert(est)


def test_break_ties_with_ovo_is_refused() -> None:
    X, y, _ = blobs(3, n_samples=90, seed=2)
    est = svm.SVC(break_ties=True, decision_function_shape="ovo").fit(X, y)
    with pytest.raises(UnsupportedModel, match="break_ties"):
        nnconvert.convert(est)


@pytest.mark.parametrize("gamma", [0.1, 2.0])
def test_float32_labels_near_support_vectors(gamma: float) -> None:
    """RBF through |x|^2 - 2 x.s + |s|^2 in float32, on rows 1e-6 from support vectors."""
    X, y, X_eval = blobs(4, n_samples=200, seed=4)
    est = svm.SVC(gamma=gamma, C=10.0).fit(X * 10, y)
    rows = near_support_vectors(est, X_eval * 10, n=200)
    net = nnconvert.convert(est)
    got = run_onnx(nnconvert.to_onnx(net, dtype="float32"), rows)
    agree = (got["predict"] == est.predict(rows)).mean()
    assert agree >= 0.99, f"float32 label agreement {agree:.4f}"
