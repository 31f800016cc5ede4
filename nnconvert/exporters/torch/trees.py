"""Torch modules of the tree node kinds: split neurons (``tree_splits``) and whole-tree
traversal (``tree_ensemble``).

The same steps as :mod:`nnconvert.ir.trees` (read that first): with ``cast_float32`` X is
compared in float32 with the thresholds rounded down (:func:`effective_thresholds`), NaN goes to
the ``missing_left`` side, a categorical split tests its bitset row (codes outside ``[0, 256)``
count as missing). A traversal walks ``depth`` steps of gathers, as the numpy kernel. With
``ctx.soft`` a split neuron on a numeric feature becomes ``sigmoid((threshold - v) / t)`` (NaN
and categorical splits stay exact); the traversal stays exact (it has no gradient in X anyway).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.trees import N_CATEGORIES, TreeEnsemble, TreeSplits, _SplitTests, effective_thresholds

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
        if n.category is not None:
            self.register_buffer("category", torch.tensor(n.category, dtype=torch.int64), persistent=False)
            self.register_buffer("categories", torch.tensor(n.categories, dtype=torch.bool), persistent=False)

    def compare_input(self, x: Tensor) -> Tensor:
        return x.to(torch.float32) if self.cast_float32 else x

    def goes_left(self, v: Tensor, s: Tensor) -> Tensor:
        nan = torch.isnan(v)
        left = v <= self.thresholds[s]
        missing = self.missing_left[s]
        if self.has_categories:
            cat = self.category[s]
            out = ~nan & ((v < 0) | (v >= N_CATEGORIES))
            code = torch.where(nan | out, torch.zeros_like(v), v).to(torch.int64)
            in_set = self.categories[torch.clamp_min(cat, 0), code]
            left = torch.where(cat >= 0, torch.where(out, missing, in_set), left)
        return torch.where(nan, missing, left)


class Splits(_SplitTest):
    """``y_s = 1`` if split ``s`` sends the row left, else 0 (soft: ``sigmoid((thr - v) / t)``)."""

    def __init__(self, n: TreeSplits, ctx: BuildContext) -> None:
        super().__init__(n, ctx)
        self.soft, self.temperature = ctx.soft, ctx.temperature
        self.register_buffer("slots", torch.arange(len(n.feature), dtype=torch.int64), persistent=False)

    def extra_repr(self) -> str:
        return f"splits={len(self.feature)}, cast_float32={self.cast_float32}, soft={self.soft}"

    def forward(self, x: Tensor) -> Tensor:
        v = self.compare_input(x)[:, self.feature]
        s = self.slots.expand(v.shape[0], -1)
        exact = self.goes_left(v, s).to(x.dtype)
        if not self.soft:
            return exact
        smooth = torch.sigmoid((self.thresholds.to(x.dtype) - v.to(x.dtype)) / self.temperature)
        numeric = ~torch.isnan(v) & torch.isfinite(self.thresholds)
        if self.has_categories:
            numeric = numeric & (self.category < 0)
        return torch.where(numeric, smooth, exact)


class Ensemble(_SplitTest):
    """Trees walked root to leaf; the leaves' values summed tree by tree (or side by side)."""

    def __init__(self, n: TreeEnsemble, ctx: BuildContext) -> None:
        super().__init__(n, ctx)
        self.depth, self.per_tree = n.depth, n.per_tree
        self.register_buffer("left", torch.tensor(n.left, dtype=torch.int64), persistent=False)
        self.register_buffer("right", torch.tensor(n.right, dtype=torch.int64), persistent=False)
        self.register_buffer("roots", torch.tensor(n.roots, dtype=torch.int64), persistent=False)
        self.register_buffer("values", ctx.tensor(n.values), persistent=False)

    def extra_repr(self) -> str:
        return f"trees={len(self.roots)}, nodes={len(self.left)}, depth={self.depth}, per_tree={self.per_tree}"

    def forward(self, x: Tensor) -> Tensor:
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
