"""The ONNX emitter of ``tree_ensemble`` on both of its paths: the perfect-tree traversal in row
chunks (a ``Scan``; numeric splits, trees filled out to full depth within the budget) and the
sibling-layout traversals (trees too lopsided to fill out: one table row per position, deepest
trees first, lookups by GatherElements; categorical splits, with each code rule: the general walk). All agree with the numpy kernel in float64 and float32 on random trees with NaN, LightGBM's
zero-as-missing splits, ``per_tree`` outputs, 0 and 1 rows and batches of several chunks."""

from __future__ import annotations

import numpy as np
import pytest

import nnconvert
from nnconvert import ir
from nnconvert.exporters.onnx import run_onnx
from nnconvert.exporters.onnx.trees import CHUNK_CELLS
from nnconvert.ir.builder import ConversionOptions, GraphBuilder
from nnconvert.ir.trees import ZERO_THRESHOLD, TreeEnsemble
from tests.onnx_reference import reference_evaluator

N_FEATURES = 4


def _forest(rng: np.random.Generator, n_trees: int, depth: int, *, chain: bool = False, categorical: bool = False,
            zero: bool = False, n_out: int = 2, n_features: int = N_FEATURES) -> dict[str, object]:  # fmt: skip
    """Flat TreeEnsemble fields for random trees (``chain``: a left spine, right children leaves)."""
    f: dict[str, list] = {k: [] for k in ("feature", "threshold", "left", "right", "missing", "values", "cat", "zero")}
    roots = []

    def grow(d: int, right: bool = False) -> int:
        i = len(f["feature"])
        for k in f:
            f[k].append(None)
        leaf = d == depth or (right if chain else rng.random() < 0.2)
        f["feature"][i] = int(rng.integers(0, n_features))
        f["threshold"][i] = float(rng.choice([0.0, 0.5]) if rng.random() < 0.3 else rng.normal())
        f["missing"][i] = bool(rng.random() < 0.5)
        f["values"][i] = rng.normal(size=n_out)
        f["cat"][i] = int(rng.integers(0, 2)) if categorical and rng.random() < 0.3 and not leaf else -1
        f["zero"][i] = bool(zero and f["cat"][i] < 0 and rng.random() < 0.5)
        if leaf:
            f["left"][i] = f["right"][i] = -1
        else:
            f["left"][i] = grow(d + 1)
            f["right"][i] = grow(d + 1, True)
        return i

    for _ in range(n_trees):
        roots.append(grow(0))
    fields: dict[str, object] = dict(
        feature=np.array(f["feature"]), threshold=np.array(f["threshold"]), left=np.array(f["left"]),
        right=np.array(f["right"]), missing_left=np.array(f["missing"]), values=np.array(f["values"]),
        roots=np.array(roots),
    )  # fmt: skip
    if categorical:
        fields["category"] = np.array(f["cat"])
        fields["categories"] = rng.random((2, 16)) < 0.5
    if zero:
        fields["zero_missing"] = np.array(f["zero"])
    return fields


def _network(fields: dict[str, object], per_tree: bool, cast: bool, n_features: int) -> ir.Network:
    g = GraphBuilder(n_features, ConversionOptions(tree_form="compact"))
    out = g.add(TreeEnsemble, "trees", input=g.input, per_tree=per_tree, cast_float32=cast, **fields)
    return g.build({"transform": out}, ir.Metadata("tests.RandomTrees", "transformer"))


def _rows(rng: np.random.Generator, n: int, n_features: int) -> np.ndarray:
    X = rng.normal(size=(n, n_features))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[rng.random(X.shape) < 0.05] = 0.0
    X[rng.random(X.shape) < 0.03] = ZERO_THRESHOLD * rng.choice([-1.0, 0.5, 2.0])
    X[rng.random(X.shape) < 0.02] = rng.choice([np.inf, -np.inf, 3.0, 7.7, -1.0, -0.5, 20.0])
    return X


def _mixed(rng: np.random.Generator, depths: list[int], *, zero: bool, n_features: int) -> dict[str, object]:
    """Spines of the given depths (one tree each; 0: a lone leaf) in one ensemble."""
    parts = [_forest(rng, 1, d, chain=True, zero=zero, n_features=n_features) for d in depths]
    offsets = np.cumsum([0] + [len(p["feature"]) for p in parts])[:-1]  # type: ignore[arg-type]
    fields: dict[str, object] = {}
    for key in parts[0]:
        arrays = [np.asarray(p[key]) for p in parts]
        if key in ("left", "right", "roots"):
            arrays = [np.where(a < 0, -1, a + o) for a, o in zip(arrays, offsets, strict=True)]
        fields[key] = np.concatenate(arrays)
    return fields


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ("numeric", "perfect"),
        ("zero_missing", "perfect"),
        ("per_tree", "perfect"),
        ("deep", "perfect"),
        ("wide", "perfect"),
        ("categorical", "general"),
        ("categorical-trunc-out-right", "general"),
        ("lopsided", "lopsided"),
        ("lopsided-mixed", "lopsided"),
        ("lopsided-mixed-per_tree", "lopsided"),
        ("lopsided-mixed-wide", "lopsided"),
    ],
)
def test_every_path_matches_the_numpy_kernel(case: str, path: str) -> None:
    rng = np.random.default_rng(7)
    n_trees, width = 40, 40 if case.endswith("wide") else N_FEATURES
    if case == "lopsided":  # depth 40 spines: 2**40 places per tree, far past the budget
        fields = _forest(rng, n_trees, 40, chain=True, n_features=width)
    elif case.startswith("lopsided-mixed"):  # trees of many depths: the shallow ones finish early
        depths = [40, 0, 3, 25, 1, 40, 7, 12, 2, 33] * 4
        fields = _mixed(rng, depths, zero=True, n_features=width)
    else:  # deep: levels past CHOICES places (Gather); wide: X copies past CHOICES columns
        depth = 8 if case == "deep" else 5
        fields = _forest(rng, n_trees, depth, categorical=case.startswith("categorical"),
                         zero=case in ("zero_missing", "wide"), n_features=width)  # fmt: skip
        if case == "categorical-trunc-out-right":  # LightGBM's trunc codes; XGBoost's out codes go right
            fields.update(category_trunc=True, category_out_right=True)
    rows = 2 * (CHUNK_CELLS // n_trees) + 17  # three chunks, the last one padded
    X = _rows(rng, rows, width)
    for cast in (True, False):
        net = _network(fields, case.endswith("per_tree"), cast, width)
        for dtype in ("float64", "float32"):
            model = nnconvert.to_onnx(net, dtype=dtype)
            (scan,) = [node for node in model.graph.node if node.op_type == "Scan"]  # both paths run in chunks
            body = next(a.g for a in scan.attribute if a.name == "body")
            body_ops = {node.op_type for node in body.node}
            walked = "general" if "Greater" in body_ops else "lopsided" if "Sub" in body_ops else "perfect"
            assert walked == path  # the general walk tests v > t, the lopsided one steps to right - (v <= t)
            out = net.info(net.outputs["transform"]).width
            assert run_onnx(model, X[:0])["transform"].shape == (0, out)
            tol = 1e-12 if dtype == "float64" else 1e-5
            for n in (1, rows):
                want = nnconvert.run(net, X[:n], dtype)["transform"]
                got = run_onnx(model, X[:n])["transform"]
                assert got.shape == want.shape == (n, out)
                np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
            (reference,) = reference_evaluator(model).run(None, {model.graph.input[0].name: X[:37].astype(dtype)})
            np.testing.assert_allclose(reference, nnconvert.run(net, X[:37], dtype)["transform"], rtol=tol, atol=tol)
