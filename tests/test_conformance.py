"""The one conformance test: every supported estimator and configuration, through every
backend and dtype, compared with the estimator's own methods on float64 input."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import nnconvert
from nnconvert.check.verify import compare, numpy_runner, onnx_runner, reference_outputs, torch_runner
from nnconvert.converters import registry
from tests.cases import Case, all_cases

CASES = all_cases()
# In float32, at most this share of rows may flip within rounding of a decision boundary.
MAX_BOUNDARY_SHARE = 0.05


@functools.cache
def _network(case: Case):
    est, _ = case.build()
    return nnconvert.convert(case.convert_input(est))


def _runner(net, backend: str, dtype: str):
    if backend == "numpy":
        return numpy_runner(net, dtype)
    if backend == "torch":
        pytest.importorskip("torch", reason="torch is not installed (pip install 'nnconvert[torch]')")
        return torch_runner(net, dtype)
    if backend == "onnx":
        runner, model_dtype = onnx_runner(nnconvert.to_onnx(net, dtype=dtype))
        assert model_dtype == dtype
        return runner
    spec = json.loads(json.dumps(nnconvert.to_json(net)))
    return numpy_runner(nnconvert.from_json(spec), dtype)


@pytest.mark.parametrize("backend", ["numpy", "onnx", "json", "torch"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_equivalent(case: Case, dtype: str, backend: str) -> None:
    est, X = case.build()
    net = _network(case)
    result = compare(
        lambda rows: reference_outputs(est, rows), _runner(net, backend, dtype), [X], dtype=dtype, network=net
    )
    assert result.equivalent, f"{case} [{backend}, {dtype}]\n{result.format_text()}"
    assert set(result.outputs) == set(reference_outputs(est, X[:2])), "outputs differ from the estimator's methods"
    for rep in result.outputs.values():
        if dtype == "float64":
            assert rep.n_boundary == 0
        assert rep.n_boundary <= MAX_BOUNDARY_SHARE * len(X), f"{rep.name}: {rep.n_boundary} boundary flips"


def _estimator_classes(obj) -> set[type]:
    found = {type(obj)}
    if isinstance(obj, BaseEstimator):
        for value in obj.get_params(deep=True).values():
            if isinstance(value, BaseEstimator):
                found |= _estimator_classes(value)
        for _, step in getattr(obj, "steps", []):
            found |= _estimator_classes(step)
    return found


def test_every_registered_estimator_has_a_case() -> None:
    covered: set[type] = set()
    for case in CASES:
        est, _ = case.build()
        covered |= _estimator_classes(est) | _estimator_classes(case.convert_input(est))
    missing = [e.path for e in registry.entries() if registry.resolve(e.path) not in covered]
    assert not missing, f"registered estimators without a conformance case: {missing}"


def test_float32_flips_are_only_near_the_boundary() -> None:
    """A network whose weights are perturbed beyond rounding must fail in float32 too."""
    case = next(c for c in CASES if c.id.startswith("LogisticRegression-3cls"))
    est, X = case.build()
    net = _network(case)
    dense = next(n for n in net.nodes if isinstance(n, nnconvert.ir.Dense))
    bad = net.replace(
        nodes=tuple(
            n
            if n is not dense
            else type(n)(name=n.name, input=n.input, weight=n.weight * 1.05, bias=n.bias, source=n.source)
            for n in net.nodes
        )
    )
    result = compare(
        lambda rows: reference_outputs(est, rows), numpy_runner(bad, "float32"), [X], dtype="float32", network=bad
    )
    assert not result.equivalent
    assert np.isfinite(result.outputs["predict_proba"].max_abs_err)
