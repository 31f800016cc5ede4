"""Torch modules of the column and combining kinds: ``category_codes``, ``category_indicators``,
``weighted_median`` and ``combine`` (the numpy kernels in :mod:`nnconvert.ir.columns`,
:mod:`nnconvert.ir.median`, :mod:`nnconvert.ir.combine`, step for step)."""

from __future__ import annotations

import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.columns import CategoryCodes, CategoryIndicators
from nnconvert.ir.combine import Combine
from nnconvert.ir.median import WeightedMedian

Tensor = torch.Tensor


class Codes(nn.Module):
    """In ``columns``: the index of the first known category equal to ``x``, else NaN."""

    def __init__(self, n: CategoryCodes, ctx: BuildContext) -> None:
        super().__init__()
        self.columns = [int(c) for c in n.columns]
        self.known = nn.ParameterList(
            [
                nn.Parameter(ctx.tensor(n.categories[k, : n.counts[k]]), requires_grad=False)
                for k in range(len(self.columns))
            ]
        )

    def forward(self, x: Tensor) -> Tensor:
        cols = list(x.unbind(dim=1))
        for col, known in zip(self.columns, self.known, strict=True):
            eq = x[:, col, None] == known[None, :]
            code = torch.argmax(eq.to(torch.int64), dim=1).to(x.dtype)
            cols[col] = torch.where(eq.any(dim=1), code, torch.full_like(code, float("nan")))
        return torch.stack(cols, dim=1)


class Indicators(nn.Module):
    """``[x[:, columns[o]] == values[o]]`` (``isnan`` where ``missing[o]``) as floats."""

    def __init__(self, n: CategoryIndicators, ctx: BuildContext) -> None:
        super().__init__()
        self.register_buffer("columns", torch.tensor(n.columns, dtype=torch.int64), persistent=False)
        self.register_buffer("values", ctx.tensor(n.values), persistent=False)
        missing = None if n.missing is None else torch.tensor(n.missing, dtype=torch.bool)
        self.register_buffer("missing", missing, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        cols = x.index_select(1, self.columns)
        eq = cols == self.values[None, :]
        if self.missing is not None:
            eq = torch.where(self.missing[None, :], torch.isnan(cols), eq)
        return eq.to(x.dtype)


class Median(nn.Module):
    """AdaBoost's weighted median: stable sort, float64 cumulative weights, first to reach half."""

    def __init__(self, n: WeightedMedian) -> None:
        super().__init__()
        self.register_buffer("weights", torch.tensor(n.weights, dtype=torch.float64), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        order = torch.sort(x, dim=1, stable=True).indices
        cdf = torch.cumsum(self.weights[order], dim=1)
        pick = torch.argmax((cdf >= 0.5 * cdf[:, -1:]).to(torch.int64), dim=1)
        return torch.gather(x, 1, torch.gather(order, 1, pick[:, None]))


class CombineModule(nn.Module):
    """Elementwise ``bias + sum_i coeffs_i x_i`` or ``prod_i x_i``, left to right."""

    def __init__(self, n: Combine, ctx: BuildContext) -> None:
        super().__init__()
        self.fn, self.has_bias = n.fn, bool(n.bias)
        self.register_buffer("coeffs", ctx.tensor(list(n.coeffs)), persistent=False)
        self.register_buffer("bias", ctx.tensor(n.bias), persistent=False)

    def extra_repr(self) -> str:
        return self.fn

    def forward(self, *xs: Tensor) -> Tensor:
        if self.fn == "mul":
            y = xs[0]
            for x in xs[1:]:
                y = y * x
            return y
        y = xs[0] * self.coeffs[0]
        for i in range(1, len(xs)):
            y = y + xs[i] * self.coeffs[i]
        return y + self.bias if self.has_bias else y


register_module(CategoryCodes, lambda n, ctx: Codes(n, ctx))
register_module(CategoryIndicators, lambda n, ctx: Indicators(n, ctx))
register_module(WeightedMedian, lambda n, ctx: Median(n))
register_module(Combine, lambda n, ctx: CombineModule(n, ctx))
