"""Cases for kernel SVMs (SVC, NuSVC, SVR, NuSVR, OneClassSVM) and KernelRidge.

Evaluation rows mix fresh points, midpoints between classes (decision boundaries) and points
a tiny step away from support vectors (where the RBF distance cancels most).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import svm
from sklearn.kernel_ridge import KernelRidge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from tests.cases import Case, blobs, classes_of

KERNELS = {
    "linear": {"kernel": "linear"},
    "poly2": {"kernel": "poly", "degree": 2, "coef0": 1.0},
    "poly3": {"kernel": "poly", "degree": 3, "coef0": 0.5, "gamma": 0.05},
    "rbf": {"kernel": "rbf"},
    "rbf-auto": {"kernel": "rbf", "gamma": "auto"},
    "rbf-0.3": {"kernel": "rbf", "gamma": 0.3},
    "sigmoid": {"kernel": "sigmoid", "gamma": 0.02, "coef0": -0.5},
}


def near_support_vectors(est, X_eval: np.ndarray, n: int = 40, seed: int = 1) -> np.ndarray:
    """Evaluation rows plus rows within 1e-6 of support vectors."""
    sv = np.asarray(est.support_vectors_)
    rng = np.random.default_rng(seed)
    picks = sv[rng.integers(0, len(sv), n)]
    return np.vstack([X_eval, picks + rng.normal(scale=1e-6, size=picks.shape)])


def _fit(est, X, y):
    # SVC(probability=True) is deprecated in scikit-learn 1.9 but lives on in countless pickles.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
        return est.fit(X, y)


def _svc_case(cls, kernel: str, n_classes: int, labels: str = "int", **kw) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=150, seed=10 + n_classes)
        params = dict(KERNELS[kernel], **kw)
        if cls is svm.NuSVC:
            params["nu"] = 0.3
        est = _fit(cls(random_state=0, **params), X, classes_of(labels, n_classes)[y])
        return est, near_support_vectors(est, X_eval)

    extras = "".join(f"-{k}={v}" for k, v in kw.items())
    return Case(f"{cls.__name__}-{kernel}-{n_classes}cls-{labels}{extras}", make)


def _svr_case(cls, kernel: str) -> Case:
    def make():
        rng = np.random.default_rng(5)
        X = rng.normal(size=(150, 4))
        y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=150)
        est = cls(**KERNELS[kernel]).fit(X, y)
        return est, near_support_vectors(est, rng.normal(size=(200, 4)))

    return Case(f"{cls.__name__}-{kernel}", make)


def _one_class_case(kernel: str) -> Case:
    def make():
        X, _, X_eval = blobs(1, n_samples=150, seed=7)
        est = svm.OneClassSVM(nu=0.2, **KERNELS[kernel]).fit(X)
        return est, near_support_vectors(est, np.vstack([X_eval, X_eval * 2]))

    return Case(f"OneClassSVM-{kernel}", make)


def _kernel_ridge_case(kernel: str, n_targets: int, **kw) -> Case:
    def make():
        rng = np.random.default_rng(n_targets)
        X = rng.normal(size=(120, 4))
        Y = np.column_stack([np.cos(X @ rng.normal(size=4)) + X[:, t % 4] for t in range(n_targets)])
        est = KernelRidge(kernel=kernel, alpha=0.5, **kw).fit(X, Y[:, 0] if n_targets == 1 else Y)
        return est, np.vstack([rng.normal(size=(200, 4)), X[:40] + 1e-7])

    extras = "".join(f"-{k}={v}" for k, v in kw.items())
    return Case(f"KernelRidge-{kernel}-{n_targets}target{extras}", make)


def _pipeline_case(kernel: str, n_classes: int) -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_samples=150, seed=20 + n_classes)
        X, X_eval = X * [1, 10, 100, 0.1, 1], X_eval * [1, 10, 100, 0.1, 1]
        est = make_pipeline(StandardScaler(), svm.SVC(**KERNELS[kernel])).fit(X, classes_of("str", n_classes)[y])
        return est, X_eval

    return Case(f"pipeline-standard-SVC-{kernel}-{n_classes}cls", make)


def _svr_pipeline_case() -> Case:
    def make():
        rng = np.random.default_rng(8)
        X = rng.uniform(-5, 50, size=(150, 3))
        y = X @ [0.1, -0.2, 0.05] + np.sin(X[:, 0])
        return make_pipeline(MinMaxScaler(), svm.SVR(C=3.0)).fit(X, y), rng.uniform(-10, 60, size=(200, 3))

    return Case("pipeline-minmax-SVR-rbf", make)


CASES: list[Case] = [
    # every kernel, binary / 3 / 5 classes, both decision_function shapes
    *[_svc_case(svm.SVC, kern, n, lab) for kern in KERNELS for n, lab in ((2, "int"), (3, "wild"), (5, "str"))],
    *[_svc_case(svm.SVC, kern, 4, "wild", decision_function_shape="ovo") for kern in ("linear", "rbf", "poly3")],
    *[
        _svc_case(svm.NuSVC, kern, n, lab)
        for kern in ("linear", "poly2", "rbf", "sigmoid")
        for n, lab in ((2, "str"), (4, "int"))
    ],
    _svc_case(svm.NuSVC, "rbf", 3, "wild", decision_function_shape="ovo"),
    # break_ties, class_weight
    *[_svc_case(svm.SVC, kern, n, "wild", break_ties=True) for kern in ("rbf", "linear") for n in (3, 5)],
    _svc_case(svm.SVC, "rbf", 2, "str", break_ties=True),
    _svc_case(svm.SVC, "rbf", 3, "int", class_weight="balanced"),
    _svc_case(svm.SVC, "poly2", 2, "wild", class_weight={3: 1.0, 7: 5.0}),
    _svc_case(svm.NuSVC, "rbf", 3, "str", class_weight="balanced"),
    # probability=True pickles: Platt + libsvm pairwise coupling, k = 2 included
    *[
        _svc_case(svm.SVC, kern, n, lab, probability=True)
        for kern in ("rbf", "linear", "poly3", "sigmoid")
        for n, lab in ((2, "wild"), (3, "str"))
    ],
    _svc_case(svm.SVC, "rbf", 5, "int", probability=True),
    _svc_case(svm.SVC, "rbf", 4, "wild", probability=True, decision_function_shape="ovo"),
    _svc_case(svm.SVC, "rbf", 3, "int", probability=True, break_ties=True),
    _svc_case(svm.NuSVC, "rbf", 2, "int", probability=True),
    _svc_case(svm.NuSVC, "poly2", 3, "wild", probability=True),
    *[_svr_case(cls, kern) for cls in (svm.SVR, svm.NuSVR) for kern in KERNELS],
    *[_one_class_case(kern) for kern in ("linear", "poly2", "rbf", "rbf-0.3", "sigmoid")],
    *[_kernel_ridge_case(kern, t) for kern in ("linear", "poly", "rbf", "laplacian") for t in (1, 3)],
    *[_kernel_ridge_case("sigmoid", t, gamma=0.05, coef0=0.2) for t in (1, 3)],
    _kernel_ridge_case("rbf", 1, gamma=0.5),
    _kernel_ridge_case("polynomial", 2, degree=2, coef0=0.0, gamma=0.3),
    _kernel_ridge_case("laplacian", 2, gamma=0.2),
    *[_pipeline_case(kern, n) for kern in ("rbf", "poly2") for n in (2, 3)],
    _svr_pipeline_case(),
]
