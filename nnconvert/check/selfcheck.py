"""Self-verifying artifacts: reference rows ``X_ref`` and the original model's outputs
``f(X_ref)`` embedded in a network file, so that ``|net(X_ref) - f(X_ref)| <= atol + rtol |f(X_ref)|``
(labels equal) can be re-checked where the pickle is not available.

Rows come from the user's data (a deterministic spread-out subset, farthest-point order) or are
placed where the model's decisions change: :func:`nnconvert.check.synthetic.synthetic_rows`, points
near the centres of Distance nodes (support vectors, centroids, RBF centres) and points a small
step either side of a label change, found by bisecting segments between synthetic rows with
different labels. Rows the artifact's own dtype cannot check robustly are dropped and counted:
rows within float32 rounding of a decision boundary (:func:`nnconvert.check.verify.boundary_rows`)
and ill-conditioned rows where the network, run in that dtype, already differs from the reference
beyond :data:`nnconvert.check.verify.TOLERANCES`. Everything is seeded, so the same model gives the
same references, byte for byte.

A network with named column inputs stores its rows as the internal ``X`` (string columns as the
codes of their vocabulary, :mod:`nnconvert.ir.inputs`): generated rows are snapped to codes and
unlisted columns to 0, data rows holding a code no string has (-1, an unknown string) are not
used, and the estimator is given the rows decoded into a DataFrame with its column names.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.check.selfcheck_rows import candidates, select, spread
from nnconvert.check.verify import (
    TOLERANCES,
    Comparison,
    Runner,
    boundary_rows,
    label_outputs,
    numpy_runner,
    reference_outputs,
    tolerance_for,
)
from nnconvert.errors import InvalidNetwork
from nnconvert.runtime.columns import coded_rows, estimator_frame, internal_rows

__all__ = ["FORMAT", "check_references", "make_references", "validate_references"]

FORMAT = "nnconvert-references"
VERSION = 1
ONNX_KEY = "nnconvert_references"  # the ONNX metadata_props key holding the references as JSON


def _row_bad(ref: Mapping[str, np.ndarray], got: Mapping[str, np.ndarray], tol: Any) -> np.ndarray:
    """Rows where ``got`` misses ``ref``: labels differ, or ``|g - r| > atol + rtol |r|``."""
    n = len(next(iter(ref.values())))
    bad = np.zeros(n, dtype=bool)
    for name, r in ref.items():
        g = np.asarray(got.get(name, np.empty(0)))
        r = np.asarray(r)
        if r.shape != g.shape:
            return np.ones(n, dtype=bool)  # a whole-output problem: no row is a good reference
        if r.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                b = ~(np.abs(g.astype(np.float64) - r) <= tol.atol + tol.rtol * np.abs(r)) | ~np.isfinite(r)
        else:
            b = r != g
        bad |= b.reshape(n, -1).any(axis=1)
    return bad


def _jsonable(values: np.ndarray) -> list[Any]:
    """Outputs as JSON lists; labels keep their type (int, str, bool)."""
    if values.dtype.kind in "OU":
        return values.astype(str).tolist()
    return values.tolist()


def make_references(
    estimator: Any,
    network: ir.Network,
    *,
    dtype: str,
    X: np.ndarray | None = None,
    n: int = 32,
    seed: int = 0,
    runners: Sequence[Runner] = (),
) -> dict[str, Any]:
    """Reference rows and the estimator's float64 outputs on them (see the module doc).

    ``estimator=None`` takes the network's float64 numpy runtime as the reference (for a
    network that only exists as a spec). ``runners`` are further runtimes in ``dtype`` (the
    written ONNX graph) that must agree on a row for it to be kept.
    """
    if dtype not in TOLERANCES:
        raise InvalidNetwork(f"references dtype must be float32 or float64, got {dtype!r}")
    tol = tolerance_for(dtype, network)
    if X is not None:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != network.n_features:
            raise InvalidNetwork(f"reference rows must be [N, {network.n_features}], got {X.shape}")
        X = X[np.all(np.isfinite(X), axis=1) & coded_rows(network, X)]
        groups = [X[spread(X[:: max(1, len(X) // 20000)], 4 * n)] if len(X) > 20000 else X[spread(X, 4 * n)]]
    else:
        groups = [internal_rows(network, g) for g in candidates(network, n, seed)]
    pool = np.vstack(groups)
    reference, what = _reference(estimator, network)
    ref = reference(pool)
    near = boundary_rows(network, pool) if dtype == "float32" else np.zeros(len(pool), dtype=bool)
    ill = _row_bad(ref, numpy_runner(network, dtype)(pool), tol)
    for runner in runners:
        ill |= _row_bad(ref, runner(pool), tol)
    ok = ~near & ~ill
    bounds = np.cumsum([0] + [len(g) for g in groups])
    kept = [pool[s:e][ok[s:e]] for s, e in itertools.pairwise(bounds)]
    rows = kept[0][:n] if X is not None else select(kept, n)
    outputs = reference(rows) if len(rows) else {}
    return {
        "format": FORMAT,
        "version": VERSION,
        "dtype": dtype,
        "rtol": tol.rtol,
        "atol": tol.atol,
        "source": "data" if X is not None else "sampled",
        "reference": what,
        "dropped": {"near_boundary": int(near.sum()), "ill_conditioned": int((ill & ~near).sum())},
        "X": rows.tolist(),
        "outputs": {m: _jsonable(np.asarray(v)) for m, v in outputs.items()},
        "dtypes": _label_dtypes(outputs, label_outputs(network)),
    }


def _label_dtypes(outputs: Mapping[str, Any], labels: frozenset[str]) -> dict[str, str]:
    """Per label output (non-float, or among ``labels``), its numpy dtype name, which JSON
    cannot say (``[0, 3]`` could be uint8 or int64); text is ``str``."""
    arrays = {m: np.asarray(v) for m, v in outputs.items()}
    return {
        m: "str" if a.dtype.kind in "USO" else a.dtype.name
        for m, a in arrays.items()
        if a.dtype.kind != "f" or m in labels
    }


def _reference(estimator: Any, network: ir.Network) -> tuple[Callable[[np.ndarray], dict[str, np.ndarray]], str]:
    """The reference function and what it is: the estimator's own methods, or the network's
    float64 runtime when there is no estimator or its library is missing (an hpelm file
    converts without hpelm, nnconvert.converters.registry.reference_of needs it)."""
    from nnconvert.converters.registry import reference_of
    from nnconvert.errors import NnconvertError

    if estimator is None:
        return numpy_runner(network, "float64"), "network float64"  # type: ignore[return-value]
    try:
        reference_of(estimator)
    except NnconvertError:
        return numpy_runner(network, "float64"), "network float64 (the estimator's library is missing)"  # type: ignore[return-value]

    def run(X: np.ndarray) -> dict[str, np.ndarray]:
        with warnings.catch_warnings():
            # A model fitted on a DataFrame warns on arrays; the rows are in its feature order.
            warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
            # named columns: the DataFrame of the fit's columns (string codes decoded to their strings)
            rows = estimator_frame(network, X) if network.inputs and network.meta.feature_names else X
            return reference_outputs(estimator, rows)

    return run, "estimator"


def refilter(references: Mapping[str, Any], network: ir.Network, dtype: str) -> dict[str, Any]:
    """References carried into another dtype: the same rows and outputs, less the rows that
    dtype cannot check robustly (near a float32 boundary, or out of its tolerance)."""
    refs = validate_references(references, network.n_features)
    X, outputs = _arrays(refs)
    tol = tolerance_for(dtype, network)
    near = boundary_rows(network, X) if dtype == "float32" and len(X) else np.zeros(len(X), dtype=bool)
    ill = _row_bad(outputs, numpy_runner(network, dtype)(X), tol) if len(X) else near
    keep = ~near & ~ill
    dropped = dict(refs.get("dropped") or {})
    dropped["near_boundary"] = int(dropped.get("near_boundary", 0)) + int(near.sum())
    dropped["ill_conditioned"] = int(dropped.get("ill_conditioned", 0)) + int((ill & ~near).sum())
    return {
        **refs,
        "dtype": dtype,
        "rtol": tol.rtol,
        "atol": tol.atol,
        "dropped": dropped,
        "X": X[keep].tolist(),
        "outputs": {m: _jsonable(v[keep]) for m, v in outputs.items()},
    }


def validate_references(obj: Any, n_features: int | None = None) -> dict[str, Any]:
    """Check the structure of an embedded references object; InvalidNetwork names the problem."""
    if not isinstance(obj, Mapping) or obj.get("format") != FORMAT:
        raise InvalidNetwork(f"references must be an object with format {FORMAT!r}")
    if obj.get("version") != VERSION:
        raise InvalidNetwork(f"unsupported references version {obj.get('version')!r}; this nnconvert reads {VERSION}")
    if obj.get("dtype") not in TOLERANCES:
        raise InvalidNetwork(f"references dtype must be float32 or float64, got {obj.get('dtype')!r}")
    for key in ("rtol", "atol"):
        v = obj.get(key)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0:
            raise InvalidNetwork(f"references {key!r} must be a number >= 0, got {v!r}")
    X = obj.get("X")
    if not isinstance(X, list) or not all(
        isinstance(r, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in r) for r in X
    ):
        raise InvalidNetwork("references 'X' must be a list of rows of numbers")
    widths = {len(r) for r in X}
    if len(widths) > 1 or (n_features is not None and widths and widths != {n_features}):
        raise InvalidNetwork(f"references 'X' rows must all have {n_features or 'the same number of'} values")
    outputs = obj.get("outputs")
    if not isinstance(outputs, Mapping) or not all(isinstance(v, list) for v in outputs.values()):
        raise InvalidNetwork("references 'outputs' must map method names to lists")
    dtypes = obj.get("dtypes") or {}
    if not isinstance(dtypes, Mapping) or not all(d in ir.LABEL_DTYPES for d in dtypes.values()):
        raise InvalidNetwork(f"references 'dtypes' must map outputs to one of {', '.join(ir.LABEL_DTYPES)}")
    for m, v in outputs.items():
        if m not in ir.OUTPUT_METHODS:
            raise InvalidNetwork(f"references output {m!r} is not one of {', '.join(ir.OUTPUT_METHODS)}")
        if len(v) != len(X):
            raise InvalidNetwork(f"references output {m!r} has {len(v)} rows for {len(X)} rows of X")
    return dict(obj)


def _arrays(refs: Mapping[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    X = np.asarray(refs["X"], dtype=np.float64).reshape(len(refs["X"]), -1)
    dtypes = refs.get("dtypes") or {}
    try:
        outputs = {m: np.asarray(v, dtype=_np_dtype(dtypes.get(m))) for m, v in refs["outputs"].items()}
    except (ValueError, OverflowError, TypeError):
        raise InvalidNetwork("references outputs are ragged or do not fit their dtypes") from None
    return X, outputs


def _np_dtype(name: str | None) -> Any:
    """The numpy dtype a references ``dtypes`` entry names (None: let numpy infer)."""
    if name is None:
        return None
    if name not in ir.LABEL_DTYPES:
        raise InvalidNetwork(f"references dtype {name!r} is not one of {', '.join(ir.LABEL_DTYPES)}")
    return str if name == "str" else name


def check_references(
    runner: Runner,
    references: Mapping[str, Any],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    dtype: str | None = None,
    network: ir.Network | None = None,
) -> Comparison:
    """Run ``runner`` on the reference rows and compare with the stored outputs.

    Tolerances are ``rtol``/``atol`` when given, else :data:`TOLERANCES` of ``dtype`` (the
    runtime's float type, default the references'): never the file's own ``rtol``/``atol``,
    which are informational (a file under test does not choose how leniently it is tested).
    With ``network`` (the network being run, never one a file merely claims) float32 flips at
    one of its decision boundaries are forgiven. No rows is an error: they would prove nothing.
    """
    from nnconvert.errors import DataError

    refs = validate_references(references)
    X, expected = _arrays(refs)
    dtype = dtype or refs["dtype"]
    tol = tolerance_for(dtype, network)
    rtol, atol = tol.rtol if rtol is None else rtol, tol.atol if atol is None else atol
    cmp = Comparison(dtype, rtol=rtol, atol=atol, labels=label_outputs(network))
    if not len(X):
        raise DataError("no reference rows to compare: verify proves nothing on zero rows")
    try:
        got = runner(X)
    except Exception as exc:
        raise DataError(f"running the network on its references failed: {type(exc).__name__}: {exc}") from None
    boundary = boundary_rows(network, X) if network is not None and dtype == "float32" else None
    cmp.update(expected, got, boundary)
    return cmp
