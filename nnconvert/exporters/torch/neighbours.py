"""Torch module of the neighbour-vote node (read :mod:`nnconvert.ir.neighbours` first).

``k`` nearest: a stable sort of the distances, the first ``k`` (ordered by distance, then index,
as ``nearest``); radius: every distance ``<= radius``. Weights 1 or ``1 / d`` with exact zeros
(``d <= zero_tol * sqrt(eps)``) taking all the weight, then ``sum w values / sum w``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.neighbours import NeighbourVote, zero_threshold

Tensor = torch.Tensor
_NUMPY = {torch.float32: np.float32, torch.float64: np.float64}


class Vote(nn.Module):
    """``[N, n_samples]`` distances -> ``[N, n_out]`` weighted average of the neighbours' values."""

    def __init__(self, n: NeighbourVote, ctx: BuildContext) -> None:
        super().__init__()
        self.k, self.weighting = n.k, n.weighting
        self.radius = float(ctx.tensor(n.radius))  # rounded to the dtype, as the runtime
        self.zero = float(ctx.tensor(zero_threshold(n.zero_tol, _NUMPY[ctx.dtype])))
        self.register_buffer("values", ctx.tensor(n.values), persistent=False)
        fill = np.full(n.values.shape[1], np.nan) if n.outlier is None else n.outlier
        self.register_buffer("fill", ctx.tensor(fill), persistent=False)

    def extra_repr(self) -> str:
        return f"k={self.k}, radius={self.radius:g}, weighting={self.weighting}"

    def _weights(self, dist: Tensor, selected: Tensor | None) -> Tensor:
        if self.weighting == "uniform":
            w = torch.ones_like(dist)
        else:
            zero = dist <= self.zero
            if selected is not None:
                zero = zero & selected
            w = torch.where(zero.any(dim=1, keepdim=True), zero.to(dist.dtype), 1 / dist)
        return w if selected is None else torch.where(selected, w, torch.zeros_like(w))

    def forward(self, d: Tensor) -> Tensor:
        if self.k:
            idx = torch.sort(d, dim=1, stable=True).indices[:, : self.k]
            w = self._weights(torch.gather(d, 1, idx), None)
            return (w[:, :, None] * self.values[idx]).sum(dim=1) / w.sum(dim=1, keepdim=True)
        inside = d <= self.radius
        w = self._weights(d, inside)
        total = w.sum(dim=1, keepdim=True)
        empty = total == 0
        y = (w @ self.values) / torch.where(empty, torch.ones_like(total), total)
        return torch.where(empty, self.fill, y)


register_module(NeighbourVote, lambda n, ctx: Vote(n, ctx))
