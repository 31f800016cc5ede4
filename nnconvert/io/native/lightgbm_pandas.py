"""LightGBM models fitted on pandas category columns (``lightgbm/basic.py`` ``_data_from_pandas``):
the model keeps each category column's categories (``pandas_categorical``, in the DataFrame's
column order; the model text's ``pandas_categorical:`` line, paired with its
``categorical_feature`` indices); at predict a column is re-based onto them
(``cat.set_categories``) and replaced by ``cat.codes``, -1 (a category the model never saw, or a
missing cell) as NaN.

:func:`category_columns` reads and checks them; :class:`CategoryFrame` is the model as ``verify``
calls it, with those columns given the category dtype first (a CSV has plain strings or numbers
there). The network's side is :mod:`nnconvert.converters.lightgbm_categories`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nnconvert.errors import UnsupportedModel
from nnconvert.ir.network import OUTPUT_METHODS

if TYPE_CHECKING:
    from nnconvert.io.native.lightgbm_text import LightGBMModel

WHO = "LightGBM pandas_categorical"


def category_columns(model: LightGBMModel) -> dict[int, list[Any]]:
    """Feature index -> its pandas categories (empty: the model was not fitted on category columns)."""
    cats = model.pandas_categorical
    if not cats:
        return {}
    if not isinstance(cats, list) or not all(isinstance(c, list) and c for c in cats):
        raise UnsupportedModel(f"{WHO} is not a list of category lists")
    text = model.parameters.get("categorical_feature", "")
    try:
        features = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise UnsupportedModel(f"the model's categorical_feature {text[:60]!r} is not a list of indices") from None
    if len(features) != len(cats) or len(set(features)) != len(features):
        raise UnsupportedModel(
            f"the model has {len(cats)} pandas category columns but categorical_feature lists {len(features)} "
            "features: which features hold the categories cannot be told"
        )
    n = model.max_feature_idx + 1
    if any(not 0 <= f < n for f in features):
        raise UnsupportedModel(f"categorical_feature names a feature past the model's {n}")
    for values in cats:
        column_kind(values)
    return dict(zip(features, cats, strict=True))


def column_kind(values: Sequence[Any]) -> str:
    """``string`` or ``number``: what a category column's categories are (anything else refused)."""
    if all(isinstance(v, str) for v in values):
        if len(set(values)) != len(values):
            raise UnsupportedModel(f"{WHO}: a column lists a category twice")
        return "string"
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) != len(values) or not all(math.isfinite(float(v)) for v in numbers):
        raise UnsupportedModel(f"{WHO}: a column's categories are neither all strings nor all finite numbers")
    if len({float(v) for v in numbers}) != len(numbers):
        raise UnsupportedModel(f"{WHO}: a column lists a category twice")
    return "number"


class CategoryFrame:
    """A LightGBM model (wrapper or Booster) whose DataFrame columns of pandas categories are
    given the model's categories before each call, as ``_data_from_pandas`` wants them (a CSV
    read by ``verify`` has plain strings or numbers there). Offers exactly the model's methods."""

    def __init__(self, model: Any, names: Sequence[str], columns: Mapping[int, list[Any]]) -> None:
        self._model = model
        self._categories = {names[j]: values for j, values in columns.items() if j < len(names)}

    def _frame(self, X: Any) -> Any:
        if not (hasattr(X, "columns") and hasattr(X, "iloc")):
            return X
        X = X.copy()
        for name, values in self._categories.items():
            if name in X.columns:  # a value outside the categories becomes missing, as set_categories does
                X[name] = X[name].astype("category").cat.set_categories(values)
        return X

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in OUTPUT_METHODS:
            raise AttributeError(name)
        method = getattr(self._model, name)
        return lambda X, *args, **kw: method(self._frame(X), *args, **kw)
