"""Torch modules of the tree node kinds: split neurons (``tree_splits``) and whole-tree
traversal (``tree_ensemble``).

The same steps as :mod:`nnconvert.ir.trees` (read that first): with ``cast_float32`` X is
compared in float32 with the thresholds rounded down (:func:`effective_thresholds`), NaN goes to
the ``missing_left`` side (and, with ``zero_missing``, ``|v| <= ZERO_THRESHOLD``), a categorical
split tests its bitset row (codes outside ``[0, width)`` count as missing; ``trunc(v)`` codes
with ``category_trunc``). A traversal walks ``depth`` steps of gathers, as the numpy kernel. With
``ctx.soft`` a split neuron on a numeric feature becomes ``sigmoid((threshold - v) / t)`` (NaN
and categorical splits stay exact) and a traversal reaches every leaf with the product of those
sigmoids along its path. Soft modules train: ``threshold`` (the finite numeric splits' thresholds,
in the network's dtype, unrounded; other entries are 0 and get no gradient) and, for a traversal,
``values`` (the leaf values) are parameters; :func:`trained_thresholds` gives them back to the IR.
The exact modules keep buffers only.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.trees import (
    INF_THRESHOLD,
    ZERO_THRESHOLD,
    TreeEnsemble,
    TreeSplits,
    _SplitTests,
    effective_thresholds,
)

Tensor = torch.Tensor
_NUMPY = {torch.float32: np.float32, torch.float64: np.float64}


class _SplitTest(nn.Module):
    """The split test of :func:`nnconvert.ir.trees.goes_left` (buffers indexed by split)."""

    def __init__(self, n: _SplitTests, ctx: BuildContext) -> None:
        super().__init__()
        self.cast_float32 = n.cast_float32
        cmp = torch.float32 if n.cast_float32 else ctx.dtype
        thr = effective_thresholds(n.threshold, np.float32 if n.cast_float32 else _NUMPY[ctx.dtype])
        self.register_buffer("feature", torch.tensor(n.feature, dtype=torch.int64), persistent=False)
        self.register_buffer("thresholds", torch.tensor(thr, dtype=cmp), persistent=False)
        self.register_buffer("missing_left", torch.tensor(n.missing_left, dtype=torch.bool), persistent=False)
        self.has_categories = n.category is not None
        self.category_trunc, self.n_categories = n.category_trunc, n.n_categories
        self.category_out_right = n.category_out_right
        self.has_zero_missing = n.zero_missing is not None
        if n.zero_missing is not None:
            self.register_buffer("zero_missing", torch.tensor(n.zero_missing, dtype=torch.bool), persistent=False)
        if n.category is not None:
            self.register_buffer("category", torch.tensor(n.category, dtype=torch.int64), persistent=False)
            self.register_buffer("categories", torch.tensor(n.categories, dtype=torch.bool), persistent=False)
        self.soft, self.temperature = ctx.soft, ctx.temperature
        if ctx.soft:
            trainable = trainable_splits(n)
            self.register_buffer("trainable", torch.tensor(trainable), persistent=False)
            self.threshold = nn.Parameter(ctx.tensor(np.where(trainable, n.threshold, 0.0)))

    def soft_left(self, v: Tensor, s: Tensor, dtype: torch.dtype) -> Tensor:
        """``sigmoid((threshold - v) / t)`` where split ``s`` is trainable, else the exact test."""
        exact = self.goes_left(v, s).to(dtype)
        numeric = self.trainable[s] & ~torch.isnan(v)
        v = torch.where(numeric, v, torch.zeros_like(v)).to(dtype)  # no NaN in the unused branch's gradient
        smooth = torch.sigmoid((self.threshold.to(dtype)[s] - v) / self.temperature)
        return torch.where(numeric, smooth, exact)

    def compare_input(self, x: Tensor) -> Tensor:
        return x.to(torch.float32) if self.cast_float32 else x

    def goes_left(self, v: Tensor, s: Tensor) -> Tensor:
        nan = torch.isnan(v)
        left = v <= self.thresholds[s]
        missing = self.missing_left[s]
        if self.has_categories:
            cat = self.category[s]
            low = (v <= -1) if self.category_trunc else (v < 0)
            out = ~nan & (low | (v >= self.n_categories))
            code = torch.where(nan | out, torch.zeros_like(v), v).to(torch.int64)
            in_set = self.categories[torch.clamp_min(cat, 0), code]
            out_left = torch.zeros_like(missing) if self.category_out_right else missing
            left = torch.where(cat >= 0, torch.where(out, out_left, in_set), left)
        if self.has_zero_missing:
            nan = nan | (self.zero_missing[s] & (torch.abs(v) <= ZERO_THRESHOLD))
        return torch.where(nan, missing, left)


def trainable_splits(n: _SplitTests) -> np.ndarray:
    """The splits whose thresholds train in soft mode: numeric (not categorical), finite threshold."""
    trainable = n.threshold != INF_THRESHOLD
    if n.category is not None:
        trainable &= n.category < 0
    if isinstance(n, TreeEnsemble):
        trainable &= n.left >= 0
    return trainable


def trained_thresholds(n: _SplitTests, module: _SplitTest) -> np.ndarray:
    """``n.threshold`` with the trained entries of ``module.threshold`` (float64; the exact
    network rounds them down to float32 itself where it compares in float32)."""
    trained = module.threshold.detach().cpu().double().numpy()
    if not np.isfinite(trained).all():
        raise InvalidNetwork(f"{n.op} {n.name!r}: a trained threshold is not finite")
    mask = trainable_splits(n)
    return np.where(mask, trained, n.threshold)


class Splits(_SplitTest):
    """``y_s = 1`` if split ``s`` sends the row left, else 0 (soft: ``sigmoid((thr - v) / t)``)."""

    def __init__(self, n: TreeSplits, ctx: BuildContext) -> None:
        super().__init__(n, ctx)
        self.register_buffer("slots", torch.arange(len(n.feature), dtype=torch.int64), persistent=False)

    def extra_repr(self) -> str:
        return f"splits={len(self.feature)}, cast_float32={self.cast_float32}, soft={self.soft}"

    def forward(self, x: Tensor) -> Tensor:
        v = self.compare_input(x)[:, self.feature]
        s = self.slots.expand(v.shape[0], -1)
        if not self.soft:
            return self.goes_left(v, s).to(x.dtype)
        return self.soft_left(v, s, x.dtype)


class Ensemble(_SplitTest):
    """Trees walked root to leaf; the leaves' values summed tree by tree (or side by side)."""

    def __init__(self, n: TreeEnsemble, ctx: BuildContext) -> None:
        super().__init__(n, ctx)
        self.depth, self.per_tree = n.depth, n.per_tree
        self.register_buffer("left", torch.tensor(n.left, dtype=torch.int64), persistent=False)
        self.register_buffer("right", torch.tensor(n.right, dtype=torch.int64), persistent=False)
        self.register_buffer("roots", torch.tensor(n.roots, dtype=torch.int64), persistent=False)
        if not ctx.soft:
            self.register_buffer("values", ctx.tensor(n.values), persistent=False)
            return
        self.values = nn.Parameter(ctx.tensor(n.values))
        parent = np.full(len(n.left), -1, dtype=np.int64)
        inner = np.flatnonzero(n.left >= 0)
        parent[n.left[inner]] = inner
        parent[n.right[inner]] = inner
        is_left = np.zeros(len(n.left), dtype=bool)
        is_left[n.left[inner]] = True
        tree = np.zeros(len(n.left), dtype=np.int64)
        levels, frontier = [], n.roots.copy()
        tree[frontier] = np.arange(len(frontier))
        for _ in range(n.depth):
            frontier = frontier[n.left[frontier] >= 0]
            frontier = np.concatenate([n.left[frontier], n.right[frontier]])
            tree[frontier] = tree[parent[frontier]]
            levels.append(frontier)
        for d, lv in enumerate(levels):  # the nodes at depth d + 1, their parents, which side
            self.register_buffer(f"level{d}", torch.tensor(lv, dtype=torch.int64), persistent=False)
            self.register_buffer(f"parent{d}", torch.tensor(parent[lv], dtype=torch.int64), persistent=False)
            self.register_buffer(f"is_left{d}", torch.tensor(is_left[lv]), persistent=False)
        self.register_buffer("leaf", torch.tensor(n.left < 0), persistent=False)
        member = np.zeros((len(n.left), len(n.roots)))
        member[np.arange(len(n.left)), tree] = 1.0
        self.register_buffer("member", ctx.tensor(member), persistent=False)

    def extra_repr(self) -> str:
        return f"trees={len(self.roots)}, nodes={len(self.left)}, depth={self.depth}, per_tree={self.per_tree}"

    def soft_forward(self, x: Tensor) -> Tensor:
        """Each leaf weighted by the product of the soft split tests on its path."""
        xc = self.compare_input(x)
        nodes = torch.arange(len(self.left), device=x.device).expand(x.shape[0], -1)
        p_left = self.soft_left(xc[:, torch.clamp_min(self.feature, 0)], nodes, x.dtype)
        reach = torch.zeros(x.shape[0], len(self.left), dtype=x.dtype, device=x.device)
        reach = reach.index_fill(1, self.roots, 1.0)
        for d in range(self.depth):
            level, parent = getattr(self, f"level{d}"), getattr(self, f"parent{d}")
            p = p_left[:, parent]
            side = torch.where(getattr(self, f"is_left{d}"), p, 1.0 - p)
            reach = reach.index_copy(1, level, reach[:, parent] * side)
        weight = torch.where(self.leaf, reach, torch.zeros_like(reach))
        values = self.values.to(x.dtype)
        if self.per_tree:
            return torch.einsum("nj,jt,jo->nto", weight, self.member.to(x.dtype), values).reshape(x.shape[0], -1)
        return weight @ values

    def forward(self, x: Tensor) -> Tensor:
        if self.soft:
            return self.soft_forward(x)
        xc = self.compare_input(x)
        idx = self.roots.expand(x.shape[0], -1)
        feature = torch.clamp_min(self.feature, 0)
        for _ in range(self.depth):
            inner = self.left[idx] >= 0
            v = torch.gather(xc, 1, feature[idx])
            left = self.goes_left(v, idx)
            idx = torch.where(inner, torch.where(left, self.left[idx], self.right[idx]), idx)
        values = self.values.to(x.dtype)[idx]  # [N, T, n_out]
        if self.per_tree:
            return values.reshape(x.shape[0], -1)
        out = values[:, 0]
        for t in range(1, values.shape[1]):
            out = out + values[:, t]
        return out


register_module(TreeSplits, lambda n, ctx: Splits(n, ctx))
register_module(TreeEnsemble, lambda n, ctx: Ensemble(n, ctx))
