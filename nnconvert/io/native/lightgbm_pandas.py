"""LightGBM models fitted on pandas category columns (``lightgbm/basic.py`` ``_data_from_pandas``):
the model keeps each category column's categories (``pandas_categorical``, in the DataFrame's
column order; the model text's ``pandas_categorical:`` line, paired with its
``categorical_feature`` indices); at predict a column is re-based onto them
(``cat.set_categories``) and replaced by ``cat.codes``, -1 (a category the model never saw, or a
missing cell) as NaN.

:func:`category_columns` reads and checks them (what is shared with XGBoost's categories:
:mod:`nnconvert.io.native.pandas_categories`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnconvert.errors import UnsupportedModel
from nnconvert.io.native.pandas_categories import column_kind

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
        column_kind(values, WHO)
    return dict(zip(features, cats, strict=True))
