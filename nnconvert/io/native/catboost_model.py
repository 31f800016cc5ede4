"""A CatBoost model as plain data: oblivious or non-symmetric trees on float features, read by nnconvert.

Both of CatBoost's own forms of a model reach this one object: the JSON of
``save_model(format="json")`` (:mod:`nnconvert.io.native.catboost_json`) and the binary model
(``.cbm``, flatbuffers: the file of ``save_model(path)``, and the blob a pickled
``CatBoostClassifier``/``CatBoostRegressor`` keeps as ``__model``;
:mod:`nnconvert.io.native.catboost_cbm`). No CatBoost code runs on either.

The prediction, as CatBoost's evaluator computes it (``catboost/libs/model/cpu/evaluator_impl.cpp``,
``model.cpp``, ``scale_and_bias.h``, ``eval_processing.cpp``):

- X is cast to float32. A split ``(f, b)`` has bit ``x[f] > b`` (float32 ``b``). NaN becomes
  ``-inf`` (``AsFalse``, trained with ``nan_mode='Min'``) or ``+inf`` (``AsTrue``, ``'Max'``) before
  the comparison; ``AsIs`` compares NaN itself, which is never greater: bit 0, as ``AsFalse``.
- An oblivious tree ``t`` with splits ``s_0 .. s_{d-1}`` reaches leaf ``sum_j bit_j << j`` (the first
  split is the lowest bit) and adds ``leaf_values[leaf * dim : (leaf + 1) * dim]``.
- A non-symmetric tree (``grow_policy`` Depthwise or Lossguide; ``evaluator_impl.cpp``
  ``CalcIndexesNonSymmetric``) is a list of step nodes, each with a split and two forward steps
  ``(left_diff, right_diff)``: from the tree's first node, step by ``right_diff`` when the split's bit
  is 1, else ``left_diff``; a step of 0 ends the walk at the current node, whose
  ``NonSymmetricNodeIdToLeafId`` is the offset of its ``dim`` values in ``leaf_values``. A node whose
  steps are both 0 is a leaf (its split is never read).
- The sum over the trees is in float64, then ``raw = scale * sum + bias`` (one bias per dimension).
- Classifiers: ``Logloss``/``CrossEntropy``/``Focal``: ``predict_proba = [1 - s, s]``,
  ``s = 1 / (1 + exp(-raw))``,
  ``predict = class_names[raw > logit(binclass_probability_threshold)]`` (threshold 0 by default);
  ``MultiClass``: softmax; ``MultiClassOneVsAll``: one sigmoid per class; both ``predict =
  class_names[argmax raw]`` (first maximum), as an ``[N, 1]`` column as CatBoost returns it;
  ``MultiLogloss``/``MultiCrossEntropy`` (multi-label): one sigmoid per label, ``predict = raw > 0``
  as an int64 0/1 matrix, ``classes_`` the label indices (with one label, as ``Logloss``). Labels
  keep CatBoost's type: ``Integer`` int64, ``Float`` float64, ``Boolean`` bool, ``String`` str.
- Regressors: ``predict = raw`` (``[N, dim]`` for multi-target losses), ``exp(raw)`` for ``Poisson``
  and ``Tweedie`` (``CatBoostRegressor._get_default_prediction_type``: ``Exponent``), and for
  ``RMSEWithUncertainty`` (two raw columns, the mean and the log standard deviation) ``[raw_0,
  exp(2 raw_1)]``, the mean and the variance (its default ``RMSEWithUncertainty`` prediction type).

The methods below are that computation in numpy: what ``verify`` compares a network with when
the model came from a file (the conformance test compares with CatBoost itself).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError, NotFitted, UnsupportedModel
from nnconvert.io.limits import Budget

MULTILABEL_LOSSES = ("MultiLogloss", "MultiCrossEntropy")
CLASSIFIER_LOSSES = ("Logloss", "CrossEntropy", "Focal", "MultiClass", "MultiClassOneVsAll", *MULTILABEL_LOSSES)
# Losses whose models predict the raw score (regression and ranking), besides the EXP_LOSSES and
# RMSEWithUncertainty; a model with any other loss is refused by name, never taken for a regressor.
RAW_LOSSES = (
    "RMSE", "MAE", "Quantile", "MultiQuantile", "Expectile", "LogLinQuantile", "MAPE", "Huber", "Lq", "LogCosh",
    "MultiRMSE", "Cox", "SurvivalAft", "YetiRank", "YetiRankPairwise", "PairLogit", "PairLogitPairwise",
    "QueryRMSE", "QuerySoftMax", "QueryCrossEntropy", "StochasticFilter", "StochasticRank", "LambdaMart",
    "GroupQuantile", "PythonUserDefinedPerObject", "PythonUserDefinedMultiTarget",
)  # fmt: skip
EXP_LOSSES = ("Poisson", "Tweedie")
UNCERTAINTY_LOSS = "RMSEWithUncertainty"  # raw: mean, log standard deviation; predict: mean, variance
NAN_TREATMENTS = ("AsIs", "AsFalse", "AsTrue")
_LABEL_TYPES = {"Integer": np.int64, "Float": np.float64, "Boolean": np.bool_, "String": object}
MAX_DEPTH = 16  # CatBoost's own limit on an oblivious tree's depth
MAX_NODES = 1 << 17  # a non-symmetric tree of depth 16 (CatBoost's limit) has at most 2^17 - 1 nodes


@dataclass(frozen=True)
class FloatFeature:
    """One float feature as the model describes it (``features_info.float_features``)."""

    flat_index: int
    borders: tuple[float, ...]
    nan_treatment: str
    name: str = ""


@dataclass(frozen=True)
class Parts:
    """What a reader found, before validation: ``trees[t]`` lists ``(float feature index, border)``
    per split, ``leaf_values[t]`` the tree's ``2^depth * dimension`` values (leaf-major). For
    non-symmetric trees, ``step_nodes[t]`` is ``[n_nodes, 3]``: per node ``left_diff, right_diff`` and the
    offset of its values in all trees' ``leaf_values`` one after another (CatBoost's
    ``NonSymmetricNodeIdToLeafId``; any value where no step is 0), and ``trees[t]`` has one split per
    node (any split at a leaf node)."""

    float_features: list[FloatFeature]
    trees: list[list[tuple[int, float]]]
    leaf_values: list[np.ndarray]
    dimension: int
    scale: float
    bias: list[float]
    info: Mapping[str, Any]  # model_info: params, class_params, binclass_probability_threshold
    step_nodes: list[np.ndarray] | None = None


@dataclass(frozen=True, eq=False)
class CatBoostModel:
    """Validated trees: ``tree_sizes[t]`` splits in tree ``t`` (an oblivious tree's depth, a
    non-symmetric tree's node count); per split (trees one after another) the flat feature
    ``split_feature`` and float32 ``split_border``; ``leaf_values`` ``[n_leaves, dimension]``
    (``2^depth`` rows per oblivious tree); ``nan_as_true`` per feature (``AsTrue``); ``raw = scale *
    sum + bias``. ``step_nodes`` (non-symmetric trees only, None for oblivious ones) is ``[n_nodes, 3]``:
    per node the forward steps ``left_diff, right_diff`` and the ``leaf_values`` row where the walk
    ends at that node (-1 where no step is 0)."""

    n_features: int
    tree_sizes: np.ndarray
    split_feature: np.ndarray
    split_border: np.ndarray
    leaf_values: np.ndarray
    nan_as_true: np.ndarray
    scale: float
    bias: np.ndarray
    loss: str
    feature_names: tuple[str, ...] | None
    origin: str  # "CatBoost JSON", "CatBoostClassifier pickle", ...
    step_nodes: np.ndarray | None = None

    @property
    def oblivious(self) -> bool:
        return self.step_nodes is None

    @property
    def dimension(self) -> int:
        return int(self.leaf_values.shape[1])

    @property
    def n_features_in_(self) -> int:
        return self.n_features

    @property
    def feature_names_in_(self) -> np.ndarray | None:
        return None if self.feature_names is None else np.array(self.feature_names, dtype=object)

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags: CatBoost takes NaN (``verify``/``predict`` accept missing cells)."""
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(estimator_type=getattr(self, "nnconvert_task", None), target_tags=TargetTags(required=True),
                    input_tags=InputTags(allow_nan=True))  # fmt: skip

    def raw(self, X: np.ndarray) -> np.ndarray:
        """``scale * sum_t leaf_values[leaf_t(x)] + bias`` ``[N, dimension]`` (module docstring)."""
        X32 = np.asarray(X, dtype=np.float64).astype(np.float32)
        total = np.zeros((len(X32), self.dimension))
        if self.step_nodes is not None:
            return self.scale * self._walk(X32, total) + self.bias
        v = X32[:, self.split_feature]
        bits = np.where(np.isnan(v), self.nan_as_true[self.split_feature], v > self.split_border.astype(np.float32))
        start = leaf = 0
        for d in self.tree_sizes.tolist():
            index = (bits[:, start : start + d].astype(np.int64) << np.arange(d)).sum(axis=1)
            total = total + self.leaf_values[leaf + index]
            start, leaf = start + d, leaf + (1 << d)
        return self.scale * total + self.bias

    def _bit(self, X32: np.ndarray, node: np.ndarray) -> np.ndarray:
        """The split bit of ``node[i]`` for row ``i``: ``x[f] > b``, NaN by the feature's treatment."""
        f = self.split_feature[node]
        v = X32[np.arange(len(X32)), f]
        return np.where(np.isnan(v), self.nan_as_true[f], v > self.split_border[node].astype(np.float32))

    def _walk(self, X32: np.ndarray, total: np.ndarray) -> np.ndarray:
        """``total`` plus every non-symmetric tree's leaf values (the walk of the module docstring)."""
        assert self.step_nodes is not None
        start = 0
        for size in self.tree_sizes.tolist():
            node = np.full(len(X32), start)
            for _ in range(size):  # every step moves forward inside the tree: at most size - 1 steps
                step = np.where(self._bit(X32, node), self.step_nodes[node, 1], self.step_nodes[node, 0])
                if not step.any():
                    break
                node = node + step
            total = total + self.leaf_values[self.step_nodes[node, 2]]
            start += size
        return total


@dataclass(frozen=True, eq=False)
class CatBoostRegression(CatBoostModel):
    """A CatBoost regressor (or any non-classification loss): ``predict`` as the module says."""

    nnconvert_task = "regressor"

    def predict(self, X: np.ndarray) -> np.ndarray:
        raw = self.raw(X)
        if self.loss in EXP_LOSSES:
            raw = np.exp(raw)
        if self.loss == UNCERTAINTY_LOSS:
            raw = np.column_stack([raw[:, 0], np.exp(2.0 * raw[:, 1])])
        return raw[:, 0] if self.dimension == 1 else raw


@dataclass(frozen=True, eq=False)
class CatBoostClassification(CatBoostModel):
    """A CatBoost classifier: ``classes_`` (CatBoost's class names, typed), ``predict_proba``,
    ``predict`` (module docstring); ``threshold`` is the binary raw-score border."""

    class_names: np.ndarray = dataclasses.field(default_factory=lambda: np.arange(2))
    threshold: float = 0.0

    nnconvert_task = "classifier"

    @property
    def classes_(self) -> np.ndarray:
        return self.class_names

    @property
    def multilabel(self) -> bool:
        """A multi-label loss with several labels (with one, CatBoost predicts as for Logloss)."""
        return self.loss in MULTILABEL_LOSSES and self.dimension > 1

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        raw = self.raw(X)
        if self.loss == "MultiClass":
            e = np.exp(raw - raw.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        s = 1.0 / (1.0 + np.exp(-raw))
        return np.hstack([1.0 - s, s]) if self.dimension == 1 else s

    def predict(self, X: np.ndarray) -> np.ndarray:
        raw = self.raw(X)
        if self.multilabel:
            return (raw > 0).astype(np.int64)
        if self.dimension == 1:
            return self.class_names[(raw[:, 0] > self.threshold).astype(np.int64)]
        return self.class_names[raw.argmax(axis=1)][:, None]


def _loss(info: Mapping[str, Any]) -> str:
    params = info.get("params")
    loss = params.get("loss_function") if isinstance(params, Mapping) else None
    name = loss.get("type") if isinstance(loss, Mapping) else None
    if not isinstance(name, str):
        raise ModelLoadError("the model does not say its loss function (model_info.params.loss_function.type)")
    return name


def _classes(info: Mapping[str, Any], dimension: int) -> np.ndarray:
    params = info.get("class_params")
    names = params.get("class_names") if isinstance(params, Mapping) else None
    kind = params.get("class_label_type") if isinstance(params, Mapping) else None
    if dimension == 1 and (not names or kind not in _LABEL_TYPES):
        return np.array([0, 1], dtype=np.int64)  # CrossEntropy keeps no names: CatBoost predicts 0 / 1
    if not isinstance(names, list) or kind not in _LABEL_TYPES:
        raise ModelLoadError("a classifier without class names (model_info.class_params)")
    expected = 2 if dimension == 1 else dimension
    if len(names) != expected:
        raise ModelLoadError(f"{len(names)} class names for a model with {dimension} score column(s)")
    try:
        if kind == "String":
            return np.array([str(n) for n in names], dtype=object)
        if kind == "Boolean":
            return np.array([bool(n) for n in names], dtype=bool)
        return np.array(names, dtype=_LABEL_TYPES[kind])
    except (TypeError, ValueError, OverflowError):
        raise ModelLoadError(f"class names {names[:4]!r} are not {kind} labels") from None


def _threshold(info: Mapping[str, Any]) -> float:
    """``logit(binclass_probability_threshold)`` (CatBoost's ``set_probability_threshold``), else 0."""
    text = info.get("binclass_probability_threshold")
    if text is None:
        return 0.0
    try:
        p = float(text)
    except (TypeError, ValueError):
        raise ModelLoadError(f"binclass_probability_threshold {text!r} is not a number") from None
    if not 0.0 < p < 1.0:
        raise UnsupportedModel(f"binclass_probability_threshold {p} (only thresholds strictly inside (0, 1))")
    return math.log(p / (1.0 - p))


def model_fields(parts: Parts, budget: Budget, *, classifier: bool | None, origin: str) -> tuple[type, dict[str, Any]]:
    """Validate ``parts``: the model class (``classifier``: what a pickle's class says, None: by the
    loss) and its fields. Raises ModelLoadError for an inconsistent model (naming the file),
    UnsupportedModel for what has no exact network."""
    try:
        return _model_fields(parts, budget, classifier=classifier, origin=origin)
    except ModelLoadError as exc:
        if str(exc).startswith(budget.filename):
            raise
        raise ModelLoadError(f"{budget.filename} is not a valid CatBoost model: {exc}") from None


def _model_fields(parts: Parts, budget: Budget, *, classifier: bool | None, origin: str) -> tuple[type, dict[str, Any]]:
    info = parts.info
    loss = _loss(info)
    base = loss.split(":", 1)[0]
    is_classifier = base in CLASSIFIER_LOSSES if classifier is None else classifier
    if is_classifier and base not in CLASSIFIER_LOSSES:
        raise UnsupportedModel(f"a CatBoostClassifier with loss {loss}")
    if not is_classifier and base not in (*RAW_LOSSES, *EXP_LOSSES, UNCERTAINTY_LOSS):
        raise UnsupportedModel(f"CatBoost loss {base!r} is not supported (its predictions are not known to nnconvert)")
    dim = parts.dimension
    if not 1 <= dim <= 1 << 16 or (base == UNCERTAINTY_LOSS and dim != 2):
        raise ModelLoadError(f"approx dimension {dim} (loss {base})")
    n = max((f.flat_index for f in parts.float_features), default=-1) + 1
    features = {f.flat_index: f for f in parts.float_features}
    if len(features) != len(parts.float_features) or any(
        f.nan_treatment not in NAN_TREATMENTS for f in features.values()
    ):
        raise ModelLoadError("float features with repeated indices or an unknown nan_value_treatment")
    if n == 0:
        raise ModelLoadError("the model has no float features")
    if not parts.trees:
        raise ModelLoadError("the model has no trees")
    sizes, leaf_values, steps = (_oblivious if parts.step_nodes is None else _non_symmetric)(parts, dim, budget)
    split_feature = np.array([f for t in parts.trees for f, _ in t], dtype=np.int64)
    split_border = np.array([b for t in parts.trees for _, b in t], dtype=np.float64)
    if steps is not None:  # a leaf node's split is never read: any listed feature will do
        leaf_node = (steps[:, 0] == 0) & (steps[:, 1] == 0)
        split_feature[leaf_node], split_border[leaf_node] = min(features), 0.0
    if ((split_feature < 0) | (split_feature >= n)).any() or not np.isin(split_feature, list(features)).all():
        raise ModelLoadError("a split reads a float feature the model does not list")
    with np.errstate(over="ignore"):
        b32 = split_border.astype(np.float32)
    if not (np.isfinite(leaf_values).all() and np.isfinite(b32).all() and math.isfinite(parts.scale)):
        raise ModelLoadError("leaf values, borders and scale must be finite numbers (borders float32)")
    bias = np.array(parts.bias, dtype=np.float64).reshape(-1)
    if bias.size == 1 and dim > 1:
        bias = np.full(dim, bias[0])
    if bias.shape != (dim,) or not np.isfinite(bias).all():
        raise ModelLoadError(f"scale_and_bias holds {bias.size} biases for {dim} dimension(s)")
    nan_as_true = np.zeros(n, dtype=bool)
    for f in features.values():
        nan_as_true[f.flat_index] = f.nan_treatment == "AsTrue"
    names = [features[i].name if i in features else "" for i in range(n)]
    fields: dict[str, Any] = {
        "n_features": n, "tree_sizes": sizes, "split_feature": split_feature,
        "split_border": b32.astype(np.float64), "leaf_values": leaf_values, "nan_as_true": nan_as_true,
        "scale": float(parts.scale), "bias": bias, "loss": base,
        "feature_names": tuple(names) if all(names) and len(set(names)) == n else None, "origin": origin,
        "step_nodes": steps,
    }  # fmt: skip
    if not is_classifier:
        return CatBoostRegression, fields
    if (base == "MultiClass" or base == "MultiClassOneVsAll") != (dim > 1) and base not in MULTILABEL_LOSSES:
        raise ModelLoadError(f"loss {base} with {dim} score column(s)")
    # multi-label: classes_ are the label indices (one label: 0 and 1, predicted as for Logloss)
    fields["class_names"] = np.arange(max(dim, 2)) if base in MULTILABEL_LOSSES else _classes(info, dim)
    fields["threshold"] = _threshold(info) if dim == 1 else 0.0
    return CatBoostClassification, fields


def _oblivious(parts: Parts, dim: int, budget: Budget) -> tuple[np.ndarray, np.ndarray, None]:
    """Oblivious trees: their depths and ``[sum 2^depth, dim]`` leaf values."""
    depth = np.array([len(t) for t in parts.trees], dtype=np.int64)
    if depth.max() > MAX_DEPTH or len(parts.leaf_values) != len(depth):
        raise ModelLoadError(f"{len(depth)} trees (depth at most {MAX_DEPTH}), {len(parts.leaf_values)} leaf lists")
    n_leaves = int((1 << depth).sum())
    budget.charge(n_leaves * dim * 8 + int(depth.sum()) * 16, "the trees' leaf values and splits")
    for t, (d, values) in enumerate(zip(depth.tolist(), parts.leaf_values, strict=True)):
        if values.shape != ((1 << d) * dim,):
            raise ModelLoadError(f"tree {t} has {values.size} leaf values, expected 2^{d} x {dim}")
    return depth, np.concatenate(parts.leaf_values).reshape(n_leaves, dim), None


def _non_symmetric(parts: Parts, dim: int, budget: Budget) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-symmetric trees: node counts, ``[n_leaves, dim]`` leaf values and the checked steps (rows of
    ``left_diff, right_diff, leaf row``): every step stays inside its tree, and every node where a
    step is 0 names whole ``dim``-value leaves inside ``leaf_values``."""
    assert parts.step_nodes is not None
    sizes = np.array([len(t) for t in parts.trees], dtype=np.int64)
    if len(parts.step_nodes) != len(sizes) or sizes.min() < 1 or sizes.max() > MAX_NODES:
        raise ModelLoadError(f"{len(sizes)} trees (1 to {MAX_NODES} nodes each), {len(parts.step_nodes)} step lists")
    n_values = sum(v.size for v in parts.leaf_values)
    budget.charge(n_values * 8 + int(sizes.sum()) * 56, "the trees' leaf values, splits and steps")
    if n_values % dim:
        raise ModelLoadError(f"{n_values} leaf values for {dim} dimension(s)")
    steps = np.concatenate(parts.step_nodes).astype(np.int64) if parts.step_nodes else np.zeros((0, 3), np.int64)
    if steps.shape != (int(sizes.sum()), 3):
        raise ModelLoadError("the trees' steps do not match their nodes")
    local = np.concatenate([np.arange(k) for k in sizes.tolist()])
    tree_size = np.repeat(sizes, sizes)
    ends = (steps[:, 0] == 0) | (steps[:, 1] == 0)
    offset = steps[:, 2]
    if (steps[:, :2] < 0).any() or (local + steps[:, :2].max(axis=1) >= tree_size).any():
        raise ModelLoadError("a tree's node steps outside the tree")
    if ends.any() and ((offset[ends] < 0) | (offset[ends] % dim != 0) | (offset[ends] + dim > n_values)).any():
        raise ModelLoadError("a tree's leaf names values outside the model's leaf values")
    steps[:, 2] = np.where(ends, offset // dim, -1)
    leaf_values = np.concatenate(parts.leaf_values).reshape(-1, dim) if n_values else np.zeros((0, dim))
    return sizes, leaf_values, steps


def build(parts: Parts, budget: Budget, *, classifier: bool | None = None, origin: str) -> CatBoostModel:
    cls, fields = model_fields(parts, budget, classifier=classifier, origin=origin)
    return cls(**fields)


def not_supported(kind: str, names: Sequence[str]) -> UnsupportedModel:
    """The one-line refusal of a model that uses CatBoost features without an exact network here."""
    shown = ", ".join(repr(n) for n in names[:3]) + (" ..." if len(names) > 3 else "")
    return UnsupportedModel(
        f"CatBoost models with {kind} are not supported (only float features; the model uses {shown})"
    )


def parse_info_value(value: Any) -> Any:
    """An info-map value as the JSON file has it: the binary format keeps JSON text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


# ------------------------------------------------------------------------- pickles

PICKLED_CLASSES = {"CatBoostClassifier": True, "CatBoostRegressor": False}


def pickle_state(obj: CatBoostModel, state: Any, budget: Budget) -> None:
    """BUILD of a pickled ``CatBoostClassifier``/``CatBoostRegressor`` (read as the model class
    here: ``catboost.core._CatBoostBase.__getstate__`` stores the init parameters and, once fitted,
    the binary model as ``'__model'`` bytes): the blob is parsed by nnconvert's own reader."""
    from nnconvert.io.native import catboost_cbm

    if type(state) is not dict or not all(type(k) is str for k in state):
        raise ModelLoadError(f"{budget.filename}: a CatBoost state that is not a dict of parameters")
    classifier = isinstance(obj, CatBoostClassification)
    what = "CatBoostClassifier" if classifier else "CatBoostRegressor"
    blob = state.get("__model")
    if blob is None:
        raise NotFitted(f"this {what} is not fitted; fit it before converting")
    if not isinstance(blob, bytes | bytearray):
        raise ModelLoadError(f"{budget.filename}: the {what}'s model is a {type(blob).__name__}, not bytes")
    parts = catboost_cbm.parse(bytes(blob), budget)
    cls, fields = model_fields(parts, budget, classifier=classifier, origin=f"{what} pickle")
    if cls is not type(obj):
        raise ModelLoadError(f"{budget.filename}: a {what} whose model is not a {what}'s")
    for key, value in fields.items():
        object.__setattr__(obj, key, value)
