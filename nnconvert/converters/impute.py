"""Missing values: SimpleImputer and MissingIndicator (``sklearn/impute/_base.py``).

``SimpleImputer.transform``: the mask ``_get_mask(X, missing_values)`` (``isnan`` for NaN,
``==`` for a number such as -1) is taken on all columns; columns whose statistic is NaN (no
value seen in fit) are dropped unless ``keep_empty_features``; then ``X[mask] = statistics``
per column; with ``add_indicator`` the ``indicator_`` mask is stacked on the right.
``MissingIndicator.transform``: the mask of the ``features_`` columns, as booleans.

On text columns (object arrays, string columns of a DataFrame) the network's input holds codes
(``GraphBuilder.category_codes``): a string statistic or ``fill_value`` is filled in as its code,
a string ``missing_values`` is compared as its code, and ``None``/NaN are both the missing cell
(NaN), so ``missing_values=None`` and ``missing_values=np.nan`` both mark any missing cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import select_columns
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def missing_value(est: Any) -> float | None:
    """Numeric ``missing_values`` as the IR writes it: None for NaN (and ``None``), else the number."""
    value = est.missing_values
    if value is None:
        return None
    if isinstance(value, Real) and not isinstance(value, bool):
        return None if math.isnan(float(value)) else float(value)
    raise UnsupportedModel(
        f"{type(est).__name__}(missing_values={value!r}): only NaN, None, a number or a string marks missing values"
    )


def _missing_per_column(est: Any, g: GraphBuilder, x: str, columns: np.ndarray) -> list[float | None]:
    """``missing_values`` as each column of ``x`` in ``columns`` sees it: None for NaN/``None``
    (in a network's string input a missing cell is NaN, so ``None`` and NaN are one), the number,
    or for a string the code of that string in the column's vocabulary."""
    if isinstance(est.missing_values, str):
        who = type(est).__name__
        return [float(g.category_codes(x, int(k), [est.missing_values], who=who)[0]) for k in columns]
    return [missing_value(est)] * len(columns)


def _by_missing_value(
    g: GraphBuilder,
    x: str,
    columns: np.ndarray,
    values: list[float | None],
    build: Callable[[str, float | None, np.ndarray], str],
    hint: str,
) -> str:
    """``build(x[:, group], value, positions)`` for each group of ``columns`` sharing one missing
    value (one group unless a string's code differs between columns), back in column order."""
    groups: dict[float | None, list[int]] = {}
    for pos, v in enumerate(values):
        groups.setdefault(v, []).append(pos)
    parts, order = [], []
    for v, positions in groups.items():
        pos = np.asarray(positions, dtype=np.int64)
        cols = select_columns(g, x, columns[pos], what=f"{hint} columns", hint=f"{hint}_columns")
        parts.append(build(cols, v, pos))
        order.extend(positions)
    out = g.concat(parts)
    if len(parts) > 1:
        out = select_columns(g, out, np.argsort(order), what="columns in order", hint=f"{hint}_in_order")
    return out


def indicator_mask(est: Any, g: GraphBuilder, x: str) -> str:
    """MissingIndicator's mask of its ``features_`` columns as 0/1 floats ``[N, len(features_)]``."""
    if est.features_.size == 0:
        raise UnsupportedModel("the MissingIndicator marks no feature (none had missing values in fit)")
    features = np.asarray(est.features_, dtype=np.int64)
    g.missing_values = True
    return _by_missing_value(
        g,
        x,
        features,
        _missing_per_column(est, g, x, features),
        lambda cols, v, _: g.add(ir.IsMissing, "missing", input=cols, value=v),
        "indicator",
    )


def _statistics(est: Any, g: GraphBuilder, x: str) -> np.ndarray:
    """``statistics_`` as the numbers the network fills in: numbers as they are, a string as its
    code in the column's vocabulary (most_frequent or a string fill_value on text), NaN for none."""
    try:  # 'constant' keeps fill_value's type (an object array of numbers is fine)
        return np.asarray(est.statistics_, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    return np.concatenate(
        [
            g.category_codes(x, k, [v], who="SimpleImputer")
            for k, v in enumerate(np.asarray(est.statistics_, dtype=object))
        ]
    )


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
    stats = _statistics(est, g, x)
    keep = np.arange(stats.size) if est.keep_empty_features else np.flatnonzero(~np.isnan(stats))
    if np.isnan(stats[keep]).any():
        raise UnsupportedModel("SimpleImputer(keep_empty_features=True) on text: an empty column has no fill string")
    g.missing_values = True
    out = _by_missing_value(
        g,
        x,
        keep,
        _missing_per_column(est, g, x, keep),
        lambda cols, v, pos: g.add(ir.Impute, "imputed", input=cols, fill=stats[keep][pos], value=v),
        "imputed",
    )
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
