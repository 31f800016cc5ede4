"""Torch module of the monomials node: ``y_j = prod_i x_i ** powers[j, i]``.

As :func:`nnconvert.ir.monomials.monomials`: ``x`` is padded with a column of ones, factor
slot ``k`` gathers the column each output multiplies in at step ``k``, and the slots are
multiplied in order, so the products are the numpy runtime's (and PolynomialFeatures').
"""

from __future__ import annotations

import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.monomials import Monomials, factor_slots


class Products(nn.Module):
    """Product neurons; ``slots[k, j]`` is the input column output ``j`` multiplies in at step ``k``."""

    def __init__(self, n: Monomials) -> None:
        super().__init__()
        self.register_buffer("slots", torch.tensor(factor_slots(n.powers), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        y = padded[:, self.slots[0]]
        for k in range(1, self.slots.shape[0]):
            y = y * padded[:, self.slots[k]]
        return y


def _monomials(n: Monomials, ctx: BuildContext) -> nn.Module:
    return Products(n)


register_module(Monomials, _monomials)
