"""Torch modules of the preprocessing kinds (:mod:`nnconvert.ir.preprocess`, step for step):
``is_missing``, ``impute``, ``mark_missing``, ``row_norm``, ``interp``; and ``erf_mixture`` (float64 inside, as
the numpy kernel, cast back to the network dtype)."""

from __future__ import annotations

import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.erf_mixture import ErfMixture
from nnconvert.ir.preprocess import TINY_NORM, Impute, Interp, IsMissing, MarkMissing, RowNorm

Tensor = torch.Tensor


def _missing(x: Tensor, value: float | None) -> Tensor:
    return torch.isnan(x) if value is None else x == value


class Missing(nn.Module):
    """``y = 1`` where ``x`` is missing (NaN, or ``== value``), else 0."""

    def __init__(self, value: float | None, ctx: BuildContext) -> None:
        super().__init__()
        self.value = None if value is None else float(ctx.tensor(value))  # x.dtype.type(value)

    def forward(self, x: Tensor) -> Tensor:
        return _missing(x, self.value).to(x.dtype)


class Fill(Missing):
    """``y = fill`` where ``x`` is missing, else ``x``."""

    def __init__(self, n: Impute, ctx: BuildContext) -> None:
        super().__init__(n.value, ctx)
        self.register_buffer("fill", ctx.tensor(n.fill), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return torch.where(_missing(x, self.value), self.fill, x)


class AsMissing(Missing):
    """``y = NaN`` where ``x == value``, else ``x``."""

    def forward(self, x: Tensor) -> Tensor:
        return torch.where(_missing(x, self.value), torch.nan, x)


class Norm(nn.Module):
    """``y = x / n(x)`` per row (l1, l2 or max); a norm below ``TINY_NORM`` divides by 1."""

    def __init__(self, norm: str) -> None:
        super().__init__()
        self.norm = norm

    def forward(self, x: Tensor) -> Tensor:
        if self.norm == "l1":
            norms = torch.abs(x).sum(dim=1)
        elif self.norm == "l2":
            norms = torch.sqrt((x * x).sum(dim=1))
        else:
            norms = torch.abs(x).amax(dim=1)
        norms = torch.where(norms < TINY_NORM, torch.ones_like(norms), norms)
        return x / norms[:, None]


class Interpolate(nn.Module):
    """Per column ``np.interp`` with the knot values of :class:`Interp` (the numpy kernel's steps)."""

    def __init__(self, n: Interp, ctx: BuildContext) -> None:
        super().__init__()
        for key, a in (("xp", n.xp), ("fp", n.fp), ("at", n.knot_values), ("slopes", n.slopes)):
            self.register_buffer(key, ctx.tensor(a), persistent=False)
        self.register_buffer("cols", torch.arange(n.xp.shape[0], dtype=torch.int64)[None, :], persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        xp, fp, at, slopes, cols = self.xp, self.fp, self.at, self.slopes, self.cols
        k = xp.shape[1]
        # searchsorted 'right': the number of knots <= x, per column
        count = torch.searchsorted(xp, x.T.contiguous(), right=True).T
        i, j = torch.clamp(count - 1, 0, k - 2), torch.clamp(count - 1, 0, k - 1)
        y = slopes[cols, i] * (x - xp[cols, i]) + fp[cols, i]
        y = torch.where(x >= xp[:, -1], fp[:, -1], y)
        y = torch.where(x == xp[cols, j], at[cols, j], y)
        return torch.where(x < xp[:, 0], fp[:, 0], y)


class ErfSum(nn.Module):
    """``y = erf(f lam / sqrt(2 v lam^2 + 1)) @ coefs / 2 + sum(coefs) / 2``, in float64."""

    def __init__(self, n: ErfMixture) -> None:
        super().__init__()
        self.register_buffer("lam", torch.tensor(n.lambdas, dtype=torch.float64)[None, :], persistent=False)
        self.register_buffer("halves", torch.tensor(n.coefs / 2, dtype=torch.float64)[:, None], persistent=False)
        self.offset = float(n.coefs.sum() / 2)

    def forward(self, f: Tensor, v: Tensor) -> Tensor:
        f64, v64, lam = f.to(torch.float64), v.to(torch.float64), self.lam
        z = (f64 * lam) * (1.0 / torch.sqrt(v64 * (2 * lam**2) + 1.0))
        y = torch.special.erf(z) @ self.halves + self.offset
        return y.to(f.dtype)


register_module(IsMissing, lambda n, ctx: Missing(n.value, ctx))
register_module(Impute, lambda n, ctx: Fill(n, ctx))
register_module(MarkMissing, lambda n, ctx: AsMissing(n.value, ctx))
register_module(RowNorm, lambda n, ctx: Norm(n.norm))
register_module(Interp, lambda n, ctx: Interpolate(n, ctx))
register_module(ErfMixture, lambda n, ctx: ErfSum(n))
