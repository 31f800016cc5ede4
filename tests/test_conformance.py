"""The one conformance test: every supported estimator and configuration, through every
backend and dtype, compared with the estimator's own methods on float64 input."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import numpy as np
import onnx
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
    return nnconvert.convert(case.convert_input(est), tree_form=case.tree_form)


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


def _reference_evaluator(model) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """onnx's own Python runtime (``onnx.reference.ReferenceEvaluator``) as a runner: a second
    backend, independent of onnxruntime, for the file ``convert`` writes by default."""
    from onnx.reference import ReferenceEvaluator

    session = ReferenceEvaluator(model)
    names = [o.name for o in model.graph.output]
    dtype = np.float32 if model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT else np.float64

    def run(X: np.ndarray) -> dict[str, np.ndarray]:
        with np.errstate(all="ignore"):  # IEEE results (exp overflows, 1/0 masked later), as in onnxruntime
            return dict(zip(names, session.run(None, {"X": np.asarray(X, dtype=dtype)}), strict=True))

    return run


@pytest.mark.parametrize("case", CASES, ids=str)
def test_default_file_in_onnx_reference_evaluator(case: Case) -> None:
    """The default file (float32, lowest opset, IR version it needs) loads and agrees in
    ``onnx.reference.ReferenceEvaluator`` too, on every evaluation row."""
    est, X = case.build()
    net = _network(case)
    model = onnx.load_from_string(nnconvert.to_onnx(net).SerializeToString())
    assert model.opset_import[0].version == 13 and model.ir_version == 7
    result = compare(
        lambda rows: reference_outputs(est, rows), _reference_evaluator(model), [X], dtype="float32", network=net
    )
    assert result.equivalent, f"{case} [ReferenceEvaluator, float32]\n{result.format_text()}"


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
