"""Torch modules of the basic node kinds: dense, activation, distance, concat and the heads.

Each module computes what ``nnconvert.runtime.execute`` computes for its node, in the same
order (read that first). Weights are ``nn.Parameter`` so a converted network can be trained;
fixed tables (class labels, slot indices) are buffers. With ``ctx.soft`` the discrete nodes
become smooth: ``step(x)`` -> ``sigmoid(x / t)``, ``classes[argmax x]`` -> ``softmax(x / t)``
(a soft one-hot ``[N, n_classes]``), ``x > thr`` -> ``sigmoid((x - thr) / t)`` (the soft
indicator of ``classes[1]``); they tend to the exact ones as ``t -> 0``, away from ties.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from nnconvert import ir
from nnconvert.exporters.torch.registry import BuildContext, register_module

Tensor = torch.Tensor


def label_table(classes: np.ndarray) -> Tensor | None:
    """The int64 label values when the classes are integers (returned as themselves), else None
    (torch has no strings: the head returns class indices and the network carries ``classes_``)."""
    return torch.tensor(np.ascontiguousarray(classes), dtype=torch.int64) if classes.dtype.kind in "iu" else None


class Shift(nn.Module):
    """``y = x + bias``: a dense layer whose weight is the identity (the product is skipped, exactly)."""

    def __init__(self, bias: nn.Parameter) -> None:
        super().__init__()
        self.bias = bias

    def forward(self, x: Tensor) -> Tensor:
        return x + self.bias


class ColumnScale(nn.Module):
    """``y = x[:, sel] (* mul) + bias``: a dense layer whose weight columns each hold one non-zero
    (``Dense.selection`` / ``Dense.column_scale``), gathered column by column as the runtime does,
    so a NaN in another column stays out (nn.Linear would spread it). ``mul`` is None for a
    selection (the runtime skips the product)."""

    def __init__(self, sel: np.ndarray, mul: nn.Parameter | None, bias: nn.Parameter, n_in: int) -> None:
        super().__init__()
        self.n_in = n_in
        self.register_buffer("sel", torch.tensor(sel, dtype=torch.int64), persistent=False)
        self.mul, self.bias = mul, bias

    def extra_repr(self) -> str:
        return f"in={self.n_in}, out={len(self.sel)}, scaled={self.mul is not None}"

    def forward(self, x: Tensor) -> Tensor:
        y = x[:, self.sel]
        return (y if self.mul is None else y * self.mul) + self.bias

    def weight_matrix(self) -> np.ndarray:
        """The ``[in, out]`` dense weight (float64) of the current ``mul``."""
        w = np.zeros((self.n_in, len(self.sel)))
        mul = np.ones(len(self.sel)) if self.mul is None else self.mul.detach().cpu().double().numpy()
        w[self.sel.cpu().numpy(), np.arange(len(self.sel))] = mul
        return w


def _dense(n: ir.Dense, ctx: BuildContext) -> nn.Module:
    if n.is_translation:
        return Shift(ctx.parameter(n.bias))
    n_in = n.weight.shape[0]
    if n.selection is not None:
        return ColumnScale(n.selection, None, ctx.parameter(n.bias), n_in)
    if n.column_scale is not None:
        sel, mul = n.column_scale
        return ColumnScale(sel, ctx.parameter(mul), ctx.parameter(n.bias), n_in)
    layer = nn.Linear(n.weight.shape[0], n.weight.shape[1], dtype=ctx.dtype)
    layer.weight = ctx.parameter(n.weight.T)  # nn.Linear: y = x W^T + b with W [out, in]
    layer.bias = ctx.parameter(n.bias)
    return layer


def _sigmoid(x: Tensor) -> Tensor:
    return 1.0 / (1.0 + torch.exp(-x))  # the runtime's form (torch.sigmoid rounds otherwise)


def _softmax(x: Tensor) -> Tensor:
    z = torch.exp(x - x.amax(dim=1, keepdim=True))  # scikit-learn's softmax, as the runtime
    return z / z.sum(dim=1, keepdim=True)


_ELEMENTWISE: dict[str, Callable[[Tensor, tuple[float, ...]], Tensor]] = {
    "identity": lambda x, p: x,
    "relu": lambda x, p: torch.clamp_min(x, 0.0),
    "sigmoid": lambda x, p: _sigmoid(x),
    "tanh": lambda x, p: torch.tanh(x),
    "exp": lambda x, p: torch.exp(x),
    "log": lambda x, p: torch.log(x),
    "abs": lambda x, p: torch.abs(x),
    "softsign": lambda x, p: x / (1 + torch.abs(x)),
    "softmax": lambda x, p: _softmax(x),
    "square": lambda x, p: x * x,
    "power": lambda x, p: torch.pow(x, int(p[0])),
    "step_gt": lambda x, p: (x > 0).to(x.dtype),
    "step_ge": lambda x, p: (x >= 0).to(x.dtype),
    "clip": lambda x, p: torch.clamp(x, p[0], p[1]),
    "reciprocal": lambda x, p: 1 / x,
    "sqrt": lambda x, p: torch.sqrt(x),
    "cos": lambda x, p: torch.cos(x),
    "round_float32": lambda x, p: x.to(torch.float32).to(x.dtype),
    "erf": lambda x, p: torch.special.erf(x),
}


class Activation(nn.Module):
    """Elementwise ``y = fn(x)`` (see ``nnconvert.ir.ACTIVATIONS``); ``clip`` bounds are stored
    rounded to the module dtype, as the runtime rounds them."""

    def __init__(self, fn: str, param: tuple[float, ...], ctx: BuildContext) -> None:
        super().__init__()
        self.fn = fn
        self.param = param
        if fn == "clip":
            lo, hi = ctx.tensor(param[0]), ctx.tensor(param[1])
            self.param = (float(lo), float(hi))

    def extra_repr(self) -> str:
        return self.fn + (f", {self.param}" if self.param else "")

    def forward(self, x: Tensor) -> Tensor:
        return _ELEMENTWISE[self.fn](x, self.param)


class SoftStep(nn.Module):
    """``y = sigmoid((x - threshold) / t)``: the smooth step (-> ``x > threshold`` as ``t -> 0``)."""

    def __init__(self, temperature: float, threshold: float = 0.0) -> None:
        super().__init__()
        self.temperature, self.threshold = temperature, threshold

    def extra_repr(self) -> str:
        return f"temperature={self.temperature:g}, threshold={self.threshold:g}"

    def forward(self, x: Tensor) -> Tensor:
        return torch.sigmoid((x - self.threshold) / self.temperature)


class SoftArgMax(nn.Module):
    """``y = softmax(x / t)``: the soft one-hot of ``argmax x`` (-> the exact one-hot as ``t -> 0``)."""

    def __init__(self, temperature: float) -> None:
        super().__init__()
        self.temperature = temperature

    def extra_repr(self) -> str:
        return f"temperature={self.temperature:g}"

    def forward(self, x: Tensor) -> Tensor:
        return torch.softmax(x / self.temperature, dim=1)


def _activation(n: ir.Activation, ctx: BuildContext) -> nn.Module:
    if ctx.soft and n.fn in ("step_gt", "step_ge"):
        return SoftStep(ctx.temperature)
    return Activation(n.fn, n.param, ctx)


class Distance(nn.Module):
    """Kernel neurons: the distance from ``x`` to each row of ``centres`` (a trainable weight)."""

    def __init__(self, centres: nn.Parameter, metric: str, p: float = 2.0) -> None:
        super().__init__()
        self.centres, self.metric, self.p = centres, metric, p

    def extra_repr(self) -> str:
        return f"{self.metric}, centres={tuple(self.centres.shape)}"

    def forward(self, x: Tensor) -> Tensor:
        c = self.centres
        if self.metric in ("sqeuclidean", "euclidean"):
            # |x|^2 - 2 x.c + |c|^2, clamped at 0 against cancellation (as the runtime).
            d2 = (x * x).sum(dim=1, keepdim=True) - 2 * (x @ c.T) + (c * c).sum(dim=1)[None, :]
            d2 = torch.clamp_min(d2, 0.0)
            return d2 if self.metric == "sqeuclidean" else torch.sqrt(d2)
        if self.metric == "cosine":
            # sklearn's cosine_distances: normalised rows (norm 0 -> 1), 1 - x.c, clipped to [0, 2].
            def unit(a: Tensor) -> Tensor:
                norm = torch.sqrt((a * a).sum(dim=1, keepdim=True))
                return a / torch.where(norm == 0, torch.ones_like(norm), norm)

            return torch.clamp(1 - unit(x) @ unit(c).T, 0.0, 2.0)
        diff = torch.abs(x[:, None, :] - c[None, :, :])
        if self.metric == "minkowski":
            p = float(torch.tensor(self.p, dtype=x.dtype))  # the runtime's dtype.type(p)
            return torch.pow(torch.pow(diff, p).sum(dim=2), 1 / p)
        return diff.sum(dim=2) if self.metric == "manhattan" else diff.amax(dim=2)


class Concat(nn.Module):
    """``y = [x_1 | x_2 | ...]`` (columns side by side)."""

    def forward(self, *xs: Tensor) -> Tensor:
        return torch.cat(xs, dim=1)


class Normalize(nn.Module):
    """``y = x / sum(x)`` per row; a zero row becomes ``1 / width`` when ``zero_to_uniform``."""

    def __init__(self, zero_to_uniform: bool) -> None:
        super().__init__()
        self.zero_to_uniform = zero_to_uniform

    def forward(self, x: Tensor) -> Tensor:
        total = x.sum(dim=1, keepdim=True)
        if not self.zero_to_uniform:
            return x / total
        zero = total == 0
        out = x / torch.where(zero, torch.ones_like(total), total)
        return torch.where(zero, torch.full_like(out, 1.0 / x.shape[1]), out)


class Squeeze(nn.Module):
    """``[N, 1] -> [N]``."""

    def forward(self, x: Tensor) -> Tensor:
        return x[:, 0]


class LogSumExp(nn.Module):
    """``y = m + log(sum_j exp(x_j - m))`` per row, ``m`` the row max (0 where it is not finite)."""

    def forward(self, x: Tensor) -> Tensor:
        m = x.amax(dim=1)
        m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
        return torch.log(torch.exp(x - m[:, None]).sum(dim=1)) + m


class ArgMaxLabel(nn.Module):
    """``y = classes[argmax_j x_j]`` (first maximum wins) for integer classes, else the index."""

    def __init__(self, classes: np.ndarray) -> None:
        super().__init__()
        self.classes_ = classes
        self.register_buffer("labels", label_table(classes))

    def forward(self, x: Tensor) -> Tensor:
        idx = torch.argmax(x, dim=1)
        return idx if self.labels is None else self.labels[idx]


class ThresholdLabel(nn.Module):
    """``y = classes[x > threshold]`` (``>=`` unless ``strict``) for integer classes, else the index."""

    def __init__(self, classes: np.ndarray, threshold: float, strict: bool, ctx: BuildContext) -> None:
        super().__init__()
        self.classes_, self.strict = classes, strict
        self.threshold = float(ctx.tensor(threshold))  # rounded to the dtype, as the runtime
        self.register_buffer("labels", label_table(classes))

    def forward(self, x: Tensor) -> Tensor:
        idx = (x > self.threshold) if self.strict else (x >= self.threshold)
        idx = idx.to(torch.int64)
        return idx if self.labels is None else self.labels[idx]


def _threshold(n: ir.ThresholdLabel, ctx: BuildContext) -> nn.Module:
    if ctx.soft:
        return SoftStep(ctx.temperature, n.threshold)
    return ThresholdLabel(n.classes, n.threshold, n.strict, ctx)


register_module(ir.Dense, _dense)
register_module(ir.Activation, _activation)
register_module(ir.Distance, lambda n, ctx: Distance(ctx.parameter(n.centres), n.metric, n.p))
register_module(ir.Concat, lambda n, ctx: Concat())
register_module(ir.Normalize, lambda n, ctx: Normalize(n.zero_to_uniform))
register_module(ir.Squeeze, lambda n, ctx: Squeeze())
register_module(ir.LogSumExp, lambda n, ctx: LogSumExp())
register_module(ir.ArgMaxLabel, lambda n, ctx: SoftArgMax(ctx.temperature) if ctx.soft else ArgMaxLabel(n.classes))
register_module(ir.ThresholdLabel, _threshold)
