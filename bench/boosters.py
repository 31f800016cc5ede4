"""The gradient-boosting libraries' part of ``make bench`` (``bench/bench.py`` runs it).

XGBClassifier (500 trees of depth 6) and LGBMClassifier (500 trees of 63 leaves) on 20 features,
binary and 5 classes, fitted (untimed) on 5000 synthetic rows. For each batch of 1, 1000 and
100 000 rows it times ``t = median(perf_counter deltas)`` of ``predict_proba`` by: the library itself
(``n_jobs=1``), nnconvert's ONNX (``nnconvert.to_onnx(nnconvert.convert(model))``, float32) and
onnxmltools' ONNX (``ai.onnx.ml`` TreeEnsembleClassifier) in onnxruntime on one thread, and
Hummingbird's torch backend (``torch.set_num_threads(1)``) where it is installed. Ratios
``t_engine / t_nnconvert`` (> 1: nnconvert is faster); agreement of labels with the library's
``predict`` and max ``|Δp|``. A second table gives each converter's convert time (nnconvert's: a
second conversion, the first one having imported its modules) and file size.
CatBoostClassifier (500 oblivious trees of depth 6) too: its onnxmltools column is CatBoost's own
ONNX export (``save_model(format="onnx")``, what ``onnxmltools.convert_catboost`` wraps); Hummingbird has no CatBoost converter. Quick mode: 5 trees of depth 3 / 7 leaves, batches of 1 and 200 rows.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

ENGINES = ("library", "nnconvert", "onnxmltools", "hummingbird")
# Hummingbird, when its call on a batch, extrapolated linearly from the previous batch, would
# take longer than this, is not run there (the table says so): one call of Hummingbird on 100 000
# rows of a 2500-tree model takes many minutes on one thread.
MAX_CALL_SECONDS = 120.0


@dataclass(frozen=True)
class BoosterSpec:
    name: str
    library: str  # xgboost | lightgbm
    n_classes: int


def booster_specs() -> list[BoosterSpec]:
    return [
        BoosterSpec(f"{cls} 500x {shape} 20f {c}c", lib, c)
        for cls, lib, shape in (("XGBClassifier", "xgboost", "depth 6"), ("LGBMClassifier", "lightgbm", "63 leaves"),
                                ("CatBoostClassifier", "catboost", "depth 6"))
        for c in (2, 5)
    ]  # fmt: skip


def fit(spec: BoosterSpec, quick: bool, classification: Callable[..., Any]) -> tuple[Any, np.ndarray]:
    """The fitted model (one thread at predict) and the pool of rows to time on."""
    X, y, pool = classification(20, spec.n_classes, 400 if quick else 5000, quick)
    n_trees = 5 if quick else 500
    if spec.library == "xgboost":
        import xgboost

        est = xgboost.XGBClassifier(n_estimators=n_trees, max_depth=3 if quick else 6, n_jobs=1, random_state=0)
    elif spec.library == "catboost":
        import catboost

        est = catboost.CatBoostClassifier(iterations=n_trees, depth=3 if quick else 6, thread_count=1, random_seed=0,
                                          verbose=0, allow_writing_files=False)  # fmt: skip
    else:
        import lightgbm

        est = lightgbm.LGBMClassifier(n_estimators=n_trees, num_leaves=7 if quick else 63, n_jobs=1, random_state=0,
                                      verbose=-1)  # fmt: skip
    return est.fit(X, y), pool


def _onnxmltools(est: Any, library: str) -> Any:
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    types = [("X", FloatTensorType([None, est.n_features_in_]))]
    if library == "catboost":  # CatBoost's own ONNX export (what onnxmltools' convert_catboost wraps)
        import tempfile
        from pathlib import Path

        import onnx

        with tempfile.TemporaryDirectory() as tmp:
            est.save_model(str(Path(tmp) / "m.onnx"), format="onnx")
            model = onnx.load(str(Path(tmp) / "m.onnx"))
        for node in [n for n in model.graph.node if n.op_type == "ZipMap"]:  # probabilities as a tensor
            model.graph.node.remove(node)
            model.graph.output.remove(next(o for o in model.graph.output if o.name == node.output[0]))
            shape = [None, len(est.classes_)]
            model.graph.output.append(onnx.helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, shape))
        return model
    if library == "xgboost":
        return onnxmltools.convert_xgboost(est, initial_types=types, target_opset=13)
    return onnxmltools.convert_lightgbm(est, initial_types=types, zipmap=False, target_opset=13)


def _hummingbird(est: Any) -> Any:
    import hummingbird.ml
    import torch

    torch.set_num_threads(1)
    return hummingbird.ml.convert(est, "torch")


def converted(spec: BoosterSpec, est: Any, h: Any) -> tuple[dict[str, Any], dict[str, tuple[float, int | None]]]:
    """Untimed for the table, timed for the conversion table: each engine's runner (or an error
    line) and its ``(convert seconds, file bytes)``."""
    import nnconvert

    makers: dict[str, Callable[[], Any]] = {
        "nnconvert": lambda: nnconvert.to_onnx(nnconvert.convert(est), dtype="float32"),
        "onnxmltools": lambda: _onnxmltools(est, spec.library),
        "hummingbird": lambda: _hummingbird(est),
    }
    runners: dict[str, Any] = {"library": lambda X: (est.predict_proba(X), None)}
    costs: dict[str, tuple[float, int | None]] = {}
    for name, make in makers.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if name == "nnconvert":
                    make()  # untimed: the first conversion also imports the converter's modules
                t0 = time.perf_counter()
                model = make()
                seconds = time.perf_counter() - t0
            if name == "hummingbird":
                costs[name] = (seconds, None)
                runners[name] = lambda X, m=model: (m.predict_proba(X), m.predict(X))
                continue
            costs[name] = (seconds, len(model.SerializeToString()))
            sess = h.ort_session(model)
            outs = [o.name for o in sess.get_outputs()]
            label, proba = ("predict", "predict_proba") if name == "nnconvert" else (outs[0], outs[1])
            feed = sess.get_inputs()[0].name
            runners[name] = lambda X, s=sess, a=label, b=proba, f=feed: tuple(reversed(s.run([a, b], {f: X})))
        except Exception as exc:  # reported in the table; the other engines still run
            runners[name] = h._short(exc)
    return runners, costs


def bench_booster(spec: BoosterSpec, budget: Any, quick: bool, h: Any) -> tuple[list[tuple[int, dict[str, Any]]], dict]:
    est, pool = fit(spec, quick, h._classification)
    runners, costs = converted(spec, est, h)
    rows = []
    previous: dict[str, tuple[int, float]] = {}
    for n in budget.batches:
        X64 = pool[:n].astype(np.float32).astype(np.float64)
        X32 = X64.astype(np.float32)
        ref_labels, ref_proba = np.asarray(est.predict(X64)).reshape(-1), est.predict_proba(X64)
        cells: dict[str, Any] = {}
        for name in ENGINES:
            run = runners.get(name)
            if isinstance(run, str) or run is None:
                cells[name] = h.Cell(error=run or "not run")
                continue
            X = X64 if name == "library" else X32
            if (
                name == "hummingbird"
                and name in previous
                and previous[name][1] * n / previous[name][0] > MAX_CALL_SECONDS
            ):
                guess = previous[name][1] * n / previous[name][0]
                cells[name] = h.Cell(
                    error=f"not run at {n} rows: about {guess:.0f} s per call (from {previous[name][0]} rows)"
                )
                continue
            try:
                if n <= 10_000:
                    run(X)  # warm-up
                s, reps, (proba, labels) = h.median_time(
                    lambda r=run, X=X: r(X), budget.cell_seconds[n], budget.max_repeats
                )
                labels = ref_labels if name == "library" else np.asarray(labels).reshape(-1)
                differ = int(np.sum(labels.astype(ref_labels.dtype) != ref_labels))
                agree = "100%" if differ == 0 else f"{100 * (1 - differ / n):.3f}% ({differ} differ)"
                agree += f", Δp {np.max(np.abs(np.asarray(proba, np.float64) - ref_proba)):.0e}"
                cells[name] = h.Cell(s, reps, agree)
                previous[name] = (n, s)
            except Exception as exc:
                cells[name] = h.Cell(error=h._short(exc))
        rows.append((n, cells))
        print(f"  {spec.name} n={n}: " + ", ".join(f"{k} {h._fmt(c)}" for k, c in cells.items()), flush=True)
    return rows, costs


def run_boosters(budget: Any, quick: bool, only: str, h: Any) -> tuple[list[tuple[BoosterSpec, list, dict]], str]:
    """Every booster spec whose name matches ``only``: the results and their markdown."""
    results = []
    for spec in booster_specs():
        if any(part in spec.name for part in only.split("|")):
            print(f"{spec.name} ...", flush=True)
            results.append((spec, *bench_booster(spec, budget, quick, h)))
    return results, render(results, h, quick)


def _versions() -> str:
    import importlib.metadata

    found = []
    for dists in (("xgboost", "xgboost-cpu"), ("lightgbm",), ("onnxmltools",), ("hummingbird-ml",), ("torch",)):
        versions = []
        for dist in dists:
            try:
                versions.append(importlib.metadata.version(dist))
            except importlib.metadata.PackageNotFoundError:
                continue
        found.append(f"{dists[0]} {versions[0] if versions else 'not installed'}")
    return ", ".join(found)


def _cost(costs: dict[str, tuple[float, int | None]], engine: str) -> tuple[str, str]:
    s, b = costs.get(engine, (None, None))
    return ("n/a" if s is None else f"{s:.2f}"), ("n/a" if b is None else f"{b:,}")


def render(results: list[tuple[BoosterSpec, list, dict]], h: Any, quick: bool = False) -> str:
    if not results:
        return ""
    lines = [
        "",
        "### Gradient-boosting libraries (predict_proba)"
        + (" — quick mode: 5 trees of depth 3 / 7 leaves" if quick else ""),
        "",
        "The library's own `predict_proba` (float64 rows, `n_jobs=1`), nnconvert's ONNX and onnxmltools' ONNX "
        "(`ai.onnx.ml` TreeEnsembleClassifier) in onnxruntime on one thread (float32 rows), Hummingbird's torch "
        f"backend on one thread. Ratios > 1 mean nnconvert's ONNX is faster. {_versions()}.",
        "",
        "| model | rows | library | nnconvert ORT | onnxmltools ORT | hummingbird torch | library / nnconvert "
        "| onnxmltools / nnconvert | hummingbird / nnconvert | nnconvert agrees | onnxmltools agrees | "
        "hummingbird agrees |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    notes: list[str] = []
    for spec, rows, _ in results:
        for n, c in rows:
            nn = c["nnconvert"]
            lines.append(
                f"| {spec.name} | {n} | " + " | ".join(h._fmt(c[e]) for e in ENGINES) + " | "
                + " | ".join(h._ratio(c[e], nn) for e in ("library", "onnxmltools", "hummingbird")) + " | "
                + " | ".join(c[e].agree or "-" for e in ENGINES[1:]) + " |"
            )  # fmt: skip
            for e in ENGINES:
                line = f"- {spec.name} / {e}: {c[e].error}"
                if c[e].error and line not in notes:
                    notes.append(line)
    if notes:
        lines += ["", "Not measured:", "", *notes]
    lines += [
        "",
        "| model | nnconvert convert + export s | nnconvert ONNX bytes | onnxmltools s | onnxmltools bytes | "
        "hummingbird convert s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for spec, _, costs in results:
        (ns, nb), (os_, ob), (hs, _) = (_cost(costs, e) for e in ENGINES[1:])
        lines.append(f"| {spec.name} | {ns} | {nb} | {os_} | {ob} | {hs} |")
    return "\n".join(lines) + "\n"
