"""Graph passes: folding dense chains, dropping identities and pruning dead nodes keep the outputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC, LinearSVC

import nnconvert
from nnconvert import ir
from nnconvert.check.verify import reference_outputs
from nnconvert.ir.builder import GraphBuilder
from nnconvert.runtime import run
from nnconvert.runtime.simplify import drop_identity, fold_dense, live_tensors, prune_dead, simplify
from tests.cases import blobs, classes_of

META = ir.Metadata("tests.Chain", "regressor")


@st.composite
def dense_chains(draw: st.DrawFn) -> tuple[list[np.ndarray], list[np.ndarray], list[bool], int]:
    """Widths, weights and biases of 1-5 dense layers, and where identities sit between them."""
    widths = draw(st.lists(st.integers(1, 6), min_size=2, max_size=6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(a, b)) * rng.choice([1e-3, 1.0, 1e3]) for a, b in itertools.pairwise(widths)]
    biases = [rng.normal(size=b) for b in widths[1:]]
    identities = draw(st.lists(st.booleans(), min_size=len(weights), max_size=len(weights)))
    return weights, biases, identities, seed


def _chain(weights: list[np.ndarray], biases: list[np.ndarray], identities: list[bool]) -> ir.Network:
    b = GraphBuilder(weights[0].shape[0])
    x = b.input
    for W, c, ident in zip(weights, biases, identities, strict=True):
        x = b.dense(x, W, c)
        if ident:
            x = b.act(x, "identity")
    return b.build({"predict": b.act(x, "relu")}, META)


def _magnitude(X: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray]) -> np.ndarray:
    """``|x| |W1| ... + |b| ...``: the scale of every rounding error the chain can make."""
    m = np.abs(X)
    for W, c in zip(weights, biases, strict=True):
        m = m @ np.abs(W) + np.abs(c)
    return m


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=dense_chains())
def test_dense_chains_fold_to_one_layer_with_the_same_outputs(chain) -> None:
    weights, biases, identities, seed = chain
    net = _chain(weights, biases, identities)
    folded = simplify(net)
    assert [type(n) for n in folded.nodes] == [ir.Dense, ir.Activation]  # identities gone, one affine layer
    assert folded.node("relu").input == folded.nodes[0].name
    X = np.random.default_rng(seed + 1).normal(size=(50, weights[0].shape[0])) * 10
    before, after = run(net, X)["predict"], run(folded, X)["predict"]
    bound = 1e-12 * _magnitude(X, weights, biases)
    assert np.all(np.abs(before - after) <= bound)


def test_a_layer_read_twice_or_an_output_is_not_folded() -> None:
    b = GraphBuilder(2)
    h = b.dense(b.input, [[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5])
    left, right = b.dense(h, [[1.0], [1.0]]), b.dense(h, [[2.0], [-1.0]])
    net = b.build({"predict": b.concat([left, right]), "transform": h}, META)
    assert fold_dense(net).nodes == net.nodes
    X = np.array([[1.0, -2.0], [0.25, 3.0]])
    np.testing.assert_array_equal(run(simplify(net), X)["predict"], run(net, X)["predict"])


def test_an_identity_that_is_an_output_or_reads_x_is_kept() -> None:
    b = GraphBuilder(2)
    a = b.act(b.input, "identity", hint="x_copy")
    h = b.dense(a, np.eye(2))
    out = b.act(h, "identity", hint="out")
    net = b.build({"transform": out}, META)
    assert [n.name for n in drop_identity(net).nodes] == ["x_copy", "dense", "out"]


def test_prune_removes_exactly_the_nodes_no_output_reads() -> None:
    b = GraphBuilder(3)
    h = b.dense(b.input, np.ones((3, 2)), hint="hidden")
    used = b.act(h, "tanh", hint="used")
    dead = b.act(b.dense(h, np.ones((2, 4)), hint="dead_dense"), "sigmoid", hint="dead_act")
    dead_label = b.argmax_label(dead, ["a", "b", "c", "d"], hint="dead_label")
    net = b.build({"transform": used}, META)
    pruned = prune_dead(net)
    assert [n.name for n in pruned.nodes] == ["hidden", "used"]
    assert {"dead_dense", "dead_act", dead_label} & live_tensors(net) == set()
    assert prune_dead(pruned) is pruned  # nothing left to prune: the same network back
    X = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(run(pruned, X)["transform"], run(net, X)["transform"])


@pytest.mark.parametrize(
    ("base", "method", "ensemble", "n_classes"),
    [
        (SVC(), "sigmoid", True, 3),
        (SVC(kernel="poly", degree=2), "isotonic", False, 2),
        (LinearSVC(), "isotonic", True, 3),
        (LogisticRegression(max_iter=2000), "sigmoid", True, 2),
    ],
    ids=["SVC-sigmoid-ensemble-3", "SVC-poly-isotonic-2", "LinearSVC-isotonic-ensemble-3", "LR-sigmoid-2"],
)
def test_pruning_calibrated_models_keeps_every_output(base, method: str, ensemble: bool, n_classes: int) -> None:
    X, y, X_eval = blobs(n_classes, n_samples=150, seed=70 + n_classes)
    est = CalibratedClassifierCV(base, method=method, ensemble=ensemble, cv=3)
    est.fit(X, classes_of("wild", n_classes)[y])
    raw = nnconvert.convert(est, simplify=False)
    pruned = prune_dead(raw)
    # Each base estimator's own predict (votes, labels) is computed for nothing.
    assert len(pruned.nodes) < len(raw.nodes)
    assert sum(isinstance(n, (ir.ArgMaxLabel, ir.ThresholdLabel)) for n in pruned.nodes) == 1
    assert all(n.name in live_tensors(raw) for n in pruned.nodes)
    before, after = run(raw, X_eval), run(pruned, X_eval)
    for method_name in raw.outputs:
        np.testing.assert_array_equal(after[method_name], before[method_name])  # pruning alone: bit for bit
    simplified = simplify(raw)
    ref = reference_outputs(est, X_eval)
    out = run(simplified, X_eval)
    np.testing.assert_array_equal(out["predict"], ref["predict"])
    np.testing.assert_allclose(out["predict_proba"], ref["predict_proba"], rtol=1e-9, atol=1e-12)
    assert set(nnconvert.convert(est).outputs) == {"predict", "predict_proba"}
