"""Boosted trees fitted on pandas category columns, the network's side: the network takes the
column as it is (its strings, or its numbers) and computes the library's category code inside
(what the codes are: :mod:`nnconvert.io.native.pandas_categories`). A category the model never
saw and a missing cell get no code (-1, or NaN); the trees send both to their missing side
(LightGBM's ``CategoricalDecision`` sends NaN and every negative code right; XGBoost's splits
send them by ``default_left``: :mod:`nnconvert.converters.xgboost_trees`).

- String categories: the column becomes a string input whose vocabulary is the categories in
  order, so its code is the library's (:meth:`nnconvert.ir.builder.GraphBuilder.category_codes`;
  another string is -1, a missing cell NaN).
- Number categories: one equality neuron per category on the column (``category_indicators``)
  and one neuron ``code = sum_i (i + 1) [x == c_i] - 1`` (exact: one term is 1, or none), appended
  to X; the splits on that feature read the code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import UnsupportedModel
from nnconvert.io.native.pandas_categories import column_kind
from nnconvert.ir.builder import GraphBuilder


def coded_input(g: GraphBuilder, x: str, columns: Mapping[int, Sequence[Any]], who: str) -> tuple[str, np.ndarray]:
    """``x`` as the splits read it (number-category codes appended) and the feature map
    ``features[j]``: the column the splits on feature ``j`` read (``who`` names the model's
    categories in refusals)."""
    width = g.width(x)
    features = np.arange(width, dtype=np.int64)
    extra: list[str] = []
    for j, values in sorted(columns.items()):
        if column_kind(values, who) == "string":
            codes = g.category_codes(x, j, values, who=who)
            if not np.array_equal(codes, np.arange(len(values))):
                raise UnsupportedModel(f"{who}: column {j}'s strings already have other codes in this network")
            continue
        nums = np.array(values, dtype=np.float64)
        hit = g.add(ir.CategoryIndicators, f"category_{j}", input=x, columns=np.full(len(nums), j), values=nums)
        code = g.dense(hit, (np.arange(len(nums)) + 1.0)[:, None], [-1.0], hint=f"code_{j}",
                       source={"weight": f"the categories of feature {j} (code + 1)", "bias": "-1: unseen"})  # fmt: skip
        features[j] = width + len(extra)
        extra.append(code)
    return (g.concat([x, *extra], hint="x_codes") if extra else x), features
