"""ONNX exporter on random networks: onnxruntime must agree with the numpy runtime.

Networks come from a hypothesis strategy (also used by test_json_spec.py) that chains every
node kind, every activation and every distance metric; weights come from a drawn seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnconvert import ir, runtime
from nnconvert.errors import DataError, InvalidNetwork
from nnconvert.exporters import onnx as onnx_exporter
from nnconvert.exporters.onnx import read_metadata, run_onnx, to_onnx
from nnconvert.ir.builder import GraphBuilder

CLASSES = {
    "int": lambda k: np.array([3, 7, 11, 40, -2][:k]),
    "str": lambda k: np.array(["ant", "bee", "cat", "dog", "eel"][:k]),
    "float": lambda k: np.array([0.5, -1.25, 2.0, 1e10, 3.0][:k]),
    "bool": lambda k: np.array([False, True][:k]),
}
LABEL_ELEM = {"i": onnx.TensorProto.INT64, "U": onnx.TensorProto.STRING, "f": onnx.TensorProto.DOUBLE}
LABEL_ELEM["b"] = onnx.TensorProto.BOOL


def _positive(b: GraphBuilder, x: str) -> str:
    """x*x + 1 >= 1: a safe input for log, sqrt, reciprocal and normalize."""
    return b.scale(b.act(x, "square"), 1.0, 1.0, hint="plus_one")


def _bounded(b: GraphBuilder, x: str) -> str:
    return b.act(x, "tanh")


@st.composite
def networks(draw: st.DrawFn, label_kinds: tuple[str, ...] = tuple(CLASSES)) -> ir.Network:
    """A random valid network touching dense, activation, distance, concat, normalize, squeeze
    and label nodes (inputs of log/sqrt/reciprocal/normalize kept positive, of exp bounded)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    b = GraphBuilder(draw(st.integers(1, 5), label="n_features"))
    pool = [b.input]
    for _ in range(draw(st.integers(1, 6), label="depth")):
        x = draw(st.sampled_from(pool))
        kind = draw(st.sampled_from(["dense", "activation", "distance", "concat", "normalize"]))
        width = b.width(x)
        if kind == "dense":
            k = draw(st.integers(1, 5))
            y = b.dense(x, rng.normal(size=(width, k)), rng.normal(size=k), source={"weight": "w"})
        elif kind == "activation":
            fn = draw(st.sampled_from(sorted(ir.ACTIVATIONS)))
            if fn in ("log", "sqrt", "reciprocal"):
                y = b.act(_positive(b, x), fn)
            elif fn in ("exp", "power", "square"):
                y = b.act(_bounded(b, x), fn, *([draw(st.integers(1, 4))] if fn == "power" else []))
            elif fn == "clip":
                lo = float(rng.normal())
                y = b.act(x, fn, lo, lo + abs(float(rng.normal())))
            else:
                y = b.act(x, fn)
        elif kind == "distance":
            metric = draw(st.sampled_from(sorted(ir.DISTANCE_METRICS)))
            y = b.distance(x, rng.normal(size=(draw(st.integers(1, 4)), width)), metric)
        elif kind == "concat":
            y = b.concat(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=3)))
        else:
            zero_to_uniform = draw(st.booleans())
            src = b.act(x, "relu") if zero_to_uniform else _positive(b, x)
            y = b.normalize(src, zero_to_uniform=zero_to_uniform)
        pool.append(y)
    last = pool[-1] if len(pool) > 1 else b.dense(b.input, rng.normal(size=(b.n_features, 2)))
    outputs = {"transform": last}
    scores = b.dense(last, rng.normal(size=(b.width(last), 1)), rng.normal(size=1))
    outputs["decision_function"] = b.squeeze(scores)
    kind = draw(st.sampled_from(label_kinds))
    if kind != "bool" and draw(st.booleans()):
        k = draw(st.integers(2, 5))
        logits = b.dense(last, rng.normal(size=(b.width(last), k)))
        tie_maker = draw(st.sampled_from([None, "relu", "step_ge"]))  # exact ties: first index wins
        logits = logits if tie_maker is None else b.act(logits, tie_maker)
        outputs["predict"] = b.argmax_label(logits, CLASSES[kind](k))
    else:
        x = draw(st.sampled_from([scores, outputs["decision_function"], "relu"]))
        # relu scores against threshold 0 put rows exactly on the threshold (strict matters)
        threshold = 0.0 if x == "relu" else float(rng.normal()) * 0.1
        x = b.act(scores, "relu") if x == "relu" else x
        outputs["predict"] = b.threshold_label(x, CLASSES[kind](2), threshold, strict=draw(st.booleans()))
    if draw(st.booleans()):
        outputs["predict_proba"] = b.act(b.dense(last, rng.normal(size=(b.width(last), 3))), "softmax")
    meta = ir.Metadata("tests.Random", "classifier", "1.9.1", tuple(CLASSES[kind](2).tolist()), description="random")
    return b.build(outputs, meta)


@dataclass
class Tol:
    rtol: float

    def close(self, got: np.ndarray, ref: np.ndarray, what: str) -> None:
        scale = max(1.0, float(np.abs(ref).max())) if ref.size else 1.0
        np.testing.assert_allclose(got, ref, rtol=self.rtol, atol=self.rtol * scale, err_msg=what)


def _ambiguous(net: ir.Network, tensor: str, trace: dict[str, np.ndarray], tol: float) -> np.ndarray:
    """Rows where a label is decided by a near-tie (0 < margin <= tol): exact ties are not
    ambiguous, both runtimes must apply the same rule (first index wins; strict or not)."""
    node = net.node(tensor)
    scores = trace[node.inputs[0]]
    scale = max(1.0, float(np.abs(scores).max())) if scores.size else 1.0
    if isinstance(node, ir.ArgMaxLabel):
        top2 = np.sort(scores, axis=1)[:, -2:]
        gap = top2[:, 1] - top2[:, 0] if scores.shape[1] > 1 else np.full(len(scores), np.inf)
        return (gap > 0) & (gap <= tol * scale)
    margin = np.abs(scores - scores.dtype.type(node.threshold))
    return (margin > 0) & (margin <= tol * scale)


def check_onnx_matches(net: ir.Network, X: np.ndarray, dtype: str, opset: int | None = None) -> onnx.ModelProto:
    model = to_onnx(net, dtype=dtype, opset=opset)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, strict_mode=True)
    assert {op.domain for op in model.opset_import} == {""}
    assert {node.domain for node in model.graph.node} <= {"", "ai.onnx"}
    assert [o.name for o in model.graph.output] == list(net.outputs)
    elem = onnx.TensorProto.FLOAT if dtype == "float32" else onnx.TensorProto.DOUBLE
    assert model.graph.input[0].type.tensor_type.elem_type == elem
    floats = [t for t in model.graph.initializer if t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)]
    # Labels, and constants of steps that compute in float64 on purpose (named *.f64), may differ.
    mixed = [t for t in floats if t.name.endswith(".classes") or ".f64" in t.name]
    assert all(t.data_type == elem for t in floats if t not in mixed), "weights in one dtype"
    tol = Tol(1e-9 if dtype == "float64" else 1e-4)
    got = run_onnx(model, X, threads=1)
    trace = runtime.run(net, X, dtype, trace=True)
    for out in model.graph.output:
        method, info = out.name, net.info(net.outputs[out.name])
        ref = trace[method]
        assert got[method].shape == ref.shape, method
        dims = [d.dim_value or d.dim_param for d in out.type.tensor_type.shape.dim]
        assert dims == (["N"] if info.width is None else ["N", info.width])
        if info.kind == "float":
            assert got[method].dtype == np.dtype(dtype)
            assert out.type.tensor_type.elem_type == (
                onnx.TensorProto.FLOAT if dtype == "float32" else onnx.TensorProto.DOUBLE
            )
            tol.close(got[method], ref, method)
        else:
            assert out.type.tensor_type.elem_type == LABEL_ELEM[info.classes.dtype.kind]
            assert got[method].dtype.kind == ref.dtype.kind
            differ = got[method] != ref
            assert not (differ & ~_ambiguous(net, net.outputs[method], trace, tol.rtol)).any(), method
    return model


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks(), n_rows=st.sampled_from([0, 1, 2, 7, 30]), seed=st.integers(0, 1000))
def test_random_networks_match_runtime(net: ir.Network, n_rows: int, seed: int) -> None:
    X = np.random.default_rng(seed).normal(size=(n_rows, net.n_features)) * 2
    for dtype in ("float64", "float32"):
        model = check_onnx_matches(net, X, dtype)
        assert to_onnx(net, dtype=dtype).SerializeToString() == model.SerializeToString()


def _all_kinds_network() -> ir.Network:
    b = GraphBuilder(3)
    h = b.dense(b.input, np.arange(12.0).reshape(3, 4) / 7 - 0.5, [0.1, -0.2, 0.3, 0.0], hint="hidden")
    acts = [b.act(h, fn) for fn in ("identity", "relu", "sigmoid", "tanh", "abs", "softsign", "softmax", "cos")]
    acts += [b.act(h, fn) for fn in ("square", "step_gt", "step_ge", "round_float32")]
    pos = b.scale(b.act(h, "square"), 1.0, 1.0)
    acts += [b.act(pos, fn) for fn in ("log", "sqrt", "reciprocal", "exp")]
    acts += [
        b.act(h, "power", 3),
        b.act(h, "clip", -0.5, 0.25),
        b.normalize(pos),
        b.normalize(b.act(h, "relu"), zero_to_uniform=True),
    ]
    acts.append(b.act(h, "erf"))
    centres = [[0.0, 1.0, 2.0, 3.0], [1.0, 0.0, -1.0, 0.5], [0.5, 0.5, 0.5, 0.5]]
    acts += [b.distance(h, centres, m, p=3.0) for m in sorted(ir.DISTANCE_METRICS)]
    values = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 2.0]])
    acts.append(b.add(ir.NeighbourVote, "knn", input=acts[-3], values=values, k=2, weighting="distance"))
    acts.append(b.add(ir.NeighbourVote, "radius", input=acts[-4], values=values, radius=2.5, outlier=[7.0, -7.0]))
    acts.append(b.add(ir.Combine, "sum", sources=(acts[-1], acts[-2]), coeffs=(0.5, -2.0), bias=1.0))
    acts.append(b.add(ir.Combine, "product", sources=(acts[-2], acts[-3]), fn="mul"))
    col = b.dense(h, np.ones((4, 1)) / 4)
    acts.append(
        b.add(ir.ErfMixture, "mixture", mean=col, variance=b.act(col, "square"), lambdas=[0.4, 0.3], coefs=[2.0, -1.0])
    )
    cat = b.concat(acts)
    z = b.dense(cat, np.linspace(-1, 1, b.width(cat))[:, None], [0.5])
    outputs = {"decision_function": b.squeeze(z), "transform": cat, "predict_proba": acts[6]}
    outputs["predict"] = b.argmax_label(h, ["w", "x", "y", "z"])
    outputs["score_samples"] = z
    return b.build(outputs, ir.Metadata("tests.AllKinds", "classifier", None, ("w", "x", "y", "z"), ("a", "b", "c")))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_opset_from_13_to_the_newest(dtype: str) -> None:
    net = _all_kinds_network()
    assert {n.fn for n in net.nodes if isinstance(n, ir.Activation)} == set(ir.ACTIVATIONS)
    assert {n.metric for n in net.nodes if isinstance(n, ir.Distance)} == set(ir.DISTANCE_METRICS)
    X = np.random.default_rng(1).normal(size=(25, 3))
    X[0] = 0.0  # a relu row summing to zero -> uniform normalize
    for opset in range(onnx_exporter.MIN_OPSET, onnx.defs.onnx_opset_version() + 1):
        model = check_onnx_matches(net, X, dtype, opset)
        assert model.opset_import[0].version == opset


def test_default_opset_is_the_lowest_that_expresses_every_node_kind() -> None:
    """Every built-in emitter writes opset 13 (IR version 7), which old runtimes load."""
    model = to_onnx(_all_kinds_network())
    assert model.opset_import[0].version == onnx_exporter.MIN_OPSET == 13
    assert model.ir_version == 7


def test_names_are_readable() -> None:
    model = to_onnx(_all_kinds_network())
    inits = {t.name for t in model.graph.initializer}
    assert {"hidden.weight", "hidden.bias"} <= inits
    assert any(n.name.startswith("hidden/MatMul") for n in model.graph.node)
    assert [i.name for i in model.graph.input] == ["X"]


def test_metadata_round_trip() -> None:
    net = _all_kinds_network()
    model = to_onnx(net, dtype="float64", extra_metadata={"trained_on": "iris"})
    meta = read_metadata(model)
    assert model.producer_name == meta["producer_name"] == "nnconvert"
    assert meta["estimator"] == "tests.AllKinds" and meta["task"] == "classifier"
    assert meta["classes"] == ["w", "x", "y", "z"] and meta["feature_names"] == ["a", "b", "c"]
    assert meta["outputs"] == list(net.outputs) and meta["n_features"] == 3
    assert meta["dtype"] == "float64" and meta["trained_on"] == "iris"
    assert meta["opset"] == 13 and meta["sklearn_version"] == ""
    with pytest.raises(ValueError, match="may not override 'task'"):
        to_onnx(net, extra_metadata={"task": "x"})


def test_int_classes_metadata_and_no_feature_names() -> None:
    b = GraphBuilder(2)
    net = b.build(
        {"predict": b.threshold_label(b.squeeze(b.dense(b.input, [1.0, 1.0])), [3, 9])},
        ir.Metadata("m", "classifier", classes=(3, 9)),
    )
    meta = read_metadata(to_onnx(net))
    assert meta["classes"] == [3, 9] and meta["feature_names"] is None
    got = run_onnx(to_onnx(net), np.array([[1.0, -2.0], [1.0, 0.0], [0.0, 0.0]]))
    assert got["predict"].tolist() == [3, 9, 3] and got["predict"].dtype == np.int64


@dataclass(frozen=True, eq=False)
class _Negate(ir.Node):
    """``y = -x`` (a node kind defined outside ir.py, as extensions do)."""

    op = "test_negate"
    input: str

    def infer(self, ins: list[ir.TensorInfo]) -> ir.TensorInfo:
        return ir.TensorInfo(self._float2d(ins[0]))


ir.register_node(_Negate)
runtime.register_kernel(_Negate, lambda n, xs: -xs[0])


def test_register_emitter_extends_and_refuses_duplicates() -> None:
    b = GraphBuilder(2)
    net = b.build({"transform": b.add(_Negate, "neg", input=b.input)}, ir.Metadata("m", "transformer"))
    with pytest.raises(InvalidNetwork, match="no emitter for node kind _Negate"):
        to_onnx(net)
    onnx_exporter.register_emitter(_Negate, lambda g, n: g.op("Neg", [n.input], n.name, name=n.name))
    check_onnx_matches(net, np.array([[1.0, -2.0]]), "float64")
    with pytest.raises(ValueError, match="registered twice"):
        onnx_exporter.register_emitter(_Negate, lambda g, n: None)
    with pytest.raises(ValueError, match="registered twice"):
        onnx_exporter.register_emitter(ir.Dense, lambda g, n: None)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"dtype": "int32"}, "dtype must be"), ({"opset": 12}, "opset 12 is not supported")]
)
def test_bad_export_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidNetwork, match=message):
        to_onnx(_all_kinds_network(), **kwargs)


def test_run_onnx_accepts_bytes_and_paths_and_checks_shape(tmp_path: Any) -> None:
    model = to_onnx(_all_kinds_network(), dtype="float64")
    X = np.ones((2, 3))
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    a, b = run_onnx(model.SerializeToString(), X), run_onnx(path, X)
    assert all(np.array_equal(a[k], b[k]) for k in a) and a["predict"].dtype.kind == "U"
    with pytest.raises(DataError, match="expects"):
        run_onnx(model, np.ones((2, 4)))
    with pytest.raises(DataError, match="not numeric"):
        run_onnx(model, [["a", "b", "c"]])
