"""Categorical encoders (``sklearn/preprocessing/_encoders.py``, ``_target_encoder.py``,
``_label.py``): exact equality neurons, then dense layers whose 0/1 sums are exact.

Every encoder starts from one :class:`~nnconvert.ir.CategoryIndicators` neuron per fitted
category ``[x_i == c]`` (``isnan(x_i)`` for the missing-value category; string categories are
the codes of the input column's vocabulary, ``GraphBuilder.category_codes``). For feature ``i``
at most one of its indicators is 1; ``u_i = 1 - sum_c [x_i == c]`` marks an unknown value.

- ``OneHotEncoder.transform`` (``_transform``, ``_map_infrequent_categories``,
  ``_compute_transformed_categories``): one column per category after grouping the infrequent
  ones (``min_frequency``/``max_categories``) into the last column ``infrequent_sklearn`` and
  removing ``_drop_idx_after_grouping``; an unknown value gives a row of zeros, or 1 in the
  infrequent column with ``handle_unknown='infrequent_if_exist'``. Where scikit-learn raises
  (``handle_unknown='error'`` and an unknown value) the network gives the ``'ignore'`` row.
- ``OrdinalEncoder.transform``: per feature, the table ``category -> code`` (infrequent
  categories share one code; the missing-value category is ``encoded_missing_value``) and
  ``unknown_value`` for an unknown value (NaN where scikit-learn raises; -1 for an integer
  ``dtype``, whose codes are labels: ``argmax`` over the feature's indicators picks them).
- ``TargetEncoder.transform`` (not ``fit_transform``, which cross-fits): per feature (and class)
  the table ``encodings_`` and ``target_mean_`` for an unknown value.
- ``LabelBinarizer.transform`` of one column: ``pos_label`` where ``y == classes_[j]``, else
  ``neg_label`` (binary: the column of ``classes_[1]`` only).

A table lookup is ``[indicators | u] @ table`` (one product is non-zero per output: exact). A
NaN entry (``encoded_missing_value``/``unknown_value`` NaN) adds ``0`` or ``NaN`` per row: the
code of a 0/1 "finite" flag among the categories ``[1]`` (``CategoryCodes``), added elementwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import select_columns
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_INFREQUENT = "infrequent_sklearn"


def _feature_names(est: Any) -> list[str]:
    names = getattr(est, "feature_names_in_", None)
    n = len(est.categories_)
    return [str(v) for v in names] if names is not None and len(names) == n else [f"x{i}" for i in range(n)]


def category_values(est: Any, g: GraphBuilder, x: str, who: str) -> list[np.ndarray]:
    """Per feature, the numbers the network compares column ``i`` of ``x`` with (NaN: missing)."""
    if g.width(x) != len(est.categories_):
        raise UnsupportedModel(f"{who}: {len(est.categories_)} features for {g.width(x)} input columns")
    out = []
    for i, cats in enumerate(est.categories_):
        vals = g.category_codes(x, i, cats, who=who)
        if np.isnan(vals).sum() > 1:
            raise UnsupportedModel(
                f"{who}: feature {i} has both None and NaN as categories; the network sees both as one missing value"
            )
        out.append(vals)
    g.missing_values = True  # NaN is data: a category or an unknown value
    return out


def indicators(g: GraphBuilder, x: str, columns: Sequence[int], values: Sequence[float], hint: str) -> str:
    """``[x[:, columns[o]] == values[o]]`` (``isnan`` where the value is NaN), ``[N, len(columns)]``."""
    vals = np.asarray(values, dtype=np.float64)
    missing = np.isnan(vals)
    return g.add(
        ir.CategoryIndicators,
        hint,
        input=x,
        columns=np.asarray(columns, dtype=np.int64),
        values=np.where(missing, 0.0, vals),
        missing=missing if missing.any() else None,
    )


def _all_indicators(g: GraphBuilder, x: str, values: list[np.ndarray], hint: str) -> tuple[str, list[np.ndarray]]:
    """One indicator per category of every feature; the indicator columns of each feature."""
    cols = [np.full(len(v), i) for i, v in enumerate(values)]
    starts = np.cumsum([0, *(len(v) for v in values)])
    ind = indicators(g, x, np.concatenate(cols), np.concatenate(values), hint)
    return ind, [np.arange(starts[i], starts[i + 1]) for i in range(len(values))]


def _cases(
    g: GraphBuilder, x: str, values: list[np.ndarray], unknown: Sequence[int], hint: str
) -> tuple[str, str, list[np.ndarray], dict[int, int]]:
    """The indicators, ``[indicators | u_i for i in unknown]`` (``u_i = 1 - sum of feature i's
    indicators``), the indicator columns of each feature and the column of each ``u_i``."""
    ind, where = _all_indicators(g, x, values, f"{hint}_is")
    n_ind = g.width(ind)
    if not unknown:
        return ind, ind, where, {}
    U = np.zeros((n_ind, len(unknown)))
    for k, i in enumerate(unknown):
        U[where[i], k] = -1.0
    u = g.dense(ind, U, np.ones(len(unknown)), source={"weight": "-1 per category"}, hint=f"{hint}_unknown")
    return ind, g.concat([ind, u], hint=f"{hint}_cases"), where, {i: n_ind + k for k, i in enumerate(unknown)}


def table_lookup(
    g: GraphBuilder,
    x: str,
    values: list[np.ndarray],
    outputs: list[tuple[int, np.ndarray, float]],
    *,
    source: str,
    hint: str,
) -> str:
    """Output ``o = (i, table, default)``: ``table[c]`` where column ``i`` of ``x`` is category
    ``c`` of feature ``i`` (``values[i][c]``), ``default`` where it is none of them. Entries may
    be NaN."""
    unknown = sorted({i for i, _, d in outputs if np.isfinite(d) and d != 0})
    ind, cases, where, u_col = _cases(g, x, values, unknown, hint)
    n_ind, m = g.width(ind), len(outputs)
    W = np.zeros((g.width(cases), m))
    for o, (i, table, default) in enumerate(outputs):
        t = np.asarray(table, dtype=np.float64)
        W[where[i], o] = np.where(np.isfinite(t), t, 0.0)
        if i in u_col:
            W[u_col[i], o] = default
    out = g.dense(cases, W, source={"weight": source}, hint=hint)
    nan = [not (np.isfinite(t).all() and np.isfinite(d)) for _, t, d in outputs]
    if not any(nan):
        return out
    # finite_o = 1 where the looked-up entry is a number (0 where NaN): its code among [1] is 0 or NaN
    F, b = np.zeros((n_ind, m)), np.zeros(m)
    for o, (i, table, default) in enumerate(outputs):
        finite = np.isfinite(np.asarray(table, dtype=np.float64)).astype(np.float64)
        if np.isfinite(default):
            b[o], F[where[i], o] = 1.0, finite - 1.0
        else:
            F[where[i], o] = finite
    flag = g.dense(ind, F, b, source={"weight": "entry is a number"}, hint=f"{hint}_finite")
    nan_or_0 = g.add(
        ir.CategoryCodes, f"{hint}_nan", input=flag, columns=np.arange(m), categories=np.ones((m, 1)), counts=np.ones(m, dtype=np.int64)
    )  # fmt: skip
    return g.add(ir.Combine, f"{hint}_with_nan", sources=(out, nan_or_0), fn="add", coeffs=(1.0, 1.0))


def label_lookup(
    g: GraphBuilder, x: str, values: list[np.ndarray], outputs: list[tuple[int, np.ndarray, float]], dtype: Any
) -> str:
    """:func:`table_lookup` for an integer ``dtype``: per output, ``argmax`` over its feature's
    ``[indicators | u_i]`` (exactly one is 1) picks ``[table | default]`` as labels of ``dtype``;
    the outputs side by side (``[N, m]`` labels)."""
    _, cases, where, u_col = _cases(g, x, values, sorted({i for i, *_ in outputs}), "codes")
    labels = []
    for o, (i, table, default) in enumerate(outputs):
        picked = select_columns(g, cases, [*where[i], u_col[i]], what=f"feature {i}'s cases", hint=f"feature{o}_cases")
        classes = np.append(np.asarray(table, dtype=np.float64), default).astype(dtype)
        labels.append(g.argmax_label(picked, classes, hint=f"code{o}"))
    return g.add(ir.StackLabels, "codes", sources=tuple(labels))


def _infrequent_map(est: Any, i: int) -> np.ndarray | None:
    """``_default_to_infrequent_mappings[i]``: category index -> grouped index (None: no grouping)."""
    if not getattr(est, "_infrequent_enabled", False):
        return None
    mapping = est._default_to_infrequent_mappings[i]
    return None if mapping is None else np.asarray(mapping, dtype=np.int64)


@register(
    "sklearn.preprocessing.OneHotEncoder",
    "equality neuron per category [x_i == c] (isnan for the missing category) -> dense: infrequent "
    "categories summed into one column, dropped columns removed = transform (unknown: zeros or infrequent; "
    "where scikit-learn raises, the 'ignore' row)",
)
def one_hot_encoder(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_{i,j} = sum_{c in group j} [x_i == c]``; the infrequent group with
    ``infrequent_if_exist`` is ``1 - sum_{c frequent} [x_i == c]`` (unknowns included)."""
    who = "OneHotEncoder"
    values = category_values(est, g, x, who)
    names = _feature_names(est)
    drop = getattr(est, "_drop_idx_after_grouping", getattr(est, "drop_idx_", None))
    unknown_to_infrequent = est.handle_unknown in ("infrequent_if_exist", "warn")
    # Each output column: (feature, member categories, 1 - sum of the others instead, name)
    cols: list[tuple[int, np.ndarray, bool, str]] = []
    for i, cats in enumerate(est.categories_):
        mapping = _infrequent_map(est, i)
        group = np.arange(len(cats)) if mapping is None else mapping
        n_groups = int(group.max()) + 1
        for j in range(n_groups):
            if drop is not None and drop[i] is not None and j == int(drop[i]):
                continue
            members = np.flatnonzero(group == j)
            infrequent = mapping is not None and j == n_groups - 1
            label = _INFREQUENT if infrequent else str(cats[members[0]])
            cols.append((i, members, infrequent and unknown_to_infrequent, f"{names[i]}={label}"))
    if not cols:
        raise UnsupportedModel(f"{who}: every category is dropped; the encoder outputs no column")
    if all(len(m) == 1 and not rest for _, m, rest, _ in cols):  # plain indicators, no dense layer
        out = indicators(g, x, [i for i, *_ in cols], [values[i][m[0]] for i, m, *_ in cols], "onehot")
    else:
        ind, where = _all_indicators(g, x, values, "is_category")
        W, b = np.zeros((g.width(ind), len(cols))), np.zeros(len(cols))
        for o, (i, members, rest, _) in enumerate(cols):
            if rest:
                b[o] = 1.0
                W[where[i][np.setdiff1d(np.arange(len(values[i])), members)], o] = -1.0
            else:
                W[where[i][members], o] = 1.0
        out = g.dense(ind, W, b, source={"weight": "category groups"}, hint="onehot")
    g.name_columns(out, [name for *_, name in cols])
    if np.dtype(est.dtype).kind != "f":  # integer (or bool) one-hot columns: labels of that dtype
        out = g.threshold_label(out, np.array([0, 1]).astype(est.dtype), 0.5, hint="onehot_typed")
    n_ind = sum(len(v) for v in values)
    g.summarize(
        who,
        f"OneHotEncoder: {n_ind} equality neurons over {len(values)} features -> {len(cols)} one-hot columns"
        + (" (unknown values: the 'ignore' row, where scikit-learn raises)" if est.handle_unknown == "error" else ""),
        indicators=n_ind,
        columns=len(cols),
    )
    return {"transform": out}


@register(
    "sklearn.preprocessing.OrdinalEncoder",
    "equality neuron per category -> dense: the category's code (infrequent ones share one; "
    "encoded_missing_value, unknown_value; NaN entries added as 0/NaN) = transform",
)
def ordinal_encoder(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_i = code(c)`` where ``x_i == c``; ``encoded_missing_value`` for the missing
    category; ``unknown_value`` (``use_encoded_value``) or NaN (where scikit-learn raises) else."""
    who = "OrdinalEncoder"
    values = category_values(est, g, x, who)
    missing = getattr(est, "_missing_indices", {}) or {}
    integer = np.dtype(est.dtype).kind != "f"
    default = float(est.unknown_value) if est.handle_unknown == "use_encoded_value" else (-1.0 if integer else np.nan)
    outputs = []
    for i, cats in enumerate(est.categories_):
        mapping = _infrequent_map(est, i)
        table = np.empty(len(cats))
        for c in range(len(cats)):
            if missing.get(i) == c:
                table[c] = float(est.encoded_missing_value)
            else:
                table[c] = c if mapping is None else mapping[c]
        outputs.append((i, table, default))
    if integer:
        out = label_lookup(g, x, values, outputs, est.dtype)
    else:
        out = table_lookup(g, x, values, outputs, source="category codes", hint="ordinal")
        g.name_columns(out, _feature_names(est))
    g.summarize(
        who,
        f"OrdinalEncoder: {sum(len(v) for v in values)} equality neurons -> {len(outputs)} codes"
        + (f" (unknown values: {default}, where scikit-learn raises)" if est.handle_unknown == "error" else ""),
        indicators=int(sum(len(v) for v in values)),
    )
    return {"transform": out}


@register(
    "sklearn.preprocessing.TargetEncoder",
    "equality neuron per category -> dense: encodings_ (target_mean_ for an unknown value) = transform "
    "(the predict-time lookup; fit_transform cross-fits)",
)
def target_encoder(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_{i(,k)} = encodings_[i(, k)][c]`` where ``x_i == c``, else ``target_mean_(k)``."""
    who = "TargetEncoder"
    values = category_values(est, g, x, who)
    names = _feature_names(est)
    means = np.atleast_1d(np.asarray(est.target_mean_, dtype=np.float64))
    k = len(est.classes_) if est.target_type_ == "multiclass" else 1
    if len(est.encodings_) != k * len(values):
        raise UnsupportedModel(f"{who}: {len(est.encodings_)} encodings for {len(values)} features x {k}")
    outputs = [(e // k, np.asarray(enc, dtype=np.float64), float(means[e % k])) for e, enc in enumerate(est.encodings_)]
    out = table_lookup(g, x, values, outputs, source="encodings_", hint="target_encoding")
    if k == 1:
        g.name_columns(out, names)
    else:
        g.name_columns(out, [f"{names[e // k]}_{est.classes_[e % k]}" for e in range(len(outputs))])
    g.summarize(
        who,
        f"TargetEncoder ({est.target_type_}): {sum(len(v) for v in values)} equality neurons -> "
        f"{len(outputs)} encodings (transform, not the cross-fitted fit_transform)",
        indicators=int(sum(len(v) for v in values)),
    )
    return {"transform": out}


@register(
    "sklearn.preprocessing.LabelBinarizer",
    "equality neuron per class [y == c] -> neg_label + (pos_label - neg_label) x indicator = transform",
)
def label_binarizer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_j = pos_label if y == classes_[j] else neg_label`` for one input column
    (binary: the column of ``classes_[1]``; a batch with an unknown label makes scikit-learn return
    one column per class instead, the network keeps its one column)."""
    who = "LabelBinarizer"
    if g.width(x) != 1:
        raise UnsupportedModel(f"{who} reads one column, got {g.width(x)}")
    if est.y_type_ not in ("binary", "multiclass"):
        raise UnsupportedModel(f"{who} fitted on {est.y_type_!r} targets is not supported (binary or multiclass)")
    if est.sparse_input_:
        raise UnsupportedModel(f"{who} fitted on sparse input is not supported")
    classes = est.classes_
    vals = g.category_codes(x, 0, classes, who=who)
    neg, pos = float(est.neg_label), float(est.pos_label)
    if len(classes) == 1:
        raise UnsupportedModel(f"{who} fitted on a single class outputs neg_label for every row; nothing to convert")
    pick = [1] if len(classes) == 2 else list(range(len(classes)))
    ind = indicators(g, x, [0] * len(pick), vals[pick], "is_class")
    out = ind if (neg, pos) == (0.0, 1.0) else g.scale(ind, pos - neg, neg, source={"weight": "pos_label - neg_label", "bias": "neg_label"}, hint="binarized")  # fmt: skip
    g.name_columns(out, [str(classes[j]) for j in pick])
    g.summarize(who, f"LabelBinarizer: {len(pick)} equality neurons over {len(classes)} classes", indicators=len(pick))
    return {"transform": out}
