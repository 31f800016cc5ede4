"""The one conformance test: every supported estimator and configuration, through every
backend and dtype, compared with the estimator's own methods on float64 input.

A case whose rows are a pandas DataFrame calls the estimator on the DataFrame and feeds every
backend by column name (numpy, onnxruntime, the JSON round trip, torch through ``encode``, the
ReferenceEvaluator); the float32 boundary analysis runs on the internal ``X`` (string codes are
exact integers)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import numpy as np
import onnx
import pytest
from sklearn.base import BaseEstimator

import nnconvert
from nnconvert.check.verify import (
    Comparison,
    boundary_rows,
    compare,
    label_outputs,
    numpy_runner,
    onnx_runner,
    reference_outputs,
    tolerance_for,
    torch_runner,
)
from nnconvert.converters import registry
from nnconvert.runtime.columns import column_feeds, encode_columns, is_columns
from tests.cases import Case, all_cases

CASES = all_cases()
# In float32, at most this share of rows may flip within rounding of a decision boundary.
MAX_BOUNDARY_SHARE = 0.05


@functools.cache
def _network(case: Case):
    est, _ = case.build()
    return nnconvert.convert(case.convert_input(est), tree_form=case.tree_form, inputs=case.inputs)


def _internal(net, rows) -> np.ndarray:
    """The internal ``X`` of evaluation rows: a DataFrame encoded by column name (or, for a
    matrix network, its columns in the model's order)."""
    if not is_columns(rows):
        return rows
    if net.inputs:
        return encode_columns(net, rows)
    return rows[list(net.meta.feature_names)].to_numpy(dtype=np.float64)


def _own_columns(net, rows):
    """Rows as the estimator takes them: a DataFrame with the fit's columns in the fit's order."""
    return rows[list(net.meta.feature_names)] if is_columns(rows) else rows


def _compare(est, net, rows, runner, dtype: str):
    """``runner`` against the estimator on ``rows``. A DataFrame goes to the runner as it is (by
    column name; as its matrix for a matrix network) and to the estimator with its own columns
    in its own order (scikit-learn wants the fit's order)."""
    if not is_columns(rows):
        return compare(lambda r: reference_outputs(est, r), runner, [rows], dtype=dtype, network=net)
    X = _internal(net, rows)
    tol = tolerance_for(dtype, net)  # as verify takes it (XGBoost: float32's in both dtypes)
    cmp = Comparison(dtype, rtol=tol.rtol, atol=tol.atol, labels=label_outputs(net))
    got = runner(rows if net.inputs else X)
    ref = reference_outputs(est, _own_columns(net, rows))
    cmp.update(ref, got, boundary_rows(net, X) if dtype == "float32" else None)
    return cmp


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
    result = _compare(est, net, X, _runner(net, backend, dtype), dtype)
    assert result.equivalent, f"{case} [{backend}, {dtype}]\n{result.format_text()}"
    assert set(result.outputs) == set(reference_outputs(est, _own_columns(net, X)[:2])), "outputs differ"
    for rep in result.outputs.values():
        if dtype == "float64":
            assert rep.n_boundary == 0
        assert rep.n_boundary <= MAX_BOUNDARY_SHARE * len(X), f"{rep.name}: {rep.n_boundary} boundary flips"


def _reference_evaluator(model) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """onnx's own Python runtime (``onnx.reference.ReferenceEvaluator``) as a runner: a second
    backend, independent of onnxruntime, for the file ``convert`` writes by default (with the spec's
    ``GatherElements``: :mod:`tests.onnx_reference`)."""
    from nnconvert.exporters.onnx import read_metadata
    from tests.onnx_reference import reference_evaluator

    session = reference_evaluator(model)
    names = [o.name for o in model.graph.output]
    types = {i.type.tensor_type.elem_type for i in model.graph.input}
    dtype = np.float64 if onnx.TensorProto.DOUBLE in types else np.float32
    inputs = read_metadata(model).get("inputs")

    def run(X) -> dict[str, np.ndarray]:
        with np.errstate(all="ignore"):  # IEEE results (exp overflows, 1/0 masked later), as in onnxruntime
            feeds = column_feeds(inputs, X, dtype) if inputs else {"X": np.asarray(X, dtype=dtype)}  # by column name
            return dict(zip(names, session.run(None, feeds), strict=True))

    return run


@pytest.mark.parametrize("case", CASES, ids=str)
def test_default_file_in_onnx_reference_evaluator(case: Case) -> None:
    """The default file (float32, lowest opset, IR version it needs) loads and agrees in
    ``onnx.reference.ReferenceEvaluator`` too, on every evaluation row."""
    est, X = case.build()
    net = _network(case)
    model = onnx.load_from_string(nnconvert.to_onnx(net).SerializeToString())
    assert model.opset_import[0].version == 13 and model.ir_version == 7
    result = _compare(est, net, X, _reference_evaluator(model), "float32")
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
