"""Feature scalers: per-feature affine maps ``x * mul + add`` (a diagonal dense layer that the
simplifier folds into the next layer). Formulas from ``sklearn/preprocessing/_data.py``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.registry import register
from nnconvert.ir.builder import GraphBuilder

_SCALER = "x - centre (kept apart), then diagonal dense (1 neuron per feature) = transform; the scaling folds into the next layer"


def _inverse(scale: Any, width: int) -> np.ndarray:
    return np.ones(width) if scale is None else 1.0 / np.asarray(scale, dtype=np.float64)


def _centre_then_divide(g: GraphBuilder, x: str, centre: Any, scale: Any, names: tuple[str, str]) -> dict[str, str]:
    """``(x - centre) / scale`` in scikit-learn's order: a translation ``x - centre`` (kept apart by
    the simplifier, so large centres do not cancel), then ``* (1 / scale)`` (which folds onward)."""
    width = g.width(x)
    if centre is not None:
        x = g.dense(
            x, np.eye(width), -np.asarray(centre, dtype=np.float64), source={"bias": f"-{names[0]}"}, hint="centred"
        )
    out = g.scale(x, _inverse(scale, width), 0.0, source={"weight": f"1 / {names[1]}"}, hint="scaled")
    return {"transform": out}


@register("sklearn.preprocessing.StandardScaler", _SCALER)
def standard_scaler(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``(x - mean_) / scale_`` (either part absent when with_mean/with_std is False)."""
    return _centre_then_divide(g, x, est.mean_ if est.with_mean else None, est.scale_, ("mean_", "scale_"))


@register("sklearn.preprocessing.RobustScaler", _SCALER)
def robust_scaler(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``(x - center_) / scale_``."""
    return _centre_then_divide(g, x, est.center_, est.scale_, ("center_", "scale_"))


@register("sklearn.preprocessing.MaxAbsScaler", _SCALER)
def max_abs_scaler(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``x / scale_``."""
    return _centre_then_divide(g, x, None, est.scale_, ("0", "scale_"))


@register("sklearn.preprocessing.MinMaxScaler", _SCALER + " (+ clip when clip=True)")
def min_max_scaler(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``x * scale_ + min_``, then ``clip`` to ``feature_range`` when ``clip=True``."""
    out = g.scale(x, est.scale_, est.min_, source={"weight": "scale_", "bias": "min_"}, hint="scaled")
    if est.clip:
        low, high = est.feature_range
        out = g.act(out, "clip", float(low), float(high))
    return {"transform": out}
