"""Torch module of the pairwise_coupling node: libsvm's ``multiclass_probability``.

The same steps as :mod:`nnconvert.ir.coupling` (read that first), always in float64 (a float32
network casts ``r`` up and the probabilities back). The loop runs at most ``max(100, k)`` sweeps;
a row that meets the stopping rule ``max_t |(Qp)_t - pQp| < 0.005 / k`` keeps its ``p`` (a
per-row ``active`` mask, as the ONNX Loop), so every row gets exactly the numpy kernel's sweeps.
Eagerly the loop is Python and stops once no row is active; under ``torch.export`` it is a
``while_loop`` (static control flow, same result), so the exported program stays small.
"""

from __future__ import annotations

import torch
from torch import nn

from nnconvert.exporters.torch.registry import BuildContext, register_module
from nnconvert.ir.coupling import PairwiseCoupling, pair_index

Tensor = torch.Tensor


class Coupling(nn.Module):
    """``p = couple(r)``: ``r`` ``[N, k(k-1)/2]`` pairwise probabilities -> ``p`` ``[N, k]``."""

    def __init__(self, n_classes: int, stop_tol: float, max_iter: int) -> None:
        super().__init__()
        k = n_classes
        self.k, self.eps, self.max_iter = k, stop_tol / k, max_iter
        self.register_buffer("pairs", torch.tensor(pair_index(k).ravel(), dtype=torch.int64), persistent=False)
        self.register_buffer("eye", torch.eye(k, dtype=torch.bool), persistent=False)

    def extra_repr(self) -> str:
        return f"n_classes={self.k}, max_iter={self.max_iter}"

    def _q(self, r: Tensor) -> Tensor:
        """``Q[n, t, t] = sum_{j != t} r_jt^2`` (j ascending), ``Q[n, t, j] = -r_jt r_tj``."""
        k = self.k
        R = torch.cat([r, 1.0 - r], dim=1)[:, self.pairs].reshape(-1, k, k)
        R = torch.where(self.eye, torch.zeros_like(R), R)
        RT = R.transpose(1, 2)
        RT2 = RT * RT
        diag = RT2[:, :, 0]
        for j in range(1, k):
            diag = diag + RT2[:, :, j]
        return torch.where(self.eye, diag[:, :, None], -(RT * R))

    def _sweep(self, Q: Tensor, V: Tensor, p: Tensor, active: Tensor) -> tuple[Tensor, Tensor]:
        """One sweep on every row: the stop check, then the k sequential updates of ``[p | Qp]``;
        rows inactive after the check keep ``p``."""
        k = self.k
        Qp = Q[:, :, 0] * p[:, :1]
        for j in range(1, k):
            Qp = Qp + Q[:, :, j] * p[:, j : j + 1]
        pq = p * Qp
        pQp = pq[:, 0]
        for t in range(1, k):
            pQp = pQp + pq[:, t]
        max_error = torch.abs(Qp - pQp[:, None]).amax(dim=1)
        active = active & ~(max_error < self.eps)
        S = torch.cat([p, Qp], dim=1)
        for t in range(k):
            qtt, qpt = Q[:, t, t], S[:, k + t]
            diff = (pQp - qpt) / qtt
            onep = 1 + diff
            pQp = (pQp + diff * (diff * qtt + 2 * qpt)) / onep / onep
            S = (S + diff[:, None] * V[:, t]) / onep[:, None]
        return torch.where(active[:, None], S[:, :k], p), active

    def forward(self, r: Tensor) -> Tensor:
        out_dtype = r.dtype
        r = r.to(torch.float64)
        k = self.k
        Q = self._q(r)
        V = torch.cat([torch.eye(k, dtype=torch.float64, device=r.device).expand(Q.shape[0], k, k), Q], dim=2)
        p = torch.full((r.shape[0], k), 1.0 / k, dtype=torch.float64, device=r.device)
        active = torch.ones(r.shape[0], dtype=torch.bool, device=r.device)
        if torch.compiler.is_exporting():
            from torch._higher_order_ops.while_loop import while_loop

            def cond(it: Tensor, p: Tensor, active: Tensor) -> Tensor:
                return (it < self.max_iter) & active.any()

            def body(it: Tensor, p: Tensor, active: Tensor) -> tuple[Tensor, Tensor, Tensor]:
                return it + 1, *self._sweep(Q, V, p, active)

            _, p, _ = while_loop(cond, body, (torch.zeros((), dtype=torch.int64, device=r.device), p, active))
        else:
            for _ in range(self.max_iter):
                if not bool(active.any()):
                    break
                p, active = self._sweep(Q, V, p, active)
        return p.to(out_dtype)


def _coupling(n: PairwiseCoupling, ctx: BuildContext) -> nn.Module:
    return Coupling(n.n_classes, n.stop_tol, n.max_iter)


register_module(PairwiseCoupling, _coupling)
