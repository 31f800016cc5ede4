"""Cases for GaussianProcessRegressor (predict, predict_std) and GaussianProcessClassifier.

Kernels are fixed (``optimizer=None``) with some noise, so the cases are fast and the solves
well conditioned: the float32 network multiplies kernel values by ``alpha_``, whose size grows
with the condition number of ``K(X_train_, X_train_)``. Evaluation rows include training rows
(where ``predict_std`` is smallest).
"""

from __future__ import annotations

import numpy as np
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process import kernels as K

from tests.cases import Case, blobs, classes_of

KERNELS = {
    "rbf": K.RBF(1.0),
    "rbf-ard-scaled": K.ConstantKernel(2.0) * K.RBF([0.8, 1.5, 3.0]),
    "matern0.5-white": K.Matern(1.5, nu=0.5) + K.WhiteKernel(0.1),
    "matern1.5-const": K.Matern([1.0, 2.0, 0.7], nu=1.5) + K.ConstantKernel(0.5),
    "matern2.5xrq": K.Matern(2.0, nu=2.5) * K.RationalQuadratic(1.0, 0.7),
    "matern-inf": K.Matern(1.2, nu=np.inf),
    "expsine+dot": K.ExpSineSquared(3.0, 5.0) + K.ConstantKernel(0.3) * K.DotProduct(1.0) + K.WhiteKernel(0.5),
    "(rbf+1)x(rq+0.5)": (K.RBF(1.5) + K.ConstantKernel(1.0)) * (K.RationalQuadratic(2.0, 1.5) + K.ConstantKernel(0.5)),
}


def _regression_data(n_targets: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] ** 2 + 0.1 * rng.normal(size=60)
    Y = y if n_targets == 1 else np.column_stack([y * (t + 1) - t for t in range(n_targets)])
    return X, Y, np.vstack([rng.normal(size=(80, 3)) * 1.3, X[::6]])


def _gpr_case(kernel: str, n_targets: int = 1, **kw) -> Case:
    def make():
        X, y, X_eval = _regression_data(n_targets)
        est = GaussianProcessRegressor(KERNELS[kernel], optimizer=None, alpha=0.05, **kw).fit(X, y)
        return est, X_eval

    extras = "".join(f"-{k}={v}" for k, v in kw.items())
    return Case(f"GaussianProcessRegressor-{kernel}-{n_targets}t{extras}", make)


def _gpc_case(kernel: str, n_classes: int, labels: str = "int") -> Case:
    def make():
        X, y, X_eval = blobs(n_classes, n_features=3, n_samples=60, seed=50 + n_classes)
        est = GaussianProcessClassifier(KERNELS[kernel], optimizer=None).fit(X, classes_of(labels, n_classes)[y])
        return est, X_eval

    return Case(f"GaussianProcessClassifier-{kernel}-{n_classes}cls-{labels}", make)


CASES = [
    *[_gpr_case(k) for k in KERNELS],
    _gpr_case("rbf", normalize_y=True),
    _gpr_case("matern1.5-const", 2, normalize_y=True),
    _gpr_case("expsine+dot", 3),
    _gpc_case("rbf", 2),
    _gpc_case("matern1.5-const", 2, "str"),
    _gpc_case("rbf-ard-scaled", 3, "wild"),
    _gpc_case("matern2.5xrq", 4),
]
