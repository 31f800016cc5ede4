"""Evaluation rows for tree models: fresh rows plus rows exactly on split thresholds, one float32
ulp either side, and (for models that take them) NaN cells."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def thresholds_of(
    trees: Iterable[object], features: Iterable[np.ndarray | None] | None = None
) -> list[tuple[int, float]]:
    """``(feature, threshold)`` of every split of fitted ``sklearn.tree._tree.Tree`` objects."""
    out = []
    feats = list(features) if features is not None else None
    for k, tree in enumerate(trees):
        inner = tree.children_left >= 0
        f = tree.feature[inner]
        if feats is not None and feats[k] is not None:
            f = np.asarray(feats[k])[f]
        out += list(zip(f.tolist(), tree.threshold[inner].tolist(), strict=True))
    return out


def edge_rows(
    X: np.ndarray, splits: list[tuple[int, float]], n: int = 40, seed: int = 0, *, ulps: bool = True
) -> np.ndarray:
    """``n`` rows of ``X`` with one feature set to a split's threshold (float64), to the float32
    values just below and above it (``ulps``)."""
    rng = np.random.default_rng(seed)
    rows = []
    splits = [(f, t) for f, t in splits if np.isfinite(t)]  # a split on missing values has threshold +inf
    if not splits:
        return X[:0]
    for i in rng.integers(0, len(splits), n):
        f, t = splits[i]
        below = np.float32(t)
        if below > t:
            below = np.nextafter(below, np.float32(-np.inf))
        values = [t, float(below), float(np.nextafter(below, np.float32(np.inf)))] if ulps else [t]
        for v in values:
            row = X[rng.integers(0, len(X))].copy()
            row[f] = v
            rows.append(row)
    return np.array(rows)


def with_nan(X: np.ndarray, share: float = 0.1, seed: int = 0) -> np.ndarray:
    """A copy of ``X`` with about ``share`` of its cells NaN."""
    rng = np.random.default_rng(seed)
    out = X.copy()
    out[rng.random(X.shape) < share] = np.nan
    return out
