"""What a model file may name, by name only: nothing a file names is ever imported.

A pickle or skops file names globals as ``(module, name)``. The loader looks each up here
*before* anything is imported; only nnconvert's own lists below are ever resolved.
There are three kinds of admitted names, and nothing else:

- **classes** (:attr:`AllowList.classes`): the registered estimators (a few read as nnconvert's own
  class, :data:`READ_AS`: CatBoost's), the tree/ensemble
  models in :data:`KNOWN_CLASSES`, and the helper classes their pickles hold
  (:data:`SUPPORT_CLASSES`, found by pickling every conformance case and every
  tree/ensemble model with each protocol and joblib). The loader creates them only as
  ``cls.__new__(cls)`` plus a validated state (:mod:`nnconvert.io.objects`); they are never
  called with a file's arguments, except the Cython helpers of :data:`ARG_CLASSES`;
- **values** (:attr:`AllowList.values`): type objects (numpy scalar types such as
  ``numpy.float64`` stored as a ``dtype=`` parameter, ``builtins.int``) and the three
  functions that scikit-elm keeps as its hidden-layer activation (``ufunc_``:
  ``numpy.tanh``, ``scipy.special.expit``, ``skelm.utils.dummy``), KMeans' algorithm function and
  the univariate selectors' score functions (:data:`VALUE_FUNCTIONS`). The loader never calls a
  value; it is only stored where the file puts it (the model calls its own ``ufunc_`` when it
  predicts, which is what such a model is);
- **constructors**: nnconvert's own functions keyed by the names numpy, copyreg and pickle
  write (``numpy._core.multiarray._reconstruct``, ``numpy.dtype``, ``copyreg._reconstructor``,
  ...), in :data:`nnconvert.io.objects.CONSTRUCTORS`. The named function itself never runs.

A name in none of these is either a class of a well-known ML library that nnconvert cannot
convert (:func:`known_unsupported`: "not supported", exit 1) or untrusted (exit 2). A supported
class whose library is not installed (an ``XGBClassifier`` pickle without xgboost) is told by
:func:`missing_library`: one line saying what to install, or to use the library's own model file.
XGBoost's wrappers and ``xgboost.core.Booster`` are admitted by their converter
(:mod:`nnconvert.converters.xgboost_trees`); a Booster's state is its model's bytes, parsed by
nnconvert (``structures.state_handler``), never handed to its own ``__setstate__`` unchecked.
"""

from __future__ import annotations

import _compat_pickle
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# fmt: off
# Tree and ensemble models: loadable (their converters land on another branch), one table.
KNOWN_CLASSES: tuple[str, ...] = (
    *(f"sklearn.tree.{n}" for n in (
        "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor")),
    *(f"sklearn.ensemble.{n}" for n in (
        "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
        "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor", "IsolationForest", "AdaBoostClassifier", "AdaBoostRegressor",
        "BaggingClassifier", "BaggingRegressor", "VotingClassifier", "VotingRegressor",
        "StackingClassifier", "StackingRegressor")),
)
_LOSSES = (
    "HalfSquaredError", "AbsoluteError", "PinballLoss", "HuberLoss", "HalfPoissonLoss", "HalfGammaLoss",
    "HalfTweedieLoss", "HalfTweedieLossIdentity", "HalfBinomialLoss", "ExponentialLoss", "HalfMultinomialLoss",
)
_SGD_LOSSES = (
    "Hinge", "SquaredHinge", "ModifiedHuber", "Log", "SquaredLoss", "Huber", "EpsilonInsensitive",
    "SquaredEpsilonInsensitive",
)
# Cython classes that pickle as ``(cls, (number, ...))``: scikit-learn's loss objects.
ARG_CLASSES: tuple[str, ...] = (
    *(f"sklearn.linear_model._sgd_fast.{n}" for n in _SGD_LOSSES),
    *(f"sklearn._loss._loss.Cy{n}" for n in _LOSSES),
)
# Helper classes inside pickles of supported and known models (label encoders, Python loss
# objects and links, optimisers, tree structures, dummy initial estimators, bunches, sparse
# matrices, random generators). Registered converters add theirs with ``pickle_support``.
SUPPORT_CLASSES: tuple[str, ...] = (
    "sklearn.preprocessing.LabelBinarizer", "sklearn.preprocessing.LabelEncoder",
    "numpy.ma.core.MaskedArray",  # only through _mareconstruct (GridSearchCV cv_results_ columns)
    *ARG_CLASSES,
    *(f"sklearn._loss.loss.{n}" for n in _LOSSES),
    *(f"sklearn._loss.link.{n}" for n in (
        "Interval", "IdentityLink", "LogLink", "LogitLink", "HalfLogitLink", "MultinomialLogit")),
    "sklearn.tree._tree.Tree", "sklearn.dummy.DummyClassifier", "sklearn.dummy.DummyRegressor",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.utils._bunch.Bunch",
    *(f"scipy.sparse.{f}_{k}" for f in ("csr", "csc", "coo") for k in ("matrix", "array")),
    *(f"numpy.random.{n}" for n in ("MT19937", "PCG64", "PCG64DXSM", "RandomState", "Generator", "SeedSequence")),
)
# Values a file may store but never have called (see the module docstring).
# scipy's ufuncs carry no __module__: expit is listed under the module pickle finds it in.
VALUE_FUNCTIONS: tuple[str, ...] = (
    "numpy.tanh", "scipy.special.expit", "scipy.special._special_ufuncs.expit", "skelm.utils.dummy",
    # KMeans keeps its algorithm as a function reference (``_kmeans_single_lloyd`` / ``_elkan``); the
    # univariate selectors keep their score function: stored, never called at predict time.
    "sklearn.cluster._kmeans._kmeans_single_lloyd", "sklearn.cluster._kmeans._kmeans_single_elkan",
    *(f"sklearn.feature_selection._univariate_selection.{n}" for n in (
        "f_classif", "f_regression", "chi2", "r_regression", "mutual_info_classif", "mutual_info_regression",
    )),
    # scipy's BSpline (SplineTransformer.bsplines_) keeps its array namespace's asarray.
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
)
# Classes read as nnconvert's own: a pickled CatBoost model is its parameters plus CatBoost's binary
# model, which nnconvert parses itself (nnconvert.io.native.catboost_model); CatBoost never runs.
READ_AS: dict[str, str] = {
    f"catboost{module}.{name}": f"nnconvert.io.native.catboost_model.{target}"
    for module in ("", ".core")
    for name, target in (("CatBoostClassifier", "CatBoostClassification"), ("CatBoostRegressor", "CatBoostRegression"))
}
_BUILTIN_TYPES = ("int", "float", "str", "bool", "complex", "bytes", "tuple", "list", "dict", "object")
# Libraries whose classes are well known: a class of theirs without a converter is "not
# supported" (exit 1), not an attack. Told by name; never imported, never admitted.
KNOWN_LIBRARIES = frozenset({
    "sklearn", "xgboost", "lightgbm", "catboost", "skelm", "hpelm", "imblearn", "ngboost", "interpret",
})
# fmt: on
_CLASS_NAME = re.compile(r"_?[A-Z][A-Za-z0-9_]*")


def normalise(module: str, name: str) -> tuple[str, str]:
    """Python 2 names (``__builtin__``, ``copy_reg``) as Python 3's, like ``pickle``'s
    ``fix_imports``; pure table lookups."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


# Libraries whose pickles nnconvert reads once they are installed (their classes are admitted by
# their converters' ``register`` / ``pickle_support``), and what to tell a user without them.
LIBRARY_HINTS: dict[str, str] = {
    "xgboost": "install xgboost (pip install 'nnconvert[boosters]') to read its pickles, or convert the model's own "
    "file (Booster.save_model('model.ubj') or '.json'), which needs no xgboost",
    "lightgbm": "install lightgbm (pip install 'nnconvert[boosters]') to read its pickles, or convert the model's own "
    "text file (Booster.save_model('model.txt')), which needs no lightgbm",
}


def missing_library(module: str, name: str) -> str | None:
    """The hint of :data:`LIBRARY_HINTS` when ``module.name`` is a class nnconvert supports from a
    library that is not installed (told from the package spec; nothing is imported)."""
    import importlib.util
    import sys

    root = module.split(".", 1)[0]
    if root not in LIBRARY_HINTS or not _CLASS_NAME.fullmatch(name):
        return None
    try:
        found = sys.modules.get(root, True) is not None and importlib.util.find_spec(root) is not None
    except (ImportError, ValueError, AttributeError):
        found = False
    return None if found else LIBRARY_HINTS[root]


def known_unsupported(module: str, name: str) -> bool:
    """Whether ``module.name`` reads as a class of a well-known ML library (by name only)."""
    return module.split(".", 1)[0] in KNOWN_LIBRARIES and bool(_CLASS_NAME.fullmatch(name))


@dataclass(frozen=True)
class AllowList:
    """``(module, name)`` -> the admitted class / value, under every name a pickle may write."""

    classes: dict[tuple[str, str], type] = field(default_factory=dict)
    values: dict[tuple[str, str], Any] = field(default_factory=dict)

    def admitted_types(self) -> frozenset[type]:
        return frozenset(self.classes.values())


def _resolve(path: str) -> Any:
    from nnconvert.converters.registry import resolve

    return resolve(path)


def _names(obj: Any, path: str) -> list[tuple[str, str]]:
    """The public path and the ``(module, qualname)`` pickle writes (pickle.py ``save_global``)."""
    module, _, name = path.rpartition(".")
    written = getattr(obj, "__module__", None) or module
    return [(module, name), (written, getattr(obj, "__qualname__", name))]


def _build(registry_paths: frozenset[str], root: str | None) -> AllowList:
    import builtins

    allow = AllowList()
    for name in _BUILTIN_TYPES:
        allow.values[("builtins", name)] = getattr(builtins, name)
    allow.values[("numpy", "ndarray")] = np.ndarray  # named by numpy's _reconstruct and joblib's wrapper
    for kind in set(np.sctypeDict.values()):  # numpy.float64, numpy.int64, numpy.str_ ...
        allow.values[(kind.__module__, kind.__qualname__)] = kind
    for path in (*sorted(registry_paths), *KNOWN_CLASSES, *SUPPORT_CLASSES, *VALUE_FUNCTIONS):
        if root is not None and path.split(".", 1)[0] != root:
            continue
        obj = _resolve(path)
        if obj is None:
            continue  # library not installed
        table = allow.classes if isinstance(obj, type) and path not in VALUE_FUNCTIONS else allow.values
        for key in _names(obj, path):
            table[key] = obj
            if isinstance(obj, type):
                allow.values[key] = obj  # an admitted class may also be stored as a value
    for path, target in READ_AS.items():
        if root is None or path.split(".", 1)[0] == root:
            module, _, name = path.rpartition(".")
            allow.classes[(module, name)] = _resolve(target)
            allow.values.pop((module, name), None)
    return allow


@functools.cache
def _allowed_for(registry_paths: frozenset[str], root: str | None) -> AllowList:
    return _build(registry_paths, root)


def allowed(root: str | None = None) -> AllowList:
    """The allow-list; with ``root``, only the listed names of that top-level package are
    resolved (so a scikit-learn pickle never imports scikit-elm and dask)."""
    from nnconvert.converters.registry import pickle_allow_list

    return _allowed_for(frozenset(pickle_allow_list()), root)


@functools.cache
def _listed_names(registry_paths: frozenset[str], root: str) -> frozenset[str]:
    """The class/function names of every listed path under ``root`` (text only, nothing imported)."""
    paths = (*registry_paths, *KNOWN_CLASSES, *SUPPORT_CLASSES, *VALUE_FUNCTIONS)
    return frozenset(p.rsplit(".", 1)[-1] for p in paths if p.split(".", 1)[0] == root)


def lookup(module: str, name: str) -> tuple[str, Any] | None:
    """``("class", cls)``, ``("value", obj)`` or None for a name as written in a file. A name
    of a well-known library that no listed path carries is None without importing the library."""
    from nnconvert.converters.registry import pickle_allow_list

    module, name = normalise(module, name)
    root = module.split(".", 1)[0]
    if root in KNOWN_LIBRARIES and name.rsplit(".", 1)[-1] not in _listed_names(frozenset(pickle_allow_list()), root):
        return None
    allow = allowed(root)
    if (module, name) in allow.classes:
        return "class", allow.classes[(module, name)]
    if (module, name) in allow.values:
        return "value", allow.values[(module, name)]
    return None
