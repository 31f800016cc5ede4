"""CatBoost ``save_model(format="json")`` files, read without CatBoost.

The file (``catboost/libs/model/model_export/json_model_helpers.cpp``) is one object whose keys
CatBoost writes sorted: ``ctr_data`` (models with CTRs), ``features_info`` (``float_features``:
``flat_feature_index``, ``borders``, ``nan_value_treatment``, ``feature_id``; ``categorical_features``,
``text_features``, ``embedding_features``), ``model_info`` (``params.loss_function.type``,
``class_params``), ``oblivious_trees`` (``splits``: ``float_feature_index``, ``border``,
``split_type``; ``leaf_values``, leaf-major) or ``trees`` (non-symmetric), ``scale_and_bias``
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
from nnconvert.io.native.catboost_model import NON_SYMMETRIC, CatBoostModel, FloatFeature, Parts, build, not_supported

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


def _tree(tree: Any, t: int, flat: dict[int, int], name: str) -> tuple[list[tuple[int, float]], np.ndarray]:
    where = f"oblivious_trees[{t}]"
    splits = []
    for s in _get(tree, "splits", list, name, where):
        kind = s.get("split_type") if isinstance(s, Mapping) else None
        if kind != "FloatFeature":
            raise (
                not_supported(f"{kind} splits", [f"{where}: {kind}"])
                if isinstance(kind, str)
                else _fail(name, f"{where} split")
            )
        index = _get(s, "float_feature_index", int, name, f"{where}.splits")
        if index not in flat:
            raise _fail(name, f"{where} splits on float feature {index}, which features_info does not list")
        splits.append((flat[index], float(_get(s, "border", (int, float), name, f"{where}.splits"))))
    return splits, _numbers(_get(tree, "leaf_values", list, name, where), name, f"{where}.leaf_values")


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
    if "oblivious_trees" not in doc and "trees" in doc:
        raise NON_SYMMETRIC
    features = _float_features(_get(doc, "features_info", dict, name, "the model"), name)
    flat = {k: f.flat_index for k, f in enumerate(features)}
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
    parts = Parts(features, [s for s, _ in trees], [v for _, v in trees], max(dim, 1), float(scale_bias[0]),
                  list(_numbers(bias, name, "scale_and_bias[1]")), info)  # fmt: skip
    return build(parts, budget, origin=NAME)
