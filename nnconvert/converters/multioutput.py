"""Multi-output wrappers and chains (``sklearn/multioutput.py``).

- MultiOutputRegressor / MultiOutputClassifier: one network per output on the same input;
  ``predict`` their predictions side by side (labels: one label column per output).
  ``predict_proba`` is a *list* of ``[N, k_i]`` arrays in scikit-learn; the network returns
  them side by side, ``[N, sum k_i]`` (``nnconvert.check.verify.reference_outputs`` joins the
  list the same way).
- ClassifierChain / RegressorChain: link ``i`` (target ``order_[i]``) reads ``[x | f_0 .. f_{i-1}]``,
  ``f_j`` link j's ``chain_method_`` response as floats (``_BaseChain._get_predictions``); the
  outputs, floats even for ``predict``, are put back in target order (``inv_order``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters._blocks import as_column, select_columns
from nnconvert.converters.registry import convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def _summary(g: GraphBuilder, est: Any, what: str) -> None:
    n, base = len(est.estimators_), type(est.estimators_[0]).__name__
    g.summarize(type(est).__name__, f"{type(est).__name__}: {n} {base} networks, {what}", outputs=n)


@register(
    "sklearn.multioutput.MultiOutputRegressor", "one network per target on the same inputs, side by side = predict"
)
def multi_output_regressor(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = [e_1.predict(x) | e_2.predict(x) | ...]``."""
    preds = [as_column(g, convert_into(e, g, x)["predict"]) for e in est.estimators_]
    _summary(g, est, "predictions side by side")
    return {"predict": g.concat(preds, hint="predictions")}


@register(
    "sklearn.multioutput.MultiOutputClassifier",
    "one network per output on the same inputs: label columns side by side = predict; probabilities side by side",
)
def multi_output_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict[:, i] = e_i.predict(x)``; ``predict_proba = [e_1.predict_proba(x) | ...]``."""
    outs = [convert_into(e, g, x) for e in est.estimators_]
    result = {"predict": g.add(ir.StackLabels, "labels", sources=tuple(o["predict"] for o in outs))}
    if all(hasattr(e, "predict_proba") for e in est.estimators_):
        result["predict_proba"] = g.concat([o["predict_proba"] for o in outs], hint="probabilities")
    _summary(
        g, est, "label columns side by side" + (", probabilities side by side" if "predict_proba" in result else "")
    )
    return result


def _label_values(g: GraphBuilder, labels: str, classes: np.ndarray) -> str:
    """Numeric labels as floats ``[N, 1]`` (``sum_c [label == c] c``: exact)."""
    if classes.dtype.kind not in "iufb":
        raise UnsupportedModel("ClassifierChain with non-numeric labels cannot feed its predictions to the next link")
    onehot = g.add(ir.LabelIndicator, "link_label", input=labels, classes=classes)
    return g.dense(onehot, classes.astype(np.float64)[:, None], source={"weight": "classes_"}, hint="link_prediction")


def _response(e: Any, g: GraphBuilder, out: dict[str, str], method: str) -> str:
    """``_get_response_values(e, X, method)`` as ``[N, 1]``: labels as numbers, the positive
    class's probability (log-probability), or the 1-D decision function."""
    if method == "predict":
        t = out["predict"]
        return _label_values(g, t, np.asarray(e.classes_)) if g.info(t).kind == "label" else as_column(g, t)
    source = "predict_proba" if method == "predict_log_proba" else method
    if source not in out:
        raise UnsupportedModel(f"the network of {type(e).__name__} has no {source}, which the chain reads")
    t = as_column(g, out[source])
    if source == "predict_proba":
        if g.width(t) != 2:
            raise UnsupportedModel("ClassifierChain links must be binary classifiers")
        t = select_columns(g, t, [1], what="predict_proba[:, 1]", hint="positive_proba")
    return g.act(t, "log") if method == "predict_log_proba" else t


@register(
    "sklearn.multioutput.ClassifierChain",
    "link i: its network on [x | earlier links' responses]; outputs in target order = predict, predict_proba, ...",
)
@register(
    "sklearn.multioutput.RegressorChain",
    "link i: its network on [x | earlier links' predictions]; outputs in target order = predict",
)
def chain(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """Each method ``m``: ``Y[:, inv_order]`` with ``Y[:, i] = e_i.m([x | f_0 .. f_{i-1}])``."""
    chain_method = getattr(est, "chain_method_", "predict")
    methods = [m for m in ("predict", "predict_proba", "decision_function") if hasattr(est, m)]
    features: list[str] = []
    columns: dict[str, list[str]] = {m: [] for m in methods}
    for e in est.estimators_:
        out = convert_into(e, g, g.concat([x, *features], hint="chain_input"))
        features.append(_response(e, g, out, chain_method))
        for m in methods:
            columns[m].append(_response(e, g, out, m))
    inv_order = np.argsort(np.asarray(est.order_))
    _summary(g, est, f"each reading the inputs and the earlier links' {chain_method}")
    return {
        m: select_columns(
            g, g.concat(cols, hint=f"chain_{m}"), inv_order, what="inverse of order_", hint=f"{m}_in_target_order"
        )
        for m, cols in columns.items()
    }
