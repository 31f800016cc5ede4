"""Self-verifying artifacts: `convert` embeds reference rows and the model's outputs, and
`verify NETWORK` re-runs them without the model. Real models, real files, real onnxruntime."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import joblib
import numpy as np
import onnx
import pytest
from click.testing import CliRunner, Result
from onnx import numpy_helper
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import nnconvert
from nnconvert.check.selfcheck import ONNX_KEY, check_references, make_references
from nnconvert.check.verify import numpy_runner
from nnconvert.cli import cli
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.json_spec import from_json, read_references

FAMILIES = ("logreg", "svc", "mlp", "pipe", "ridge")
FORMATS = (".onnx", ".f64.onnx", ".json")
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _convert(model: Path, out: Path, *extra: str) -> None:
    res = _cli("convert", model, "-o", out, *extra)
    assert res.exit_code == 0, res.output + res.stderr


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five families written with joblib and converted to ONNX float32, float64 and JSON."""
    d = tmp_path_factory.mktemp("selfcheck")
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    Xw, yw = load_wine(return_X_y=True)
    Xd, yd = load_diabetes(return_X_y=True)
    models = {
        "logreg": LogisticRegression(max_iter=1000).fit(X, names),  # multiclass, string labels
        "svc": SVC(kernel="rbf", probability=True, random_state=0).fit(X, y),
        "mlp": MLPClassifier(hidden_layer_sizes=(12,), max_iter=1500, random_state=0).fit(X, y),
        "pipe": make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(Xw, yw),
        "ridge": Ridge(alpha=0.5).fit(Xd, yd),
    }
    for name, model in models.items():
        joblib.dump(model, d / f"{name}.joblib")
        _convert(d / f"{name}.joblib", d / f"{name}.onnx")
        _convert(d / f"{name}.joblib", d / f"{name}.f64.onnx", "--dtype", "float64")
        _convert(d / f"{name}.joblib", d / f"{name}.json")
    with open(d / "iris.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*FEATURES, "species"])
        w.writerows([[*map(repr, row), label] for row, label in zip(X.tolist(), names, strict=True)])
    return d


def _onnx_refs(path: Path) -> dict:
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    return json.loads(props[ONNX_KEY])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("family", FAMILIES)
def test_untouched_files_verify_themselves(work: Path, family: str, fmt: str) -> None:
    res = _cli("verify", work / f"{family}{fmt}")
    assert res.exit_code == 0, res.output + res.stderr
    assert "32 embedded reference rows" in res.output
    assert res.output.rstrip().endswith("equivalent") and "NOT" not in res.output


def test_references_hold_the_models_own_outputs(work: Path) -> None:
    """Labels keep their type (strings), rows sit on both sides of decisions, outputs are the
    estimator's float64 outputs bit for bit."""
    model = joblib.load(work / "logreg.joblib")
    for refs in (read_references(work / "logreg.json"), _onnx_refs(work / "logreg.onnx")):
        assert refs is not None and refs["format"] == "nnconvert-references" and len(refs["X"]) == 32
        X = np.asarray(refs["X"])
        assert all(isinstance(v, str) for v in refs["outputs"]["predict"])
        assert refs["outputs"]["predict"] == model.predict(X).tolist()
        assert np.array_equal(np.asarray(refs["outputs"]["predict_proba"]), model.predict_proba(X))
        assert len(set(refs["outputs"]["predict"])) == 3  # every class is represented
    assert _onnx_refs(work / "logreg.onnx")["dtype"] == "float32"
    assert read_references(work / "logreg.json")["dtype"] == "float64"  # type: ignore[index]
    svc = _onnx_refs(work / "svc.onnx")
    assert all(isinstance(v, int) for v in svc["outputs"]["predict"])


def _tamper_onnx(src: Path, dst: Path, how: str) -> str:
    """Change one weight: ``scale`` multiplies the largest-magnitude float weight (of any
    initializer with several values) by 1.02; ``shift`` adds 0.05 to the largest-magnitude
    entry of the biggest weight matrix (support vectors, hidden layer, coefficients)."""
    model = onnx.load(src)
    best = None
    for init in model.graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype.kind == "f" and arr.size > 1 and np.all(np.isfinite(arr)):
            m = float(np.abs(arr).max()) if how == "scale" else (arr.ndim == 2) * arr.size
            if best is None or m > best[0]:
                best = (m, init)
    assert best is not None
    arr = numpy_helper.to_array(best[1]).copy()
    i = int(np.argmax(np.abs(arr)))
    if how == "scale":
        arr.flat[i] *= 1.02
    else:
        arr.flat[i] += 0.05
    best[1].CopyFrom(numpy_helper.from_array(arr, best[1].name))
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return best[1].name


@pytest.mark.parametrize("how", ["scale", "shift"])
@pytest.mark.parametrize("fmt", [".onnx", ".f64.onnx"])
@pytest.mark.parametrize("family", FAMILIES)
def test_tampered_onnx_weight_fails(work: Path, tmp_path: Path, family: str, fmt: str, how: str) -> None:
    bad = tmp_path / f"bad{fmt}"
    name = _tamper_onnx(work / f"{family}{fmt}", bad, how)
    res = _cli("verify", bad)
    assert res.exit_code == 1, f"tampering {name} went unnoticed:\n{res.output}{res.stderr}"
    assert "NOT equivalent" in res.output and "FAIL" in res.output


@pytest.mark.parametrize("family", FAMILIES)
def test_tampered_json_weight_fails(work: Path, tmp_path: Path, family: str) -> None:
    """One weight of the spec on disk moved by +0.05 (the largest |w| of the first weight matrix)."""
    spec = json.loads((work / f"{family}.json").read_text())
    node = next(n for n in spec["nodes"] if "weight" in n or "centres" in n)
    w = np.asarray(node.get("weight", node.get("centres")), dtype=float)
    i = np.unravel_index(int(np.argmax(np.abs(w))), w.shape)
    w[i] += 0.05
    node["weight" if "weight" in node else "centres"] = w.tolist()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    res = _cli("verify", bad)
    assert res.exit_code == 1, res.output + res.stderr
    assert "NOT equivalent" in res.output


def test_tampered_reference_output_fails(work: Path, tmp_path: Path) -> None:
    """The check is two-sided: a changed stored label fails too."""
    spec = json.loads((work / "logreg.json").read_text())
    labels = spec["references"]["outputs"]["predict"]
    labels[0] = "setosa" if labels[0] != "setosa" else "virginica"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    res = _cli("verify", bad, "--json")
    assert res.exit_code == 1
    report = json.loads(res.output)
    predict = next(o for o in report["checks"][0]["outputs"] if o["output"] == "predict")
    assert report["equivalent"] is False and predict["mismatches"] == 1


@pytest.mark.parametrize("suffix", [".onnx", ".json"])
def test_references_from_data_are_data_rows(work: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"net{suffix}"
    res = _cli("convert", work / "logreg.joblib", "-o", out, "--data", work / "iris.csv",
               "--target-column", "species", "--references", "10")  # fmt: skip
    assert res.exit_code == 0, res.output + res.stderr
    assert res.output.count("\n") == 1 and "10 reference rows embedded (data" in res.output
    refs = _onnx_refs(out) if suffix == ".onnx" else read_references(out)
    assert refs is not None and refs["source"] == "data"
    data_rows = {tuple(r) for r in load_iris().data.tolist()}
    rows = [tuple(r) for r in refs["X"]]
    assert len(rows) == len(set(rows)) == 10 and set(rows) <= data_rows
    assert _cli("verify", out).exit_code == 0


def test_file_without_references_is_trouble(work: Path, tmp_path: Path) -> None:
    for suffix in (".onnx", ".json"):
        out = tmp_path / f"plain{suffix}"
        _convert(work / "mlp.joblib", out, "--no-references")
        res = _cli("verify", out)
        assert res.exit_code == 2
        assert res.stderr.count("\n") == 1 and "no embedded references" in res.stderr
    assert ONNX_KEY not in {p.key for p in onnx.load(tmp_path / "plain.onnx").metadata_props}
    assert "references" not in json.loads((tmp_path / "plain.json").read_text())


def test_convert_with_references_is_deterministic(work: Path, tmp_path: Path) -> None:
    for suffix in (".onnx", ".json"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        _convert(work / "svc.joblib", a)
        _convert(work / "svc.joblib", b)
        assert a.read_bytes() == b.read_bytes()
        assert a.stat().st_size < 64_000  # small: the references add a few kB


def test_inspect_shows_references(work: Path) -> None:
    res = _cli("inspect", work / "svc.onnx")
    assert res.exit_code == 0 and "references: 32 rows, float32" in res.output
    d = json.loads(_cli("inspect", work / "svc.json", "--json").output)
    assert d["references"]["rows"] == 32 and d["references"]["dtype"] == "float64"
    assert "predict_proba" in d["references"]["outputs"]


def test_json_spec_carries_references_into_onnx(work: Path, tmp_path: Path) -> None:
    """convert net.json -o net.onnx keeps the pickle's outputs (rows the float32 graph cannot
    check robustly are dropped), and they still verify."""
    out = tmp_path / "from_spec.onnx"
    _convert(work / "pipe.json", out)
    refs, spec_refs = _onnx_refs(out), read_references(work / "pipe.json")
    assert spec_refs is not None and refs["reference"] == "estimator" and refs["dtype"] == "float32"
    assert {tuple(r) for r in refs["X"]} <= {tuple(r) for r in spec_refs["X"]}
    assert len(refs["X"]) >= 24
    assert _cli("verify", out).exit_code == 0


def test_boundary_rows_are_dropped_in_float32() -> None:
    """Rows exactly on a decision boundary of a binary model are dropped for float32 (and
    counted), kept for float64."""
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression().fit(X[:, :2], y > 0)
    net = nnconvert.convert(model)
    w, b = model.coef_[0], model.intercept_[0]
    on = np.column_stack([np.linspace(4, 7, 16), np.zeros(16)])
    on[:, 1] = -(b + w[0] * on[:, 0]) / w[1]  # decision_function == 0 up to rounding
    rows = np.vstack([on, X[:16, :2]])
    r32 = make_references(model, net, dtype="float32", X=rows, n=32)
    r64 = make_references(model, net, dtype="float64", X=rows, n=32)
    assert r32["dropped"]["near_boundary"] >= 14 and len(r32["X"]) <= 18
    assert len(r64["X"]) == 32 and r64["dropped"] == {"near_boundary": 0, "ill_conditioned": 0}
    assert all(isinstance(v, bool) for v in r32["outputs"]["predict"])
    assert check_references(numpy_runner(net, "float32"), r32).equivalent


def test_malformed_references_are_refused(work: Path, tmp_path: Path) -> None:
    spec = json.loads((work / "ridge.json").read_text())
    spec["references"]["X"][0] = spec["references"]["X"][0][:-1]  # a row one value short
    with pytest.raises(InvalidNetwork, match="references 'X'"):
        from_json(spec)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    res = _cli("verify", bad)
    assert res.exit_code == 2 and "references" in res.stderr


def test_verify_network_alone_rejects_wrong_dtype(work: Path) -> None:
    res = _cli("verify", work / "ridge.onnx", "--dtype", "float64")
    assert res.exit_code == 2 and "float32" in res.stderr


def test_spec_with_references_follows_the_schema(work: Path) -> None:
    import jsonschema

    from nnconvert.exporters.json_spec import schema

    spec = json.loads((work / "svc.json").read_text())
    jsonschema.Draft202012Validator(schema()).validate(spec)
    spec["references"]["dtype"] = "float16"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(spec)
    with pytest.raises(InvalidNetwork, match="dtype"):
        from_json(spec)
