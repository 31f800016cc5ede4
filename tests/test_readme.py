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


def _code_blocks(markdown: str) -> list[list[str]]:
    """The lines of every fenced code block, fences paired in order."""
    blocks, current = [], None
    for line in markdown.split("\n"):
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def _transcripts(readme: str) -> list[tuple[list[str], list[str]]]:
    """Every README code block that starts with ``$ nnconvert ...``: (arguments, shown output
    lines); a shown ``...`` line means "and more", so only the lines before it are compared."""
    return [
        (block[0].removeprefix("$ nnconvert ").split(), block[1:])
        for block in _code_blocks(readme)
        if block and block[0].startswith("$ nnconvert ")
    ]


def test_readme_transcripts_are_the_real_output(monkeypatch) -> None:
    """The README's command examples are run and their shown output compared, so they cannot drift."""
    monkeypatch.chdir(ROOT)  # the examples use paths relative to the repository
    transcripts = _transcripts((ROOT / "README.md").read_text())
    assert transcripts, "README shows no `$ nnconvert ...` example"
    for args, shown in transcripts:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        real = result.output.rstrip("\n").split("\n")
        if "..." in shown:
            shown = shown[: shown.index("...")]
            real = real[: len(shown)]
        assert real == shown, f"README's `nnconvert {' '.join(args)}` example differs from the real output"
