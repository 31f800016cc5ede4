"""LightGBM (``LGBMClassifier``, ``LGBMRegressor``, ``LGBMRanker``, a bare ``Booster``, and its own
model text read by :mod:`nnconvert.io.native.lightgbm_text`): summed trees, then the objective's
output transform.

Every input becomes the model text (a pickled Booster holds it as its ``_handle`` string; a live
one gives ``model_to_string``), parsed by nnconvert's own parser, so pickles and ``.txt`` files
take one path. The math mirrors LightGBM 4 (``include/LightGBM/tree.h``, ``src/io/tree.cpp``,
``src/boosting/gbdt_prediction.cpp``, ``src/objective/*.hpp`` ``ConvertOutput``):

- A numeric split goes left iff ``x <= threshold`` in float64 (``NumericalDecision``). Missing
  type NaN: NaN goes to the ``default_left`` side. Zero: NaN and ``|x| <= kZeroThreshold``
  (``1e-35f``) go to the default side (``zero_missing``). None: NaN is replaced by 0.0 and
  compared, i.e. it goes left iff ``0 <= threshold``. The dense row reader
  (``RowFunctionFromDenseMatric``) drops ``|x| <= kZeroThreshold`` as 0.0 before any test;
  thresholds inside that interval are moved to its edge so that plain ``x <= t`` agrees.
- A categorical split (``CategoricalDecision``): NaN goes right; else ``c = static_cast<int>(x)``
  (truncation); ``c < 0`` goes right; left iff bit ``c`` of its bitset is set (codes past the
  bitset go right). The network takes the category codes as they reach LightGBM (a pandas
  category column's ``.cat.codes``).
- ``raw_k = sum over iterations i < n of tree[i * K + k](x)`` in tree order, ``n`` the
  ``best_iteration`` the wrapper's and the Booster's ``predict`` use (all iterations when it is
  0); random forests (``average_output``) divide by ``n``.
- Linear-leaf trees (``linear_tree``; ``Tree::Predict`` with ``is_linear_``): the leaf a row
  reaches gives ``leaf_const + sum_i leaf_coeff[i] * x[leaf_features[i]]``, or ``leaf_value``
  when one of those features is NaN (:func:`linear_leaves`).
- Output transforms: binary ``1 / (1 + exp(-sigmoid * raw))``; multiclass softmax;
  multiclassova per-class ``1 / (1 + exp(-sigmoid * raw_k))`` (not normalised); cross_entropy
  ``1 / (1 + exp(-raw))``; cross_entropy_lambda ``log1p(exp(raw))``; poisson, gamma, tweedie
  ``exp(raw)``; regression with ``sqrt`` ``sign(raw) raw^2``; other regressions, lambdarank,
  rank_xendcg and custom objectives the raw score.
- ``LGBMClassifier``: ``predict_proba = [1 - p, p]`` (binary) or the class probabilities,
  ``predict = classes_[argmax predict_proba]`` (ties to the first), ``decision_function`` the
  raw score (``raw_score=True``: summed, not averaged, even for random forests). A Booster or a model text:
  ``predict`` is ``Booster.predict`` (probabilities, not labels).

Float32 networks compare the float32 input with the thresholds rounded down
(:mod:`nnconvert.ir.trees`): a leaf differs only where rounding X to float32 crosses a threshold
(or the edge of the zero interval), which ``decision_margin`` reports.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import regression_output
from nnconvert.converters.category_inputs import coded_input
from nnconvert.converters.registry import adapt, register
from nnconvert.converters.trees import TreeData, summarize_trees, tree_block
from nnconvert.errors import UnsupportedModel
from nnconvert.io.limits import Budget, Limits
from nnconvert.io.native.lightgbm_pandas import WHO, category_columns
from nnconvert.io.native.lightgbm_text import LightGBMModel, LightGBMTree, parse
from nnconvert.io.native.pandas_categories import CategoryFrame
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.trees import ZERO_THRESHOLD

LGBM_PICKLE = ("lightgbm.basic.Booster", "sklearn.preprocessing.LabelEncoder")
MAX_CATEGORY_FLAGS = 1 << 26  # the categories table of all bitsets, padded to the widest
_IDENTITY = ("regression", "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank", "rank_xendcg",
             "custom", "none", "")  # fmt: skip
_EXP = ("poisson", "gamma", "tweedie")


def model_of(obj: Any) -> LightGBMModel:
    """The parsed model text of a Booster or wrapper, with the wrapper's facts."""
    if isinstance(obj, LightGBMModel):
        return obj
    booster = obj if type(obj).__name__ == "Booster" else obj.__dict__.get("_Booster")
    if booster is None:
        raise UnsupportedModel(f"this {type(obj).__name__} holds no Booster; fit it before converting")
    text = booster.__dict__.get("nnconvert_model_text")  # a Booster nnconvert unpickled
    if not isinstance(text, str):
        text = booster.model_to_string(num_iteration=-1)
    model = parse(text, Budget("the pickled LightGBM Booster", Limits()))
    best = booster.__dict__.get("best_iteration", 0)
    classes = None
    if type(obj).__name__ == "LGBMClassifier":
        if callable(obj.__dict__.get("_objective")):  # sklearn.py: predict(_proba) warn and return raw scores
            raise UnsupportedModel(
                "an LGBMClassifier with a custom objective function predicts raw scores, not classes; "
                "convert its booster_ (Booster.predict: the raw score)"
            )
        classes = np.asarray(obj.__dict__["_classes"])
    return dataclasses.replace(
        model, best_iteration=int(best or 0), classes=classes,
        wrapper=None if booster is obj else type(obj).__name__,
    )  # fmt: skip


def _edge(threshold: np.ndarray) -> np.ndarray:
    """Thresholds inside ``[-kZ, kZ)`` moved to its edge: LightGBM compares ``|x| <= kZ`` as
    0.0, so ``0 <= t < kZ`` sends all of ``(-inf, kZ]`` left, ``-kZ <= t < 0`` only ``x < -kZ``."""
    t = np.asarray(threshold, dtype=np.float64)
    t = np.where((t >= 0) & (t < ZERO_THRESHOLD), ZERO_THRESHOLD, t)
    return np.where((t >= -ZERO_THRESHOLD) & (t < 0), np.nextafter(-ZERO_THRESHOLD, -np.inf), t)


def _bitsets(tree: LightGBMTree) -> np.ndarray:
    """``[num_cat, 32 * words]`` flags: bit ``c`` of bitset ``k`` (``Common::FindInBitset``)."""
    b = tree.cat_boundaries
    words = int(np.diff(b).max())
    table = np.zeros((len(b) - 1, words), dtype=np.uint32)
    for k in range(len(b) - 1):
        table[k, : b[k + 1] - b[k]] = tree.cat_threshold[b[k] : b[k + 1]]
    bits = (table[:, :, None] >> np.arange(32, dtype=np.uint32)) & 1
    return bits.reshape(len(table), -1).astype(bool)


def tree_data(tree: LightGBMTree, column: int, n_out: int, features: np.ndarray | None = None) -> TreeData:
    """One LightGBM tree as :class:`TreeData`: split nodes keep their numbers, leaf ``j`` is node
    ``num_leaves - 1 + j``; its leaf values go to output ``column``; a split on feature ``f``
    reads column ``features[f]`` (the codes of a pandas category column: :mod:`category_inputs`)."""
    m = tree.num_leaves - 1
    n = 2 * m + 1

    def node(child: np.ndarray) -> np.ndarray:
        return np.where(child >= 0, child, m + ~child)

    feature, threshold = np.zeros(n, dtype=np.int64), np.zeros(n)
    left, right = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    missing_left, zero, category = np.zeros(n, bool), np.zeros(n, bool), np.full(n, -1, dtype=np.int64)
    values = np.zeros((n, n_out))
    values[m:, column] = tree.leaf_value
    if m:
        is_cat, kind, t = tree.is_categorical, tree.missing_type, _edge(tree.threshold)
        split_feature = tree.split_feature if features is None else features[tree.split_feature]
        feature[:m], left[:m], right[:m] = split_feature, node(tree.left_child), node(tree.right_child)
        threshold[:m] = np.where(is_cat, 0.0, t)
        missing_left[:m] = np.where(kind == 0, t >= 0, tree.default_left) & ~is_cat  # None: NaN is 0.0
        zero[:m] = (kind == 1) & ~is_cat
        category[:m] = np.where(is_cat, tree.threshold, -1).astype(np.int64)
    has_cat = bool((category >= 0).any())
    return TreeData(
        feature=feature, threshold=threshold, left=left, right=right, missing_left=missing_left, values=values,
        category=category if has_cat else None, categories=_bitsets(tree) if has_cat else None,
        zero_missing=zero if zero.any() else None,
    )  # fmt: skip


def _check_supported(model: LightGBMModel, n_trees: int) -> None:
    widths = [t.cat_boundaries for t in model.trees[:n_trees] if len(t.cat_boundaries)]
    if widths:
        flags = sum(len(b) - 1 for b in widths) * 32 * max(int(np.diff(b).max()) for b in widths)
        if flags > MAX_CATEGORY_FLAGS:
            raise UnsupportedModel(
                f"the categorical splits' bitsets need a table of {flags} flags (over {MAX_CATEGORY_FLAGS}): "
                "category codes this large have no compact exact network"
            )


def _leaf_numbers(tree: LightGBMTree, features: np.ndarray) -> TreeData:
    """The tree with leaf ``j``'s number ``j`` as its value (one output column)."""
    data = tree_data(tree, 0, 1, features)
    values = np.zeros_like(data.values)
    values[tree.num_leaves - 1 :, 0] = np.arange(tree.num_leaves)
    return data.with_values(values)


def linear_leaves(
    g: GraphBuilder, x: str, trees: list[LightGBMTree], columns: list[int], k: int, features: np.ndarray
) -> str:
    """``sum_t out_t(x)`` ``[N, k]`` of linear-leaf trees (``linear_tree``; ``Tree::Predict`` with
    ``is_linear_``): at the leaf ``l`` a row reaches, ``out = leaf_const[l] + sum_i leaf_coeff[l][i] *
    x[leaf_features[l][i]]``, or the constant ``leaf_value[l]`` when one of those features is NaN.

    As neurons: each tree's leaf number (the split network with the leaf numbers as values), one
    indicator ``[leaf_t == l]`` per leaf; one linear neuron per leaf on X with NaN as 0
    (``V = X0 W + const``) and one NaN detector per leaf (``s = step(isnan(X) U)``, ``U`` the
    leaf's features); then ``sum [leaf] (1 - s) V`` plus ``sum [leaf] s leaf_value``. The 0/1
    factors make every product exact and keep a NaN out of any product."""
    n_features = g.width(x)
    sizes = [t.num_leaves for t in trees]
    n_leaves = sum(sizes)
    W, U = np.zeros((n_features, n_leaves)), np.zeros((n_features, n_leaves))
    place = np.zeros((n_leaves, k))
    const = np.concatenate([np.asarray(t.leaf_const, dtype=np.float64) for t in trees])
    value = np.concatenate([t.leaf_value for t in trees])
    o = 0
    for t in trees:
        for feats, coeff in zip(t.leaf_features, t.leaf_coeff, strict=True):
            np.add.at(W[:, o], feats, coeff)
            U[feats, o] = 1.0
            o += 1
    place[np.arange(n_leaves), np.repeat(columns, sizes)] = 1.0
    numbers = tree_block(g, x, [_leaf_numbers(t, features) for t in trees], cast_float32=False, per_tree=True,
                         category_trunc=True, source="leaf numbers", hint="leaf_number")  # fmt: skip
    at = g.add(ir.CategoryIndicators, "at_leaf", input=numbers, columns=np.repeat(np.arange(len(trees)), sizes),
               values=np.concatenate([np.arange(n) for n in sizes]))  # fmt: skip
    x0 = g.add(ir.Impute, "x_nan_as_0", input=x, fill=np.zeros(n_features))
    linear = g.dense(x0, W, const, source={"weight": "leaf_coeff", "bias": "leaf_const"}, hint="linear_leaves")
    if not U.any():  # no leaf reads a feature: every output is leaf_const
        picked = g.add(ir.Combine, "linear_at_leaf", sources=(at, linear), fn="mul")
        return g.dense(picked, place, None, source={"weight": "each tree's output column"}, hint="raw")
    nan = g.act(g.dense(g.add(ir.IsMissing, "x_is_nan", input=x), U, None, hint="nan_reads"), "step_gt",
                hint="nan_leaf")  # fmt: skip
    keep = g.add(ir.Combine, "no_nan_leaf", sources=(nan,), coeffs=(-1.0,), bias=1.0)
    picked = g.add(ir.Combine, "linear_at_leaf", sources=(at, keep, linear), fn="mul")
    fallback = g.add(ir.Combine, "nan_at_leaf", sources=(at, nan), fn="mul")
    both = g.concat([picked, fallback], hint="leaf_outputs")
    weight = np.vstack([place, place * value[:, None]])
    return g.dense(both, weight, None, source={"weight": "1 per tree column | leaf_value (a NaN read)"}, hint="raw")


def _raw(
    g: GraphBuilder, x: str, model: LightGBMModel, n_trees: int, trees: list[TreeData], features: np.ndarray
) -> str:
    """``sum`` of the first ``n_trees`` trees' outputs per output column: constant-leaf trees as
    one tree block, linear-leaf trees by :func:`linear_leaves`."""
    k = model.num_tree_per_iteration
    linear = [i for i in range(n_trees) if model.trees[i].is_linear]
    plain = [trees[i] for i in range(n_trees) if not model.trees[i].is_linear]
    parts = []
    if plain or not linear:
        parts.append(tree_block(g, x, plain, cast_float32=False, category_trunc=True, source="leaf_value",
                                hint="raw"))  # fmt: skip
    if linear:
        parts.append(linear_leaves(g, x, [model.trees[i] for i in linear], [i % k for i in linear], k, features))
    if len(parts) == 1:
        return parts[0]
    return g.add(ir.Combine, "raw_sum", sources=tuple(parts), coeffs=(1.0,) * len(parts))


def _transform(g: GraphBuilder, model: LightGBMModel, raw: str) -> str:
    """``ConvertOutput`` of the objective (see the module docstring)."""
    name = model.objective_name
    if name in ("binary", "multiclassova"):
        s = model.objective_param("sigmoid", 1.0)
        z = raw if s == 1.0 else g.scale(raw, s, 0.0, source={"weight": "objective sigmoid"}, hint="sigmoid_in")
        return g.act(z, "sigmoid", hint="proba")
    if name == "multiclass":
        return g.act(raw, "softmax", hint="proba")
    if name in ("cross_entropy", "xentropy"):
        return g.act(raw, "sigmoid", hint="proba")
    if name in ("cross_entropy_lambda", "xentlambda"):  # log1p(exp(raw))
        return g.act(g.scale(g.act(raw, "exp", hint="exp_raw"), 1.0, 1.0, hint="one_plus"), "log", hint="prediction")
    if name in _EXP:
        return g.act(raw, "exp", hint="prediction")
    if name == "regression" and "sqrt" in model.objective.split(" ")[1:]:  # sign(r) r^2 = relu(r)^2 - relu(-r)^2
        pos = g.act(g.act(raw, "relu", hint="pos"), "square", hint="pos_sq")
        neg = g.act(g.act(g.scale(raw, -1.0, 0.0, hint="neg_raw"), "relu", hint="neg"), "square", hint="neg_sq")
        both = g.concat([pos, neg], hint="signed_sq")
        k = g.width(raw)
        return g.dense(both, np.vstack([np.eye(k), -np.eye(k)]), None, hint="prediction")
    if name in _IDENTITY:
        return raw
    raise UnsupportedModel(f"LightGBM objective {model.objective!r} is not supported")


def convert_model(model: LightGBMModel, g: GraphBuilder, x: str, who: str) -> dict[str, str]:
    """The network of ``model`` (see the module docstring)."""
    k = model.num_tree_per_iteration
    n_iter = model.iterations_used()
    n_trees = n_iter * k
    _check_supported(model, n_trees)
    g.missing_values = True
    x, features = coded_input(g, x, category_columns(model), WHO)
    trees = [tree_data(t, i % k, k, features) for i, t in enumerate(model.trees[:n_trees])]
    total = _raw(g, x, model, n_trees, trees, features)
    raw = total
    if model.average_output:
        raw = g.scale(raw, 1.0 / n_iter, 0.0, source={"weight": "1 / iterations (average_output)"}, hint="average")
    out = _transform(g, model, raw)
    leaves = (
        " of linear leaves (leaf_const + leaf_coeff . x)" if any(t.is_linear for t in model.trees[:n_trees]) else ""
    )
    tail = f"{'mean' if model.average_output else 'sum'}{leaves} of {n_iter} iterations = raw -> {model.objective or 'raw'}"
    summarize_trees(g, model, trees, tail, iterations=n_iter, objective=model.objective, lightgbm=who)
    if model.wrapper != "LGBMClassifier":
        return regression_output(g, out, k == 1)
    if model.classes is None:
        raise UnsupportedModel("this LGBMClassifier has no classes_")
    proba = g.binary_proba(out) if k == 1 else out
    decision = g.squeeze(total, hint="decision") if k == 1 else total  # raw_score=True: never averaged
    classes = model.classes
    if k == 1 and len(classes) == 1:  # fitted on one class: LightGBM trains a binary model, predicts classes_[0]
        classes = np.repeat(classes, 2)  # (where argmax is 1 its label encoder raises: no answer to match)
    return {"decision_function": decision, "predict_proba": proba, "predict": g.argmax_label(proba, classes)}


_ARCH = "split neurons (x <= t in float64; NaN/zero by missing_type, bitset categories) -> leaf AND neurons -> "


@register(
    "lightgbm.LGBMClassifier",
    _ARCH + "sum of leaf values = decision_function -> sigmoid | softmax = predict_proba -> argmax = predict",
    pickle_support=LGBM_PICKLE,
)
@register("lightgbm.LGBMRegressor", _ARCH + "sum of leaf values -> objective's transform = predict",
          pickle_support=LGBM_PICKLE)  # fmt: skip
@register("lightgbm.LGBMRanker", _ARCH + "sum of leaf values = predict (scores)", pickle_support=LGBM_PICKLE)
def lightgbm_wrapper(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """A scikit-learn wrapper: its Booster's model text and its classes_ / best_iteration."""
    return convert_model(model_of(est), g, x, type(est).__name__)


@register(
    "nnconvert.io.native.lightgbm_text.LightGBMModel",
    _ARCH + "sum of leaf values -> objective's transform = predict (Booster.predict)",
    pickle_support=LGBM_PICKLE,
)
def lightgbm_model(model: LightGBMModel, g: GraphBuilder, x: str) -> dict[str, str]:
    """A model text file or a bare Booster (``predict`` = ``Booster.predict``)."""
    return convert_model(model, g, x, model.wrapper or "Booster")


def wrapper_reference(est: Any) -> Any:
    """The wrapper itself, or, when it was fitted on pandas category columns, the wrapper that
    gives those columns the model's categories first (:class:`CategoryFrame`)."""
    model = model_of(est)
    columns = category_columns(model)
    return CategoryFrame(est, model.feature_names, columns) if columns else est


for _path in ("lightgbm.LGBMClassifier", "lightgbm.LGBMRegressor", "lightgbm.LGBMRanker"):
    adapt(_path, reference=wrapper_reference)
