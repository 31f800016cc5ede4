"""CatBoost files read by nnconvert: without CatBoost importable, through the real CLI, and
refusals of what is malformed or has no exact network (one line each)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nnconvert.io.native import catboost_json
from tests.cli_helpers import one_error, run_cli

catboost = pytest.importorskip("catboost")


def _fit(classifier: bool = True, **kw):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = np.array(["lo", "mid", "hi"])[np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])] if classifier else X[:, 0] * 2
    cls = catboost.CatBoostClassifier if classifier else catboost.CatBoostRegressor
    est = cls(iterations=15, depth=3, verbose=0, random_seed=0, allow_writing_files=False, **kw)
    return est.fit(X, y), rng.normal(size=(60, 4))


@pytest.mark.parametrize("grow_policy", ["SymmetricTree", "Depthwise", "Lossguide"])
def test_json_and_pickle_convert_without_catboost(tmp_path: Path, grow_policy: str) -> None:
    est, X = _fit(grow_policy=grow_policy)
    X[::7, 1] = np.nan
    est.save_model(str(tmp_path / "model.json"), format="json")
    est.save_model(str(tmp_path / "model.cbm"))
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(est))
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        sys.modules["catboost"] = None  # any `import catboost` now raises ImportError
        import nnconvert
        from nnconvert.cli import cli
        X = np.load({str(tmp_path / "X.npy")!r})
        for name in ("model.json", "model.pkl", "model.cbm"):
            model = nnconvert.load_model({str(tmp_path)!r} + "/" + name)
            out = nnconvert.run(nnconvert.convert(model), X)
            np.savez({str(tmp_path)!r} + "/" + name + ".npz", proba=out["predict_proba"], label=out["predict"].astype(str))
        cli.main(["convert", {str(tmp_path / "model.json")!r}, "-o", {str(tmp_path / "model.onnx")!r}], standalone_mode=False)
        assert sys.modules["catboost"] is None
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("model.json", "model.pkl", "model.cbm"):
        out = np.load(tmp_path / f"{name}.npz")
        np.testing.assert_allclose(out["proba"], est.predict_proba(X), rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(out["label"], est.predict(X).astype(str))
    assert (tmp_path / "model.onnx").stat().st_size > 0


@pytest.mark.parametrize("name", ["model.json", "model.joblib"])
def test_cli_convert_and_verify(tmp_path: Path, name: str) -> None:
    import joblib

    est, X = _fit(classifier=False, loss_function="Poisson")
    path = tmp_path / name
    if name.endswith(".json"):
        est.save_model(str(path), format="json")
    else:
        joblib.dump(est, path)
    np.save(tmp_path / "X.npy", X)
    res = run_cli("convert", path, "-o", tmp_path / "net.onnx")
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("verify", path, tmp_path / "net.onnx", "--data", tmp_path / "X.npy")
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("verify", tmp_path / "net.onnx")  # the embedded reference rows
    assert res.exit_code == 0, res.output + res.stderr


def test_sniff_tells_catboost_json_from_other_json(tmp_path: Path) -> None:
    est, _ = _fit()
    est.save_model(str(tmp_path / "m.json"), format="json")
    assert catboost_json.sniff((tmp_path / "m.json").read_bytes()[:4096])
    assert not catboost_json.sniff(b'{"learner": {"gradient_booster": {}}, "version": [2, 1, 0]}')
    import nnconvert

    spec = json.dumps(nnconvert.to_json(nnconvert.convert(est))).encode()
    assert not catboost_json.sniff(spec[:4096])


def test_cbm_file_is_told_by_content_and_checked(tmp_path: Path) -> None:
    """``save_model``'s default binary file converts under any name; a cut or corrupt one is one line."""
    from nnconvert.io.native import catboost_cbm, sniff_native

    est, X = _fit()
    est.save_model(str(tmp_path / "model.bin"))
    assert sniff_native(tmp_path / "model.bin") is catboost_cbm
    res = run_cli("verify", tmp_path / "model.bin", "--data", _saved(tmp_path, X))
    assert res.exit_code == 0, res.output + res.stderr
    data = (tmp_path / "model.bin").read_bytes()
    (tmp_path / "cut.cbm").write_bytes(data[: len(data) // 2])
    _one_line(tmp_path / "cut.cbm", 2, "cut.cbm", "corrupt")
    (tmp_path / "core.cbm").write_bytes(data[:4] + (1 << 31).to_bytes(4, "little") + data[8:])
    _one_line(tmp_path / "core.cbm", 2, "core.cbm", "corrupt")


def _saved(tmp_path: Path, X: np.ndarray) -> Path:
    np.save(tmp_path / "X.npy", X)
    return tmp_path / "X.npy"


def _one_line(path: Path, code: int, *words: str) -> None:
    one_error(run_cli("convert", path, "-o", path.with_suffix(".onnx")), code, *words)
    assert not path.with_suffix(".onnx").exists()


def test_malformed_json_files(tmp_path: Path) -> None:
    est, _ = _fit()
    est.save_model(str(tmp_path / "m.json"), format="json")
    text = (tmp_path / "m.json").read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    _one_line(tmp_path / "cut.json", 2, "cut.json", "not a valid CatBoost JSON model")
    doc = json.loads(text)
    doc["oblivious_trees"][0]["leaf_values"] = doc["oblivious_trees"][0]["leaf_values"][:-1]
    (tmp_path / "short.json").write_text(json.dumps(doc))
    _one_line(tmp_path / "short.json", 2, "tree 0 has")
    doc = json.loads(text)
    doc["oblivious_trees"][1]["splits"][0]["float_feature_index"] = 9
    (tmp_path / "feature.json").write_text(json.dumps(doc))
    _one_line(tmp_path / "feature.json", 2, "float feature 9")
    doc = json.loads(text)
    doc["model_info"]["params"]["loss_function"]["type"] = "SomeFutureLoss"  # never taken for a regressor
    (tmp_path / "loss.json").write_text(json.dumps(doc))
    _one_line(tmp_path / "loss.json", 1, "SomeFutureLoss", "not supported")
    doc = json.loads(text)
    doc["oblivious_trees"][0]["splits"][0]["split_type"] = "OnlineCtr"
    (tmp_path / "ctr.json").write_text(json.dumps(doc))
    _one_line(tmp_path / "ctr.json", 1, "not supported", "OnlineCtr")
    res = run_cli("convert", tmp_path / "m.json", "-o", tmp_path / "m.onnx", "--max-memory", "10K")
    one_error(res, 2, "memory limit")


def test_categorical_and_text_features_are_refused_by_name(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = [[float(a), c] for a, c in zip(rng.normal(size=120), rng.choice(["red", "blue", "green"], 120), strict=True)]
    y = rng.integers(0, 2, 120)
    est = catboost.CatBoostClassifier(iterations=5, depth=2, verbose=0, allow_writing_files=False)
    est.fit(catboost.Pool(X, y, cat_features=[1], feature_names=["size", "colour"]))
    est.save_model(str(tmp_path / "cat.json"), format="json", pool=catboost.Pool(X, y, cat_features=[1]))
    _one_line(tmp_path / "cat.json", 1, "not supported")
    (tmp_path / "cat.pkl").write_bytes(pickle.dumps(est))
    _one_line(tmp_path / "cat.pkl", 1, "categorical features are not supported", "colour")


def test_pickles_unfitted_and_corrupt(tmp_path: Path) -> None:
    (tmp_path / "unfitted.pkl").write_bytes(pickle.dumps(catboost.CatBoostRegressor(iterations=3)))
    _one_line(tmp_path / "unfitted.pkl", 1, "not fitted")
    est, _ = _fit()
    data = pickle.dumps(est, protocol=4)
    blob = est._serialize_model()
    at = data.index(blob)
    core = int.from_bytes(blob[4:8], "little")
    bad = blob[:8] + (core * 2).to_bytes(4, "little") + blob[12:]  # the root offset now points past the end
    (tmp_path / "corrupt.pkl").write_bytes(data[:at] + bad + data[at + len(blob) :])
    _one_line(tmp_path / "corrupt.pkl", 2, "corrupt.pkl", "corrupt")
    bad = b"CBM2" + blob[4:]
    (tmp_path / "magic.pkl").write_bytes(data[:at] + bad + data[at + len(blob) :])
    _one_line(tmp_path / "magic.pkl", 2, "not a CatBoost binary model")


def test_malformed_non_symmetric_trees(tmp_path: Path) -> None:
    """A Lossguide model's nested JSON, broken in the ways a reader could trip on: one line each."""
    est, _ = _fit(grow_policy="Lossguide", max_leaves=6)
    est.save_model(str(tmp_path / "m.json"), format="json")
    text = (tmp_path / "m.json").read_text()
    doc = json.loads(text)
    assert "trees" in doc and "oblivious_trees" not in doc

    def broken(name: str, change, code: int, *words: str) -> None:
        d = json.loads(text)
        change(d)
        (tmp_path / name).write_text(json.dumps(d))
        _one_line(tmp_path / name, code, *words)

    def first_leaf(node):
        while "value" not in node:
            node = node["left"]
        return node

    broken("width.json", lambda d: first_leaf(d["trees"][0]).update(value=[0.1, 0.2]), 2, "leaves with")
    broken("hole.json", lambda d: d["trees"][1].pop("right"), 2, "not an object")
    broken("split.json", lambda d: d["trees"][0]["split"].update(float_feature_index=7), 2, "float feature 7")
    broken("kind.json", lambda d: d["trees"][0]["split"].update(split_type="OneHotFeature"), 1, "not supported")
    broken("none.json", lambda d: d.update(trees=[]), 2, "no trees")
    deep: dict = {"value": 0.0}
    for _ in range(3000):  # nesting deeper than Python's JSON parser goes
        deep = {"split": {"split_type": "FloatFeature", "float_feature_index": 0, "border": 0.0}, "left": deep,
                "right": {"value": 1.0}}  # fmt: skip
    (tmp_path / "deep.json").write_text(text.replace('"trees":', '"trees": [' + _dump_deep(deep) + '], "old":', 1))
    _one_line(tmp_path / "deep.json", 2, "deep.json")


def _dump_deep(node: dict) -> str:
    """``json.dumps`` of a nesting deeper than its recursion allows, written without recursion."""
    parts, tail = [], []
    while "split" in node:
        parts.append(
            '{"split": ' + json.dumps(node["split"]) + ', "right": ' + json.dumps(node["right"]) + ', "left": '
        )
        tail.append("}")
        node = node["left"]
    return "".join(parts) + json.dumps(node) + "".join(tail)


def test_non_symmetric_steps_are_checked() -> None:
    """The step nodes' own checks (what a corrupt pickle blob would reach): steps past the tree's
    end and leaves outside the values are one ModelLoadError line."""
    from nnconvert.errors import ModelLoadError
    from nnconvert.io.limits import Budget, Limits
    from nnconvert.io.native.catboost_model import FloatFeature, Parts, build

    def parts(steps: list[list[int]]) -> Parts:
        info = {"params": {"loss_function": {"type": "RMSE"}}}
        splits = [(0, 0.5)] * len(steps)
        return Parts([FloatFeature(0, (0.5,), "AsIs")], [splits], [np.array([1.0, 2.0])], 1, 1.0, [0.0], info,
                     [np.array(steps)])  # fmt: skip

    budget = Budget("t", Limits.with_memory(None))
    good = build(parts([[1, 2, -1], [0, 0, 0], [0, 0, 1]]), budget, origin="test")
    np.testing.assert_array_equal(good.predict(np.array([[0.0], [1.0], [np.nan]])), [1.0, 2.0, 1.0])
    one_sided = build(parts([[0, 1, 1], [0, 0, 0]]), budget, origin="test")  # left ends at the root itself
    np.testing.assert_array_equal(one_sided.predict(np.array([[0.0], [1.0]])), [2.0, 1.0])
    for steps, words in (([[1, 3, -1], [0, 0, 0], [0, 0, 1]], "outside the tree"),
                         ([[1, 2, -1], [0, 0, 0], [0, 0, 2]], "outside the model's leaf values"),
                         ([[1, 2, -1], [0, 0, -1], [0, 0, 1]], "outside the model's leaf values")):  # fmt: skip
        with pytest.raises(ModelLoadError, match=words):
            build(parts(steps), budget, origin="test")
