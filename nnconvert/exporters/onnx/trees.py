"""ONNX emitters of the tree nodes: split neurons (Gather + LessOrEqual) and tree traversal
(Gather/GatherElements/Greater, a fixed number of depth steps). Default-domain operators only.

Both compare in the dtype of ``nnconvert.ir.trees`` (float32 when ``cast_float32``: the input is
Cast first) against thresholds rounded down to it, so the leaves reached are those of the numpy
kernel bit for bit. NaN goes to each split's missing side (IsNaN + Where, only where some
split's missing side is not the comparison's own NaN answer); with ``zero_missing``,
``Abs(v) <= ZERO_THRESHOLD`` joins NaN as missing on those splits.

Traversal: the nodes are renumbered so that every split's right child is its left child + 1 and
a leaf points at itself (threshold +inf: ``v > +inf`` is false, so it stays). One depth step
for all rows and trees at once (``idx`` ``[N, n_trees]``)::

    f = Gather(feature, idx); v = GatherElements(X, f); go_right = Greater(v, Gather(threshold, idx))
    idx = Gather(left, idx) + Cast(go_right)

The first step reads the root constants directly; after ``depth`` steps a Gather of each leaf's
value row and a ReduceSum over the trees give the output.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from nnconvert.exporters.onnx.graph import OnnxGraph, register_emitter
from nnconvert.ir.trees import ZERO_THRESHOLD, TreeEnsemble, TreeSplits, _SplitTests, effective_thresholds


def _compare_input(g: OnnxGraph, n: _SplitTests) -> tuple[str, np.dtype]:
    """The tensor compared (X cast to float32 when the node casts) and its dtype."""
    dtype = n.compare_dtype(g.dtype)
    if dtype != g.dtype:
        return g.op("Cast", [n.input], name=n.name, to=TensorProto.FLOAT), dtype
    return n.input, dtype


def _tables(n: _SplitTests, order: np.ndarray, leaf: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-position split tables (positions = IR nodes ``order``; leaves never move)."""
    stay = np.zeros(len(order), dtype=bool) if leaf is None else leaf
    tables = {"missing_right": ~n.missing_left[order] & ~stay}
    if n.category is not None:
        cat = n.category[order]
        tables["is_categorical"] = (cat >= 0) & ~stay
        tables["cat_offset"] = (np.where(cat >= 0, cat, 0) * n.n_categories).astype(np.int32)
    if n.zero_missing is not None and n.zero_missing.any():
        tables["zero_missing"] = n.zero_missing[order] & ~stay
    return tables


def _go_right(
    g: OnnxGraph, n: _SplitTests, v: str, thr: str, tables: dict[str, np.ndarray], idx: str | None, dtype: np.dtype
) -> str:
    """Bool, shaped like ``v``: the split sends the row right. ``tables`` are per position;
    ``idx`` (None: ``v``'s columns are the positions in order) picks each value's position."""
    y = n.name

    def table(key: str, dtype: type) -> str:
        c = g.const(f"{y}.{key}", tables[key], dtype)
        return c if idx is None else g.op("Gather", [c, idx], name=y, axis=0)

    right = g.op("Greater", [v, thr], name=y)
    if "zero_missing" in tables and tables["zero_missing"].any():
        small = g.op("LessOrEqual", [g.op("Abs", [v], name=y), g.const(f"{y}.zero_threshold", np.asarray(ZERO_THRESHOLD), dtype)], name=y)  # fmt: skip
        zero = g.op("And", [small, table("zero_missing", bool)], name=y)
        right = _where_bool(g, zero, table("missing_right", bool), right, y)
    if "is_categorical" in tables and tables["is_categorical"].any():
        isnan = g.op("IsNaN", [v], name=y)
        low = (
            g.op("LessOrEqual", [v, g.const(f"{y}.minus_one", np.asarray(-1.0), dtype)], name=y)
            if n.category_trunc
            else g.op("Less", [v, g.const(f"{y}.zero", np.asarray(0.0), dtype)], name=y)
        )
        out = g.op("Or", [low, g.op("GreaterOrEqual", [v, g.const(f"{y}.n_cat", np.asarray(n.n_categories), dtype)], name=y)], name=y)  # fmt: skip
        safe = g.op(
            "Where", [g.op("Or", [isnan, out], name=y), g.const(f"{y}.zero_code", np.asarray(0.0), dtype), v], name=y
        )
        code = g.op("Cast", [safe], name=y, to=TensorProto.INT32)
        flat = g.op("Add", [table("cat_offset", np.int32), code], name=y)
        cats = n.categories.reshape(-1)  # type: ignore[union-attr]
        in_set = g.op("Gather", [g.const(f"{y}.categories", cats, bool), flat], name=y, axis=0)
        mr = table("missing_right", bool)
        right_cat = _where_bool(g, out, mr, g.op("Not", [in_set], name=y), y)
        right = _where_bool(g, table("is_categorical", bool), right_cat, right, y)
        return _where_bool(g, isnan, mr, right, y)
    if tables["missing_right"].any():  # Greater sends NaN left; these splits send it right
        right = g.op("Or", [right, g.op("And", [g.op("IsNaN", [v], name=y), table("missing_right", bool)], name=y)],
                     name=y)  # fmt: skip
    return right


def _where_bool(g: OnnxGraph, c: str, a: str, b: str, y: str) -> str:
    """``Where`` for bool values (onnxruntime has no bool Where): ``(c and a) or (not c and b)``."""
    return g.op("Or", [g.op("And", [c, a], name=y), g.op("And", [g.op("Not", [c], name=y), b], name=y)], name=y)


def _splits(g: OnnxGraph, n: TreeSplits) -> None:
    x, dtype = _compare_input(g, n)
    v = g.op("Gather", [x, g.const(f"{n.name}.feature", n.feature, np.int64)], name=n.name, axis=1)
    thr = g.const(f"{n.name}.threshold", effective_thresholds(n.threshold, dtype), dtype)
    right = _go_right(g, n, v, thr, _tables(n, np.arange(len(n.feature))), None, dtype)
    g.op("Cast", [g.op("Not", [right], name=n.name)], n.name, name=n.name, to=g.elem_type)


def sibling_layout(n: TreeEnsemble) -> tuple[np.ndarray, np.ndarray]:
    """``(old, left)``: ``old[i]`` is the IR node placed at position ``i`` (roots first, then the
    children of each split side by side) and ``left[i]`` the position of its left child (its
    right child is ``left[i] + 1``; a leaf points at itself)."""
    old = list(n.roots.tolist())
    left = [0] * len(old)
    i = 0
    while i < len(old):
        node = old[i]
        if n.left[node] < 0:
            left[i] = i
        else:
            left[i] = len(old)
            old += [int(n.left[node]), int(n.right[node])]
            left += [0, 0]
        i += 1
    return np.asarray(old, dtype=np.int64), np.asarray(left, dtype=np.int32)


def _ensemble(g: OnnxGraph, n: TreeEnsemble) -> None:
    y = n.name
    x, dtype = _compare_input(g, n)
    old, left = sibling_layout(n)
    leaf = n.left[old] < 0
    thresholds = np.where(leaf, np.inf, effective_thresholds(n.threshold, dtype)[old]).astype(dtype)
    feature = np.where(leaf, 0, n.feature[old]).astype(np.int32)
    n_trees = len(n.roots)
    # The first step reads the roots (positions 0..T-1) straight from constants.
    roots = np.arange(n_trees)
    v = g.op("Gather", [x, g.const(f"{y}.root_feature", feature[roots], np.int64)], name=y, axis=1)
    tables = _tables(n, old, leaf)
    root_tables = {k: t[roots] for k, t in tables.items()}
    right = _go_right(g, n, v, g.const(f"{y}.root_threshold", thresholds[roots], dtype), root_tables, None, dtype)
    lefts = g.const(f"{y}.left", left, np.int32)
    idx = g.op("Add", [g.const(f"{y}.root_left", left[roots], np.int32),
                       g.op("Cast", [right], name=y, to=TensorProto.INT32)], name=y)  # fmt: skip
    if n.depth > 1:
        features, thr = g.const(f"{y}.feature", feature, np.int32), g.const(f"{y}.threshold", thresholds, dtype)
    for _ in range(1, n.depth):
        f = g.op("Gather", [features, idx], name=y, axis=0)
        v = g.op("GatherElements", [x, f], name=y, axis=1)
        right = _go_right(g, n, v, g.op("Gather", [thr, idx], name=y, axis=0), tables, idx, dtype)
        idx = g.op("Add", [g.op("Gather", [lefts, idx], name=y, axis=0),
                           g.op("Cast", [right], name=y, to=TensorProto.INT32)], name=y)  # fmt: skip
    # Leaf values: one row per leaf, a position -> row table.
    rows = np.cumsum(leaf) - 1
    row = g.op("Gather", [g.const(f"{y}.leaf_row", np.where(leaf, rows, 0).astype(np.int32), np.int32), idx],
               name=y, axis=0)  # fmt: skip
    values = g.op("Gather", [g.const(f"{y}.values", n.values[old[leaf]]), row], name=y, axis=0)  # [N, T, out]
    if n.per_tree:
        g.op("Reshape", [values, g.axes(f"{y}.shape", [0, n_trees * n.n_outputs])], y, name=y)
    else:
        g.reduce("ReduceSum", values, 1, 0, y, name=y)


register_emitter(TreeSplits, _splits)
register_emitter(TreeEnsemble, _ensemble)
