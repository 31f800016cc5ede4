"""verify proves what it says (issue 8, item 5): no rows is trouble, overflow is never a boundary
flip, a file under test chooses neither its tolerances nor which mismatches are forgiven, and
predict never writes inf for finite rows. Real models, real files, real onnxruntime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nnconvert.check.selfcheck import ONNX_KEY
from tests.cli_helpers import one_error, run_cli

ROOT = Path(__file__).resolve().parents[1]
CLASSES = np.array(["setosa", "versicolor", "virginica"])


_cli = run_cli


_one_error = one_error


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("verify_attacks")
    X, y = load_iris(return_X_y=True)
    joblib.dump(LogisticRegression(max_iter=1000).fit(X, CLASSES[y]), d / "lr.joblib")
    assert _cli("convert", d / "lr.joblib", "-o", d / "lr.onnx").exit_code == 0
    assert _cli("convert", d / "lr.joblib", "-o", d / "lr.json").exit_code == 0
    np.savetxt(d / "iris.csv", X, delimiter=",", fmt="%.17g")
    return {"dir": d, "model": d / "lr.joblib", "onnx": d / "lr.onnx", "json": d / "lr.json", "csv": d / "iris.csv"}


# -- zero rows ------------------------------------------------------------------------------------


def test_header_only_csv_is_trouble(work: dict[str, Path]) -> None:
    header = work["dir"] / "header.csv"
    header.write_text("sepal_length,sepal_width,petal_length,petal_width\n")
    for network in ([], [work["onnx"]], [work["json"]]):
        _one_error(_cli("verify", work["model"], *network, "--data", header), 2, "no rows to compare")


def test_empty_npy_and_zero_synthetic_rows_are_trouble(work: dict[str, Path]) -> None:
    empty = work["dir"] / "empty.npy"
    np.save(empty, np.zeros((0, 4)))
    _one_error(_cli("verify", work["model"], work["onnx"], "--data", empty), 2, "no rows to compare")
    res = _cli("verify", work["model"], "--synthetic", "0")
    assert res.exit_code == 2 and "Error: Invalid value for '--synthetic'" in res.stderr


# -- overflow -------------------------------------------------------------------------------------


def test_a_row_of_1e300_is_a_disagreement_not_a_boundary_flip(work: dict[str, Path]) -> None:
    data = work["dir"] / "big.csv"
    data.write_text("1e300,1,1,1\n5.1,3.5,1.4,0.2\n")
    for network in ([], [work["onnx"]]):
        res = _cli("verify", work["model"], *network, "--data", data, "--json")
        assert res.exit_code == 1, res.output + res.stderr
        assert res.stderr == ""  # no RuntimeWarning text
        checks = json.loads(res.stdout)["checks"]
        f32 = next(c for c in checks if c["dtype"] == "float32")
        assert not f32["equivalent"]
        for out in f32["outputs"]:
            assert out["boundary_flips"] == 0
        assert sum(o["non_finite"] for o in f32["outputs"]) >= 1


def test_predict_refuses_finite_rows_that_overflow(work: dict[str, Path]) -> None:
    data = work["dir"] / "big_second.csv"
    data.write_text("5.1,3.5,1.4,0.2\n1e300,1,1,1\n")
    out = work["dir"] / "pred.csv"
    res = _cli("predict", work["onnx"], "--data", data, "-o", out)
    _one_error(res, 2, "row 1 of", "overflows the network's float32")
    assert not out.exists() and not list(work["dir"].glob(".pred.csv.*"))
    res = _cli("predict", work["json"], "--data", data, "--dtype", "float32")
    _one_error(res, 2, "row 1 of", "--dtype float64")
    res = _cli("predict", work["json"], "--data", data)  # float64 holds 1e300 and its scores: a prediction
    assert res.exit_code == 0 and "inf" not in res.stdout and res.stderr == ""
    proc = subprocess.run(
        [sys.executable, "-m", "nnconvert", "predict", str(work["onnx"]), "--data", str(data)],
        capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "RuntimeWarning" not in proc.stderr


# -- the file under test chooses nothing ----------------------------------------------------------


def _set_references(path: Path, change) -> Path:
    model = onnx.load(path)
    for p in model.metadata_props:
        if p.key == ONNX_KEY:
            refs = json.loads(p.value)
            change(refs)
            p.value = json.dumps(refs)
    out = path.with_name("tampered_" + path.name)
    onnx.save(model, out)
    return out


def test_tolerances_come_from_the_command_line_not_the_file(work: dict[str, Path]) -> None:
    def loosen(refs: dict) -> None:
        refs["rtol"] = refs["atol"] = 1e300
        refs["outputs"]["predict_proba"] = [[p + 0.25 for p in row] for row in refs["outputs"]["predict_proba"]]

    path = _set_references(work["onnx"], loosen)
    res = _cli("verify", path, "--json")
    assert res.exit_code == 1, res.output + res.stderr
    report = json.loads(res.stdout)["checks"][0]
    assert report["rtol"] == 1e-4 and report["atol"] == 1e-4
    assert _cli("verify", path, "--rtol", "1", "--atol", "1").exit_code == 0  # the user may loosen them


def _always_setosa(path: Path, X: np.ndarray, y: np.ndarray) -> Path:
    """A float32 graph whose ``predict`` is "setosa" for every row, carrying in its metadata a
    decoy spec (all-zero scores: every row sits on an argmax tie, so a boundary analysis of the
    decoy forgives every mismatch) and references with the true iris labels."""
    nodes = [
        helper.make_node("Mul", ["X", "zero"], ["x0"]),
        helper.make_node("ReduceSum", ["x0", "ax"], ["s"], keepdims=0),
        helper.make_node("Cast", ["s"], ["i"], to=TensorProto.INT64),
        helper.make_node("Gather", ["classes", "i"], ["predict"], axis=0),
    ]
    inits = [
        numpy_helper.from_array(np.zeros((1, 4), np.float32), "zero"),
        numpy_helper.from_array(np.array([1], np.int64), "ax"),
        helper.make_tensor("classes", TensorProto.STRING, [3], [c.encode() for c in CLASSES]),
    ]
    graph = helper.make_graph(
        nodes, "setosa", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("predict", TensorProto.STRING, ["N"])], inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="nnconvert")
    model.ir_version = 8
    decoy = {
        "format": "nnconvert-network", "version": 1, "input": {"n_features": 4},
        "metadata": {"estimator": "decoy", "task": "classifier"},
        "nodes": [{"name": "h", "op": "dense", "input": "X", "weight": [[0.0] * 3] * 4},
                  {"name": "lab", "op": "argmax_label", "input": "h", "classes": {"dtype": "str", "values": list(CLASSES)}}],
        "outputs": {"predict": "lab"},
    }  # fmt: skip
    refs = {"format": "nnconvert-references", "version": 1, "dtype": "float32", "rtol": 1e-4, "atol": 1e-4,
            "X": X.tolist(), "outputs": {"predict": CLASSES[y].tolist()}}  # fmt: skip
    helper.set_model_props(model, {"spec": json.dumps(decoy), ONNX_KEY: json.dumps(refs), "classes": json.dumps(list(CLASSES))})  # fmt: skip
    onnx.save(model, path)
    return path


def test_a_decoy_spec_in_onnx_metadata_forgives_nothing(work: dict[str, Path]) -> None:
    X, y = load_iris(return_X_y=True)
    path = _always_setosa(work["dir"] / "setosa.onnx", X[::5], y[::5])
    res = _cli("verify", path, "--json")
    assert res.exit_code == 1, res.output + res.stderr
    predict = json.loads(res.stdout)["checks"][0]["outputs"][0]
    assert predict["boundary_flips"] == 0 and predict["mismatches"] == 20  # 10 of 30 rows are setosa
    res = _cli("verify", work["model"], path, "--data", work["csv"])  # boundaries from MODEL's own IR
    assert res.exit_code == 1 and "NOT equivalent" in res.stdout
    for command in ("draw", "explain"):  # the decoy is not taken for the network anywhere
        extra = ["-o", work["dir"] / "decoy.svg"] if command == "draw" else []
        _one_error(_cli(command, path, *extra), 2, "was not written by nnconvert")
    proc = subprocess.run(
        [sys.executable, "-m", "nnconvert", "verify", str(path)],
        capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 1 and "NOT equivalent" in proc.stdout
