"""XGBoost's own model files (``Booster.save_model``: ``.json`` and ``.ubj``), read without xgboost.

Both are the same document (``src/learner.cc``, ``LearnerIO::SaveModel``; UBJSON is binary JSON,
:mod:`nnconvert.io.ubjson`): ``{"learner": {...}, "version": [major, minor, patch]}`` where
``learner`` holds ``learner_model_param`` (``base_score`` as the user-facing value, e.g. a
probability for ``binary:logistic``, one per target since XGBoost 2 as ``"[5E-1,...]"``;
``num_class``, ``num_feature``, ``num_target``), ``objective`` (``name`` and its parameters),
``attributes`` (``best_iteration``, and ``scikit_learn``: the wrapper's JSON when the scikit-learn
API saved it), ``feature_names`` and ``gradient_booster``: ``gbtree`` (``model``), ``dart``
(``gbtree.model`` plus ``weight_drop``, one weight per tree) or ``gblinear`` (``model.weights``:
``(num_feature + 1) * groups`` float32, feature ``f``'s weight for group ``g`` at ``f * groups + g``,
the biases last; ``src/gbm/gblinear_model.h``). The tree model lists ``trees``
(``src/tree/tree_model.cc``, ``RegTree::SaveModel``: per node ``left_children``/``right_children``
(-1 at a leaf), ``split_indices``, ``split_conditions`` (the threshold, or the leaf's value at a
leaf), ``default_left``, ``split_type`` (1: categorical); a categorical split ``categories_nodes[i]``
sends the codes ``categories[categories_segments[i] : + categories_sizes[i]]`` right), ``tree_info``
(the output group of each tree; a multi-output tree, ``multi_strategy='multi_output_tree'``,
``size_leaf_vector`` K > 1, adds K values at each leaf: ``leaf_weights[right_children[leaf] * K :]``,
the leaf's index being kept in its right child (XGBoost >= 3.1, ``src/tree/multi_target_tree_model.cc``),
or, in files without ``leaf_weights``, its ``base_weights[node * K :]``), ``iteration_indptr`` (the trees of boosting round ``i`` are
``iteration_indptr[i]:iteration_indptr[i+1]``) and, since XGBoost 3.1, ``cats``: the categories
of each feature fitted on a pandas category column (``src/data/cat_container.cc``, ``Save``;
``enc[j]`` is ``{offsets, values}`` for strings, UTF-8 bytes as int8, or ``{type, values}`` for
integers, ``type`` 9..16 = int8, uint8, ..., uint64; UBJSON keeps the unsigned ones wider than a
byte as signed values of the same width; a code is the category's position). A pickled ``Booster`` keeps the same document as
UBJSON under ``"Model"`` (``{"Config": ..., "Model": ...}``); :func:`parse_document` reads both.

:func:`read` returns :class:`XGBoostModel`, which the converter
(:mod:`nnconvert.converters.xgboost_trees`) takes from any source. Every tree is checked to be a
tree (children inside the node arrays, each node reached once from the root), every number
array to have one entry per node, floats as float32 (what XGBoost holds).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError, UnsupportedModel
from nnconvert.io.limits import Budget
from nnconvert.io.native import checked_field

NAME = "XGBoost JSON/UBJSON"
SUFFIXES = (".json", ".ubj")

_UBJ_HEAD = re.compile(rb"\{(?:i.|U.|I..|l....|L........)(learner|version|Config|Model)", re.DOTALL)
_JSON_HEAD = re.compile(rb'\s*\{\s*"(learner|version)"\s*:')
_JSON_OVERHEAD = 12  # bytes of Python objects per byte of JSON text, charged against the budget
MAX_CATEGORY = 1 << 24  # codes at or past it are invalid (``InvalidCat``): they never reach a set
_INT_TYPES = {9: "i1", 10: "u1", 11: "i2", 12: "u2", 13: "i4", 14: "u4", 15: "i8", 16: "u8"}  # cats' type codes


@dataclass(frozen=True)
class XGBTree:
    """One regression tree: per node ``left``/``right`` (-1 at a leaf), ``feature``, ``split``
    (float32 threshold; ``x < split`` goes left), ``default_left`` (where NaN goes), ``value``
    (float32, the leaf's value; 0 at split nodes), ``categorical`` (a categorical split) and, for
    each categorical split ``category_nodes[k]``, the codes it sends right ``category_sets[k]``;
    a multi-output tree has ``vector`` ``[n_nodes, leaf_vector]`` (float32, 0 at split nodes)
    instead of ``value``."""

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    split: np.ndarray
    default_left: np.ndarray
    value: np.ndarray
    categorical: np.ndarray
    leaf_vector: int = 1  # size_leaf_vector: > 1 for multi-output trees
    category_nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    category_sets: tuple[np.ndarray, ...] = ()
    vector: np.ndarray | None = None

    @property
    def is_leaf(self) -> np.ndarray:
        return self.left < 0


@dataclass(frozen=True)
class XGBoostModel:
    """A parsed XGBoost booster (see the module docstring); ``source`` names the file or object
    it came from, ``path`` is the model file when there is one (to rebuild xgboost's own model
    as the reference for ``verify``)."""

    objective: str
    objective_params: dict[str, Any]
    base_score: tuple[float, ...]  # as stored (user-facing values), float32
    num_class: int
    num_target: int
    num_feature: int
    booster: str  # gbtree | dart
    trees: tuple[XGBTree, ...]
    tree_info: np.ndarray  # output group of each tree
    iteration_indptr: np.ndarray  # trees of round i: indptr[i]:indptr[i+1]
    weight_drop: np.ndarray | None = None  # dart: one weight per tree
    linear: np.ndarray | None = None  # gblinear: [num_feature + 1, groups] float32, the biases last
    feature_names: tuple[str, ...] | None = None
    feature_types: tuple[str, ...] | None = None
    categories: tuple[tuple[str, ...] | np.ndarray | None, ...] | None = None  # cats: per feature (None: numeric)
    attributes: dict[str, str] = field(default_factory=dict)
    version: tuple[int, ...] = ()
    source: str = ""
    path: str | None = None
    nnconvert_allows_nan: bool = field(default=True, init=False)  # XGBoost routes NaN itself

    @property
    def best_iteration(self) -> int | None:
        value = self.attributes.get("best_iteration")
        return None if value is None else int(value)

    @property
    def n_rounds(self) -> int:
        return len(self.iteration_indptr) - 1

    @property
    def sklearn_type(self) -> str | None:
        """``classifier``/``regressor``/``ranker`` when the scikit-learn wrapper saved the file."""
        meta = self.attributes.get("scikit_learn")
        if not meta:
            return None
        try:
            kind = json.loads(meta).get("_estimator_type")
        except (ValueError, AttributeError):
            return None
        return kind if isinstance(kind, str) else None

    @property
    def nnconvert_n_features(self) -> int:
        return self.num_feature

    @property
    def nnconvert_task(self) -> str:
        kind = self.sklearn_type
        if kind in ("classifier", "regressor"):
            return kind
        return "regressor"

    @property
    def feature_names_in_(self) -> np.ndarray | None:
        return None if self.feature_names is None else np.array(self.feature_names)

    def nnconvert_reference(self) -> Any:
        """xgboost's own model from the same file (for ``verify``); needs xgboost."""
        from nnconvert.converters.xgboost_trees import reference_for

        return reference_for(self)


def sniff(head: bytes) -> bool:
    """A UBJSON object whose first key is ``learner``/``version`` (``Config``/``Model`` for a
    serialized booster), or a JSON object whose first key is ``learner`` or ``version`` (a JSON
    network spec starts with ``format``)."""
    return bool(_UBJ_HEAD.match(head) or _JSON_HEAD.match(head))


def read(path: Path, budget: Budget) -> XGBoostModel:
    """Parse ``path`` (JSON or UBJSON, told by its first byte that is not blank)."""
    size = path.stat().st_size
    budget.charge(size, "the model file")
    data = path.read_bytes()
    if data.lstrip()[:1] == b"{" and _JSON_HEAD.match(data[:4096]):
        budget.charge(_JSON_OVERHEAD * size, "the parsed JSON model")
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ModelLoadError(f"{path.name} is not valid JSON: {str(exc)[:120]}") from None
    else:
        from nnconvert.io.ubjson import loads

        doc = loads(data, budget)
    return parse_document(doc, budget, source=path.name, path=str(path))


def parse_raw(raw: bytes | bytearray, budget: Budget, source: str) -> XGBoostModel:
    """A booster's UBJSON bytes (``Booster.save_raw("ubj")`` or its pickled ``handle``)."""
    from nnconvert.io.ubjson import loads

    return parse_document(loads(raw, budget), budget, source=source)


# ---------------------------------------------------------------------------- the document


def _bad(budget: Budget, what: str) -> ModelLoadError:
    return ModelLoadError(f"{budget.filename} is not a valid XGBoost model: {what}")


def _get(obj: Any, key: str, kind: type | tuple[type, ...], budget: Budget, where: str) -> Any:
    return checked_field(obj, key, kind, lambda what: _bad(budget, what), where)


def _int(text: Any, budget: Budget, what: str, low: int = 0, high: int = 1 << 31) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise _bad(budget, f"{what} is {str(text)[:40]!r}, not an integer") from None
    if not low <= value < high:
        raise _bad(budget, f"{what} is {value}")
    return value


def _floats32(text: str, budget: Budget, what: str) -> tuple[float, ...]:
    """``"5E-1"`` or ``"[5E-1,2E0]"`` (``common::ParamArray``) as float32 values."""
    if not isinstance(text, str):
        raise _bad(budget, f"{what} is not text")
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    try:
        values = tuple(float(np.float32(float(v))) for v in body.split(",") if v.strip())
    except ValueError:
        raise _bad(budget, f"{what} is {text[:40]!r}") from None
    if not values or not all(np.isfinite(values)):
        raise _bad(budget, f"{what} is {text[:40]!r}")
    return values


def _array(obj: Any, key: str, n: int, dtype: str, budget: Budget, where: str) -> np.ndarray:
    value = _get(obj, key, (list, np.ndarray), budget, where)
    if len(value) != n:
        raise _bad(budget, f"{where}.{key} has {len(value)} entries for {n} nodes")
    budget.charge(8 * n, f"{where}.{key}")
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf" or arr.ndim != 1:
            raise ValueError
        if dtype == "f":  # JSON's decimal text (parsed as float64) rounds to the float32 it spells
            return arr.astype(np.float32)
        if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
            raise ValueError
        return arr.astype(np.int64)
    except (ValueError, OverflowError, TypeError):
        raise _bad(budget, f"{where}.{key} is not an array of numbers") from None


def _tree(obj: Any, budget: Budget, where: str, n_features: int) -> XGBTree:
    param = _get(obj, "tree_param", dict, budget, where)
    n = _int(param.get("num_nodes"), budget, f"{where} num_nodes", 1)
    leaf_vector = _int(param.get("size_leaf_vector", "1"), budget, f"{where} size_leaf_vector", 0, 1 << 16)
    left = _array(obj, "left_children", n, "i", budget, where)
    right = _array(obj, "right_children", n, "i", budget, where)
    vector = None
    if leaf_vector > 1:
        vector, right = _leaf_vectors(obj, left, right, leaf_vector, budget, where)
    feature = _array(obj, "split_indices", n, "i", budget, where)
    split = _array(obj, "split_conditions", n, "f", budget, where)
    default_left = _array(obj, "default_left", n, "i", budget, where).astype(bool)
    split_type = obj.get("split_type")
    categorical = np.zeros(n, bool) if split_type is None else _array(obj, "split_type", n, "i", budget, where) == 1
    leaf = left < 0
    if ((right < 0) != leaf).any() or (left >= n).any() or (right >= n).any():
        raise _bad(budget, f"{where}: children outside the tree, or a node with one child")
    if (feature[~leaf] < 0).any() or (n_features and (feature[~leaf] >= n_features).any()):
        raise _bad(budget, f"{where}: a split on a feature outside 0..{n_features - 1}")
    seen = np.zeros(n, bool)
    frontier = np.array([0])
    while len(frontier):
        if seen[frontier].any() or len(np.unique(frontier)) < len(frontier):
            raise _bad(budget, f"{where}: nodes shared or in a cycle")
        seen[frontier] = True
        inner = frontier[~leaf[frontier]]
        frontier = np.concatenate([left[inner], right[inner]])
    left, right = (
        np.where(seen & ~leaf, left, -1),
        np.where(seen & ~leaf, right, -1),
    )  # unreachable (deleted) nodes: leaves
    leaf = left < 0
    cat_nodes, cat_sets = _category_sets(obj, categorical & seen & ~leaf, budget, where)
    if not np.isfinite(split[seen]).all():
        raise _bad(budget, f"{where}: a split condition or leaf value that is not finite")
    return XGBTree(
        left=left,
        right=right,
        feature=np.where(leaf, 0, feature),
        split=np.where(leaf, np.float32(0), split).astype(np.float32),
        default_left=default_left,
        value=np.where(leaf & seen, split, np.float32(0)).astype(np.float32),
        categorical=categorical & ~leaf,
        leaf_vector=leaf_vector,
        category_nodes=cat_nodes,
        category_sets=cat_sets,
        vector=None if vector is None else np.where((leaf & seen)[:, None], vector, np.float32(0)).astype(np.float32),
    )


def _leaf_vectors(
    obj: Any, left: np.ndarray, right: np.ndarray, k: int, budget: Budget, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """A multi-output tree's ``[n_nodes, k]`` leaf values (module docstring) and its right children
    with -1 at the leaves (where the leaf's index was kept)."""
    n = len(left)
    leaf = left < 0
    budget.charge(4 * n * k, f"{where}: the leaf vectors")
    if "leaf_weights" in obj:
        flat = np.asarray(_get(obj, "leaf_weights", (list, np.ndarray), budget, where))
        weights = _array(obj, "leaf_weights", len(flat), "f", budget, where)
        if len(weights) % k:
            raise _bad(budget, f"{where}: {len(weights)} leaf weights for leaves of {k} values")
        index = right[leaf]
        if (index < 0).any() or (index >= len(weights) // k).any():
            raise _bad(budget, f"{where}: a leaf index outside its {len(weights) // k} leaf weights")
        rows = weights.reshape(-1, k)
        vector = np.zeros((n, k), dtype=np.float32)
        vector[leaf] = rows[index]
    else:
        weights = _array(obj, "base_weights", n * k, "f", budget, where)
        vector = weights.reshape(n, k)
    if not np.isfinite(vector[leaf]).all():
        raise _bad(budget, f"{where}: a leaf value that is not finite")
    return vector, np.where(leaf, -1, right)


def _category_sets(
    obj: Any, categorical: np.ndarray, budget: Budget, where: str
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The categorical splits of a tree (``categories_nodes``) and the codes each sends right;
    every reachable categorical split needs exactly one set, of codes in ``[0, 2^24)``."""
    if not categorical.any():
        return np.zeros(0, dtype=np.int64), ()
    nodes = np.asarray(_get(obj, "categories_nodes", (list, np.ndarray), budget, where))
    k = len(nodes)
    nodes = _array(obj, "categories_nodes", k, "i", budget, where)
    seg = _array(obj, "categories_segments", k, "i", budget, where)
    size = _array(obj, "categories_sizes", k, "i", budget, where)
    flat = np.asarray(_get(obj, "categories", (list, np.ndarray), budget, where))
    codes = _array(obj, "categories", len(flat), "i", budget, where)
    n = len(categorical)
    if (nodes < 0).any() or (nodes >= n).any() or len(np.unique(nodes)) < k:
        raise _bad(budget, f"{where}: categories_nodes names a node twice or outside the tree")
    if (seg < 0).any() or (size < 0).any() or (seg + size > len(codes)).any():
        raise _bad(budget, f"{where}: a category segment outside the categories")
    if len(codes) and ((codes < 0).any() or (codes >= MAX_CATEGORY).any()):
        raise _bad(budget, f"{where}: a category code outside 0..{MAX_CATEGORY - 1}")
    has_set = np.zeros(n, bool)
    has_set[nodes] = True
    if (categorical & ~has_set).any():
        raise _bad(budget, f"{where}: a categorical split without its categories")
    keep = categorical[nodes]  # sets of unreachable nodes are dropped
    sets = tuple(np.unique(codes[a : a + b]) for a, b in zip(seg[keep], size[keep], strict=True))
    return nodes[keep], sets


def parse_document(doc: Any, budget: Budget, *, source: str, path: str | None = None) -> XGBoostModel:
    """The :class:`XGBoostModel` of a parsed model document (``{"learner", "version"}``, or a
    serialized booster's ``{"Config", "Model"}``)."""
    if isinstance(doc, dict) and "Model" in doc and "learner" not in doc:
        doc = doc["Model"]
    learner = _get(doc, "learner", dict, budget, "the model")
    version = doc.get("version", [])
    version = tuple(int(v) for v in np.asarray(version).tolist()) if len(version) else ()
    param = _get(learner, "learner_model_param", dict, budget, "learner")
    n_features = _int(param.get("num_feature"), budget, "num_feature", 0)
    n_class = _int(param.get("num_class", "0"), budget, "num_class", 0, 1 << 20)
    n_target = _int(param.get("num_target", "1"), budget, "num_target", 0, 1 << 20)
    base = _floats32(param.get("base_score", "5E-1"), budget, "base_score")
    objective = _get(learner, "objective", dict, budget, "learner")
    name = _get(objective, "name", str, budget, "objective")
    attributes = learner.get("attributes", {})
    if not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
        raise _bad(budget, "learner.attributes is not a map of strings")
    names = learner.get("feature_names") or None
    types = learner.get("feature_types") or None
    for what, value in (("feature_names", names), ("feature_types", types)):
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise _bad(budget, f"learner.{what} is not a list of strings")
    gb = _get(learner, "gradient_booster", dict, budget, "learner")
    kind = _get(gb, "name", str, budget, "gradient_booster")
    weight_drop = linear = None
    groups = max(1, n_class, n_target)
    if kind == "dart":
        model = _get(_get(gb, "gbtree", dict, budget, "gradient_booster"), "model", dict, budget, "gbtree")
    elif kind in ("gbtree", "gblinear"):
        model = _get(gb, "model", dict, budget, "gradient_booster")
    else:
        raise UnsupportedModel(f"{source}: the XGBoost booster {kind!r} is not supported (gbtree, dart, gblinear are)")
    if kind == "gblinear":
        linear = _linear_weights(model, n_features, groups, budget)
        trees, info, indptr = (), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    else:
        trees, info, indptr = _tree_model(model, n_features, groups, budget)
    if kind == "dart":
        weight_drop = _array(gb, "weight_drop", len(trees), "f", budget, "dart")
    categories = None if linear is not None else _categories(model.get("cats"), n_features, budget)
    return XGBoostModel(
        objective=name,
        objective_params={k: v for k, v in objective.items() if k != "name"},
        base_score=base,
        num_class=n_class,
        num_target=n_target,
        num_feature=n_features,
        booster=kind,
        trees=trees,
        tree_info=info,
        iteration_indptr=indptr,
        weight_drop=weight_drop,
        linear=linear,
        feature_names=None if names is None else tuple(names),
        feature_types=None if types is None else tuple(types),
        categories=categories,
        attributes=dict(attributes),
        version=version,
        source=source,
        path=path,
    )


def _linear_weights(model: dict, n_features: int, groups: int, budget: Budget) -> np.ndarray:
    """gblinear's ``weights`` as ``[num_feature + 1, groups]`` float32 (the biases last)."""
    size = (n_features + 1) * groups
    listed = len(_get(model, "weights", (list, np.ndarray), budget, "gblinear"))
    if listed != size:
        raise _bad(budget, f"gblinear has {listed} weights, (num_feature + 1) x {groups} outputs = {size} expected")
    linear = _array(model, "weights", size, "f", budget, "gblinear").reshape(n_features + 1, groups)
    if not np.isfinite(linear).all():
        raise _bad(budget, "gblinear has a weight that is not finite")
    return linear


def _tree_model(
    model: dict, n_features: int, groups: int, budget: Budget
) -> tuple[tuple[XGBTree, ...], np.ndarray, np.ndarray]:
    """A tree model's checked ``trees``, ``tree_info`` and ``iteration_indptr``."""
    trees_doc = _get(model, "trees", list, budget, "model")
    budget.check_items(len(trees_doc), "the tree list")
    trees = tuple(_tree(t, budget, f"tree {i}", n_features) for i, t in enumerate(trees_doc))
    n = len(trees)
    info = _array(model, "tree_info", n, "i", budget, "model")
    indptr_doc = model.get("iteration_indptr")
    if indptr_doc is None:  # before XGBoost 2: one round = num_parallel_tree * groups trees
        gparam = model.get("gbtree_model_param", {})
        step = _int(gparam.get("num_parallel_tree", "1"), budget, "num_parallel_tree", 1) * groups
        indptr = np.arange(0, n + 1, step) if n % step == 0 else np.array([0, n])
    else:
        indptr = np.asarray(indptr_doc).astype(np.int64)
        if indptr.ndim != 1 or len(indptr) < 1 or indptr[0] != 0 or indptr[-1] != n or (np.diff(indptr) < 0).any():
            raise _bad(budget, "iteration_indptr does not split the trees into rounds")
    if n and ((info < 0).any() or (info >= groups).any()):
        raise _bad(budget, f"tree_info names an output group outside 0..{groups - 1}")
    return trees, info, indptr


def _categories(cats: Any, n_features: int, budget: Budget) -> tuple[tuple[str, ...] | np.ndarray | None, ...] | None:
    """``cats`` (see the module docstring) as per-feature categories: a tuple of strings, an
    integer array, or None (a numeric feature); None when the model keeps none (fitted on numpy
    codes, or by XGBoost before 3.1)."""
    if cats is None:
        return None
    enc = _get(cats, "enc", (list, np.ndarray), budget, "cats")
    if not len(enc):
        return None
    if len(enc) != n_features:
        raise _bad(budget, f"cats.enc has {len(enc)} features, the model {n_features}")
    out: list[tuple[str, ...] | np.ndarray | None] = []
    for j, column in enumerate(enc):
        where = f"cats.enc[{j}]"
        if not isinstance(column, dict):
            raise _bad(budget, f"{where} is not an object")
        if "offsets" in column:
            out.append(_string_categories(column, budget, where, j))
        else:
            out.append(_integer_categories(column, budget, where, j))
    return tuple(out)


def _string_categories(column: dict, budget: Budget, where: str, j: int) -> tuple[str, ...] | None:
    offsets = np.asarray(_get(column, "offsets", (list, np.ndarray), budget, where))
    raw = np.asarray(_get(column, "values", (list, np.ndarray), budget, where))
    if not len(offsets):
        return None
    offsets = _array(column, "offsets", len(offsets), "i", budget, where)
    values = _array(column, "values", len(raw), "i", budget, where)
    if offsets[0] != 0 or (np.diff(offsets) < 0).any() or offsets[-1] != len(values):
        raise _bad(budget, f"{where}: offsets do not split the category names")
    if len(values) and ((values < -128).any() or (values > 255).any()):
        raise _bad(budget, f"{where}: category name bytes outside a byte")
    data = (values & 0xFF).astype(np.uint8).tobytes()
    try:
        names = tuple(data[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets))
    except UnicodeDecodeError:
        raise UnsupportedModel(
            f"{budget.filename}: a category name of feature {j} is not valid UTF-8 (XGBoost keeps one byte of each "
            "non-ASCII character), so its categories cannot be told apart"
        ) from None
    return names


def _integer_categories(column: dict, budget: Budget, where: str, j: int) -> np.ndarray | None:
    kind = column.get("type")
    if isinstance(kind, int | np.integer) and int(kind) in (7, 8):
        raise UnsupportedModel(f"{budget.filename}: feature {j} has float categories, which XGBoost does not load")
    if not isinstance(kind, int | np.integer) or int(kind) not in _INT_TYPES:
        raise _bad(budget, f"{where}.type is {str(kind)[:20]!r}")
    raw = _get(column, "values", (list, np.ndarray), budget, where)
    dtype = np.dtype(_INT_TYPES[int(kind)])
    if (
        isinstance(raw, np.ndarray)
        and raw.dtype.kind == "i"
        and dtype.kind == "u"
        and raw.dtype.itemsize == dtype.itemsize
    ):
        values = raw.view(dtype)  # UBJSON's signed storage of an unsigned array: the same bits
    else:
        values = _array(column, "values", len(raw), "i", budget, where)
        if ((values < np.iinfo(dtype).min) | (values > np.iinfo(dtype).max)).any():
            raise _bad(budget, f"{where}: a category outside its {dtype.name} type")
        values = values.astype(dtype)
    if len(np.unique(values)) < len(values):
        raise _bad(budget, f"{where}: a category listed twice")
    return values if len(values) else None
