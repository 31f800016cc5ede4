"""The work behind ``nnconvert verify`` and ``nnconvert predict``: which backends to check, the
rows to check them on, and the report.

``verify`` compares ``reference_outputs(estimator, X)`` (float64, the estimator's own methods)
with each backend's outputs chunk by chunk through :func:`nnconvert.check.verify.compare`, passing
the IR converted from the model so float32 flips at a decision boundary are told apart from
real disagreements. Without a NETWORK file the backends are the numpy runtime (float64) and
onnxruntime (``--dtype``, float32 by default) on the network converted in memory.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

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
        return Plan(src.estimator, ir_net, checks, _n_features(src.estimator, ir_net), ir_net.meta.feature_names)
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
    return Plan(src.estimator, ir_net, checks, n_model or n_net, None if names is None else tuple(names))


def check_feature_names(data: str, target_column: str | None, expected: Any) -> None:
    """Refuse data whose header names other features (or another order) than the model's."""
    from nnconvert.io.data import feature_names

    names = feature_names(data, target_column=target_column)
    if names is None or expected is None or list(names) == list(expected):
        return
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    if missing or extra:
        detail = f"missing {', '.join(missing) or '-'}; unexpected {', '.join(extra) or '-'}"
        raise DataError(f"the columns of {data} are not the model's features ({detail})")
    raise DataError(f"the columns of {data} are the model's features in another order; expected {', '.join(expected)}")


def _reference(estimator: Any) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    from nnconvert.check.verify import reference_outputs

    def run(X: np.ndarray) -> dict[str, np.ndarray]:
        with warnings.catch_warnings():
            # A model fitted on a DataFrame warns on arrays; the CLI checked the names itself.
            warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
            return reference_outputs(estimator, X)

    return run


def _rows(
    data: str | None, synthetic: int | None, plan: Plan, target_column: str | None, chunk_rows: int
) -> tuple[Iterator[np.ndarray], int | None]:
    """The rows in chunks, and their count (None off a terminal, where no progress bar shows)."""
    if data is not None:
        from nnconvert.io.data import count_rows, iter_data

        total = count_rows(data) if sys.stderr.isatty() else None
        return iter_data(data, n_features=plan.n_features, target_column=target_column, chunk_rows=chunk_rows), total
    if plan.network is None:
        raise DataError("--synthetic reads the network nnconvert converts from MODEL, which failed; use --data")
    if synthetic is None:
        raise DataError("give --data FILE or --synthetic N")
    from nnconvert.check.synthetic import iter_synthetic

    return iter_synthetic(plan.network, synthetic), synthetic


def run_checks(plan: Plan, *, data: str | None, synthetic: int | None, target_column: str | None, chunk_rows: int,
               atol: float | None, rtol: float | None) -> Report:  # fmt: skip
    """Compare every backend of ``plan`` with the estimator, in one pass over the rows."""
    from nnconvert.check.verify import compare_all

    chunks, total = _rows(data, synthetic, plan, target_column, chunk_rows)
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


def predict_rows(
    src: Source, data: str, stream: IO[str], *, target_column: str | None, dtype: str | None, chunk_rows: int
) -> int:
    """Run ``src``'s network on ``data`` chunk by chunk, writing CSV to ``stream``; the row count."""
    from nnconvert.cli.output import PredictionWriter
    from nnconvert.io.data import count_rows, iter_data

    if src.kind == "onnx":
        from nnconvert.check.verify import onnx_runner
        from nnconvert.exporters.onnx import read_metadata

        runner, _ = onnx_runner(src.onnx_model)
        meta = read_metadata(src.onnx_model)
        classes, names = meta.get("classes"), meta.get("feature_names")
    else:
        from nnconvert.check.verify import numpy_runner

        net = src.ir()
        runner, classes, names = numpy_runner(net, dtype or "float64"), net.meta.classes, net.meta.feature_names
    check_feature_names(data, target_column, names)
    writer = PredictionWriter(stream, classes)
    chunks = iter_data(data, n_features=src.n_features, target_column=target_column, chunk_rows=chunk_rows)
    with progress(count_rows(data) if sys.stderr.isatty() else None, "predict") as update:
        for X in chunks:
            try:
                outputs = runner(X)
            except NnconvertError:
                raise
            except Exception as exc:
                raise DataError(
                    f"running the network on {data} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
                ) from None
            writer.write(outputs)
            if update is not None:
                update(len(X))
    return writer.rows
