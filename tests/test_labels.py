"""Labels keep the estimator's dtype in every backend, and multi-label classifiers convert.

scikit-learn's ``predict`` returns ``classes_.take(...)``: labels fitted as ``uint8`` come back
``uint8``. The numpy runtime, the ONNX graph (its output element type) and the JSON spec (its
``{"dtype": ...}``) must say the same, and so must the metadata.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import TensorProto
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

import nnconvert
from nnconvert.check.verify import compare, numpy_runner, reference_outputs
from nnconvert.cli import cli
from nnconvert.exporters.onnx import read_metadata, run_onnx
from tests.cases import TYPED_LABELS

ELEM_TYPES = {"uint8": TensorProto.UINT8, "int32": TensorProto.INT32, "float32": TensorProto.FLOAT}
ELEM_TYPES["bool"] = TensorProto.BOOL


def _fit(model, dtype: str, n_classes: int):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 4))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], np.quantile(X[:, 0], np.linspace(0, 1, n_classes + 1)[1:-1]))
    return model.fit(X, TYPED_LABELS[dtype][:n_classes][y]), X


MODELS = {
    "linear": lambda: LogisticRegression(),
    "svc": lambda: SVC(),
    "mlp": lambda: MLPClassifier(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=200, random_state=0),
}


@pytest.mark.parametrize("family", MODELS)
@pytest.mark.parametrize("dtype", list(ELEM_TYPES))
def test_predict_keeps_the_label_dtype_in_every_backend(family: str, dtype: str) -> None:
    est, X = _fit(MODELS[family](), dtype, 2 if dtype == "bool" else 3)
    assert est.predict(X).dtype == np.dtype(dtype)
    net = nnconvert.convert(est)
    assert net.meta.classes_dtype == dtype
    assert nnconvert.run(net, X)["predict"].dtype == np.dtype(dtype)

    spec = json.loads(json.dumps(nnconvert.to_json(net)))
    assert spec["metadata"]["classes"]["dtype"] == dtype
    label_nodes = [n for n in spec["nodes"] if "classes" in n]
    assert label_nodes and all(n["classes"]["dtype"] == dtype for n in label_nodes)
    back = nnconvert.from_json(spec)
    assert back.meta.classes_array.dtype == np.dtype(dtype)
    assert nnconvert.run(back, X, np.float32)["predict"].dtype == np.dtype(dtype)

    model = nnconvert.to_onnx(net)
    out = next(o for o in model.graph.output if o.name == "predict")
    assert out.type.tensor_type.elem_type == ELEM_TYPES[dtype]
    assert read_metadata(model)["classes_dtype"] == dtype
    got = run_onnx(model, X)["predict"]
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, est.predict(X))


def test_verify_refuses_labels_of_another_dtype() -> None:
    """The comparison checks exact label dtypes: int64 labels for a uint8 model are a problem."""
    est, X = _fit(LogisticRegression(), "uint8", 3)
    net = nnconvert.convert(est)
    run = numpy_runner(net)

    def widened(rows: np.ndarray) -> dict[str, np.ndarray]:
        out = dict(run(rows))
        out["predict"] = out["predict"].astype(np.int64)
        return out

    result = compare(lambda rows: reference_outputs(est, rows), widened, [X], dtype="float64", network=net)
    assert not result.equivalent
    assert "int64" in result.outputs["predict"].problem and "uint8" in result.outputs["predict"].problem


def test_multilabel_mlp_converts_through_the_cli(tmp_path: Path) -> None:
    """convert samples self-check reference rows by bisecting between rows whose labels differ:
    with multi-label (2-D) predictions that indexed with a 2-D mask and crashed."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 5))
    Y = np.stack([X[:, 0] + X[:, 1] > 0, X[:, 2] * X[:, 3] > 0, X[:, 4] > 0.5], axis=1).astype(int)
    est = MLPClassifier(hidden_layer_sizes=(9,), solver="lbfgs", max_iter=300, random_state=0).fit(X, Y)
    with open(tmp_path / "multilabel.pkl", "wb") as fh:
        pickle.dump(est, fh)
    runner = CliRunner()
    for out in ("multilabel.onnx", "multilabel.json"):
        result = runner.invoke(cli, ["convert", str(tmp_path / "multilabel.pkl"), "-o", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    model = onnx.load(tmp_path / "multilabel.onnx")
    refs = json.loads(next(p.value for p in model.metadata_props if p.key == "nnconvert_references"))
    assert len(refs["X"]) > 0 and np.asarray(refs["outputs"]["predict"]).shape[1] == 3
    result = runner.invoke(cli, ["verify", str(tmp_path / "multilabel.json")])
    assert result.exit_code == 0, result.output
