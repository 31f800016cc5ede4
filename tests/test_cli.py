"""The click CLI end to end: real models written with joblib/pickle, real ONNX and JSON files,
real onnxruntime sessions, through CliRunner (stdout and stderr apart) and one subprocess."""

from __future__ import annotations

import csv
import io
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import onnx
import pytest
from click.testing import CliRunner, Result
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import nnconvert
from nnconvert import __version__
from nnconvert.check.synthetic import synthetic_rows
from nnconvert.cli import cli
from nnconvert.exporters.json_spec import from_json

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small real models and datasets, written once for the module."""
    d = tmp_path_factory.mktemp("cli")
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    iris = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, names)
    joblib.dump(iris, d / "iris.joblib")
    binary = LogisticRegression().fit(X[:, :3], y > 0)
    with open(d / "binary.pkl", "wb") as fh:
        pickle.dump(binary, fh)
    other = LogisticRegression(C=0.01).fit(X[::-1] * [1, -1, 1, -1], names)  # a different model, same shape
    joblib.dump(other, d / "other.joblib")
    named = LogisticRegression(max_iter=500).fit(X, y)
    named.feature_names_in_ = np.array(FEATURES, dtype=object)  # as fit() on a DataFrame sets it
    joblib.dump(named, d / "named.joblib")
    joblib.dump(Ridge().fit(X[:, :3], X[:, 3]), d / "ridge.joblib")
    with open(d / "iris.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*FEATURES, "species"])
        w.writerows([[*map(repr, row), label] for row, label in zip(X.tolist(), names, strict=True)])
    np.savetxt(d / "iris_noheader.csv", X, delimiter=",")
    np.save(d / "iris.npy", X)
    np.savez(d / "iris.npz", X=X, y=y)
    np.save(d / "iris3.npy", X[:, :3])
    return {p.name: p for p in d.iterdir()} | {"dir": d}


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: object, code: int = 0) -> Result:
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def converted(work: dict[str, Path], runner: CliRunner) -> dict[str, Path]:
    d = work["dir"]
    run(runner, "convert", work["iris.joblib"], "-o", d / "iris.onnx")
    run(runner, "convert", work["iris.joblib"], "-o", d / "iris.json")
    run(runner, "convert", work["other.joblib"], "-o", d / "other.onnx")
    return {"onnx": d / "iris.onnx", "json": d / "iris.json", "other": d / "other.onnx"}


# ------------------------------------------------------------------------------------ basics


def test_version(runner: CliRunner) -> None:
    assert __version__ in run(runner, "--version").stdout


@pytest.mark.parametrize(
    "command", [[], ["convert"], ["verify"], ["predict"], ["inspect"], ["list"], ["draw"], ["explain"]]
)
def test_help_of_every_command(runner: CliRunner, command: list[str]) -> None:
    out = run(runner, *command, "--help").stdout
    assert "Usage:" in out
    if command:
        doc = cli.commands[command[0]].help or ""
        assert doc.split("\n")[0][:40] in " ".join(out.split())


def test_help_does_not_import_heavy_libraries() -> None:
    code = "import sys, nnconvert.cli; print(sorted(m for m in ('numpy', 'sklearn', 'onnx', 'onnxruntime', 'matplotlib', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------------------------ convert


def test_convert_onnx_from_suffix(work: dict[str, Path], converted: dict[str, Path]) -> None:
    model = onnx.load(str(converted["onnx"]))
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert {o.name for o in model.graph.output} == {"predict", "predict_proba", "decision_function"}
    assert all(n.domain in ("", "ai.onnx") for n in model.graph.node)


def test_convert_summary_line(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    out = run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "n.onnx", "--opset", 17).stdout
    assert out.count("\n") == 1
    assert "Pipeline" in out and "3 classes" in out and "19 parameters" in out and "float32, opset 17" in out
    assert onnx.load(str(tmp_path / "n.onnx")).opset_import[0].version == 17


def test_convert_float64_and_no_simplify(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "a.onnx", "--dtype", "float64")
    model = onnx.load(str(tmp_path / "a.onnx"))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "s.json")
    run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "u.json", "--no-simplify")
    folded, unfolded = from_json(tmp_path / "s.json"), from_json(tmp_path / "u.json")
    assert sum(n.op == "dense" for n in unfolded.nodes) == sum(n.op == "dense" for n in folded.nodes) + 1


def test_convert_is_byte_identical(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    for suffix in ("onnx", "json"):
        run(runner, "convert", work["iris.joblib"], "-o", tmp_path / f"1.{suffix}")
        run(runner, "convert", work["iris.joblib"], "-o", tmp_path / f"2.{suffix}")
        assert (tmp_path / f"1.{suffix}").read_bytes() == (tmp_path / f"2.{suffix}").read_bytes()


def test_convert_json_and_format_option(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "net.spec", "--format", "json")
    net = from_json(tmp_path / "net.spec")
    assert net.meta.classes == ("setosa", "versicolor", "virginica")
    bad = run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "net.txt", code=2)
    assert "suffix" in bad.stderr and not (tmp_path / "net.txt").exists()
    run(runner, "convert", work["iris.joblib"], "-o", tmp_path / "x.json", "--dtype", "float32", code=2)


def test_convert_json_spec_to_onnx(converted: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    """A (hand-editable) JSON spec reaches ONNX through convert."""
    out = run(runner, "convert", converted["json"], "-o", tmp_path / "from_spec.onnx").stdout
    assert "wrote" in out
    a, b = onnx.load(str(tmp_path / "from_spec.onnx")), onnx.load(str(converted["onnx"]))
    assert len(a.graph.node) == len(b.graph.node)


def test_convert_force(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "net.onnx"
    out.write_bytes(b"mine")
    res = run(runner, "convert", work["iris.joblib"], "-o", out, code=2)
    assert "--force" in res.stderr and out.read_bytes() == b"mine"
    run(runner, "convert", work["iris.joblib"], "-o", out, "--force")
    onnx.checker.check_model(onnx.load(str(out)))
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]  # no temp file left behind


def test_convert_refuses_to_overwrite_its_input(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    model = tmp_path / "m.pkl"
    shutil.copy(work["binary.pkl"], model)
    before = model.read_bytes()
    res = run(runner, "convert", model, "-o", model, "--format", "onnx", "--force", code=2)
    assert "input" in res.stderr and model.read_bytes() == before


# ------------------------------------------------------------------------------------ verify


def test_verify_onnx_with_csv_header_and_target(
    work: dict[str, Path], converted: dict[str, Path], runner: CliRunner
) -> None:
    out = run(
        runner,
        "verify",
        work["iris.joblib"],
        converted["onnx"],
        "--data",
        work["iris.csv"],
        "--target-column",
        "species",
    ).stdout
    assert "150 rows, float32" in out and "equivalent" in out and "NOT" not in out


def test_verify_json_with_npy(work: dict[str, Path], converted: dict[str, Path], runner: CliRunner) -> None:
    out = run(
        runner, "verify", work["iris.joblib"], converted["json"], "--data", work["iris.npy"], "--chunk-rows", 7
    ).stdout
    assert "150 rows, float64" in out
    out = run(runner, "verify", work["iris.joblib"], converted["json"], "--data", work["iris.npz"]).stdout
    assert "150 rows, float64" in out and "NOT" not in out


def test_verify_in_memory_json_report(work: dict[str, Path], runner: CliRunner) -> None:
    args = ["verify", work["iris.joblib"], "--data", work["iris_noheader.csv"], "--json", "--dtype", "float64"]
    report = json.loads(run(runner, *args).stdout)
    assert report["equivalent"] is True
    assert [(c["backend"], c["dtype"]) for c in report["checks"]] == [
        ("numpy runtime", "float64"),
        ("onnxruntime", "float64"),
    ]
    proba = next(o for o in report["checks"][0]["outputs"] if o["output"] == "predict_proba")
    assert proba["rows"] == 150 and proba["max_rel_error"] < 1e-9


def test_verify_synthetic(work: dict[str, Path], runner: CliRunner) -> None:
    report = json.loads(run(runner, "verify", work["iris.joblib"], "--synthetic", 3000, "--json").stdout)
    assert all(c["rows"] == 3000 for c in report["checks"])
    out = run(runner, "verify", work["ridge.joblib"], "--synthetic", 500).stdout
    assert out.rstrip().endswith("equivalent")


def test_synthetic_rows_are_seeded_and_cross_boundaries(work: dict[str, Path]) -> None:
    X, y = load_iris(return_X_y=True)
    svc = make_pipeline(StandardScaler(), SVC()).fit(X, y)  # scaler (diagonal dense) -> kernel neurons
    for est in (joblib.load(work["iris.joblib"]), svc, joblib.load(work["binary.pkl"])):
        net = nnconvert.convert(est)
        rows = synthetic_rows(net, 2000)
        assert rows.shape == (2000, net.n_features) and np.isfinite(rows).all()
        np.testing.assert_array_equal(rows, synthetic_rows(net, 2000))
        assert not np.array_equal(rows, synthetic_rows(net, 2000, seed=1))
        counts = np.unique(est.predict(rows), return_counts=True)[1]
        assert len(counts) == len(est.classes_) and counts.min() > 20  # every class, not one side only


def test_verify_not_equivalent_tampered_spec(
    work: dict[str, Path], converted: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    spec = json.loads(converted["json"].read_text())
    dense = next(n for n in spec["nodes"] if n["op"] == "dense")
    dense["weight"][0][0] += 0.5
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(spec))
    res = run(
        runner,
        "verify",
        work["iris.joblib"],
        tampered,
        "--data",
        work["iris.csv"],
        "--target-column",
        "species",
        code=1,
    )
    assert "NOT equivalent" in res.stdout and "FAIL" in res.stdout
    report = json.loads(
        run(runner, "verify", work["iris.joblib"], tampered, "--synthetic", 200, "--json", code=1).stdout
    )
    assert report["equivalent"] is False


def test_verify_not_equivalent_other_model(
    work: dict[str, Path], converted: dict[str, Path], runner: CliRunner
) -> None:
    res = run(runner, "verify", work["iris.joblib"], converted["other"], "--data", work["iris.npy"], code=1)
    assert "NOT equivalent" in res.stdout and "worst rows" in res.stdout


def test_verify_checks_feature_names(work: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "verify", work["named.joblib"], "--data", work["iris.csv"], "--target-column", "species")
    swapped = tmp_path / "swapped.csv"
    lines = work["iris.csv"].read_text().splitlines()
    lines[0] = "sepal_width,sepal_length,petal_length,petal_width,species"
    swapped.write_text("\n".join(lines) + "\n")
    run(runner, "verify", work["named.joblib"], "--data", swapped, "--target-column", "species")  # by name
    lines[0] = "sepal_width,sepal_len,petal_length,petal_width,species"
    swapped.write_text("\n".join(lines) + "\n")
    res = run(runner, "verify", work["named.joblib"], "--data", swapped, "--target-column", "species", code=2)
    assert res.stderr.startswith("Error:") and "no column 'sepal_length'" in res.stderr


def test_verify_needs_exactly_one_data_source(work: dict[str, Path], runner: CliRunner) -> None:
    run(runner, "verify", work["iris.joblib"], code=2)
    run(runner, "verify", work["iris.joblib"], "--data", work["iris.npy"], "--synthetic", 10, code=2)


# ------------------------------------------------------------------------------------ predict


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_predict_to_stdout(work: dict[str, Path], converted: dict[str, Path], runner: CliRunner) -> None:
    est = joblib.load(work["iris.joblib"])
    X = np.load(work["iris.npy"])
    for net in (converted["onnx"], converted["json"], work["iris.joblib"]):
        rows = _read_csv(run(runner, "predict", net, "--data", work["iris.csv"], "--target-column", "species").stdout)
        assert len(rows) == 150
        assert list(rows[0])[:1] == ["predict"]
        assert "predict_proba[virginica]" in rows[0] and "decision_function[setosa]" in rows[0]
        assert [r["predict"] for r in rows] == est.predict(X).tolist()
        proba = np.array([[float(r[f"predict_proba[{c}]"]) for c in est.classes_] for r in rows])
        np.testing.assert_allclose(proba, est.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_predict_to_file(work: dict[str, Path], converted: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    res = run(runner, "predict", converted["json"], "--data", work["iris.npy"], "-o", out)
    assert res.stdout == "" and "150" in res.stderr
    rows = _read_csv(out.read_text())
    classes = joblib.load(work["iris.joblib"]).classes_
    expected = nnconvert.run(from_json(converted["json"]), np.load(work["iris.npy"]))["decision_function"]
    got = np.array([[float(r[f"decision_function[{c}]"]) for c in classes] for r in rows])
    np.testing.assert_array_equal(got, expected)  # shortest round-trip floats: the CSV is exact
    run(runner, "predict", converted["json"], "--data", work["iris.npy"], "-o", out, code=2)


def test_predict_regressor(work: dict[str, Path], runner: CliRunner) -> None:
    rows = _read_csv(run(runner, "predict", work["ridge.joblib"], "--data", work["iris3.npy"]).stdout)
    est = joblib.load(work["ridge.joblib"])
    np.testing.assert_allclose([float(r["predict"]) for r in rows], est.predict(np.load(work["iris3.npy"])), rtol=1e-12)


# ------------------------------------------------------------------------------------ inspect / list


def test_inspect_each_kind(work: dict[str, Path], converted: dict[str, Path], runner: CliRunner) -> None:
    for path in (work["iris.joblib"], converted["onnx"], converted["json"]):
        text = run(runner, "inspect", path).stdout
        assert "Pipeline" in text and "setosa" in text and "input:      X float32 [N, 4]" in text
        d = json.loads(run(runner, "inspect", path, "--json").stdout)
        assert d["n_features"] == 4 and d["parameters"] == 19
        assert d["contract"]["inputs"] == [{"name": "X", "dtype": "float32", "shape": ["N", 4]}]
        outputs = {o["name"]: o for o in d["contract"]["outputs"]}
        assert outputs["predict"]["dtype"] == "string" and outputs["predict_proba"]["shape"] == ["N", 3]
        assert "MatMul" in d["onnx"]["operators"] and d["onnx"]["domains"] == ["ai.onnx"]
        # an ONNX file from convert shows its layers from its display description (tests/test_words.py)
        shift, dense = (r for r in d["layers"] if r["op"] == "dense")
        assert shift["neurons"] == 4 and shift["provenance"] == {"bias": "-mean_"}  # x - mean_ first
        assert dense["neurons"] == 3 and "coef_" in dense["provenance"]["weight"]


def test_list(runner: CliRunner) -> None:
    text = run(runner, "list").stdout
    assert "sklearn.linear_model.LogisticRegression" in text
    rows = json.loads(run(runner, "list", "--json").stdout)
    lr = next(r for r in rows if r["estimator"] == "sklearn.linear_model.LogisticRegression")
    assert lr["installed"] is True and lr["family"] == "linear" and lr["architecture"]


# ------------------------------------------------------------------------------------ draw / explain


def test_draw(work: dict[str, Path], converted: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "draw", work["iris.joblib"], "-o", tmp_path / "net.svg")
    assert (tmp_path / "net.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    run(runner, "draw", converted["json"], "-o", tmp_path / "net.dot", "--max-neurons", 3)
    assert "digraph" in (tmp_path / "net.dot").read_text()
    run(runner, "draw", work["iris.joblib"], "-o", tmp_path / "net.svg", code=2)
    run(runner, "draw", converted["onnx"], "-o", tmp_path / "x.svg")  # nnconvert's own ONNX files draw too
    assert (tmp_path / "x.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


def test_explain(work: dict[str, Path], converted: dict[str, Path], runner: CliRunner) -> None:
    text = run(runner, "explain", work["iris.joblib"]).stdout
    assert "softmax" in text and "coef_" in text
    md = run(runner, "explain", converted["json"], "--format", "markdown").stdout
    assert md != text and "softmax" in md


# ------------------------------------------------------------------------------------ subprocess


def test_console_script_convert_and_verify(work: dict[str, Path], tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("nnconvert")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "nnconvert"]
    out = tmp_path / "net.onnx"
    conv = subprocess.run([*cmd, "convert", str(work["binary.pkl"]), "-o", str(out)], capture_output=True, text=True)
    assert conv.returncode == 0, conv.stderr
    assert conv.stdout.startswith("wrote") and out.exists()
    ver = subprocess.run(
        [*cmd, "verify", str(work["binary.pkl"]), str(out), "--data", str(work["iris3.npy"])],
        capture_output=True,
        text=True,
    )
    assert ver.returncode == 0, ver.stdout + ver.stderr
    assert ver.stdout.rstrip().endswith("equivalent") and ver.stderr == ""  # no progress bar off a terminal
    usage = subprocess.run([*cmd, "verify", str(work["binary.pkl"])], capture_output=True, text=True)
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr.count("\n") == 1 and usage.stderr.startswith("Error: give exactly one of --data")
    assert "Traceback" not in usage.stderr
