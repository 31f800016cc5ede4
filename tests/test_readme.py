"""The README's hand-written JSON network example is real: it is docs/my_elm.json and it runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from nnconvert.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_readme_json_spec_is_the_shipped_example() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no JSON example"
    assert json.loads(blocks[0]) == json.loads((ROOT / "docs" / "my_elm.json").read_text())


def test_hand_written_spec_converts_predicts_and_self_verifies(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "my_elm.onnx"
    result = runner.invoke(cli, ["convert", str(ROOT / "docs" / "my_elm.json"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["predict", str(out), "--data", str(ROOT / "docs" / "points.csv")])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "predict,decision_function"
    # The spec by hand: tanh(x W1 + b1) W2 + b2, "large" iff > 0.
    X = np.loadtxt(ROOT / "docs" / "points.csv", delimiter=",", skiprows=1)
    spec = json.loads((ROOT / "docs" / "my_elm.json").read_text())
    hidden, out_layer = spec["nodes"][0], spec["nodes"][2]
    score = np.tanh(X @ np.array(hidden["weight"]) + hidden["bias"]) @ np.array(out_layer["weight"]) + out_layer["bias"]
    for line, s in zip(lines[1:], score[:, 0], strict=True):
        label, value = line.split(",")
        assert label == ("large" if s > 0 else "small")
        assert abs(float(value) - s) < 1e-5
    assert runner.invoke(cli, ["verify", str(out)]).exit_code == 0
