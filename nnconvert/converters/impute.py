"""Missing values: SimpleImputer and MissingIndicator (``sklearn/impute/_base.py``).

``SimpleImputer.transform``: the mask ``_get_mask(X, missing_values)`` (``isnan`` for NaN,
``==`` for a number such as -1) is taken on all columns; columns whose statistic is NaN (no
value seen in fit) are dropped unless ``keep_empty_features``; then ``X[mask] = statistics``
per column; with ``add_indicator`` the ``indicator_`` mask is stacked on the right.
``MissingIndicator.transform``: the mask of the ``features_`` columns, as booleans.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import select_columns
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def missing_value(est: Any) -> float | None:
    """``missing_values`` as the IR writes it: None for NaN, else the number."""
    value = est.missing_values
    if isinstance(value, Real) and not isinstance(value, bool):
        return None if math.isnan(float(value)) else float(value)
    raise UnsupportedModel(
        f"{type(est).__name__}(missing_values={value!r}): only NaN or a number marks missing numeric values"
    )


def indicator_mask(est: Any, g: GraphBuilder, x: str) -> str:
    """MissingIndicator's mask of its ``features_`` columns as 0/1 floats ``[N, len(features_)]``."""
    if est.features_.size == 0:
        raise UnsupportedModel("the MissingIndicator marks no feature (none had missing values in fit)")
    cols = select_columns(g, x, est.features_, what="features_", hint="indicator_columns")
    return g.add(ir.IsMissing, "missing", input=cols, value=missing_value(est))


@register(
    "sklearn.impute.MissingIndicator",
    "gather features_ -> is_missing (isnan or == missing_values) -> booleans = transform",
)
def missing_indicator(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = isnan(x[:, features_])`` (or ``== missing_values``), as booleans.

    Where scikit-learn raises (``error_on_new`` and a value missing in a column that had none in
    fit), the network returns the mask of the fitted ``features_``."""
    mask = indicator_mask(est, g, x)
    g.summarize(
        "MissingIndicator",
        f"MissingIndicator: {est.features_.size} of {est.n_features_in_} columns -> missing-value indicators",
        features=int(est.features_.size),
    )
    return {"transform": g.threshold_label(mask, np.array([False, True]), 0.5, hint="indicator")}


@register(
    "sklearn.impute.SimpleImputer",
    "gather the columns with a statistic -> impute (where missing: statistics_) [| missing indicators] = transform",
    pickle_support=("sklearn.impute._base.MissingIndicator",),
)
def simple_imputer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_j = statistics_j where x_j is missing else x_j`` (all-missing columns of fit
    dropped unless ``keep_empty_features``), then ``| indicator_.transform(x)``."""
    value = missing_value(est)
    try:  # 'constant' keeps fill_value's type (an object array of numbers is fine)
        stats = np.asarray(est.statistics_, dtype=np.float64)
    except (TypeError, ValueError):
        raise UnsupportedModel("SimpleImputer on non-numeric data (string statistics) is not supported") from None
    keep = np.arange(stats.size) if est.keep_empty_features else np.flatnonzero(~np.isnan(stats))
    cols = select_columns(g, x, keep, what="columns with a statistic", hint="imputed_columns")
    out = g.add(ir.Impute, "imputed", input=cols, fill=stats[keep], value=value)
    parts = [out]
    if est.add_indicator and est.indicator_.features_.size:
        parts.append(indicator_mask(est.indicator_, g, x))
    g.summarize(
        "SimpleImputer",
        f"SimpleImputer ({est.strategy}): {keep.size} columns imputed"
        + (f", {stats.size - keep.size} empty dropped" if keep.size < stats.size else "")
        + (f" | {est.indicator_.features_.size} missing indicators" if est.add_indicator else ""),
        strategy=str(est.strategy),
        imputed=int(keep.size),
    )
    return {"transform": g.concat(parts)}
