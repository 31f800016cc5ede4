"""Library structures the loader builds itself, from validated plain parts.

scikit-learn's compiled tree code, scipy's sparse matrices and numpy's random generators read
their buffers without bounds checks, so what a file gives them is checked here first:

- ``sklearn.tree._tree.Tree``: ``Tree(n_features, n_classes, n_outputs)`` then its own
  ``__setstate__`` with a ``nodes`` array of exactly ``NODE_DTYPE`` whose children come after
  their parent and lie inside the array (so every walk ends inside it), features below
  ``n_features``, and ``values`` of the shape the tree expects;
- HistGradientBoosting's ``TreePredictor``: its ``nodes`` (``PREDICTOR_RECORD_DTYPE``) checked
  the same way, categorical bitset indices inside its bitset arrays;
- scipy ``csr``/``csc``/``coo`` matrices: re-made with their constructor from validated
  arrays, then scipy's own ``check_format(full_check=True)``;
- numpy ``MT19937``/``PCG64``/``PCG64DXSM`` bit generators, ``RandomState``, ``Generator``,
  ``SeedSequence``: created by nnconvert; a validated plain state goes to numpy's ``state``
  setter / ``set_state`` (``MT19937``'s ``pos`` is checked: numpy indexes its key with it);
- ``lightgbm.Booster``: its model text (``_handle`` in the pickle) must pass nnconvert's own
  parser (:mod:`nnconvert.io.native.lightgbm_text`) before LightGBM reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnconvert.io.arrays import corrupt, refuse, structured_dtypes
from nnconvert.io.limits import Budget

_U128 = 1 << 128


def is_tree(cls: type) -> bool:
    return f"{cls.__module__}.{cls.__qualname__}" == "sklearn.tree._tree.Tree"


def _int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and low <= value < high


def new_tree(cls: type, args: list[Any], budget: Budget) -> Any:
    n_features, n_classes, n_outputs = args
    if not (_int(n_features, 1, 1 << 31) and _int(n_outputs, 1, 1 << 16)):
        raise corrupt(budget, f"a tree with {n_features!r} features and {n_outputs!r} outputs")
    if not (isinstance(n_classes, np.ndarray) and n_classes.shape == (n_outputs,) and n_classes.dtype.kind in "iu"):
        raise corrupt(budget, "a tree's class counts")
    if n_classes.size and not (n_classes.min() >= 1 and n_classes.max() < 1 << 24):
        raise corrupt(budget, "a tree's class counts")
    return cls(int(n_features), n_classes.astype(np.intp), int(n_outputs))


def _check_children(left: np.ndarray, right: np.ndarray, leaf: np.ndarray, budget: Budget, what: str) -> None:
    """Children of internal nodes lie after their parent and inside the array."""
    n = len(left)
    index = np.arange(n)
    inner = ~leaf
    ok = (left[inner] > index[inner]) & (left[inner] < n) & (right[inner] > index[inner]) & (right[inner] < n)
    if not ok.all():
        raise corrupt(budget, f"{what}: a node's children lie outside the tree")


def _tree_state(tree: Any, state: Any, budget: Budget) -> None:
    node_dtype = structured_dtypes()[0]
    if type(state) is not dict or set(state) != {"max_depth", "node_count", "nodes", "values"}:
        raise corrupt(budget, "a tree's state")
    nodes, values, count = state["nodes"], state["values"], state["node_count"]
    if not (isinstance(nodes, np.ndarray) and nodes.dtype == node_dtype and nodes.ndim == 1):
        raise corrupt(budget, "a tree's nodes")
    if not (_int(count, 0, len(nodes) + 1) and count == len(nodes) and _int(state["max_depth"], 0, 1 << 16)):
        raise corrupt(budget, "a tree's node count or depth")
    expected = (len(nodes), tree.n_outputs, int(np.max(tree.n_classes, initial=1)))
    if not (isinstance(values, np.ndarray) and values.dtype == np.float64 and values.shape == expected):
        raise corrupt(budget, "a tree's values")
    leaf = nodes["left_child"] == -1
    if not np.array_equal(leaf, nodes["right_child"] == -1):
        raise corrupt(budget, "a tree node with one child")
    _check_children(nodes["left_child"], nodes["right_child"], leaf, budget, "a tree")
    if not ((nodes["feature"][~leaf] >= 0) & (nodes["feature"][~leaf] < tree.n_features)).all():
        raise corrupt(budget, "a tree node splits on a feature the tree does not have")
    if _depth(nodes["left_child"], nodes["right_child"], leaf) > state["max_depth"]:
        raise corrupt(budget, "a tree deeper than its max_depth")
    tree.__setstate__({**state, "nodes": np.ascontiguousarray(nodes), "values": np.ascontiguousarray(values)})


def _depth(left: np.ndarray, right: np.ndarray, leaf: np.ndarray) -> int:
    depth = np.zeros(len(left), dtype=np.int64)
    for i in np.flatnonzero(~leaf):  # children come after parents: one forward pass
        depth[left[i]] = depth[right[i]] = depth[i] + 1
    return int(depth.max(initial=0))


def check_instance(obj: Any, budget: Budget) -> None:
    """Checks on plain-attribute objects whose arrays compiled code indexes."""
    if type(obj).__qualname__ != "TreePredictor":
        return
    nodes = obj.__dict__.get("nodes")
    if not (isinstance(nodes, np.ndarray) and nodes.ndim == 1 and nodes.dtype == structured_dtypes()[1]):
        raise corrupt(budget, "a HistGradientBoosting predictor's nodes")
    leaf = nodes["is_leaf"].astype(bool)
    _check_children(nodes["left"].astype(np.int64), nodes["right"].astype(np.int64), leaf, budget, "a predictor")
    categorical = nodes["is_categorical"].astype(bool) & ~leaf
    for name in ("binned_left_cat_bitsets", "raw_left_cat_bitsets"):
        bitsets = obj.__dict__.get(name)
        if not (isinstance(bitsets, np.ndarray) and bitsets.ndim == 2 and bitsets.dtype == np.uint32):
            raise corrupt(budget, f"a predictor's {name}")
        if categorical.any() and nodes["bitset_idx"][categorical].max() >= len(bitsets):
            raise corrupt(budget, "a predictor's bitset index")
    if (nodes["feature_idx"][~leaf] < 0).any():
        raise corrupt(budget, "a predictor node splits on a negative feature")


def _sparse_state(matrix: Any, state: Any, budget: Budget) -> None:
    """Re-make a csr/csc/coo matrix from its validated arrays, then scipy's full check."""
    if type(state) is not dict or not all(isinstance(state.get(k), np.ndarray) for k in _SPARSE_KEYS[matrix.format]):
        raise corrupt(budget, f"a {matrix.format} matrix's state")
    shape = state.get("_shape")
    if not (isinstance(shape, tuple) and len(shape) == 2 and all(_int(n, 0, 1 << 62) for n in shape)):
        raise corrupt(budget, "a sparse matrix's shape")
    arrays = [state[k] for k in _SPARSE_KEYS[matrix.format]]
    if any(a.dtype.kind not in "biuf" or a.ndim != 1 for a in arrays):
        raise corrupt(budget, "a sparse matrix's arrays")
    if matrix.format == "coo":
        matrix.__init__((arrays[0], (arrays[1], arrays[2])), shape=shape)
    else:
        matrix.__init__(tuple(arrays), shape=shape)
    try:
        matrix.check_format(full_check=True) if matrix.format != "coo" else matrix._check()
    except (ValueError, TypeError) as exc:
        raise corrupt(budget, f"a sparse matrix: {exc}") from None


_SPARSE_KEYS = {
    "csr": ("data", "indices", "indptr"),
    "csc": ("data", "indices", "indptr"),
    "coo": ("data", "row", "col"),
}


def _bit_generator_state(kind: str, state: Any, budget: Budget) -> dict[str, Any]:
    """A validated plain state dict for ``kind`` (numpy/random/_mt19937.pyx, _pcg64.pyx)."""
    if type(state) is not dict or state.get("bit_generator") != kind or type(state.get("state")) is not dict:
        raise corrupt(budget, f"a {kind} state")
    inner = state["state"]
    key, pos = inner.get("key"), inner.get("pos")
    if kind == "MT19937" and set(inner) == {"key", "pos"} and _int(pos, 0, 625) and _uint32_key(key):
        return {"bit_generator": kind, "state": {"key": key.astype(np.uint32), "pos": int(pos)}}
    extra = _int(state.get("has_uint32"), 0, 2) and _int(state.get("uinteger"), 0, 1 << 32)
    if (
        kind != "MT19937"
        and set(inner) == {"state", "inc"}
        and all(_int(v, 0, _U128) for v in inner.values())
        and extra
    ):
        return {"bit_generator": kind, "state": dict(inner), "has_uint32": state["has_uint32"],
                "uinteger": state["uinteger"]}  # fmt: skip
    raise corrupt(budget, f"a {kind} state")


def _uint32_key(key: Any) -> bool:
    return isinstance(key, np.ndarray) and key.shape == (624,) and key.dtype.kind in "iu"


_BIT_GENERATORS = {"MT19937": np.random.MT19937, "PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM}


def bit_generator(kind: Any, budget: Budget) -> np.random.BitGenerator:
    """A fresh bit generator of an admitted kind (given by class or name); state via BUILD."""
    name = kind.__name__ if isinstance(kind, type) else kind
    if name not in _BIT_GENERATORS or (isinstance(kind, type) and kind is not _BIT_GENERATORS[name]):
        raise refuse(budget, f"it asks for the bit generator {name!r}")
    return _BIT_GENERATORS[name](0)


def _bit_generator_build(gen: np.random.BitGenerator, state: Any, budget: Budget) -> None:
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], np.random.SeedSequence | type(None)):
        state = state[0]  # (state, seed_seq): numpy's BitGenerator.__reduce__
    gen.state = _bit_generator_state(type(gen).__name__, state, budget)


def _random_state_build(rs: np.random.RandomState, state: Any, budget: Budget) -> None:
    kind = type(rs._bit_generator).__name__
    if type(state) is not dict or not (_int(state.get("has_gauss"), 0, 2) and type(state.get("gauss")) is float):
        raise corrupt(budget, "a RandomState state")
    plain = _bit_generator_state(kind, {k: state[k] for k in ("bit_generator", "state") if k in state}, budget)
    rs.set_state({**plain, "has_gauss": state["has_gauss"], "gauss": state["gauss"]})


def seed_sequence(state: Any, budget: Budget) -> np.random.SeedSequence:
    """Cython's state tuple ``(entropy, n_children_spawned, pool, pool_size, spawn_key)``."""
    if not (isinstance(state, tuple) and len(state) == 5):
        raise corrupt(budget, "a seed sequence")
    entropy, spawned, _pool, pool_size, spawn_key = state
    if not (
        (entropy is None or _int(entropy, 0, 1 << 4096))
        and _int(spawned, 0, 1 << 32)
        and _int(pool_size, 4, 1 << 10)
        and isinstance(spawn_key, tuple)
        and all(_int(k, 0, 1 << 64) for k in spawn_key)
    ):
        raise corrupt(budget, "a seed sequence")
    return np.random.SeedSequence(entropy, spawn_key=spawn_key, pool_size=pool_size, n_children_spawned=spawned)


def state_handler(obj: Any) -> Callable[[Any, Any, Budget], None] | None:
    """The BUILD handler for a structure of this module, or None for plain-attribute objects."""
    import scipy.sparse

    from nnconvert.io.native import catboost_model

    if isinstance(obj, catboost_model.CatBoostModel):
        return catboost_model.pickle_state
    if is_tree(type(obj)):
        return _tree_state
    if scipy.sparse.issparse(obj):
        return _sparse_state
    if isinstance(obj, np.random.BitGenerator):
        return _bit_generator_build
    if isinstance(obj, np.random.RandomState):
        return _random_state_build
    if type(obj).__module__ == "xgboost.core" and type(obj).__name__ == "Booster":
        from nnconvert.converters.xgboost_trees import booster_state  # its bytes, parsed by nnconvert

        return booster_state
    if type(obj).__name__ == "Booster" and type(obj).__module__ == "lightgbm.basic":
        return _lightgbm_booster_state
    return None


def _lightgbm_booster_state(booster: Any, state: Any, budget: Budget) -> None:
    """A pickled ``lightgbm.Booster`` (``Booster.__getstate__``: its attributes, the model as
    the ``_handle`` string). The text is parsed and checked by nnconvert's own parser first; only
    a text that passed it is handed to LightGBM (``Booster(model_str=...)``, what its own
    ``__setstate__`` does), whose handle the Booster then owns. The text stays as
    ``nnconvert_model_text`` for the converter."""
    from nnconvert.io.native.lightgbm_text import parse

    if type(state) is not dict or not all(type(k) is str and k.isidentifier() for k in state):
        raise corrupt(budget, "a LightGBM Booster's state")
    text = state.get("_handle", state.get("handle"))
    if not isinstance(text, str):
        raise corrupt(budget, "a LightGBM Booster without its model text")
    parse(text, budget)
    live = type(booster)(model_str=text)
    booster.__dict__.update({k: v for k, v in state.items() if k not in ("handle", "_handle")})
    booster.__dict__.update(_handle=live.__dict__.pop("_handle"), _network=False, nnconvert_model_text=text)
    live.__dict__["_handle"] = None  # the handle has one owner
