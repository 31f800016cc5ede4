"""LightGBM details the conformance suite does not reach: model text files converted where
lightgbm cannot be imported, the CLI on .txt files and pickles, malformed and hostile model
texts (one line each), and the configurations refused by name."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nnconvert
from tests.cli_helpers import one_error, run_cli

lgb = pytest.importorskip("lightgbm")
_COMMON = {"n_jobs": 1, "verbose": -1, "min_child_samples": 5, "random_state": 0}


def _data(seed: int = 0, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[:, 3] = rng.integers(0, 40, n)
    X[rng.random(n) < 0.2, 0] = 0.0
    X[rng.random(n) < 0.1, 1] = np.nan
    score = X[:, 0] + np.nan_to_num(X[:, 1]) ** 2 + np.isin(X[:, 3], [3, 9, 33])
    return X, np.digitize(score, np.quantile(score, [0.4, 0.7]))


def _eval_rows(X: np.ndarray) -> np.ndarray:
    odd = np.array([[np.nan] * 4, [0.0] * 4, [1e-36, -1e-36, 0.0, -0.5], [0.1, 0.2, 0.3, 1e9], [1.0, 0.0, 0.0, 39.0]])
    return np.vstack([X[:60], odd])


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Fitted models and their files: a 3-class categorical classifier with zero-as-missing, a
    binary one, a poisson regressor."""
    d = tmp_path_factory.mktemp("lgbm")
    X, y = _data()
    out = {}
    multi = lgb.LGBMClassifier(n_estimators=8, num_leaves=9, zero_as_missing=True, min_data_per_group=5, **_COMMON)
    out["multi"] = multi.fit(X, np.array(["a", "b", "c"])[y], categorical_feature=[3])
    out["binary"] = lgb.LGBMClassifier(n_estimators=8, num_leaves=9, **_COMMON).fit(X, y > 0)
    out["poisson"] = lgb.LGBMRegressor(n_estimators=8, objective="poisson", **_COMMON).fit(X, np.exp(y / 2))
    for name, est in out.items():
        est.booster_.save_model(str(d / f"{name}.txt"))
        (d / f"{name}.pkl").write_bytes(pickle.dumps(est))
    X_eval = _eval_rows(X)
    np.savetxt(d / "X.csv", X_eval, delimiter=",", header="a,b,c,d", comments="")
    np.save(d / "X.npy", X_eval)
    return d, out, X_eval


def test_model_text_converts_without_lightgbm(models) -> None:
    """nnconvert.load_model / convert / run and ``nnconvert convert`` read LightGBM's own text
    files in a process where ``import lightgbm`` fails; the results match LightGBM's predict."""
    import onnxruntime as ort

    d, ests, X = models
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        sys.modules["lightgbm"] = None  # any `import lightgbm` now raises ImportError
        import nnconvert
        from nnconvert.cli import cli
        X = np.load({str(d / "X.npy")!r})
        for name in ("multi", "binary", "poisson"):
            out = nnconvert.run(nnconvert.convert(nnconvert.load_model({str(d)!r} + f"/{{name}}.txt")), X)
            np.save({str(d)!r} + f"/{{name}}_out.npy", out["predict"])
        cli.main(["convert", {str(d / "multi.txt")!r}, "-o", {str(d / "multi.onnx")!r}, "--dtype", "float64"],
                 standalone_mode=False)
        assert sys.modules["lightgbm"] is None
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ests:
        ref = lgb.Booster(model_file=str(d / f"{name}.txt")).predict(X)
        np.testing.assert_allclose(np.load(d / f"{name}_out.npy"), ref, rtol=1e-12, atol=1e-14)
    session = ort.InferenceSession(str(d / "multi.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, {"X": X}), strict=True))
    np.testing.assert_allclose(got["predict"], ests["multi"].predict_proba(X), rtol=1e-12, atol=1e-14)


def test_pickle_without_lightgbm_says_how_to_install(models) -> None:
    d, _, _ = models
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["lightgbm"] = None
        from nnconvert.cli import cli
        cli.main(["convert", {str(d / "multi.pkl")!r}, "-o", {str(d / "never.onnx")!r}])
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr  # a missing library is trouble (exit 2), as for xgboost
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "nnconvert[boosters]" in lines[0], done.stderr
    assert ".txt" in lines[0] and not (d / "never.onnx").exists()


@pytest.mark.parametrize("name,suffix", [("multi", "txt"), ("binary", "pkl"), ("poisson", "txt")])
def test_cli_convert_and_verify(models, tmp_path, name: str, suffix: str) -> None:
    """``nnconvert convert model.txt -o net.onnx`` then ``verify`` against LightGBM (a .txt's
    reference is LightGBM reading it; a pickle's, the safely loaded model, whose Booster LightGBM
    built from the model text once nnconvert's parser had checked it)."""
    d, _, _ = models
    model, onnx_path = d / f"{name}.{suffix}", tmp_path / "net.onnx"
    res = run_cli("convert", model, "-o", onnx_path)
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("verify", model, onnx_path, "--data", d / "X.csv")
    assert res.exit_code == 0, res.output + res.stderr
    res = run_cli("verify", onnx_path)  # the reference rows embedded by convert: no model, no library
    assert res.exit_code == 0, res.output + res.stderr


def test_told_by_content_not_suffix(models, tmp_path) -> None:
    d, ests, X = models
    odd = tmp_path / "model.weights"
    odd.write_bytes((d / "binary.txt").read_bytes())
    out = nnconvert.run(nnconvert.convert(nnconvert.load_model(odd)), X)
    np.testing.assert_allclose(out["predict"], ests["binary"].booster_.predict(X), rtol=1e-12, atol=1e-14)


def _mutations(text: str) -> dict[str, str]:
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("left_child="))

    children = lines[first][len("left_child=") :].split()
    cycled = list(lines)
    cycled[first] = "left_child=" + " ".join(["1", "0", *children[2:]])  # node 1's left child is the root

    def replace(prefix: str, value: str) -> str:
        return "\n".join(f"{prefix}{value}" if line.startswith(prefix) else line for line in lines)

    return {
        "truncated": text[: len(text) // 2],
        "huge num_leaves": replace("num_leaves=", "1000000000000"),
        "cycle": "\n".join(cycled),
        "feature out of range": replace("split_feature=", "99 " * 8),
        "threshold not a number": replace("threshold=", "abc " * 8),
        "nan threshold": replace("threshold=", "nan " * 8),
        "no end of trees": text.replace("end of trees", "end of tres"),
        "huge cat_boundaries": replace("cat_boundaries=", "0 99999999999"),
        "not utf-8": "tree\nversion=v4\n\xff\xfe".encode("latin-1").decode("latin-1"),
        "no num_class": text.replace("num_class=", "num_clas="),
        "duplicate key": text.replace("num_class=3\n", "num_class=3\nnum_class=3\n"),
    }


@pytest.mark.parametrize("what", list(_mutations("left_child=1 0\n")))
def test_malformed_model_text_is_one_line(models, tmp_path, what: str) -> None:
    d, _, _ = models
    text = (d / "multi.txt").read_text()
    bad = _mutations(text)[what]
    path, out = tmp_path / "bad.txt", tmp_path / "out.onnx"
    path.write_bytes(bad.encode("latin-1") if what == "not utf-8" else bad.encode())
    res = run_cli("convert", path, "-o", out)
    one_error(res, 2, "bad.txt")
    assert not out.exists()


def test_num_iteration_follows_best_iteration(models) -> None:
    """A Booster whose best_iteration is set predicts with that many iterations; so does its network."""
    d, _, X = models
    booster = lgb.Booster(model_file=str(d / "binary.txt"))
    booster.best_iteration = 3
    out = nnconvert.run(nnconvert.convert(booster), X)
    np.testing.assert_allclose(out["predict"], booster.predict(X), rtol=1e-12, atol=1e-14)
    assert not np.allclose(booster.predict(X), booster.predict(X, num_iteration=-1))


def test_custom_objective_classifier_is_refused_and_its_booster_converts() -> None:
    """LightGBM's classifier with an objective function returns raw scores from predict and
    predict_proba (with a warning): refused in one line that names what converts instead."""
    from nnconvert.errors import UnsupportedModel

    X, y = _data(3)

    def logistic(y_true, raw):
        p = 1 / (1 + np.exp(-raw))
        return p - y_true, p * (1 - p)

    est = lgb.LGBMClassifier(n_estimators=5, objective=logistic, verbose=-1).fit(X, (y > np.median(y)).astype(int))
    with pytest.raises(UnsupportedModel, match="custom objective"):
        nnconvert.convert(est)
    out = nnconvert.run(nnconvert.convert(est.booster_), X)
    np.testing.assert_allclose(out["predict"], est.booster_.predict(X), rtol=1e-12, atol=1e-14)


def _category_frame(n: int, seed: int, rows: bool):
    import pandas as pd

    rng = np.random.default_rng(seed)
    towns = ["Lima", "Oslo", "Rome"] + (["Berlin"] if rows else [])
    df = pd.DataFrame({"x": rng.normal(size=n), "town": pd.Categorical(rng.choice(towns, n)),
                       "size": pd.Categorical(rng.choice([2, 4, 8], n))})  # fmt: skip
    y = (df["town"] == "Oslo").to_numpy() ^ (df["x"] > 0.5).to_numpy()
    return df, y.astype(int)


def test_pandas_category_columns_verify_from_csv_and_the_model_text(tmp_path) -> None:
    """A wrapper fitted on pandas category columns (strings and numbers): the network takes the
    columns by name (the town as a string input); `verify` on a CSV of them (a town the model
    never saw included) and on the saved model text agrees; `predict` of the text writes
    Booster.predict's probabilities."""
    train, y = _category_frame(400, 0, rows=False)
    est = lgb.LGBMClassifier(n_estimators=6, num_leaves=7, min_data_per_group=5, **_COMMON).fit(train, y)
    net = nnconvert.convert(est)
    assert [(i.name, i.kind) for i in net.inputs] == [("x", "float"), ("town", "string"), ("size", "float")]
    assert net.inputs[1].vocabulary == ("Lima", "Oslo", "Rome")
    rows, _ = _category_frame(120, 1, rows=True)
    csv = tmp_path / "rows.csv"
    rows[["size", "town", "x"]].to_csv(csv, index=False)  # another column order
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(est))
    est.booster_.save_model(str(tmp_path / "m.txt"))
    for model in ("m.pkl", "m.txt"):
        res = run_cli("verify", tmp_path / model, "--data", csv)
        assert res.exit_code == 0, res.output
        assert res.output.rstrip().endswith("equivalent")
    res = run_cli("predict", tmp_path / "m.txt", "--data", csv, "-o", tmp_path / "out.csv")
    assert res.exit_code == 0, res.output
    got = np.loadtxt(tmp_path / "out.csv", delimiter=",", skiprows=1, usecols=0)
    np.testing.assert_allclose(got, est.predict_proba(rows)[:, 1], rtol=1e-6)  # Booster.predict: probabilities


def test_pandas_categories_that_cannot_be_placed_are_one_line_exit_1(tmp_path) -> None:
    train, y = _category_frame(200, 2, rows=False)
    est = lgb.LGBMClassifier(n_estimators=3, num_leaves=5, min_data_per_group=5, **_COMMON).fit(train, y)
    text = est.booster_.model_to_string()
    assert "[categorical_feature: 1,2]" in text
    for bad, words in (
        (text.replace("[categorical_feature: 1,2]", "[categorical_feature: 1]"), "which features"),
        (
            text.replace('pandas_categorical:[["Lima", "Oslo", "Rome"]', 'pandas_categorical:[["Lima", 3, "Rome"]'),
            "neither all strings",
        ),
    ):
        path = tmp_path / "bad.txt"
        path.write_text(bad)
        one_error(run_cli("convert", path, "-o", tmp_path / "n.onnx"), 1, words)
        assert not (tmp_path / "n.onnx").exists()
