"""Decision trees, and the piece every tree family shares: trees -> network, in two forms.

A tree is a three-layer network (Sethi's "entropy nets", 1990; Biau et al., "Neural Random
Forests", 2019). The **neuron form**: a split layer (``tree_splits``: one step neuron per split,
``h_s = 1`` iff the row goes left), a leaf layer of AND neurons ``step(C h - D + 1/2)`` (``C[s, l]``
is +1 when leaf ``l``'s path goes left at ``s``, -1 when it goes right; ``D_l`` counts its left
turns, so the neuron fires iff every split on the path agrees) and an output layer holding the
leaf values. The **compact form** (``tree_ensemble``) walks each tree root to leaf; its size is
linear in the nodes where the neuron form's leaf layer is splits x leaves. :func:`tree_block`
picks the form (``ConversionOptions.tree_form``: ``auto`` takes the neuron form while its leaf
layer holds at most :data:`NEURON_FORM_MAX_WEIGHTS` weights).

Mirrors ``sklearn/tree/_classes.py`` (``predict``, ``predict_proba``: ``tree_.predict(X)``, the
leaf's ``value``; scikit-learn 1.9 stores class fractions and returns them as they are; a
multi-output classifier's list of per-output arrays side by side, its labels one column per
output) and ``sklearn/tree/_tree.pyx`` (``apply_dense``: X cast to float32, NaN by ``missing_go_to_left``,
``x <= threshold`` left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import regression_output, select_columns
from nnconvert.converters.registry import register
from nnconvert.ir.builder import GraphBuilder

NEURON_FORM_MAX_WEIGHTS = 65536
TREE_PICKLE = ("sklearn.tree._tree.Tree",)


@dataclass(frozen=True)
class TreeData:
    """One tree in scikit-learn's layout: per node ``feature`` (-1 at leaves... any value there),
    ``threshold``, ``left``/``right`` children (-1 at leaves), ``missing_left`` and ``values``
    ``[n_nodes, n_out]`` (what a leaf contributes); ``category`` (-1: numeric split) indexes
    ``categories`` ``[n_sets, width]`` for categorical splits; ``zero_missing`` (LightGBM's
    missing_type Zero) marks splits where ``|x| <= 1e-35`` is missing too."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    values: np.ndarray
    category: np.ndarray | None = None
    categories: np.ndarray | None = None
    zero_missing: np.ndarray | None = None

    @property
    def is_leaf(self) -> np.ndarray:
        return self.left < 0

    @property
    def depth(self) -> int:
        """The longest path from the root (node 0) to a leaf, in splits."""
        frontier, depth = np.zeros(1, dtype=np.int64), 0
        while True:
            inner = frontier[self.left[frontier] >= 0]
            if not len(inner):
                return depth
            frontier, depth = np.concatenate([self.left[inner], self.right[inner]]), depth + 1

    def with_values(self, values: np.ndarray) -> TreeData:
        return TreeData(self.feature, self.threshold, self.left, self.right, self.missing_left, values,
                        self.category, self.categories, self.zero_missing)  # fmt: skip


def from_sklearn(tree: Any, values: np.ndarray, features: np.ndarray | None = None) -> TreeData:
    """A fitted ``sklearn.tree._tree.Tree``; ``features`` maps its columns to the network's
    (bagging and IsolationForest fit trees on column subsets)."""
    left = np.asarray(tree.children_left, dtype=np.int64)
    feature = np.where(left < 0, 0, np.asarray(tree.feature, dtype=np.int64))
    if features is not None:
        feature = np.asarray(features, dtype=np.int64)[feature]
    threshold = np.where(left < 0, 0.0, np.asarray(tree.threshold, dtype=np.float64))
    missing = getattr(tree, "missing_go_to_left", None)  # scikit-learn < 1.3 trees have none: NaN went right
    missing_left = np.zeros(len(left), bool) if missing is None else np.asarray(missing).astype(bool)
    return TreeData(feature, threshold, left, np.asarray(tree.children_right, dtype=np.int64), missing_left,
                    np.asarray(values, dtype=np.float64).reshape(len(left), -1))  # fmt: skip


def _paths(t: TreeData) -> tuple[list[int], list[int], list[list[tuple[int, int]]]]:
    """Split nodes, leaf nodes, and each leaf's path as ``(split position, +1 left / -1 right)``."""
    splits = [int(i) for i in np.flatnonzero(~t.is_leaf)]
    position = {node: k for k, node in enumerate(splits)}
    leaves, paths = [], []
    stack: list[tuple[int, list[tuple[int, int]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        if t.left[node] < 0:
            leaves.append(node)
            paths.append(path)
            continue
        stack.append((int(t.right[node]), [*path, (position[node], -1)]))
        stack.append((int(t.left[node]), [*path, (position[node], 1)]))
    return splits, leaves, paths


def _categorical(trees: Sequence[TreeData]) -> tuple[np.ndarray | None, list[np.ndarray | None]]:
    """One categories table for all trees (rows padded with False to the widest), and each
    tree's category column into it."""
    if all(t.categories is None for t in trees):
        return None, [None] * len(trees)
    width = max(t.categories.shape[1] for t in trees if t.categories is not None)
    tables, cols, offset = [], [], 0
    for t in trees:
        if t.categories is None:
            cols.append(np.full(len(t.left), -1, dtype=np.int64))
            continue
        tables.append(np.pad(t.categories, ((0, 0), (0, width - t.categories.shape[1]))))
        cols.append(np.where(t.category >= 0, t.category + offset, -1))  # type: ignore[operator]
        offset += len(t.categories)
    table = np.concatenate(tables) if tables else np.zeros((1, ir.trees.N_CATEGORIES), bool)
    return table, cols


def _zero_missing(trees: Sequence[TreeData]) -> list[np.ndarray] | None:
    """Each tree's zero_missing flags (False where it has none), or None when no tree has any."""
    if all(t.zero_missing is None for t in trees):
        return None
    return [np.zeros(len(t.left), bool) if t.zero_missing is None else t.zero_missing for t in trees]


def form_of(g: GraphBuilder, trees: Sequence[TreeData]) -> str:
    """``neuron`` or ``compact``: the option, or by the leaf layer's size under ``auto``."""
    n_splits = sum(int((~t.is_leaf).sum()) for t in trees)
    n_leaves = sum(int(t.is_leaf.sum()) for t in trees)
    form = g.options.tree_form
    if n_splits == 0:
        return "compact"  # no split neurons to draw: every tree is one leaf
    if form == "auto":
        return "neuron" if n_splits * n_leaves <= NEURON_FORM_MAX_WEIGHTS else "compact"
    return form


def tree_block(
    g: GraphBuilder,
    x: str,
    trees: Sequence[TreeData],
    *,
    cast_float32: bool = True,
    per_tree: bool = False,
    category_trunc: bool = False,
    category_out_right: bool = False,
    source: str = "tree_.value",
    hint: str = "trees",
) -> str:
    """``sum_t values_t[leaf_t(x)]`` ``[N, n_out]`` (``per_tree``: side by side), in the form
    :func:`form_of` picks (``category_trunc``, ``category_out_right``: see :mod:`nnconvert.ir.trees`)."""
    table, cats = _categorical(trees)
    zeros = _zero_missing(trees)
    if form_of(g, trees) == "compact":
        offsets = np.cumsum([0] + [len(t.left) for t in trees])[:-1]

        def cat(*arrays: np.ndarray) -> np.ndarray:
            return np.concatenate(arrays)

        return g.add(
            ir.TreeEnsemble, hint, input=x,
            feature=cat(*(t.feature for t in trees)), threshold=cat(*(t.threshold for t in trees)),
            missing_left=cat(*(t.missing_left for t in trees)), cast_float32=cast_float32,
            category=None if table is None else cat(*cats), categories=table,  # type: ignore[arg-type]
            zero_missing=None if zeros is None else cat(*zeros), category_trunc=category_trunc,
            category_out_right=category_out_right,
            left=cat(*(np.where(t.left < 0, -1, t.left + o) for t, o in zip(trees, offsets, strict=True))),
            right=cat(*(np.where(t.right < 0, -1, t.right + o) for t, o in zip(trees, offsets, strict=True))),
            values=cat(*(t.values for t in trees)), roots=offsets, per_tree=per_tree,
        )  # fmt: skip
    feature, threshold, missing, category, zero = [], [], [], [], []
    C_blocks, D, V_rows = [], [], []
    n_out = trees[0].values.shape[1]
    for k, (t, c) in enumerate(zip(trees, cats, strict=True)):
        splits, leaves, paths = _paths(t)
        feature.append(t.feature[splits])
        threshold.append(t.threshold[splits])
        missing.append(t.missing_left[splits])
        category.append(None if c is None else c[splits])
        zero.append(None if zeros is None else zeros[k][splits])
        block = np.zeros((len(splits), len(leaves)))
        for j, path in enumerate(paths):
            for s, sign in path:
                block[s, j] = sign
        C_blocks.append(block)
        D.extend(sum(1 for _, sign in path if sign > 0) for path in paths)
        vals = t.values[leaves]
        if per_tree:
            wide = np.zeros((len(leaves), n_out * len(trees)))
            wide[:, k * n_out : (k + 1) * n_out] = vals
            vals = wide
        V_rows.append(vals)
    h = g.add(
        ir.TreeSplits, f"{hint}_splits", input=x, feature=np.concatenate(feature),
        threshold=np.concatenate(threshold), missing_left=np.concatenate(missing), cast_float32=cast_float32,
        category=None if table is None else np.concatenate(category), categories=table,  # type: ignore[arg-type]
        zero_missing=None if zeros is None else np.concatenate(zero), category_trunc=category_trunc,  # type: ignore[arg-type]
        category_out_right=category_out_right,
    )  # fmt: skip
    C = _block_diag(C_blocks)
    leaf_in = g.dense(h, C, 0.5 - np.asarray(D, dtype=np.float64),
                      source={"weight": "+1 left / -1 right on the leaf's path", "bias": "1/2 - left turns"},
                      hint=f"{hint}_paths")  # fmt: skip
    leaves = g.act(leaf_in, "step_gt", hint=f"{hint}_leaves")
    return g.dense(leaves, np.vstack(V_rows), None, source={"weight": f"leaf values ({source})"}, hint=hint)


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def classifier_values(est: Any) -> np.ndarray:
    """``tree_.value[:, k, :n_classes_[k]]`` side by side over the outputs ``k``: what
    ``predict_proba`` returns at each leaf (one output: ``[n_nodes, n_classes]``; several: the
    list's arrays joined, ``[n_nodes, sum n_classes_]``)."""
    value = np.asarray(est.tree_.value, dtype=np.float64)
    return np.concatenate([value[:, k, :n] for k, n in enumerate(_n_classes(est))], axis=1)


def _n_classes(est: Any) -> list[int]:
    return [int(est.n_classes_)] if est.n_outputs_ == 1 else [int(n) for n in est.n_classes_]


def classifier_heads(g: GraphBuilder, est: Any, proba: str) -> dict[str, str]:
    """``predict_proba`` and ``predict`` over :func:`classifier_values`-shaped probabilities.

    One output: ``classes_[argmax]``. Several (``predict`` is ``[N, n_outputs]``: column ``k`` is
    ``classes_[k][argmax proba_k]``, in an array of ``classes_[0]``'s dtype, which is the label
    matrix's own): one argmax per output block, the label columns side by side."""
    if est.n_outputs_ == 1:
        return {"predict_proba": proba, "predict": g.argmax_label(proba, est.classes_)}
    columns, start = [], 0
    for k, n in enumerate(_n_classes(est)):
        block = select_columns(g, proba, np.arange(start, start + n), what=f"output {k}", hint=f"proba_{k}")
        columns.append(g.argmax_label(block, np.asarray(est.classes_[k]), hint=f"label_{k}"))
        start += n
    return {"predict_proba": proba, "predict": g.add(ir.StackLabels, "labels", sources=tuple(columns))}


def classes_text(est: Any) -> str:
    """``3 class fractions`` or ``2 + 3 class fractions (2 outputs)``."""
    n = _n_classes(est)
    return f"{n[0]} class fractions" if len(n) == 1 else f"{' + '.join(map(str, n))} class fractions ({len(n)} outputs)"


def regressor_values(est: Any) -> np.ndarray:
    """``tree_.value[:, :, 0]``: one column per output."""
    return np.asarray(est.tree_.value, dtype=np.float64)[:, :, 0]


def accepts_missing(est: Any) -> bool:
    """scikit-learn's own claim that ``est`` takes NaN (``input_tags.allow_nan``)."""
    from sklearn.utils import get_tags

    return bool(get_tags(est).input_tags.allow_nan)


def summarize_trees(g: GraphBuilder, est: Any, trees: Sequence[TreeData], tail: str, **facts: Any) -> None:
    """``<Class>: T trees, S splits, L leaves, depth d (<form> form) -> <tail>``."""
    name = type(est).__name__
    n_splits = sum(int((~t.is_leaf).sum()) for t in trees)
    n_leaves = sum(int(t.is_leaf.sum()) for t in trees)
    form = form_of(g, trees)
    what = f"{len(trees)} tree{'s' * (len(trees) != 1)}, " if len(trees) > 1 else ""
    text = (
        f"{name}: {what}{n_splits} split neurons (x[f] <= t), {n_leaves} leaf neurons (AND of a path)"
        f" [{form} form] -> {tail}"
    )
    g.summarize(name, text, trees=len(trees), splits=n_splits, leaves=n_leaves, tree_form=form, **facts)


@register(
    "sklearn.tree.DecisionTreeClassifier",
    "split neurons (x[f] <= t, X as float32) -> leaf AND neurons -> class fractions = predict_proba -> argmax",
    pickle_support=TREE_PICKLE,
)
@register(
    "sklearn.tree.ExtraTreeClassifier",
    "split neurons (x[f] <= t, X as float32) -> leaf AND neurons -> class fractions = predict_proba -> argmax",
    pickle_support=TREE_PICKLE,
)
def tree_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict_proba = value[leaf(x)]``; ``predict = classes_[argmax]`` (ties to the lowest), per
    output when multi-output (:func:`classifier_heads`)."""
    trees = [from_sklearn(est.tree_, classifier_values(est))]
    g.missing_values |= accepts_missing(est)
    proba = tree_block(g, x, trees, hint="proba")
    summarize_trees(g, est, trees, f"{classes_text(est)} = predict_proba -> argmax = predict")
    return classifier_heads(g, est, proba)


@register(
    "sklearn.tree.DecisionTreeRegressor",
    "split neurons (x[f] <= t, X as float32) -> leaf AND neurons -> leaf values = predict",
    pickle_support=TREE_PICKLE,
)
@register(
    "sklearn.tree.ExtraTreeRegressor",
    "split neurons (x[f] <= t, X as float32) -> leaf AND neurons -> leaf values = predict",
    pickle_support=TREE_PICKLE,
)
def tree_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = value[leaf(x)]`` (one column per output; 1-D for one output)."""
    trees = [from_sklearn(est.tree_, regressor_values(est))]
    g.missing_values |= accepts_missing(est)
    values = tree_block(g, x, trees, hint="value")
    summarize_trees(g, est, trees, f"{est.n_outputs_} leaf value column{'s' * (est.n_outputs_ != 1)} = predict")
    return regression_output(g, values, est.n_outputs_ == 1)
