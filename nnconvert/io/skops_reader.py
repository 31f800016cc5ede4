"""skops files read by nnconvert itself: skops' own loader is never run.

A ``.skops`` file is a zip of ``schema.json`` (a tree of nodes naming a loader, a module and
a class) and ``.npy``/``.npz``/``.bin`` members. Each node kind below is built by the same
constructors as pickles (:mod:`nnconvert.io.objects`, :mod:`nnconvert.io.arrays`,
:mod:`nnconvert.io.structures`), with the same allow-list, so skops' defaults (which trust
every scikit-learn estimator and call ``ReduceNode`` constructors) never apply. Admitted
nodes: ``JsonNode`` (a str/int/float/bool/None), ``Dict``/``List``/``Tuple``/``Set``,
``NdArrayNode`` (``.npy`` read with ``allow_pickle=False`` after its header's dtype and size
are checked; object arrays as in pickles), ``ObjectNode`` of an admitted class, ``TypeNode``
and ``FunctionNode`` of admitted values, ``LossNode``/``SGDNode``/``TreeNode`` (the Cython
classes pickles also admit), ``RandomStateNode``/``RandomGeneratorNode``,
``SparseMatrixNode`` (csr/csc/coo from ``.npz`` arrays), ``BytesNode``, ``SliceNode`` and
``CachedNode``, ``DefaultDictNode`` (as a plain dict). Anything else (``ReduceNode``, ``MethodNode``, ``PartialNode`` ...) is refused.
"""

from __future__ import annotations

import enum
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import UnsupportedModel
from nnconvert.io import allowlist, arrays, objects, structures
from nnconvert.io.arrays import corrupt, refuse
from nnconvert.io.limits import Budget
from nnconvert.io.objects import GlobalRef

_MAX_MEMBERS = 1 << 16
_JSON_TYPES = (str, int, float, bool, type(None))
_KEY_TYPES = {"str": str, "int": int, "float": float}
_NUMPY_KEYS = (np.integer, np.floating, np.str_)  # LogisticRegressionCV keys scores_ by class


class SkopsReader:
    """Builds the object of one skops zip; also the :class:`objects.Context` constructors use."""

    def __init__(self, archive: zipfile.ZipFile, budget: Budget) -> None:
        self.archive, self.budget = archive, budget
        self.memo: dict[Any, Any] = {}
        self.admitted: frozenset[type] = frozenset()
        self.roots: set[str] = set()

    def value(self, obj: Any) -> Any:
        return obj

    def member(self, name: Any) -> bytes:
        try:
            info = self.archive.getinfo(name)
        except (KeyError, TypeError):
            raise corrupt(self.budget, f"the member {name!r} is missing") from None
        self.budget.charge(info.file_size, f"the member {name}")
        return self.archive.read(info)  # zipfile stops at the declared size (and checks its CRC)

    def name(self, node: dict[str, Any], kind: str) -> Any:
        """The admitted class or value a node names (by name; nothing imported for the file)."""
        module, name = node.get("__module__"), node.get("__class__")
        if not isinstance(module, str) or not isinstance(name, str):
            raise corrupt(self.budget, "a node without a module or class")
        found = allowlist.lookup(module, name)
        if found is None or (kind == "class" and found[0] != "class"):
            if allowlist.known_unsupported(module, name):
                from nnconvert.io.pickle_vm import supported_families

                raise UnsupportedModel(
                    f"{self.budget.filename}: {name} is not supported; supported families: "
                    f"{supported_families()} (the file names '{module}.{name}')"
                )
            raise refuse(self.budget, f"it holds type '{module}.{name}'")
        root = module.split(".", 1)[0]
        if root not in self.roots:
            from nnconvert.io.pickle_vm import admitted_types

            self.roots.add(root)
            self.admitted = admitted_types(frozenset(self.roots | {"builtins", "numpy"}))
        return found[1]

    def build(self, node: Any, depth: int = 0) -> Any:
        self.budget.check_depth(depth)
        if not isinstance(node, dict) or not isinstance(node.get("__loader__"), str):
            raise corrupt(self.budget, "a schema node")
        loader, key = node["__loader__"], node.get("__id__")
        if loader == "CachedNode":
            if key not in self.memo:
                raise corrupt(self.budget, f"a cached node refers to an unknown object {key!r}")
            return self.memo[key]
        handler = _HANDLERS.get(loader)
        if handler is None:
            raise refuse(self.budget, f"it holds a skops {loader} ('{node.get('__module__')}.{node.get('__class__')}')")
        result = handler(self, node, depth + 1)
        if key is not None:
            self.memo[key] = result
        return result

    def children(self, node: dict[str, Any], depth: int) -> list[Any]:
        content = node.get("content")
        if not isinstance(content, list):
            raise corrupt(self.budget, "a container node")
        self.budget.check_items(len(content), "a container")
        return [self.build(child, depth) for child in content]

    def npy(self, data: bytes) -> np.ndarray:
        """A ``.npy`` member: its header's dtype and shape checked, its bytes built by us."""
        f = io.BytesIO(data)
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f, max_header_size=10000)
        dtype = arrays.checked_dtype(dtype, self.budget)
        return arrays.array_from_bytes(data[f.tell() :], dtype, shape, fortran, self.budget)


def _json(r: SkopsReader, node: dict[str, Any], depth: int) -> Any:
    value = json.loads(node.get("content"))
    if not isinstance(value, _JSON_TYPES):
        raise corrupt(r.budget, "a JSON node that is not a plain value")
    return value


def _dict(r: SkopsReader, node: dict[str, Any], depth: int) -> dict[Any, Any]:
    content, key_types = node.get("content"), r.build(node.get("key_types"), depth)
    if not isinstance(content, dict) or not isinstance(key_types, list) or len(key_types) != len(content):
        raise corrupt(r.budget, "a dict node")
    result: dict[Any, Any] = {}
    for kind, (key, child) in zip(key_types, content.items(), strict=True):
        if not (kind in _KEY_TYPES.values() or (isinstance(kind, type) and issubclass(kind, _NUMPY_KEYS))):
            raise refuse(r.budget, f"it uses {kind!r} dict keys")
        result[kind(key)] = r.build(child, depth)
    return result


def _default_dict(r: SkopsReader, node: dict[str, Any], depth: int) -> dict[Any, Any]:
    """``DefaultDictNode`` (a LightGBM wrapper's ``best_score``) as a plain dict of its items;
    its ``default_factory`` is never built (nothing is ever called on it)."""
    content = node.get("content")
    if not isinstance(content, dict) or not isinstance(content.get("main"), dict):
        raise corrupt(r.budget, "a defaultdict node")
    items = r.build(content["main"], depth)
    if type(items) is not dict:
        raise corrupt(r.budget, "a defaultdict node")
    return items


def _ndarray(r: SkopsReader, node: dict[str, Any], depth: int) -> np.ndarray:
    if node.get("type") == "numpy":
        return r.npy(r.member(node.get("file")))
    if node.get("type") == "json":
        shape = node.get("shape")
        shape = arrays.check_shape(r.build(shape, depth) if isinstance(shape, dict) else shape, r.budget)
        items = r.children(node, depth)
        for _ in range(len(shape) - 1):  # skops stores rows as nested lists (NdArrayNode._construct)
            if not all(type(row) is list for row in items):
                raise corrupt(r.budget, "an object array node")
            items = [item for row in items for item in row]
        return arrays.object_array(items, shape, r.budget, r.admitted)
    raise corrupt(r.budget, "an array node")


def _object(r: SkopsReader, node: dict[str, Any], depth: int) -> Any:
    cls = r.name(node, "class")
    if issubclass(cls, enum.Enum):  # skops stores a member's attributes; look it up by value
        state = r.build(node.get("content"), depth)
        return objects.call_class(r, cls, (state.get("_value_") if isinstance(state, dict) else None,))
    obj = objects.new_instance(r, GlobalRef(cls.__module__, cls.__qualname__, "class", cls))
    state = r.build(node["content"], depth) if node.get("content") is not None else None
    if state is not None:  # skops writes a JSON null for objects without attributes
        objects.build(r, obj, state)
    return obj


def _reduce_args(r: SkopsReader, node: dict[str, Any], depth: int) -> Any:
    """LossNode / SGDNode / TreeNode: an admitted Cython class from its ``__reduce__`` args."""
    cls = r.name(node, "class")
    reduce = node.get("__reduce__")
    if not isinstance(reduce, dict):
        raise corrupt(r.budget, "a reduce node")
    obj = objects.call_class(r, cls, r.build(reduce.get("args"), depth))
    state = r.build(node["content"], depth) if node.get("content") is not None else {}
    if state:
        objects.build(r, obj, state)
    return obj


def _random_state(r: SkopsReader, node: dict[str, Any], depth: int) -> np.random.RandomState:
    if r.name(node, "class") is not np.random.RandomState:
        raise corrupt(r.budget, "a RandomState node")
    state = r.build(node.get("content"), depth)
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    rs = np.random.RandomState(structures.bit_generator(kind, r.budget))
    objects.build(r, rs, state)
    return rs


def _generator(r: SkopsReader, node: dict[str, Any], depth: int) -> np.random.Generator:
    content = node.get("content")
    state = r.build(content.get("bit_generator"), depth) if isinstance(content, dict) else None
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    gen = structures.bit_generator(kind, r.budget)
    objects.build(r, gen, state)
    return np.random.Generator(gen)


def _sparse(r: SkopsReader, node: dict[str, Any], depth: int) -> Any:
    cls = r.name(node, "class")
    with np.load(io.BytesIO(r.member(node.get("file"))), allow_pickle=False) as npz:
        parts = {}
        for key in npz.files:
            if key not in ("format", "shape", "data", "indices", "indptr", "row", "col"):
                raise corrupt(r.budget, f"a sparse matrix member {key!r}")
            parts[key] = r.npy(npz.zip.read(f"{key}.npy"))
    matrix = objects.new_instance(r, GlobalRef(cls.__module__, cls.__qualname__, "class", cls))
    if parts.get("format", np.array(b"")).tobytes().decode("ascii", "replace") != matrix.format:
        raise corrupt(r.budget, "a sparse matrix of another format")
    shape = tuple(int(n) for n in parts.pop("shape", np.zeros(0, dtype=np.int64)))
    objects.build(r, matrix, {**parts, "_shape": shape})
    return matrix


def _bytes(r: SkopsReader, node: dict[str, Any], depth: int) -> Any:
    data = r.member(node.get("file"))
    return bytearray(data) if node["__loader__"] == "BytearrayNode" else data


def _dtype(r: SkopsReader, node: dict[str, Any], depth: int) -> np.dtype:
    """skops stores a dtype as an empty array of it (``dtype_get_state``): the array node is read
    like any other (its .npy header checked), and only its dtype is kept."""
    content = node.get("content")
    if not isinstance(content, dict) or content.get("__loader__") != "NdArrayNode":
        raise corrupt(r.budget, "a dtype node")
    return _ndarray(r, content, depth + 1).dtype


def _masked_array(r: SkopsReader, node: dict[str, Any], depth: int) -> np.ma.MaskedArray:
    """``MaskedArray(data, mask)`` (GridSearchCV's ``cv_results_`` columns), both array nodes
    read as any other; the mask must be a boolean array of the data's shape."""
    content = node.get("content")
    if node.get("__class__") != "MaskedArray" or not isinstance(content, dict):
        raise corrupt(r.budget, "a masked array node")
    data, mask = (r.build(content.get(k), depth) for k in ("data", "mask"))
    ok = isinstance(data, np.ndarray) and isinstance(mask, np.ndarray | np.bool_)
    if not ok or (isinstance(mask, np.ndarray) and (mask.dtype != bool or mask.shape not in (data.shape, ()))):
        raise corrupt(r.budget, "a masked array node")
    return np.ma.MaskedArray(data, mask)


def _slice(r: SkopsReader, node: dict[str, Any], depth: int) -> slice:
    content = node.get("content")
    parts = [content.get(k) for k in ("start", "stop", "step")] if isinstance(content, dict) else [1.5]
    if not all(p is None or type(p) is int for p in parts):
        raise corrupt(r.budget, "a slice node")
    return slice(*parts)


# fmt: off
_HANDLERS = {
    "JsonNode": _json, "DictNode": _dict, "DefaultDictNode": _default_dict,
    "ListNode": lambda r, n, d: r.children(n, d),
    "TupleNode": lambda r, n, d: tuple(r.children(n, d)),
    "SetNode": lambda r, n, d: set(r.children(n, d)),
    "NdArrayNode": _ndarray, "ObjectNode": _object,
    "TypeNode": lambda r, n, d: r.name(n, "value"), "FunctionNode": lambda r, n, d: r.name(n, "value"),
    "LossNode": _reduce_args, "SGDNode": _reduce_args, "TreeNode": _reduce_args,
    "RandomStateNode": _random_state, "RandomGeneratorNode": _generator, "SparseMatrixNode": _sparse,
    "BytesNode": _bytes, "BytearrayNode": _bytes, "SliceNode": _slice, "DTypeNode": _dtype,
    "MaskedArrayNode": _masked_array,
}
# fmt: on


def read_skops(path: Path, budget: Budget) -> Any:
    """The object a ``.skops`` file holds, built by nnconvert (see the module docstring)."""
    from nnconvert.io.pickle_vm import check_graph

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise corrupt(budget, f"not a valid skops file ({exc})") from None
    with archive:
        budget.check_items(len(archive.infolist()), "the skops archive")
        reader = SkopsReader(archive, budget)
        schema = json.loads(reader.member("schema.json"))
        obj = reader.build(schema)
        check_graph(obj, budget, reader.admitted, reader.roots | {"builtins", "numpy"})
        return obj
