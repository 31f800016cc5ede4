"""`nnconvert inspect` and `list` tell the SVM architecture in words, with the model's own numbers:
support vectors (kernel neurons), class pairs, votes, Platt/coupling, for real pickled models."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, NuSVR, OneClassSVM

from nnconvert.cli import cli
from tests.cases import blobs, classes_of


def _fit(est: Any, X: np.ndarray, y: np.ndarray | None = None) -> Any:
    with warnings.catch_warnings():  # SVC(probability=True) is deprecated in 1.9 but lives on in pickles
        warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
        return est.fit(X) if y is None else est.fit(X, y)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    d = tmp_path_factory.mktemp("svm_inspect")
    X3, y3, _ = blobs(3, n_samples=150, seed=5)
    X2, y2, _ = blobs(2, n_samples=120, seed=6)
    fitted = {
        "binary": _fit(SVC(kernel="poly", degree=2, gamma=0.3, coef0=1.5), X2, classes_of("wild", 2)[y2]),
        "ovo": _fit(SVC(gamma=0.2, decision_function_shape="ovo"), X3, classes_of("str", 3)[y3]),
        "ovr": _fit(SVC(gamma=0.2, break_ties=True), X3, y3),
        "proba": _fit(SVC(gamma=0.2, probability=True, random_state=0), X3, y3),
        "nusvr": _fit(NuSVR(kernel="sigmoid", gamma=0.01, coef0=0.5), X3, X3[:, 0]),
        "oneclass": _fit(OneClassSVM(gamma=0.1, nu=0.2), X3),
        "calibrated": _fit(CalibratedClassifierCV(SVC(gamma=0.2), cv=2), X3, y3),
        "poly": _fit(make_pipeline(StandardScaler(), PolynomialFeatures(3), Ridge()), X3, X3[:, 1]),
    }
    out = {}
    for name, est in fitted.items():
        path = d / f"{name}.pkl"
        path.write_bytes(pickle.dumps(est))
        out[name] = (path, est)
    return out


def _inspect(path: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["inspect", str(path), *extra])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _architecture(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  architecture: "))
    out = [lines[start].removeprefix("  architecture: ")]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 16):
            break
        out.append(line.strip())
    return out


def test_multiclass_ovo_svc_says_support_vectors_pairs_votes(models) -> None:
    path, est = models["ovo"]
    n_sv = len(est.support_vectors_)
    (line,) = _architecture(_inspect(path))
    assert line.startswith(f"SVC rbf, gamma=0.2: {n_sv} support vectors (kernel neurons) -> 3 pair neurons")
    assert "3 vote neurons (libsvm ovo rule" in line and "argmax (ties to the lowest class) -> 3 classes" in line
    assert "decision_function: the 3 pair neurons (ovo)" in line and "predict_proba" not in line
    (summary,) = json.loads(_inspect(path, "--json"))["summary"]
    assert summary["support_vectors"] == n_sv and summary["pairs"] == 3 and summary["classes"] == 3
    assert summary["support_per_class"] == est.n_support_.tolist() and summary["gamma"] == 0.2
    assert summary["votes"] == "libsvm ovo" and summary["probability"] is False


def test_binary_svc_names_its_one_pair_and_the_sign_rule(models) -> None:
    path, est = models["binary"]
    (line,) = _architecture(_inspect(path))
    n_sv = len(est.support_vectors_)
    assert line.startswith(f"SVC poly, gamma=0.3, degree=2, coef0=1.5: {n_sv} support vectors")
    assert "1 pair neuron (classes 3 vs 7" in line and ">= 0 -> 7, else 3 = predict" in line


def test_ovr_break_ties_and_probability(models) -> None:
    (ovr,) = _architecture(_inspect(models["ovr"][0]))
    assert "argmax of the ovr decision (break_ties)" in ovr and "votes + confidence/3 (3 ovr neurons)" in ovr
    path, est = models["proba"]
    (proba,) = _architecture(_inspect(path))
    assert proba.endswith("predict_proba: 3 Platt sigmoids -> clip -> libsvm pairwise coupling")
    (summary,) = json.loads(_inspect(path, "--json"))["summary"]
    assert summary["probability"] is True and summary["support_vectors"] == len(est.support_vectors_)


def test_regressor_and_one_class(models) -> None:
    path, est = models["nusvr"]
    (line,) = _architecture(_inspect(path))
    assert line == (
        f"NuSVR sigmoid, gamma=0.01, coef0=0.5: {len(est.support_vectors_)} support vectors (kernel neurons) "
        "-> 1 output neuron (dual_coef_, intercept_) = predict"
    )
    path, est = models["oneclass"]
    (line,) = _architecture(_inspect(path))
    assert line.startswith(f"OneClassSVM rbf, gamma=0.1: {len(est.support_vectors_)} support vectors")
    assert "+ offset_ = score_samples" in line and "-1 (outlier) = predict" in line


def test_calibrated_svc_lists_each_fold_then_the_calibration(models) -> None:
    path, est = models["calibrated"]
    lines = _architecture(_inspect(path))
    folds = [cc.estimator for cc in est.calibrated_classifiers_]
    assert len(lines) == len(folds) + 1
    for line, svc in zip(lines, folds, strict=False):
        assert line.startswith(f"SVC rbf, gamma=0.2: {len(svc.support_vectors_)} support vectors")
    assert lines[-1].startswith("CalibratedClassifierCV sigmoid: 2 base networks (SVC, ensemble of CV folds)")


def test_polynomial_features_counts_its_monomials(models) -> None:
    (line,) = _architecture(_inspect(models["poly"][0]))
    assert (
        line
        == "PolynomialFeatures: 5 inputs -> 56 monomial neurons of degree 0 to 3 (incl. the constant 1) = transform"
    )


def test_summary_survives_onnx_and_json(models, tmp_path: Path) -> None:
    path, _ = models["proba"]
    expected = _architecture(_inspect(path))
    for suffix in (".onnx", ".json"):
        out = tmp_path / f"net{suffix}"
        result = CliRunner().invoke(cli, ["convert", str(path), "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        assert _architecture(_inspect(out)) == expected


def test_list_describes_the_svm_architecture() -> None:
    result = CliRunner().invoke(cli, ["list", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["estimator"]: r for r in json.loads(result.stdout)}
    for name in ("SVC", "NuSVC"):
        arch = rows[f"sklearn.svm.{name}"]["architecture"]
        assert "1 per support vector" in arch and "1 per class pair" in arch and "votes" in arch
        assert "pairwise coupling" in arch
    for name in ("SVR", "NuSVR", "OneClassSVM"):
        assert "1 per support vector" in rows[f"sklearn.svm.{name}"]["architecture"]
    assert "monomial" in rows["sklearn.preprocessing.PolynomialFeatures"]["architecture"]
