"""CalibratedClassifierCV (method 'sigmoid' and 'isotonic'): the base network, then calibrators.

Mirrors ``sklearn/calibration.py::_CalibratedClassifier.predict_proba``: the base's response
(``decision_function`` if it has one, else ``predict_proba``; binary: the positive column)
feeds one calibrator per class column; sigmoid ``1 / (1 + exp(a T + b))``; isotonic the
piecewise-linear interpolation of ``IsotonicRegression(out_of_bounds='clip')``, written with
clipped ramp neurons ``y_0 + sum_s (y_{s+1} - y_s) clip((T - x_s) / (x_{s+1} - x_s), 0, 1)``.
Binary: ``[1 - p, p]``; multiclass: normalised (all-zero rows uniform); ``ensemble``: the mean
over ``calibrated_classifiers_``; ``predict = classes_[argmax]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import as_column, select_columns
from nnconvert.converters.registry import convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def _response(base: Any, g: GraphBuilder, x: str) -> str:
    """``_get_response_values(base, X, ['decision_function', 'predict_proba'])`` as ``[N, C]``."""
    out = convert_into(base, g, x)
    method = "decision_function" if hasattr(base, "decision_function") else "predict_proba"
    if method not in out:
        raise UnsupportedModel(f"the network of {type(base).__name__} has no {method}, which calibration reads")
    pred = as_column(g, out[method])
    if method == "predict_proba" and len(base.classes_) == 2:
        pred = select_columns(g, pred, [1], what="predict_proba[:, 1]", hint="positive_proba")
    return pred


def _sigmoids(g: GraphBuilder, pred: str, calibrators: list[Any]) -> str:
    n_in, n = g.width(pred), len(calibrators)
    W = np.zeros((n_in, n))
    W[np.arange(n), np.arange(n)] = [-float(c.a_) for c in calibrators]
    b = np.array([-float(c.b_) for c in calibrators])
    z = g.dense(pred, W, b, source={"weight": "-a_", "bias": "-b_"}, hint="calibration_in")
    return g.act(z, "sigmoid", hint="calibrated")


def _isotonic(g: GraphBuilder, pred: str, calibrators: list[Any]) -> str:
    n_in, n = g.width(pred), len(calibrators)
    cols, scales, biases, deltas, y0 = [], [], [], [], []
    for t, cal in enumerate(calibrators):
        if getattr(cal, "out_of_bounds", "clip") != "clip":
            raise UnsupportedModel(f"isotonic calibrator with out_of_bounds={cal.out_of_bounds!r}")
        xs = np.asarray(cal.X_thresholds_, dtype=np.float64)
        ys = np.asarray(cal.y_thresholds_, dtype=np.float64)
        y0.append(ys[0])
        for s in range(len(xs) - 1):
            w = xs[s + 1] - xs[s]
            cols.append(t)
            scales.append(1.0 / w)
            biases.append(-xs[s] / w)
            deltas.append(ys[s + 1] - ys[s])
    if not cols:  # every calibrator is constant
        return g.dense(pred, np.zeros((n_in, n)), y0, source={"bias": "y_thresholds_[0]"}, hint="calibrated")
    m = len(cols)
    W = np.zeros((n_in, m))
    W[cols, np.arange(m)] = scales
    ramps = g.act(
        g.dense(pred, W, biases, source={"weight": "1 / diff(X_thresholds_)", "bias": "-X_thresholds_ / diff"}, hint="isotonic_segments"),
        "clip", 0.0, 1.0, hint="isotonic_ramps",
    )  # fmt: skip
    D = np.zeros((m, n))
    D[np.arange(m), cols] = deltas
    return g.dense(
        ramps, D, y0, source={"weight": "diff(y_thresholds_)", "bias": "y_thresholds_[0]"}, hint="calibrated"
    )


def _one(cc: Any, g: GraphBuilder, x: str, classes: np.ndarray, method: str) -> str:
    base = cc.estimator
    if type(base).__name__ == "FrozenEstimator":
        base = base.estimator
    pred = _response(base, g, x)
    cals = list(cc.calibrators)[: g.width(pred)]  # zip() in predict_proba stops at the shorter
    cal = _sigmoids(g, pred, cals) if method == "sigmoid" else _isotonic(g, pred, cals)
    k = len(classes)
    if k == 2:
        return g.binary_proba(cal)
    pos = np.searchsorted(classes, np.asarray(base.classes_))  # LabelEncoder().fit(classes).transform
    M = np.zeros((len(cals), k))
    M[np.arange(len(cals)), pos[: len(cals)]] = 1.0
    return g.normalize(g.dense(cal, M, np.zeros(k), hint="class_proba"), zero_to_uniform=True)


@register(
    "sklearn.calibration.CalibratedClassifierCV",
    "base network -> per-class calibrators (sigmoid neuron | isotonic clipped ramps) -> normalise -> mean over folds; argmax",
    pickle_support=("sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
                    "sklearn.isotonic.IsotonicRegression", "sklearn.frozen._frozen.FrozenEstimator"),
)  # fmt: skip
def calibrated_classifier(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict_proba = mean_c calibrate_c(response_c(x))``; ``predict = classes_[argmax]``."""
    if est.method not in ("sigmoid", "isotonic"):
        raise UnsupportedModel(
            f"CalibratedClassifierCV(method={est.method!r}): its input check depends on the whole batch"
        )
    classes = np.asarray(est.classes_)
    probas = [_one(cc, g, x, classes, est.method) for cc in est.calibrated_classifiers_]
    k, n = len(classes), len(probas)
    base = est.calibrated_classifiers_[0].estimator
    n_cal = len(list(est.calibrated_classifiers_[0].calibrators))
    g.summarize(
        "CalibratedClassifierCV",
        f"CalibratedClassifierCV {est.method}: {n} base network{'s' * (n != 1)} ({type(base).__name__}, "
        f"{'ensemble of CV folds' if n > 1 else 'one fit on all data'}) -> {n_cal} {est.method} calibrator"
        f"{'s' * (n_cal != 1)} each -> {'[1 - p, p]' if k == 2 else 'normalise'}"
        f"{f' -> mean over {n}' if n > 1 else ''} = predict_proba -> argmax -> {k} classes = predict",
        method=str(est.method), base_networks=n, calibrators_per_network=n_cal, classes=k,
    )  # fmt: skip
    if n == 1:
        proba = probas[0]
    else:
        total = g.dense(g.concat(probas), np.vstack([np.eye(k)] * n), np.zeros(k), hint="proba_sum")
        proba = g.scale(total, 1.0 / n, 0.0, hint="proba")
    return {"predict_proba": proba, "predict": g.argmax_label(proba, classes)}
