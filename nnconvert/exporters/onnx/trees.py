"""ONNX emitters of the tree nodes: split neurons (Gather + LessOrEqual) and tree traversal
(Gather/GatherElements/Greater, a fixed number of depth steps). Default-domain operators only.

Both compare in the dtype of ``nnconvert.ir.trees`` (float32 when ``cast_float32``: the input is
Cast first) against thresholds rounded down to it, so the leaves reached are those of the numpy
kernel bit for bit. NaN goes to each split's missing side (IsNaN + Where, only where some
split's missing side is not the comparison's own NaN answer); with ``zero_missing``,
``Abs(v) <= ZERO_THRESHOLD`` joins NaN as missing on those splits.

Traversal runs in row chunks (:func:`_in_chunks`: a ``Scan`` over ``[ceil(N / c), c, cols]``,
``c * n_trees`` about :data:`CHUNK_CELLS`, so the ``[c, n_trees]`` tensors stay in cache; the
arithmetic per row is unchanged) along one of three walks, each for all rows and trees at once:

- perfect-tree walk (numeric splits only, trees filled out to full depth within
  :data:`PERFECT_BUDGET`): the missing rules are folded into copies of X (:func:`_missing_columns`:
  missing as ``-inf`` where it goes left, as NaN where it goes right); trees by rows
  (``p`` ``[T, c]``, place ``p`` on level ``d``), one step is
  ``f = GatherElements(feature_d, p); v = GatherElements(X'^T, f); p = 2 p + Cast(v <= GatherElements(threshold_d, p))``
  (``Gather`` of flat indices where an axis is longer than :data:`CHOICES`);
- lopsided walk (numeric splits, trees too deep to fill out: LightGBM's and HistGradientBoosting's
  leaf-wise trees): the nodes are renumbered so that every split's right child is its left
  child + 1 and a leaf points at itself; the trees are sorted deepest first, and at step ``s``
  only the trees deeper than ``s`` walk on (the rest are set aside: work ``sum_t depth_t``, not
  ``T * max depth``). A step is three ``GatherElements`` lookups in 1-D int32/float tables of
  the positions (code, threshold, right child) and one in the missing copies of X
  (:func:`_walk_lopsided`);
- general walk (categorical splits): the same layout, one depth step (``idx`` ``[N, n_trees]``)::

    f = Gather(feature, idx); v = GatherElements(X, f); go_right = Greater(v, Gather(threshold, idx))
    idx = Gather(left, idx) + Cast(go_right)

  The first step reads the root constants directly.

After ``depth`` steps a Gather of each leaf's value row and a ReduceSum over the trees give the
output.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from onnx import TensorProto, helper

from nnconvert.exporters.onnx.graph import FLOAT_TYPES, OnnxGraph, register_emitter
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
        not_in = g.op("Not", [in_set], name=y)
        right_cat = g.op("Or", [out, not_in], name=y) if n.category_out_right else _where_bool(g, out, mr, not_in, y)
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


def sibling_layout(n: TreeEnsemble, roots: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(old, left)``: ``old[i]`` is the IR node placed at position ``i`` (the roots first, in the
    order of ``roots``, default ``n.roots``; then the children of each split side by side) and
    ``left[i]`` the position of its left child (its right child is ``left[i] + 1``; a leaf points
    at itself)."""
    old = list((n.roots if roots is None else roots).tolist())
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


PERFECT_BUDGET = 1 << 16  # level tables up to max(4 * n_nodes, this) entries take the fast path


def perfect_levels(n: TreeEnsemble) -> list[np.ndarray] | None:
    """The trees filled out to perfect binary trees of depth ``n.depth``, level by level:
    ``levels[d]`` ``[T, 2**d]`` holds the IR node at each place (-1: unreachable). Place ``2p``
    of level ``d + 1`` is the right child of place ``p``, ``2p + 1`` its left child; a leaf moves
    on to its ``2p + 1`` place (so the leaves all sit on the last level). None where the fast path
    does not apply (categorical splits, no splits, or tables past the budget)."""
    n_trees, depth = len(n.roots), n.depth
    if depth == 0 or (n.category is not None and (n.category >= 0).any()):
        return None
    if n_trees * (1 << depth) > max(4 * len(n.left), PERFECT_BUDGET) or n_trees * (1 << depth) >= 1 << 31:
        return None
    levels = [n.roots.reshape(-1, 1)]
    for _ in range(depth):
        cur = levels[-1]
        safe = np.maximum(cur, 0)
        split = (cur >= 0) & (n.left[safe] >= 0)
        nxt = np.empty((n_trees, 2 * cur.shape[1]), dtype=np.int64)
        nxt[:, 0::2] = np.where(split, n.right[safe], -1)
        nxt[:, 1::2] = np.where(split, n.left[safe], cur)
        levels.append(nxt)
    return levels


def _missing_columns(g: OnnxGraph, n: TreeEnsemble, x: str, dtype: np.dtype) -> str:
    """``[N, k F]``: X with the missing rule folded in, one copy per kind of split. Copy 0
    (missing goes left) has NaN as ``-inf``, copy 1 (missing goes right) keeps NaN; with
    ``zero_missing``, copies 2 and 3 do the same with ``|v| <= ZERO_THRESHOLD`` counted as
    missing. ``v <= t`` (t never NaN) then answers every split: ``-inf`` goes left, NaN right."""
    y = n.name
    nan = g.op("IsNaN", [x], name=y)
    minus_inf = g.const(f"{y}.minus_inf", np.asarray(-np.inf), dtype)
    copies = [g.op("Where", [nan, minus_inf, x], name=y), x]
    if n.zero_missing is not None and n.zero_missing.any():
        small = g.op("LessOrEqual", [g.op("Abs", [x], name=y), g.const(f"{y}.zero_threshold", np.asarray(ZERO_THRESHOLD), dtype)], name=y)  # fmt: skip
        copies.append(g.op("Where", [g.op("Or", [nan, small], name=y), minus_inf, x], name=y))
        copies.append(g.op("Where", [small, g.const(f"{y}.nan", np.asarray(np.nan), dtype), x], name=y))
    return g.op("Concat", copies, name=y, axis=1)


CHUNK_CELLS = 1 << 16  # rows x trees per Scan step: the [rows, T] tensors stay in cache


def _perfect(g: OnnxGraph, n: TreeEnsemble, levels: list[np.ndarray]) -> None:
    """Perfect-tree traversal of the missing copies of X, in row chunks."""
    x, dtype = _compare_input(g, n)
    width = int(g.network.info(n.input).width)  # type: ignore[arg-type]
    xs = _missing_columns(g, n, x, dtype)
    cols = width * (4 if n.zero_missing is not None and n.zero_missing.any() else 2)
    _in_chunks(g, n, xs, cols, dtype, lambda part: _walk_perfect(g, n, levels, part, width, dtype))


def _in_chunks(g: OnnxGraph, n: TreeEnsemble, xs: str, cols: int, dtype: np.dtype, walk: Callable[[str], str]) -> None:
    """``walk`` (it writes a chunk ``[c, cols] -> [c, out]``) over the rows of ``xs`` in chunks:
    ``xs`` is padded to a multiple of ``c = max(1, min(N, CHUNK_CELLS // T))`` rows (at least
    one chunk) and a ``Scan`` walks ``[ceil(N / c), c, cols]`` one chunk at a time (the same
    arithmetic per row; only the working set shrinks to fit the cache), then the padding rows
    are cut off."""
    y = n.name
    out_width = n.n_outputs * (len(n.roots) if n.per_tree else 1)

    def i64(hint: str, v: list[int]) -> str:
        return g.const(f"{y}.{hint}", np.asarray(v, dtype=np.int64), np.int64)

    rows = g.op("Slice", [g.op("Shape", [xs], name=y), i64("s0", [0]), i64("s1", [1])], name=y)
    chunk = g.op("Max", [g.op("Min", [rows, i64("chunk", [max(1, CHUNK_CELLS // len(n.roots))])], name=y),
                         i64("one", [1])], name=y)  # fmt: skip
    trips = g.op("Div", [g.op("Sub", [g.op("Add", [rows, chunk], name=y), i64("one", [1])], name=y), chunk], name=y)
    trips = g.op("Max", [trips, i64("one", [1])], name=y)  # no rows: one chunk of padding (Scan needs a step)
    extra = g.op("Sub", [g.op("Mul", [trips, chunk], name=y), rows], name=y)
    pads = g.op("Concat", [i64("pad0", [0, 0]), extra, i64("pad1", [0])], name=y, axis=0)
    shape = g.op("Concat", [i64("minus_one", [-1]), chunk, i64("cols", [cols])], name=y, axis=0)
    chunks = g.op("Reshape", [g.op("Pad", [xs, pads], name=y), shape], name=y)
    outer, g.nodes = g.nodes, []
    part = g.fresh(f"{y}/chunk")
    done = walk(part)
    body_nodes, g.nodes = g.nodes, outer
    body = helper.make_graph(
        body_nodes,
        f"{y}_chunk",
        [helper.make_tensor_value_info(part, FLOAT_TYPES[np.dtype(dtype).name], [None, cols])],
        [helper.make_tensor_value_info(done, g.elem_type, [None, out_width])],
    )
    scanned = g.fresh(f"{y}/scanned")
    g.nodes.append(helper.make_node("Scan", [chunks], [scanned], name=g.fresh(f"{y}/Scan"), body=body,
                                    num_scan_inputs=1))  # fmt: skip
    flat = g.op("Reshape", [scanned, i64("flat", [-1, out_width])], name=y)
    g.op("Slice", [flat, i64("s0", [0]), rows], y, name=y)


CHOICES = 63  # onnx.reference's GatherElements (np.choose) takes at most 63 entries along its axis


def _walk_perfect(g: OnnxGraph, n: TreeEnsemble, levels: list[np.ndarray], xs: str, width: int, dtype: np.dtype) -> str:
    """At level ``d`` a row of tree ``t`` is at place ``p`` (``[T, c]``: trees by rows);
    ``p' = 2 p + (v <= t[p])`` (the left child sits at ``2p + 1``). Padding places compare
    column 0 of the missing-left copy (never NaN) with ``+inf``: always left, so a leaf reached
    early stays on its path. Lookups are ``GatherElements`` along each tree's row (far cheaper
    in onnxruntime than ``Gather``) while a level has at most :data:`CHOICES` places, else a
    ``Gather`` of the flat index ``t 2**d + p``. Returns the chunk's output value ``[c, out]``."""
    y = n.name
    n_trees, n_out = len(n.roots), n.n_outputs
    xt = g.op("Transpose", [xs], name=y, perm=[1, 0])  # [k F, c]
    thresholds = effective_thresholds(n.threshold, dtype)
    zero = n.zero_missing if n.zero_missing is not None else np.zeros(len(n.left), dtype=bool)
    copy = np.where(n.missing_left, 0, 1) + 2 * zero

    def flat(pos: str, places: int) -> str:
        return g.op("Add", [pos, g.const(f"{y}.offset{places}", places * np.arange(n_trees)[:, None], np.int64)],
                    name=y)  # fmt: skip

    cols = width * (4 if n.zero_missing is not None and n.zero_missing.any() else 2)
    if cols > CHOICES:  # X'^T flat: entry f c + r
        shape = g.op("Shape", [xs], name=y)
        c = g.op("Squeeze", [g.op("Slice", [shape, g.axes(f"{y}.c0", [0]), g.axes(f"{y}.c1", [1])], name=y),
                             g.axes(f"{y}.c0", [0])], name=y)  # fmt: skip
        zero_one = [g.const(f"{y}.r{k}", np.asarray(k), np.int64) for k in (0, 1)]
        r = g.op("Range", [zero_one[0], c, zero_one[1]], name=y)
        xflat = g.op("Reshape", [xt, g.axes(f"{y}.minus_one", [-1])], name=y)

    def lookup(f: str) -> str:
        """``X'[r, f[t, r]]``, ``[T, c]``."""
        if cols <= CHOICES:
            return g.op("GatherElements", [xt, f], name=y, axis=0)
        return g.op("Gather", [xflat, g.op("Add", [g.op("Mul", [f, c], name=y), r], name=y)], name=y, axis=0)

    pos = None
    for d, cur in enumerate(levels[:-1]):
        safe = np.maximum(cur, 0)
        split = (cur >= 0) & (n.left[safe] >= 0)
        code = np.where(split, n.feature[safe] + width * copy[safe], 0)  # [T, 2**d]
        thr = np.where(split, thresholds[safe], np.inf).astype(dtype)
        if pos is None:  # the roots: constants
            v = g.op("Gather", [xt, g.const(f"{y}.root_feature", code[:, 0], np.int64)], name=y, axis=0)
            left = g.op("LessOrEqual", [v, g.const(f"{y}.root_threshold", thr, dtype)], name=y)
            pos = g.op("Cast", [left], name=y, to=TensorProto.INT64)
            continue
        if code.shape[1] <= CHOICES:
            f = g.op("GatherElements", [g.const(f"{y}.feature{d}", code, np.int64), pos], name=y, axis=1)
            t = g.op("GatherElements", [g.const(f"{y}.threshold{d}", thr, dtype), pos], name=y, axis=1)
        else:
            i = flat(pos, code.shape[1])
            f = g.op("Gather", [g.const(f"{y}.feature{d}", code.reshape(-1), np.int64), i], name=y, axis=0)
            t = g.op("Gather", [g.const(f"{y}.threshold{d}", thr.reshape(-1), dtype), i], name=y, axis=0)
        v = lookup(f)
        left = g.op("LessOrEqual", [v, t], name=y)
        pos = g.op("Add", [g.op("Add", [pos, pos], name=y),
                           g.op("Cast", [left], name=y, to=TensorProto.INT64)], name=y)  # fmt: skip
    last = levels[-1]
    if last.shape[1] <= CHOICES:
        table = np.where((last >= 0)[:, :, None], n.values[np.maximum(last, 0)], 0.0)  # [T, 2**D, out]
        idx = g.op("Unsqueeze", [pos, g.axes(f"{y}.axis2", [2])], name=y)
        if n_out > 1:
            shape = g.op("Concat", [g.op("Shape", [pos], name=y), g.axes(f"{y}.n_out", [n_out])], name=y, axis=0)
            idx = g.op("Expand", [idx, shape], name=y)
        values = g.op("GatherElements", [g.const(f"{y}.values", table), idx], name=y, axis=1)  # [T, c, out]
    elif n_out == 1:  # one value per place: no larger than a table of leaf numbers
        table = np.where(last >= 0, n.values[np.maximum(last, 0), 0], 0.0).reshape(-1, 1)
        values = g.op("Gather", [g.const(f"{y}.values", table), flat(pos, last.shape[1])], name=y, axis=0)
    else:  # a place -> leaf table and one row per leaf (a leaf fills many places: T 2**D x out would be large)
        leaves, row = np.unique(last.reshape(-1), return_inverse=True)
        rows = np.where(leaves[:, None] >= 0, n.values[np.maximum(leaves, 0)], 0.0)  # [leaves, out]
        place = g.op("Gather", [g.const(f"{y}.leaf_of_place", row.astype(np.int32), np.int32),
                                flat(pos, last.shape[1])], name=y, axis=0)  # fmt: skip
        values = g.op("Gather", [g.const(f"{y}.values", rows), place], name=y, axis=0)
    out = g.fresh(f"{y}/chunk_out")
    if n.per_tree:
        rows = g.op("Transpose", [values], name=y, perm=[1, 0, 2])
        return g.op("Reshape", [rows, g.axes(f"{y}.shape", [0, n_trees * n_out])], out, name=y)
    return g.reduce("ReduceSum", values, 0, 0, out, name=y)


def _finish(g: OnnxGraph, n: TreeEnsemble, values: str, out: str) -> str:
    """``[N, T, out]`` leaf values to ``out``: side by side (``per_tree``) or summed."""
    y = n.name
    if n.per_tree:
        return g.op("Reshape", [values, g.axes(f"{y}.shape", [0, len(n.roots) * n.n_outputs])], out, name=y)
    return g.reduce("ReduceSum", values, 1, 0, out, name=y)


def _ensemble(g: OnnxGraph, n: TreeEnsemble) -> None:
    levels = perfect_levels(n)
    if levels is not None:
        _perfect(g, n, levels)
    else:
        _traverse(g, n)


def _traverse(g: OnnxGraph, n: TreeEnsemble) -> None:
    """General traversal (any depth and shape), in row chunks: numeric trees by
    :func:`_walk_lopsided` on the missing copies of X, categorical ones by :func:`_walk_general`."""
    x, dtype = _compare_input(g, n)
    width = int(g.network.info(n.input).width)  # type: ignore[arg-type]
    numeric = n.category is None or not (n.category >= 0).any()
    if numeric and len(n.left) + len(n.roots) < LOPSIDED_MAX_POSITIONS:
        xs = _missing_columns(g, n, x, dtype)
        cols = width * (4 if n.zero_missing is not None and n.zero_missing.any() else 2)
        _in_chunks(g, n, xs, cols, dtype, lambda part: _walk_lopsided(g, n, part, width, cols, dtype))
        return
    _in_chunks(g, n, x, width, dtype, lambda part: _walk_general(g, n, part, dtype))


LOPSIDED_MAX_POSITIONS = 1 << 24  # positions and feature codes stay exact integers in a float32 table


def tree_depths(n: TreeEnsemble) -> np.ndarray:
    """The depth (splits on the longest path) of each tree."""
    depth = np.zeros(len(n.roots), dtype=np.int64)
    frontier, owner, d = n.roots.copy(), np.arange(len(n.roots)), 0
    while len(frontier):
        inner = n.left[frontier] >= 0
        frontier, owner = frontier[inner], owner[inner]
        if not len(frontier):
            break
        d += 1
        depth[owner] = d
        frontier, owner = np.concatenate([n.left[frontier], n.right[frontier]]), np.concatenate([owner, owner])
    return depth


def _walk_lopsided(g: OnnxGraph, n: TreeEnsemble, xs: str, width: int, cols: int, dtype: np.dtype) -> str:
    """One chunk of the traversal of numeric trees of any shape, deepest trees first.

    The trees are sorted by depth (deepest first) and laid out as in :func:`sibling_layout`; a
    position's split reads column ``code`` of the missing copies of X (:func:`_missing_columns`,
    so ``v <= t`` answers NaN and zero-as-missing too), and a leaf reads column 0 of copy 0 (never
    NaN) against ``+inf``, so it stays. One step, for the ``T_s`` trees deeper than ``s`` (the
    others are done and set aside)::

        code, t, right = (GatherElements(table, idx) for table in (code, threshold, right))
        idx = right - Cast(GatherElements(X', code, axis=1) <= t)

    (the right child sits at ``left + 1``; a leaf's ``right`` is itself + 1). The tables are
    1-D, one entry per position, looked up with ``GatherElements`` on the flattened ``idx``
    (onnxruntime's ``Gather`` copies each index's block on its own: several times slower), and
    positions and codes are int32; the shallow trees stop early: the work is ``sum_t depth_t``,
    not ``T * max depth``. At the end each position's leaf value: one value per tree when every
    tree adds to one output column (LightGBM's multiclass trees), summed into the columns by a
    ``MatMul`` with the trees' 0/1 column matrix; else the value rows, summed over the trees.
    Returns the chunk's output ``[c, out]``."""
    y = n.name
    depth = tree_depths(n)
    order = np.argsort(-depth, kind="stable")
    old, left = sibling_layout(n, n.roots[order])
    leaf = n.left[old] < 0
    zero = n.zero_missing if n.zero_missing is not None else np.zeros(len(n.left), dtype=bool)
    copy = np.where(n.missing_left, 0, 1) + 2 * zero
    code = np.where(leaf, 0, n.feature[old] + width * copy[old])
    thresholds = np.where(leaf, np.inf, effective_thresholds(n.threshold, dtype)[old])
    n_trees = len(n.roots)
    roots = np.arange(n_trees)
    v = g.op("Gather", [xs, g.const(f"{y}.root_code", code[roots], np.int64)], name=y, axis=1)  # [c, T]
    at_left = g.op("LessOrEqual", [v, g.const(f"{y}.root_threshold", thresholds[roots].astype(dtype), dtype)], name=y)
    idx = g.op("Sub", [g.const(f"{y}.root_right", left[roots] + 1, np.int32),
                       g.op("Cast", [at_left], name=y, to=TensorProto.INT32)], name=y)  # fmt: skip
    minus_one = g.axes(f"{y}.minus_one", [-1])
    tables = [g.const(f"{y}.code", code, np.int32), g.const(f"{y}.threshold", thresholds, dtype),
              g.const(f"{y}.right", left + 1, np.int32)] if n.depth > 1 else []  # fmt: skip

    def fields(idx: str) -> list[str]:
        shape = g.op("Shape", [idx], name=y)
        flat = g.op("Reshape", [idx, minus_one], name=y)
        return [g.op("Reshape", [g.op("GatherElements", [table, flat], name=y, axis=0), shape], name=y)
                for table in tables]  # fmt: skip

    done: list[str] = []
    active = n_trees
    for step in range(1, n.depth):
        deeper = int((depth > step).sum())
        if deeper < active:  # the trees of depth <= step have reached their leaves
            done.append(g.op("Slice", [idx, g.axes(f"{y}.s{deeper}", [deeper]), g.axes(f"{y}.s{active}", [active]),
                                       g.axes(f"{y}.ax1", [1])], name=y))  # fmt: skip
            idx = g.op("Slice", [idx, g.axes(f"{y}.s0", [0]), g.axes(f"{y}.s{deeper}", [deeper]),
                                 g.axes(f"{y}.ax1", [1])], name=y)  # fmt: skip
            active = deeper
        f, t, right = fields(idx)
        at_left = g.op("LessOrEqual", [g.op("GatherElements", [xs, f], name=y, axis=1), t], name=y)
        idx = g.op("Sub", [right, g.op("Cast", [at_left], name=y, to=TensorProto.INT32)], name=y)
    if done:
        idx = g.op("Concat", [idx, *reversed(done)], name=y, axis=1)  # back to sorted tree order
    values = np.where(leaf[:, None], n.values[old], 0.0)  # [M, out], by position
    group = _tree_groups(values, left, leaf, n_trees)
    if n.per_tree or group is None:
        out = g.op("Gather", [g.const(f"{y}.values", values), idx], name=y, axis=0)  # [c, T, out]
        if n.per_tree:  # the trees' own order
            out = g.op("Gather", [out, g.const(f"{y}.unsort", np.argsort(order), np.int64)], name=y, axis=1)
        return _finish(g, n, out, g.fresh(f"{y}/chunk_out"))
    shape = g.op("Shape", [idx], name=y)
    scalar = values.sum(axis=1)  # one column per tree
    leaf_values = g.op("Reshape", [g.op("GatherElements", [g.const(f"{y}.leaf_value", scalar),
                                                           g.op("Reshape", [idx, minus_one], name=y)], name=y, axis=0),
                                   shape], name=y)  # fmt: skip
    onehot = np.zeros((n_trees, n.n_outputs))
    onehot[np.arange(n_trees), group] = 1.0
    return g.op("MatMul", [leaf_values, g.const(f"{y}.tree_columns", onehot)], g.fresh(f"{y}/chunk_out"), name=y)


def _tree_groups(values: np.ndarray, left: np.ndarray, leaf: np.ndarray, n_trees: int) -> np.ndarray | None:
    """The output column each tree adds to (trees as laid out by :func:`sibling_layout`: tree
    ``k`` is rooted at position ``k``; ``values`` by position), or None when a tree adds to several."""
    tree = np.full(len(left), -1, dtype=np.int64)
    front = np.arange(n_trees)
    tree[front] = front
    while len(front):  # level by level: a split's children sit at left and left + 1
        inner = front[~leaf[front]]
        kids = np.concatenate([left[inner], left[inner] + 1]).astype(np.int64)
        tree[kids] = np.concatenate([tree[inner], tree[inner]])
        front = kids
    pos, col = np.nonzero(values)
    pairs = np.unique(np.stack([tree[pos], col], axis=1), axis=0) if len(pos) else np.zeros((0, 2), np.int64)
    if len(np.unique(pairs[:, 0])) < len(pairs):
        return None
    group = np.zeros(n_trees, dtype=np.int64)
    group[pairs[:, 0]] = pairs[:, 1]
    return group


def _walk_general(g: OnnxGraph, n: TreeEnsemble, x: str, dtype: np.dtype) -> str:
    """One chunk of the sibling-layout traversal; returns its output value."""
    y = n.name
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
    return _finish(g, n, values, g.fresh(f"{y}/chunk_out"))


register_emitter(TreeSplits, _splits)
register_emitter(TreeEnsemble, _ensemble)
