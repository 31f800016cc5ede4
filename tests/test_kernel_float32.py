"""float32 kernel layers on data far from the origin: the RBF distance is measured from the
support vectors' mean, so float32 graphs keep the accuracy of a direct float32 evaluation.

``|x - s|^2 = |x|^2 - 2 x.s + |s|^2`` cancels in proportion to ``|x|^2 / |x - s|^2``: on
features offset by 100, float32 decision values of the expanded form are ~4% off while a
direct ``exp(-gamma sum((x32 - s32)^2))`` is ~4e-5 off. Centring both on a common point is
exact in real arithmetic and removes the cancellation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.svm import NuSVC

import nnconvert
from nnconvert import ir
from nnconvert.check.selfcheck_rows import _centre_rows
from nnconvert.exporters.onnx import run_onnx


@pytest.fixture(scope="module")
def ill_conditioned() -> tuple[NuSVC, np.ndarray]:
    """A NuSVC on poorly scaled data (offset 100, unit spread) with large dual coefficients."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) + 100.0
    y = (np.sin(3 * (X[:, 0] - 100)) + (X[:, 1] - 100) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NuSVC(nu=0.05, gamma=1.0).fit(X, y)
    return est, rng.normal(size=(500, 4)) + 100.0


def _rel_err(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(got.astype(np.float64) - ref)) / np.max(np.abs(ref)))


def _direct_float32(est: NuSVC, X: np.ndarray) -> np.ndarray:
    """The same decision function evaluated directly in float32 numpy (differences, no expansion)."""
    x32, s32, gamma = X.astype(np.float32), est.support_vectors_.astype(np.float32), np.float32(est._gamma)
    K = np.exp(-gamma * ((x32[:, None, :] - s32[None, :, :]) ** 2).sum(axis=2))
    return K @ est.dual_coef_[0].astype(np.float32) + est.intercept_.astype(np.float32)


def test_the_model_is_ill_conditioned(ill_conditioned: tuple[NuSVC, np.ndarray]) -> None:
    """The trap the kernel layer avoids: the expanded form about the origin, in float32."""
    est, X = ill_conditioned
    assert np.abs(est.dual_coef_).max() > 10
    x, s, gamma = X.astype(np.float32), est.support_vectors_.astype(np.float32), np.float32(est._gamma)
    d2 = np.maximum((x * x).sum(1, keepdims=True) - 2 * x @ s.T + (s * s).sum(1), 0)
    expanded = np.exp(-gamma * d2) @ est.dual_coef_[0].astype(np.float32) + est.intercept_.astype(np.float32)
    assert _rel_err(expanded, est.decision_function(X)) > 1e-2


@pytest.mark.parametrize("backend", ["numpy", "onnxruntime"])
def test_float32_rbf_is_as_accurate_as_a_direct_evaluation(
    ill_conditioned: tuple[NuSVC, np.ndarray], backend: str
) -> None:
    est, X = ill_conditioned
    ref = est.decision_function(X)
    net = nnconvert.convert(est)
    if backend == "numpy":
        got = nnconvert.run(net, X, np.float32)["decision_function"]
    else:
        got = run_onnx(nnconvert.to_onnx(net, dtype="float32"), X)["decision_function"]
    direct = _rel_err(_direct_float32(est, X), ref)
    assert _rel_err(got, ref) <= 2 * direct, (_rel_err(got, ref), direct)
    np.testing.assert_array_equal(nnconvert.run(net, X, np.float32)["predict"], est.predict(X))


def test_centring_is_a_translation_kept_apart(ill_conditioned: tuple[NuSVC, np.ndarray]) -> None:
    """``x - m`` stays its own layer after simplification (folding it would bring back
    ``x W - m W``), and self-check rows are still placed at the support vectors."""
    est, _ = ill_conditioned
    net = nnconvert.convert(est)
    shift = next(n for n in net.nodes if isinstance(n, ir.Dense) and n.input == ir.INPUT)
    assert shift.is_translation
    np.testing.assert_allclose(-shift.bias, est.support_vectors_.mean(axis=0), rtol=1e-7)
    rows = _centre_rows(net, 8, np.random.default_rng(0))
    nearest = np.min(np.linalg.norm(rows[:, None, :] - est.support_vectors_[None], axis=2), axis=1)
    assert len(rows) == 8 and nearest.max() < 0.1
