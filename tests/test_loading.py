"""load_model: real models round-trip; malicious pickles are refused before they run."""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.util
import operator
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression, Perceptron, RidgeClassifier, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import nnconvert
from nnconvert.errors import ModelLoadError, UntrustedModel
from nnconvert.io.loading import load_model
from tests.cases import all_cases


class Reduce:
    """Pickled as ``func(*args)``; callable, so it can itself stand for a pickled callable."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)

    def __call__(self, *args):  # pragma: no cover - never called, only pickled
        raise RuntimeError("not for calling")


class Benign:
    """A harmless class that is on no allow-list."""

    def __init__(self, value: int = 7):
        self.value = value


def _fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 60)]
    return make_pipeline(StandardScaler(), SGDClassifier(random_state=np.random.RandomState(0))).fit(X, y), X


def _write(path: Path, obj, how: str) -> Path:
    if how.startswith("pickle"):
        path.write_bytes(pickle.dumps(obj, protocol=int(how[-1])))
    elif how == "joblib":
        joblib.dump(obj, path)
    elif how == "skops":
        sio.dump(obj, path)
    else:
        joblib.dump(obj, path, compress=(how.split("-")[1], 1))
    return path


WRITERS = ["pickle0", "pickle2", "pickle5", "joblib", "joblib-zlib", "joblib-xz"]
# Every protocol and every joblib compressor (lz4 when installed) and skops.
ALL_WRITERS = [
    *(f"pickle{p}" for p in range(6)),
    "joblib",
    *(f"joblib-{c}" for c in ("zlib", "gzip", "bz2", "xz", "lzma")),
    *(["joblib-lz4"] if importlib.util.find_spec("lz4") else []),
    "skops",
]


# ----------------------------------------------------------------------------- round trips


def _sample_cases():
    """The first conformance case of each estimator kind (every family) and of each
    scaler -> estimator pipeline: one model of each kind pickles each helper class."""
    firsts: dict[str, object] = {}
    for case in all_cases():
        kind = case.id.split("-")[0]
        scaler = next((s for s in ("standard", "minmax", "maxabs", "robust") if case.id.endswith(f"-{s}")), None)
        firsts.setdefault(kind if scaler is None else f"{kind}+{scaler}", case)
    return list(firsts.values())


def _pickles_a_partial(est) -> bool:
    """HistGradientBoosting with categorical features keeps ``functools.partial(check_array)`` in
    its preprocessor: the loader refuses partials (a partial of an admitted function with a file's
    arguments is a call), so these pickles load only with --trust (README)."""
    return type(est).__name__.startswith("HistGradientBoosting") and est.categorical_features is not None


def _is_booster(est) -> bool:
    return type(est).__module__.split(".")[0] in ("xgboost", "lightgbm", "catboost")


def _check_booster_round_trip(case, est, X, tmp_path) -> None:
    """A boosting library's pickle loads (as the library's class, or as nnconvert's parsed model:
    the library's own model bytes read by nnconvert, its code never run) into the same network as
    the live model: every output identical."""
    expected = nnconvert.run(nnconvert.convert(case.convert_input(est)), X)
    for how in ("pickle5", "joblib", "joblib-zlib"):
        loaded = load_model(_write(tmp_path / "m.pkl", est, how))
        got = nnconvert.run(nnconvert.convert(loaded), X)
        assert got.keys() == expected.keys(), f"{case.id} {how}"
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=f"{case.id} {how} {key}")


def test_conformance_models_round_trip(tmp_path):
    """Every kind of model, in plain pickles of protocols 0-5, joblib files (uncompressed and
    every compressor) and skops files, loads through the safe reader and predicts identically."""
    unpicklable = []
    for case in _sample_cases():
        est, X = case.build()
        try:
            pickle.dumps(est)
        except (pickle.PicklingError, AttributeError, TypeError):
            unpicklable.append(type(est).__module__)  # ELM libraries keep lambdas: no pickle exists
            continue
        if _is_booster(est):
            _check_booster_round_trip(case, est, X, tmp_path)
            continue
        method = next(m for m in ("predict", "transform", "decision_function") if hasattr(est, m))
        if hasattr(X, "columns"):  # a DataFrame case: the estimator takes the fit's columns
            X = X[list(est.feature_names_in_)]
        expected = getattr(est, method)(X)
        if _pickles_a_partial(est):  # HistGradientBoosting with categorical_features: a known refusal
            with pytest.raises(UntrustedModel, match=r"'functools\.partial'"):
                load_model(_write(tmp_path / "m.pkl", est, "pickle5"))
            continue
        for how in ALL_WRITERS:
            suffix = {"joblib": ".joblib", "skops": ".skops"}.get(how.split("-")[0], ".pkl")
            loaded = load_model(_write(tmp_path / f"m{suffix}", est, how))
            assert type(loaded) is type(est), case.id
            got = getattr(loaded, method)(X)
            np.testing.assert_array_equal(got, expected, err_msg=f"{case.id} {how}")
    assert all(m.split(".")[0] in ("skelm", "hpelm", "tests") for m in unpicklable), unpicklable


@pytest.mark.parametrize("name", ["m.pkl", "m.joblib", "m.pickle", "m.joblib.gz"])
def test_format_is_told_by_content_not_suffix(tmp_path, name):
    est, X = _fitted()
    for how in ("pickle5", "joblib", "joblib-zlib"):
        loaded = load_model(_write(tmp_path / name, est, how))
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_support_objects_load(tmp_path):
    """RandomState/Generator params, LabelBinarizer, loss objects, numpy scalar types."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    models = [
        Perceptron(random_state=np.random.RandomState(3)).fit(X, y),
        RidgeClassifier().fit(X, y),
        LogisticRegression().fit(X, y.astype(np.float32)),
        SGDClassifier(loss="log_loss", random_state=np.random.RandomState(2)).fit(X, y),
    ]
    for est in models:
        for how in WRITERS:
            loaded = load_model(_write(tmp_path / "m.pkl", est, how))
            np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_skops_round_trip(tmp_path):
    est, X = _fitted()
    path = tmp_path / "m.skops"
    sio.dump(est, path)
    np.testing.assert_array_equal(load_model(path).predict(X), est.predict(X))


def test_skops_untrusted_type_is_refused_unless_trusted(tmp_path):
    path = tmp_path / "m.skops"
    sio.dump({"model": Benign(3)}, path)
    with pytest.raises(UntrustedModel, match=r"refusing to load m\.skops: it holds type 'tests\.test_loading\.Benign'"):
        load_model(path)
    assert load_model(path, trust=True)["model"].value == 3


def test_hpelm_style_dict_passes_through(tmp_path):
    saved = {
        "inputs": 3,
        "outputs": 2,
        "Classification": "c",
        "W": np.ones((2, 3)),
        "neurons": [(4, "sigm", np.ones((3, 4)), np.zeros(4))],
        "rng": np.random.default_rng(0),
    }
    for how in WRITERS:
        loaded = load_model(_write(tmp_path / "m.pkl", saved, how))
        assert isinstance(loaded, dict)
        np.testing.assert_array_equal(loaded["W"], saved["W"])


# ----------------------------------------------------------------------------- malicious payloads


def _payloads(marker: Path) -> dict[str, tuple[object, str]]:
    """name -> (object whose unpickling would create ``marker``, a regex of the global it asks for)."""
    m = str(marker)
    touch = f"open({m!r}, 'w').close()"
    return {
        "os.system": (Reduce(os.system, f"touch {m}"), "posix.system"),
        "builtins.eval": (Reduce(eval, touch), "builtins.eval"),
        "builtins.exec": (Reduce(exec, touch), "builtins.exec"),
        "builtins.open": (Reduce(open, m, "w"), "io.open"),
        "subprocess.Popen": (Reduce(subprocess.Popen, ["touch", m]), "subprocess.Popen"),
        "subprocess.check_output": (Reduce(subprocess.check_output, ["touch", m]), "subprocess.check_output"),
        "getattr-chain": (
            Reduce(Reduce(getattr, Reduce(builtins.__import__, "os"), "system"), f"touch {m}"),
            "builtins.getattr",
        ),
        "import_module": (
            Reduce(Reduce(getattr, Reduce(importlib.import_module, "os"), "system"), f"touch {m}"),
            "builtins.getattr",
        ),
        "functools.partial": (Reduce(Reduce(functools.partial, os.system, f"touch {m}")), "functools.partial"),
        "operator.methodcaller": (
            Reduce(Reduce(operator.methodcaller, "system", f"touch {m}"), Reduce(importlib.import_module, "os")),
            "operator.methodcaller",
        ),
        "pickle.loads": (
            Reduce(pickle.loads, pickle.dumps(Reduce(os.system, f"touch {m}"))),
            "(_)?pickle.loads",
        ),  # protocol 2 writes Python 2's name
        "numpy function": (Reduce(np.savetxt, m, np.zeros(2)), "numpy.savetxt"),
        "sklearn function": (
            Reduce(_sklearn_runner(), touch),
            "sklearn.utils._testing.assert_run_python_script_without_output",
        ),
    }


def _sklearn_runner():
    from sklearn.utils._testing import assert_run_python_script_without_output

    return assert_run_python_script_without_output


def _nested_in_estimator(payload):
    est, _ = _fitted()
    est.steps[1][1].evil = payload  # rides in the estimator's __dict__
    return est


@pytest.mark.parametrize("how", ["pickle2", "pickle5", "joblib", "joblib-zlib"])
@pytest.mark.parametrize("nested", [False, True], ids=["bare", "nested"])
def test_malicious_payloads_are_refused_and_never_run(tmp_path, how, nested):
    marker = tmp_path / "pwned"
    for label, (payload, global_name) in _payloads(marker).items():
        obj = _nested_in_estimator(payload) if nested else payload
        path = _write(tmp_path / "model.pkl", obj, how)
        with pytest.raises(UntrustedModel) as err:
            load_model(path)
        message = str(err.value)
        expected = rf"refusing to load model\.pkl: it asks for global '{global_name}', which nnconvert does not allow; pass --trust if you trust this file"
        assert re.fullmatch(expected, message), (label, message)
        assert not marker.exists(), f"{label} ran"


def test_a_named_module_is_never_imported(tmp_path, monkeypatch):
    (tmp_path / "nnconvert_evil_mod.py").write_text(
        f"open({str(tmp_path / 'imported')!r}, 'w').close()\ndef run(): pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # GLOBAL opcode by hand: protocol 0 'c<module>\n<name>\n', called with no arguments.
    path = tmp_path / "model.pkl"
    path.write_bytes(b"cnnconvert_evil_mod\nrun\n)R.")
    with pytest.raises(UntrustedModel, match=r"'nnconvert_evil_mod\.run'"):
        load_model(path)
    assert "nnconvert_evil_mod" not in sys.modules
    assert not (tmp_path / "imported").exists()


def test_trust_loads_a_benign_class_that_is_not_allow_listed(tmp_path):
    path = _write(tmp_path / "model.pkl", Benign(5), "pickle5")
    with pytest.raises(UntrustedModel, match=r"'tests\.test_loading\.Benign'"):
        load_model(path)
    assert load_model(path, trust=True).value == 5
    assert load_model(_write(tmp_path / "model.joblib", Benign(6), "joblib-zlib"), trust=True).value == 6


# ----------------------------------------------------------------------------- bad files


def test_missing_directory_empty_and_suffix(tmp_path):
    with pytest.raises(ModelLoadError, match="no such file"):
        load_model(tmp_path / "nope.pkl")
    (tmp_path / "d.pkl").mkdir()
    with pytest.raises(ModelLoadError, match="is a directory"):
        load_model(tmp_path / "d.pkl")
    (tmp_path / "e.joblib").write_bytes(b"")
    with pytest.raises(ModelLoadError, match=r"^e\.joblib is empty$"):
        load_model(tmp_path / "e.joblib")
    for name in ("m.json", "m.txt", "m"):
        with pytest.raises(ModelLoadError, match=r"supported: \.pkl, \.pickle, \.joblib, \.skops"):
            load_model(tmp_path / name)


@pytest.mark.parametrize("how", WRITERS)
def test_truncated_files(tmp_path, how):
    est, _ = _fitted()
    path = _write(tmp_path / "m.pkl", est, how)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) * 3 // 4, 3):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelLoadError) as err:
            load_model(path)
        assert "\n" not in str(err.value) and "m.pkl" in str(err.value)


def test_corrupt_and_foreign_files(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(b'{"layers": []}')
    with pytest.raises(ModelLoadError, match=r"not a pickle, joblib or skops file \(it looks like JSON\)"):
        load_model(path)
    path.write_bytes(b"\x80\x09" + b"\x00" * 20)
    with pytest.raises(
        ModelLoadError, match=f"uses pickle protocol 9; this Python reads protocols up to {pickle.HIGHEST_PROTOCOL}"
    ):
        load_model(path)
    path.write_bytes(b"\x80\x04\x95garbage-garbage-garbage")
    with pytest.raises(ModelLoadError, match=r"^m\.pkl is truncated or corrupt"):
        load_model(path)
    path.write_bytes(b"c_codecs\nencode\n(Vabc\nVrot13\ntR.")  # only latin-1 is ever looked up
    with pytest.raises(UntrustedModel, match=r"it asks for _codecs\.encode\(str, 'rot13'\)"):
        load_model(path)
    skops_path = tmp_path / "m.skops"
    skops_path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelLoadError, match="not a valid skops file"):
        load_model(skops_path)


@pytest.mark.parametrize(
    ("obj", "kind"),
    [
        ([1, 2], "a list"),
        (np.random.RandomState(0), "a numpy.RandomState"),
        ("model", "a str"),
        ((1,), "a tuple"),
        (3.5, "a float"),
        (np.ones(3), "a numpy.ndarray"),
        (None, "None"),
    ],
)
def test_plain_data_is_not_a_model(tmp_path, obj, kind):
    path = _write(tmp_path / "m.pkl", obj, "pickle5")
    with pytest.raises(ModelLoadError, match=rf"^m\.pkl holds {kind}, not a fitted model$"):
        load_model(path)


def test_scikit_learn_model_does_not_import_other_model_libraries(tmp_path) -> None:
    """The registry and allow-list resolve only libraries already imported: loading and
    converting a scikit-learn model never pays for importing scikit-elm (and dask) or hpelm."""
    import subprocess
    import sys
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "sample_models" / "logreg_iris.pkl"
    code = (
        "import sys, nnconvert\n"
        f"net = nnconvert.convert(nnconvert.load_model({str(sample)!r}))\n"
        "nnconvert.to_onnx(net)\n"
        "print(sorted(m for m in ('skelm', 'dask', 'hpelm') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
