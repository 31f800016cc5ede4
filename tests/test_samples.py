"""The shipped sample models: not stale, safe to load, convertible, and verified end to end.

Regenerating with ``sample_models/make_samples.py`` must give models whose outputs equal the
shipped ones on the shipped CSVs; every shipped ``.pkl`` loads through the allow-list loader
and converts into a network whose float64 outputs equal the model's own (1e-9 relative).
"""

from __future__ import annotations

import csv
import importlib.util
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nnconvert

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "sample_models"


def _load_script() -> Any:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES_DIR / "make_samples.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load sample_models/make_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_samples = _load_script()
SAMPLES = {s.model_file: s for s in make_samples.SAMPLES}


def read_csv(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """Header, float64 feature rows and the ``target`` column of a sample CSV."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    return header, np.array([[float(v) for v in r[:-1]] for r in body]), [r[-1] for r in body]


def own_outputs(path: Path, X: np.ndarray) -> dict[str, np.ndarray]:
    """The model's own outputs, from the library that made it (trusted: these are our files)."""
    if SAMPLES[path.name].hpelm_save:
        import hpelm

        with path.open("rb") as fh:
            saved = pickle.load(fh)
        elm = hpelm.ELM(saved["inputs"], saved["outputs"])
        with warnings.catch_warnings():  # hpelm's load leaves its file to the garbage collector
            warnings.simplefilter("ignore", ResourceWarning)
            elm.load(str(path))
        Y = elm.predict(X)
        return {"decision_function": Y, "predict": Y.argmax(1)}  # hpelm ELM._error: argmax for "c"
    with path.open("rb") as fh:
        est = pickle.load(fh)
    methods = ("predict", "predict_proba", "decision_function")
    return {m: np.asarray(getattr(est, m)(X)) for m in methods if hasattr(est, m)}


def assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=1e-9, atol=1e-12, err_msg=what)
    else:
        np.testing.assert_array_equal(np.asarray(got).astype(want.dtype), want, err_msg=what)


def test_every_shipped_file_is_generated_and_small() -> None:
    shipped = {p.name for p in SAMPLES_DIR.iterdir() if p.suffix in (".pkl", ".csv")}
    expected = set(SAMPLES) | {make_samples.csv_name(s) for s in SAMPLES.values()}
    assert shipped == expected, "sample_models/ differs from what make_samples.py writes: run `make samples`"
    total = sum(p.stat().st_size for p in SAMPLES_DIR.iterdir() if p.is_file())
    assert total < 1_000_000
    for name in expected - set(SAMPLES):
        header, X, target = read_csv(SAMPLES_DIR / name)
        assert header[-1] == "target" and len(header) == X.shape[1] + 1
        assert 0 < len(X) <= make_samples.MAX_ROWS and len(target) == len(X)


def test_regenerated_samples_equal_the_shipped_ones(tmp_path: Path) -> None:
    written = make_samples.main(tmp_path)
    assert sorted(p.name for p in written) == sorted({*SAMPLES, *(make_samples.csv_name(s) for s in SAMPLES.values())})
    for sample in SAMPLES.values():
        csv_file = make_samples.csv_name(sample)
        assert (tmp_path / csv_file).read_text() == (SAMPLES_DIR / csv_file).read_text(), f"{csv_file} is stale"
        _, X, _ = read_csv(SAMPLES_DIR / csv_file)
        fresh, shipped = own_outputs(tmp_path / sample.model_file, X), own_outputs(SAMPLES_DIR / sample.model_file, X)
        assert fresh.keys() == shipped.keys()
        for method, want in shipped.items():
            assert_same(fresh[method], want, f"{sample.model_file} {method} is stale: run `make samples`")


def test_iris_sample_has_string_classes() -> None:
    with (SAMPLES_DIR / "logreg_iris.pkl").open("rb") as fh:
        est = pickle.load(fh)
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize("model_file", sorted(SAMPLES))
def test_sample_loads_safely_and_converts_exactly(model_file: str) -> None:
    path = SAMPLES_DIR / model_file
    _, X, _ = read_csv(SAMPLES_DIR / make_samples.csv_name(SAMPLES[model_file]))
    model = nnconvert.load_model(path)  # the allow-list unpickler, no --trust
    net = nnconvert.convert(model)
    want = own_outputs(path, X)
    got = nnconvert.run(net, X)
    assert set(want) <= set(got), f"network outputs {sorted(got)}, model has {sorted(want)}"
    for method, ref in want.items():
        assert_same(got[method], ref, f"{model_file} {method} (numpy runtime)")
    import onnxruntime as ort

    sess = ort.InferenceSession(nnconvert.to_onnx(net, dtype="float64").SerializeToString())
    names = [o.name for o in sess.get_outputs()]
    for method, value in zip(names, sess.run(names, {"X": X}), strict=True):
        if method in want:
            assert_same(value, want[method], f"{model_file} {method} (onnxruntime float64)")


@pytest.mark.parametrize("model_file", sorted(SAMPLES))
def test_readme_verify_command_passes(model_file: str) -> None:
    from click.testing import CliRunner

    from nnconvert.cli import cli

    data = SAMPLES_DIR / make_samples.csv_name(SAMPLES[model_file])
    args = ["verify", str(SAMPLES_DIR / model_file), "--data", str(data), "--target-column", "target"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
