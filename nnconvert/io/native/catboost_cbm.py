"""CatBoost's binary model (``.cbm``), read by nnconvert's own bounded flatbuffers reader.

It is the file of ``save_model(path)`` (CatBoost's default format, told by its ``CBM1`` head); a
pickled ``CatBoostClassifier``/``CatBoostRegressor`` keeps the same blob as ``'__model'``, and a live
model gives it with ``_serialize_model()``. Layout (``catboost/libs/model/model.cpp``,
``flatbuffers/model.fbs``, ``features.fbs``): ``b"CBM1"``, a little-endian uint32 core size, the
``TModelCore`` flatbuffer (``FormatVersion`` ``"FlabuffersModel_v1"``, ``ModelTrees``, ``InfoMap``,
``ModelPartIds``), then the model parts (CTR tables) that ``ModelPartIds`` names.

Only what the network needs is read: ``TModelTrees`` fields ``ApproxDimension`` (0), ``TreeSplits``
(1: indices into the binary features, which are every float feature's borders in order; one per
level of an oblivious tree, one per node of a non-symmetric one), ``TreeSizes`` (2),
``CatFeatures`` (4), ``FloatFeatures`` (5: ``HasNans`` 0, ``Index`` 1, ``FlatIndex`` 2, ``Borders`` 3,
``FeatureId`` 4, ``NanValueTreatment`` 5), ``OneHotFeatures`` (6), ``CtrFeatures`` (7),
``LeafValues`` (8), ``NonSymmetricStepNodes`` (10: structs of two uint16, ``LeftSubtreeDiff`` and
``RightSubtreeDiff``), ``NonSymmetricNodeIdToLeafId`` (11: uint32 offsets into ``LeafValues``),
``TextFeatures`` (12),
``EstimatedFeatures`` (13), ``Scale`` (14), ``Bias`` (15), ``MultiBias`` (16), ``EmbeddingFeatures``
(18); the info map's ``params`` and ``class_params`` (JSON text). Every offset and vector length
is checked against the blob before it is followed, and every array against the memory budget
before it is made; anything out of place is one ModelLoadError line.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError
from nnconvert.io.limits import Budget
from nnconvert.io.native.catboost_model import (
    CatBoostModel,
    FloatFeature,
    Parts,
    build,
    not_supported,
    parse_info_value,
)

NAME = "CatBoost binary"
SUFFIXES = (".cbm", ".bin")
MAGIC = b"CBM1"
FORMAT_VERSION = "FlabuffersModel_v1"  # sic: CatBoost's spelling
_TREATMENTS = ("AsIs", "AsFalse", "AsTrue")


class _Buffer:
    """Bounded reads from one flatbuffer; every position is checked before it is read."""

    def __init__(self, data: bytes, budget: Budget) -> None:
        self.data, self.budget = data, budget

    def fail(self, what: str) -> ModelLoadError:
        return ModelLoadError(f"{self.budget.filename}: the CatBoost model blob is corrupt ({what})")

    def read(self, fmt: str, pos: int) -> Any:
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise self.fail(f"a read at byte {pos} past the end")
        return struct.unpack_from("<" + fmt, self.data, pos)[0]

    def table(self, pos: int) -> _Table:
        return _Table(self, pos)


class _Table:
    def __init__(self, buf: _Buffer, pos: int) -> None:
        self.buf, self.pos = buf, pos
        vtable = pos - buf.read("i", pos)
        size = buf.read("H", vtable)
        if size < 4 or size % 2:
            raise buf.fail("a table's vtable")
        self.offsets = [buf.read("H", vtable + 4 + 2 * i) for i in range((size - 4) // 2)]

    def _field(self, i: int) -> int | None:
        off = self.offsets[i] if i < len(self.offsets) else 0
        return self.pos + off if off else None

    def scalar(self, i: int, fmt: str, default: Any) -> Any:
        at = self._field(i)
        return default if at is None else self.buf.read(fmt, at)

    def _target(self, i: int) -> int | None:
        at = self._field(i)
        return None if at is None else at + self.buf.read("I", at)

    def _vector(self, i: int, item: int) -> tuple[int, int]:
        """``(first element, length)`` of a vector field (``(0, 0)`` when absent)."""
        at = self._target(i)
        if at is None:
            return 0, 0
        n = self.buf.read("I", at)
        if at + 4 + n * item > len(self.buf.data):
            raise self.buf.fail(f"a vector of {n} items past the end")
        return at + 4, n

    def array(self, i: int, dtype: str, per_item: int = 1) -> np.ndarray:
        """A vector field of numbers, or of structs of ``per_item`` numbers each (flattened)."""
        dt = np.dtype(dtype).newbyteorder("<")
        start, n = self._vector(i, dt.itemsize * per_item)
        self.buf.budget.charge(n * per_item * 8, "an array of the CatBoost model")
        return np.frombuffer(self.buf.data, dtype=dt, count=n * per_item, offset=start).astype(dt.newbyteorder("="))

    def tables(self, i: int) -> list[_Table]:
        start, n = self._vector(i, 4)
        self.buf.budget.check_items(n, "a table vector of the CatBoost model")
        return [self.buf.table(start + 4 * k + self.buf.read("I", start + 4 * k)) for k in range(n)]

    def count(self, i: int) -> int:
        return self._vector(i, 1)[1]

    def string(self, i: int) -> str:
        start, n = self._vector(i, 1)
        try:
            return self.buf.data[start : start + n].decode("utf-8")
        except UnicodeDecodeError:
            raise self.buf.fail("a string that is not UTF-8") from None


def sniff(head: bytes) -> bool:
    """CatBoost's binary model: the ``CBM1`` head, then a core size."""
    return head[:4] == MAGIC and len(head) >= 12


def read(path: Path, budget: Budget) -> CatBoostModel:
    """The CatBoost model of a ``.cbm`` file (a classifier or regressor by its loss)."""
    budget.charge(path.stat().st_size, "the model file")
    return build(parse(path.read_bytes(), budget), budget, origin=f"{NAME} file")


def _feature_ids(tables: list[_Table], id_field: int, index_field: int) -> list[str]:
    return [t.string(id_field) or f"#{t.scalar(index_field, 'i', -1)}" for t in tables]


def parse(blob: bytes, budget: Budget) -> Parts:
    """The parts of a CatBoost binary model (module docstring) for :func:`catboost_model.build`."""
    buf = _Buffer(blob, budget)
    if blob[:4] != MAGIC or len(blob) < 12:
        raise ModelLoadError(f"{budget.filename}: the CatBoost model is not a CatBoost binary model (no CBM1 header)")
    core_size = buf.read("I", 4)
    if core_size + 8 > len(blob):
        raise buf.fail(f"a core of {core_size} bytes in a blob of {len(blob)}")
    core = _Buffer(blob[8 : 8 + core_size], budget)
    root = core.table(core.read("I", 0))
    if root.string(0) != FORMAT_VERSION:
        raise core.fail(f"format version {root.string(0)[:40]!r}, expected {FORMAT_VERSION!r}")
    trees_at = root._target(1)
    if trees_at is None:
        raise core.fail("no trees")
    trees = core.table(trees_at)
    for field, kind, ids in (
        (4, "categorical features", lambda: _feature_ids(trees.tables(4), 2, 0)),
        (12, "text features", lambda: _feature_ids(trees.tables(12), 2, 0)),
        (18, "embedding features", lambda: _feature_ids(trees.tables(18), 2, 0)),
        (7, "CTR features", lambda: [f"ctr {k}" for k in range(trees.count(7))]),
        (13, "estimated features", lambda: [f"estimated {k}" for k in range(trees.count(13))]),
    ):
        if trees.count(field):
            raise not_supported(kind, ids())
    floats = []
    binary: list[tuple[int, float]] = []  # the binary features: every float feature's borders in order
    for t in trees.tables(5):
        borders = t.array(3, "f4")
        treatment = t.scalar(5, "b", 0)
        if not 0 <= treatment < len(_TREATMENTS):
            raise core.fail(f"nan value treatment {treatment}")
        flat = t.scalar(2, "i", -1)
        floats.append(
            FloatFeature(flat, tuple(borders.astype(np.float64).tolist()), _TREATMENTS[treatment], t.string(4))
        )
        binary.extend((flat, float(b)) for b in borders)
    splits, sizes = trees.array(1, "i4"), trees.array(2, "i4").astype(np.int64)
    dim = trees.scalar(0, "i", 1)
    values = trees.array(8, "f8")
    if (sizes < 0).any() or sizes.sum() != len(splits):
        raise core.fail("tree sizes do not match the splits")
    if dim < 1:
        raise core.fail("a dimension below 1")
    ends, starts = np.cumsum(sizes), np.cumsum(sizes) - sizes
    steps = _steps(trees, core, starts, ends) if trees.count(10) else None
    used = np.ones(len(splits), bool)  # a leaf node's split is never read (it may name no binary feature)
    if steps is not None and len(splits):
        used = np.concatenate(steps)[:, :2].any(axis=1)
    if ((splits[used] < 0) | (splits[used] >= len(binary))).any():
        raise core.fail("a split names no binary feature")
    split_of = [binary[s] if u else (-1, 0.0) for s, u in zip(splits.tolist(), used.tolist(), strict=True)]
    per_tree = [split_of[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    if steps is not None:
        leaves = [values]  # the steps' offsets index all trees' values at once
    else:
        if (sizes > 30).any():
            raise core.fail("an oblivious tree deeper than 30")
        counts = (1 << sizes) * dim
        if counts.sum() != len(values):
            raise core.fail(f"{len(values)} leaf values for trees that need {int(counts.sum())}")
        leaf_ends = np.cumsum(counts)
        leaves = [values[e - c : e] for e, c in zip(leaf_ends.tolist(), counts.tolist(), strict=True)]
    multi = trees.array(16, "f8")
    bias = multi.tolist() if len(multi) else [trees.scalar(15, "d", 0.0)]
    info: dict[str, Any] = {}
    for kv in root.tables(2):
        key = kv.string(0)
        if key in ("params", "class_params", "binclass_probability_threshold"):
            info[key] = parse_info_value(kv.string(1))
    return Parts(floats, per_tree, leaves, dim, trees.scalar(14, "d", 1.0), bias, info, steps)


def _steps(trees: _Table, core: _Buffer, starts: np.ndarray, ends: np.ndarray) -> list[np.ndarray]:
    """Per non-symmetric tree, ``[n_nodes, 3]``: ``LeftSubtreeDiff, RightSubtreeDiff`` and the node's
    offset in ``LeafValues`` (the model's own checks of them are in ``catboost_model``)."""
    diffs = trees.array(10, "u2", per_item=2).astype(np.int64)
    leaf_of = trees.array(11, "u4").astype(np.int64)
    n_nodes = int(ends[-1]) if len(ends) else 0
    if diffs.shape != (2 * n_nodes,) or leaf_of.shape != (n_nodes,):
        raise core.fail(f"{len(diffs) // 2} step nodes and {len(leaf_of)} leaf ids for {n_nodes} tree nodes")
    rows = np.column_stack([diffs.reshape(-1, 2), leaf_of])
    return [rows[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
