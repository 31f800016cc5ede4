"""Boosted trees fitted on pandas category columns (LightGBM's ``pandas_categorical``, XGBoost's
``cats``): each such column has a list of categories, and the trees read a category's position
in it (its code). At predict the libraries re-base a column onto those categories by value
(``cat.set_categories``), so a category the model never saw, like a missing cell, has no code.

:func:`column_kind` checks a column's categories; :class:`CategoryFrame` is the model as
``verify`` calls it, with those columns given the model's categories first (a CSV has plain
strings or numbers there; an unseen category becomes missing, as ``set_categories`` makes it).
The network's side is :mod:`nnconvert.converters.category_inputs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from nnconvert.errors import UnsupportedModel
from nnconvert.ir.network import OUTPUT_METHODS


def column_kind(values: Sequence[Any], who: str) -> str:
    """``string`` or ``number``: what a category column's categories are (anything else, or a
    category listed twice, refused in one line naming ``who``)."""
    if all(isinstance(v, str) for v in values):
        if len(set(values)) != len(values):
            raise UnsupportedModel(f"{who}: a column lists a category twice")
        return "string"
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) != len(values) or not all(math.isfinite(float(v)) for v in numbers):
        raise UnsupportedModel(f"{who}: a column's categories are neither all strings nor all finite numbers")
    if len({float(v) for v in numbers}) != len(numbers):
        raise UnsupportedModel(f"{who}: a column lists a category twice")
    return "number"


class CategoryFrame:
    """A model whose DataFrame columns of pandas categories are given the model's categories
    before each call (``columns``: feature index -> its categories, a list or a pandas Index of
    the dtype the library wants). Offers exactly the model's methods."""

    def __init__(self, model: Any, names: Sequence[str], columns: Mapping[int, Any]) -> None:
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
