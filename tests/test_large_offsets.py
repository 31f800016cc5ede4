"""Scalers on features far from zero (|mean / std| ~ 1e8), in float64.

scikit-learn computes ``(x - mean) / scale``; a network that folds the centring into the next
layer computes ``x W - mean W`` instead, which cancels catastrophically here. Float32 cannot
even represent such inputs to within their spread, so these checks are float64 only (the
shared conformance test covers float32 on ordinary data)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler, StandardScaler
from sklearn.svm import SVC

import nnconvert
from nnconvert.check.verify import compare, numpy_runner, onnx_runner, reference_outputs

OFFSET = np.array([1e8, -3e7, 5.0, 2e6])
SPREAD = np.array([1.0, 3.0, 0.5, 0.1])


def _data(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(200, 4)) * SPREAD + OFFSET


def _models():
    X = _data(0)
    y = ((X - OFFSET) / SPREAD @ [1.0, -1.0, 0.5, 0.2] > 0).astype(int)
    return {
        "scalers": make_pipeline(StandardScaler(), RobustScaler()).fit(X),
        "logistic": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "ridge": make_pipeline(RobustScaler(), Ridge()).fit(X, y * 3.0),
        "svc": make_pipeline(StandardScaler(), SVC()).fit(X, y),
    }


MODELS = _models()


@pytest.mark.parametrize("backend", ["numpy", "onnx", "json"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_large_offsets_exact_in_float64(name: str, backend: str) -> None:
    est, X = MODELS[name], _data(1)
    net = nnconvert.convert(est)
    if backend == "numpy":
        runner = numpy_runner(net, "float64")
    elif backend == "onnx":
        runner = onnx_runner(nnconvert.to_onnx(net, dtype="float64"))[0]
    else:
        runner = numpy_runner(nnconvert.from_json(json.loads(json.dumps(nnconvert.to_json(net)))), "float64")
    result = compare(lambda rows: reference_outputs(est, rows), runner, [X], dtype="float64", network=net)
    assert result.equivalent, result.format_text()


def test_centring_is_not_folded_but_scaling_is() -> None:
    net = nnconvert.convert(MODELS["logistic"])
    dense = [n for n in net.nodes if isinstance(n, nnconvert.ir.Dense)]
    # x - mean_, then one layer holding 1 / scale_ and coef_ (then the [1 - p, p] head)
    assert [d.is_translation for d in dense] == [True, False, False]
    assert dense[1].source["weight"] == "1 / scale_ then coef_.T"
    np.testing.assert_array_equal(dense[0].bias, -MODELS["logistic"][0].mean_)
