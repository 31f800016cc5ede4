"""XGBoost beyond the conformance cases: model files converted where xgboost cannot be imported,
the CLI on a ``.ubj`` file, pickles and joblib files through the safe loader, malformed / truncated
/ oversized JSON and UBJSON files, refused configurations, categorical models (files without
xgboost, CSV columns of strings, category names XGBoost cut short, broken category sets), and the
UBJSON reader itself."""

from __future__ import annotations

import json
import pickle
import struct
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest

import nnconvert
from nnconvert.errors import ModelLoadError, UnsupportedModel
from nnconvert.io import ubjson
from nnconvert.io.limits import Budget, Limits
from nnconvert.io.native import sniff_native, xgboost_model
from tests.cases.trees import CITIES, SIZES, classification, regression
from tests.cases.xgboost_models import ODD_CODES, frame_fit, split_rows, splits_of
from tests.cli_helpers import one_error, run_cli

xgb = pytest.importorskip("xgboost")


def _fit_classifier(n_classes: int = 3, **kw):
    X, y, X_eval = classification(n_classes, "int", nan=True, seed=11)
    est = xgb.XGBClassifier(n_estimators=8, max_depth=3, random_state=0, n_jobs=1, **kw).fit(X, y)
    return est, np.vstack([X_eval, split_rows(np.nan_to_num(X_eval), splits_of(est.get_booster()))])


def _close(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for name, value in want.items():
        if np.asarray(value).dtype.kind == "f":
            np.testing.assert_allclose(got[name], value, rtol=1e-4, atol=1e-4)
        else:
            np.testing.assert_array_equal(got[name], value)


def _outputs(est, X) -> dict:
    return {"predict": est.predict(X), "predict_proba": est.predict_proba(X)}


# ---------------------------------------------------------------------------- without xgboost


def test_model_files_convert_where_xgboost_cannot_be_imported(tmp_path) -> None:
    """``load_model``, ``convert`` and ``nnconvert convert`` read ``.json`` and ``.ubj`` files in a
    process where ``import xgboost`` fails; the networks reproduce the live model."""
    est, X = _fit_classifier(3)
    est.save_model(tmp_path / "model.json")
    est.save_model(tmp_path / "model.ubj")
    reg = xgb.XGBRegressor(n_estimators=6, max_depth=2, n_jobs=1).fit(*regression(2, seed=2)[:2])
    reg.save_model(tmp_path / "reg.ubj")
    vec = xgb.XGBRegressor(n_estimators=6, max_depth=2, n_jobs=1, multi_strategy="multi_output_tree")
    vec.fit(*regression(3, seed=3)[:2]).save_model(tmp_path / "vec.json")
    linear = xgb.XGBClassifier(booster="gblinear", n_estimators=6, n_jobs=1).fit(*classification(3, "int", seed=4)[:2])
    linear.save_model(tmp_path / "linear.ubj")
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        sys.modules["xgboost"] = None  # any `import xgboost` now raises ImportError
        import nnconvert
        from nnconvert.cli import cli
        X = np.load({str(tmp_path / "X.npy")!r})
        for name in ("model.json", "model.ubj", "reg.ubj", "vec.json", "linear.ubj"):
            net = nnconvert.convert(nnconvert.load_model({str(tmp_path)!r} + "/" + name))
            np.savez({str(tmp_path)!r} + "/" + name + ".npz", **nnconvert.run(net, X))
        cli.main(["convert", {str(tmp_path / "model.ubj")!r}, "-o", {str(tmp_path / "net.onnx")!r}], standalone_mode=False)
        assert sys.modules["xgboost"] is None
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("model.json", "model.ubj"):
        _close(dict(np.load(tmp_path / f"{name}.npz")), _outputs(est, X))
    _close(dict(np.load(tmp_path / "reg.ubj.npz")), {"predict": reg.predict(X)})
    _close(dict(np.load(tmp_path / "vec.json.npz")), {"predict": vec.predict(X)})
    _close(dict(np.load(tmp_path / "linear.ubj.npz")), _outputs(linear, X))
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / "net.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    _close(dict(zip(names, session.run(None, {"X": X.astype(np.float32)}), strict=True)), _outputs(est, X))


def test_a_pickle_without_xgboost_says_to_install_it(tmp_path) -> None:
    est, _ = _fit_classifier(2)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(est))
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["xgboost"] = None
        from nnconvert.cli import cli
        sys.exit(cli.main(["convert", {str(path)!r}, "-o", {str(tmp_path / "n.onnx")!r}], standalone_mode=True))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "pip install 'nnconvert[boosters]'" in lines[0] and ".ubj" in lines[0]
    assert not (tmp_path / "n.onnx").exists()


# ---------------------------------------------------------------------------- the CLI


def test_cli_converts_and_verifies_a_ubj_file(tmp_path) -> None:
    est, X = _fit_classifier(3)
    model, net = tmp_path / "model.ubj", tmp_path / "net.onnx"
    est.save_model(model)
    np.savetxt(tmp_path / "X.csv", np.nan_to_num(X), delimiter=",")
    res = run_cli("convert", model, "-o", net)
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("verify", model, net, "--data", tmp_path / "X.csv")
    assert res.exit_code == 0 and "equivalent" in res.stdout, res.output + res.stderr
    res = run_cli("verify", net)  # the embedded reference rows
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("convert", model, "-o", tmp_path / "net64.onnx", "--dtype", "float64")
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("verify", model, tmp_path / "net64.onnx", "--data", tmp_path / "X.csv")
    assert res.exit_code == 0, res.output + res.stderr


def test_an_nnconvert_json_spec_is_not_taken_for_an_xgboost_model(tmp_path) -> None:
    est, _ = _fit_classifier(2)
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps(nnconvert.to_json(nnconvert.convert(est))))
    assert sniff_native(spec) is None
    est.save_model(tmp_path / "model.json")
    assert sniff_native(tmp_path / "model.json") is xgboost_model
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(json.loads((tmp_path / "model.json").read_text()), indent=2))
    assert sniff_native(pretty) is xgboost_model
    res = run_cli("convert", spec, "-o", tmp_path / "spec.onnx")
    assert res.exit_code == 0, res.output + res.stderr


# ---------------------------------------------------------------------------- pickles


def _wrappers():
    X, y, _ = classification(3, "int", nan=True, seed=3)
    Xr, yr, _ = regression(nan=True, seed=3)
    small = {"n_estimators": 5, "max_depth": 3, "n_jobs": 1, "random_state": 0}
    rel = np.digitize(yr, np.quantile(yr, [0.5, 0.8]))
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X, label=y == 1), 4)
    return [
        (xgb.XGBClassifier(**small).fit(X, y), X),
        (xgb.XGBRFClassifier(**small).fit(X, y == 2), X),
        (xgb.XGBRegressor(**small).fit(Xr, yr), Xr),
        (xgb.XGBRFRegressor(**small).fit(Xr, yr), Xr),
        (xgb.XGBRanker(**small).fit(Xr, rel, qid=np.repeat(np.arange(24), 10)), Xr),
        (booster, X),
    ]


@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_wrapper_and_booster_pickles_load_safely_and_convert_like_the_live_model(tmp_path, how) -> None:
    for k, (est, X) in enumerate(_wrappers()):
        path = tmp_path / f"m{k}.{'pkl' if how == 'pickle' else 'joblib'}"
        if how == "pickle":
            path.write_bytes(pickle.dumps(est, protocol=k % 5 + 1))
        else:
            joblib.dump(est, path, compress=k % 2 * 3)
        loaded = nnconvert.load_model(path)
        assert type(loaded) is type(est)
        live = nnconvert.run(nnconvert.convert(est), X)
        safe = nnconvert.run(nnconvert.convert(loaded), X)
        for name in live:
            np.testing.assert_array_equal(safe[name], live[name])
        if hasattr(est, "predict_proba"):
            np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_a_pickled_booster_whose_bytes_are_not_a_model_is_one_line(tmp_path) -> None:
    est, _ = _fit_classifier(2)
    data = pickle.dumps(est, protocol=4)
    start = data.index(b"{L\x00\x00\x00\x00\x00\x00\x00\x06Config")
    broken = data[:start] + b"{L\x00\x00\x00\x00\x00\x00\x00\x06Cxnfig" + data[start + 15 :]
    path = tmp_path / "broken.pkl"
    path.write_bytes(broken)
    one_error(run_cli("convert", path, "-o", tmp_path / "n.onnx"), 2, "broken.pkl")


# ---------------------------------------------------------------------------- bad files


def _ubj(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_malformed_truncated_and_oversized_files_are_one_line_exit_2(tmp_path) -> None:
    est, _ = _fit_classifier(3)
    est.save_model(tmp_path / "good.ubj")
    est.save_model(tmp_path / "good.json")
    good = (tmp_path / "good.ubj").read_bytes()
    at = good.index(b"split_conditions") + len(b"split_conditions")
    n_trees = good.index(b"trees") + len(b"trees")
    bad = {
        "truncated.ubj": good[: len(good) // 2],
        "count.ubj": good[:n_trees] + b"[#L" + struct.pack(">q", 2**40) + good[n_trees:],
        "typed.ubj": good[:at] + b"[$d#L" + struct.pack(">q", 2**27) + good[at:],  # 512 MiB of floats
        "marker.ubj": good[:at] + b"?" + good[at + 1 :],
        "trailing.ubj": good + b"}",
        "truncated.json": (tmp_path / "good.json").read_bytes()[:5000],
        "empty-learner.json": b'{"learner": {}, "version": [3, 2, 0]}',
        "types.json": b'{"learner": {"learner_model_param": "x"}, "version": [3, 2, 0]}',
    }
    for name, data in bad.items():
        path = _ubj(tmp_path, name, data)
        one_error(run_cli("convert", path, "-o", tmp_path / "n.onnx", "--max-memory", "256M"), 2, name)
        assert not (tmp_path / "n.onnx").exists()
    doc = json.loads((tmp_path / "good.json").read_text())
    tree = doc["learner"]["gradient_booster"]["model"]["trees"][0]
    tree["left_children"][1] = 0  # a cycle back to the root
    if tree["right_children"][1] < 0:
        tree["right_children"][1] = 0
    path = tmp_path / "cycle.json"
    path.write_text(json.dumps(doc))
    one_error(run_cli("convert", path, "-o", tmp_path / "n.onnx"), 2, "cycle.json")
    tree["left_children"] = tree["left_children"][:-1]
    path.write_text(json.dumps(doc))
    one_error(run_cli("convert", path, "-o", tmp_path / "n.onnx"), 2, "entries")


def test_malformed_vector_leaves_are_one_line_exit_2(tmp_path) -> None:
    """A multi-output tree's leaf indices and leaf weights are checked (each broken on its own),
    and a claimed leaf width is charged to the memory budget before anything is allocated."""
    X, y, _ = regression(3, seed=4)
    xgb.XGBRegressor(n_estimators=3, max_depth=2, n_jobs=1, multi_strategy="multi_output_tree").fit(X, y).save_model(
        tmp_path / "vec.json"
    )
    text = (tmp_path / "vec.json").read_text()

    def tree_of(doc: dict) -> dict:
        return doc["learner"]["gradient_booster"]["model"]["trees"][0]

    def leaf_index(tree: dict, value: int) -> None:
        tree["right_children"][tree["left_children"].index(-1)] = value

    changes = {
        "index.json": lambda t: leaf_index(t, 99),
        "negative.json": lambda t: leaf_index(t, -1),
        "ragged.json": lambda t: t["leaf_weights"].pop(),
        "nan.json": lambda t: t["leaf_weights"].__setitem__(0, "NaN"),
        "wide.json": lambda t: t["tree_param"].__setitem__("size_leaf_vector", "65535"),
    }
    for name, change in changes.items():
        doc = json.loads(text)
        change(tree_of(doc))
        (tmp_path / name).write_text(json.dumps(doc).replace('"NaN"', "NaN"))
        one_error(run_cli("convert", tmp_path / name, "-o", tmp_path / "n.onnx", "--max-memory", "64M"), 2, name)
        assert not (tmp_path / "n.onnx").exists()
    doc = json.loads(text)
    tree_of(doc).pop("leaf_weights")  # an older file: the leaves' base_weights, which this one lacks at leaves
    for t in doc["learner"]["gradient_booster"]["model"]["trees"]:
        t["base_weights"] = t["base_weights"][:-1]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    one_error(run_cli("convert", tmp_path / "old.json", "-o", tmp_path / "n.onnx"), 2, "entries")


def test_malformed_gblinear_weights_are_one_line_exit_2(tmp_path) -> None:
    X, y, _ = classification(3, "int", seed=5)
    xgb.XGBClassifier(booster="gblinear", n_estimators=3, n_jobs=1).fit(X, y).save_model(tmp_path / "linear.json")
    text = (tmp_path / "linear.json").read_text()
    for name, change in {"short.json": lambda w: w.pop(), "nan.json": lambda w: w.__setitem__(2, "NaN")}.items():
        doc = json.loads(text)
        change(doc["learner"]["gradient_booster"]["model"]["weights"])
        (tmp_path / name).write_text(json.dumps(doc).replace('"NaN"', "NaN"))
        one_error(run_cli("convert", tmp_path / name, "-o", tmp_path / "n.onnx"), 2, name, "gblinear")
        assert not (tmp_path / "n.onnx").exists()


def test_refused_configurations_are_one_line_exit_1(tmp_path) -> None:
    X, y, _ = classification(2, "int", seed=1)
    small = {"n_estimators": 3, "max_depth": 2, "n_jobs": 1}
    cats = X.copy()
    cats[:, 0] = np.floor(np.abs(cats[:, 0]) * 2) % 4
    import pandas as pd

    frame = pd.DataFrame(cats, columns=list("abcd"))
    frame["a"] = frame["a"].astype(int).astype("category")
    y_cat = np.isin(frame["a"], [1, 3]).astype(int)
    models = {
        "missing": (xgb.XGBClassifier(missing=np.inf, **small).fit(X, y), "missing=inf"),
        "categorical-missing": (
            xgb.XGBClassifier(enable_categorical=True, missing=-1.0, **small).fit(frame, y_cat),
            "categorical splits",
        ),
    }
    for name, (est, words) in models.items():
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(pickle.dumps(est))
        one_error(run_cli("convert", path, "-o", tmp_path / "n.onnx"), 1, words)
        if not name.endswith("missing"):  # the file knows nothing of the wrapper's missing
            est.save_model(tmp_path / f"{name}.ubj")
            one_error(run_cli("convert", tmp_path / f"{name}.ubj", "-o", tmp_path / "n.onnx"), 1, words)


# ---------------------------------------------------------------------------- categorical splits


def test_a_categorical_file_converts_without_xgboost_and_verifies_on_a_csv_of_strings(tmp_path) -> None:
    """A model fitted on pandas category columns, saved as ``.ubj``: converted in a process where
    ``import xgboost`` fails, the ONNX file takes the columns as they are (strings, numbers);
    ``verify`` on a CSV holding unseen categories, missing cells and another column order says
    equivalent; the ONNX outputs equal the live model's on the rows it can predict."""
    est, rows = frame_fit("XGBClassifier")()
    est.save_model(tmp_path / "cat.ubj")
    net = tmp_path / "cat.onnx"
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["xgboost"] = None
        from nnconvert.cli import cli
        cli.main(["convert", {str(tmp_path / "cat.ubj")!r}, "-o", {str(net)!r}], standalone_mode=False)
        assert sys.modules["xgboost"] is None
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows[["size", "city", "weight", "height"]].to_csv(tmp_path / "rows.csv", index=False)
    res = run_cli("verify", tmp_path / "cat.ubj", net, "--data", tmp_path / "rows.csv")
    assert res.exit_code == 0 and "equivalent" in res.stdout, res.output + res.stderr
    import onnxruntime as ort
    import pandas as pd

    seen = rows[rows["city"].isin(CITIES) & rows["size"].isin(SIZES)]
    seen = seen.astype({"city": pd.CategoricalDtype(CITIES), "size": pd.CategoricalDtype(SIZES)})  # fitted dtypes
    session = ort.InferenceSession(str(net), providers=["CPUExecutionProvider"])
    feeds = {
        "height": seen[["height"]].to_numpy(np.float32),
        "city": seen[["city"]].astype(str).to_numpy(object),
        "weight": seen[["weight"]].to_numpy(np.float32),
        "size": seen[["size"]].astype(float).to_numpy(np.float32),
    }
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds), strict=True))
    _close(got, _outputs(est, seen))


def test_category_names_xgboost_cut_short_are_one_line_exit_1(tmp_path) -> None:
    """XGBoost keeps one byte of each non-ASCII character of a category name: 'é' and 'è' are the
    same invalid byte, so the model's categories cannot be told apart."""
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=200), "town": pd.Categorical(rng.choice(["Orléans", "Nîmes", "Sète"], 200))}
    )
    est = xgb.XGBClassifier(n_estimators=3, max_depth=2, enable_categorical=True, n_jobs=1)
    est.fit(frame, (frame["town"] == "Sète").astype(int) ^ (frame["x"] > 1))
    est.save_model(tmp_path / "towns.json")
    (tmp_path / "towns.pkl").write_bytes(pickle.dumps(est))
    for name in ("towns.json", "towns.pkl"):
        one_error(run_cli("convert", tmp_path / name, "-o", tmp_path / "n.onnx"), 1, "UTF-8")
        assert not (tmp_path / "n.onnx").exists()


def _codes_model(tmp_path):
    X = np.c_[np.random.default_rng(1).normal(size=300), np.arange(300) % 7]
    y = np.isin(X[:, 1], [1, 4]) ^ (X[:, 0] > 0.5)
    est = xgb.XGBClassifier(n_estimators=8, max_depth=3, enable_categorical=True, feature_types=["q", "c"], n_jobs=1)
    est.fit(X, y)
    est.save_model(tmp_path / "codes.json")
    return est, json.loads((tmp_path / "codes.json").read_text())


def test_numpy_codes_convert_with_every_odd_code(tmp_path) -> None:
    est, _ = _codes_model(tmp_path)
    X = np.c_[np.zeros(len(ODD_CODES) + 7), [*ODD_CODES, *range(7)]]
    _close(nnconvert.run(nnconvert.convert(nnconvert.load_model(tmp_path / "codes.json")), X), _outputs(est, X))


def test_broken_category_sets_and_huge_tables_are_one_line(tmp_path) -> None:
    _, doc = _codes_model(tmp_path)

    def tree_of(d):
        trees = d["learner"]["gradient_booster"]["model"]["trees"]
        return next(t for t in trees if t["categories_nodes"])

    def broken(change) -> dict:
        d = json.loads(json.dumps(doc))
        change(tree_of(d))
        return d

    bad = {
        "past.json": broken(lambda t: t["categories_sizes"].__setitem__(0, len(t["categories"]) + 1)),
        "negative.json": broken(lambda t: t["categories"].__setitem__(0, -3)),
        "unset.json": broken(lambda t: t.update(categories_nodes=[], categories_segments=[], categories_sizes=[])),
        "twice.json": broken(
            lambda t: t.update(
                categories_nodes=t["categories_nodes"] * 2,
                categories_segments=t["categories_segments"] * 2,
                categories_sizes=t["categories_sizes"] * 2,
            )
        ),
        "huge-code.json": broken(lambda t: t["categories"].__setitem__(0, 2**24)),
    }
    strings = json.loads(json.dumps(doc))
    strings["learner"]["gradient_booster"]["model"]["cats"] = {
        "enc": [{"offsets": [], "values": []}, {"offsets": [0, 2, 9], "values": [65, 66, 67]}],
        "feature_segments": [0, 0, 2], "sorted_idx": [0, 1],
    }  # fmt: skip
    bad["offsets.json"] = strings
    floats = json.loads(json.dumps(strings))
    floats["learner"]["gradient_booster"]["model"]["cats"]["enc"][1] = {"type": 99, "values": [1, 2]}
    bad["type.json"] = floats
    for name, d in bad.items():
        (tmp_path / name).write_text(json.dumps(d))
        one_error(run_cli("convert", tmp_path / name, "-o", tmp_path / "n.onnx"), 2, name)
        assert not (tmp_path / "n.onnx").exists()
    wide = json.loads(json.dumps(doc))
    for t in wide["learner"]["gradient_booster"]["model"]["trees"]:
        t["categories"] = [2**24 - 1 - c for c in t["categories"]]  # codes near 2^24: a table 2^24 wide per set
    (tmp_path / "wide.json").write_text(json.dumps(wide))
    one_error(run_cli("convert", tmp_path / "wide.json", "-o", tmp_path / "n.onnx"), 1, "flags")
    assert not (tmp_path / "n.onnx").exists()


# ---------------------------------------------------------------------------- the UBJSON reader


def _budget(memory: int = 1 << 30) -> Budget:
    return Budget("x.ubj", Limits(max_memory=memory))


def test_ubjson_reads_every_value_kind_and_optimized_containers() -> None:
    data = (
        b"{U\x01aSU\x02hiU\x01bi\xffU\x01cI\x01\x00U\x01dl\x00\x00\x00\x05U\x01eD" + struct.pack(">d", 0.1)
        + b"U\x01fZU\x01gTU\x01hFU\x01iCzU\x01jHU\x1412345678901234567890U\x01kN[$d#U\x02"
        + struct.pack(">ff", 1.5, -2.0) + b"U\x01l[$U#i\x03\x01\x02\x03U\x01m{$i#U\x02U\x01x\x01U\x01y\x02"
        + b"U\x01n[SU\x01a[]]}"
    )  # fmt: skip
    value = ubjson.loads(data, _budget())
    assert value["a"] == "hi" and value["b"] == -1 and value["c"] == 256 and value["d"] == 5
    assert value["e"] == 0.1 and value["f"] is None and value["g"] is True and value["h"] is False
    assert value["i"] == "z" and value["j"] == 12345678901234567890
    np.testing.assert_array_equal(value["k"], np.array([1.5, -2.0], dtype=np.float32))
    assert value["k"].dtype == np.float32 and value["l"].tolist() == [1, 2, 3]
    assert value["m"] == {"x": 1, "y": 2} and value["n"] == ["a", []]


def test_ubjson_refuses_claims_before_allocating() -> None:
    with pytest.raises(ModelLoadError, match="memory limit"):
        ubjson.loads(b"[$D#L" + struct.pack(">q", 1 << 20) + b"\x00" * 16, _budget(1 << 20))
    with pytest.raises(ModelLoadError, match="truncated"):
        ubjson.loads(b"[$D#i\x04" + b"\x00" * 16, _budget())
    with pytest.raises(ModelLoadError, match="truncated"):
        ubjson.loads(b"SL" + struct.pack(">q", 1 << 20) + b"abc", _budget())
    with pytest.raises(ModelLoadError, match="negative"):
        ubjson.loads(b"Si\xffabc", _budget())
    with pytest.raises(ModelLoadError, match="nested"):
        ubjson.loads(b"[" * 200 + b"]" * 200, _budget())
    with pytest.raises(ModelLoadError, match="items"):
        ubjson.loads(b"{#L" + struct.pack(">q", 1 << 40), _budget())
    with pytest.raises(ModelLoadError, match="truncated"):
        ubjson.loads(b"[#l\x00\x10\x00\x00" + b"Z", _budget())


def test_model_attributes_come_from_the_file(tmp_path) -> None:
    X, y, _ = classification(3, "int", seed=9, n=400)
    est = xgb.XGBClassifier(n_estimators=40, early_stopping_rounds=2, learning_rate=0.8, n_jobs=1)
    est.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])], verbose=False)
    est.save_model(tmp_path / "m.ubj")
    model = nnconvert.load_model(tmp_path / "m.ubj")
    assert isinstance(model, xgboost_model.XGBoostModel)
    assert model.best_iteration == est.best_iteration and model.sklearn_type == "classifier"
    assert (
        model.num_class == 3
        and model.objective == "multi:softprob"
        and len(model.trees) == len(est.get_booster().get_dump())
    )
    linear = xgb.XGBRegressor(booster="gblinear", n_estimators=2, n_jobs=1).fit(X, y)
    linear.save_model(tmp_path / "l.json")
    model = nnconvert.load_model(tmp_path / "l.json")
    assert model.booster == "gblinear" and not model.trees and model.linear.shape == (X.shape[1] + 1, 1)
    doc = json.loads((tmp_path / "l.json").read_text())
    doc["learner"]["gradient_booster"]["name"] = "gbforest"
    (tmp_path / "other.json").write_text(json.dumps(doc))
    with pytest.raises(UnsupportedModel, match="gbforest"):
        nnconvert.load_model(tmp_path / "other.json")
