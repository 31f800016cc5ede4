"""XGBoost boosted trees (``XGBClassifier``, ``XGBRegressor``, ``XGBRF*``, ``XGBRanker``, a bare
``Booster``, and XGBoost's own ``.json``/``.ubj`` model files) as tree networks.

Every source becomes one parsed model (:class:`nnconvert.io.native.xgboost_model.XGBoostModel`,
read by nnconvert's own JSON/UBJSON parser: a live or pickled booster's bytes, or the file), and
the network is built from that alone. Mirrors XGBoost 3.2:

- **splits** (``src/tree/tree_model.h``, ``GetNext``): X is cast to float32; a row goes left iff
  ``x < split_condition`` (float32). For float32 ``x`` that is ``x <= nextafter(split, -inf)``,
  which is the IR's ``cast_float32`` split test (:mod:`nnconvert.ir.trees`) with that threshold:
  exact in every dtype. NaN goes to ``default_left``. A wrapper's ``missing`` number ``m``: the ``DMatrix``
  drops every entry whose float32 value equals ``float32(m)`` (``src/data/adapter.h``), so it goes
  by ``default_left`` too; the network rounds X to float32 and marks those entries NaN
  (``MarkMissing``) before the splits. A model file keeps no ``missing`` (XGBoost's ``load_model``
  gives NaN): a file converts with NaN.
- **categorical splits** (``enable_categorical``; ``src/common/categorical.h``, ``Decision``;
  ``src/tree/tree_model.h``, ``GetNextNode``): NaN goes to ``default_left``; else the float32
  code ``x`` goes *right* iff ``int(x)`` (truncated) is in the split's set, and *left* when it
  is not, or is out (``x < 0``, ``x >= 2^24``, past the set's bitset). The network's split
  puts XGBoost's right child on the left (the IR's set goes left), with the missing side
  flipped to match. A model fitted on numpy codes (``feature_types='c'``, or saved by XGBoost
  before 3.1) takes the codes as numbers: out codes go XGBoost's left
  (``category_out_right``). A model fitted on pandas category columns (XGBoost >= 3.1 keeps
  their categories, ``cats``) takes the columns as they are, strings or numbers, and computes
  the codes inside (:mod:`nnconvert.converters.category_inputs`); a category the model never
  saw has no code and goes where a missing cell goes (XGBoost 3.2 raises for it; its
  ``set_categories`` makes it missing, which :class:`CategoryFrame` gives the reference). A
  numeric ``missing`` with categorical splits is refused: the ``DMatrix`` would drop category
  codes equal to it too.
- **margin** (``src/predictor/cpu_predictor.cc``, ``src/gbm/gbtree.cc``): ``base_margin[g] + sum
  of leaf values`` of the trees of output group ``g`` (``tree_info``) in the iteration range (a
  multi-output tree, ``multi_strategy='multi_output_tree'``, adds its leaf's vector to every group);
  dart multiplies each tree's leaf by its ``weight_drop``. ``base_margin`` is the stored
  ``base_score`` (one per target since XGBoost 2, else broadcast) through the objective's
  ``ProbToMargin`` in float32 (``src/objective/regression_loss.h``): ``logit(clip(b, 1e-6,
  1 - 1e-6))`` for ``binary:logistic``/``reg:logistic``, ``log b`` for ``count:poisson``,
  ``reg:gamma``, ``reg:tweedie``, ``survival:cox``, ``survival:aft``; ``b`` otherwise.
- **gblinear** (``src/gbm/gblinear.cc``, ``Pred``, ``PredictBatchInternal``): the margin of group
  ``g`` is ``bias[g] + base + sum_f x_f * w[f, g]`` over the row's entries in float32, a missing
  entry (NaN, or the ``missing`` number) being absent: the network rounds X to float32, marks the
  ``missing`` number as NaN, fills NaN with 0 and applies one dense layer. ``base`` is the first
  base score in margin space for every group (``base_score(0)``); the whole model is used, as
  gblinear takes no iteration range.
- **iteration range**: the wrappers' ``predict`` uses ``(0, best_iteration + 1)`` when the model
  has a ``best_iteration`` (early stopping), else every round; ``Booster.predict`` every round.
- **transform** (``PredTransform``): sigmoid (``binary:logistic``, ``reg:logistic``), ``margin >
  0`` (``binary:hinge``), exp (poisson, gamma, tweedie, cox, aft), softmax (``multi:softprob``),
  argmax as a float (``multi:softmax``, ``Booster.predict``), identity otherwise (squared, pseudo-
  Huber, absolute, quantile and expectile errors, ``binary:logitraw``, ``rank:*`` scores).
- **wrappers** (``python-package/xgboost/sklearn.py``): ``XGBClassifier.predict_proba`` is
  ``[1 - p, p]`` for one output column, the softprob rows for several (``multi:softmax``:
  ``scipy.special.softmax`` of the margins); ``predict`` is ``p > 0.5`` as 0/1 (for
  ``logitraw`` the margin itself is compared with 0.5), the argmax for several classes, the
  ``int32`` class of ``multi:softmax``; ``classes_`` is ``arange(n_classes_)``. The classifier
  has no ``decision_function``: the network has none either. Regressors and rankers: ``predict``.
  A model file that the scikit-learn API saved (``scikit_learn`` attribute) converts as that
  wrapper after ``load_model``; any other file as ``Booster.predict``.

**Bound.** XGBoost sums the leaves in float32 (tree by tree, from the base margin) and transforms
in float32; the float64 network sums in float64. The network's margin differs from XGBoost's by at
most ``(T + 1) * 2^-24 * (|base| + sum |leaf|)`` over the ``T`` trees a row passes; transformed
outputs by the float32 rounding of the transform. XGBoost's own outputs carry float32 precision,
so ``verify`` compares every network of an XGBoost model with the float32 tolerances
(:data:`nnconvert.check.verify.TOLERANCES`, ``rtol = atol = 1e-4``) in both dtypes; labels must be
equal (float32 runs forgive only rows at a float32 decision boundary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import regression_output
from nnconvert.converters.category_inputs import coded_input
from nnconvert.converters.registry import adapt, declare_reference_dtype, register, resolve
from nnconvert.converters.trees import TreeData, summarize_trees, tree_block
from nnconvert.errors import ModelLoadError, UnsupportedModel
from nnconvert.io.limits import Budget, Limits
from nnconvert.io.native.pandas_categories import CategoryFrame
from nnconvert.io.native.xgboost_model import XGBoostModel, XGBTree, parse_raw
from nnconvert.ir.builder import GraphBuilder

MODEL_PATH = "nnconvert.io.native.xgboost_model.XGBoostModel"
_BOOSTER = "xgboost.core.Booster"
_WRAPPERS = {
    "xgboost.sklearn.XGBClassifier": "classifier",
    "xgboost.sklearn.XGBRFClassifier": "classifier",
    "xgboost.sklearn.XGBRegressor": "regressor",
    "xgboost.sklearn.XGBRFRegressor": "regressor",
    "xgboost.sklearn.XGBRanker": "ranker",
}
XGB_PICKLE = (_BOOSTER,)
_IDENTITY = {
    "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror", "reg:quantileerror",
    "reg:expectileerror", "binary:logitraw", "reg:linear", "rank:pairwise", "rank:ndcg", "rank:map",
}  # fmt: skip
_SIGMOID = {"binary:logistic", "reg:logistic"}
_EXP = {"count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft"}
_MULTI = {"multi:softprob", "multi:softmax"}
OBJECTIVES = (*sorted(_IDENTITY), *sorted(_SIGMOID), "binary:hinge", *sorted(_EXP), *sorted(_MULTI))
INSTALL_HINT = "pip install 'nnconvert[boosters]'"
WHO = "XGBoost cats"
MAX_CATEGORY_CELLS = 1 << 26  # flags in the categories table (sets x width) a network may hold


@dataclass(frozen=True)
class _Plan:
    """What the network computes: the model, whose methods (``kind``), the rounds used."""

    model: XGBoostModel
    kind: str  # classifier | regressor | ranker | booster
    name: str  # the class shown in summaries
    n_classes: int
    end: int  # rounds [0, end)
    missing: float | None = None  # the wrapper's ``missing`` when it is a number (None: NaN)


# ---------------------------------------------------------------------------- sources


def _limits_budget(source: str) -> Budget:
    return Budget(source, Limits.with_memory(None))


def booster_model(booster: Any) -> XGBoostModel:
    """The parsed model of a live (or safely unpickled) ``xgboost.Booster``: the model the loader
    parsed from the pickle's bytes, else the booster's own UBJSON (``save_raw("ubj")``) read by
    nnconvert's parser."""
    parsed = booster.__dict__.get("_nnconvert_model")
    if isinstance(parsed, XGBoostModel):
        return parsed
    if booster.__dict__.get("handle") is None:
        raise UnsupportedModel("this xgboost Booster holds no model (it was never trained or loaded)")
    return parse_raw(bytes(booster.save_raw("ubj")), _limits_budget("the xgboost Booster"), "xgboost.Booster")


def booster_state(booster: Any, state: Any, budget: Budget) -> None:
    """The safe loader's BUILD of a pickled ``Booster``: its state is ``{"handle": bytearray}``
    (``Booster.__getstate__``, UBJSON ``{"Config", "Model"}``). nnconvert's parser reads and checks
    those bytes first (the converter uses only that parse); then, when xgboost is importable,
    xgboost's own deserializer loads the same checked bytes so the object works as a model
    (``verify`` calls its ``predict``). Nothing else from the file is used."""
    from nnconvert.io.arrays import corrupt

    if type(state) is not dict or not isinstance(state.get("handle"), bytes | bytearray):
        raise corrupt(budget, "a Booster's state")
    if set(state) - {"handle", "feature_names", "feature_types", "best_iteration", "best_score"}:
        raise corrupt(budget, f"a Booster's state with {sorted(state)[:6]}")
    raw = bytes(state["handle"])
    model = parse_raw(raw, budget, budget.filename)
    type(booster).__setstate__(booster, {"handle": bytearray(raw)})
    booster.__dict__["_nnconvert_model"] = model


def _wrapper_kind(est: Any) -> str:
    cls = type(est)
    for path, kind in _WRAPPERS.items():
        if cls.__name__ == path.rpartition(".")[2] and cls.__module__.split(".")[0] == "xgboost":
            return kind
    raise UnsupportedModel(f"{cls.__name__} is not an XGBoost wrapper nnconvert knows")


def _plan(est: Any) -> _Plan:
    if isinstance(est, XGBoostModel):
        model = est
        kind = model.sklearn_type if model.sklearn_type in ("classifier", "regressor", "ranker") else "booster"
        n_classes = max(2, model.num_class) if kind == "classifier" else 0
        name = {"booster": "Booster"}.get(kind, f"XGB{kind.capitalize()}")
        wrapper, missing = kind != "booster", None
    else:
        kind = _wrapper_kind(est)
        booster = est.get_booster()
        model = booster_model(booster)
        missing = _missing_number(est)
        n_classes = int(est.n_classes_) if kind == "classifier" else 0
        name, wrapper = type(est).__name__, True
    best = None if model.linear is not None else model.best_iteration  # gblinear takes no iteration range
    end = best + 1 if wrapper and best is not None else model.n_rounds
    if not 0 <= end <= model.n_rounds:
        raise UnsupportedModel(f"best_iteration {best} is outside the model's {model.n_rounds} rounds")
    return _Plan(model, kind, name, n_classes, end, missing)


def _missing_number(est: Any) -> float | None:
    """The wrapper's ``missing`` as float32 (``DMatrix`` compares the float32 entries with it),
    or None for NaN. A number must be finite: the network marks it as NaN (``MarkMissing``)."""
    value = getattr(est, "missing", np.nan)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UnsupportedModel(f"{type(est).__name__}(missing={value!r}): the missing value is not a number") from None
    if math.isnan(number):
        return None
    as_float32 = float(np.float32(number))
    if not math.isfinite(as_float32):
        raise UnsupportedModel(f"{type(est).__name__}(missing={value!r}): only NaN or a finite number is supported")
    return as_float32


# ---------------------------------------------------------------------------- network


def _f32(v: Any) -> np.float32:
    return np.float32(v)


def base_margin(model: XGBoostModel, n_groups: int) -> np.ndarray:
    """``ProbToMargin(base_score)`` per output group, in float32 (see the module docstring)."""
    base = np.array(model.base_score, dtype=np.float32)
    if len(base) == 1 and n_groups > 1:
        base = np.repeat(base, n_groups)
    if len(base) != n_groups:
        raise UnsupportedModel(f"base_score has {len(base)} values for {n_groups} outputs")
    obj = model.objective
    if obj in _SIGMOID:
        eps = _f32(1e-6)
        b = np.minimum(np.maximum(base, eps), _f32(1) - eps)
        inner = (_f32(1) / b - _f32(1)).astype(np.float32)
        return np.array([-np.float32(math.log(float(v))) for v in inner], dtype=np.float32)
    if obj in _EXP:
        if (base <= 0).any():
            raise UnsupportedModel(f"{obj} with base_score <= 0")
        return np.array([np.float32(math.log(float(v))) for v in base], dtype=np.float32)
    return base


@dataclass(frozen=True)
class _CategoryPlan:
    """How the categorical splits read their codes: ``columns`` (feature -> its pandas
    categories; empty: the codes are the input's numbers), the categories table ``width``."""

    columns: dict[int, list[Any]]
    width: int

    @property
    def out_right(self) -> bool:
        """Codes taken as numbers: out codes go XGBoost's left, the network's right."""
        return not self.columns


def _category_plan(plan: _Plan) -> _CategoryPlan | None:
    """None without categorical splits; else the columns and table width (see the module docstring)."""
    model = plan.model
    trees = model.trees[: int(model.iteration_indptr[plan.end])]
    used = sorted({int(f) for t in trees for f in t.feature[t.categorical]})
    if not used:
        return None
    if plan.missing is not None:
        raise UnsupportedModel(
            f"{plan.name}(missing={plan.missing}) with categorical splits is not supported: XGBoost would drop category "
            "codes equal to it too"
        )
    cats = model.categories
    columns: dict[int, list[Any]] = {}
    if cats is not None:
        for j, values in enumerate(cats):
            if values is None:
                continue
            columns[j] = list(values) if isinstance(values, tuple) else values.tolist()
            if not isinstance(values, tuple) and len(values) and np.abs(values.astype(np.float64)).max() >= 2.0**53:
                raise UnsupportedModel(f"{WHO}: feature {j} has integer categories past 2^53 (not exact as numbers)")
        missing = [f for f in used if f not in columns]
        if missing:
            raise UnsupportedModel(f"{WHO}: feature {missing[0]} has categorical splits but no categories")
        width = max(len(columns[f]) for f in used)
    else:  # codes as numbers: as wide as the largest code in a set (larger ones are outside every set)
        width = 1 + max((int(c.max()) for t in trees for c in t.category_sets if len(c)), default=0)
    n_sets = sum(len(t.category_sets) for t in trees)
    if n_sets * width > MAX_CATEGORY_CELLS:
        raise UnsupportedModel(
            f"the categorical splits need a table of {n_sets} sets x {width} codes, more than {MAX_CATEGORY_CELLS} flags"
        )
    return _CategoryPlan(columns, width)


def _tree_data(
    tree: XGBTree, group: int, n_groups: int, weight: np.float32 | None, features: np.ndarray, width: int
) -> TreeData:
    leaf = tree.is_leaf
    split = tree.split.astype(np.float32)
    # x < split (float32) <=> x <= the float32 just below split
    below = np.nextafter(split, np.float32(-np.inf)).astype(np.float64)
    values = np.zeros((len(leaf), n_groups))
    if tree.vector is not None:  # a multi-output tree: all groups at once
        leaf_vector = tree.vector if weight is None else (tree.vector * weight).astype(np.float32)
        values[:] = np.where(leaf[:, None], leaf_vector.astype(np.float64), 0.0)
    else:
        leaf_value = tree.value if weight is None else (tree.value * weight).astype(np.float32)
        values[:, group] = np.where(leaf, leaf_value.astype(np.float64), 0.0)
    left, right, missing_left = tree.left, tree.right, tree.default_left & ~leaf
    category = categories = None
    if len(tree.category_nodes):  # the set goes right in XGBoost, left in the network: children swapped
        cat = tree.categorical
        left, right = np.where(cat, tree.right, tree.left), np.where(cat, tree.left, tree.right)
        missing_left = np.where(cat, ~tree.default_left, missing_left)
        category = np.full(len(leaf), -1, dtype=np.int64)
        category[tree.category_nodes] = np.arange(len(tree.category_nodes))
        categories = np.zeros((len(tree.category_nodes), width), dtype=bool)
        for k, codes in enumerate(tree.category_sets):
            categories[k, codes[codes < width]] = True  # codes past the width never occur (no such category)
    return TreeData(
        feature=np.where(leaf, 0, features[tree.feature]).astype(np.int64),
        threshold=np.where(leaf | tree.categorical, 0.0, below),
        left=left,
        right=right,
        missing_left=missing_left,
        values=values,
        category=category,
        categories=categories,
    )


def _check_model(model: XGBoostModel, plan: _Plan) -> None:
    if model.objective not in OBJECTIVES:
        raise UnsupportedModel(f"the XGBoost objective {model.objective!r} is not supported")
    groups = max(1, model.num_class, model.num_target)
    if any(t.vector is not None and t.leaf_vector != groups for t in model.trees):
        raise UnsupportedModel(f"an XGBoost multi-output tree whose leaves hold other than the model's {groups} values")
    if model.num_feature < 1:
        raise UnsupportedModel("the XGBoost model has no features")


def _trees(plan: _Plan, n_groups: int, features: np.ndarray, width: int) -> list[TreeData]:
    model = plan.model
    stop = int(model.iteration_indptr[plan.end])
    weights = model.weight_drop
    trees = []
    for i in range(stop):
        weight = None if weights is None else _f32(weights[i])
        trees.append(_tree_data(model.trees[i], int(model.tree_info[i]), n_groups, weight, features, width))
    if not trees:  # no rounds used: the margin is the base score
        one = np.zeros(1, dtype=np.int64)
        trees = [TreeData(one, np.zeros(1), one - 1, one - 1, np.zeros(1, bool), np.zeros((1, n_groups)))]
    return trees


def _missing_as_nan(g: GraphBuilder, x: str, plan: _Plan, *, rounded: bool = False) -> str:
    """DMatrix(missing=m): a float32 entry equal to float32(m) is absent, as NaN is."""
    if plan.missing is None and not rounded:
        return x
    x = g.act(x, "round_float32", hint="x_float32")
    return x if plan.missing is None else g.add(ir.MarkMissing, "missing_as_nan", input=x, value=plan.missing)


def _linear_margin(g: GraphBuilder, x: str, plan: _Plan) -> str:
    """gblinear's margin (module docstring): X in float32, absent entries 0, one dense layer."""
    model = plan.model
    assert model.linear is not None
    g.missing_values = True
    x = _missing_as_nan(g, x, plan, rounded=True)
    x = g.add(ir.Impute, "absent_as_0", input=x, fill=np.zeros(g.width(x)))
    base = base_margin(model, len(model.base_score))[0]
    weights = model.linear.astype(np.float64)
    bias = weights[-1] + np.float64(base)
    return g.dense(x, weights[:-1], bias, source={"weight": "gblinear weights", "bias": "bias + base_score"},
                   hint="margin")  # fmt: skip


def _margin(g: GraphBuilder, x: str, plan: _Plan) -> tuple[str, list[TreeData]]:
    model = plan.model
    n_groups = max(1, model.num_class, model.num_target)
    cats = _category_plan(plan)
    g.missing_values = True
    x = _missing_as_nan(g, x, plan)
    features = np.arange(g.width(x), dtype=np.int64)
    if cats is not None and cats.columns:
        x, features = coded_input(g, x, cats.columns, WHO)
    trees = _trees(plan, n_groups, features, 1 if cats is None else cats.width)
    total = tree_block(g, x, trees, category_out_right=cats is not None and cats.out_right,
                       source="split_conditions at leaves", hint="tree_sum")  # fmt: skip
    base = base_margin(model, n_groups).astype(np.float64)
    margin = g.scale(total, 1.0, base, source={"bias": "base_score in margin space"}, hint="margin")
    return margin, trees


def _transform(g: GraphBuilder, margin: str, objective: str) -> str:
    """``PredTransform``: what ``Booster.predict`` returns per output column."""
    if objective in _SIGMOID:
        return g.act(margin, "sigmoid", hint="prediction")
    if objective in _EXP:
        return g.act(margin, "exp", hint="prediction")
    if objective == "binary:hinge":
        return g.act(margin, "step_gt", hint="prediction")
    if objective == "multi:softprob":
        return g.act(margin, "softmax", hint="proba")
    return margin


def _classifier(g: GraphBuilder, margin: str, plan: _Plan) -> dict[str, str]:
    obj = plan.model.objective
    k = g.width(margin)
    classes = np.arange(plan.n_classes)
    if k > 1:
        if obj not in _MULTI or k != plan.n_classes:
            raise UnsupportedModel(f"an XGBoost classifier with {k} output columns and objective {obj}")
        proba = g.act(margin, "softmax", hint="proba")
        if obj == "multi:softmax":
            return {"predict_proba": proba, "predict": g.argmax_label(margin, classes.astype(np.int32))}
        return {"predict_proba": proba, "predict": g.argmax_label(margin, classes)}
    if plan.n_classes != 2:
        raise UnsupportedModel(f"an XGBoost classifier with one output column and {plan.n_classes} classes")
    p = _transform(g, margin, obj)
    threshold = 0.5 if obj not in _SIGMOID and obj != "binary:hinge" else 0.0
    # p > 0.5 (sklearn.py XGBClassifier.predict): sigmoid(m) > 0.5 iff m > 0, hinge's 0/1 iff m > 0
    label = g.threshold_label(g.squeeze(margin, hint="margin_1d"), classes, threshold, strict=True)
    return {"predict_proba": g.binary_proba(p), "predict": label}


def _booster(g: GraphBuilder, margin: str, plan: _Plan) -> dict[str, str]:
    obj = plan.model.objective
    if obj == "multi:softmax":
        k = g.width(margin)
        return {"predict": g.argmax_label(margin, np.arange(k, dtype=np.float32))}
    out = _transform(g, margin, obj)
    return regression_output(g, out, g.width(out) == 1)


def xgboost_network(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``margin = base_margin + sum leaf values`` (see the module docstring), then the methods of
    the source: the wrapper's, or ``Booster.predict``'s."""
    plan = _plan(est)
    _check_model(plan.model, plan)
    obj = plan.model.objective
    if plan.model.linear is not None:
        margin = _linear_margin(g, x, plan)
        n_in, n_out = plan.model.linear.shape
        g.summarize(plan.name, f"{plan.name} (gblinear): {n_in - 1} inputs (missing as 0) -> {n_out} linear neuron(s) "
                    f"= margin ({obj}) -> {plan.kind} outputs", objective=obj, booster="gblinear")  # fmt: skip
    else:
        margin, trees = _margin(g, x, plan)
        tail = f"base_score ({obj}) + leaf values summed = margin -> {plan.kind} outputs"
        named = type(plan.name, (), {})()  # summarize_trees shows the class name of what it is given
        summarize_trees(g, named, trees, tail, objective=obj, rounds=plan.end, booster=plan.model.booster)
    if plan.kind == "classifier":
        return _classifier(g, margin, plan)
    if plan.kind == "booster":
        return _booster(g, margin, plan)
    if obj in _MULTI:
        raise UnsupportedModel(f"an XGBoost {plan.kind} with objective {obj}")
    return regression_output(g, _transform(g, margin, obj), g.width(margin) == 1)


_ARCH = (
    "split neurons of every tree (x < split in float32, NaN by default_left; category sets) -> leaf AND neurons -> "
    "base margin + leaf values = margin (gblinear: one linear layer, missing as 0) -> objective's transform"
)
for _path, _kind in _WRAPPERS.items():
    _tail = {
        "classifier": " -> [1 - p, p] | softmax = predict_proba; p > 0.5 | argmax = predict",
        "regressor": " = predict",
        "ranker": " = predict (scores)",
    }[_kind]
    register(_path, _ARCH + _tail, pickle_support=XGB_PICKLE)(xgboost_network)
register(MODEL_PATH, _ARCH + " = Booster.predict (or the saving wrapper's methods)", pickle_support=XGB_PICKLE)(
    xgboost_network
)


# ---------------------------------------------------------------------------- references


class BoosterReference:
    """``Booster.predict`` on a numpy matrix (``DMatrix(X)``, NaN missing; a DataFrame with its
    category columns, ``enable_categorical``): the reference of a bare booster and of a model
    file that no wrapper saved."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def predict(self, X: Any) -> np.ndarray:
        import xgboost

        if hasattr(X, "columns") and hasattr(X, "iloc"):
            return self.booster.predict(xgboost.DMatrix(X, enable_categorical=True))
        return self.booster.predict(xgboost.DMatrix(np.asarray(X)))


def with_categories(reference: Any, model: XGBoostModel) -> Any:
    """``reference``, or, for a model fitted on pandas category columns, the reference that gives
    a DataFrame's columns the model's categories first (:class:`CategoryFrame`: an unseen
    category becomes missing, as in the network)."""
    cats = model.categories
    if not cats or not model.feature_names:
        return reference
    columns = {j: (list(v) if isinstance(v, tuple) else v) for j, v in enumerate(cats) if v is not None}
    return CategoryFrame(reference, model.feature_names, columns) if columns else reference


def booster_reference(booster: Any) -> Any:
    """The reference of a bare ``Booster``: :class:`BoosterReference`, with its categories."""
    return with_categories(BoosterReference(booster), booster_model(booster))


def wrapper_reference(est: Any) -> Any:
    """The wrapper itself, with its categories (:func:`with_categories`)."""
    return with_categories(est, booster_model(est.get_booster()))


def _xgboost() -> Any:
    try:
        import xgboost
    except ImportError:
        raise ModelLoadError(
            f"checking an XGBoost model against XGBoost's own predictions needs xgboost installed ({INSTALL_HINT})"
        ) from None
    return xgboost


def reference_for(model: XGBoostModel) -> Any:
    """xgboost's own model for a parsed file: the wrapper that saved it (``load_model``), else a
    :class:`BoosterReference`."""
    xgboost = _xgboost()
    if model.path is None:
        raise ModelLoadError(f"{model.source}: no model file to rebuild XGBoost's own model from")
    kind = model.sklearn_type
    if kind in ("classifier", "regressor", "ranker"):
        est = {"classifier": xgboost.XGBClassifier, "regressor": xgboost.XGBRegressor, "ranker": xgboost.XGBRanker}[
            kind
        ]()
        est.load_model(model.path)
        return with_categories(est, model)
    return with_categories(BoosterReference(xgboost.Booster(model_file=model.path)), model)


adapt(_BOOSTER, model=booster_model, reference=booster_reference)
for _path in (*_WRAPPERS, MODEL_PATH):
    declare_reference_dtype(_path, "float32")
for _path in _WRAPPERS:
    adapt(_path, reference=wrapper_reference)
adapt(MODEL_PATH, reference=reference_for)


def xgboost_installed() -> bool:
    return resolve(_BOOSTER) is not None
