"""The work behind ``nnconvert verify`` and ``nnconvert predict``: which backends to check, the
rows to check them on, and the report.

``verify`` compares ``reference_outputs(estimator, X)`` (float64, the estimator's own methods)
with each backend's outputs chunk by chunk through :func:`nnconvert.check.verify.compare`, passing
the IR converted from the model so float32 flips at a decision boundary are told apart from
real disagreements. Without a NETWORK file the backends are the numpy runtime (float64) and
onnxruntime (``--dtype``, float32 by default) on the network converted in memory.

A network with named column inputs (``Network.inputs``) reads the data by name as columns
(:func:`reading`): the estimator gets a pandas DataFrame of every column it was fitted on
(:func:`nnconvert.check.verify.reference_frame`: strings as object, numbers float64), each
backend the columns by name (onnxruntime one ``[N, 1]`` feed per input), and the boundary
analysis the internal ``X`` they encode to. A matrix network reads ``X`` in its feature order.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from nnconvert.check.memory import Widths, feed_row_bytes, onnx_widths, predict_phases, verify_phases, widths_of
from nnconvert.cli.data_run import DataArgs, Limits, open_rows, pieces, progress_total, wanted_columns
from nnconvert.cli.publish import interruptible
from nnconvert.cli.support import progress
from nnconvert.errors import DataError, ModelLoadError, NnconvertError
from nnconvert.io.sources import Source, open_source
from nnconvert.io.table import ANY, Wanted


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
    columns: list[Wanted] | None = None  # what the data reader reads by name (see reading())
    matrix: bool = True  # chunks are X; else columns by name (a network with named inputs)


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


def reading(network: Any, names: Sequence[str] | None, *, estimator: bool) -> tuple[list[Wanted] | None, bool]:
    """``(columns, matrix)`` the data reader reads for ``network``: a matrix network its feature
    ``names`` (all numbers) into ``X``; a network with named inputs its inputs by name and kind,
    and, for the estimator (``estimator=True``, verify), every other column it was fitted on too
    (``any``: read as found, the network does not read it)."""
    inputs = getattr(network, "inputs", None) if network is not None else None
    if not inputs:
        return wanted_columns(names), True
    kinds = {i.name: i.kind for i in inputs}
    if not estimator:
        return [Wanted(i.name, i.kind) for i in inputs], False
    order = list(names) if names is not None else [i.name for i in inputs]
    return [Wanted(n, kinds.get(n, ANY)) for n in order], False


def _onnx_inputs(model: Any) -> tuple[Any, int | None]:
    """An ONNX file's named column inputs (None: one matrix ``X``) and its internal width."""
    from nnconvert.exporters.onnx import read_metadata

    meta = read_metadata(model)
    n = meta.get("n_features")
    return meta.get("inputs") or None, int(n) if isinstance(n, int) else None


def _fed_by_matrix(check: Check, network: Any) -> Check:
    """A check of a NETWORK file that takes ``X`` while the data come as columns: encode them."""
    from nnconvert.runtime.columns import encode_columns, is_columns

    runner = check.runner
    check.runner = lambda data: runner(encode_columns(network, data) if is_columns(data) else data)
    return check


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
        columns, matrix = reading(ir_net, names, estimator=True)
        return Plan(src.estimator, ir_net, checks, _n_features(src.estimator, ir_net), names, widths_of(ir_net),
                    columns, matrix)  # fmt: skip
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
    takes_columns = bool(getattr(nsrc.network, "inputs", None)) if nsrc.kind == "json" else False
    if nsrc.kind == "onnx":
        onnx_inputs, onnx_width = _onnx_inputs(nsrc.onnx_model)
        takes_columns = onnx_inputs is not None
        n_net = onnx_width if takes_columns else n_net
    if n_model is not None and n_net is not None and n_model != n_net:
        raise DataError(
            f"{network_path} takes {n_net} features but {src.path.name} takes {n_model}: not the network of this model"
        )
    names = ir_net.meta.feature_names if ir_net is not None else getattr(src.estimator, "feature_names_in_", None)
    names = None if names is None else tuple(str(n) for n in names)
    widths = widths_of(ir_net) if ir_net is not None else onnx_widths(nsrc.onnx_model)
    columns, matrix = reading(ir_net, names, estimator=True)
    if not matrix and not takes_columns:
        checks = [_fed_by_matrix(c, ir_net) if c.backend != "torch" else c for c in checks]
    return Plan(src.estimator, ir_net, checks, n_model or n_net, names, widths, columns, matrix)


def _reference(estimator: Any, network: Any = None) -> Callable[[Any], dict[str, np.ndarray]]:
    """The estimator's outputs on a chunk: ``X`` as it is, columns by name as the DataFrame it was
    fitted on; a column network's internal ``X`` (synthetic rows) decoded into that DataFrame."""
    from nnconvert.check.verify import reference_frame, reference_outputs

    def run(data: Any) -> dict[str, np.ndarray]:
        if isinstance(data, Mapping):
            from nnconvert.runtime.columns import none_missing

            data = reference_frame(data, none_missing(network))
        elif getattr(network, "inputs", None):
            from nnconvert.runtime.columns import estimator_frame

            data = estimator_frame(network, data)
        with warnings.catch_warnings():
            # A model fitted on a DataFrame warns on arrays; the CLI read the columns by name itself.
            warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
            return reference_outputs(estimator, data)

    return run


def _rows(plan: Plan, data: DataArgs | None, synthetic: int | None, limits: Limits) -> tuple[Iterator[Any], int | None]:
    """The rows in chunks sized to ``--max-memory`` (``X``, or columns by name), and their count
    (None off a terminal, where no progress bar shows)."""
    checks = [(c.backend, c.dtype) for c in plan.checks]
    if data is not None:
        source = open_rows(data, n_features=plan.n_features if plan.matrix else None,
                           expected_names=plan.feature_names,
                           allow_missing=plan.network is not None and accepts_missing(plan.network),
                           columns=plan.columns, matrix=plan.matrix)  # fmt: skip
        total = progress_total(source)
        feed = 0 if plan.matrix else feed_row_bytes([c.kind for c in plan.columns or ()], plan.n_features or 0)
        rows = limits.rows(verify_phases(plan.widths, checks, source.row_bytes, feed), total)
        return (t.data for t in interruptible(source.tables(rows))), total
    if plan.network is None:
        raise DataError("--synthetic reads the network nnconvert converts from MODEL, which failed; use --data")
    if synthetic is None:
        raise DataError("give --data FILE or --synthetic N")
    from nnconvert.check.synthetic import iter_synthetic

    # synthetic rows come in fixed, seeded blocks: cut them to the chunk size
    rows = limits.rows(verify_phases(plan.widths, checks, 8 * plan.network.n_features), synthetic)
    chunks = interruptible(pieces(iter_synthetic(plan.network, synthetic), rows))
    if getattr(plan.network, "inputs", None):  # string columns take codes of their vocabulary
        from nnconvert.runtime.columns import internal_rows

        chunks = (internal_rows(plan.network, X) for X in chunks)
    return chunks, synthetic


def run_checks(plan: Plan, *, data: DataArgs | None, synthetic: int | None, limits: Limits, atol: float | None,
               rtol: float | None) -> Report:  # fmt: skip
    """Compare every backend of ``plan`` with the estimator, in one pass over the rows."""
    from nnconvert.check.verify import compare_all

    chunks, total = _rows(plan, data, synthetic, limits)
    label = ", ".join(f"{c.backend} {c.dtype}" for c in plan.checks)
    encode = None
    if not plan.matrix and data is not None:  # columns by name (synthetic rows are the internal X)
        from nnconvert.runtime.columns import encode_columns

        encode = functools.partial(encode_columns, plan.network)
    with progress(total, label) as update:
        cmps = compare_all(
            _reference(plan.estimator, plan.network),
            [(c.runner, c.dtype) for c in plan.checks],
            chunks,
            network=plan.network,
            rtol=rtol,
            atol=atol,
            progress=update,
            encode=encode,
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
        inputs, n_internal = _onnx_inputs(src.onnx_model)
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
        inputs, n_internal = getattr(net, "inputs", None) or None, net.n_features
    wanted = None if inputs is None else [Wanted(i.name, i.kind) for i in inputs]
    source = open_rows(data, n_features=None if inputs else src.n_features, expected_names=names,
                       allow_missing=missing, columns=wanted, matrix=inputs is None)  # fmt: skip
    total = progress_total(source)
    feed = (
        0
        if inputs is None
        else feed_row_bytes([i.kind for i in inputs], n_internal or 1 + max(i.column for i in inputs))
    )
    phases = predict_phases(
        widths, backend, dtype, source.row_bytes, feed, id_column=source.layout.id_index is not None
    )
    writer = PredictionWriter(stream, classes, columns if isinstance(columns, dict) else None, source.layout.id_name)
    with progress(total, "predict") as update:
        for table in interruptible(source.tables(data.limits.rows(phases, total))):
            X = table.data
            try:
                outputs = runner(X)
                if inputs is not None:  # the internal X, for the overflow check
                    from nnconvert.runtime.columns import encode_inputs

                    X = encode_inputs(inputs, n_internal or 1 + max(i.column for i in inputs), X)
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
