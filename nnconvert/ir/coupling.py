"""The pairwise-coupling node: libsvm's ``multiclass_probability`` (Wu, Lin and Weng, method 2).

``p = argmin_p sum_{i != j} (r_ji p_i - r_ij p_j)^2`` subject to ``sum p = 1``, solved exactly as
``sklearn/svm/src/libsvm/svm.cpp::multiclass_probability`` does: start at ``p = 1/k``, at most
``max(100, k)`` sweeps, and a row stops as soon as ``max_t |(Qp)_t - pQp| < 0.005 / k``. The stop
depends on the row, so no dense-plus-activation network reproduces it; this node does, row by
row, with the same floating-point operations in the same order as the C code, always in float64
(also in a float32 network: the C code is double, and the k x k work per row is cheap).

Rows are ``[N, k]`` arrays: every elementwise step of the C code's ``t`` and ``j`` loops is done
for all ``j`` at once (the ``j`` updates are independent), while the sums ``Qp_t``, ``pQp`` and
``Q_tt`` stay chains in the C code's order. ``nnconvert.exporters.onnx.coupling`` emits the same
steps as ONNX operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, Work, register_node


@register_node
@dataclass(frozen=True, eq=False)
class PairwiseCoupling(Node):
    """``p = couple(r)``: ``r`` holds ``r_ij`` for the pairs ``(0,1), (0,2), ..., (k-2,k-1)``
    (``r_ji = 1 - r_ij``); the output is libsvm's class probabilities ``[N, n_classes]``."""

    op: ClassVar[str] = "pairwise_coupling"
    stop_tol: ClassVar[float] = 0.005  # libsvm: eps = 0.005 / k
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

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.n_pairs:
            raise InvalidNetwork(
                f"pairwise_coupling {self.name!r}: {width} pair columns, {self.n_classes} classes need {self.n_pairs}"
            )
        return TensorInfo(self.n_classes)

    def work(self, ins: list[TensorInfo], out: TensorInfo) -> Work:
        """``Q``, ``R``, ``R^T`` and ``V = [I | Q]`` are ``k x k`` (``V`` ``k x 2k``) per row; a sweep
        runs about ``18 k`` operators (counted as ``20 k``), ``max(100, k)`` sweeps."""
        k = self.n_classes
        return Work(8 * 3 * k * k, 8 * 6 * k * k, 6 * k + 20 * k * self.max_iter)

    def decision_margin(self, inputs64: list[np.ndarray]) -> np.ndarray:
        """``min`` over the stop checks a row runs of ``|max_error - eps| / G``: the distance of the
        stop decision to its threshold, in units of the input ``r`` (``G`` bounds ``max_error``'s
        change per unit change of every ``r_ij``, see :func:`stop_sensitivity`)."""
        return _couple64(np.asarray(inputs64[0], np.float64), self.n_classes, self.stop_tol, margin=True)[2]


def pair_index(k: int) -> np.ndarray:
    """``[k, k]`` column of ``[r | 1 - r]`` holding ``R[i][j]`` (``r_p`` above the diagonal,
    ``1 - r_p`` below; the diagonal, unused, points at column 0)."""
    n_pairs = k * (k - 1) // 2
    idx = np.zeros((k, k), dtype=np.int64)
    iu = np.triu_indices(k, 1)  # (0,1), (0,2), ..., (k-2,k-1): libsvm's pair order
    idx[iu] = np.arange(n_pairs)
    idx[iu[1], iu[0]] = n_pairs + np.arange(n_pairs)
    return idx


def coupling_q(r: np.ndarray, k: int) -> np.ndarray:
    """``Q[n, t, t] = sum_{j != t} r_jt^2`` (summed in libsvm's order), ``Q[n, t, j] = -r_jt r_tj``."""
    eye = np.eye(k, dtype=bool)
    R = np.where(eye, 0.0, np.concatenate([r, 1.0 - r], axis=1)[:, pair_index(k)])  # R[n, i, j] = r_ij
    RT = R.transpose(0, 2, 1)  # RT[n, t, j] = r_jt
    RT2 = RT * RT
    diag = RT2[:, :, 0]
    for j in range(1, k):  # Q[t][t] += r[j][t] * r[j][t], j ascending (r_tt = 0 adds nothing)
        diag = diag + RT2[:, :, j]
    return np.where(eye, diag[:, :, None], -(RT * R))


def pairwise_coupling(r: np.ndarray, k: int, tol: float = PairwiseCoupling.stop_tol) -> np.ndarray:
    """Row-wise ``multiclass_probability`` in float64; the result comes back in ``r``'s dtype."""
    return _couple64(np.asarray(r, np.float64), k, tol, margin=False)[0].astype(r.dtype, copy=False)


def coupling_sweeps(r: np.ndarray, k: int, tol: float = PairwiseCoupling.stop_tol) -> np.ndarray:
    """How many update sweeps each row runs before it meets the stopping rule (float64)."""
    return _couple64(np.asarray(r, np.float64), k, tol, margin=False)[1]


def stop_sensitivity(r: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """``G = max_t sum_ij |d((Qp)_t - pQp) / d r_ij|`` at fixed ``p``: per row, ``max_error``
    moves by at most ``G * delta`` (to first order) when every ``r_ij`` moves by ``delta``.

    With ``R_ij = r``, ``R_ji = 1 - r``: ``dQ_ii = -2(1 - r)``, ``dQ_jj = 2r``, ``dQ_ij = 2r - 1``.
    """
    iu, ju = np.triu_indices(k, 1)
    pi, pj = p[:, iu], p[:, ju]
    dqi = -2 * (1 - r) * pi + (2 * r - 1) * pj  # d(Qp)_i / dr_ij
    dqj = 2 * r * pj + (2 * r - 1) * pi  # d(Qp)_j / dr_ij
    dpqp = pi * dqi + pj * dqj  # d(pQp) / dr_ij
    a = np.abs(dpqp)  # every t outside the pair moves by -dpqp
    ei, ej = np.eye(k)[iu], np.eye(k)[ju]  # [n_pairs, k] one-hots
    g = a.sum(axis=1, keepdims=True) + (np.abs(dqi - dpqp) - a) @ ei + (np.abs(dqj - dpqp) - a) @ ej
    return g.max(axis=1)


def _couple64(r: np.ndarray, k: int, tol: float, *, margin: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The sweeps of ``multiclass_probability`` on the rows still running (a row that met the
    stopping rule keeps its ``p``): ``p``, the sweep count per row and, with ``margin``, the stop
    decision's distance (see :meth:`PairwiseCoupling.decision_margin`)."""
    n = r.shape[0]
    Q = coupling_q(r, k)
    V = np.concatenate([np.broadcast_to(np.eye(k), Q.shape), Q], axis=2)  # V[n, t] = [e_t | Q[t][:]]
    p_all = np.full((n, k), 1.0 / k)
    eps = tol / k
    dist = np.full(n, np.inf) if margin else None
    sweeps = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)  # the rows still running
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(max(100, k)):
            if not len(rows):
                break
            p, q, v = p_all[rows], Q[rows], V[rows]
            # Stopping condition, Qp and pQp recomputed from scratch as in the C code.
            Qp = q[:, :, 0] * p[:, :1]
            for j in range(1, k):
                Qp = Qp + q[:, :, j] * p[:, j : j + 1]
            pq = p * Qp
            pQp = pq[:, 0]
            for t in range(1, k):
                pQp = pQp + pq[:, t]
            max_error = np.abs(Qp - pQp[:, None]).max(axis=1)
            if dist is not None:
                gap = np.abs(max_error - eps) / stop_sensitivity(r[rows], p, k)
                dist[rows] = np.minimum(dist[rows], np.nan_to_num(gap, nan=0.0))
            go = ~(max_error < eps)
            rows, p, q, v, Qp, pQp = rows[go], p[go], q[go], v[go], Qp[go], pQp[go]
            S = np.concatenate([p, Qp], axis=1)  # [p | Qp]: p[t] += diff, then both / (1 + diff)
            for t in range(k):
                qtt, qpt = q[:, t, t], S[:, k + t]
                diff = (pQp - qpt) / qtt
                onep = 1 + diff
                pQp = (pQp + diff * (diff * qtt + 2 * qpt)) / onep / onep
                S = (S + diff[:, None] * v[:, t]) / onep[:, None]
            p_all[rows] = S[:, :k]
            sweeps[rows] += 1
    return p_all, sweeps, dist
