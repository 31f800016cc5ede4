"""Bad input through the CLI: one ``Error:`` line on stderr, exit 2 (1 for a conversion that
cannot be done), no traceback, no output file created, an existing output left byte for byte."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
from click.testing import CliRunner, Result
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nnconvert.cli import cli

MINE = b"the user's own bytes\n"


class TweakedLogisticRegression(LogisticRegression):
    """A subclass may override predict, so nnconvert refuses it (lookup is by exact class)."""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    X, y = load_iris(return_X_y=True)
    joblib.dump(LogisticRegression(max_iter=500).fit(X, y), d / "good.joblib")
    joblib.dump(TweakedLogisticRegression(max_iter=500).fit(X, y), d / "subclass.joblib")
    joblib.dump(LogisticRegression(), d / "unfitted.joblib")
    with open(d / "list.pkl", "wb") as fh:
        pickle.dump([1, 2, 3], fh)
    good = (d / "good.joblib").read_bytes()
    (d / "truncated.pkl").write_bytes(good[: len(good) // 2])
    (d / "garbage.pkl").write_bytes(b"\x80\x05this is not a pickle at all")
    np.savetxt(d / "three_columns.csv", X[:, :3], delimiter=",")
    rows = [",".join(map(str, r)) for r in X[:5]]
    (d / "nan.csv").write_text("\n".join([*rows, "5.1,nan,1.4,0.2"]) + "\n")
    (d / "text.csv").write_text("a,b,c,d\n" + "\n".join([*rows, "5.1,3.5,lots,0.2"]) + "\n")
    (d / "header.csv").write_text("a,b,c,d,label\n" + "\n".join(r + ",0" for r in rows) + "\n")
    (d / "malformed.json").write_text('{"format": "nnconvert-network", "version": 1, "nodes": [')
    (d / "wrong_spec.json").write_text(json.dumps({"format": "nnconvert-network", "version": 1, "input": {"n_features": 4}, "nodes": [{"name": "h", "op": "dense", "input": "X", "weight": [[1.0, 2.0]]}], "outputs": {"predict": "h"}}))  # fmt: skip
    return {p.name: p for p in d.iterdir()} | {"dir": d}


def fails(args: list[object], codes: tuple[int, ...] = (2,)) -> Result:
    """Run the CLI and check the one-line error contract."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code in codes, (result.exit_code, result.stdout, result.stderr)
    err = result.stderr
    assert err.startswith("Error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err + result.stdout
    return result


def _outputs(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh output path and an existing output file holding the user's bytes."""
    existing = tmp_path / "existing.onnx"
    existing.write_bytes(MINE)
    return tmp_path / "new.onnx", existing


def _convert_fails(tmp_path: Path, model: object, codes: tuple[int, ...], *extra: object) -> str:
    new, existing = _outputs(tmp_path)
    msg = fails(["convert", model, "-o", new, *extra], codes).stderr
    fails(["convert", model, "-o", existing, "--force", *extra], codes)  # even --force keeps it on failure
    assert not new.exists() and existing.read_bytes() == MINE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.onnx"]  # no temp file left
    return msg


def test_unsupported_estimator_says_what_is_supported(files: dict[str, Path], tmp_path: Path) -> None:
    msg = _convert_fails(tmp_path, files["subclass.joblib"], (1,), "--trust")
    assert "TweakedLogisticRegression is not supported" in msg and "LogisticRegression" in msg and "SVC" in msg


def test_untrusted_global_is_refused(files: dict[str, Path], tmp_path: Path) -> None:
    msg = _convert_fails(tmp_path, files["subclass.joblib"], (2,))
    assert "TweakedLogisticRegression" in msg and "--trust" in msg


def test_unfitted_estimator(files: dict[str, Path], tmp_path: Path) -> None:
    assert "not fitted" in _convert_fails(tmp_path, files["unfitted.joblib"], (1,))


@pytest.mark.parametrize("name", ["truncated.pkl", "garbage.pkl"])
def test_corrupt_pickle(files: dict[str, Path], tmp_path: Path, name: str) -> None:
    assert name in _convert_fails(tmp_path, files[name], (2,))


def test_non_model_pickle(files: dict[str, Path], tmp_path: Path) -> None:
    assert "not a fitted model" in _convert_fails(tmp_path, files["list.pkl"], (2,))


def test_missing_file(files: dict[str, Path], tmp_path: Path) -> None:
    missing = files["dir"] / "nope.joblib"
    assert "no such file" in _convert_fails(tmp_path, missing, (2,))
    fails(["verify", missing, "--synthetic", 10])
    fails(["verify", files["good.joblib"], "--data", files["dir"] / "nope.csv"])
    fails(["inspect", missing])


def test_output_directory_missing(files: dict[str, Path], tmp_path: Path) -> None:
    msg = fails(["convert", files["good.joblib"], "-o", tmp_path / "no" / "such" / "dir" / "n.onnx"]).stderr
    assert "does not exist" in msg and not (tmp_path / "no").exists()


def test_output_directory_not_writable(files: dict[str, Path], tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes through permission bits; /proc refuses everyone
        target = Path("/proc/nnconvert-test.onnx")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = ro / "n.onnx"
    try:
        assert "cannot write" in fails(["convert", files["good.joblib"], "-o", target]).stderr
        assert not target.exists()
    finally:
        if target.parent != Path("/proc"):
            target.parent.chmod(0o700)


@pytest.mark.parametrize(
    ("data", "extra", "needle"),
    [
        ("three_columns.csv", [], "3 columns"),
        ("nan.csv", [], "not a number"),
        ("text.csv", [], "'lots' is not a number"),
        ("header.csv", ["--target-column", "species"], "no column 'species'"),
    ],
)
def test_bad_data(files: dict[str, Path], tmp_path: Path, data: str, extra: list[str], needle: str) -> None:
    msg = fails(["verify", files["good.joblib"], "--data", files[data], *extra]).stderr
    assert needle in msg
    out = tmp_path / "pred.csv"
    fails(["predict", files["good.joblib"], "--data", files[data], "-o", out, *extra])
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_verify_errors_are_always_2(files: dict[str, Path]) -> None:
    """1 means "not equivalent" for verify, so a model that cannot be converted is trouble (2)."""
    fails(["verify", files["unfitted.joblib"], "--synthetic", 10])
    fails(["verify", files["subclass.joblib"], "--synthetic", 10, "--trust"])


@pytest.mark.parametrize("spec", ["malformed.json", "wrong_spec.json"])
def test_malformed_json_spec(files: dict[str, Path], tmp_path: Path, spec: str) -> None:
    msg = _convert_fails(tmp_path, files[spec], (2,))
    assert spec in msg or "dense" in msg
    fails(["verify", files["good.joblib"], files[spec], "--synthetic", 10])
    fails(["inspect", files[spec]])
    fails(["predict", files[spec], "--data", files["three_columns.csv"]])


def test_not_an_onnx_file(files: dict[str, Path], tmp_path: Path) -> None:
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not protobuf at all")
    assert "not a valid ONNX model" in fails(["inspect", fake]).stderr
    fails(["verify", files["good.joblib"], fake, "--synthetic", 10])
