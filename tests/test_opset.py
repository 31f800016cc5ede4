"""The opset rule: by default the lowest opset (>= 13) whose operators express the network,
with the lowest IR version that opset needs, so that old runtimes load the file; ``--opset``
raises it, and a requested opset that cannot express the network is refused by name."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import joblib
import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nnconvert import ir, runtime
from nnconvert.cli import cli
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.onnx import OnnxGraph, register_emitter, run_onnx, to_onnx
from nnconvert.ir.builder import GraphBuilder


@dataclasses.dataclass(frozen=True, eq=False)
class RowMax(ir.Node):
    """``y = max_j x_j`` ``[N, w] -> [N, 1]``, written only in ReduceMax's opset-18 form (axes as input)."""

    op: ClassVar[str] = "test_row_max"
    input: str

    def infer(self, ins: list[ir.TensorInfo]) -> ir.TensorInfo:
        self._float2d(ins[0])
        return ir.TensorInfo(1)


def _emit_row_max(g: OnnxGraph, n: RowMax) -> None:
    g.op("ReduceMax", [n.input, g.axes(f"{n.name}.axes", [1])], n.name, name=n.name, keepdims=1)


runtime.register_kernel(RowMax, lambda n, xs: xs[0].max(axis=1, keepdims=True))
register_emitter(RowMax, _emit_row_max)


def _row_max_net() -> ir.Network:
    b = GraphBuilder(3)
    return b.build({"transform": b.add(RowMax, "row_max", input=b.input)}, ir.Metadata("tests.RowMax", "transformer"))


def test_the_opset_is_computed_from_the_operators_the_network_uses() -> None:
    net, X = _row_max_net(), np.random.default_rng(0).normal(size=(5, 3))
    model = to_onnx(net)
    assert model.opset_import[0].version == 18 and model.ir_version == onnx.helper.find_min_ir_version_for(
        list(model.opset_import)
    )
    np.testing.assert_array_equal(run_onnx(model, X)["transform"], X.astype(np.float32).max(axis=1, keepdims=True))
    assert to_onnx(net, opset=20).opset_import[0].version == 20
    with pytest.raises(InvalidNetwork, match=r"opset 13 cannot express this network.*the lowest that does is 18"):
        to_onnx(net, opset=13)


def test_convert_writes_opset_13_and_ir_7_unless_asked(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    joblib.dump(LogisticRegression(max_iter=500).fit(X, y), tmp_path / "m.joblib")
    runner = CliRunner()
    result = runner.invoke(cli, ["convert", str(tmp_path / "m.joblib"), "-o", str(tmp_path / "m.onnx")])
    assert result.exit_code == 0, result.output
    assert "opset 13" in result.output
    model = onnx.load(tmp_path / "m.onnx")
    assert (model.opset_import[0].version, model.ir_version) == (13, 7)
    result = runner.invoke(
        cli, ["convert", str(tmp_path / "m.joblib"), "-o", str(tmp_path / "m17.onnx"), "--opset", "17"]
    )
    assert result.exit_code == 0, result.output
    model = onnx.load(tmp_path / "m17.onnx")
    assert (model.opset_import[0].version, model.ir_version) == (17, 8)
    result = runner.invoke(
        cli, ["convert", str(tmp_path / "m.joblib"), "-o", str(tmp_path / "m12.onnx"), "--opset", "12"]
    )
    assert result.exit_code != 0 and "opset 12 is not supported" in result.output
