"""Feature transformers with exact networks (``sklearn/preprocessing/_data.py``,
``_discretization.py``, ``_function_transformer.py``).

- Normalizer: ``x / norm(x)`` per row (a row_norm node; ``normalize`` with zero norms as 1).
- Binarizer: ``1 if x > threshold else 0``: a step neuron on ``x - threshold``.
- KBinsDiscretizer: ``np.searchsorted(bin_edges_[j][1:-1], x_j, side="right")`` is the number
  of inner edges ``e <= x_j``: one ``step_ge(x_j - e)`` neuron per edge, summed (ordinal) or
  differenced into one-hot columns (``[x >= e_b] - [x >= e_{b+1}]``), integers, so exact.
- QuantileTransformer (uniform): ``0.5 (interp(x, q, r) - interp(-x, -q[::-1], -r[::-1]))``
  per column, as ``_transform_col``: one interp table with doubled knots (:func:`_quantile_table`).
- PowerTransformer: Yeo-Johnson and Box-Cox with log, exp and per-column scales (below).
- FunctionTransformer: a named numpy ufunc from :data:`UFUNCS` as activations.
- SplineTransformer: each B-spline basis column as a piecewise polynomial (local powers per
  knot interval, ``PPoly.from_spline``), the ends as ``extrapolation`` says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.converters.registry import convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


@register("sklearn.preprocessing.Normalizer", "row_norm (x / l1, l2 or max norm of the row) = transform")
def normalizer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = x / n(x)``; norms below ``10 eps`` divide by 1 (``_handle_zeros_in_scale``)."""
    return {"transform": g.add(ir.RowNorm, "normalized", input=x, norm=est.norm)}


def _shift(g: GraphBuilder, x: str, add: Any, what: str, hint: str) -> str:
    """``x + add`` per column: a translation, kept apart by the simplifier (exact, like numpy's)."""
    width = g.width(x)
    return g.dense(x, np.eye(width), np.broadcast_to(np.asarray(add, dtype=np.float64), (width,)), source={"bias": what}, hint=hint)  # fmt: skip


@register("sklearn.preprocessing.Binarizer", "x - threshold -> step_gt (1 neuron per feature) = transform")
def binarizer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = 1 if x > threshold else 0`` (``x - t > 0`` iff ``x > t`` in floating point)."""
    return {"transform": g.act(_shift(g, x, -float(est.threshold), "-threshold", "above"), "step_gt", hint="binary")}


def _edge_steps(est: Any, g: GraphBuilder, x: str) -> tuple[str, list[int]]:
    """One ``step_ge(x_j - e)`` neuron per inner edge ``e`` of ``bin_edges_[j]``; the feature of each."""
    inner = [np.asarray(e, dtype=np.float64)[1:-1] for e in est.bin_edges_]
    feature = [j for j, e in enumerate(inner) for _ in e]
    if not feature:
        raise UnsupportedModel("KBinsDiscretizer with a single bin per feature has no edges")
    W = np.zeros((g.width(x), len(feature)))
    W[feature, np.arange(len(feature))] = 1.0
    shifted = g.dense(x, W, -np.concatenate(inner), source={"bias": "-bin_edges_[j][1:-1]"}, hint="edges")
    return g.act(shifted, "step_ge", hint="at_or_above_edge"), feature


@register(
    "sklearn.preprocessing.KBinsDiscretizer",
    "x_j - inner bin edges -> step_ge (1 neuron per edge) -> dense: bin index (ordinal) or one-hot = transform",
    pickle_support=("sklearn.preprocessing._encoders.OneHotEncoder",),
)
def kbins_discretizer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``ordinal_j = sum_e [x_j >= e]``; one-hot ``[bin_j == b] = [x_j >= e_b] - [x_j >= e_{b+1}]``
    (``e_0 = -inf``, ``e_{n_bins} = +inf``)."""
    steps, feature = _edge_steps(est, g, x)
    n_bins = [int(n) for n in est.n_bins_]
    if est.encode == "ordinal":
        W = np.zeros((len(feature), len(n_bins)))
        W[np.arange(len(feature)), feature] = 1.0
        out = g.dense(steps, W, source={"weight": "edge counts"}, hint="bin")
    else:  # 'onehot' (densified) and 'onehot-dense'
        starts = np.cumsum([0, *n_bins])
        first_step = np.cumsum([0, *(n - 1 for n in n_bins)])
        W, b = np.zeros((len(feature), starts[-1])), np.zeros(starts[-1])
        for j, n in enumerate(n_bins):
            for k in range(n):  # column starts[j] + k: steps k-1 (or 1) minus step k (or 0)
                col = starts[j] + k
                if k == 0:
                    b[col] = 1.0
                else:
                    W[first_step[j] + k - 1, col] = 1.0
                if k < n - 1:
                    W[first_step[j] + k, col] = -1.0
        out = g.dense(steps, W, b, source={"weight": "step differences"}, hint="bin_onehot")
    g.summarize(
        "KBinsDiscretizer",
        f"KBinsDiscretizer ({est.strategy}, {est.encode}): {len(feature)} edge step neurons -> {g.width(out)} outputs",
        edges=len(feature),
    )
    return {"transform": out}


def _quantile_table(q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One column of ``_transform_col`` as one interp table. Between two distinct quantiles
    ``u_a < u_b`` both directions interpolate from ``r[last index of u_a]`` to ``r[first index of
    u_b]``; on a quantile repeated from index ``i`` to ``m`` the forward interp gives ``r[m]``, the
    backward ``r[i]``, the transform their mean; on the lowest and highest it is 0 and 1 (the
    bounds). So every distinct quantile is a doubled knot ``(r[i], r[m])`` with the mean on it."""
    u, first = np.unique(q, return_index=True)
    last = np.append(first[1:] - 1, len(q) - 1)
    xp = np.repeat(u, 2)
    fp = np.column_stack([r[first], r[last]]).ravel()
    on_knot = np.repeat(0.5 * (r[last] + r[first]), 2)
    on_knot[:2], on_knot[-2:] = 0.0, 1.0
    return xp, fp, on_knot


def _padded(rows: list[np.ndarray]) -> np.ndarray:
    """Tables of different lengths as one ``[d, K]`` array, each padded with its last entry."""
    k = max(len(row) for row in rows)
    return np.vstack([np.pad(row, (0, k - len(row)), mode="edge") for row in rows])


@register(
    "sklearn.preprocessing.QuantileTransformer",
    "interp per column (quantiles_ -> references_, repeated quantiles averaged as both directions) = transform",
)
def quantile_transformer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform_j = 0.5 (interp(x_j, q_j, r) - interp(-x_j, -q_j[::-1], -r[::-1]))``, 0 on
    ``q_j[0]`` and 1 on ``q_j[-1]`` (``_transform_col``), as one table per column."""
    if est.output_distribution != "uniform":
        raise UnsupportedModel(
            "QuantileTransformer(output_distribution='normal') needs the inverse error function, which no "
            "default-domain ONNX operator computes exactly"
        )
    q = np.asarray(est.quantiles_, dtype=np.float64).T  # [d, n_quantiles]
    r = np.asarray(est.references_, dtype=np.float64)
    xp, fp, on_knot = (_padded(list(t)) for t in zip(*(_quantile_table(col, r) for col in q), strict=True))
    out = g.add(ir.Interp, "quantile", input=x, xp=xp, fp=fp, on_knot=on_knot)
    g.summarize(
        "QuantileTransformer",
        f"QuantileTransformer (uniform): {q.shape[0]} features, {q.shape[1]} quantiles each, interpolated",
        quantiles=int(q.shape[1]),
    )
    return {"transform": out}


def _pow_minus_one(g: GraphBuilder, v: str, lmbda: np.ndarray, log_only: np.ndarray) -> str:
    """Per column ``(v^l - 1) / l`` as ``(exp(l log v) - 1) / l``, or ``log v`` where
    ``log_only``: both computed, ``[log v | exp(l log v) - 1]``, and a final selection-and-scale
    picks one per column (read as column scales: a NaN stays in its column)."""
    width = g.width(v)
    logv = g.act(v, "log")
    powered = _shift(g, g.act(g.scale(logv, np.where(log_only, 1.0, lmbda), 0.0, hint="lambda_log"), "exp"), -1.0, "-1", "pow_minus_one")  # fmt: skip
    W = np.zeros((2 * width, width))
    cols = np.arange(width)
    W[np.where(log_only, cols, width + cols), cols] = np.where(log_only, 1.0, 1.0 / np.where(log_only, 1.0, lmbda))
    return g.dense(g.concat([logv, powered]), W, source={"weight": "1 / lambdas_"}, hint="power")


def _yeo_johnson(g: GraphBuilder, x: str, lmbda: np.ndarray) -> str:
    """``scipy.stats._morestats._yeojohnson_transform``: for ``x >= 0``
    ``expm1(l log1p(x)) / l`` (``log1p(x)`` if ``|l| < eps``), for ``x < 0``
    ``-expm1((2 - l) log1p(-x)) / (2 - l)`` (``-log1p(-x)`` if ``|l - 2| < eps``). Written
    ``f(relu(x)) + g(relu(-x))``: the other branch is exactly 0 there (``log(1) = 0``)."""
    eps, d = np.finfo(np.float64).eps, len(lmbda)
    both = g.concat([g.act(x, "relu", hint="positive_part"), g.act(g.scale(x, -1.0, 0.0, hint="negated"), "relu", hint="negative_part")])  # fmt: skip
    exps = np.concatenate([lmbda, 2.0 - lmbda])
    log_only = np.concatenate([np.abs(lmbda) < eps, np.abs(lmbda - 2.0) <= eps])
    branches = _pow_minus_one(g, _shift(g, both, 1.0, "+1", "one_plus"), exps, log_only)
    return g.dense(branches, np.vstack([np.eye(d), -np.eye(d)]), source={"weight": "positive - negative branch"}, hint="yeo_johnson")  # fmt: skip


@register(
    "sklearn.preprocessing.PowerTransformer",
    "per column log, exp and scales (Yeo-Johnson: both sign branches summed; Box-Cox) [-> standardize] = transform",
    pickle_support=("sklearn.preprocessing._data.StandardScaler",),
)
def power_transformer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """Box-Cox ``scipy.special.boxcox``: ``expm1(l log x) / l`` (``log x`` if ``|l| < 1e-19``);
    Yeo-Johnson as :func:`_yeo_johnson`; ``standardize`` then applies ``_scaler``."""
    lmbda = np.asarray(est.lambdas_, dtype=np.float64)
    box_cox = est.method == "box-cox"
    out = _pow_minus_one(g, x, lmbda, np.abs(lmbda) < 1e-19) if box_cox else _yeo_johnson(g, x, lmbda)
    if est.standardize:
        out = convert_into(est._scaler, g, out)["transform"]
    g.summarize(
        "PowerTransformer",
        f"PowerTransformer ({est.method}{', standardized' if est.standardize else ''}): {len(lmbda)} per-column powers",
        method=str(est.method),
    )
    return {"transform": out}


# numpy ufunc name -> the activations (or per-column affine steps) that compute it.
Step = tuple[str, float, float] | str  # activation name, or ("affine", mul, add)
UFUNCS: dict[str, tuple[Step, ...]] = {
    "log": ("log",),
    "log1p": (("affine", 1.0, 1.0), "log"),
    "log2": ("log", ("affine", 1.0 / np.log(2.0), 0.0)),
    "log10": ("log", ("affine", 1.0 / np.log(10.0), 0.0)),
    "exp": ("exp",),
    "expm1": ("exp", ("affine", 1.0, -1.0)),
    "sqrt": ("sqrt",),
    "absolute": ("abs",),
    "fabs": ("abs",),
    "tanh": ("tanh",),
    "square": ("square",),
    "cos": ("cos",),
    "reciprocal": ("reciprocal",),
    "negative": (("affine", -1.0, 0.0),),
    "expit": ("sigmoid",),  # scipy.special.expit
}


def _ufunc_name(func: Callable[..., Any] | None) -> str:
    if func is None:
        return "identity"
    name = getattr(func, "__name__", None)
    known = isinstance(func, np.ufunc) and getattr(np, str(name), None) is func
    if name == "expit":
        from scipy import special

        known = func is special.expit
    if known and name in UFUNCS:
        return str(name)
    raise UnsupportedModel(
        f"FunctionTransformer(func={getattr(func, '__qualname__', func)!r}): only None or one of the numpy "
        f"functions {', '.join(sorted(UFUNCS))} has a known exact network (an arbitrary callable does not)"
    )


def apply_ufunc(g: GraphBuilder, x: str, func: Callable[..., Any] | None) -> str:
    """``func(x)`` elementwise for ``func`` None (identity) or a ufunc of :data:`UFUNCS`
    (``log1p`` as ``log(1 + x)`` and ``expm1`` as ``exp(x) - 1``: equal to within one ulp of 1)."""
    name = _ufunc_name(func)
    for step in UFUNCS.get(name, ()):
        if isinstance(step, str):
            x = g.act(x, step, hint=name)
        elif step[2] == 0.0:
            x = g.scale(x, step[1], 0.0, hint=name)
        else:
            x = _shift(g, x, step[2], f"{step[2]:+g}", name)
    return x


@register(
    "sklearn.preprocessing.FunctionTransformer",
    "a named numpy ufunc as activations (log, log1p, exp, sqrt, abs, tanh, ...) = transform",
    pickle_support=(*(f"numpy.{name}" for name in UFUNCS if name != "expit"), "scipy.special._ufuncs.expit"),
)
def function_transformer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform = func(x)`` for ``func`` in :data:`UFUNCS` (no ``kw_args``)."""
    if est.kw_args:
        raise UnsupportedModel("FunctionTransformer with kw_args: only a plain ufunc call has a known network")
    out = apply_ufunc(g, x, est.func)
    if out == x:  # the identity: a node of its own, so the output is not the input tensor
        out = g.act(x, "identity")
    return {"transform": out}


def _spline_pieces(spl: Any, column: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints ``t[lo..hi]`` and ``[hi-lo, k+1]`` local power coefficients of basis column
    ``column`` of ``spl`` (``PPoly.from_spline``, whose intervals are the knot intervals; scipy
    extrapolates with the end intervals' polynomials, so knots outside are not breakpoints)."""
    from scipy.interpolate import BSpline, PPoly

    t, k = np.asarray(spl.t, dtype=np.float64), int(spl.k)
    pp = PPoly.from_spline(BSpline(t, np.asarray(spl.c, dtype=np.float64)[:, column], k))
    return t[lo : hi + 1], pp.c[::-1, lo:hi].T


def _checked_spline(spl: Any, degree: int, feature: int) -> Any:
    """``bsplines_[feature]`` rebuilt as a fresh scipy ``BSpline`` from its validated ``t``, ``c``
    and ``k`` (a loaded file's object is never evaluated itself)."""
    from scipy.interpolate import BSpline

    what = f"SplineTransformer bsplines_[{feature}]"
    try:
        t, c, k = np.asarray(spl.t, dtype=np.float64), np.asarray(spl.c, dtype=np.float64), spl.k
    except (AttributeError, TypeError, ValueError):
        raise UnsupportedModel(f"{what} is not a B-spline with float knots t and coefficients c") from None
    if not isinstance(k, (int, np.integer)) or int(k) != degree:
        raise UnsupportedModel(f"{what}: degree k={k!r}, the transformer says {degree}")
    k = int(k)
    if t.ndim != 1 or c.ndim != 2 or c.shape[0] != t.size - k - 1 or c.shape[0] <= k or not c.shape[1]:
        raise UnsupportedModel(f"{what}: knots {t.shape} and coefficients {c.shape} do not fit degree {k}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(c))) or np.any(np.diff(t) < 0):
        raise UnsupportedModel(f"{what}: knots must be finite and sorted, coefficients finite")
    return BSpline(t, c, k, extrapolate=False)


@register(
    "sklearn.preprocessing.SplineTransformer",
    "piecewise_poly per feature and basis element (local power coefficients of each B-spline) = transform",
    pickle_support=("scipy.interpolate._bsplines.BSpline",),
)
def spline_transformer(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``transform``: per feature ``i`` (feature-major columns) ``bsplines_[i](x_i)``, each basis
    column one piecewise polynomial; ``constant``/``linear`` as the boundary values (and
    derivatives) sklearn takes from the spline, on the first/last ``degree`` columns (``degree + 1`` for linear with degree <= 1)
    0 on the others; ``periodic`` wraps ``x`` first; ``error`` gives
    NaN where sklearn raises; ``include_bias=False`` drops each feature's last column."""
    if est.sparse_output:
        raise UnsupportedModel(
            "SplineTransformer(sparse_output=True): the network gives dense columns; refit with sparse_output=False"
        )
    mode, degree = est.extrapolation, int(est.degree)
    if mode not in ("error", "constant", "linear", "continue", "periodic"):
        raise UnsupportedModel(f"SplineTransformer(extrapolation={mode!r}) is not one of sklearn's modes")
    columns, breaks, coefs, below, above = [], [], [], [], []
    for feature, loaded in enumerate(est.bsplines_):
        spl = _checked_spline(loaded, int(est.degree), feature)
        t = np.asarray(spl.t, dtype=np.float64)
        # sklearn 1.9's transform takes xmin = t[degree], xmax = t[-degree - 1] with its loop
        # variable ``degree``, which linear extrapolation raises by one while it is <= 1 (once
        # per feature, for the features after it too): reproduced as it computes.
        lo, hi = degree, t.size - degree - 1
        if not t[hi] > t[lo]:
            raise UnsupportedModel(
                f"SplineTransformer: feature {feature} has an empty range [t[{lo}], t[{hi}]] (one distinct training "
                "value, or sklearn's degree <= 1 linear extrapolation with too few knots)"
            )
        xmin, xmax = t[lo], t[hi]
        n_splines = spl.c.shape[1]
        keep = range(n_splines) if est.include_bias else range(n_splines - 1)
        f_min, f_max = spl(xmin), spl(xmax)
        d_min, d_max = spl(xmin, nu=1), spl(xmax, nu=1)
        if mode == "linear" and degree <= 1:
            degree += 1
        ends = degree
        for j in keep:
            b, a = _spline_pieces(spl, j, lo, hi)
            columns.append(feature)
            breaks.append(b)
            coefs.append(a)
            low, high = j < ends, j >= n_splines - ends
            if mode == "constant":
                below.append([f_min[j] if low else 0.0, 0.0])
                above.append([f_max[j] if high else 0.0, 0.0])
            else:
                below.append([f_min[j], d_min[j]] if low else [0.0, 0.0])
                above.append([f_max[j], d_max[j]] if high else [0.0, 0.0])
    affine = mode in ("constant", "linear")
    parts, start = [], 0
    for stop in range(1, len(columns) + 1):  # one node per run of equal interval counts
        if stop < len(columns) and len(breaks[stop]) == len(breaks[start]):
            continue
        rows = slice(start, stop)
        parts.append(
            g.add(
                ir.PiecewisePoly,
                "spline",
                input=x,
                columns=np.asarray(columns[rows], dtype=np.int64),
                breaks=np.asarray(breaks[rows]),
                coefs=np.asarray(coefs[rows]),
                extrapolation={"continue": "extend", "error": "nan", "periodic": "periodic"}.get(mode, "affine"),
                below=np.asarray(below[rows]) if affine else None,
                above=np.asarray(above[rows]) if affine else None,
                nan_fill=0.0 if est.handle_missing == "zeros" else None,
            )
        )
        start = stop
    out = parts[0] if len(parts) == 1 else g.concat(parts, hint="splines")
    g.summarize(
        "SplineTransformer",
        f"SplineTransformer: {len(est.bsplines_)} features, degree {est.degree}, {len(columns)} B-spline columns ({mode})",
    )
    return {"transform": out}
