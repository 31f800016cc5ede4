"""scikit-elm: ``scores = [X? | f_1(X C_1^T) | d(X, C_2) | ...] @ coef_ + intercept_``.

Mirrors scikit-elm 0.21a0:

- ``_BaseELM.predict`` (``skelm/elm.py``): ``H = hstack(hl.transform(X) for hl in hidden_layers_)``,
  with the raw features first when ``include_original_features``; then
  ``solver_.predict(H) = H @ coef_ + intercept_`` (``solver_batch.py``; 1-D for a 1-D target).
- ``HiddenLayer.transform`` (``hidden_layer.py``): ``ufunc_(projection_.transform(X))``, where the
  projection is ``X @ components_.T`` with no bias (Gaussian, or sparse when ``density`` is set:
  ``sklearn/random_projection.py``) and ``ufunc_`` is ``np.tanh``, ``scipy.special.expit``
  (``sigm``), ``max(x, 0)`` (``relu``) or the identity (``lin``/``None``). Pairwise layers
  (``pairwise_metric``) return ``pairwise_distances(X, components_)`` and ignore ``ufunc``.
  No input standardisation: skelm feeds X to the projections as given.
- ``ELMClassifier.predict``: ``label_binarizer_.inverse_transform(scores)``: ``classes_[argmax]``
  (multiclass), ``classes_[score > 0.5]`` (binary, 1-D score; threshold
  ``(pos_label + neg_label) / 2``), or ``(scores > 0.5)`` as a 0/1 matrix (multi-label).
  ``predict_proba``: ``expit(scores)``; binary ``[1 - p, p]``, otherwise each row divided by its sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

# sklearn.metrics.pairwise_distances metric names -> IR distance metrics.
_METRICS = {
    "euclidean": "euclidean",
    "l2": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "cityblock": "manhattan",
    "manhattan": "manhattan",
    "l1": "manhattan",
    "chebyshev": "chebyshev",
}

_PICKLE_SUPPORT = (
    "skelm.hidden_layer.HiddenLayer",
    "skelm.utils.HiddenLayerType",
    "skelm.utils.PairwiseRandomProjection",
    "skelm.utils.dummy",
    "skelm.solver_batch.BatchCholeskySolver",
    "sklearn.random_projection.GaussianRandomProjection",
    "sklearn.random_projection.SparseRandomProjection",
    "sklearn.preprocessing.LabelBinarizer",
    "scipy.sparse.csr_matrix",
    "scipy.special.expit",
    "numpy.tanh",
)


def _activation(hl: Any) -> str:
    """The IR activation equal to ``hl.ufunc_`` (compared by identity with skelm's own table)."""
    from scipy.special import expit
    from skelm.hidden_layer import ufuncs
    from skelm.utils import dummy

    fn = hl.ufunc_
    if fn is np.tanh:
        return "tanh"
    if fn is expit:
        return "sigmoid"
    if fn is ufuncs["relu"]:
        return "relu"
    if fn is dummy:
        return "identity"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    raise UnsupportedModel(
        f"scikit-elm hidden layer uses the custom function {getattr(fn, '__module__', '')}.{name}, which has no exact "
        "network form; supported ufunc: 'tanh', 'sigm', 'relu', 'lin'"
    )


def _hidden_layer(g: GraphBuilder, x: str, hl: Any, i: int) -> str:
    from skelm.utils import HiddenLayerType

    proj = hl.projection_
    components = proj.components_
    if hl.hidden_layer_ == HiddenLayerType.PAIRWISE:
        metric = proj.pairwise_metric
        if not isinstance(metric, str) or metric not in _METRICS:
            raise UnsupportedModel(
                f"scikit-elm pairwise_metric {metric!r} is not supported; supported: {', '.join(_METRICS)}"
            )
        src = {"centres": f"hidden_layers_[{i}].projection_.components_"}
        return g.distance(
            x, np.asarray(components, dtype=np.float64), _METRICS[metric], source=src, hint=f"pairwise{i}"
        )
    if hasattr(components, "toarray"):  # SparseRandomProjection (density): scipy sparse components
        components = components.toarray()
    src = {"weight": f"hidden_layers_[{i}].projection_.components_.T"}
    h = g.dense(x, np.asarray(components, dtype=np.float64).T, None, source=src, hint=f"projection{i}")
    fn = _activation(hl)
    return h if fn == "identity" else g.act(h, fn, hint=f"{fn}{i}")


def scores(est: Any, g: GraphBuilder, x: str) -> tuple[str, bool]:
    """``_BaseELM.predict``: the raw output scores, and whether they are 1-D."""
    parts = [_hidden_layer(g, x, hl, i) for i, hl in enumerate(est.hidden_layers_)]
    if est.include_original_features:
        parts = [x, *parts]
    hidden = g.concat(parts, hint="H")
    coef = np.asarray(est.solver_.coef_, dtype=np.float64)
    out = g.dense(
        hidden,
        coef,
        est.solver_.intercept_,
        source={"weight": "solver_.coef_", "bias": "solver_.intercept_"},
        hint="scores",
    )
    return out, coef.ndim == 1


@register(
    "skelm.ELMRegressor",
    "random projections -> tanh/sigm/relu/lin | distances (side by side) -> dense = predict",
    pickle_support=_PICKLE_SUPPORT,
)
def elm_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = H @ coef_ + intercept_`` (1-D when fitted on a 1-D target)."""
    out, one_d = scores(est, g, x)
    return {"predict": g.squeeze(out, hint="prediction") if one_d else out}


@register(
    "skelm.ELMClassifier",
    "random projections -> tanh/sigm/relu/lin | distances -> dense -> sigmoid (normalised) = predict_proba; "
    "threshold 0.5 / argmax -> classes_",
    pickle_support=_PICKLE_SUPPORT,
)
def elm_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict`` = ``label_binarizer_.inverse_transform(scores)``; ``predict_proba`` = ``expit``
    of the scores, ``[1 - p, p]`` when binary, else normalised by the row sum."""
    from sklearn.preprocessing import LabelBinarizer

    lb = est.label_binarizer_
    if type(lb) is not LabelBinarizer:
        raise UnsupportedModel(
            f"scikit-elm ELMClassifier with a {type(lb).__name__} (multi-output targets) is not supported"
        )
    out, one_d = scores(est, g, x)
    p = g.act(out, "sigmoid", hint="expit")
    threshold = (lb.pos_label + lb.neg_label) / 2.0
    if lb.y_type_ == "binary" and one_d:
        label = g.threshold_label(g.squeeze(out, hint="score"), est.classes_, threshold)
        return {"predict": label, "predict_proba": g.binary_proba(p)}
    proba = g.normalize(p)
    if lb.y_type_ == "multiclass":
        return {"predict": g.argmax_label(out, est.classes_), "predict_proba": proba}
    if lb.y_type_ == "multilabel-indicator":
        return {"predict": g.threshold_label(out, np.array([0, 1]), threshold), "predict_proba": proba}
    raise UnsupportedModel(f"scikit-elm ELMClassifier with target type {lb.y_type_!r} is not supported")
