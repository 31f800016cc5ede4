"""CatBoost ``save_model(format="json")`` files, read without CatBoost.

The file (``catboost/libs/model/model_export/json_model_helpers.cpp``) is one object whose keys
CatBoost writes sorted: ``ctr_data`` (models with CTRs), ``features_info`` (``float_features``:
``flat_feature_index``, ``borders``, ``nan_value_treatment``, ``feature_id``; ``categorical_features``,
``text_features``, ``embedding_features``), ``model_info`` (``params.loss_function.type``,
``class_params``), ``oblivious_trees`` (``splits``: ``float_feature_index``, ``border``,
``split_type``; ``leaf_values``, leaf-major) or ``trees`` (non-symmetric: nested nodes, a split
node ``{"split": ..., "left": node, "right": node}``, a leaf ``{"value": number or [dim numbers]}``;
nodes are numbered in pre-order, left subtree first, as CatBoost's own reader of the file does),
``scale_and_bias``
(``[scale, [bias per dimension]]``). Told by content: its first key is one of those, so neither an
nnconvert network spec nor an XGBoost JSON (``{"learner": ...}``) is taken for one.

The text is parsed by Python's ``json`` after the file's size, times :data:`PARSE_FACTOR` (what
Python objects take per byte of JSON, at worst), is charged to the memory budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError
from nnconvert.io.limits import Budget
from nnconvert.io.native import checked_field
from nnconvert.io.native.catboost_model import MAX_NODES, CatBoostModel, FloatFeature, Parts, build, not_supported

NAME = "CatBoost JSON"
SUFFIXES = (".json",)
PARSE_FACTOR = 12
_FIRST_KEY = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"([A-Za-z_]{1,40})"\s*:')
_FIRST_KEYS = {b"ctr_data", b"features_info", b"oblivious_trees"}


def sniff(head: bytes) -> bool:
    """A JSON object whose first key is one CatBoost writes first (module docstring), or whose
    head names both ``oblivious_trees`` and ``features_info``."""
    found = _FIRST_KEY.match(head)
    if found is None:
        return False
    return found.group(1) in _FIRST_KEYS or (b'"oblivious_trees"' in head and b'"features_info"' in head)


def _fail(name: str, what: str) -> ModelLoadError:
    return ModelLoadError(f"{name} is not a valid CatBoost JSON model: {what}")


def _get(obj: Any, key: str, kind: type | tuple[type, ...], name: str, where: str) -> Any:
    return checked_field(obj, key, kind, lambda what: _fail(name, what), where)


def _numbers(values: Any, name: str, where: str) -> np.ndarray:
    if not isinstance(values, list) or not all(type(v) in (int, float) for v in values):
        raise _fail(name, f"{where} is not a list of numbers")
    return np.array(values, dtype=np.float64)


def _float_features(info: Any, name: str) -> list[FloatFeature]:
    for key, kind in (("categorical_features", "categorical features"), ("text_features", "text features"),
                      ("embedding_features", "embedding features")):  # fmt: skip
        listed = info.get(key) if isinstance(info, Mapping) else None
        if listed:
            ids = [str(f.get("feature_id") or f"#{f.get('flat_feature_index')}") if isinstance(f, Mapping) else "?"
                   for f in listed]  # fmt: skip
            raise not_supported(kind, ids)
    features = []
    for k, f in enumerate(_get(info, "float_features", list, name, "features_info")):
        where = f"features_info.float_features[{k}]"
        flat = _get(f, "flat_feature_index", int, name, where)
        borders = _numbers(f.get("borders", []), name, f"{where}.borders")
        treatment = f.get("nan_value_treatment", "AsIs")
        features.append(FloatFeature(flat, tuple(borders.tolist()), str(treatment), str(f.get("feature_id") or "")))
    return features


def _split(s: Any, where: str, flat: dict[int, int], name: str) -> tuple[int, float]:
    """``(flat feature index, border)`` of a float split; other kinds are refused by name."""
    kind = s.get("split_type") if isinstance(s, Mapping) else None
    if kind != "FloatFeature":
        raise (
            not_supported(f"{kind} splits", [f"{where}: {kind}"])
            if isinstance(kind, str)
            else _fail(name, f"{where} split")
        )
    index = _get(s, "float_feature_index", int, name, where)
    if index not in flat:
        raise _fail(name, f"{where} splits on float feature {index}, which features_info does not list")
    return flat[index], float(_get(s, "border", (int, float), name, where))


def _tree(tree: Any, t: int, flat: dict[int, int], name: str) -> tuple[list[tuple[int, float]], np.ndarray]:
    where = f"oblivious_trees[{t}]"
    splits = [_split(s, f"{where}.splits", flat, name) for s in _get(tree, "splits", list, name, where)]
    return splits, _numbers(_get(tree, "leaf_values", list, name, where), name, f"{where}.leaf_values")


def _nested_tree(
    tree: Any, t: int, flat: dict[int, int], name: str, offset: int
) -> tuple[list[tuple[int, float]], np.ndarray, list[np.ndarray]]:
    """A non-symmetric tree's splits, steps ``[n_nodes, 3]`` and leaf values (module docstring);
    ``offset``: how many leaf values the trees before it hold. Walked with a stack, not recursion."""
    where = f"trees[{t}]"
    splits: list[tuple[int, float]] = []
    steps: list[list[int]] = []
    values: list[np.ndarray] = []
    stack: list[tuple[Any, int, int]] = [(tree, -1, 0)]  # (node, parent, side: 0 left, 1 right)
    while stack:
        node, parent, side = stack.pop()
        k = len(steps)
        if k >= MAX_NODES:
            raise _fail(name, f"{where} has more than {MAX_NODES} nodes")
        if parent >= 0:
            steps[parent][side] = k - parent
        if not isinstance(node, Mapping):
            raise _fail(name, f"{where} has a node that is not an object")
        if "value" in node:
            value = node["value"]
            leaf = _numbers(value if isinstance(value, list) else [value], name, f"{where} leaf value")
            splits.append((-1, 0.0))  # a leaf's split is never read
            steps.append([0, 0, offset])
            values.append(leaf)
            offset += leaf.size
            continue
        splits.append(_split(node.get("split"), f"{where} split", flat, name))
        steps.append([0, 0, -1])
        stack.append((node.get("right"), k, 1))
        stack.append((node.get("left"), k, 0))  # popped first: the left subtree is numbered first
    return splits, np.array(steps, dtype=np.int64), values


def read(path: Path, budget: Budget) -> CatBoostModel:
    """The CatBoost model in ``path`` (module docstring); one ModelLoadError line if malformed."""
    name = path.name
    size = path.stat().st_size
    budget.charge(size * PARSE_FACTOR, "parsing its JSON text")
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        raise _fail(name, " ".join(str(exc).split())[:120]) from None
    if not isinstance(doc, dict):
        raise _fail(name, "the top level is not an object")
    if doc.get("ctr_data"):
        raise not_supported("categorical CTR features", sorted(map(str, doc["ctr_data"]))[:3] or ["ctr_data"])
    features = _float_features(_get(doc, "features_info", dict, name, "the model"), name)
    flat = {k: f.flat_index for k, f in enumerate(features)}
    steps: list[np.ndarray] | None = None
    if "oblivious_trees" not in doc and "trees" in doc:
        nested, offset = [], 0
        for k, t in enumerate(_get(doc, "trees", list, name, "the model")):
            nested.append(_nested_tree(t, k, flat, name, offset))
            offset += sum(v.size for v in nested[-1][2])
        trees = [(splits, np.concatenate(values)) for splits, _, values in nested]
        steps = [tree_steps for _, tree_steps, _ in nested]
        dims = {v.size for _, _, values in nested for v in values}
    else:
        trees = [_tree(t, k, flat, name) for k, t in enumerate(_get(doc, "oblivious_trees", list, name, "the model"))]
        dims = {len(values) >> len(splits) for splits, values in trees}
    scale_bias = doc.get("scale_and_bias", [1.0, [0.0]])
    if not (isinstance(scale_bias, list) and len(scale_bias) == 2 and type(scale_bias[0]) in (int, float)):
        raise _fail(name, "scale_and_bias is not [scale, [bias, ...]]")
    bias = scale_bias[1] if isinstance(scale_bias[1], list) else [scale_bias[1]]
    info = doc.get("model_info", {})
    if not isinstance(info, dict):
        raise _fail(name, "model_info is not an object")
    dim = len(bias) if len(bias) > 1 else (dims.pop() if len(dims) == 1 else 1)
    if steps is not None and dims - {dim}:
        raise _fail(name, f"leaves with {sorted(dims | {dim})} values in a model of dimension {dim}")
    parts = Parts(features, [s for s, _ in trees], [v for _, v in trees], max(dim, 1), float(scale_bias[0]),
                  list(_numbers(bias, name, "scale_and_bias[1]")), info, steps)  # fmt: skip
    return build(parts, budget, origin=NAME)
