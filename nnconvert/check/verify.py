"""Equivalence checking, shared by ``nnconvert verify`` and the conformance tests.

The reference is always the estimator run on float64 input. Float outputs agree when
``|got - ref| <= atol + rtol * |ref|`` (tolerances per dtype in :data:`TOLERANCES`); labels
agree when equal. In float32 a row that disagrees is forgiven only when it lies within
float32 rounding of a decision boundary of the network (:func:`boundary_rows`): some
discrete neuron (threshold, step, argmax) sees, in float64, a margin no larger than the
float32 error of its own input. Such rows are counted separately, never hidden.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import DataError, NnconvertError

OUTPUT_METHODS = ir.OUTPUT_METHODS
EPS32 = float(np.finfo(np.float32).eps)
# How much larger than the numpy runtime's float32 error another runtime's may be (see boundary_rows).
FLOAT32_ERROR_FACTOR = 16.0
# Bytes that boundary_rows' float64 + float32 traces of one piece of data may take.
TRACE_BUDGET = 256 * 2**20


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


TOLERANCES: dict[str, Tolerance] = {
    "float64": Tolerance(rtol=1e-9, atol=1e-9),
    "float32": Tolerance(rtol=1e-4, atol=1e-4),
}


def tolerance_for(dtype: str, network: ir.Network | None) -> Tolerance:
    """:data:`TOLERANCES` of ``dtype``, or float32's in both dtypes when the network's estimator
    computes in float32 itself (XGBoost: its outputs carry no more precision than that; see
    ``nnconvert.converters.registry.reference_dtype``)."""
    from nnconvert.converters.registry import reference_dtype

    if network is not None and reference_dtype(network.meta.estimator) == "float32":
        return TOLERANCES["float32"]
    return TOLERANCES[dtype]


Runner = Callable[[np.ndarray], Mapping[str, np.ndarray]]


# Outputs that are not a method of their own: name -> (estimator classes offering it, call).
DERIVED_OUTPUTS: dict[str, tuple[tuple[str, ...], Callable[[Any, np.ndarray], Any]]] = {
    "predict_std": (("GaussianProcessRegressor",), lambda est, X: est.predict(X, return_std=True)[1]),
}


class ReferenceOutputs(dict):
    """The estimator's outputs by method, and ``slack``: per output, per row, how far the
    estimator's own rounding may have moved it from the math (``registry.declare_reference_slack``;
    empty where nothing is declared)."""

    slack: Mapping[str, np.ndarray]

    def __init__(self, outputs: Mapping[str, np.ndarray], slack: Mapping[str, np.ndarray] | None = None) -> None:
        super().__init__(outputs)
        self.slack = dict(slack or {})


def reference_outputs(estimator: Any, X: np.ndarray) -> ReferenceOutputs:
    """Call each of the estimator's methods among :data:`OUTPUT_METHODS` on float64 ``X``
    (``predict_std`` as :data:`DERIVED_OUTPUTS` says), with the slack of its own rounding."""
    from nnconvert.converters.registry import reference_of, reference_slack
    from nnconvert.runtime.columns import is_columns

    if not is_columns(X):  # a DataFrame goes to a model fitted on one as it is (strings included)
        X = np.asarray(X, dtype=np.float64)

    estimator = reference_of(estimator)  # e.g. an hpelm save() dict -> a live hpelm model
    slack_of = reference_slack(estimator)
    out = {}
    for m in OUTPUT_METHODS:
        if m in DERIVED_OUTPUTS:
            classes, call = DERIVED_OUTPUTS[m]
            if type(estimator).__name__ in classes:
                out[m] = np.asarray(call(estimator, X))
        elif hasattr(estimator, m):
            try:
                out[m] = _as_array(getattr(estimator, m)(X))
            except NotImplementedError:  # scikit-learn's "not in this configuration" (LDA's lsqr transform)
                continue
    return ReferenceOutputs(out, None if slack_of is None else slack_of(estimator, X))


def _as_array(value: Any) -> np.ndarray:
    """A method's result as one array: a sparse matrix densified (one-hot bins), a list of 2-D
    arrays (``MultiOutputClassifier.predict_proba``, one per output) side by side, which is how
    the network returns them."""
    if hasattr(value, "toarray"):
        return np.asarray(value.toarray())
    if isinstance(value, list) and value and all(np.ndim(v) == 2 for v in value):
        return np.concatenate([np.asarray(v) for v in value], axis=1)
    return np.asarray(value)


def boundary_rows(network: ir.Network, X: np.ndarray) -> np.ndarray:
    """Rows where float32 rounding can flip a discrete decision of ``network``.

    For every discrete node (``Node.decision_margin`` is not None: threshold, step, argmax, the
    stop rule of pairwise coupling), compare its inputs computed in float64 and in float32 (numpy
    runtime): a row is on the boundary when its float64 margin is at most
    ``FLOAT32_ERROR_FACTOR`` times the observed float32 error of those inputs plus 64 float32
    ulps of their magnitude. The factor covers runtimes that sum in another order than numpy:
    onnxruntime's float32 error measured up to ~4x numpy's on SVM decision values. Rows where
    any float32 tensor overflows (not finite where its float64 value is) are never near: that
    is not rounding.
    """
    # Traces keep every tensor in two dtypes: cut X so they stay within ~TRACE_BUDGET bytes.
    widths = sum(network.info(n.name).width or 1 for n in network.nodes) + network.n_features
    # Nodes whose working set exceeds their output (coupling's k x k, Manhattan's [k, d]) count too.
    extra = sum(max(0, w.per_row - 16 * (network.info(n.name).width or 1)) for n, w in network.work())
    step = max(1, TRACE_BUDGET // (12 * widths + 2 * extra))
    if len(X) > step:
        return np.concatenate([boundary_rows(network, X[i : i + step]) for i in range(0, len(X), step)])
    from nnconvert.runtime import run

    t64 = run(network, X, np.float64, trace=True)
    t32 = run(network, X, np.float32, trace=True)
    near = np.zeros(len(X), dtype=bool)
    overflow = np.zeros(len(X), dtype=bool)  # float32 overflowed where float64 did not: not rounding
    for name, v32 in t32.items():
        if v32.dtype.kind == "f":
            lost = ~np.isfinite(v32) & np.isfinite(t64[name])
            overflow |= lost.reshape(len(X), -1).any(axis=1)
    for node in network.nodes:
        ins64 = [t64[i] for i in node.inputs]
        if not ins64 or any(x.dtype.kind != "f" for x in ins64):
            continue
        margin = node.decision_margin(ins64)
        if margin is None:
            continue
        err, mag = np.zeros(len(X)), np.zeros(len(X))
        for name, x64 in zip(node.inputs, ins64, strict=True):
            x32 = t32[name].astype(np.float64)
            with np.errstate(invalid="ignore"):  # NaN in both dtypes (a missing value) is no error
                e = np.where(np.isnan(x32) & np.isnan(x64), 0.0, np.nan_to_num(np.abs(x32 - x64), nan=np.inf))
            a = np.where(np.isnan(x64), 0.0, np.abs(x64))
            if x64.ndim == 2:
                e, a = e.max(axis=1), a.max(axis=1)
            err, mag = np.maximum(err, e), np.maximum(mag, a)
        with np.errstate(invalid="ignore", over="ignore"):  # values near float64's limit: an infinite bound
            bound = FLOAT32_ERROR_FACTOR * np.nan_to_num(err, nan=np.inf) + 64 * EPS32 * np.maximum(mag, 1.0)
        near |= margin <= bound
    return near & ~overflow


@dataclass
class OutputReport:
    """Agreement of one output over all rows seen."""

    name: str
    kind: str  # "label" or "float"
    n_rows: int = 0
    n_mismatch: int = 0  # real disagreements
    n_boundary: int = 0  # float32 disagreements within rounding of a decision boundary
    n_nonfinite: int = 0  # rows where the network is not finite and the estimator is (never forgiven)
    n_reference_rounding: int = 0  # rows within the estimator's own rounding (see reference_slack), not mismatches
    max_abs_err: float = 0.0
    max_rel_err: float = 0.0
    worst: list[tuple[float, int]] = field(default_factory=list)  # (error, row), largest first
    problem: str | None = None  # shape / dtype / presence problems

    @property
    def ok(self) -> bool:
        return self.problem is None and self.n_mismatch == 0

    @property
    def agreement(self) -> float:
        return 1.0 if self.n_rows == 0 else 1 - (self.n_mismatch + self.n_boundary) / self.n_rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.name,
            "kind": self.kind,
            "rows": self.n_rows,
            "equivalent": self.ok,
            "mismatches": self.n_mismatch,
            "boundary_flips": self.n_boundary,
            "non_finite": self.n_nonfinite,
            "reference_rounding": self.n_reference_rounding,
            "agreement": self.agreement,
            "max_abs_error": self.max_abs_err,
            "max_rel_error": self.max_rel_err,
            "worst_rows": [{"row": r, "error": e} for e, r in sorted(self.worst, reverse=True)],
            "problem": self.problem,
        }


def _label_dtype_problem(ref: np.ndarray, got: np.ndarray) -> str | None:
    """Labels must have the estimator's exact dtype (``uint8`` is not ``int64``); text labels
    only need to be text (numpy's unicode width and object arrays of str are one kind)."""
    text = "USO"
    if ref.dtype.kind in text and got.dtype.kind in text:
        return None
    if ref.dtype != got.dtype:
        return f"labels are {got.dtype}; the estimator returns {ref.dtype}"
    return None


def label_outputs(network: ir.Network | None) -> frozenset[str]:
    """The outputs of ``network`` that are class labels (also float ones: labels fitted as float32)."""
    if network is None:
        return frozenset()
    return frozenset(m for m, t in network.outputs.items() if network.info(t).kind == "label")


class Comparison:
    """Accumulates the comparison of reference and network outputs, chunk by chunk.

    An output is compared as labels (exact values and exact dtype) when its reference is not
    float or when it is among ``labels`` (see :func:`label_outputs`); otherwise with tolerances.
    """

    def __init__(
        self,
        dtype: str = "float64",
        *,
        rtol: float | None = None,
        atol: float | None = None,
        n_worst: int = 5,
        labels: Collection[str] = (),
    ) -> None:
        tol = TOLERANCES[dtype]
        self.dtype = dtype
        self.rtol = tol.rtol if rtol is None else rtol
        self.atol = tol.atol if atol is None else atol
        self.n_worst = n_worst
        self.outputs: dict[str, OutputReport] = {}
        self.missing: list[str] = []
        self.extra: list[str] = []
        self.n_rows = 0
        self.labels = frozenset(labels)

    def update(
        self, ref: Mapping[str, np.ndarray], got: Mapping[str, np.ndarray], boundary: np.ndarray | None = None
    ) -> None:
        """Compare one chunk; ``boundary`` marks rows forgiven in float32 (see boundary_rows)."""
        offset, n = self.n_rows, len(next(iter(ref.values()))) if ref else 0
        slack = getattr(ref, "slack", None) or {}
        self.missing = sorted(set(self.missing) | (set(ref) - set(got)))
        self.extra = sorted(set(self.extra) | (set(got) - set(ref)))
        for name in ref:
            if name not in got:
                continue
            r, g = np.asarray(ref[name]), np.asarray(got[name])
            kind = "float" if r.dtype.kind == "f" and name not in self.labels else "label"
            rep = self.outputs.setdefault(name, OutputReport(name, kind))
            rep.n_rows += n
            if r.shape != g.shape:
                rep.problem = f"shape {g.shape}; the estimator returns {r.shape}"
                continue
            hard = np.zeros(r.shape, dtype=bool)  # disagreements no boundary forgives
            rounding = np.zeros(n, dtype=bool)  # rows forgiven by the estimator's own rounding
            if kind == "label":
                rep.problem = rep.problem or _label_dtype_problem(r, g)
                bad = r != g
                if name in slack:  # a label the estimator's rounding may have decided (slack > 0)
                    own = (bad if bad.ndim == 1 else bad.any(axis=1)) & (np.asarray(slack[name]) > 0)
                    rounding |= own
                    bad = bad & ~(own if bad.ndim == 1 else own[:, None])
                err = bad.astype(np.float64)
            else:
                rf, gf = r.astype(np.float64), g.astype(np.float64)
                with np.errstate(invalid="ignore"):
                    err = np.abs(gf - rf)
                # Equal values (infinities included) and NaN against NaN agree; anything else non-finite
                # disagrees: an infinite reference must not make the tolerance infinite.
                same = (rf == gf) | (np.isnan(rf) & np.isnan(gf))
                err = np.where(same, 0.0, np.nan_to_num(err, nan=np.inf))
                finite = np.isfinite(rf) & np.isfinite(gf)
                bad = ~same & ((err > self.atol + self.rtol * np.abs(rf)) | ~finite)
                hard = np.isfinite(rf) & ~np.isfinite(gf)
                if name in slack:  # within the estimator's own rounding: forgiven, counted apart
                    extra = np.asarray(slack[name], dtype=np.float64).reshape((n,) + (1,) * (r.ndim - 1))
                    own = bad & finite & (err <= self.atol + self.rtol * np.abs(rf) + extra)
                    rounding |= own.any(axis=1) if own.ndim == 2 else own
                    bad &= ~own
                if err.size:
                    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                        rel = np.nan_to_num(err / np.maximum(np.abs(rf), np.finfo(np.float64).tiny), nan=np.inf)
                    rep.max_abs_err = max(rep.max_abs_err, float(err.max()))
                    rep.max_rel_err = max(rep.max_rel_err, float(rel.max()))
            if r.ndim == 2:
                bad, err, hard = bad.any(axis=1), err.max(axis=1), hard.any(axis=1)
            rep.n_nonfinite += int(hard.sum())
            rep.n_reference_rounding += int(rounding.sum())
            near = bad & boundary & ~hard if boundary is not None else np.zeros_like(bad)
            rep.n_boundary += int(near.sum())
            real = bad & ~near
            rep.n_mismatch += int(real.sum())
            for i in np.flatnonzero(real):
                item = (float(err[i]), offset + int(i))
                if len(rep.worst) < self.n_worst:
                    heapq.heappush(rep.worst, item)
                else:
                    heapq.heappushpop(rep.worst, item)
        self.n_rows += n

    @property
    def equivalent(self) -> bool:
        return not self.missing and not self.extra and all(r.ok for r in self.outputs.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "equivalent": self.equivalent,
            "dtype": self.dtype,
            "rows": self.n_rows,
            "rtol": self.rtol,
            "atol": self.atol,
            "missing_outputs": self.missing,
            "unexpected_outputs": self.extra,
            "outputs": [r.to_dict() for r in self.outputs.values()],
        }

    def format_text(self) -> str:
        lines = [f"{self.n_rows} rows, {self.dtype}, rtol={self.rtol:g} atol={self.atol:g}"]
        for r in self.outputs.values():
            status = "OK  " if r.ok else "FAIL"
            if r.kind == "label":
                detail = f"labels agree {100 * r.agreement:.4f}% ({r.n_mismatch} disagree"
                detail += f", {r.n_boundary} flips within float32 rounding of the boundary)" if r.n_boundary else ")"
                if r.n_reference_rounding:
                    detail += f", {r.n_reference_rounding} decided by the estimator's own rounding"
            else:
                detail = f"max abs err {r.max_abs_err:.3g}, max rel err {r.max_rel_err:.3g}, {r.n_mismatch} rows out of tolerance"
                if r.n_boundary:
                    detail += f", {r.n_boundary} rows at a float32 decision boundary"
                if r.n_nonfinite:
                    detail += f", {r.n_nonfinite} not finite where the estimator is (overflow)"
                if r.n_reference_rounding:
                    detail += f", {r.n_reference_rounding} rows within the estimator's own rounding"
            lines.append(f"  {status} {r.name:<18} {detail}")
            if r.problem:
                lines.append(f"       {r.problem}")
            if r.worst:
                rows = ", ".join(
                    f"{row} ({e:.3g})" if r.kind == "float" else str(row) for e, row in sorted(r.worst, reverse=True)
                )
                lines.append(f"       worst rows: {rows}")
        for m in self.missing:
            lines.append(f"  FAIL {m:<18} missing from the network (the estimator has {m})")
        for m in self.extra:
            lines.append(f"  FAIL {m:<18} in the network, but the estimator has no {m}")
        lines.append("equivalent" if self.equivalent else "NOT equivalent")
        return "\n".join(lines)


def numpy_runner(network: ir.Network, dtype: str = "float64") -> Runner:
    from nnconvert.runtime import run

    return lambda X: run(network, X, np.dtype(dtype))


def torch_runner(network: ir.Network, dtype: str = "float64", device: str = "cpu") -> Runner:
    """A runner over the network's torch module (``nnconvert.to_torch``) on ``device``; class
    indices come back as the class labels."""
    import torch

    from nnconvert.exporters.torch import to_torch  # MissingDependency without torch
    from nnconvert.runtime.columns import is_columns

    if device == "cuda" and not torch.cuda.is_available():
        raise DataError("torch sees no CUDA device on this machine")
    module = to_torch(network, dtype=dtype).to(device)

    def run(X: Any) -> dict[str, np.ndarray]:
        with torch.no_grad():
            if network.inputs and is_columns(X):
                return module.decode(module(module.encode(X).to(device)))  # columns by name
            with np.errstate(over="ignore"):  # past float32's range is +-inf
                x = np.asarray(X, dtype=dtype)
            return module.decode(module(torch.as_tensor(x, device=device)))

    return run


def onnx_runner(model: Any, device: str = "cpu") -> tuple[Runner, str]:
    """A runner over an onnxruntime session (CPU, or the CUDA provider for ``device="cuda"``),
    and the dtype of the model's float input(s). A model with named column inputs (its metadata
    ``inputs``) is fed by name: the runner takes the columns (a mapping or DataFrame) or the
    internal ``X``, decoded into columns (``nnconvert.runtime.columns.decode_columns``)."""
    import json

    import onnxruntime as ort

    from nnconvert.runtime.columns import column_feeds, decode_columns, is_columns

    provider = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}[device]
    if provider not in ort.get_available_providers():
        raise DataError(f"this onnxruntime has no {provider} (install onnxruntime-gpu on a machine with a GPU)")
    data = model if isinstance(model, bytes) else model.SerializeToString()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(data, options, providers=[provider])
    claimed = session.get_modelmeta().custom_metadata_map.get("inputs")
    try:
        columns = None if claimed is None else ir.inputs_from_json(json.loads(claimed), "ONNX metadata 'inputs'")
    except json.JSONDecodeError:
        raise DataError("the ONNX model's metadata 'inputs' is not valid JSON") from None
    inputs = session.get_inputs()
    expected = [c.name for c in columns] if columns else [ir.INPUT]
    if [i.name for i in inputs] != expected:
        raise DataError(f"the ONNX model must have the inputs {expected}, it has {[i.name for i in inputs]}")
    types = {i.type for i in inputs} - {"tensor(string)"}
    if not types:  # only text columns in: the float type is the outputs' (an encoder's transform)
        types = {o.type for o in session.get_outputs()} & {"tensor(float)", "tensor(double)"}
    dtype = {"tensor(float)": "float32", "tensor(double)": "float64"}.get(types.pop()) if len(types) == 1 else None
    if dtype is None:
        raise DataError(f"the ONNX model's inputs are {sorted({i.type for i in inputs})}; expected float or double")
    names = [o.name for o in session.get_outputs()]

    def run(X: Any) -> dict[str, np.ndarray]:
        if columns:
            cols = X if is_columns(X) else decode_columns(columns, X, missing="")
            feeds = column_feeds(columns, cols, dtype)
        else:
            with np.errstate(over="ignore"):  # past float32's range is +-inf, as a float32 caller would send it
                feeds = {ir.INPUT: np.asarray(X, dtype=dtype)}
        return dict(zip(names, session.run(None, feeds), strict=True))

    return run, dtype


def _guarded(fn: Callable[[Any], Mapping[str, np.ndarray]], X: Any, what: str) -> Mapping[str, np.ndarray]:
    try:
        return fn(X)
    except NnconvertError:
        raise
    except Exception as exc:  # runtime failures on user data are reported, not raised raw
        raise DataError(f"running {what} on the data failed: {type(exc).__name__}: {exc}") from None


def compare_all(
    reference: Callable[[Any], Mapping[str, np.ndarray]],
    checks: Sequence[tuple[Runner, str]],
    chunks: Iterable[Any],
    *,
    network: ir.Network | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    progress: Callable[[int], None] | None = None,
    encode: Callable[[Any], np.ndarray] | None = None,
) -> list[Comparison]:
    """Compare several ``(runner, dtype)`` backends with one reference, chunk by chunk: the
    reference (often the slowest part) and the float32 boundary analysis run once per chunk.

    ``network`` (the IR) is needed in float32 to tell boundary flips from real ones. A chunk is
    ``X`` (float64), or, with ``encode``, the columns by name of a network with named inputs:
    the reference and the runners get the columns as they are, the boundary analysis the
    internal ``X`` that ``encode`` makes of them.
    """
    labels = label_outputs(network)
    tols = [tolerance_for(dtype, network) for _, dtype in checks]
    cmps = [
        Comparison(
            dtype, rtol=tol.rtol if rtol is None else rtol, atol=tol.atol if atol is None else atol, labels=labels
        )
        for (_, dtype), tol in zip(checks, tols, strict=True)
    ]
    need_boundary = network is not None and any(dtype == "float32" for _, dtype in checks)
    for chunk in chunks:
        if encode is None:
            X = data = np.asarray(chunk, dtype=np.float64)
        else:
            data, X = chunk, encode(chunk)
        ref = _guarded(reference, data, "the model")
        boundary = boundary_rows(network, X) if need_boundary else None
        for (runner, dtype), cmp in zip(checks, cmps, strict=True):
            cmp.update(ref, _guarded(runner, data, "the network"), boundary if dtype == "float32" else None)
        if progress is not None:
            progress(len(X))
    if not cmps or cmps[0].n_rows == 0:
        raise DataError("no rows to compare: the data holds no rows, and verify proves nothing on zero rows")
    return cmps


def reference_frame(columns: Mapping[str, np.ndarray], none_columns: Collection[str] = ()) -> Any:
    """Columns by name as the pandas DataFrame an estimator fitted on one takes: number columns
    float64, string columns object dtype with NaN for a missing cell (as ``pandas.read_csv``
    gives them, and as scikit-learn's imputers and encoders take missing strings), or None in
    ``none_columns`` (a model fitted with None as its missing value,
    :func:`nnconvert.runtime.columns.none_missing`)."""
    import pandas as pd

    frame: dict[str, Any] = {}
    for name, values in columns.items():
        if values.dtype == object:
            gap = None if name in none_columns else np.nan
            cells = np.array(
                [gap if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()], dtype=object
            )
            frame[name] = pd.Series(cells, dtype=object)
        else:
            frame[name] = pd.Series(values, dtype=np.float64)
    return pd.DataFrame(frame, columns=list(columns))


def overflow_rows(X: np.ndarray, outputs: Mapping[str, np.ndarray], dtype: str) -> np.ndarray:
    """Rows of ``X`` that are finite but not finite in ``dtype`` (|x| beyond its range), or whose
    float outputs are not finite: a network's values overflowed, they are no prediction."""
    X = np.asarray(X, dtype=np.float64)
    finite = np.isfinite(X).all(axis=1)
    with np.errstate(over="ignore"):
        bad = ~np.isfinite(X.astype(dtype)).all(axis=1)
    for v in outputs.values():
        v = np.asarray(v)
        if v.dtype.kind == "f":
            bad |= ~np.isfinite(v.reshape(len(X), -1)).all(axis=1)
    return finite & bad


def compare(
    reference: Callable[[np.ndarray], Mapping[str, np.ndarray]],
    runner: Runner,
    chunks: Iterable[np.ndarray],
    *,
    dtype: str,
    network: ir.Network | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> Comparison:
    """One backend: :func:`compare_all` with a single ``(runner, dtype)``."""
    return compare_all(reference, [(runner, dtype)], chunks, network=network, rtol=rtol, atol=atol, progress=progress)[
        0
    ]
