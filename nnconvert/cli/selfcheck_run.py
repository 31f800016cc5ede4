"""The CLI side of self-verifying artifacts: references embedded by ``convert`` and re-run by
``nnconvert verify NETWORK`` (``|net(X_ref) - f(X_ref)| <= atol + rtol |f(X_ref)|``, labels equal).

An ONNX file keeps them as JSON text in the ``nnconvert_references`` metadata entry, a JSON spec
as its top-level ``"references"`` object (see :mod:`nnconvert.check.selfcheck`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from nnconvert.check.selfcheck import ONNX_KEY, check_references, make_references, refilter, validate_references
from nnconvert.errors import DataError, InvalidNetwork
from nnconvert.io.sources import Source, open_source

if TYPE_CHECKING:
    from nnconvert.cli.data_run import DataArgs


def embedded_references(src: Source) -> dict[str, Any] | None:
    """The references embedded in an ONNX file or JSON spec (validated), or None."""
    if src.kind == "onnx":
        props = {p.key: p.value for p in src.onnx_model.metadata_props}
        if ONNX_KEY not in props:
            return None
        try:
            obj = json.loads(props[ONNX_KEY])
        except json.JSONDecodeError:
            raise InvalidNetwork(f"{src.path.name}: metadata {ONNX_KEY!r} is not valid JSON") from None
        return validate_references(obj, src.n_features)
    if src.kind == "json":
        from nnconvert.exporters.json_spec import read_references

        return read_references(src.path)
    return None


def summary(refs: dict[str, Any] | None) -> dict[str, Any] | None:
    """What ``inspect`` shows: row count, dtype, where the rows came from, rows dropped."""
    if refs is None:
        return None
    return {
        "rows": len(refs["X"]),
        "dtype": refs["dtype"],
        "outputs": list(refs["outputs"]),
        "source": refs.get("source"),
        "dropped": refs.get("dropped"),
    }


def references_for(
    src: Source,
    network: Any,
    dtype: str,
    *,
    n: int,
    data: DataArgs | None = None,
    onnx_model: Any = None,
) -> dict[str, Any]:
    """The references ``convert`` embeds for ``src`` written in ``dtype`` (see the module doc).

    A model: its own outputs on ``data`` rows or sampled rows. A JSON spec that carries
    references: those, less rows ``dtype`` cannot check robustly; one without: the spec's
    float64 runtime is the reference. ``onnx_model`` (the graph being written) must agree too.
    """
    runners = []
    if onnx_model is not None:
        from nnconvert.check.verify import onnx_runner

        runners.append(onnx_runner(onnx_model)[0])
    X = None
    if data is not None:
        from nnconvert.cli.data_run import read_rows
        from nnconvert.cli.verify_run import accepts_missing

        X = read_rows(data, n_features=network.n_features, expected_names=network.meta.feature_names,
                      allow_missing=accepts_missing(network), network=network)  # fmt: skip
    if src.kind == "json" and X is None:
        carried = embedded_references(src)
        if carried is not None:
            return refilter(carried, network, dtype)
    estimator = src.estimator if src.kind == "model" else None
    return make_references(estimator, network, dtype=dtype, X=X, n=n, runners=runners)


def self_check(path: str, *, dtype: str | None, rtol: float | None, atol: float | None) -> Any:
    """``verify NETWORK``: re-run the references embedded in ``path`` on the runtime at hand
    (onnxruntime for ONNX, the numpy runtime for a JSON spec); a verify_run.Report.

    Tolerances come from the command line (else the defaults in code), never from the file.
    Only a JSON spec's own network tells float32 boundary flips apart: an ONNX file's rows were
    chosen away from its boundaries when it was written, so every mismatch there counts.
    """
    from nnconvert.cli.verify_run import Report, network_check

    src = open_source(path)
    refs = embedded_references(src)
    if refs is None:
        raise DataError(
            f"{src.path.name} has no embedded references to check (convert it again without --no-references, "
            "or give the model: verify MODEL NETWORK --data FILE)"
        )
    if not refs["X"]:
        raise DataError(f"{src.path.name} embeds no usable reference rows (every candidate row was dropped)")
    check = network_check(src, path, dtype, default_dtype=refs["dtype"])
    network = src.network if src.kind == "json" else None  # the network being run, nothing it claims
    cmp = check_references(check.runner, refs, rtol=rtol, atol=atol, dtype=check.dtype, network=network)
    check.network = f"{path}, {len(refs['X'])} embedded reference rows"
    return Report(results=[(check, cmp)])


def as_arrays(refs: dict[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The reference rows and outputs as numpy arrays (for tests and scripts)."""
    X = np.asarray(refs["X"], dtype=np.float64)
    return X, {m: np.asarray(v) for m, v in refs["outputs"].items()}
