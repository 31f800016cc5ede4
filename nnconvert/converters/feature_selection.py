"""Feature selectors: ``transform = x[:, get_support()]``, an exact Gather of the kept columns
(``sklearn/feature_selection/_base.py``: ``SelectorMixin.transform``). RFE and RFECV also
have the wrapped ``estimator_``'s methods on those columns (``_rfe.py``: ``predict(X) =
estimator_.predict(self.transform(X))``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import select_columns
from nnconvert.converters.registry import convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

_ARCH = "gather the columns of get_support() = transform"
# The univariate selectors pickle their score_func (these are scikit-learn's own).
_SCORES = tuple(
    f"sklearn.feature_selection._univariate_selection.{f}"
    for f in ("f_classif", "f_regression", "chi2", "r_regression")
)


def _selected(est: Any, g: GraphBuilder, x: str) -> str:
    support = np.flatnonzero(est.get_support())
    if support.size == 0:
        raise UnsupportedModel(f"{type(est).__name__} keeps no feature: its transform has no columns")
    g.summarize(
        type(est).__name__,
        f"{type(est).__name__}: keeps {support.size} of {g.width(x)} columns",
        kept=int(support.size),
    )
    cols = select_columns(g, x, support, what="get_support()", hint="selected")
    return g.act(cols, "identity", hint="selected") if cols == x else cols


@register("sklearn.feature_selection.VarianceThreshold", _ARCH)
@register("sklearn.feature_selection.SelectKBest", _ARCH, pickle_support=_SCORES)
@register("sklearn.feature_selection.SelectPercentile", _ARCH, pickle_support=_SCORES)
@register("sklearn.feature_selection.SelectFpr", _ARCH, pickle_support=_SCORES)
@register("sklearn.feature_selection.SelectFdr", _ARCH, pickle_support=_SCORES)
@register("sklearn.feature_selection.SelectFwe", _ARCH, pickle_support=_SCORES)
@register("sklearn.feature_selection.GenericUnivariateSelect", _ARCH, pickle_support=_SCORES)
@register("sklearn.feature_selection.SelectFromModel", _ARCH)
@register("sklearn.feature_selection.SequentialFeatureSelector", _ARCH)
def selector(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = x[:, support]``."""
    return {"transform": _selected(est, g, x)}


@register(
    "sklearn.feature_selection.RFE",
    _ARCH + "; estimator_'s network on those columns = predict, predict_proba, decision_function",
)
@register(
    "sklearn.feature_selection.RFECV",
    _ARCH + "; estimator_'s network on those columns = predict, predict_proba, decision_function",
)
def rfe(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = x[:, support_]``; ``predict`` etc. ``= estimator_.<method>(x[:, support_])``."""
    cols = _selected(est, g, x)
    out = {m: t for m, t in convert_into(est.estimator_, g, cols).items() if hasattr(est, m) and m != "transform"}
    return {"transform": cols, **out}
