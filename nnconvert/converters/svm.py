"""Kernel SVMs (libsvm): one kernel neuron per support vector, one neuron per class pair, votes.

Mirrors ``sklearn/svm/_base.py`` and ``svm_predict_values`` / ``svm_predict_probability`` in
``sklearn/svm/src/libsvm/svm.cpp``:

- pair ``p = (i, j)``: ``dec_p = sum_{s in i} dual_coef_[j-1, s] K(x, s) + sum_{s in j} dual_coef_[i, s] K(x, s)
  + intercept_[p]``; libsvm votes ``i`` iff ``dec_p > 0``; the first class with most votes wins;
- binary: scikit-learn negates ``dual_coef_``/``intercept_`` and the decision function, so
  ``predict = classes_[1]`` iff ``dec >= 0`` (libsvm's ``dec > 0`` votes class 0);
- ``decision_function_shape='ovr'`` (k > 2): ``_ovr_decision_function(dec < 0, -dec, k)`` in
  ``sklearn/utils/multiclass.py``: votes with ``dec >= 0`` plus ``c / (3 (|c| + 1))``;
- probabilities: Platt ``1 / (1 + exp(A dec + B))`` per pair, clipped to ``[1e-7, 1 - 1e-7]``,
  then ``multiclass_probability`` (the pairwise_coupling node), for k = 2 too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters.kernels import check_kernel, kernel_layer
from nnconvert.converters.registry import register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.coupling import PairwiseCoupling

_SVC = (
    "kernel neurons (1 per support vector) -> pair neurons (1 per class pair, dual_coef_/intercept_) "
    "-> step votes (libsvm: dec > 0 votes i) -> argmax; ovr: votes + softsign(conf)/3; "
    "probability: Platt sigmoids -> clip -> pairwise coupling"
)
_SVR = "kernel neurons (1 per support vector) -> dense (dual_coef_, intercept_) = predict"
_ONE_CLASS = (
    "kernel neurons (1 per support vector) -> dense = decision_function; + offset_ = score_samples; > 0 -> {-1, 1}"
)
_MIN_PROB = 1e-7  # svm_predict_probability's min_prob


def _dense_svs(est: Any) -> np.ndarray:
    sv = est.support_vectors_
    return np.asarray(sv.toarray() if hasattr(sv, "toarray") else sv, dtype=np.float64)


def _dense_coef(coef: Any) -> np.ndarray:
    return np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef, dtype=np.float64)


def _kernel(est: Any, g: GraphBuilder, x: str) -> str:
    """The hidden layer of kernel neurons over ``support_vectors_`` (fitted ``_gamma``)."""
    name = type(est).__name__
    kernel = check_kernel(est.kernel, name)
    sv = _dense_svs(est)
    if sv.shape[0] == 0:
        raise UnsupportedModel(f"{name} has no support vectors")
    return kernel_layer(g, x, sv, kernel, gamma=est._gamma, degree=est.degree, coef0=est.coef0, owner=name)


def _kernel_words(est: Any) -> tuple[str, dict[str, Any]]:
    """``"rbf, gamma=0.2"`` and the kernel's numbers (the fitted ``_gamma``, as libsvm uses it)."""
    facts: dict[str, Any] = {"kernel": str(est.kernel)}
    if est.kernel != "linear":
        facts["gamma"] = float(est._gamma)
    if est.kernel == "poly":
        facts["degree"] = int(est.degree)
    if est.kernel in ("poly", "sigmoid"):
        facts["coef0"] = float(est.coef0)
    words = ", ".join([facts["kernel"], *(f"{k}={v:.6g}" for k, v in facts.items() if k != "kernel")])
    return words, facts


def _summarize(est: Any, g: GraphBuilder, tail: str, **facts: Any) -> None:
    """Record ``<Class> <kernel>: <n> support vectors (kernel neurons) -> <tail>`` with its numbers."""
    name = type(est).__name__
    kernel, kfacts = _kernel_words(est)
    n_sv = int(_dense_svs(est).shape[0])
    neurons = "kernel neurons" if est.kernel != "linear" else "linear kernel neurons x.s, folded into the next layer"
    text = f"{name} {kernel}: {n_sv} support vector{'s' * (n_sv != 1)} ({neurons}) -> {tail}"
    g.summarize(name, text, **kfacts, support_vectors=n_sv, **facts)


def _summarize_svc(est: Any, g: GraphBuilder, classes: np.ndarray, proba: bool) -> None:
    k = len(classes)
    per_class = [int(n) for n in np.asarray(est._n_support)]
    shape = est.decision_function_shape
    if k == 2:
        tail = (
            f"1 pair neuron (classes {classes[0]} vs {classes[1]}; dual_coef_, intercept_) = decision_function "
            f"-> >= 0 -> {classes[1]}, else {classes[0]} = predict"
        )
    else:
        n_pairs = k * (k - 1) // 2
        rule = "argmax of the ovr decision (break_ties)" if est.break_ties else "argmax (ties to the lowest class)"
        tail = (
            f"{n_pairs} pair neurons (one per class pair) -> {k} vote neurons (libsvm ovo rule: dec > 0 votes "
            f"the first class of the pair) -> {rule} -> {k} classes = predict"
        )
        if shape == "ovr":
            tail += f"; decision_function: votes + confidence/3 ({k} ovr neurons)"
        else:
            tail += f"; decision_function: the {n_pairs} pair neurons (ovo)"
    if proba:
        n_pairs = k * (k - 1) // 2
        tail += f"; predict_proba: {n_pairs} Platt sigmoid{'s' * (n_pairs != 1)} -> clip -> libsvm pairwise coupling"
    _summarize(
        est, g, tail,
        support_per_class=per_class, classes=k, pairs=k * (k - 1) // 2,
        votes="libsvm ovo" if k > 2 else "sign", decision_function_shape=shape,
        break_ties=bool(est.break_ties), probability=proba,
    )  # fmt: skip


def ovo_weights(dual_coef: np.ndarray, n_support: np.ndarray) -> np.ndarray:
    """``W[s, p]``: the weight of support vector ``s`` in pair ``p`` (libsvm's sv_coef layout)."""
    k = len(n_support)
    start = np.concatenate([[0], np.cumsum(n_support)])
    W = np.zeros((dual_coef.shape[1], k * (k - 1) // 2))
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            si, sj = slice(start[i], start[i + 1]), slice(start[j], start[j + 1])
            W[si, p] = dual_coef[j - 1, si]
            W[sj, p] = dual_coef[i, sj]
            p += 1
    return W


def vote_matrices(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(V, b)``: ``votes = step(dec) @ V + b`` gives class i a vote where ``step = 1`` and j where 0;
    ``V`` is also the confidence map ``sum_conf = dec @ V`` of ``_ovr_decision_function``."""
    V = np.zeros((k * (k - 1) // 2, k))
    b = np.zeros(k)
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            V[p, i], V[p, j] = 1.0, -1.0
            b[j] += 1.0
            p += 1
    return V, b


def _has_proba(est: Any) -> bool:
    """``BaseSVC._check_proba`` and a fitted Platt model (``_probA``; ``probA_`` in old pickles)."""
    prob = getattr(est, "probability", False)
    if isinstance(prob, str) or not prob:
        return False
    return np.size(_platt(est)[0]) > 0


def _platt(est: Any) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(est, "_probA"):
        return np.asarray(est._probA, dtype=np.float64), np.asarray(est._probB, dtype=np.float64)
    d = vars(est)
    return np.asarray(d.get("probA_", []), dtype=np.float64), np.asarray(d.get("probB_", []), dtype=np.float64)


@register("sklearn.svm.SVC", _SVC)
@register("sklearn.svm.NuSVC", _SVC)
def svc(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """Votes of the one-vs-one pair neurons; see the module docstring for the exact rules."""
    classes = np.asarray(est.classes_)
    k = len(classes)
    shape = est.decision_function_shape
    if est.break_ties and shape == "ovo":
        raise UnsupportedModel("break_ties=True with decision_function_shape='ovo': scikit-learn's predict raises")
    K = _kernel(est, g, x)
    src = {"weight": "dual_coef_ (libsvm one-vs-one layout)", "bias": "intercept_"}
    out: dict[str, str] = {}
    if k == 2:
        # Public (sign-flipped) coefficients: dec = -(libsvm dec), exactly.
        dec2 = g.dense(K, _dense_coef(est.dual_coef_)[0][:, None], est.intercept_, source=src, hint="pair")
        out["decision_function"] = g.squeeze(dec2, hint="decision")
        out["predict"] = g.threshold_label(out["decision_function"], classes, strict=False)
        if _has_proba(est):
            A, B = _platt(est)
            # libsvm: r = 1 / (1 + exp(A dec_libsvm + B)) with dec_libsvm = -dec.
            z = g.dense(dec2, [[A[0]]], [-B[0]], source={"weight": "probA_", "bias": "-probB_"}, hint="platt_in")
            out["predict_proba"] = _couple(g, z, 2)
        _summarize_svc(est, g, classes, "predict_proba" in out)
        return out
    W = ovo_weights(_dense_coef(est._dual_coef_), np.asarray(est._n_support))
    dec = g.dense(K, W, est._intercept_, source=src, hint="pairs")
    V, b = vote_matrices(k)
    votes = g.dense(
        g.act(dec, "step_gt", hint="libsvm_vote"), V, b, source={"weight": "pair -> class votes"}, hint="votes"
    )
    if shape == "ovr":
        ge = g.act(dec, "step_ge", hint="ovr_vote")
        conf = g.act(g.dense(dec, V, np.zeros(k), hint="confidence_sum"), "softsign", hint="confidence")
        ovr = g.dense(g.concat([ge, conf]), np.vstack([V, np.eye(k) / 3.0]), b, hint="ovr_decision")
        out["decision_function"] = ovr
    else:
        out["decision_function"] = dec
        g.name_columns(dec, [f"{a}|{b}" for i, a in enumerate(classes) for b in classes[i + 1 :]])
    out["predict"] = g.argmax_label(ovr if (est.break_ties and shape == "ovr") else votes, classes)
    if _has_proba(est):
        A, B = _platt(est)
        z = g.dense(dec, np.diag(-A), -B, source={"weight": "-probA_", "bias": "-probB_"}, hint="platt_in")
        out["predict_proba"] = _couple(g, z, k)
    _summarize_svc(est, g, classes, "predict_proba" in out)
    return out


def _couple(g: GraphBuilder, platt_in: str, k: int) -> str:
    """Platt sigmoid, clip to ``[1e-7, 1 - 1e-7]``, libsvm's pairwise coupling."""
    r = g.act(g.act(platt_in, "sigmoid", hint="platt"), "clip", _MIN_PROB, 1 - _MIN_PROB, hint="pair_proba")
    return g.add(PairwiseCoupling, "proba", input=r, n_classes=k)


def _one_output(est: Any, g: GraphBuilder, K: str, *, hint: str) -> str:
    """The single output neuron of SVR / NuSVR / OneClassSVM: ``sum_s dual_coef_[0, s] K_s + intercept_``."""
    coef = _dense_coef(est.dual_coef_)[0][:, None]
    return g.dense(K, coef, est.intercept_, source={"weight": "dual_coef_", "bias": "intercept_"}, hint=hint)


@register("sklearn.svm.SVR", _SVR)
@register("sklearn.svm.NuSVR", _SVR)
def svr(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = sum_s dual_coef_[0, s] K(x, s) + intercept_``."""
    y = _one_output(est, g, _kernel(est, g, x), hint="prediction")
    _summarize(est, g, "1 output neuron (dual_coef_, intercept_) = predict", outputs=1)
    return {"predict": g.squeeze(y, hint="predicted")}


@register("sklearn.svm.OneClassSVM", _ONE_CLASS)
def one_class_svm(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``decision_function = sum_s dual_coef_ K + intercept_``; ``score_samples = decision + offset_``;
    ``predict = 1 if decision > 0 else -1`` (libsvm's ONE_CLASS rule)."""
    dec2 = _one_output(est, g, _kernel(est, g, x), hint="decision_2d")
    decision = g.squeeze(dec2, hint="decision")
    score = g.squeeze(
        g.dense(dec2, [[1.0]], np.atleast_1d(est.offset_), source={"bias": "offset_"}, hint="score_2d"), hint="score"
    )
    _summarize(
        est, g,
        "1 decision neuron (dual_coef_, intercept_) = decision_function; + offset_ = score_samples; "
        "> 0 -> 1 (inlier), else -1 (outlier) = predict",
        offset=float(np.asarray(est.offset_).ravel()[0]),
    )  # fmt: skip
    return {
        "decision_function": decision,
        "score_samples": score,
        "predict": g.threshold_label(decision, [-1, 1], strict=True),
    }
