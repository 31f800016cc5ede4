"""The converter registry: exact estimator class -> converter function.

A converter is a pure function ``(estimator, builder, x) -> {method: tensor}`` that adds the
estimator's neurons to ``builder`` reading tensor ``x``. Converters register under the
public dotted path of the class they handle (``"sklearn.svm.SVC"``), resolved lazily, so an
optional library (hpelm, scikit-elm) is imported only when a model of it is converted.
Lookup is by exact class: a subclass may override ``predict``. The family modules register
themselves here; the package ``nnconvert.converters`` imports them all, so whoever imports
this module (always through its package) sees every converter.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nnconvert import ir
from nnconvert.errors import NotFitted, UnsupportedModel
from nnconvert.ir.builder import ConversionOptions, GraphBuilder

Converter = Callable[[Any, GraphBuilder, str], Mapping[str, str]]


@dataclass(frozen=True)
class Entry:
    path: str  # public dotted path of the estimator class
    converter: Converter
    architecture: str  # one line: what the network looks like
    family: str  # the converter module's short name
    pickle_support: tuple[str, ...] = ()  # extra classes a pickled model of this kind holds


_ENTRIES: dict[str, Entry] = {}
_BY_CLASS: dict[type, Entry] | None = None
_REFUSED: dict[str, str] = {}  # public dotted path -> why it has no exact network
# public dotted path -> (the model object to convert, the reference object for verify), see adapt()
_ADAPTERS: dict[str, tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]] = {}


def register(path: str, architecture: str, *, pickle_support: tuple[str, ...] = ()) -> Callable[[Converter], Converter]:
    """Decorator: ``@register("sklearn.linear_model.LogisticRegression", "dense -> softmax")``.

    ``pickle_support`` names (as dotted paths) the helper classes that a pickle of this
    estimator contains besides the estimator itself (label binarizers, loss objects, ...):
    the allow-list unpickler accepts exactly these.
    """

    def deco(fn: Converter) -> Converter:
        global _BY_CLASS
        if path in _ENTRIES:
            raise ValueError(f"a converter for {path} is already registered")
        family = fn.__module__.rsplit(".", 1)[-1]
        _ENTRIES[path] = Entry(path, fn, architecture, family, tuple(pickle_support))
        _BY_CLASS = None
        return fn

    return deco


def refuse(path: str, reason: str) -> None:
    """Declare that the estimator at ``path`` has no exact network, and why (one sentence):
    converting one raises UnsupportedModel with ``reason`` instead of the generic message."""
    if path in _ENTRIES or path in _REFUSED:
        raise ValueError(f"{path} is already registered or refused")
    _REFUSED[path] = reason


def refusal(cls: type) -> str | None:
    """The declared reason why ``cls`` cannot be converted, if any (matched by public path or
    by the class's own module path, without importing anything)."""
    return next((reason for path, reason in _REFUSED.items() if _matches(cls, path)), None)


def _matches(cls: type, path: str) -> bool:
    """``cls`` is the class at public dotted ``path`` (by name, and its module or a submodule)."""
    module, _, name = path.rpartition(".")
    return cls.__name__ == name and (cls.__module__ == module or cls.__module__.startswith(module + "."))


_REFERENCE_DTYPES: dict[str, str] = {}  # public dotted path -> the dtype its library computes in


def declare_reference_dtype(path: str, dtype: str) -> None:
    """The estimator at ``path`` computes its outputs in ``dtype`` (``"float32"``: XGBoost), so
    they are checked with that dtype's tolerances (``nnconvert.check.verify.tolerance_for``)."""
    _REFERENCE_DTYPES[path] = dtype


def reference_dtype(path: str) -> str | None:
    return _REFERENCE_DTYPES.get(path)


# public dotted path -> (estimator, X) -> per-output, per-row slack of the estimator's own rounding
_REFERENCE_SLACK: dict[str, Callable[[Any, Any], Mapping[str, Any] | None]] = {}


def declare_reference_slack(path: str, fn: Callable[[Any, Any], Mapping[str, Any] | None]) -> None:
    """``fn(estimator, X)`` bounds, per output and row, how far the estimator's own rounding moves
    its outputs from the math the network computes (None where it does not); ``verify`` allows
    that much more on those rows and counts them apart
    (:attr:`nnconvert.check.verify.OutputReport.n_reference_rounding`)."""
    _REFERENCE_SLACK[path] = fn


def reference_slack(obj: Any) -> Callable[[Any, Any], Mapping[str, Any] | None] | None:
    """The slack function declared for ``obj``'s class (matched by public path or module path)."""
    return next((fn for path, fn in _REFERENCE_SLACK.items() if _matches(type(obj), path)), None)


def adapt(
    path: str, *, model: Callable[[Any], Any] | None = None, reference: Callable[[Any], Any] | None = None
) -> None:
    """Objects of the class at ``path`` are converted as ``model(obj)`` and checked against
    ``reference(obj)`` (an object with the estimator methods the network reproduces), e.g. a
    bare ``xgboost.Booster`` (no ``n_features_in_``, ``predict`` takes a ``DMatrix``). Matched by
    class name and module, without importing anything."""
    _ADAPTERS[path] = (model, reference)


def _adapter(obj: Any) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    cls = type(obj)
    for path, fns in _ADAPTERS.items():
        module, _, name = path.rpartition(".")
        if cls.__name__ == name and (cls.__module__ == module or cls.__module__.startswith(module.split(".")[0] + ".")):
            return fns
    return None, None


def resolve(path: str) -> type | None:
    """The class behind a dotted path, or None when its library is not installed."""
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def installed(path: str) -> bool:
    """Whether the library of a dotted class path is installed, told from its top-level package's
    spec without importing anything (importing scikit-elm alone loads dask: seconds)."""
    try:
        return importlib.util.find_spec(path.split(".", 1)[0]) is not None
    except (ImportError, ValueError):
        return False


def entries() -> list[Entry]:
    return sorted(_ENTRIES.values(), key=lambda e: (e.family, e.path))


def pickle_allow_list() -> set[str]:
    """Dotted paths of every class a supported model's pickle may hold (estimators + support)."""
    return {p for e in _ENTRIES.values() for p in (e.path, *e.pickle_support)}


def _by_class(cls: type) -> Entry | None:
    """The entry for exactly ``cls``. Only libraries already imported are resolved: an object
    of a class exists only once its module is loaded, so converting a scikit-learn model never
    pays for importing scikit-elm (and dask)."""
    global _BY_CLASS
    if _BY_CLASS is None:
        _BY_CLASS = {}
    if cls not in _BY_CLASS:
        # entries named like cls first (cheap: its package is loaded), every entry only if none
        # matches (importing every scikit-learn submodule costs a second or two)
        named = [e for e in _ENTRIES.values() if e.path.rsplit(".", 1)[-1] == cls.__name__]
        for entries_ in (named, _ENTRIES.values()):
            for entry in entries_:
                if entry.path.split(".", 1)[0] in sys.modules:
                    resolved = resolve(entry.path)
                    if resolved is not None:
                        _BY_CLASS[resolved] = entry
            if cls in _BY_CLASS:
                break
    return _BY_CLASS.get(cls)


def lookup(estimator: Any) -> Entry:
    entry = _by_class(type(estimator))
    if entry is None:
        reason = refusal(type(estimator))
        if reason is not None:
            raise UnsupportedModel(f"{type(estimator).__name__} is not supported: {reason}")
        names = ", ".join(sorted(e.path.rsplit(".", 1)[-1] for e in _ENTRIES.values()))
        cls = type(estimator)
        raise UnsupportedModel(f"{cls.__module__}.{cls.__qualname__} is not supported; supported: {names}")
    return entry


def check_fitted(estimator: Any) -> None:
    """Raise NotFitted for an unfitted scikit-learn estimator."""
    try:
        from sklearn.base import BaseEstimator
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        return
    if isinstance(estimator, BaseEstimator):
        try:
            check_is_fitted(estimator)
        except NotFittedError:
            raise NotFitted(f"this {type(estimator).__name__} is not fitted; fit it before converting") from None


def convert_into(estimator: Any, builder: GraphBuilder, x: str) -> dict[str, str]:
    """Add ``estimator``'s neurons to ``builder`` reading ``x`` (for composite converters)."""
    check_fitted(estimator)
    return dict(lookup(estimator).converter(estimator, builder, x))


def active_steps(pipeline: Any) -> list[tuple[str, Any]]:
    """A pipeline's ``(name, step)`` pairs that are estimators (``None``/``'passthrough'`` skipped)."""
    return [(n, s) for n, s in pipeline.steps if s is not None and not (isinstance(s, str) and s == "passthrough")]


def _first_step(pipeline: Any) -> Any:
    """The first step of a pipeline that is an estimator, or None."""
    steps = active_steps(pipeline)
    return steps[0][1] if steps else None


def n_features_of(estimator: Any) -> int:
    n = getattr(estimator, "n_features_in_", None)
    if n is None and hasattr(estimator, "steps"):
        first = _first_step(estimator)
        n = None if first is None else n_features_of(first)
    if n is None:
        n = getattr(estimator, "nnconvert_n_features", None)
    if n is None:
        n = getattr(estimator, "n_features_", None)  # scikit-elm's name for it
    if n is None and hasattr(estimator, "cv_results_") and not hasattr(estimator, "best_estimator_"):
        raise UnsupportedModel(f"{type(estimator).__name__}(refit=False) keeps no fitted model (no best_estimator_) to convert")  # fmt: skip
    if n is None:
        raise UnsupportedModel(f"cannot tell how many features {type(estimator).__name__} takes")
    return int(n)


def task_of(estimator: Any) -> str:
    from sklearn.base import is_classifier, is_outlier_detector, is_regressor

    if getattr(estimator, "nnconvert_task", None):
        return str(estimator.nnconvert_task)
    if is_classifier(estimator):
        return "classifier"
    if is_regressor(estimator):
        return "regressor"
    if is_outlier_detector(estimator):
        return "outlier_detector"
    return "transformer"


def metadata_of(estimator: Any, entry: Entry, builder: GraphBuilder) -> ir.Metadata:
    import sklearn

    classes = getattr(estimator, "classes_", None)
    if classes is not None and (isinstance(classes, list) or getattr(classes, "ndim", 1) != 1):
        classes = None  # multi-label / multi-output: classes_ is per output
    if classes is not None and getattr(classes, "size", 1) == 0:
        classes = None  # CatBoostRegressor.classes_ is an empty array
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and hasattr(estimator, "steps"):
        names = getattr(_first_step(estimator), "feature_names_in_", None)
    classes = None if classes is None else ir.as_classes(classes)
    return ir.Metadata(
        estimator=entry.path,
        task=task_of(estimator),
        sklearn_version=getattr(estimator, "_sklearn_version", None) or sklearn.__version__,
        classes=None if classes is None else tuple(classes.tolist()),
        classes_dtype=None if classes is None else ir.label_dtype(classes),
        feature_names=None if names is None else tuple(str(n) for n in names),
        description=entry.architecture,
        extra={
            **_composition(estimator),
            **({"summary": builder.summaries} if builder.summaries else {}),
            **({"accepts_missing": True} if builder.missing_values and _allows_nan(estimator) else {}),
        },
    )


def _allows_nan(estimator: Any) -> bool:
    """scikit-learn's ``input_tags.allow_nan`` of the estimator converted (NaN is then data)."""
    if hasattr(estimator, "nnconvert_allows_nan"):  # nnconvert's own model classes say so themselves
        return bool(estimator.nnconvert_allows_nan)
    # scikit-learn tags a ColumnTransformer as refusing NaN whatever its branches do: it takes NaN in
    # the columns of a branch that does (an imputer, trees), so its claim is its branches' (a NaN in
    # another branch's column makes the estimator itself raise, which verify reports). A Pipeline or
    # a search takes the claim of what reads the input first.
    branches = getattr(estimator, "transformers_", None)
    if branches is not None:
        return any(_allows_nan(t) for _, t, _ in branches if not isinstance(t, str))
    best = getattr(estimator, "best_estimator_", None)
    if best is not None:
        return _allows_nan(best)
    if hasattr(estimator, "steps"):
        active = [s for _, s in estimator.steps if s is not None and not isinstance(s, str)]
        if active:
            return _allows_nan(active[0])
    regressor = getattr(estimator, "regressor_", None)  # TransformedTargetRegressor
    if regressor is not None:
        return _allows_nan(regressor)
    try:
        from sklearn.utils import get_tags

        return bool(get_tags(estimator).input_tags.allow_nan)
    except Exception:  # not a scikit-learn estimator: no claim
        return False


def _composition(estimator: Any) -> dict[str, Any]:
    """For pipelines, the class names of the steps that hold neurons (shown by inspect/draw)."""
    steps = getattr(estimator, "steps", None)
    if not steps:
        return {}
    return {"steps": [type(s).__name__ for _, s in active_steps(estimator)]}


def as_model(obj: Any) -> Any:
    """Plain saved-model containers -> the wrapper class registered for them: the dict that
    hpelm's ``save()`` writes becomes ``HpelmModel`` (no hpelm needed). Anything else as is."""
    if type(obj).__name__ == "Booster" and type(obj).__module__ == "lightgbm.basic":
        from nnconvert.converters.lightgbm_trees import model_of

        return model_of(obj)  # a bare Booster converts as its model text
    if type(obj) is dict:
        from nnconvert.converters.hpelm import HpelmModel, is_saved_model

        if is_saved_model(obj):
            return HpelmModel.from_saved(obj)
        raise UnsupportedModel(f"a dict with keys {sorted(map(str, obj))[:8]} is not a supported model file")
    model, _ = _adapter(obj)
    return obj if model is None else model(obj)


def reference_of(obj: Any) -> Any:
    """The object whose methods are the reference for ``obj``: an hpelm ``save()`` dict is
    rebuilt into a live hpelm model (``HpelmReference``; needs hpelm); an object with an
    ``nnconvert_reference()`` (a LightGBM model text) gives its library's model. Anything else as is."""
    if callable(getattr(obj, "nnconvert_reference", None)):
        return obj.nnconvert_reference()
    if type(obj) is dict:
        from nnconvert.converters.hpelm import HpelmReference

        as_model(obj)  # raises for dicts that are not hpelm files
        return HpelmReference.from_saved(obj)
    _, reference = _adapter(obj)
    return obj if reference is None else reference(obj)


def convert(estimator: Any, options: ConversionOptions | None = None) -> ir.Network:
    """Build the (unsimplified) network of a fitted, supported estimator."""
    estimator = as_model(estimator)
    entry = lookup(estimator)
    check_fitted(estimator)
    builder = GraphBuilder(n_features_of(estimator), options)
    outputs = entry.converter(estimator, builder, builder.input)
    meta = metadata_of(estimator, entry, builder)
    columns = {m: builder.column_names[t] for m, t in outputs.items() if t in builder.column_names}
    if columns:
        meta = dataclasses.replace(meta, extra={**meta.extra, "columns": columns})
    inner = {t: names for t, names in builder.column_names.items() if t not in outputs.values()}
    if inner:  # what the neurons of inner layers stand for (one-hot ``city=Paris``), for draw and explain
        meta = dataclasses.replace(meta, extra={**meta.extra, "tensor_columns": inner})
    if builder.none_missing:  # which string columns' missing cells the estimator knows as None
        names = meta.feature_names or tuple(f"x{c}" for c in range(builder.n_features))
        meta = dataclasses.replace(
            meta, extra={**meta.extra, "missing_none": sorted(names[c] for c in builder.none_missing)}
        )
    net = builder.build(outputs, meta)
    if builder.string_vocab:  # string columns: named inputs (nnconvert.convert keeps the used ones)
        from nnconvert.runtime.columns import column_inputs

        net = net.replace(inputs=column_inputs(net, meta.feature_names, builder.string_vocab))
    return net
