"""Where self-check reference rows come from: a spread-out subset of given rows, or rows
placed where the model's decisions change (see :mod:`nnconvert.check.selfcheck`).

- Spread: farthest-point order ``i_{k+1} = argmax_i min_{j <= k} |z_i - z_{i_j}|`` in
  standardized units ``z = (x - mean) / std``, starting from the row nearest the mean.
- Centres: ``c + 0.01 * spread * N(0, I)`` for centres ``c`` of Distance nodes (support
  vectors, centroids, RBF centres), mapped back through a diagonal scaler ``x = (z - b) / w``.
- Boundaries: for rows ``a, b`` with different ``predict`` labels (any label of a multi-label
  row), bisect ``a + t (b - a)``
  (40 steps) to the label change ``t*`` and keep ``t* -/+ s`` with ``s`` 1e-3 or 1e-5.
- The synthetic rows of :func:`nnconvert.check.synthetic.synthetic_rows`.

Generated rows are rounded to 7 significant digits, so their JSON text is short and exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnconvert import ir

_BISECT_STEPS = 40
_STEP_OFF = 1e-3  # fraction of the bisected segment to step off the boundary, both sides (1e-5 for odd pairs)
_DIGITS = 7  # significant digits kept in generated rows (short JSON; outputs are computed on them)


def round_rows(X: np.ndarray) -> np.ndarray:
    """Generated rows rounded to :data:`_DIGITS` significant digits (exact decimal text in JSON)."""
    return np.array([[float(f"{v:.{_DIGITS}g}") for v in row] for row in X.tolist()]).reshape(X.shape)


def spread(X: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` spread-out rows of ``X``: farthest-point order in standardized units,
    starting from the row nearest the mean (deterministic)."""
    if len(X) <= 1 or k <= 0:
        return np.arange(min(len(X), max(k, 0)))
    scale = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    chosen = [int(np.argmin((Z * Z).sum(axis=1)))]
    dist = ((Z - Z[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(min(k, len(X)) - 1):
        i = int(np.argmax(dist))
        if dist[i] <= 0:  # only duplicates left
            break
        chosen.append(i)
        dist = np.minimum(dist, ((Z - Z[i]) ** 2).sum(axis=1))
    return np.array(chosen)


def _diagonal_map(network: ir.Network, tensor: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(d, b)`` with ``tensor = X * d + b`` when ``tensor`` is ``X`` through a chain of diagonal
    dense layers (scalers, the kernel layers' centring ``x - m`` and ``sqrt(gamma)`` scale), else None."""
    d, b = np.ones(network.n_features), np.zeros(network.n_features)
    chain = []
    while tensor != ir.INPUT:
        node = network.node(tensor)
        if not isinstance(node, ir.Dense) or node.weight.shape[0] != node.weight.shape[1]:
            return None
        w = np.diag(node.weight)
        if np.any(node.weight - np.diag(w)) or np.any(w == 0):
            return None
        chain.append((w, node.bias))
        tensor = node.input
    for w, bias in reversed(chain):  # (X d + b) w + bias
        d, b = d * w, b * w + bias
    return d, b


def _centre_rows(network: ir.Network, k: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``k`` points near the centres of Distance nodes reading X (or X through diagonal
    scalers, mapped back): centre + noise of 1% of the centres' per-feature spread."""
    rows = []
    for node in network.nodes:
        if not isinstance(node, ir.Distance):
            continue
        mapping = _diagonal_map(network, node.input)
        if mapping is None:
            continue
        d, b = mapping
        c = (node.centres - b) / d  # x = (z - b) / d, as synthetic._unscaled
        spread = c.std(axis=0) if len(c) > 1 else np.abs(c).max(axis=0)
        spread = np.where(spread > 0, spread, 1.0)
        pick = rng.choice(len(c), size=min(k, len(c)), replace=False)
        rows.append(c[np.sort(pick)] + 0.01 * spread * rng.standard_normal((len(pick), c.shape[1])))
    return np.vstack(rows) if rows else np.empty((0, network.n_features))


def _boundary_rows(network: ir.Network, S: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Points a step (:data:`_STEP_OFF` or 1% of it) either side of a change of the ``predict`` label, found by
    bisecting segments between rows of ``S`` whose labels differ."""
    from nnconvert.runtime import run

    tensor = network.outputs.get("predict")
    if tensor is None or network.info(tensor).kind != "label" or len(S) < 2:
        return np.empty((0, network.n_features))

    def label(X: np.ndarray) -> np.ndarray:
        """``predict`` as one row per input row: ``[N, 1]`` for single labels, ``[N, L]`` for multi-label."""
        return np.asarray(run(network, X, np.float64)["predict"]).reshape(len(X), -1)

    lab = label(S)
    i, j = rng.permutation(len(S)), rng.permutation(len(S))
    keep = (lab[i] != lab[j]).any(axis=1)  # multi-label: any label differs
    a, b = S[i[keep]][:k], S[j[keep]][:k]
    if not len(a):
        return np.empty((0, network.n_features))
    la = lab[i[keep]][:k]
    lo, hi = np.zeros(len(a)), np.ones(len(a))
    for _ in range(_BISECT_STEPS):
        mid = (lo + hi) / 2
        same = (label(a + mid[:, None] * (b - a)) == la).all(axis=1)
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    t = (lo + hi) / 2
    step = np.where(np.arange(len(t)) % 2, _STEP_OFF / 100, _STEP_OFF)  # near, and nearer still
    return np.vstack([a + np.clip(t - step, 0, 1)[:, None] * (b - a), a + np.clip(t + step, 0, 1)[:, None] * (b - a)])


def candidates(network: ir.Network, n: int, seed: int) -> list[np.ndarray]:
    """Generated rows, boundary points first, then centre points, then synthetic rows."""
    from nnconvert.check.synthetic import synthetic_rows

    rng = np.random.default_rng([seed, 7919])
    S = synthetic_rows(network, max(8 * n, 256), seed)
    B = _boundary_rows(network, S, 4 * n, rng)
    C = _centre_rows(network, 2 * n, rng)
    return [round_rows(B), round_rows(C), round_rows(S)]


def select(groups: Sequence[np.ndarray], n: int) -> np.ndarray:
    """``n`` rows: half from the first group, a quarter from the second, the rest from the last
    (spread out within each; a short group's share goes to the next)."""
    shares, chosen, left = [n // 2, n // 4, n], [], n
    for g, share in zip(groups, shares, strict=True):
        take = min(left, share if g is not groups[-1] else left, len(g))
        if take:
            chosen.append(g[spread(g, take)])
            left -= take
    return np.vstack(chosen) if chosen else np.empty((0, groups[-1].shape[1]))
