"""Cases for SplineTransformer (B-spline bases as piecewise polynomials): degrees 0-3, 3 to 6
uniform or quantile knots, every extrapolation mode on rows left and right of the training range
(several periods away for periodic), rows exactly on the knots, with and without the bias
column, NaN as zeros, and inside a pipeline before a linear model."""

from __future__ import annotations

import numpy as np
from sklearn import linear_model as lm
from sklearn import preprocessing as pp
from sklearn.pipeline import make_pipeline

from tests.cases import Case


def _rows(est: pp.SplineTransformer, X: np.ndarray, seed: int, inside: bool) -> np.ndarray:
    """Fresh rows (inside the knots only for ``extrapolation='error'``) and the knots themselves."""
    rng = np.random.default_rng(seed)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    if inside:
        rows = rng.uniform(lo, hi, size=(120, X.shape[1]))
    else:
        rows = rng.uniform(lo - 3.2 * span, hi + 3.2 * span, size=(160, X.shape[1]))
    k = est.degree
    knots = np.stack([spl.t[k : spl.t.size - k] for spl in est.bsplines_], axis=1)  # the base knots
    return np.vstack([rows, knots, knots[::-1]])


def _spline(degree: int, n_knots: int, knots: str, mode: str, bias: bool = True, *, nan: bool = False) -> Case:
    def make():
        rng = np.random.default_rng(degree * 10 + n_knots)
        X = rng.normal(size=(200, 3)) * np.array([1.0, 4.0, 0.3]) + np.array([0.0, 2.0, -1.0])
        est = pp.SplineTransformer(
            degree=degree,
            n_knots=n_knots,
            knots=knots,
            extrapolation=mode,
            include_bias=bias,
            handle_missing="zeros" if nan else "error",
        ).fit(X)
        rows = _rows(est, X, degree + n_knots, mode == "error")
        if nan:
            rows[::7, 1] = np.nan
        return est, rows

    tail = ("" if bias else "-nobias") + ("-nan" if nan else "")
    return Case(f"SplineTransformer-d{degree}-k{n_knots}-{knots}-{mode}{tail}", make)


def _spline_pipeline(mode: str) -> Case:
    def make():
        rng = np.random.default_rng(5)
        X = rng.uniform(-2, 3, size=(250, 2))
        y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
        est = make_pipeline(pp.SplineTransformer(n_knots=5, degree=3, extrapolation=mode), lm.Ridge(alpha=1e-3))
        est.fit(X, y)
        return est, _rows(est[0], X, 6, mode == "error")

    return Case(f"SplineTransformer-pipeline-ridge-{mode}", make)


MODES = ("error", "constant", "linear", "continue", "periodic")
CASES = [
    *(
        _spline(d, k, knots, mode)
        for mode in MODES
        for d, k, knots in ((1, 4, "uniform"), (2, 3, "quantile"), (3, 6, "uniform"))
    ),
    *(_spline(0, 5, "uniform", mode) for mode in ("error", "continue", "periodic")),
    _spline(3, 5, "quantile", "linear", bias=False),
    _spline(2, 3, "uniform", "periodic", bias=False),
    _spline(1, 6, "quantile", "constant", bias=False),
    _spline(3, 4, "uniform", "continue", nan=True),
    _spline(2, 5, "quantile", "constant", nan=True),
    _spline_pipeline("periodic"),
    _spline_pipeline("linear"),
]
