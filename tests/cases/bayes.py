"""Cases for naive Bayes and discriminant analysis (alone and after scalers)."""

from __future__ import annotations

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.cases import Case, blobs, classes_of


def _continuous(name: str, make_est, n_classes: int, labels: str, *, scaled: bool = False, offset: float = 0.0) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=240, seed=60 + n_classes)
        est = make_est()
        if scaled:
            est = make_pipeline(StandardScaler(), est)
        return est.fit(X + offset, classes_of(labels, n_classes)[y]), X_eval + offset

    return Case(f"{name}-{n_classes}cls-{labels}" + ("-scaled" if scaled else "") + ("-offset" if offset else ""), make)


def _counts(name: str, make_est, n_classes: int, labels: str, *, binary: bool = False) -> Case:
    """Count data (MultinomialNB, ComplementNB, BernoulliNB on counts), or 0/1 data with ``binary``."""

    def make():
        rng = np.random.default_rng(70 + n_classes)
        rates = rng.uniform(0.2, 4.0, size=(n_classes, 6))
        y = rng.integers(0, n_classes, 300)
        X = rng.poisson(rates[y]).astype(float)
        X_eval = rng.poisson(rates[rng.integers(0, n_classes, 200)]).astype(float)
        if binary:
            X, X_eval = (X > 1).astype(float), (X_eval > 1).astype(float)
        return make_est().fit(X, classes_of(labels, n_classes)[y]), np.vstack([X_eval, X_eval[:40] + 0.5])

    return Case(f"{name}-{n_classes}cls-{labels}", make)


def _categorical(n_classes: int, labels: str, **kw) -> Case:
    def make():
        rng = np.random.default_rng(80 + n_classes)
        n_cat = [3, 5, 2, 4]
        y = rng.integers(0, n_classes, 300)
        X = np.column_stack([(rng.integers(0, n, 300) + y * (i % 2)) % n for i, n in enumerate(n_cat)]).astype(float)
        X_eval = np.column_stack([rng.integers(0, n, 150) for n in n_cat]).astype(float)
        return CategoricalNB(**kw).fit(X, classes_of(labels, n_classes)[y]), X_eval

    return Case(f"CategoricalNB-{n_classes}cls-{labels}" + "".join(f"-{k}" for k in kw), make)


CASES: list[Case] = [
    *[_continuous("GaussianNB", GaussianNB, n, lab) for n, lab in ((2, "int"), (3, "wild"), (4, "str"))],
    _continuous("GaussianNB", lambda: GaussianNB(var_smoothing=1e-3), 3, "str", scaled=True),
    _continuous("GaussianNB", GaussianNB, 3, "int", offset=1e3),
    *[
        _counts(n, c, k, lab)
        for n, c in (("MultinomialNB", MultinomialNB), ("ComplementNB", ComplementNB))
        for k, lab in ((2, "int"), (3, "str"))
    ],
    _counts("ComplementNB-norm", lambda: ComplementNB(norm=True), 4, "wild"),
    _counts("BernoulliNB-binarize", lambda: BernoulliNB(binarize=1.5), 3, "str"),
    _continuous("BernoulliNB", lambda: BernoulliNB(binarize=0.0), 2, "int"),
    _counts("BernoulliNB-nobinarize", lambda: BernoulliNB(binarize=None), 2, "wild", binary=True),
    _categorical(2, "int"),
    _categorical(3, "str", min_categories=6),
    *[
        _continuous(f"LDA-{solver}", lambda solver=solver: LinearDiscriminantAnalysis(solver=solver), n, lab)
        for solver in ("svd", "lsqr", "eigen")
        for n, lab in ((2, "int"), (3, "wild"), (4, "str"))
    ],
    _continuous("LDA-eigen-shrinkage", lambda: LinearDiscriminantAnalysis(solver="eigen", shrinkage=0.3), 3, "str"),
    _continuous("LDA-svd-ncomponents", lambda: LinearDiscriminantAnalysis(n_components=1), 3, "int", scaled=True),
    *[_continuous("QDA", QuadraticDiscriminantAnalysis, n, lab) for n, lab in ((2, "int"), (3, "wild"), (4, "str"))],
    _continuous("QDA-reg", lambda: QuadraticDiscriminantAnalysis(reg_param=0.2), 3, "str", offset=1e3),
]
