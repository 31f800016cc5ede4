"""JSON network spec: exact round trips, the shipped schema, hand-written and malformed specs."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from nnconvert import ir, runtime
from nnconvert.errors import InvalidNetwork, ModelLoadError
from nnconvert.exporters.json_spec import dumps, from_json, schema, to_json
from nnconvert.exporters.onnx import run_onnx, to_onnx
from nnconvert.ir.builder import GraphBuilder
from tests.test_exporters import networks

VALIDATOR = jsonschema.Draft202012Validator(schema())


def assert_same_network(a: ir.Network, b: ir.Network) -> None:
    """Node by node: same kinds, names and parameters, arrays bit for bit with the same dtype."""
    assert a.n_features == b.n_features and a.outputs == b.outputs and a.meta == b.meta
    assert len(a.nodes) == len(b.nodes)
    for x, y in zip(a.nodes, b.nodes, strict=True):
        assert type(x) is type(y) and x.name == y.name
        for key, vx in x.params().items():
            vy = getattr(y, key)
            if isinstance(vx, np.ndarray):
                assert vx.dtype == vy.dtype and vx.shape == vy.shape, (x.name, key)
                assert vx.tobytes() == vy.tobytes(), (x.name, key)
            else:
                assert vx == vy and type(vx) is type(vy), (x.name, key)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks())
def test_random_networks_round_trip_exactly(net: ir.Network) -> None:
    spec = to_json(net)
    VALIDATOR.validate(spec)
    text = dumps(net)
    assert json.loads(text) == spec
    back = from_json(text)
    assert_same_network(net, back)
    assert dumps(back) == text  # deterministic and stable
    assert_same_network(net, from_json(copy.deepcopy(spec)))


def _awkward_network() -> ir.Network:
    weights = np.array([[0.1 + 0.2, 5e-324, -0.0], [1.7976931348623157e308, -1e-300, 1 / 3]])
    b = GraphBuilder(2)
    h = b.dense(b.input, weights, [np.pi, -np.e, 2.0**-1074], source={"weight": "coef_.T", "bias": "intercept_"})
    p = b.act(b.act(h, "clip", -1e-7, 1 / 7), "softmax")
    meta = ir.Metadata("tests.Awkward", "classifier", "1.9.1", (True, False), ("f ü", 'q"x'), "a\nb", {"n_iter": 3})
    return b.build({"predict": b.argmax_label(b.dense(p, np.eye(3)[:, :2]), [False, True]), "predict_proba": p}, meta)


def test_extreme_floats_and_metadata_round_trip_bit_exact(tmp_path: Path) -> None:
    net = _awkward_network()
    path = tmp_path / "net.json"
    path.write_text(dumps(net), encoding="utf-8")
    for source in (path, str(path), path.read_text(encoding="utf-8"), to_json(net)):
        assert_same_network(net, from_json(source))
    assert np.signbit(from_json(path).nodes[0].weight[0, 2])  # -0.0 survives


def test_text_is_readable_one_row_per_line() -> None:
    text = dumps(_awkward_network())
    assert '"op": "dense"' in text and '"neurons": 3' in text and '"activation": "clip"' in text
    row = next(line for line in text.splitlines() if "5e-324" in line)
    assert row.strip() == "[0.30000000000000004, 5e-324, -0.0],"
    assert '"source": {"weight": "coef_.T", "bias": "intercept_"}' in text


def test_schema_is_valid_and_rejects_a_wrong_version() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    spec = to_json(_awkward_network())
    spec["version"] = 2
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(spec)


MINIMAL = {
    "format": "nnconvert-network",
    "version": 1,
    "input": {"n_features": 2},
    "nodes": [
        {"name": "score", "op": "dense", "input": "X", "weight": [[2.0], [-1.0]]},
        {"name": "p", "op": "activation", "input": "score", "fn": "sigmoid"},
        {"name": "p1", "op": "squeeze", "input": "p"},
        {
            "name": "label",
            "op": "threshold_label",
            "input": "p1",
            "classes": {"dtype": "str", "values": ["no", "yes"]},
            "threshold": 0.5,
        },
    ],
    "outputs": {"predict": "label", "decision_function": "p1"},
}


def test_hand_written_minimal_spec_loads_and_runs() -> None:
    VALIDATOR.validate(MINIMAL)
    net = from_json(json.dumps(MINIMAL))
    assert net.meta.estimator == "custom" and net.node("score").bias.tolist() == [0.0]
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 1.0]])
    out = runtime.run(net, X)
    np.testing.assert_allclose(out["decision_function"], 1 / (1 + np.exp(-np.array([2.0, -1.0, 0.0]))), rtol=1e-15)
    assert out["predict"].tolist() == ["yes", "no", "no"]  # 0.5 is not > 0.5
    onnx_out = run_onnx(to_onnx(net, dtype="float64"), X)
    assert onnx_out["predict"].tolist() == ["yes", "no", "no"]
    np.testing.assert_allclose(onnx_out["decision_function"], out["decision_function"], rtol=1e-12)


def _edit(path: str, value: Any) -> dict[str, Any]:
    """MINIMAL with the value at a dotted path replaced (``...`` deletes it)."""
    spec = copy.deepcopy(MINIMAL)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = spec
    for p in parents:
        target = target[p]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return spec


BAD = [
    (_edit("format", "onnx"), "not an nnconvert network spec"),
    (_edit("version", 2), "unsupported spec version 2"),
    (_edit("nodes.0.op", "conv2d"), "unknown op 'conv2d'"),
    (_edit("nodes.0.weight", ...), "missing field 'weight'"),
    (_edit("nodes.0.weight", [[2.0], [-1.0, 3.0]]), "ragged"),
    (_edit("nodes.0.weight", [["a"], ["b"]]), "list of numbers"),
    (_edit("nodes.0.weight", [[2.0, 1.0]]), "input width 2, weight expects 1"),
    (_edit("nodes.0.wieght", 1), "unknown field 'wieght'"),
    (_edit("nodes.0.neurons", 4), "'neurons' says 4"),
    (_edit("nodes.0.activation", "relu"), "'activation' says 'relu'"),
    (_edit("nodes.1.fn", "gelu"), "unknown activation 'gelu'"),
    (_edit("nodes.1.fn", 3), "must be a string"),
    (_edit("nodes.3.classes", ["no", "yes"]), '"dtype": ..., "values"'),
    (_edit("nodes.3.classes", {"dtype": "int64", "values": ["no", "yes"]}), "'no' is not int64"),
    (_edit("nodes.3.threshold", "high"), "must be a number"),
    (_edit("nodes.3.name", ...), "needs a 'name'"),
    (_edit("nodes.2.input", "q"), "reads undefined tensors ['q']"),
    (_edit("nodes", {"a": 1}), "'nodes' must be a list"),
    (_edit("outputs.predict", "nope"), "unknown tensor 'nope'"),
    (_edit("outputs", {"fit": "label"}), "'fit' is not one of"),
    (_edit("input.n_features", "2"), "'n_features' must be a positive integer"),
    (_edit("input.n_features", 0), "n_features must be a positive integer"),
    (_edit("input.feature_names", ["a"]), "1 feature_names for 2 features"),
    (_edit("metadata", {"task": 5}), "metadata 'task' must be a string"),
    (_edit("layers", []), "unknown top-level field 'layers'"),
    (_edit("input.n_feature", 2), "unknown input field 'n_feature'"),
    (_edit("metadata", {"estimatr": "x"}), "unknown metadata field 'estimatr'"),
    (_edit("nodes.3.classes", {"dtype": "int64", "values": [0, 2**70]}), "values do not fit int64"),
    ("[1, 2]", "must be a JSON object"),
    ('{"format": ', "is not valid JSON"),
    ([1, 2], "must be a JSON object"),
]


@pytest.mark.parametrize(("spec", "message"), BAD, ids=[m for _, m in BAD])
def test_malformed_specs_raise_invalid_network(spec: Any, message: str) -> None:
    with pytest.raises(InvalidNetwork) as info:
        from_json(spec)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot read network spec"):
        from_json(tmp_path / "absent.json")


def test_every_node_field_is_written() -> None:
    """Generic serialisation: each dataclass field of each node kind appears in its JSON."""
    net = _awkward_network()
    for node, d in zip(net.nodes, to_json(net)["nodes"], strict=True):
        assert {f.name for f in dataclasses.fields(node)} <= set(d)


def test_schema_lists_every_activation_and_metric() -> None:
    """The schema's enums follow ir.py (a new activation needs a line in the schema)."""
    node_rules = {rule["if"]["properties"]["op"]["const"]: rule["then"] for rule in schema()["$defs"]["node"]["allOf"]}
    assert set(node_rules["activation"]["properties"]["fn"]["enum"]) == set(ir.ACTIVATIONS)
    assert set(node_rules["distance"]["properties"]["metric"]["enum"]) == set(ir.DISTANCE_METRICS)
    builtin = {"dense", "activation", "distance", "concat", "normalize", "squeeze", "argmax_label", "threshold_label"}
    assert builtin <= set(node_rules) <= set(ir.NODE_TYPES)


def test_node_kind_defined_outside_ir_round_trips_without_json_changes() -> None:
    from nnconvert.ir.coupling import PairwiseCoupling

    b = GraphBuilder(2)
    r = b.act(b.dense(b.input, [[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]], [0.1, 0.0, -0.1]), "sigmoid")
    p = b.add(PairwiseCoupling, "coupled", input=r, n_classes=3)
    net = b.build({"predict_proba": p}, ir.Metadata("tests.Coupled", "classifier", classes=(0, 1, 2)))
    spec = to_json(net)
    VALIDATOR.validate(spec)
    assert spec["nodes"][-1] == {
        "name": "coupled",
        "op": "pairwise_coupling",
        "neurons": 3,
        "input": "sigmoid",
        "n_classes": 3,
    }
    back = from_json(dumps(net))
    assert_same_network(net, back)
    X = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_array_equal(runtime.run(back, X)["predict_proba"], runtime.run(net, X)["predict_proba"])
    bad = copy.deepcopy(spec)
    bad["nodes"][-1]["n_classes"] = 2.5
    with pytest.raises(InvalidNetwork, match="'n_classes' must be an integer"):
        from_json(bad)
