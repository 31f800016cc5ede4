"""LightGBM's own model text (``Booster.save_model`` / ``model_to_string``), read without LightGBM.

The format (``src/boosting/gbdt_model_text.cpp``, ``GBDT::SaveModelToString`` /
``LoadModelFromString``; ``src/io/tree.cpp``, ``Tree::ToString`` / ``Tree::Tree(const char*)``):
a header of ``key=value`` lines (``tree``, ``version=v4``, ``num_class``,
``num_tree_per_iteration``, ``max_feature_idx``, ``objective=binary sigmoid:1``,
``average_output`` for random forests, ``feature_names``, ``tree_sizes``), then one block per tree
(``Tree=i`` and ``key=value`` lines: ``num_leaves``, ``num_cat``, ``split_feature``, ``threshold``,
``decision_type``, ``left_child``, ``right_child``, ``leaf_value``, ``cat_boundaries``,
``cat_threshold``, ``is_linear`` with ``leaf_const``, ``num_features``, ``leaf_features``,
``leaf_coeff``), ``end of trees``, then importances, parameters and ``pandas_categorical:``.

A child ``c >= 0`` is split node ``c``; ``c < 0`` is leaf ``~c``. ``decision_type`` bits: 1
categorical, 2 default left, ``(d >> 2) & 3`` the missing type (0 None, 1 Zero, 2 NaN). A
categorical split's threshold is the index ``k`` of its bitset, the 32-bit words
``cat_threshold[cat_boundaries[k]:cat_boundaries[k + 1]]``.

This is a plain parser: the whole file is read once (its size charged to the budget), every count
the file claims is checked against the arrays it gives and against the budget before an array is
made, every tree is checked to be a proper binary tree, and anything else is one
``ModelLoadError`` line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError
from nnconvert.io.limits import Budget

NAME = "LightGBM model text"
SUFFIXES = (".txt",)
MISSING_TYPES = ("None", "Zero", "NaN")
_MAX_WORDS = 1 << 24  # bitset words of one categorical split (2^29 categories)


def sniff(head: bytes) -> bool:
    """A LightGBM model text starts with ``tree`` and a ``version=`` line."""
    return head.startswith((b"tree\nversion=", b"tree\r\nversion="))


@dataclass(frozen=True, eq=False)
class LightGBMTree:
    """One tree as LightGBM stores it (``num_leaves - 1`` split nodes, ``num_leaves`` leaves)."""

    num_leaves: int
    split_feature: np.ndarray  # int64 [n - 1]
    threshold: np.ndarray  # float64 [n - 1] (a bitset index for categorical splits)
    decision_type: np.ndarray  # int64 [n - 1]
    left_child: np.ndarray  # int64 [n - 1]: >= 0 a split node, < 0 the leaf ~c
    right_child: np.ndarray
    leaf_value: np.ndarray  # float64 [n]
    cat_boundaries: np.ndarray  # int64 [num_cat + 1] (empty: no categorical split)
    cat_threshold: np.ndarray  # uint32 bitset words
    is_linear: bool = False
    leaf_const: np.ndarray | None = None  # float64 [n]
    leaf_features: tuple[np.ndarray, ...] = ()  # per leaf: int64 feature indices
    leaf_coeff: tuple[np.ndarray, ...] = ()  # per leaf: float64 coefficients
    shrinkage: float = 1.0

    @property
    def is_categorical(self) -> np.ndarray:
        return (self.decision_type & 1).astype(bool)

    @property
    def default_left(self) -> np.ndarray:
        return (self.decision_type & 2).astype(bool)

    @property
    def missing_type(self) -> np.ndarray:
        """0 None, 1 Zero, 2 NaN (``tree.h`` ``GetMissingType``)."""
        return (self.decision_type >> 2) & 3


@dataclass(frozen=True, eq=False)
class LightGBMModel:
    """A LightGBM model: its trees (iteration-major, ``num_tree_per_iteration`` per iteration),
    the objective string (``binary sigmoid:1``) and, when it came from a pickle, the wrapper's
    facts (``best_iteration``, ``classes``, ``wrapper``: the class name; ``None`` for a file)."""

    version: str
    num_class: int
    num_tree_per_iteration: int
    max_feature_idx: int
    objective: str
    average_output: bool
    feature_names: tuple[str, ...]
    trees: tuple[LightGBMTree, ...]
    best_iteration: int = 0
    classes: np.ndarray | None = None
    wrapper: str | None = None
    pandas_categorical: Any = None
    parameters: dict[str, str] = field(default_factory=dict)
    text: str = field(default="", repr=False)  # the model text itself (LightGBM's reference reads it)

    nnconvert_allows_nan: bool = field(default=True, init=False)  # LightGBM routes NaN itself

    @property
    def nnconvert_n_features(self) -> int:
        return self.max_feature_idx + 1

    @property
    def feature_names_in_(self) -> np.ndarray | None:
        """The data's column names, as the wrappers keep them: None where LightGBM made them up
        (``Column_0``, ``Column_1``, ... for data without names)."""
        default = tuple(f"Column_{i}" for i in range(len(self.feature_names)))
        if not self.feature_names or self.feature_names == default:
            return None
        return np.array(self.feature_names, dtype=object)

    @property
    def nnconvert_task(self) -> str:
        if self.wrapper == "LGBMClassifier":
            return "classifier"
        return "regressor"

    @property
    def classes_(self) -> np.ndarray | None:
        return self.classes

    @property
    def objective_name(self) -> str:
        return self.objective.split(" ", 1)[0] if self.objective else ""

    def objective_param(self, key: str, default: float) -> float:
        """A ``key:value`` parameter of the objective string (``sigmoid:1``)."""
        for token in self.objective.split(" ")[1:]:
            k, _, v = token.partition(":")
            if k == key:
                return _float(v, f"objective parameter {key}")
        return default

    @property
    def n_iterations(self) -> int:
        return len(self.trees) // self.num_tree_per_iteration

    def nnconvert_reference(self) -> Any:
        """LightGBM reading this model text (``Booster(model_str=...)``): what ``verify``
        compares a network with. Needs lightgbm; converting does not."""
        try:
            import lightgbm
        except ImportError:
            raise ModelLoadError(
                "checking a LightGBM model text against LightGBM needs lightgbm installed "
                "(pip install 'nnconvert[boosters]'); converting it does not"
            ) from None
        booster = lightgbm.Booster(model_str=self.text)
        if self.best_iteration > 0:
            booster.best_iteration = self.best_iteration
        from nnconvert.io.native.lightgbm_pandas import category_columns
        from nnconvert.io.native.pandas_categories import CategoryFrame

        columns = category_columns(self)
        return CategoryFrame(booster, self.feature_names, columns) if columns else booster

    def iterations_used(self, num_iteration: int | None = None) -> int:
        """How many iterations ``predict`` sums: ``num_iteration`` (None: ``best_iteration``),
        all of them when that is ``<= 0`` or past the end (``Booster.predict``, ``GBDT::InitPredict``)."""
        n = self.best_iteration if num_iteration is None else num_iteration
        return self.n_iterations if n <= 0 or n > self.n_iterations else int(n)


def read(path: Path, budget: Budget) -> LightGBMModel:
    """Parse ``path`` (see the module docstring)."""
    size = path.stat().st_size
    budget.charge(size, "the model text")
    return parse(path.read_bytes(), budget)


def parse(data: bytes | str, budget: Budget) -> LightGBMModel:
    """Parse a model string (a file's bytes, or the ``_handle`` string a pickled Booster holds)."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad(budget, "it is not UTF-8 text") from None
    else:
        budget.charge(len(data), "the model string")
        text = data
    lines = text.replace("\r\n", "\n").split("\n")
    budget.check_items(len(lines), "the model text")
    header, i = _block(lines, 0, budget, stop="Tree=")
    if lines[:1] != ["tree"]:
        raise _bad(budget, "it does not start with 'tree'")
    num_class = _int(_need(header, "num_class", budget), "num_class", budget, 1, 1 << 20)
    per_iter = _int(header.get("num_tree_per_iteration", str(num_class)), "num_tree_per_iteration", budget, 1, 1 << 20)
    max_feature = _int(_need(header, "max_feature_idx", budget), "max_feature_idx", budget, 0, budget.limits.max_items)
    names = tuple(_need(header, "feature_names", budget).split(" "))
    if len(names) != max_feature + 1:
        raise _bad(budget, f"feature_names has {len(names)} names for {max_feature + 1} features")
    claimed = header.get("tree_sizes")
    n_claimed = None if claimed is None else len(claimed.split())
    trees: list[LightGBMTree] = []
    while i < len(lines) and lines[i].startswith("Tree="):
        if _int(lines[i][5:], "a tree number", budget, 0, 1 << 40) != len(trees):
            raise _bad(budget, f"tree {len(trees)} is numbered {lines[i][5:]!r}")
        block, i = _block(lines, i + 1, budget, stop="")
        trees.append(_tree(block, len(trees), max_feature, budget))
        while i < len(lines) and lines[i] == "":
            i += 1
    if i >= len(lines) or lines[i] != "end of trees":
        raise _bad(budget, f"'end of trees' missing after tree {len(trees) - 1} (truncated?)")
    if n_claimed is not None and n_claimed != len(trees):
        raise _bad(budget, f"tree_sizes names {n_claimed} trees, the file holds {len(trees)}")
    if not trees or len(trees) % per_iter:
        raise _bad(budget, f"{len(trees)} trees is not a whole number of iterations of {per_iter}")
    parameters, pandas_categorical = _tail(lines, i + 1, budget)
    return LightGBMModel(
        version=header.get("version", ""), num_class=num_class, num_tree_per_iteration=per_iter,
        max_feature_idx=max_feature, objective=header.get("objective", ""),
        average_output="average_output" in header, feature_names=names, trees=tuple(trees),
        pandas_categorical=pandas_categorical, parameters=parameters, text=text,
    )  # fmt: skip


def _bad(budget: Budget, why: str) -> ModelLoadError:
    return ModelLoadError(f"{budget.filename} is not a valid LightGBM model text: {why}")


def _block(lines: list[str], i: int, budget: Budget, *, stop: str) -> tuple[dict[str, str], int]:
    """``key=value`` lines from ``i`` up to a line starting with ``stop`` (``""``: a blank line)."""
    out: dict[str, str] = {}
    while i < len(lines):
        line = lines[i]
        if (stop and line.startswith(stop)) or (not stop and line == "") or line == "end of trees":
            break
        key, eq, value = line.partition("=")
        if key in out:
            raise _bad(budget, f"line {i + 1}: {key!r} given twice")
        out[key] = value if eq else ""
        i += 1
    return out, i


def _need(block: dict[str, str], key: str, budget: Budget, where: str = "the header") -> str:
    if key not in block:
        raise _bad(budget, f"{where} has no {key}")
    return block[key]


def _int(text: str, what: str, budget: Budget, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise _bad(budget, f"{what} is not an integer: {text[:40]!r}") from None
    if not low <= value <= high:
        raise _bad(budget, f"{what} = {value} is outside [{low}, {high}]")
    return value


def _float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ModelLoadError(f"LightGBM model: {what} is not a number: {text[:40]!r}") from None


def _array(
    block: dict[str, str], key: str, n: int, kind: str, budget: Budget, where: str, *, plus_inf: bool = False
) -> np.ndarray:
    """``n`` numbers of line ``key`` (the count the file claims, checked before allocating); floats
    finite, or also ``+inf`` with ``plus_inf``."""
    tokens = _need(block, key, budget, where).split()
    if len(tokens) != n:
        raise _bad(budget, f"{where}: {key} has {len(tokens)} values, {n} expected")
    budget.charge(8 * n, f"{where} {key}")
    try:
        if kind == "f":
            arr = np.array([float(t) for t in tokens], dtype=np.float64)
        else:
            arr = np.array([int(t) for t in tokens], dtype=object)
            if n and (arr.min() < -(1 << 62) or arr.max() > (1 << 62)):
                raise ValueError
            arr = arr.astype(np.int64)
    except (ValueError, OverflowError):
        raise _bad(budget, f"{where}: {key} holds something that is not a number") from None
    if kind == "f" and not np.isfinite(arr[arr != np.inf] if plus_inf else arr).all():
        raise _bad(budget, f"{where}: {key} holds NaN or infinity")
    return arr


def _tree(block: dict[str, str], t: int, max_feature: int, budget: Budget) -> LightGBMTree:
    where = f"tree {t}"
    n = _int(_need(block, "num_leaves", budget, where), f"{where} num_leaves", budget, 1, budget.limits.max_items)
    num_cat = _int(_need(block, "num_cat", budget, where), f"{where} num_cat", budget, 0, max(n - 1, 0))
    leaf_value = _array(block, "leaf_value", n, "f", budget, where)
    is_linear = bool(_int(block.get("is_linear", "0"), f"{where} is_linear", budget, 0, 1))
    shrinkage = _float(block.get("shrinkage", "1"), f"{where} shrinkage")
    m = n - 1
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        split_feature = decision = left = right = cat_boundaries = empty
        threshold = np.zeros(0)
    else:
        split_feature = _array(block, "split_feature", m, "i", budget, where)
        threshold = _array(block, "threshold", m, "f", budget, where, plus_inf=True)  # NaN against every number
        decision = _array(block, "decision_type", m, "i", budget, where) if "decision_type" in block else np.zeros(m, np.int64)  # fmt: skip
        left = _array(block, "left_child", m, "i", budget, where)
        right = _array(block, "right_child", m, "i", budget, where)
        if (split_feature < 0).any() or (split_feature > max_feature).any():
            raise _bad(budget, f"{where}: a split reads a feature past max_feature_idx {max_feature}")
        if (decision < 0).any() or (decision > 15).any() or (((decision >> 2) & 3) == 3).any():
            raise _bad(budget, f"{where}: a decision_type is not a LightGBM decision type")
        _check_structure(left, right, n, budget, where)
        cat_boundaries = np.zeros(0, dtype=np.int64)
    cat_threshold = np.zeros(0, dtype=np.uint32)
    if num_cat > 0:
        cat_boundaries = _array(block, "cat_boundaries", num_cat + 1, "i", budget, where)
        if (
            cat_boundaries[0] != 0
            or (np.diff(cat_boundaries) < 1).any()
            or (np.diff(cat_boundaries) > _MAX_WORDS).any()
        ):
            raise _bad(budget, f"{where}: cat_boundaries are not increasing from 0")
        words = _array(block, "cat_threshold", int(cat_boundaries[-1]), "i", budget, where)
        if (words < 0).any() or (words >= 1 << 32).any():
            raise _bad(budget, f"{where}: cat_threshold holds a value that is not a 32-bit word")
        cat_threshold = words.astype(np.uint32)
    if m:
        is_cat = (decision & 1).astype(bool)
        k = threshold[is_cat]
        if (k != np.round(k)).any() or (k < 0).any() or (k >= num_cat).any():
            raise _bad(budget, f"{where}: a categorical split names a bitset it does not have")
    linear: dict[str, Any] = {}
    if is_linear:
        linear = _linear(block, n, max_feature, budget, where)
    return LightGBMTree(
        num_leaves=n, split_feature=split_feature, threshold=threshold, decision_type=decision, left_child=left,
        right_child=right, leaf_value=leaf_value, cat_boundaries=cat_boundaries, cat_threshold=cat_threshold,
        is_linear=is_linear, shrinkage=shrinkage, **linear,
    )  # fmt: skip


def _check_structure(left: np.ndarray, right: np.ndarray, n: int, budget: Budget, where: str) -> None:
    """Every split node but the root and every leaf is the child of exactly one split node, and
    each split's children come from the root downward (no cycles)."""
    children = np.concatenate([left, right])
    if (children >= n - 1).any() or (children < -n).any():
        raise _bad(budget, f"{where}: a child index is out of range")
    inner = children[children >= 0]
    leaves = ~children[children < 0]
    if len(np.unique(inner)) != len(inner) or (inner == 0).any() or len(np.unique(leaves)) != n:
        raise _bad(budget, f"{where}: the nodes do not form one binary tree")
    seen, frontier = 1, [0]
    while frontier:  # reaches every split node once (the counts above rule out sharing)
        nxt = [int(c) for s in frontier for c in (left[s], right[s]) if c >= 0]
        seen += len(nxt)
        if seen > n - 1:
            raise _bad(budget, f"{where}: the nodes do not form one binary tree")
        frontier = nxt
    if seen != n - 1:
        raise _bad(budget, f"{where}: some split nodes cannot be reached from the root")


def _linear(block: dict[str, str], n: int, max_feature: int, budget: Budget, where: str) -> dict[str, Any]:
    const = _array(block, "leaf_const", n, "f", budget, where)
    counts = _array(block, "num_features", n, "i", budget, where) if "num_features" in block else np.zeros(n, np.int64)
    if (counts < 0).any() or (counts > max_feature + 1).any():
        raise _bad(budget, f"{where}: num_features out of range")
    total = int(counts.sum())
    feats = _array(block, "leaf_features", total, "i", budget, where) if total else np.zeros(0, np.int64)
    coeff = _array(block, "leaf_coeff", total, "f", budget, where) if total else np.zeros(0)
    if (feats < 0).any() or (feats > max_feature).any():
        raise _bad(budget, f"{where}: a linear leaf reads a feature past max_feature_idx")
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return {
        "leaf_const": const,
        "leaf_features": tuple(feats[bounds[j] : bounds[j + 1]] for j in range(n)),
        "leaf_coeff": tuple(coeff[bounds[j] : bounds[j + 1]] for j in range(n)),
    }


def _tail(lines: list[str], i: int, budget: Budget) -> tuple[dict[str, str], Any]:
    """The ``parameters:`` section (``[key: value]`` lines) and ``pandas_categorical:`` (JSON)."""
    params: dict[str, str] = {}
    pandas_categorical = None
    inside = False
    for line in lines[i:]:
        if line == "parameters:":
            inside = True
        elif line == "end of parameters":
            inside = False
        elif inside and line.startswith("[") and line.endswith("]") and ": " in line:
            key, _, value = line[1:-1].partition(": ")
            params[key] = value
        elif line.startswith("pandas_categorical:"):
            try:
                pandas_categorical = json.loads(line[len("pandas_categorical:") :])
            except ValueError:
                raise _bad(budget, "pandas_categorical is not JSON") from None
    return params, pandas_categorical
