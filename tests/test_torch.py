"""The torch exporter beyond the conformance test: real layers, labels, the .pt2 program without
nnconvert, the one-line error without torch, unknown node kinds, and the soft network."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC, LinearSVC

import nnconvert
from nnconvert import ir
from nnconvert.errors import InvalidNetwork
from tests.cases import blobs, classes_of

torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'nnconvert[torch]')")

from nnconvert.exporters.torch import to_torch, with_trained_weights  # noqa: E402


def _svc(n_classes: int, labels: str, **kw):
    X, y, X_eval = blobs(n_classes, n_samples=150, seed=3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
        est = SVC(random_state=0, **kw).fit(X, classes_of(labels, n_classes)[y])
    return est, X, X_eval


def test_dense_layers_are_nn_linear_with_trainable_parameters() -> None:
    X, y, _ = blobs(3)
    net = nnconvert.convert(LogisticRegression().fit(X, y))
    module = to_torch(net, dtype="float64")
    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    assert linears, module
    assert all(p.requires_grad and p.dtype == torch.float64 for p in module.parameters())
    dense = next(n for n in net.nodes if isinstance(n, ir.Dense))
    np.testing.assert_array_equal(linears[0].weight.detach().numpy(), dense.weight.T)


def test_string_labels_are_indices_and_integer_labels_themselves() -> None:
    est, X, _ = _svc(3, "str")
    module = to_torch(nnconvert.convert(est), dtype="float64")
    idx = module(torch.tensor(X))["predict"]
    assert idx.dtype == torch.int64
    np.testing.assert_array_equal(module.classes_[idx.numpy()], est.predict(X))
    est, X, _ = _svc(3, "wild")
    out = to_torch(nnconvert.convert(est), dtype="float32")(torch.tensor(X))["predict"]
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.numpy(), est.predict(X))


@dataclass(frozen=True, eq=False)
class _Mystery(ir.Node):
    """A node kind no exporter knows (the torch exporter must refuse it, never guess)."""

    op: ClassVar[str] = "mystery"
    input: str

    def infer(self, ins: list[ir.TensorInfo]) -> ir.TensorInfo:
        return ins[0]


def test_unknown_node_kind_is_a_clear_error() -> None:
    net = ir.Network(2, (_Mystery(name="m", input=ir.INPUT),), {"transform": "m"}, ir.Metadata("x", "transformer"))
    with pytest.raises(InvalidNetwork, match=r"no module for node kind _Mystery \('mystery'\)"):
        to_torch(net)


def test_bad_dtype_and_temperature_are_refused() -> None:
    X, y, _ = blobs(2)
    net = nnconvert.convert(LinearSVC().fit(X, y))
    with pytest.raises(InvalidNetwork, match="float32 or float64"):
        to_torch(net, dtype="float16")
    with pytest.raises(InvalidNetwork, match="only to soft"):
        to_torch(net, temperature=0.1)
    with pytest.raises(InvalidNetwork, match="positive"):
        to_torch(net, soft=True, temperature=0.0)


# Runs with `python -I` from an empty directory, with every path that holds nnconvert removed and
# nnconvert imports refused: the program must need torch only.
_LOAD_WITHOUT_NNCONVERT = """
import importlib.abc, json, sys
sys.path = [p for p in sys.path if p and p != "{root}"]

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "nnconvert":
            raise ImportError("nnconvert is not importable here")

sys.meta_path.insert(0, Refuse())
try:
    import nnconvert
    sys.exit("nnconvert was importable")
except ImportError:
    pass
import numpy as np, torch
extra = {{"nnconvert.json": ""}}
program = torch.export.load(sys.argv[1], extra_files=extra)
X = torch.tensor(np.load(sys.argv[2]))
out = program.module()(X)
print(json.dumps({{"meta": json.loads(extra["nnconvert.json"]), "out": {{k: v.tolist() for k, v in out.items()}}}}))
"""


def test_pt2_from_the_cli_runs_without_nnconvert(tmp_path) -> None:
    """SVC with probabilities (pairwise coupling: the while_loop) and string labels, float64."""
    import joblib

    from nnconvert.cli import cli

    est, _, X_eval = _svc(3, "str", probability=True)
    joblib.dump(est, tmp_path / "svc.joblib")
    res = CliRunner().invoke(
        cli, ["convert", str(tmp_path / "svc.joblib"), "-o", str(tmp_path / "svc.pt2"), "--dtype", "float64"]
    )
    assert res.exit_code == 0, res.output
    assert "torch.export program" in res.output
    np.save(tmp_path / "X.npy", X_eval)
    root = os.path.dirname(os.path.dirname(nnconvert.__file__))
    script = tmp_path / "load.py"
    script.write_text(_LOAD_WITHOUT_NNCONVERT.format(root=root))
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = subprocess.run(
        [sys.executable, "-I", str(script), str(tmp_path / "svc.pt2"), str(tmp_path / "X.npy")],
        cwd=empty,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["meta"]["classes"] == ["cat", "dog", "emu"]
    assert got["meta"]["index_outputs"] == {"predict": ["cat", "dog", "emu"]}
    ref = nnconvert.run(nnconvert.convert(est), X_eval)
    np.testing.assert_allclose(np.array(got["out"]["predict_proba"]), est.predict_proba(X_eval), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.array(got["out"]["predict_proba"]), ref["predict_proba"], rtol=0, atol=1e-13)
    labels = np.array(got["meta"]["classes"])[np.array(got["out"]["predict"])]
    np.testing.assert_array_equal(labels, est.predict(X_eval))


_BLOCK_TORCH = """
import importlib.abc, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("No module named 'torch'")

sys.meta_path.insert(0, NoTorch())
sys.argv = ["nnconvert", *sys.argv[1:]]
from nnconvert.cli import main
main()
"""


def test_format_torch_without_torch_is_one_line_error(tmp_path) -> None:
    import joblib

    X, y, _ = blobs(2)
    joblib.dump(LogisticRegression().fit(X, y), tmp_path / "m.joblib")
    script = tmp_path / "block.py"
    script.write_text(_BLOCK_TORCH)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(nnconvert.__file__)))
    for args in (["-o", str(tmp_path / "m.pt2")], ["-o", str(tmp_path / "m.bin"), "--format", "torch"]):
        proc = subprocess.run(
            [sys.executable, str(script), "convert", str(tmp_path / "m.joblib"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.strip().splitlines() == [
            "Error: PyTorch is not installed; install it with: pip install 'nnconvert[torch]'"
        ]
    assert not list(tmp_path.glob("m.pt2*")) and not (tmp_path / "m.bin").exists()
    ok = subprocess.run(
        [sys.executable, str(script), "convert", str(tmp_path / "m.joblib"), "-o", str(tmp_path / "m.onnx")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr  # everything else works without torch


def _soft_errors(net: ir.Network, X: np.ndarray, temperatures: list[float]) -> list[dict[str, float]]:
    """Per temperature, the max |soft - exact| of every output; the exact labels (classes 0..k-1,
    so label = index) as a one-hot (argmax head) or a 0/1 indicator (threshold head)."""
    hard = to_torch(net, dtype="float64")(torch.tensor(X))
    errors = []
    for t in temperatures:
        soft = to_torch(net, dtype="float64", soft=True, temperature=t)(torch.tensor(X))
        row = {}
        for m, value in hard.items():
            ref = value
            if value.dtype == torch.int64:
                k = len(net.info(net.outputs[m]).classes)
                ref = torch.nn.functional.one_hot(value, k).double() if soft[m].ndim == 2 else value.double()
            row[m] = float((soft[m] - ref).abs().max().detach())
        errors.append(row)
    return errors


@pytest.mark.parametrize("model", ["svc-rbf-4cls", "linear-svc-binary"])
def test_soft_network_tends_to_the_exact_one(model: str) -> None:
    X, y, X_eval = blobs(4 if model.startswith("svc") else 2, seed=2)
    est = SVC(kernel="rbf").fit(X, y) if model.startswith("svc") else LinearSVC().fit(X, y)
    net = nnconvert.convert(est)
    steps = [n for n in net.nodes if isinstance(n, ir.Activation) and n.fn.startswith("step")]
    assert steps or any(isinstance(n, ir.ThresholdLabel) for n in net.nodes)
    # Rows whose discrete decisions are at least 1e-2 from their thresholds (the soft error there
    # is at most ~exp(-1e-2 / t)); at a tie no temperature decides.
    trace = nnconvert.runtime.run(net, X_eval, trace=True)
    far = np.ones(len(X_eval), dtype=bool)
    for node in net.nodes:
        margin = node.decision_margin([trace[i] for i in node.inputs])
        if margin is not None:
            far &= margin > 1e-2
    assert far.sum() > 0.5 * len(X_eval)  # vote ties (argmax of equal votes) are excluded
    temperatures = [1.0, 1e-1, 1e-2, 1e-3, 1e-4]
    errors = _soft_errors(net, X_eval[far], temperatures)
    for method in errors[0]:
        series = [e[method] for e in errors]
        assert all(b <= a + 1e-12 for a, b in itertools.pairwise(series)), (method, series)
        assert series[-1] < 1e-6, (method, series)
    assert errors[0]["predict"] > 1e-3  # t = 1 is visibly soft: the test can tell them apart


def test_soft_network_has_gradients_and_trained_weights_go_back_to_the_ir() -> None:
    X, y, _ = blobs(3, seed=4)
    est = SVC(kernel="rbf").fit(X, y)
    net = nnconvert.convert(est)
    soft = to_torch(net, dtype="float64", soft=True, temperature=0.5)
    loss = -torch.log(soft(torch.tensor(X))["predict"][torch.arange(len(y)), torch.tensor(y)] + 1e-12).mean()
    loss.backward()
    grads = {name: p.grad for name, p in soft.named_parameters()}
    assert grads["layers.pairs.weight"] is not None and float(grads["layers.pairs.weight"].abs().max()) > 0
    hard = to_torch(net, dtype="float64")
    assert all(p.grad is None for p in hard.parameters())
    with torch.no_grad():
        for p in soft.parameters():
            p.add_(0.01)
    trained = with_trained_weights(net, soft)
    pairs = next(n for n in trained.nodes if n.name == "pairs")
    np.testing.assert_array_equal(pairs.weight, net.node("pairs").weight + 0.01)
    np.testing.assert_allclose(
        to_torch(trained, dtype="float64")(torch.tensor(X))["decision_function"].detach().numpy(),
        nnconvert.run(trained, X)["decision_function"],
        rtol=1e-12,
        atol=1e-12,
    )


gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")


@pytest.mark.gpu
@gpu
def test_verify_on_cuda(tmp_path) -> None:
    import joblib

    from nnconvert.cli import cli

    est, _, X_eval = _svc(3, "str", probability=True)
    joblib.dump(est, tmp_path / "svc.joblib")
    np.save(tmp_path / "X.npy", X_eval)
    res = CliRunner().invoke(
        cli, ["verify", str(tmp_path / "svc.joblib"), "--data", str(tmp_path / "X.npy"), "--device", "cuda"]
    )
    assert res.exit_code == 0, res.output
    assert "torch (float32, cuda)" in res.output and "onnxruntime (float32, cuda)" in res.output


def test_verify_device_cpu_runs_the_torch_backend_too(tmp_path) -> None:
    import joblib

    from nnconvert.cli import cli

    X, y, X_eval = blobs(3)
    joblib.dump(LogisticRegression().fit(X, classes_of("str", 3)[y]), tmp_path / "m.joblib")
    np.save(tmp_path / "X.npy", X_eval)
    res = CliRunner().invoke(
        cli, ["verify", str(tmp_path / "m.joblib"), "--data", str(tmp_path / "X.npy"), "--torch", "--json"]
    )
    assert res.exit_code == 0, res.output
    backends = [c["backend"] for c in json.loads(res.output)["checks"]]
    assert backends == ["numpy runtime", "onnxruntime", "torch"]


@pytest.mark.parametrize("form", ["neuron", "compact"])
def test_soft_tree_thresholds_and_leaves_train_and_go_back_to_the_ir(form: str) -> None:
    from sklearn.ensemble import RandomForestClassifier

    X, y, _ = blobs(3, seed=4)
    net = nnconvert.convert(
        RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y), tree_form=form
    )
    soft = to_torch(net, dtype="float64", soft=True, temperature=0.5)
    loss = -torch.log(soft(torch.tensor(X))["predict"][torch.arange(len(y)), torch.tensor(y)] + 1e-12).mean()
    loss.backward()
    tree = next(k for k, m in soft.layers.items() if hasattr(m, "threshold"))
    assert float(soft.layers[tree].threshold.grad.abs().max()) > 0
    with torch.no_grad():
        soft.layers[tree].threshold.add_(0.01)
    trained = with_trained_weights(net, soft)
    node, old = trained.nodes[list(soft.layers).index(tree)], net.nodes[list(soft.layers).index(tree)]
    moved = old.threshold != ir.trees.INF_THRESHOLD
    if form == "compact":
        moved &= old.left >= 0
    np.testing.assert_array_equal(node.threshold[moved], old.threshold[moved] + 0.01)
    np.testing.assert_array_equal(node.threshold[~moved], old.threshold[~moved])
    np.testing.assert_array_equal(
        to_torch(trained, dtype="float32")(torch.tensor(X))["predict"].numpy(), nnconvert.run(trained, X)["predict"]
    )
