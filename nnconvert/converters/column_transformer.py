"""Column plumbing: ColumnTransformer and FeatureUnion (``sklearn/compose/_column_transformer.py``,
``sklearn/pipeline.py``).

``ColumnTransformer.transform``: for each fitted ``(name, transformer, columns)`` of
``transformers_`` (the remainder included) that is not ``'drop'`` and selects some column, the
transformer's output on those columns, times ``transformer_weights[name]``; all side by side.
``FeatureUnion.transform``: each transformer of ``transformer_list`` on all of ``X``, times its
weight, side by side. ``'passthrough'`` hands the columns on unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import select_columns, transform_of
from nnconvert.converters.registry import convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def branch_columns(est: Any, name: str) -> np.ndarray:
    """The input columns of branch ``name``, as positions in ``feature_names_in_`` order (the
    network's input order). Names, indices, slices, boolean masks and ``make_column_selector``
    were all resolved at fit into ``_transformer_to_input_indices``; this is the one place a
    ColumnTransformer's columns are looked up."""
    return np.asarray(est._transformer_to_input_indices[name], dtype=np.int64)


def _branch(g: GraphBuilder, x: str, trans: Any, weight: float | None, who: str) -> str:
    """``trans.transform(x) * weight`` (``'passthrough'``: ``x``), as ``_transform_one``."""
    out = x if isinstance(trans, str) else transform_of(g, convert_into(trans, g, x), who)
    if weight is not None:
        out = g.scale(out, float(weight), 0.0, source={"weight": "transformer_weights"}, hint="weighted")
    return out


def _joined(g: GraphBuilder, x: str, parts: list[str], what: str) -> str:
    if not parts:
        raise UnsupportedModel(f"the {what} outputs no column")
    out = g.concat(parts)
    return g.act(out, "identity", hint="transformed") if out == x else out  # an output is never X itself


def _is(trans: Any, word: str) -> bool:
    return isinstance(trans, str) and trans == word


@register(
    "sklearn.compose.ColumnTransformer",
    "per branch: gather its columns -> the branch's network (x weight); branches side by side = transform",
    # A selector is stored, never called at predict: fit resolved it into _transformer_to_input_indices.
    pickle_support=("sklearn.compose._column_transformer.make_column_selector",),
)
def column_transformer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = [w_1 T_1(x[:, c_1]) | w_2 T_2(x[:, c_2]) | ...]``."""
    weights = est.transformer_weights or {}
    parts, names = [], []
    for name, trans, _ in est.transformers_:
        cols = branch_columns(est, name)
        if _is(trans, "drop") or cols.size == 0:
            continue
        xs = select_columns(g, x, cols, what=f"columns of {name!r}", hint=f"{name}_columns")
        parts.append(_branch(g, xs, trans, weights.get(name), f"ColumnTransformer branch {name!r}"))
        names.append(
            f"{name} ({'passthrough' if isinstance(trans, str) else type(trans).__name__}, {cols.size} columns)"
        )
    out = _joined(g, x, parts, "ColumnTransformer")
    g.summarize(
        "ColumnTransformer",
        f"ColumnTransformer: {len(parts)} branches side by side: {', '.join(names)}",
        branches=len(parts),
    )
    return {"transform": out}


@register(
    "sklearn.pipeline.FeatureUnion",
    "each transformer's network on all inputs (x weight), side by side = transform",
)
def feature_union(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = [w_1 T_1(x) | w_2 T_2(x) | ...]`` (``'drop'`` skipped)."""
    weights = est.transformer_weights or {}
    parts = [
        _branch(g, x, trans, weights.get(name), f"FeatureUnion part {name!r}")
        for name, trans in est.transformer_list
        if not _is(trans, "drop")
    ]
    return {"transform": _joined(g, x, parts, "FeatureUnion")}
