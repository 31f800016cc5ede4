"""Tree node kinds: a layer of split neurons (the neuron form) and whole-tree traversal (the
compact form). Both use the same split test, :func:`goes_left`.

The split test of split ``s`` on the value ``v = x[feature_s]`` mirrors scikit-learn:

- ``sklearn/tree/_tree.pyx`` (``apply_dense``): X is cast to float32, NaN goes to the
  ``missing_go_to_left`` side, else ``v <= threshold`` (float64) goes left. ``cast_float32``
  reproduces the cast; comparing the float32 value with the threshold rounded *down* to float32
  (:func:`round_down_float32`) is the same decision, so every dtype reaches the same leaves.
- ``sklearn/ensemble/_hist_gradient_boosting/_predictor.pyx`` (``_predict_one_from_raw_data``):
  no cast (``cast_float32`` False): NaN by ``missing_left``; a categorical split (``category >= 0``)
  goes left iff its bitset row ``categories[category]`` holds the integer code ``v`` (codes
  outside ``[0, 256)`` count as missing); else ``v <= threshold``. A threshold equal to the
  largest float64 stands for ``+inf`` (JSON has no infinity): every non-missing value goes left.

A float32 network without ``cast_float32`` compares the float32 input with the threshold rounded
down, which is the float64 comparison of that float32 value: rows flip only where rounding X to
float32 crosses a threshold, and ``decision_margin`` says so. With ``cast_float32`` nothing is
forgiven (the margin is None): the decisions are exact in every dtype.

LightGBM (``include/LightGBM/tree.h``, ``NumericalDecision`` / ``CategoricalDecision``) adds two
optional rules: ``zero_missing[s]`` (its ``missing_type`` Zero) also counts ``|v| <=``
:data:`ZERO_THRESHOLD` (``kZeroThreshold``, ``1e-35f``) as missing; ``category_trunc`` takes a
categorical code as ``trunc(v)`` (C's ``static_cast<int>``: values in ``(-1, 0)`` are code 0, only
``v <= -1`` is out). The categories table may be wider than 256 (LightGBM bitsets have any
number of 32-bit words); codes at or past its width are out, like negative ones.

XGBoost (``src/common/categorical.h``, ``Decision``) sends a code that is out (negative, at or
past the set's width) the same way as a code outside the set, never to the missing side:
``category_out_right`` sends out codes right (its converter puts XGBoost's in-set child on the
left).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, register_node

INF_THRESHOLD = float(np.finfo(np.float64).max)  # stands for +inf in ``threshold``
N_CATEGORIES = 256  # HistGradientBoosting bitsets: 8 words of 32 bits
ZERO_THRESHOLD = float(np.float32(1e-35))  # LightGBM's kZeroThreshold (a float32 constant)


def round_down_float32(threshold: np.ndarray) -> np.ndarray:
    """The largest float32 ``<= t`` for each threshold (``+inf`` stays ``+inf``): for a float32
    ``v``, ``v <= t`` (in float64) iff ``v <= round_down_float32(t)`` (in float32)."""
    t = np.where(threshold == INF_THRESHOLD, np.inf, threshold)
    with np.errstate(over="ignore"):  # -FLT_MAX steps down to -inf (CatBoost's nan_mode='Min' border)
        t32 = t.astype(np.float32)
        below = np.nextafter(t32, np.float32(-np.inf))
    return np.where(t32.astype(np.float64) > t, below, t32).astype(np.float32)


def effective_thresholds(threshold: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Thresholds as the comparison in ``dtype`` needs them (``+inf`` restored)."""
    if np.dtype(dtype) == np.float32:
        return round_down_float32(threshold)
    return np.where(threshold == INF_THRESHOLD, np.inf, threshold)


def _ints(a: object, what: str, ndim: int = 1) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != ndim or (
        arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr)))
    ):
        raise InvalidNetwork(f"{what} must be a {ndim}-D integer array")
    arr = arr.astype(np.int64)
    arr.setflags(write=False)
    return arr


def _floats(a: object, what: str, ndim: int, *, allow_inf: bool = False) -> np.ndarray:
    arr = np.array(a, dtype=np.float64)
    if arr.ndim != ndim or np.isnan(arr).any() or (not allow_inf and not np.isfinite(arr).all()):
        raise InvalidNetwork(f"{what} must be a {ndim}-D array of finite numbers")
    arr.setflags(write=False)
    return arr


def _bools(a: object, what: str, ndim: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != ndim or arr.dtype.kind not in "biu" or not np.isin(arr, (0, 1)).all():
        raise InvalidNetwork(f"{what} must be a {ndim}-D boolean array")
    arr = arr.astype(bool)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False, kw_only=True)
class _SplitTests(Node):
    """The fields of the split test (see the module docstring); one entry per split/node."""

    input: str
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    cast_float32: bool = True
    category: np.ndarray | None = None
    categories: np.ndarray | None = None
    zero_missing: np.ndarray | None = None
    category_trunc: bool = False
    category_out_right: bool = False

    def _check_tests(self, n: int) -> None:
        what = f"{self.op} {self.name!r}"
        object.__setattr__(self, "feature", _ints(self.feature, f"{what} feature"))
        threshold = np.where(np.asarray(self.threshold, dtype=np.float64) == np.inf, INF_THRESHOLD, self.threshold)
        object.__setattr__(self, "threshold", _floats(threshold, f"{what} threshold", 1))
        object.__setattr__(self, "missing_left", _bools(self.missing_left, f"{what} missing_left", 1))
        object.__setattr__(self, "cast_float32", bool(self.cast_float32))
        if (self.category is None) != (self.categories is None):
            raise InvalidNetwork(f"{what}: category and categories come together")
        if self.category is not None:
            object.__setattr__(self, "category", _ints(self.category, f"{what} category"))
            object.__setattr__(self, "categories", _bools(self.categories, f"{what} categories", 2))
            if self.categories.shape[1] < 1:  # type: ignore[union-attr]
                raise InvalidNetwork(f"{what}: categories rows need at least one flag")
            if (self.category >= len(self.categories)).any() or (self.category < -1).any():  # type: ignore[arg-type,operator]
                raise InvalidNetwork(f"{what}: category indexes past the categories table")
        object.__setattr__(self, "category_trunc", bool(self.category_trunc))
        object.__setattr__(self, "category_out_right", bool(self.category_out_right))
        sizes = {len(self.feature), len(self.threshold), len(self.missing_left)}
        if self.category is not None:
            sizes.add(len(self.category))
        if self.zero_missing is not None:
            object.__setattr__(self, "zero_missing", _bools(self.zero_missing, f"{what} zero_missing", 1))
            sizes.add(len(self.zero_missing))
            cat = self.category
            if cat is not None and len(cat) == len(self.zero_missing) and (self.zero_missing & (cat >= 0)).any():
                raise InvalidNetwork(f"{what}: zero_missing applies to numeric splits only")
        if sizes != {n}:
            raise InvalidNetwork(f"{what}: split arrays differ in length ({sorted(sizes)}, expected {n})")

    def _check_width(self, ins: list[TensorInfo], used: np.ndarray) -> None:
        width = self._float2d(ins[0])
        if used.size and (used.max() >= width or used.min() < 0):
            raise InvalidNetwork(f"{self.op} {self.name!r}: a split reads feature {used.max()} of {width}")

    @property
    def n_categories(self) -> int:
        """The width of the categories table (codes ``>=`` it are out)."""
        return N_CATEGORIES if self.categories is None else int(self.categories.shape[1])

    def compare_dtype(self, dtype: np.dtype) -> np.dtype:
        """The dtype the comparisons run in: float32 when casting, else the network's."""
        return np.dtype(np.float32) if self.cast_float32 else np.dtype(dtype)


def goes_left(t: _SplitTests, v: np.ndarray, s: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The split test of splits ``s`` on values ``v`` (same shape); ``thresholds`` from
    :func:`effective_thresholds` in ``v``'s dtype."""
    nan = np.isnan(v)
    left = v <= thresholds[s]
    missing = t.missing_left[s]
    if t.category is not None:
        cat = t.category[s]
        out = ~nan & (((v <= -1) if t.category_trunc else (v < 0)) | (v >= t.n_categories))
        code = np.where(nan | out, 0, v).astype(np.int64)
        in_set = t.categories[np.maximum(cat, 0), code]  # type: ignore[index]
        out_left = False if t.category_out_right else missing
        left = np.where(cat >= 0, np.where(out, out_left, in_set), left)
    if t.zero_missing is not None:
        nan = nan | (t.zero_missing[s] & (np.abs(v) <= ZERO_THRESHOLD))
    return np.where(nan, missing, left)


def _numeric_margin(t: _SplitTests, v: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``|v - threshold|`` of numeric splits (infinite for NaN, categorical and +inf splits)."""
    thr = np.where(t.threshold == INF_THRESHOLD, np.inf, t.threshold)[s]
    with np.errstate(invalid="ignore"):
        gap = np.abs(v - thr)
    gap = np.where(np.isnan(gap) | np.isinf(thr), np.inf, gap)
    if t.zero_missing is not None:  # the edges of the zero interval decide too
        with np.errstate(invalid="ignore"):
            edge = np.abs(np.abs(v) - ZERO_THRESHOLD)
        gap = np.where(t.zero_missing[s] & ~np.isnan(edge), np.minimum(gap, edge), gap)
    if t.category is not None:
        gap = np.where(t.category[s] >= 0, np.inf, gap)
    return gap


@register_node
@dataclass(frozen=True, eq=False, kw_only=True)
class TreeSplits(_SplitTests):
    """Split neurons: ``y_s = 1`` if split ``s`` sends the row left (``x[feature_s] <= threshold_s``,
    see :func:`goes_left`), else ``0``; one step neuron per split, each reading one feature."""

    op: ClassVar[str] = "tree_splits"

    def __post_init__(self) -> None:
        self._check_tests(len(np.asarray(self.feature)))
        if len(self.feature) == 0:
            raise InvalidNetwork(f"tree_splits {self.name!r} needs at least one split")

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        self._check_width(ins, self.feature)
        return TensorInfo(len(self.feature))

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """None when casting to float32 (exact); else ``min_s |x_f - t_s|`` over the splits."""
        if self.cast_float32:
            return None
        s = np.arange(len(self.feature))
        return _numeric_margin(self, inputs64[0][:, self.feature], s).min(axis=1)


def tree_splits(node: TreeSplits, x: np.ndarray) -> np.ndarray:
    """Runtime kernel of :class:`TreeSplits`."""
    dtype = node.compare_dtype(x.dtype)
    v = x.astype(dtype, copy=False)[:, node.feature]
    s = np.broadcast_to(np.arange(len(node.feature)), v.shape)
    return goes_left(node, v, s, effective_thresholds(node.threshold, dtype)).astype(x.dtype)


@register_node
@dataclass(frozen=True, eq=False, kw_only=True)
class TreeEnsemble(_SplitTests):
    """Trees walked root to leaf: ``y = sum_t values[leaf_t(x)]`` (``per_tree``: the trees' leaf
    values side by side, ``[N, n_trees * n_out]``). Nodes of all trees are listed together; a leaf
    has ``left = right = -1``; ``roots[t]`` is tree ``t``'s root; ``values`` ``[n_nodes, n_out]``
    holds each leaf's contribution (rows of split nodes are unused)."""

    op: ClassVar[str] = "tree_ensemble"
    left: np.ndarray
    right: np.ndarray
    values: np.ndarray
    roots: np.ndarray
    per_tree: bool = False

    def __post_init__(self) -> None:
        what = f"tree_ensemble {self.name!r}"
        object.__setattr__(self, "left", _ints(self.left, f"{what} left"))
        object.__setattr__(self, "right", _ints(self.right, f"{what} right"))
        object.__setattr__(self, "roots", _ints(self.roots, f"{what} roots"))
        object.__setattr__(self, "values", _floats(self.values, f"{what} values", 2))
        object.__setattr__(self, "per_tree", bool(self.per_tree))
        n = len(self.left)
        self._check_tests(n)
        if len(self.right) != n or len(self.values) != n or n == 0 or len(self.roots) == 0:
            raise InvalidNetwork(f"{what}: left, right and values need one entry per node")
        _ = self.depth  # validates the tree structure

    @functools.cached_property
    def depth(self) -> int:
        """The longest root-to-leaf path (in splits); checks that every tree is a proper tree."""
        n, leaf = len(self.left), self.left < 0
        if ((self.right < 0) != leaf).any() or (self.left >= n).any() or (self.right >= n).any():
            raise InvalidNetwork(f"tree_ensemble {self.name!r}: children must be valid nodes (-1 for a leaf)")
        if (self.feature[~leaf] < 0).any():
            raise InvalidNetwork(f"tree_ensemble {self.name!r}: a split node has no feature")
        seen = np.zeros(n, dtype=bool)
        frontier, depth = self.roots.copy(), 0
        while True:
            if (
                (frontier < 0).any()
                or (frontier >= n).any()
                or seen[frontier].any()
                or len(set(frontier.tolist())) < len(frontier)
            ):
                raise InvalidNetwork(
                    f"tree_ensemble {self.name!r}: nodes must form separate trees (no shared or cyclic nodes)"
                )
            seen[frontier] = True
            inner = frontier[~leaf[frontier]]
            if not len(inner):
                return depth
            frontier = np.concatenate([self.left[inner], self.right[inner]])
            depth += 1

    @property
    def n_outputs(self) -> int:
        return self.values.shape[1]

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        self._check_width(ins, self.feature[self.left >= 0])
        return TensorInfo(self.n_outputs * (len(self.roots) if self.per_tree else 1))

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray | None:
        """None when casting to float32 (exact); else ``min |x_f - t|`` over the splits each row
        passes on its way down (float64)."""
        if self.cast_float32:
            return None
        return walk(self, inputs64[0], margin=True)[1]


def walk(node: TreeEnsemble, x: np.ndarray, *, margin: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The leaf each row reaches in each tree (``[N, n_trees]`` node indices) and, with
    ``margin``, the smallest ``|x_f - t|`` on the way (float64 rows only)."""
    dtype = node.compare_dtype(x.dtype)
    xc = x.astype(dtype, copy=False)
    thresholds = effective_thresholds(node.threshold, dtype)
    idx = np.broadcast_to(node.roots, (len(x), len(node.roots))).copy()
    rows = np.arange(len(x))[:, None]
    gap = np.full(len(x), np.inf) if margin else None
    for _ in range(node.depth):
        inner = node.left[idx] >= 0
        v = xc[rows, np.maximum(node.feature[idx], 0)]
        left = goes_left(node, v, idx, thresholds)
        if gap is not None:
            gap = np.minimum(gap, np.where(inner, _numeric_margin(node, v, idx), np.inf).min(axis=1))
        idx = np.where(inner, np.where(left, node.left[idx], node.right[idx]), idx)
    return idx, gap


def tree_ensemble(node: TreeEnsemble, x: np.ndarray) -> np.ndarray:
    """Runtime kernel of :class:`TreeEnsemble`: leaf values summed over the trees, tree by tree."""
    leaves, _ = walk(node, x)
    values = node.values.astype(x.dtype)[leaves]  # [N, T, n_out]
    if node.per_tree:
        return values.reshape(len(x), values.shape[1] * values.shape[2])  # 0 rows too
    out = values[:, 0]
    for t in range(1, values.shape[1]):
        out = out + values[:, t]
    return out
