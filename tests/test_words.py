"""What nnconvert says must be true: CSV headers, explain's sentences, inspect's counts, and
the views of the ONNX files convert writes (draw, explain, inspect read them; verify never
trusts their display description)."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from click.testing import CliRunner, Result
from onnx import numpy_helper
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from nnconvert.cli import cli
from nnconvert.exporters.onnx import DISPLAY_KEY
from nnconvert.io.sources import open_source


def _cli(*args: object, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("words")
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    models = {
        "ovo": SVC(decision_function_shape="ovo").fit(X, names),
        "proba": make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        models["proba"].fit(X, y)
    out = {"dir": d}
    for key, est in models.items():
        with open(d / f"{key}.pkl", "wb") as fh:
            pickle.dump(est, fh)
        out[key] = d / f"{key}.pkl"
        _cli("convert", out[key], "-o", d / f"{key}.onnx")
        _cli("convert", out[key], "-o", d / f"{key}64.onnx", "--dtype", "float64")
        out[f"{key}.onnx"], out[f"{key}64.onnx"] = d / f"{key}.onnx", d / f"{key}64.onnx"
    np.savetxt(d / "rows.csv", X[::10], delimiter=",")
    out["rows"] = d / "rows.csv"
    return out


def test_ovo_decision_columns_are_headed_by_class_pairs(files: dict[str, Path]) -> None:
    """Three classes make three pairs: the columns must not be taken for the classes."""
    want = "predict,decision_function[setosa|versicolor],decision_function[setosa|virginica]"
    want += ",decision_function[versicolor|virginica]"
    for network in (files["ovo"], files["ovo.onnx"]):
        assert _cli("predict", network, "--data", files["rows"]).output.splitlines()[0] == want


def test_explain_says_a_probability_svc_votes(files: dict[str, Path]) -> None:
    text = _cli("explain", files["proba"]).output
    headline = text.splitlines()[0]
    assert headline.endswith("= predict_proba -> argmax of votes -> classes_ = predict")
    assert "predict still takes the votes, not the argmax of predict_proba" in text


def test_inspect_counts_the_same_parameters_for_a_model_and_its_onnx_file(files: dict[str, Path]) -> None:
    model = json.loads(_cli("inspect", files["proba"], "--json").output)
    for onnx_file in (files["proba.onnx"], files["proba64.onnx"]):
        d = json.loads(_cli("inspect", onnx_file, "--json").output)
        assert (d["parameters"], d["parameters_counted"]) == (model["parameters"], model["parameters_counted"])
        assert [r["name"] for r in d["layers"]] == [r["name"] for r in model["layers"]]
    assert "kernel centres" in _cli("inspect", files["proba.onnx"]).output


def test_draw_and_explain_read_the_onnx_files_convert_writes(files: dict[str, Path]) -> None:
    model_text = _cli("explain", files["proba"]).output
    assert _cli("explain", files["proba64.onnx"]).output == model_text  # float64 weights: the same words
    assert _cli("explain", files["proba.onnx"]).output.splitlines()[0] == model_text.splitlines()[0]
    for key in ("proba.onnx", "ovo.onnx"):
        svg = files["dir"] / f"{key}.svg"
        _cli("draw", files[key], "-o", svg)
        assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_a_foreign_onnx_file_is_refused_in_one_line(files: dict[str, Path], tmp_path: Path) -> None:
    model = onnx.load(files["ovo.onnx"])
    keep = [p for p in model.metadata_props if p.key != DISPLAY_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    onnx.save(model, tmp_path / "foreign.onnx")
    for command in (["explain"], ["draw", "-o", tmp_path / "f.svg"]):
        result = _cli(command[0], tmp_path / "foreign.onnx", *command[1:], code=2)
        assert "was not written by nnconvert" in result.output and len(result.output.strip().splitlines()) == 1


def test_verify_never_trusts_the_display_description(files: dict[str, Path], tmp_path: Path) -> None:
    """The display description is not the network verify checks: changing it changes nothing,
    changing a real weight of the graph is caught."""
    model = onnx.load(files["proba64.onnx"])
    assert open_source(files["proba64.onnx"]).network is None
    prop = next(p for p in model.metadata_props if p.key == DISPLAY_KEY)
    spec = json.loads(prop.value)
    dense = next(n for n in spec["nodes"] if n["op"] == "dense" and isinstance(n["bias"], list))
    dense["bias"] = [b + 100.0 for b in dense["bias"]]
    prop.value = json.dumps(spec)
    onnx.save(model, tmp_path / "display_tampered.onnx")
    _cli("verify", files["proba"], tmp_path / "display_tampered.onnx", "--synthetic", 300)
    model = onnx.load(files["proba64.onnx"])
    init = next(t for t in model.graph.initializer if t.name.endswith(".bias") and "pairs" in t.name)
    init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) + 1.0, init.name))
    onnx.save(model, tmp_path / "graph_tampered.onnx")
    _cli("verify", files["proba"], tmp_path / "graph_tampered.onnx", "--synthetic", 300, code=1)
