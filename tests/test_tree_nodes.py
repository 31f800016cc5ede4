"""Property tests of the tree node kinds on random trees (no scikit-learn): the numpy kernels,
the ONNX emitters and the JSON round trip agree with a plain per-row walk, in float64 and
float32, with thresholds that float32 represents exactly or not, NaN inputs and categories."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import nnconvert
from nnconvert import ir
from nnconvert.converters.trees import TreeData, tree_block
from nnconvert.exporters.onnx import run_onnx
from nnconvert.ir.builder import ConversionOptions, GraphBuilder
from nnconvert.ir.trees import N_CATEGORIES, round_down_float32


def _random_tree(rng: np.random.Generator, n_features: int, depth: int, categorical: bool) -> TreeData:
    feature, threshold, left, right, missing, values, category = [], [], [], [], [], [], []

    def grow(d: int) -> int:
        i = len(feature)
        for arr in (feature, threshold, left, right, missing, values, category):
            arr.append(None)
        if d == depth or rng.random() < 0.25:
            feature[i], threshold[i], left[i], right[i], category[i] = 0, 0.0, -1, -1, -1
        else:
            feature[i] = int(rng.integers(0, n_features))
            t = float(rng.choice([0.0, 0.5, -1.25]) if rng.random() < 0.4 else rng.normal())  # exact in float32 or not
            threshold[i] = t
            category[i] = int(rng.integers(0, 2)) if categorical and rng.random() < 0.3 else -1
            left[i] = grow(d + 1)
            right[i] = grow(d + 1)
        missing[i] = bool(rng.random() < 0.5)
        values[i] = rng.normal(size=2)
        return i

    grow(0)
    cats = rng.random((2, N_CATEGORIES)) < 0.5 if categorical else None
    return TreeData(np.array(feature), np.array(threshold), np.array(left), np.array(right), np.array(missing),
                    np.array(values), np.array(category) if categorical else None, cats)  # fmt: skip


def _walk(t: TreeData, row: np.ndarray, cast: bool, out_right: bool = False) -> np.ndarray:
    node = 0
    while t.left[node] >= 0:
        v = np.float32(row[t.feature[node]]) if cast else row[t.feature[node]]
        if np.isnan(v):
            go_left = t.missing_left[node]
        elif t.category is not None and t.category[node] >= 0:
            code = int(v)
            out = t.missing_left[node] and not out_right  # an out code: the missing side, or right
            go_left = out if not 0 <= v < N_CATEGORIES else t.categories[t.category[node], code]
        else:
            go_left = float(v) <= t.threshold[node]
        node = t.left[node] if go_left else t.right[node]
    return t.values[node]


def _rows(rng: np.random.Generator, trees: list[TreeData], n_features: int) -> np.ndarray:
    X = rng.normal(size=(60, n_features))
    X[rng.random(X.shape) < 0.1] = np.nan
    ts = [(f, th) for t in trees for f, th, lf in zip(t.feature, t.threshold, t.left, strict=True) if lf >= 0]
    for k, (f, th) in enumerate(ts[:20]):  # on the threshold and one float32 ulp either side
        down = round_down_float32(np.array([th]))[0]
        for j, v in enumerate((th, down, np.nextafter(down, np.float32(np.inf)))):
            X[(3 * k + j) % len(X), f] = v
    X[-5:, -1] = [3.0, 7.7, -1.0, 300.0, np.nan]  # category codes in and out of range
    return X


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), n_trees=st.integers(1, 3), depth=st.integers(0, 4),
       cast=st.booleans(), categorical=st.booleans(), form=st.sampled_from(["neuron", "compact"]),
       out_right=st.booleans())  # fmt: skip
def test_tree_nodes_match_a_plain_walk(
    seed: int, n_trees: int, depth: int, cast: bool, categorical: bool, form: str, out_right: bool
) -> None:
    rng = np.random.default_rng(seed)
    n_features = 3
    trees = [_random_tree(rng, n_features, depth, categorical and not cast) for _ in range(n_trees)]
    g = GraphBuilder(n_features, ConversionOptions(tree_form=form))
    out = tree_block(g, g.input, trees, cast_float32=cast, category_out_right=out_right)
    net = g.build({"transform": out}, ir.Metadata("tests.RandomTrees", "transformer"))
    X = _rows(rng, trees, n_features)
    for dtype in ("float64", "float32"):
        Xd = X.astype(dtype).astype(np.float64)  # what a network of this dtype sees
        want = np.array([sum(_walk(t, row, cast, out_right) for t in trees) for row in Xd])
        tol = 1e-12 if dtype == "float64" else 1e-5
        for got in (
            nnconvert.run(net, X, dtype)["transform"],
            run_onnx(nnconvert.to_onnx(net, dtype=dtype), X)["transform"],
            nnconvert.run(nnconvert.from_json(nnconvert.to_json(net)), X, dtype)["transform"],
        ):
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
