"""The pickle allow-list: every global a supported model's pickle may ask for.

:func:`allowed` maps ``(module, name)`` as written in a pickle to the object it may load:
the registered model classes, the helper classes their pickles hold, numpy's and copyreg's
reconstructors, builtin data types and numpy ufuncs. Only our own list is ever imported;
:mod:`nnconvert.io.loading` looks a file's names up here *before* anything is imported.
"""

from __future__ import annotations

import functools
import inspect
import pickle
from typing import Any

import numpy as np

# Generic helper classes that pickles of supported scikit-learn models hold (found by
# pickling every conformance case): label binarizers, SGD loss objects
# (sklearn/linear_model/_sgd_fast.pyx), Cython/Python loss objects and their links
# (sklearn/_loss/), and CV splitters passed as ``cv=``. Classes only, never functions.
# fmt: off
_LOSSES = [
    "HalfSquaredError", "AbsoluteError", "PinballLoss", "HuberLoss", "HalfPoissonLoss", "HalfGammaLoss",
    "HalfTweedieLoss", "HalfTweedieLossIdentity", "HalfBinomialLoss", "ExponentialLoss", "HalfMultinomialLoss"
]
_SGD_LOSSES = [
    "Hinge", "SquaredHinge", "ModifiedHuber", "Log", "SquaredLoss", "Huber", "EpsilonInsensitive",
    "SquaredEpsilonInsensitive"
]
_LINKS = ["Interval", "IdentityLink", "LogLink", "LogitLink", "HalfLogitLink", "MultinomialLogit"]
_SPLITTERS = [
    "KFold", "StratifiedKFold", "RepeatedKFold", "RepeatedStratifiedKFold", "ShuffleSplit",
    "StratifiedShuffleSplit", "GroupKFold", "LeaveOneOut", "PredefinedSplit"
]
_SPARSE = [f"{f}_{k}" for f in ("csr", "csc", "coo", "bsr", "dia", "lil", "dok") for k in ("matrix", "array")]
_BIT_GENERATORS = ["MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64", "RandomState", "Generator", "SeedSequence"]
_SUPPORT_CLASSES = (
    "sklearn.preprocessing.LabelBinarizer",
    "sklearn.preprocessing.LabelEncoder",
    *(f"sklearn.linear_model._sgd_fast.{n}" for n in _SGD_LOSSES),
    *(f"sklearn._loss._loss.Cy{n}" for n in _LOSSES),
    *(f"sklearn._loss.loss.{n}" for n in _LOSSES),
    *(f"sklearn._loss.link.{n}" for n in _LINKS),
    *(f"sklearn.model_selection.{n}" for n in _SPLITTERS),
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.ma.MaskedArray",
    *(f"numpy.random.{n}" for n in _BIT_GENERATORS),
    *(f"scipy.sparse.{n}" for n in _SPARSE),
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "collections.OrderedDict",
)
# Data types a pickle may rebuild (pickle writes them as builtins / __builtin__ globals).
_BUILTINS = [
    "dict", "list", "tuple", "set", "frozenset", "slice", "range", "complex", "bytearray", "bytes", "str",
    "int", "float", "bool", "object"
]
# fmt: on


def _latin1_encode(obj: str, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocols <= 2 use it for ``bytes`` (pickle.py ``save_bytes``):
    latin-1 only, so no codec module can be looked up on a file's behalf."""
    if not isinstance(obj, str) or encoding.replace("-", "").replace("_", "").lower() != "latin1" or errors != "strict":
        raise pickle.UnpicklingError(f"refusing _codecs.encode({type(obj).__name__}, {encoding!r})")
    return obj.encode("latin-1")


def _reconstruction_functions() -> dict[tuple[str, str], Any]:
    """numpy's pickle reconstructors (numpy/_core/numeric.py ``_frombuffer`` for protocol 5,
    multiarray ``_reconstruct``/``scalar``, numpy/random/_pickle.py ctors), under the
    numpy 1.x (``numpy.core``) and 2.x (``numpy._core``) module names, plus
    ``copyreg._reconstructor`` (protocols 0-1; it only calls the classes it is given)."""
    import copyreg

    import numpy.random._pickle as random_pickle
    from numpy._core import multiarray, numeric
    from numpy.ma import core as ma_core
    from numpy.random import bit_generator

    table: dict[tuple[str, str], Any] = {("copyreg", "_reconstructor"): copyreg._reconstructor}
    for core in ("numpy.core", "numpy._core"):
        table[(f"{core}.multiarray", "_reconstruct")] = multiarray._reconstruct
        table[(f"{core}.multiarray", "scalar")] = multiarray.scalar
        table[(f"{core}.numeric", "_frombuffer")] = numeric._frombuffer
    table[("numpy.ma.core", "_mareconstruct")] = ma_core._mareconstruct
    for ctor in ("__bit_generator_ctor", "__generator_ctor", "__randomstate_ctor"):
        table[("numpy.random._pickle", ctor)] = getattr(random_pickle, ctor)
    table[("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence")] = bit_generator.__pyx_unpickle_SeedSequence
    for enc in ("_codecs", "codecs"):
        table[(enc, "encode")] = _latin1_encode
    return table


# Functions from these packages are never allowed, even when a converter declares one:
# they reach the OS, the import system or other unpicklers, or (numpy.load,
# sklearn.utils.*) are general helpers far beyond rebuilding data.
_NO_FUNCTIONS_FROM = frozenset(
    [
        "builtins",
        "os",
        "posix",
        "nt",
        "sys",
        "subprocess",
        "shutil",
        "io",
        "codecs",
        "_codecs",
        "importlib",
        "runpy",
        "code",
        "ctypes",
        "pickle",
        "_pickle",
        "marshal",
        "functools",
        "operator",
        "numpy",
        "scipy",
        "sklearn",
        "joblib",
        "skops",
        "nnconvert",
    ]
)


def _allowable(obj: Any) -> bool:
    """Classes and ufuncs; plain functions only from the model libraries (``skelm.utils.dummy``)."""
    if isinstance(obj, type | np.ufunc):
        return True
    return inspect.isfunction(obj) and obj.__module__.split(".")[0] not in _NO_FUNCTIONS_FROM


def _pickled_name(obj: Any) -> tuple[str, str]:
    """The ``(module, name)`` pickle writes for ``obj`` (pickle.py ``save_global``)."""
    if isinstance(obj, np.ufunc):  # scipy's ufuncs have no __module__; pickle searches for them
        return getattr(obj, "__module__", None) or pickle.whichmodule(obj, obj.__name__), obj.__name__
    return obj.__module__, obj.__qualname__


def allowed_globals(registry_paths: frozenset[str], root: str | None = None) -> dict[tuple[str, str], Any]:
    """``(module, name) -> object`` for every global a supported model's pickle may ask for.

    Each class is listed under its public path and under ``(cls.__module__, cls.__qualname__)``,
    the name pickle writes. Only our own list is imported here, never a file's names.
    """
    import builtins

    from nnconvert.converters.registry import resolve

    table = _reconstruction_functions()
    for name in _BUILTINS:
        table[("builtins", name)] = getattr(builtins, name)
    table[("builtins", "Ellipsis")] = Ellipsis
    table[("builtins", "NotImplemented")] = NotImplemented
    dtypes = (getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith("DType"))
    for kind in {*np.sctypeDict.values(), *dtypes}:  # scalar types (np.float64) and DType classes
        table[(kind.__module__, kind.__qualname__)] = kind
    for ufunc in (getattr(np, n) for n in dir(np)):
        if isinstance(ufunc, np.ufunc):  # pure arithmetic (np.tanh as a hidden activation, ...)
            table[("numpy", ufunc.__name__)] = ufunc
    for path in (*sorted(registry_paths), *_SUPPORT_CLASSES):
        if root is not None and path.split(".", 1)[0] != root:
            continue
        obj = resolve(path)
        if not _allowable(obj):
            continue  # library not installed, or a function nnconvert never lets a file call
        module, _, name = path.rpartition(".")
        table[(module, name)] = obj
        table[_pickled_name(obj)] = obj
    return table


@functools.cache
def _allowed_for(registry_paths: frozenset[str], root: str | None) -> dict[tuple[str, str], Any]:
    return allowed_globals(registry_paths, root)


def allowed(root: str | None = None) -> dict[tuple[str, str], Any]:
    """The allow-list; with ``root``, only the listed classes of that top-level package are
    resolved (so a scikit-learn pickle never imports scikit-elm and dask)."""
    from nnconvert.converters.registry import pickle_allow_list

    return _allowed_for(frozenset(pickle_allow_list()), root)
