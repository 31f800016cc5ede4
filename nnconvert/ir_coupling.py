"""The pairwise-coupling node: libsvm's ``multiclass_probability`` (Wu, Lin and Weng, method 2).

``p = argmin_p sum_{i != j} (r_ji p_i - r_ij p_j)^2`` subject to ``sum p = 1``, solved exactly as
``sklearn/svm/src/libsvm/svm.cpp::multiclass_probability`` does: start at ``p = 1/k``, at most
``max(100, k)`` sweeps, and a row stops as soon as ``max_t |(Qp)_t - pQp| < 0.005 / k``. The stop
depends on the row, so no dense-plus-activation network reproduces it; this node does, row by
row, with the same floating-point operations in the same order as the C code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert import ir
from nnconvert.errors import InvalidNetwork


@dataclass(frozen=True, eq=False)
class PairwiseCoupling(ir.Node):
    """``p = couple(r)``: ``r`` holds ``r_ij`` for the pairs ``(0,1), (0,2), ..., (k-2,k-1)``
    (``r_ji = 1 - r_ij``); the output is libsvm's class probabilities ``[N, n_classes]``."""

    op: ClassVar[str] = "pairwise_coupling"
    input: str
    n_classes: int

    def __post_init__(self) -> None:
        if isinstance(self.n_classes, bool) or int(self.n_classes) != self.n_classes or self.n_classes < 2:
            raise InvalidNetwork(f"pairwise_coupling {self.name!r} needs n_classes >= 2, got {self.n_classes!r}")
        object.__setattr__(self, "n_classes", int(self.n_classes))

    @property
    def n_pairs(self) -> int:
        return self.n_classes * (self.n_classes - 1) // 2

    @property
    def max_iter(self) -> int:
        return max(100, self.n_classes)

    def infer(self, ins: list[ir.TensorInfo]) -> ir.TensorInfo:
        width = self._float2d(ins[0])
        if width != self.n_pairs:
            raise InvalidNetwork(
                f"pairwise_coupling {self.name!r}: {width} pair columns, {self.n_classes} classes need {self.n_pairs}"
            )
        return ir.TensorInfo(self.n_classes)


ir.register_node(PairwiseCoupling)


def pair_matrix(r: np.ndarray, k: int) -> list[list[np.ndarray]]:
    """``R[i][j]`` columns from the pair columns: ``R[i][j] = r_p``, ``R[j][i] = 1 - r_p``."""
    one = r.dtype.type(1)
    R: list[list[np.ndarray]] = [[np.zeros(len(r), r.dtype) for _ in range(k)] for _ in range(k)]
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            R[i][j] = r[:, p]
            R[j][i] = one - r[:, p]
            p += 1
    return R


def coupling_q(R: list[list[np.ndarray]], k: int) -> list[list[np.ndarray]]:
    """``Q[t][t] = sum_{j != t} r_jt^2`` (summed in libsvm's order), ``Q[t][j] = -r_jt r_tj``."""
    Q: list[list[np.ndarray]] = [[None] * k for _ in range(k)]  # type: ignore[list-item]
    for t in range(k):
        qtt = np.zeros_like(R[0][1])
        for j in range(t):
            qtt = qtt + R[j][t] * R[j][t]
            Q[t][j] = Q[j][t]
        for j in range(t + 1, k):
            qtt = qtt + R[j][t] * R[j][t]
            Q[t][j] = -R[j][t] * R[t][j]
        Q[t][t] = qtt
    return Q


def pairwise_coupling(r: np.ndarray, k: int) -> np.ndarray:
    """Row-wise ``multiclass_probability``: every row runs the C loop, frozen once it stops."""
    dt = r.dtype.type
    n = r.shape[0]
    Q = coupling_q(pair_matrix(r, k), k)
    p = [np.full(n, dt(1.0 / k)) for _ in range(k)]  # p[t] = 1.0/k, rounded once (float32: from double)
    eps = dt(0.005 / k)
    active = np.ones(n, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _iterate(Q, p, eps, active, k)


def _iterate(
    Q: list[list[np.ndarray]], p: list[np.ndarray], eps: np.floating, active: np.ndarray, k: int
) -> np.ndarray:
    """The sweeps of ``multiclass_probability``; rows that met the stopping rule keep their ``p``."""
    n = len(active)
    dt = p[0].dtype.type
    for _ in range(max(100, k)):
        # Stopping condition, Qp and pQp recomputed from scratch as in the C code.
        Qp = []
        for t in range(k):
            acc = np.zeros(n, p[0].dtype)
            for j in range(k):
                acc = acc + Q[t][j] * p[j]
            Qp.append(acc)
        pQp = np.zeros(n, p[0].dtype)
        for t in range(k):
            pQp = pQp + p[t] * Qp[t]
        max_error = np.zeros(n, p[0].dtype)
        for t in range(k):
            max_error = np.maximum(max_error, np.abs(Qp[t] - pQp))
        active &= ~(max_error < eps)
        if not active.any():
            break
        new_p = list(p)
        for t in range(k):
            diff = (-Qp[t] + pQp) / Q[t][t]
            new_p[t] = new_p[t] + diff
            pQp = (pQp + diff * (diff * Q[t][t] + dt(2) * Qp[t])) / (dt(1) + diff) / (dt(1) + diff)
            for j in range(k):
                Qp[j] = (Qp[j] + diff * Q[t][j]) / (dt(1) + diff)
                new_p[j] = new_p[j] / (dt(1) + diff)
        p = [np.where(active, new_p[t], p[t]) for t in range(k)]
    return np.stack(p, axis=1)
