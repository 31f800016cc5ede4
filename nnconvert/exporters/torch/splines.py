"""Torch module of ``piecewise_poly`` (:mod:`nnconvert.ir.splines`), the numpy kernel step for step."""

from __future__ import annotations

import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.splines import PiecewisePoly

Tensor = torch.Tensor


class PiecewisePolynomial(nn.Module):
    """Per output column: the interval's local polynomial by Horner, the ends as :class:`PiecewisePoly`."""

    def __init__(self, n: PiecewisePoly, ctx: BuildContext) -> None:
        super().__init__()
        self.extrapolation, self.nan_fill = n.extrapolation, n.nan_fill
        self.register_buffer("columns", torch.tensor(n.columns, dtype=torch.int64), persistent=False)
        self.register_buffer("breaks", ctx.tensor(n.breaks), persistent=False)
        self.register_buffer("coefs", ctx.tensor(n.coefs), persistent=False)
        self.register_buffer("rows", torch.arange(len(n.columns), dtype=torch.int64)[None, :], persistent=False)
        for side in ("below", "above"):
            table = getattr(n, side)
            self.register_buffer(side, None if table is None else ctx.tensor(table), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        b, rows = self.breaks, self.rows
        xc = x[:, self.columns]
        first, last = b[:, 0], b[:, -1]
        if self.extrapolation == "periodic":
            period = last - first
            r = torch.fmod(xc - first, period)
            xc = first + torch.where(r < 0, r + period, r)
        count = (b[None, :, :] <= xc[:, :, None]).sum(dim=2)
        i = torch.clamp(count - 1, 0, b.shape[1] - 2)
        u = xc - b[rows, i]
        c = self.coefs[rows, i]
        y = c[..., -1]
        for p in range(c.shape[2] - 2, -1, -1):
            y = y * u + c[..., p]
        if self.extrapolation == "nan":
            y = torch.where((xc < first) | (xc > last), torch.full_like(y, float("nan")), y)
        elif self.extrapolation == "affine":
            lo, hi = self.below, self.above
            y = torch.where(xc < first, lo[:, 0] + (xc - first) * lo[:, 1], y)
            y = torch.where(xc > last, hi[:, 0] + (xc - last) * hi[:, 1], y)
        if self.nan_fill is not None:
            y = torch.where(torch.isnan(xc), torch.full_like(y, self.nan_fill), y)
        return y


register_module(PiecewisePoly, lambda n, ctx: PiecewisePolynomial(n, ctx))
