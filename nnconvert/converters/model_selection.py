"""Hyper-parameter searches: the network of ``best_estimator_``, the model refitted on all the
data that the search's ``predict`` etc. delegate to (``sklearn/model_selection/_search.py``,
``BaseSearchCV.predict``). Without ``refit`` there is no model to convert."""

from __future__ import annotations

from typing import Any

from nnconvert.converters.registry import convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_ARCH = "the network of best_estimator_ (the best candidate refitted on all data)"
# What a fitted search pickles besides estimators: its default scorer and the CV splitter.
_SUPPORT = (
    "sklearn.metrics._scorer._PassthroughScorer",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
)


@register("sklearn.model_selection.GridSearchCV", _ARCH, pickle_support=_SUPPORT)
@register("sklearn.model_selection.RandomizedSearchCV", _ARCH, pickle_support=_SUPPORT)
@register("sklearn.model_selection._search_successive_halving.HalvingGridSearchCV", _ARCH, pickle_support=_SUPPORT)
@register("sklearn.model_selection._search_successive_halving.HalvingRandomSearchCV", _ARCH, pickle_support=_SUPPORT)
def search_cv(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """Every method of the search is ``best_estimator_``'s (those the search exposes)."""
    name = type(est).__name__
    if not getattr(est, "refit", False) or not hasattr(est, "best_estimator_"):
        raise UnsupportedModel(f"{name}(refit=False) keeps no fitted model (no best_estimator_) to convert")
    best = est.best_estimator_
    out = convert_into(best, g, x)
    params = ", ".join(f"{k}={v!r}" for k, v in sorted(est.best_params_.items()))
    g.summarize(
        name,
        f"{name}: converts best_estimator_ {type(best).__name__} ({params or 'default parameters'}) "
        f"chosen among {len(est.cv_results_['params'])} candidates",
        candidates=len(est.cv_results_["params"]),
    )
    return {m: t for m, t in out.items() if hasattr(est, m)}
