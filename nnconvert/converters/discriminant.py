"""Discriminant analysis: linear (LDA) and quadratic (QDA) class-score neurons.

Mirrors ``sklearn/discriminant_analysis.py`` (scikit-learn 1.9.1):

- ``LinearDiscriminantAnalysis``: ``decision_function = x @ coef_.T + intercept_`` (1-D when
  binary), ``predict`` as every linear classifier (``> 0`` / argmax), ``predict_proba =
  [1 - s(z), s(z)]`` (binary) or ``softmax(z)``, ``transform = (x - xbar_) @ scalings_`` (solver
  'svd') or ``x @ scalings_`` ('eigen'), the first ``_max_components`` columns. The 'lsqr'
  solver has no transform (scikit-learn raises NotImplementedError), so neither has the network.
- ``QuadraticDiscriminantAnalysis``: ``s_k = -1/2 (|(x - means_k) (R_k S_k^-1/2)|^2 + sum log S_k) +
  log priors_k``, one quadratic neuron per class; ``decision_function = s`` (binary: ``s_1 - s_0``),
  ``predict = classes_[argmax s]``, ``predict_proba = softmax(s)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import affine, decision_outputs, softmax_proba
from nnconvert.converters._quadratic import block_diagonal, centred_copies, weighted_square_sums
from nnconvert.converters.registry import register
from nnconvert.ir.builder import GraphBuilder


def lda_transform(est: Any, g: GraphBuilder, x: str) -> str | None:
    """``LinearDiscriminantAnalysis.transform`` (None for the 'lsqr' solver, which has none)."""
    if est.solver == "lsqr":
        return None
    m = int(est._max_components)
    scalings = np.asarray(est.scalings_, dtype=np.float64)[:, :m]
    if est.solver == "svd":
        x = g.dense(
            x, np.eye(g.width(x)), -np.asarray(est.xbar_, dtype=np.float64), source={"bias": "-xbar_"}, hint="centred"
        )
    return g.dense(x, scalings, source={"weight": f"scalings_[:, :{m}]"}, hint="discriminants")


@register(
    "sklearn.discriminant_analysis.LinearDiscriminantAnalysis",
    "dense (1 neuron per class, 1 if binary) = decision_function -> sigmoid/softmax = predict_proba; "
    "argmax -> classes_; (x - xbar_) @ scalings_ = transform",
)
def linear_discriminant(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """Linear scores, their sigmoid/softmax, and the discriminant projection."""
    transform = lda_transform(est, g, x)
    scores = affine(g, x, est.coef_, est.intercept_)
    out = decision_outputs(g, scores, est.classes_)
    out["predict_proba"] = softmax_proba(g, scores)
    if transform is not None:
        out["transform"] = transform
    k, d = len(est.classes_), g.width(x)
    g.summarize(
        "LinearDiscriminantAnalysis",
        f"LinearDiscriminantAnalysis ({est.solver}), {k} classes, {d} features: {g.width(scores)} linear neurons "
        f"(coef_, intercept_) = decision_function -> {'sigmoid' if k == 2 else 'softmax'} = predict_proba"
        + (f"; {g.width(transform)} discriminant neurons = transform" if transform is not None else ""),
        classes=k, solver=str(est.solver),
        components=None if transform is None else g.width(transform),
    )  # fmt: skip
    return out


@register(
    "sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis",
    "quadratic neurons (1 per class: |(x - means_k) R_k S_k^-1/2|^2) -> argmax / softmax",
)
def quadratic_discriminant(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``s_k = -1/2 (|(x - m_k) R_k S_k^-1/2|^2 + sum log S_k) + log priors_k``."""
    means = np.asarray(est.means_, dtype=np.float64)
    k, d = means.shape
    whiten = [np.asarray(R) * (np.asarray(S) ** (-0.5)) for R, S in zip(est.rotations_, est.scalings_, strict=True)]
    u = g.dense(
        centred_copies(g, x, means, source="means_"),
        block_diagonal(whiten),
        source={"weight": "rotations_[k] * scalings_[k] ** -0.5"},
        hint="whitened",
    )
    log_det = np.array([np.sum(np.log(s)) for s in est.scalings_])
    scores = weighted_square_sums(
        g, u, [np.full(w.shape[1], -0.5) for w in whiten], -0.5 * log_det + np.log(est.priors_),
        source={"bias": "-sum log scalings_ / 2 + log priors_"}, hint="class_scores",
    )  # fmt: skip
    out: dict[str, str] = {
        "predict": g.argmax_label(scores, est.classes_),
        "predict_proba": g.act(scores, "softmax", hint="proba"),
    }
    if k == 2:
        out["decision_function"] = g.squeeze(g.dense(scores, [[-1.0], [1.0]], hint="log_ratio"), hint="decision")
    else:
        out["decision_function"] = scores
    g.summarize(
        "QuadraticDiscriminantAnalysis",
        f"QuadraticDiscriminantAnalysis, {k} classes, {d} features: {k} quadratic neurons "
        "-1/2 |(x - means_k) R_k S_k^-1/2|^2 + log prior = decision_function -> softmax = predict_proba, argmax = predict",
        classes=k,
    )
    return out
