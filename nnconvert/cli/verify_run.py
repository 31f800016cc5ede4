"""The work behind ``nnconvert verify`` and ``nnconvert predict``: which backends to check, the
rows to check them on, and the report.

``verify`` compares ``reference_outputs(estimator, X)`` (float64, the estimator's own methods)
with each backend's outputs chunk by chunk through :func:`nnconvert.check.verify.compare`, passing
the IR converted from the model so float32 flips at a decision boundary are told apart from
real disagreements. Without a NETWORK file the backends are the numpy runtime (float64) and
onnxruntime (``--dtype``, float32 by default) on the network converted in memory.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from nnconvert.check.memory import Widths, onnx_widths, predict_phases, verify_phases, widths_of
from nnconvert.cli.data_run import DataArgs, Limits, open_rows, pieces, progress_total
from nnconvert.cli.support import progress
from nnconvert.errors import DataError, ModelLoadError, NnconvertError
from nnconvert.io.sources import Source, open_source


@dataclass
class Check:
    """One backend to compare with the estimator."""

    backend: str  # "numpy runtime", "onnxruntime" or "torch"
    network: str  # the NETWORK file, or "converted in memory"
    runner: Callable[[np.ndarray], Mapping[str, np.ndarray]]
    dtype: str
    device: str = "cpu"

    @property
    def title(self) -> str:
        where = f", {self.device}" if self.device != "cpu" else ""
        return f"{self.backend} ({self.dtype}{where}), {self.network}"


@dataclass
class Plan:
    estimator: Any
    network: Any  # the IR (from MODEL, else from a JSON NETWORK), or None
    checks: list[Check]
    n_features: int | None
    feature_names: tuple[str, ...] | None
    widths: Widths  # per-row sizes of the network's runs (chunk sizing)


@dataclass
class Report:
    results: list[tuple[Check, Any]] = field(default_factory=list)  # (check, verify.Comparison)

    @property
    def equivalent(self) -> bool:
        return all(cmp.equivalent for _, cmp in self.results)

    def to_dict(self) -> dict[str, Any]:
        checks = [
            {"backend": c.backend, "device": c.device, "network": c.network, **cmp.to_dict()} for c, cmp in self.results
        ]
        return {"equivalent": self.equivalent, "checks": checks}

    def format_text(self) -> str:
        parts = [f"{c.title}:\n" + _indent(cmp.format_text()) for c, cmp in self.results]
        if len(self.results) > 1:
            parts.append("equivalent" if self.equivalent else "NOT equivalent")
        return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _n_features(estimator: Any, network: Any) -> int | None:
    if network is not None:
        return int(network.n_features)
    n = getattr(estimator, "n_features_in_", None)
    return None if n is None else int(n)


def network_check(src: Source, path: str, dtype: str | None, *, default_dtype: str, device: str = "cpu") -> Check:
    """The backend for a NETWORK file: onnxruntime for ONNX (in the file's own dtype, on
    ``device``), the numpy runtime for a JSON spec (in ``dtype``, else ``default_dtype``)."""
    from nnconvert.check.verify import numpy_runner, onnx_runner

    if src.kind == "onnx":
        runner, d = onnx_runner(src.onnx_model, device)
        if dtype is not None and dtype != d:
            raise DataError(
                f"{path} takes {d} input; --dtype {dtype} does not apply to it (convert again with --dtype {dtype})"
            )
        return Check("onnxruntime", path, runner, d, device)
    d = dtype or default_dtype
    return Check("numpy runtime", path, numpy_runner(src.network, d), d)


def _torch_check(ir_net: Any, where: str, dtype: str, device: str) -> Check:
    from nnconvert.check.verify import torch_runner

    if ir_net is None:
        raise DataError("the torch check runs the network nnconvert converts from MODEL (or a JSON NETWORK)")
    return Check("torch", where, torch_runner(ir_net, dtype, device), dtype, device)


def plan_checks(
    src: Source, network_path: str | None, dtype: str | None, *, device: str = "cpu", with_torch: bool = False
) -> Plan:
    """The backends to check for ``verify MODEL [NETWORK]`` (see the module doc); ``device``
    runs onnxruntime (CUDA provider) and torch on that device; torch is checked when
    ``with_torch`` or on a GPU."""
    from nnconvert.check.verify import numpy_runner, onnx_runner

    with_torch = with_torch or device != "cpu"
    try:
        ir_net, problem = src.ir(), None
    except NnconvertError as exc:
        ir_net, problem = None, exc
    if network_path is None:
        if problem is not None:
            raise problem
        from nnconvert.exporters.onnx import to_onnx

        runner, d = onnx_runner(to_onnx(ir_net, dtype=dtype or "float32"), device)
        memory = "converted in memory"
        checks = [
            Check("numpy runtime", memory, numpy_runner(ir_net, "float64"), "float64"),
            Check("onnxruntime", memory, runner, d, device),
        ]
        if with_torch:
            checks.append(_torch_check(ir_net, memory, d, device))
        names = ir_net.meta.feature_names
        return Plan(src.estimator, ir_net, checks, _n_features(src.estimator, ir_net), names, widths_of(ir_net))
    nsrc = open_source(network_path)
    if nsrc.kind == "model":
        raise ModelLoadError(f"NETWORK must be an ONNX file or a JSON network spec, not the model file {network_path}")
    check = network_check(nsrc, network_path, dtype, default_dtype="float64", device=device)
    if nsrc.kind == "json" and ir_net is None:
        ir_net = nsrc.network
    checks = [check]
    if with_torch:
        checks.append(_torch_check(nsrc.network if nsrc.kind == "json" else ir_net, network_path, check.dtype, device))
    n_model, n_net = _n_features(src.estimator, ir_net), nsrc.n_features
    if n_model is not None and n_net is not None and n_model != n_net:
        raise DataError(
            f"{network_path} takes {n_net} features but {src.path.name} takes {n_model}: not the network of this model"
        )
    names = ir_net.meta.feature_names if ir_net is not None else getattr(src.estimator, "feature_names_in_", None)
    widths = widths_of(ir_net) if ir_net is not None else onnx_widths(nsrc.onnx_model)
    return Plan(src.estimator, ir_net, checks, n_model or n_net, None if names is None else tuple(names), widths)


def _reference(estimator: Any) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    from nnconvert.check.verify import reference_outputs

    def run(X: np.ndarray) -> dict[str, np.ndarray]:
        with warnings.catch_warnings():
            # A model fitted on a DataFrame warns on arrays; the CLI checked the names itself.
            warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
            return reference_outputs(estimator, X)

    return run


def _rows(
    plan: Plan, data: DataArgs | None, synthetic: int | None, limits: Limits
) -> tuple[Iterator[np.ndarray], int | None]:
    """The rows in chunks sized to ``--max-memory``, and their count (None off a terminal, where no
    progress bar shows)."""
    checks = [(c.backend, c.dtype) for c in plan.checks]
    if data is not None:
        source = open_rows(data, n_features=plan.n_features, expected_names=plan.feature_names,
                           allow_missing=plan.network is not None and accepts_missing(plan.network))  # fmt: skip
        total = progress_total(source)
        return source.chunks(limits.rows(verify_phases(plan.widths, checks, source.row_bytes), total)), total
    if plan.network is None:
        raise DataError("--synthetic reads the network nnconvert converts from MODEL, which failed; use --data")
    if synthetic is None:
        raise DataError("give --data FILE or --synthetic N")
    from nnconvert.check.synthetic import iter_synthetic

    # synthetic rows come in fixed, seeded blocks: cut them to the chunk size
    rows = limits.rows(verify_phases(plan.widths, checks, 8 * plan.network.n_features), synthetic)
    return pieces(iter_synthetic(plan.network, synthetic), rows), synthetic


def run_checks(plan: Plan, *, data: DataArgs | None, synthetic: int | None, limits: Limits, atol: float | None,
               rtol: float | None) -> Report:  # fmt: skip
    """Compare every backend of ``plan`` with the estimator, in one pass over the rows."""
    from nnconvert.check.verify import compare_all

    chunks, total = _rows(plan, data, synthetic, limits)
    label = ", ".join(f"{c.backend} {c.dtype}" for c in plan.checks)
    with progress(total, label) as update:
        cmps = compare_all(
            _reference(plan.estimator),
            [(c.runner, c.dtype) for c in plan.checks],
            chunks,
            network=plan.network,
            rtol=rtol,
            atol=atol,
            progress=update,
        )
    return Report(results=list(zip(plan.checks, cmps, strict=True)))


def accepts_missing(network: Any) -> bool:
    """The network's estimator takes NaN as a missing value (recorded in its metadata)."""
    return bool(network.meta.extra.get("accepts_missing", False))


def predict_rows(src: Source, data: DataArgs, stream: IO[str], *, dtype: str | None) -> int:
    """Run ``src``'s network on ``data`` in chunks sized to ``--max-memory``, writing CSV to
    ``stream``; the row count.

    A finite row whose values overflow the network's float type (an input beyond its range, or
    outputs that come out infinite or NaN) is refused with one error naming the row: a CSV of
    ``inf`` would pass for predictions.
    """
    from nnconvert.check.verify import overflow_rows
    from nnconvert.cli.output import PredictionWriter

    if src.kind == "onnx":
        from nnconvert.check.verify import onnx_runner
        from nnconvert.exporters.onnx import read_metadata

        runner, dtype = onnx_runner(src.onnx_model)
        meta = read_metadata(src.onnx_model)
        classes, names = meta.get("classes"), meta.get("feature_names")
        widths, backend = onnx_widths(src.onnx_model), "onnxruntime"
        hint = "convert the model again with --dtype float64"
        columns = (meta.get("extra") or {}).get("columns") if isinstance(meta.get("extra"), dict) else None
        missing = bool((meta.get("extra") or {}).get("accepts_missing", False))
    else:
        from nnconvert.check.verify import numpy_runner

        net, dtype = src.ir(), dtype or "float64"
        runner, classes, names = numpy_runner(net, dtype), net.meta.classes, net.meta.feature_names
        widths, backend = widths_of(net), "numpy runtime"
        hint = "try --dtype float64" if dtype == "float32" else "the values exceed float64's range"
        columns = net.meta.extra.get("columns")
        missing = accepts_missing(net)
    source = open_rows(data, n_features=src.n_features, expected_names=names, allow_missing=missing)
    total = progress_total(source)
    phases = predict_phases(widths, backend, dtype, source.row_bytes, id_column=source.layout.id_index is not None)
    writer = PredictionWriter(stream, classes, columns if isinstance(columns, dict) else None, source.layout.id_name)
    with progress(total, "predict") as update:
        for table in source.tables(data.limits.rows(phases, total)):
            X = table.data
            try:
                outputs = runner(X)
            except NnconvertError:
                raise
            except Exception as exc:
                raise DataError(
                    f"running the network on {data.path} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
                ) from None
            bad = np.flatnonzero(overflow_rows(X, outputs, dtype))
            if len(bad):
                row = writer.rows + int(bad[0])
                raise DataError(
                    f"row {row} of {data.path} (0-based) is finite but overflows the network's {dtype}: "
                    f"its outputs would be infinite or NaN ({hint})"
                )
            writer.write(outputs, table.ids)
            if update is not None:
                update(len(table))
    return writer.rows
