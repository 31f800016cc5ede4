"""Torch modules of the label kinds (:mod:`nnconvert.ir.labels`).

torch has no strings: a label tensor holds the labels themselves (int64) when its classes are
integers, else indices into its classes (``network.info(tensor).classes``), as the heads in
:mod:`nnconvert.exporters.torch.layers` return them. ``label_indicator`` compares labels (or
looks up the indicator row of an index); ``stack_labels`` stacks labels, re-indexing each
input's indices into the union of the classes (the output's classes).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.labels import LabelIndicator, StackLabels

Tensor = torch.Tensor


def _is_index(classes: np.ndarray) -> bool:
    return classes.dtype.kind not in "iu"


class Indicator(nn.Module):
    """``[N]`` labels -> ``[N, k]``: ``y_j = 1 if label == classes[j] else 0`` (network dtype)."""

    def __init__(self, n: LabelIndicator, ctx: BuildContext) -> None:
        super().__init__()
        known = ctx.input_info(n).classes
        self.by_index = _is_index(known)
        if self.by_index:  # one indicator row per known class
            table = (known[:, None] == n.classes[None, :]).astype(np.float64)
            self.register_buffer("table", ctx.tensor(table), persistent=False)
        else:
            self.register_buffer("classes", torch.tensor(n.classes.astype(np.float64)), persistent=False)
        self.dtype = ctx.dtype

    def forward(self, x: Tensor) -> Tensor:
        if self.by_index:
            return self.table[x]
        return (x.to(torch.float64)[:, None] == self.classes[None, :]).to(self.dtype)


class Stack(nn.Module):
    """``n`` ``[N]`` label tensors -> ``[N, n]`` (indices re-mapped into the union of classes)."""

    def __init__(self, n: StackLabels, ctx: BuildContext) -> None:
        super().__init__()
        sources = [ctx.input_info(n, i).classes for i in range(len(n.inputs))]
        union = np.unique(np.concatenate(sources))
        self.by_index = _is_index(union)
        self.remap = nn.ParameterList(
            [
                nn.Parameter(torch.tensor(np.searchsorted(union, c), dtype=torch.int64), requires_grad=False)
                for c in (sources if self.by_index else [])
            ]
        )

    def forward(self, *xs: Tensor) -> Tensor:
        if self.by_index:
            xs = tuple(remap[x] for remap, x in zip(self.remap, xs, strict=True))
        return torch.stack(xs, dim=1)


register_module(LabelIndicator, lambda n, ctx: Indicator(n, ctx))
register_module(StackLabels, lambda n, ctx: Stack(n, ctx))
