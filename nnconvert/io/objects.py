"""nnconvert's own constructors: the only code that runs for a pickle's REDUCE/NEWOBJ/BUILD.

A file names a global; :mod:`nnconvert.io.pickle_vm` turns it into a :class:`GlobalRef`
(nothing imported, nothing called). When the file applies it, one of these functions
decides what to build, from arguments it validates itself:

- ``REDUCE`` on a name of :data:`CONSTRUCTORS` runs nnconvert's function for that name
  (numpy's ``_reconstruct``/``dtype``/``scalar``/``_frombuffer``, ``copyreg._reconstructor``,
  ``_codecs.encode`` for latin-1 bytes, the builtin containers, numpy's random generators);
- ``REDUCE`` on an admitted class: Cython losses (``ARG_CLASSES``) get their plain-number
  arguments, ``Enum`` classes look up a member, ``sklearn.tree._tree.Tree`` is made from
  ``(n_features, n_classes, n_outputs)``; every other class refuses;
- ``NEWOBJ`` / ``copyreg._reconstructor(cls, object, None)`` mean ``cls.__new__(cls)``;
- ``BUILD`` applies a validated state: ``obj.__dict__.update(state)`` (plain identifiers as
  keys), or the class's own ``__setstate__`` only where it is one of :data:`KNOWN_SETSTATE`,
  or a handler of :mod:`nnconvert.io.structures` (trees, sparse matrices, random state).
  BUILD on a class (not an instance) is refused.
"""

from __future__ import annotations

import collections
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from nnconvert.io import arrays, structures
from nnconvert.io.arrays import corrupt, refuse
from nnconvert.io.limits import Budget


@dataclass(frozen=True)
class GlobalRef:
    """A name a file asked for: ``kind`` is ``constructor``, ``class`` or ``value``."""

    module: str
    name: str
    kind: str
    target: Any = None

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"


class Context(Protocol):
    """What constructors need from the reader: the budget, admitted types, value conversion."""

    budget: Budget
    admitted: frozenset[type]

    def value(self, obj: Any) -> Any: ...


class Pending:
    """An object whose content only BUILD gives (an array, a dtype, a seed sequence)."""

    def __init__(self, finish: Callable[[Any], Any], what: str) -> None:
        self._finish, self.what = finish, what
        self.done, self.result = False, None

    def finish(self, state: Any) -> Any:
        if self.done:
            raise TypeError(f"{self.what} built twice")
        self.result, self.done = self._finish(state), True
        return self.result


def _ref(ctx: Context, obj: Any, kind: str) -> Any:
    if not (isinstance(obj, GlobalRef) and obj.kind == kind):
        raise refuse(ctx.budget, f"it applies a constructor to {_name(obj)}")
    return obj.target


def _name(obj: Any) -> str:
    return f"'{obj.path}'" if isinstance(obj, GlobalRef) else f"a {type(obj).__name__}"


def _args(ctx: Context, args: Any, n: int | tuple[int, ...], what: str) -> list[Any]:
    counts = (n,) if isinstance(n, int) else n
    if not isinstance(args, tuple) or len(args) not in counts:
        raise corrupt(ctx.budget, f"{what} with arguments {arrays._short(args)}")
    return [ctx.value(a) for a in args]


# ------------------------------------------------------------------------- numpy


def _reconstruct(ctx: Context, args: Any) -> Pending:
    """``multiarray._reconstruct(ndarray, (0,), b'b')``; BUILD then gives
    ``(version, shape, dtype, is_fortran, rawdata)`` (numpy ``array_setstate``)."""
    if not (isinstance(args, tuple) and len(args) == 3) or _ref(ctx, args[0], "value") is not np.ndarray:
        raise refuse(ctx.budget, f"it reconstructs {_name(args[0] if args else None)} as a numpy array")

    def finish(state: Any) -> np.ndarray:
        if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1 and type(state[3]) is bool):
            raise corrupt(ctx.budget, f"numpy array state {arrays._short(state)}")
        _, shape, dtype, fortran, raw = state
        if dtype is arrays.OBJECT:
            return arrays.object_array(raw, shape, ctx.budget, ctx.admitted)
        return arrays.array_from_bytes(raw, dtype, shape, fortran, ctx.budget)

    return Pending(finish, "a numpy array")


def _mareconstruct(ctx: Context, args: Any) -> Pending:
    """``numpy.ma.core._mareconstruct(MaskedArray, ndarray, (0,), 'b')`` (GridSearchCV's
    ``cv_results_`` columns); BUILD gives ``(1, shape, dtype, is_fortran, data, mask, fill_value)``,
    the data as for an array (an object column as a list of its items), the mask as bytes."""
    ok = isinstance(args, tuple) and len(args) == 4 and _ref(ctx, args[1], "value") is np.ndarray
    if not ok or _ref(ctx, args[0], "class") is not np.ma.MaskedArray:
        raise refuse(ctx.budget, "it reconstructs something other than a masked array")

    def finish(state: Any) -> np.ma.MaskedArray:
        ok = isinstance(state, tuple) and len(state) == 7 and state[0] == 1 and type(state[3]) is bool
        if not ok or not isinstance(state[5], bytes | bytearray):
            raise corrupt(ctx.budget, f"masked array state {arrays._short(state)}")
        _, shape, dtype, fortran, raw, mask, fill = state
        if dtype is arrays.OBJECT:
            data = arrays.object_array(raw, shape, ctx.budget, ctx.admitted)
        else:
            data = arrays.array_from_bytes(raw, dtype, shape, fortran, ctx.budget)
        mask = arrays.array_from_bytes(mask, np.dtype(bool), data.shape, fortran, ctx.budget)
        if fill is not None and type(fill) not in (bool, int, float, str, bytes):
            raise refuse(ctx.budget, f"it gives a masked array the fill value {arrays._short(fill)}")
        return np.ma.MaskedArray(data, mask=mask, fill_value=fill)

    return Pending(finish, "a masked array")


def _dtype(ctx: Context, args: Any) -> Pending:
    """``numpy.dtype(descr, align, copy)`` + BUILD state, rebuilt by :mod:`arrays`."""
    descr, align, copy = _args(ctx, args, 3, "numpy.dtype")
    if align is not False or copy is not True:
        raise refuse(ctx.budget, "it asks for an aligned numpy dtype")
    return Pending(lambda state: arrays.dtype_from_state(descr, state, ctx.budget), "a numpy dtype")


def _scalar(ctx: Context, args: Any) -> np.generic:
    dtype, data = _args(ctx, args, 2, "numpy scalar")
    return arrays.scalar(dtype, data, ctx.budget)


def _frombuffer(ctx: Context, args: Any) -> np.ndarray:
    """``numeric._frombuffer(buffer, dtype, shape, order)`` (protocol 5, in-band buffers)."""
    data, dtype, shape, order = _args(ctx, args, 4, "numpy _frombuffer")
    if order not in ("C", "F"):
        raise corrupt(ctx.budget, f"array order {order!r}")
    return arrays.array_from_bytes(data, dtype, shape, order == "F", ctx.budget)


# ------------------------------------------------------------------------- Python


_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python, not a compiled one


def new_instance(ctx: Context, cls: Any) -> Any:
    """``cls.__new__(cls)`` for an admitted class defined in Python (state comes with BUILD).
    Compiled classes (trees, losses, random generators) are only made by their constructors
    here: an extension object left uninitialised could crash the process when used."""
    if not isinstance(cls, GlobalRef) or cls.kind != "class" or not cls.target.__flags__ & _HEAP_TYPE:
        raise refuse(ctx.budget, f"it creates an instance of {_name(cls)}")
    cls = cls.target
    return cls.__new__(cls)


def new_object(ctx: Context, cls: Any, args: Any, kwargs: Any = None) -> Any:
    """NEWOBJ/NEWOBJ_EX: only ``cls.__new__(cls)`` (``complex(re, im)`` as a value)."""
    if isinstance(cls, GlobalRef) and cls.target is complex:
        real, imag = _args(ctx, args, 2, "complex")
        if type(real) is float and type(imag) is float:
            return complex(real, imag)
    if args != () or kwargs not in (None, {}):
        raise refuse(ctx.budget, f"it creates {_name(cls)} with arguments")
    return new_instance(ctx, cls)


def _reconstructor(ctx: Context, args: Any) -> Any:
    """``copyreg._reconstructor(cls, base, state)`` (protocols 0-1): ``cls.__new__(cls)`` for
    ``base`` = object; for a dict subclass (``Bunch``), ``base`` = dict and a dict state."""
    if not (isinstance(args, tuple) and len(args) == 3 and isinstance(args[1], GlobalRef)):
        raise corrupt(ctx.budget, f"copyreg._reconstructor arguments {arrays._short(args)}")
    cls, base, state = args
    obj = new_instance(ctx, cls)
    if base.target is object and state is None:
        return obj
    if base.target is dict and isinstance(obj, dict) and type(state) is dict:
        dict.update(obj, state)
        return obj
    raise refuse(ctx.budget, f"it reconstructs {_name(cls)} from {_name(base)}")


def _latin1(ctx: Context, args: Any) -> bytes:
    """``_codecs.encode(text, 'latin1')``: how protocols <= 2 write bytes (pickle ``save_bytes``)."""
    text, encoding = _args(ctx, args, 2, "_codecs.encode")
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise refuse(ctx.budget, f"it asks for _codecs.encode({type(text).__name__}, {encoding!r})")
    ctx.budget.charge(len(text), "a bytes object")
    return text.encode("latin-1")


def _from_items(kind: type) -> Callable[[Context, Any], Any]:
    def build(ctx: Context, args: Any) -> Any:
        (items,) = _args(ctx, args, 1, kind.__name__) if args != () else ([],)
        if type(items) is not list:
            raise refuse(ctx.budget, f"it builds a {kind.__name__} from a {type(items).__name__}")
        return kind(items)

    return build


def _bytes_like(kind: type) -> Callable[[Context, Any], Any]:
    """``bytes()`` / ``bytearray(bytes)`` / ``bytearray(str, 'latin-1')``; never from a count."""

    def build(ctx: Context, args: Any) -> Any:
        values = _args(ctx, args, (0, 1, 2), kind.__name__)
        if not values:
            return kind()
        data = values[0]
        if len(values) == 2 and type(data) is str and values[1] in ("latin1", "latin-1"):
            data = data.encode("latin-1")
        if type(data) not in (bytes, bytearray) or (len(values) == 2 and type(values[0]) is not str):
            raise refuse(ctx.budget, f"it builds {kind.__name__} from {arrays._short(values)}")
        ctx.budget.charge(len(data), f"a {kind.__name__}")
        return kind(data)

    return build


def _slice(ctx: Context, args: Any) -> slice:
    parts = _args(ctx, args, (1, 2, 3), "slice")
    if not all(p is None or type(p) is int for p in parts):
        raise refuse(ctx.budget, "it builds a slice of non-integers")
    return slice(*parts)


def _default_dict(ctx: Context, args: Any) -> dict:
    """``collections.defaultdict(factory)`` (a LightGBM wrapper's ``best_score``) as a plain dict:
    the factory is never called (items come from SETITEMS)."""
    if not isinstance(args, tuple) or len(args) > 1:
        raise refuse(ctx.budget, "it builds a defaultdict with arguments")
    return {}


def _ordered_dict(ctx: Context, args: Any) -> collections.OrderedDict:
    if args != ():
        raise refuse(ctx.budget, "it builds an OrderedDict with arguments")
    return collections.OrderedDict()


def call_class(ctx: Context, cls: type, args: Any) -> Any:
    """REDUCE on an admitted class: an Enum member, a Cython loss, a tree structure."""
    from nnconvert.io.allowlist import ARG_CLASSES

    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        (value,) = _args(ctx, args, 1, cls.__name__)
        if type(value) not in (str, int):
            raise refuse(ctx.budget, f"it looks up {cls.__name__} by a {type(value).__name__}")
        return cls(value)
    if f"{cls.__module__}.{cls.__qualname__}" in ARG_CLASSES:
        values = _args(ctx, args, (0, 1, 2), cls.__name__)
        if not all(type(v) in (int, float) for v in values):
            raise refuse(ctx.budget, f"it creates {cls.__name__} from {arrays._short(values)}")
        return cls(*values)
    if structures.is_tree(cls):
        return structures.new_tree(cls, _args(ctx, args, 3, "Tree"), ctx.budget)
    raise refuse(ctx.budget, f"it calls the class '{cls.__module__}.{cls.__qualname__}'")


def _cython_unpickle(ctx: Context, args: Any) -> Any:
    """Cython's ``__pyx_unpickle_<Class>(cls, checksum, state)``: ``cls()`` for the state-less
    classes admitted (``CyHalfMultinomialLoss``) and a seed sequence (state via BUILD)."""
    if not (isinstance(args, tuple) and len(args) == 3):
        raise corrupt(ctx.budget, "a Cython unpickle call")
    cls = _ref(ctx, args[0], "class")
    if cls is np.random.SeedSequence:
        return Pending(lambda state: structures.seed_sequence(state, ctx.budget), "a seed sequence")
    from nnconvert.io.allowlist import ARG_CLASSES

    if f"{cls.__module__}.{cls.__qualname__}" not in ARG_CLASSES or args[2] not in ((), None):
        raise refuse(ctx.budget, f"it unpickles {cls.__name__} with a state")
    return cls()


def _bit_generator(ctx: Context, args: Any) -> Any:
    (kind,) = args if isinstance(args, tuple) and len(args) == 1 else (None,)
    return structures.bit_generator(kind.target if isinstance(kind, GlobalRef) else ctx.value(kind), ctx.budget)


def _random_ctor(make: type) -> Callable[[Context, Any], Any]:
    def build(ctx: Context, args: Any) -> Any:
        if not (isinstance(args, tuple) and 1 <= len(args) <= 2):
            raise corrupt(ctx.budget, f"{make.__name__} arguments")
        first = args[0]
        if not isinstance(first, np.random.BitGenerator):
            first = _bit_generator(ctx, (first,))
        if len(args) == 2 and not (isinstance(args[1], GlobalRef) and args[1].name == "__bit_generator_ctor"):
            raise refuse(ctx.budget, f"it builds {make.__name__} with {_name(args[1])}")
        return make(first)

    return build


# scikit-learn's neighbour search trees and their distance metrics (Cython, ``newObj(cls)`` + state):
# the metric is rebuilt by name (its pickled state is only its ``p``), the tree from its validated
# training rows, leaf size and metric; the pickled node and index arrays are never used (a forged
# index would read outside the data when the tree is queried).
_METRICS = {"EuclideanDistance64": "euclidean", "ManhattanDistance64": "manhattan",
            "ChebyshevDistance64": "chebyshev", "MinkowskiDistance64": "minkowski"}  # fmt: skip


@dataclass(frozen=True)
class _MetricSpec:
    """A distance metric by name (and Minkowski ``p``), for rebuilding a neighbour tree."""

    name: str
    p: float


def _metric_new(ctx: Context, args: Any) -> Pending:
    if not (isinstance(args, tuple) and len(args) == 1):
        raise corrupt(ctx.budget, "a distance metric's arguments")
    cls = _ref(ctx, args[0], "class")
    name = _METRICS.get(getattr(cls, "__name__", ""))
    if name is None:
        raise refuse(ctx.budget, f"it builds the distance metric {_name(cls)}")

    def finish(state: Any) -> _MetricSpec:
        p = state[0] if isinstance(state, tuple) and state else None
        if not isinstance(p, float) or not (p >= 1):
            raise corrupt(ctx.budget, f"the {name} metric's state")
        return _MetricSpec(name, p)

    return Pending(finish, f"a {name} metric")


def _neighbor_tree_new(ctx: Context, args: Any) -> Pending:
    if not (isinstance(args, tuple) and len(args) == 1):
        raise corrupt(ctx.budget, "a neighbour tree's arguments")
    cls = _ref(ctx, args[0], "class")
    if getattr(cls, "__name__", "") not in ("KDTree", "BallTree"):
        raise refuse(ctx.budget, f"it builds {_name(cls)}")

    def finish(state: Any) -> Any:
        if not (isinstance(state, tuple) and len(state) == 13):
            raise corrupt(ctx.budget, f"the {cls.__name__} state")
        data, leaf_size, metric, weights = state[0], state[4], ctx.value(state[11]), state[12]
        if not (isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype == np.float64 and len(data)):
            raise corrupt(ctx.budget, f"the {cls.__name__} training rows")
        if type(leaf_size) is not int or leaf_size < 1 or not isinstance(metric, _MetricSpec) or weights is not None:
            raise corrupt(ctx.budget, f"the {cls.__name__} state")
        params = {"p": metric.p} if metric.name == "minkowski" else {}
        ctx.budget.charge(4 * data.nbytes, f"rebuilding the {cls.__name__}")
        return cls(data, leaf_size=leaf_size, metric=metric.name, **params)

    return Pending(finish, f"a {cls.__name__}")


_NUMPY = {
    "multiarray._reconstruct": _reconstruct,
    "multiarray.scalar": _scalar,
    "numeric._frombuffer": _frombuffer,
}
# fmt: off
CONSTRUCTORS: dict[tuple[str, str], Callable[[Context, Any], Any]] = {
    **{(f"{core}.{mod}", name): fn for core in ("numpy.core", "numpy._core")
       for key, fn in _NUMPY.items() for mod, name in [key.split(".")]},
    ("numpy", "dtype"): _dtype,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("_codecs", "encode"): _latin1, ("codecs", "encode"): _latin1,
    ("builtins", "set"): _from_items(set), ("builtins", "frozenset"): _from_items(frozenset),
    ("builtins", "bytes"): _bytes_like(bytes), ("builtins", "bytearray"): _bytes_like(bytearray),
    ("builtins", "slice"): _slice,
    ("collections", "OrderedDict"): _ordered_dict,
    ("collections", "defaultdict"): _default_dict,
    ("numpy.random._pickle", "__bit_generator_ctor"): _bit_generator,
    ("numpy.random._pickle", "__randomstate_ctor"): _random_ctor(np.random.RandomState),
    ("numpy.random._pickle", "__generator_ctor"): _random_ctor(np.random.Generator),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"): _cython_unpickle,
    ("numpy.ma.core", "_mareconstruct"): _mareconstruct,
    ("sklearn.metrics._dist_metrics", "newObj"): _metric_new,
    ("sklearn.neighbors._kd_tree", "newObj"): _neighbor_tree_new,
    ("sklearn.neighbors._ball_tree", "newObj"): _neighbor_tree_new,
    ("sklearn._loss._loss", "__pyx_unpickle_CyHalfMultinomialLoss"): _cython_unpickle,
}
# fmt: on
# ``__setstate__`` methods known to do no more than store the attributes (scikit-learn's
# version check; Bunch ignores its state; IsotonicRegression rebuilds its interpolator from
# its own threshold arrays; TreePredictor casts its nodes' feature_idx to intp).
KNOWN_SETSTATE = frozenset(
    {
        "sklearn.base.BaseEstimator.__setstate__",
        "sklearn.utils._bunch.Bunch.__setstate__",
        "sklearn.isotonic.IsotonicRegression.__setstate__",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor.__setstate__",
    }
)  # fmt: skip
_SETITEM_TYPES = (dict, collections.OrderedDict)


def call(ctx: Context, func: Any, args: Any) -> Any:
    """REDUCE ``func(*args)``, where ``func`` came from the file: only our constructors run."""
    if isinstance(func, GlobalRef) and func.kind == "constructor":
        return CONSTRUCTORS[(func.module, func.name)](ctx, args)
    if isinstance(func, GlobalRef) and func.kind == "class":
        return call_class(ctx, func.target, args)
    raise refuse(ctx.budget, f"it calls {_name(func)}")


def build(ctx: Context, obj: Any, state: Any) -> Any:
    """BUILD: finish a pending object, or give an instance we created its validated state."""
    if isinstance(obj, Pending):
        return obj.finish(state)
    if isinstance(obj, GlobalRef | type):
        raise refuse(ctx.budget, f"it sets attributes of the class {_name(obj)}")
    if type(obj) not in ctx.admitted:
        raise refuse(ctx.budget, f"it sets the state of a {type(obj).__name__}")
    handler = structures.state_handler(obj)
    if handler is not None:
        handler(obj, state, ctx.budget)
        return obj
    if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
        state = state[0]  # (dict, slots) as copyreg writes it for classes with __slots__
    if type(state) is not dict or not all(type(k) is str and k.isidentifier() for k in state):
        raise refuse(ctx.budget, f"it sets {type(obj).__name__} attributes from {arrays._short(state)[:40]}")
    # numpy's object dtype kept as an attribute (SimpleImputer's ``_fit_dtype`` on text) is only a
    # dtype: no array is made from it, so the marker becomes the real dtype here.
    state = {k: np.dtype(object) if v is arrays.OBJECT else v for k, v in state.items()}
    setstate = getattr(type(obj), "__setstate__", None)
    if setstate is None:
        obj.__dict__.update(state)
    elif f"{setstate.__module__}.{setstate.__qualname__}" in KNOWN_SETSTATE:
        setstate(obj, dict(state))
    else:
        raise refuse(ctx.budget, f"it sets the state of {type(obj).__name__} through its own __setstate__")
    structures.check_instance(obj, ctx.budget)
    return obj


def set_items(ctx: Context, obj: Any, pairs: list[tuple[Any, Any]]) -> None:
    """SETITEM(S) on a dict, an OrderedDict or an admitted dict subclass (``Bunch``)."""
    if not (isinstance(obj, _SETITEM_TYPES) and (type(obj) in _SETITEM_TYPES or type(obj) in ctx.admitted)):
        raise refuse(ctx.budget, f"it sets items of a {type(obj).__name__}")
    for key, value in pairs:
        if not isinstance(key, str | int | float | bytes | tuple | np.generic | type(None)):
            raise refuse(ctx.budget, f"it uses a {type(key).__name__} as a dict key")
        obj[key] = value
