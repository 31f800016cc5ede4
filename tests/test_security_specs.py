"""Resources a file claims (issue 8, item 4): a spec or ONNX file that claims more work than its
size must be refused fast, with one ``Error:`` line that names the limit and how to raise it.

Every attack is a real file on disk run through the real CLI (CliRunner, and a subprocess
``python -m nnconvert`` with a timeout where an unbounded run would hang)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from click.testing import CliRunner, Result
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_iris
from sklearn.svm import SVC

import nnconvert
from nnconvert import limits
from nnconvert.check.selfcheck import ONNX_KEY
from nnconvert.cli import cli
from nnconvert.exporters.onnx.bounds import check_graph
from nnconvert.exporters.onnx.graph import OnnxGraph
from nnconvert.ir.builder import GraphBuilder
from tests.cli_helpers import one_error, run_cli

ROOT = Path(__file__).resolve().parents[1]


_cli = run_cli


def _refused(res: Result, *words: str) -> None:
    """Exit 2, one ``Error:`` line on stderr naming ``words``, nothing on stdout."""
    one_error(res, 2, *words, quiet=True)


def _subprocess(*args: object, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "nnconvert", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def _spec(n_features: int, nodes: list[dict], outputs: dict[str, str]) -> str:
    doc = {"format": "nnconvert-network", "version": 1, "input": {"n_features": n_features}}
    return json.dumps({**doc, "nodes": nodes, "outputs": outputs}, separators=(",", ":"))


# -- JSON specs ---------------------------------------------------------------------------------


def test_130_byte_monomials_spec_fails_fast(tmp_path: Path) -> None:
    """One monomial of degree 1e9: 8 GB of factor slots and 2e9 ONNX operators, from 130 bytes."""
    text = '{"format":"nnconvert-network","version":1,"input":{"n_features":1},"nodes":[{"name":"m",'
    text += '"op":"monomials","input":"X","powers":[[1e9]]}],"outputs":{"transform":"m"}}'
    assert len(text) < 170
    path = tmp_path / "mono.json"
    path.write_text(text)
    start = time.monotonic()
    for command in ("inspect", "explain", "draw"):
        extra = ["-o", tmp_path / "m.svg"] if command == "draw" else []
        _refused(_cli(command, path, *extra), "monomials node 'm'", "max_memory", "--max-memory")
    proc = _subprocess("inspect", path, timeout=20)
    assert time.monotonic() - start < 5 * 4
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "--max-memory" in proc.stderr, proc.stderr
    assert not (tmp_path / "m.svg").exists()


def test_monomials_within_memory_but_over_operators(tmp_path: Path) -> None:
    path = tmp_path / "mono.json"
    path.write_text(_spec(1, [{"name": "m", "op": "monomials", "input": "X", "powers": [[10**7]]}], {"transform": "m"}))
    start = time.monotonic()
    _refused(_cli("inspect", path), "operators per row", "max_ops", "--max-ops")
    assert time.monotonic() - start < 5


def test_coupling_of_600_classes_is_refused(tmp_path: Path) -> None:
    """600 classes: a k x k x N working set (~5 GB); the spec itself is tiny."""
    k = 600
    node = {"name": "p", "op": "pairwise_coupling", "input": "X", "n_classes": k}
    path = tmp_path / "coupling.json"
    path.write_text(_spec(k * (k - 1) // 2, [node], {"predict_proba": "p"}))
    start = time.monotonic()
    _refused(_cli("inspect", path), "pairwise_coupling node 'p'", "--max-")
    _refused(_cli("predict", path, "--data", path), "pairwise_coupling")  # refused before the data is read
    assert time.monotonic() - start < 5


def test_distance_and_dense_sizes_count_against_the_limit(tmp_path: Path) -> None:
    """Manhattan distance holds [N, k, d]; dense weights are stored: both are checked, and the
    error says how to raise the limit, which then lets the same file through."""
    rng = np.random.default_rng(0)
    dist = {"name": "d", "op": "distance", "input": "X", "centres": rng.normal(size=(64, 64)).tolist(), "metric": "manhattan"}  # fmt: skip
    path = tmp_path / "dist.json"
    path.write_text(_spec(64, [dist], {"transform": "d"}))
    _refused(_cli("inspect", path, "--max-memory", "8M"), "distance node 'd'", "8.0 MiB", "--max-memory")
    assert _cli("inspect", path, "--max-memory", "1G").exit_code == 0
    dense = {"name": "h", "op": "dense", "input": "X", "weight": rng.normal(size=(64, 600)).tolist()}
    path = tmp_path / "dense.json"
    path.write_text(_spec(64, [dense], {"transform": "h"}))
    _refused(_cli("explain", path, "--max-memory", "256K"), "dense node 'h'", "max_memory")
    res = _cli("inspect", path, "--max-memory", "lots")
    assert res.exit_code == 2 and "not a size" in res.stderr


def test_limits_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "dense.json"
    path.write_text(
        _spec(2, [{"name": "h", "op": "dense", "input": "X", "weight": [[1.0], [2.0]]}], {"transform": "h"})
    )
    res = CliRunner().invoke(cli, ["inspect", str(path)], env={"NNCONVERT_MAX_OPS": "1"})
    _refused(res, "max_ops", "--max-ops")
    assert _cli("inspect", path).exit_code == 0  # nothing leaks from one command to the next
    assert limits.current() == limits.Limits()


def test_converted_models_are_checked_too() -> None:
    X, y = load_iris(return_X_y=True)
    svc = SVC(probability=True, random_state=0).fit(X, y)
    assert nnconvert.convert(svc) is not None
    with limits.using(max_ops=1000), pytest.raises(limits.LimitExceeded, match="pairwise_coupling"):
        nnconvert.convert(svc)


def test_fresh_names_are_constant_time() -> None:
    """The ONNX builder names 200k values with one hint: quadratic naming would take hours."""
    b = GraphBuilder(1)
    net = b.build({"transform": b.act(b.input, "relu")}, nnconvert.ir.Metadata("t", "transformer"))
    g = OnnxGraph(net, np.dtype("float32"), 17)
    start = time.monotonic()
    names = {g.fresh("m") for _ in range(200_000)}
    assert len(names) == 200_000 and time.monotonic() - start < 3
    g._used.add("x_1")
    assert g.fresh("x") == "x" and g.fresh("x") == "x_2"


# -- foreign ONNX graphs ------------------------------------------------------------------------


def _refs(n_features: int = 4) -> str:
    row = [1.0] * n_features
    refs = {"format": "nnconvert-references", "version": 1, "dtype": "float32", "rtol": 1e-4, "atol": 1e-4,
            "X": [row], "outputs": {"transform": [row]}}  # fmt: skip
    return json.dumps(refs)


def _loop_body(depth: int = 0) -> onnx.GraphProto:
    """A loop body passing ``x`` through; ``depth`` more Loops nested inside it."""
    i, c_in, c_out, x_in, x_out = (f"{n}{depth}" for n in ("i", "cond_in", "cond_out", "x_in", "x_out"))
    nodes = [helper.make_node("Identity", [c_in], [c_out])]
    if depth:
        nodes.append(helper.make_node("Loop", ["two", "", x_in], [x_out], body=_loop_body(depth - 1)))
    else:
        nodes.append(helper.make_node("Identity", [x_in], [x_out]))
    return helper.make_graph(
        nodes,
        f"body{depth}",
        [helper.make_tensor_value_info(i, TensorProto.INT64, []),
         helper.make_tensor_value_info(c_in, TensorProto.BOOL, []),
         helper.make_tensor_value_info(x_in, TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info(c_out, TensorProto.BOOL, []),
         helper.make_tensor_value_info(x_out, TensorProto.FLOAT, ["N", 4])],
    )  # fmt: skip


def _loop_model(path: Path, trips: str | None, *, depth: int = 0, initializers: list | None = None) -> Path:
    """``transform = Loop(trips)(X)``: the graph returns X after ``trips`` identity steps.

    ``trips`` names the trip-count input: ``"M"`` (a constant), ``"shape"`` (computed), None (none)."""
    inits = [
        numpy_helper.from_array(np.array(10**12, np.int64), "M"),
        numpy_helper.from_array(np.array(2, np.int64), "two"),
        numpy_helper.from_array(np.array(True), "go"),
        *(initializers or []),
    ]
    nodes = [helper.make_node("Size", ["X"], ["shape"])]
    nodes.append(helper.make_node("Loop", [trips or "", "go", "X"], ["transform"], body=_loop_body(depth)))
    graph = helper.make_graph(
        nodes,
        "attack",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("transform", TensorProto.FLOAT, ["N", 4])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="nnconvert")
    model.ir_version = 8
    helper.set_model_props(model, {ONNX_KEY: _refs()})
    onnx.save(model, path)
    return path


def test_loop_of_1e12_trips_is_refused_before_running(tmp_path: Path) -> None:
    path = _loop_model(tmp_path / "loop.onnx", "M")
    _refused(_cli("verify", path), "Loop node", "operators per row", "--max-ops")
    _refused(_cli("predict", path, "--data", tmp_path / "none.csv"), "Loop node")
    proc = _subprocess("verify", path, timeout=30)  # unbounded before: onnxruntime looped 1e12 times
    assert proc.returncode == 2 and proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("trips", [None, "shape"], ids=["condition-only", "computed"])
def test_loops_without_a_constant_trip_count_are_refused(tmp_path: Path, trips: str | None) -> None:
    path = _loop_model(tmp_path / "loop.onnx", trips)
    _refused(_cli("verify", path), "no constant trip count", "bounded loops")


def test_deeply_nested_subgraphs_are_refused(tmp_path: Path) -> None:
    path = _loop_model(tmp_path / "nested.onnx", "two", depth=3)
    _refused(_cli("inspect", path), "nested more than 2 deep")
    ok = _loop_model(tmp_path / "ok.onnx", "two", depth=1)  # two small nested loops run
    res = _cli("verify", ok)
    assert res.exit_code == 0, res.output + res.stderr


def test_initializer_claims_are_checked_from_dims(tmp_path: Path) -> None:
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[10**6, 10**6])  # claims 4 TB, holds nothing
    _refused(_cli("inspect", _loop_model(tmp_path / "big.onnx", "two", initializers=[huge])), "max_memory")
    ext = numpy_helper.from_array(np.zeros(4, np.float32), "ext")
    ext.data_location = TensorProto.EXTERNAL
    ext.external_data.add(key="location", value="../../etc/passwd")
    ext.ClearField("raw_data")
    _refused(_cli("inspect", _loop_model(tmp_path / "ext.onnx", "two", initializers=[ext])), "external file")


def test_constant_shape_allocations_are_checked(tmp_path: Path) -> None:
    shape = numpy_helper.from_array(np.array([10**6, 10**6], np.int64), "big_shape")
    node = helper.make_node("ConstantOfShape", ["big_shape"], ["transform"])
    graph = helper.make_graph(
        [node], "alloc", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("transform", TensorProto.FLOAT, None)], [shape],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(limits.LimitExceeded, match="ConstantOfShape"):
        check_graph(model, "alloc.onnx")


def test_graphs_nnconvert_writes_still_run(tmp_path: Path) -> None:
    """The libsvm coupling Loop (constant max(100, k) trips) passes the bounds and self-verifies."""
    import joblib

    X, y = load_iris(return_X_y=True)
    joblib.dump(SVC(probability=True, random_state=0).fit(X, y), tmp_path / "svc.joblib")
    out = tmp_path / "svc.onnx"
    assert _cli("convert", tmp_path / "svc.joblib", "-o", out).exit_code == 0
    model = onnx.load(out)
    assert "Loop" in {n.op_type for n in model.graph.node}
    check_graph(model, out.name)
    res = _subprocess("verify", out, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
