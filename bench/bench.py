"""``make bench``: median seconds per call of sklearn, nnconvert's ONNX and skl2onnx's ONNX.

For each model spec and batch size ``n`` it times ``t = median(perf_counter deltas)`` of:
(a) the estimator's own method on float64 rows, (b) ``nnconvert.to_onnx(nnconvert.convert(est))``
run in onnxruntime on the same rows cast to float32, (c) ``skl2onnx.to_onnx(est)`` (ai.onnx.ml
operators) in onnxruntime. Ratios ``t_sklearn / t_nnconvert`` and ``t_skl2onnx / t_nnconvert``
(> 1: nnconvert is faster), plus label agreement (max |difference| for regressors) of each ONNX
with the estimator on the batch. Conversions, fitting and data generation are never timed.
Every onnxruntime session and BLAS run on one thread (``intra_op_num_threads=1``,
``threadpoolctl``) so the comparison is per core. Also times ``nnconvert --help`` start-up.

The boosting libraries' table (XGBoost, LightGBM against onnxmltools and Hummingbird) is
``bench/boosters.py``: part of every full run, of ``--quick`` runs with ``--boosters``.

Usage: ``python bench/bench.py [--out bench_results.md] [--quick] [--only TEXT] [--boosters | --no-boosters]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# --- model specs: each fits a model (untimed) and returns it with rows to time it on --------


@dataclass(frozen=True)
class Spec:
    """A model to benchmark: ``make(quick) -> (fitted estimator, pool of rows, note)``."""

    name: str
    method: str  # the estimator method timed: predict or predict_proba
    classifier: bool
    make: Callable[[bool], tuple[Any, np.ndarray, str]]


def _pool_size(quick: bool) -> int:
    return 200 if quick else 100_000


def _classification(n_features: int, n_classes: int, n_train: int, quick: bool) -> tuple[Any, Any, np.ndarray]:
    """make_classification rows: the first ``n_train`` to fit, the rest a pool to time on."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_train + _pool_size(quick),
        n_features=n_features,
        n_informative=min(n_features, 10),
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        flip_y=0.05,
        random_state=n_features * 100 + n_classes,
    )
    return X[:n_train], y[:n_train], X[n_train:]


def linear_spec(name: str, kind: str, n_features: int, n_classes: int) -> Spec:
    """LogisticRegression / LinearSVC (classes > 0) or Ridge (classes == 0) on synthetic rows."""

    def make(quick: bool) -> tuple[Any, np.ndarray, str]:
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.svm import LinearSVC

        if kind == "ridge":
            from sklearn.datasets import make_regression

            X, y = make_regression(n_samples=2000 + _pool_size(quick), n_features=n_features, noise=1.0, random_state=0)
            return Ridge(alpha=1.0).fit(X[:2000], y[:2000]), X[2000:], ""
        X, y, pool = _classification(n_features, n_classes, 2000, quick)
        est = LogisticRegression(max_iter=2000) if kind == "logreg" else LinearSVC(max_iter=10000)
        return est.fit(X, y), pool, ""

    method = "predict_proba" if kind == "logreg" else "predict"
    return Spec(name, method, kind != "ridge", make)


def svc_spec(n_features: int, n_classes: int, probability: bool) -> Spec:
    """SVC(kernel='rbf') with about 1000 support vectors (60 in quick mode)."""

    def make(quick: bool) -> tuple[Any, np.ndarray, str]:
        from sklearn.svm import SVC

        target, cap = (60, 400) if quick else (1000, 6000)
        X, y, pool = _classification(n_features, n_classes, cap, quick)
        n = 2 * target
        for _ in range(3):  # the support vector count grows about linearly with the training rows
            n_sv = len(SVC(kernel="rbf").fit(X[:n], y[:n]).support_)
            n = min(cap, max(4 * n_classes, round(n * target / n_sv)))
        with warnings.catch_warnings():  # SVC(probability=True) is deprecated in scikit-learn 1.9
            warnings.simplefilter("ignore", FutureWarning)
            est = SVC(kernel="rbf", probability=probability, random_state=0).fit(X[:n], y[:n])
        return est, pool, f"{len(est.support_)} SV"

    name = f"SVC rbf {n_features}f {n_classes}c" + (" proba" if probability else "")
    return Spec(name, "predict_proba" if probability else "predict", True, make)


def tree_spec(name: str, kind: str) -> Spec:
    """Tree ensembles on 20 features: a random forest (100 trees, depth 8 or unlimited, 10 classes),
    GradientBoosting (100 trees of depth 3, binary) and HistGradientBoosting (200 iterations,
    31 leaves, 10% NaN cells, binary). Quick mode: 5 trees / iterations."""

    def make(quick: bool) -> tuple[Any, np.ndarray, str]:
        from sklearn import ensemble

        n_trees = 5 if quick else 100
        n_classes = 10 if kind.startswith("rf") else 2
        X, y, pool = _classification(20, n_classes, 400 if quick else 5000, quick)
        if kind == "rf8":
            est = ensemble.RandomForestClassifier(n_trees, max_depth=8, random_state=0)
        elif kind == "rf":
            est = ensemble.RandomForestClassifier(n_trees, random_state=0)
        elif kind == "gb":
            est = ensemble.GradientBoostingClassifier(n_estimators=n_trees, max_depth=3, random_state=0)
        else:
            rng = np.random.default_rng(0)
            X[rng.random(X.shape) < 0.1] = np.nan
            pool = pool.copy()
            pool[rng.random(pool.shape) < 0.1] = np.nan
            est = ensemble.HistGradientBoostingClassifier(max_iter=2 * n_trees, max_leaf_nodes=31, early_stopping=False,
                                                          random_state=0)  # fmt: skip
        est.fit(X, y)
        nodes = sum(e.tree_.node_count for e in np.ravel(getattr(est, "estimators_", [])))
        return (
            est,
            pool,
            f"{nodes} nodes" if nodes else f"{sum(len(p.nodes) for it in est._predictors for p in it)} nodes",
        )

    return Spec(name, "predict_proba", True, make)


def knn_spec(n_features: int, k: int) -> Spec:
    """KNeighborsClassifier on 10 000 training rows (500 in quick mode); 20 features is brute force
    in scikit-learn (``algorithm='auto'`` picks brute above 15 features)."""

    def make(quick: bool) -> tuple[Any, np.ndarray, str]:
        from sklearn.neighbors import KNeighborsClassifier

        X, y, pool = _classification(n_features, 3, 500 if quick else 10_000, quick)
        est = KNeighborsClassifier(n_neighbors=k).fit(X, y)
        return est, pool, f"{len(X)} samples, {est._fit_method}"

    return Spec(f"KNeighborsClassifier {n_features}f k={k}", "predict_proba", True, make)


def fitted_spec(name: str, method: str, build: Callable[[], Any], n_features: int, n_classes: int) -> Spec:
    """Any classifier ``build()`` returns, fitted on 2000 synthetic rows (the naive Bayes,
    discriminant and projection families of the table)."""

    def make(quick: bool) -> tuple[Any, np.ndarray, str]:
        X, y, pool = _classification(n_features, n_classes, 2000, quick)
        return build().fit(X, y), pool, ""

    return Spec(name, method, True, make)


def _gaussian_nb() -> Any:
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB()


def _lda() -> Any:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis()


def _pca_logreg() -> Any:
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(PCA(n_components=10), LogisticRegression(max_iter=2000))


def specs() -> list[Spec]:
    """Every benchmarked model, in table order."""
    return [
        tree_spec("RandomForest 100x depth 8 20f 10c", "rf8"),
        tree_spec("RandomForest 100x full depth 20f 10c", "rf"),
        tree_spec("GradientBoosting 100x depth 3 20f 2c", "gb"),
        tree_spec("HistGradientBoosting 200x 31 leaves NaN 20f 2c", "hgb"),
        linear_spec("LogisticRegression 4f 3c", "logreg", 4, 3),
        linear_spec("LogisticRegression 100f 10c", "logreg", 100, 10),
        linear_spec("LinearSVC 20f 2c", "linear_svc", 20, 2),
        linear_spec("Ridge 20f", "ridge", 20, 0),
        *(svc_spec(f, c, p) for p in (False, True) for f in (20, 100) for c in (2, 10)),
        knn_spec(20, 5),
        fitted_spec("GaussianNB 20f 5c proba", "predict_proba", _gaussian_nb, 20, 5),
        fitted_spec("LDA 20f 5c proba", "predict_proba", _lda, 20, 5),
        fitted_spec("PCA(10) -> LogisticRegression 50f 5c proba", "predict_proba", _pca_logreg, 50, 5),
    ]


@dataclass
class Cell:
    """One engine on one batch: median seconds, repeats, and agreement text (or an error)."""

    seconds: float | None = None
    repeats: int = 0
    agree: str = ""
    error: str = ""


Results = list[tuple[Spec, str, list[tuple[int, dict[str, Cell]]]]]


@dataclass(frozen=True)
class Budget:
    batches: tuple[int, ...]
    cell_seconds: dict[int, float]  # timing budget per cell, by batch size
    max_repeats: int
    startup_runs: int


FULL = Budget((1, 1000, 100_000), {1: 0.5, 1000: 1.0, 100_000: 2.0}, 500, 7)
QUICK = Budget((1, 200), {1: 0.02, 200: 0.05}, 20, 2)


def median_time(fn: Callable[[], Any], budget_s: float, max_repeats: int) -> tuple[float, int, Any]:
    """``median(t_i)`` of repeated ``fn()`` calls until ``budget_s`` is spent; returns it, the count, the output.

    At least 3 calls, or 1-2 when a single call takes over half the budget (a 10 s libsvm call
    at 100 000 rows). Callers warm up where it matters (ONNX sessions, small batches);
    scikit-learn compiles nothing on a first call, and many repeats outvote it.
    """
    times: list[float] = []
    deadline = time.perf_counter() + budget_s
    out = None
    while len(times) < max_repeats:
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() >= deadline and (len(times) >= 3 or times[0] > budget_s / 2):
            break
    return statistics.median(times), len(times), out


def ort_session(model: Any, threads: int = 1) -> Any:
    """An onnxruntime session on one thread (or ``threads``) for a ModelProto."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def nnconvert_model(est: Any) -> Any:
    import nnconvert

    return nnconvert.to_onnx(nnconvert.convert(est), dtype="float32")


def skl2onnx_model(est: Any, X: np.ndarray) -> Any:
    import onnx
    import skl2onnx

    opset = min(onnx.defs.onnx_opset_version(), skl2onnx.get_latest_tested_opset_version())
    opts = {id(est): {"zipmap": False}} if hasattr(est, "predict_proba") else None
    return skl2onnx.to_onnx(est, X[:1].astype(np.float32), target_opset={"": opset, "ai.onnx.ml": 3}, options=opts)


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text if len(text) <= 70 else text[:67] + "..."


def _agreement(spec: Spec, ref_labels: Any, ref_values: Any, labels: Any, values: Any) -> str:
    """Label agreement in percent for classifiers (and max |Δp|), max |difference| for regressors."""
    if not spec.classifier:
        return f"Δ {np.max(np.abs(np.asarray(values, np.float64).reshape(-1) - ref_values)):.0e}"
    got = np.asarray(labels).reshape(-1)
    differ = int(np.sum(got.astype(ref_labels.dtype) != ref_labels))
    text = "100%" if differ == 0 else f"{100 * (1 - differ / len(ref_labels)):.3f}% ({differ} differ)"
    if spec.method == "predict_proba":
        text += f", Δp {np.max(np.abs(np.asarray(values, np.float64) - ref_values)):.0e}"
    return text


def _engines(spec: Spec, est: Any, pool: np.ndarray) -> dict[str, tuple[Any, str, str] | str]:
    """Untimed: each ONNX's session, its label output and its timed output, or an error line."""
    engines: dict[str, tuple[Any, str, str] | str] = {}
    for name in ("nnconvert", "skl2onnx"):
        try:
            with warnings.catch_warnings():  # reading SVC probA_/probB_ warns in scikit-learn 1.9
                warnings.simplefilter("ignore", FutureWarning)
                model = nnconvert_model(est) if name == "nnconvert" else skl2onnx_model(est, pool)
            sess = ort_session(model)
            outs = [o.name for o in sess.get_outputs()]
            if name == "nnconvert":
                engines[name] = (sess, "predict", spec.method)
            else:  # skl2onnx: label first, then probabilities (a regressor has one output)
                engines[name] = (sess, outs[0], outs[0] if spec.method == "predict" else outs[1])
        except Exception as exc:  # reported in the table; the other engines still run
            engines[name] = _short(exc)
    return engines


def bench_spec(spec: Spec, budget: Budget, quick: bool) -> tuple[str, list[tuple[int, dict[str, Cell]]]]:
    """Fit and convert (untimed), then time the three engines on every batch size."""
    est, pool, note = spec.make(quick)
    engines = _engines(spec, est, pool)
    rows = []
    for n in budget.batches:
        X64 = pool[:n].astype(np.float32).astype(np.float64)  # identical values for every engine
        X32 = X64.astype(np.float32)
        method = getattr(est, spec.method)
        s, reps, ref = median_time(lambda m=method, X=X64: m(X), budget.cell_seconds[n], budget.max_repeats)
        ref_values = np.asarray(ref, np.float64).reshape(len(X64), -1).squeeze(-1) if not spec.classifier else ref
        ref_labels = None if not spec.classifier else np.asarray(ref if spec.method == "predict" else est.predict(X64))
        cells = {"sklearn": Cell(s, reps)}
        for name, engine in engines.items():
            if isinstance(engine, str):
                cells[name] = Cell(error=engine)
                continue
            sess, label_out, timed_out = engine
            feed = {sess.get_inputs()[0].name: X32}
            try:
                wanted = list(dict.fromkeys([label_out, timed_out]))  # a regressor's two are one output
                if n <= 10_000:  # warm-up; at 100 000 rows the work dwarfs first-call effects
                    sess.run(wanted, feed)
                s, reps, out = median_time(
                    lambda sess=sess, w=wanted, f=feed: sess.run(w, f), budget.cell_seconds[n], budget.max_repeats
                )
                got = dict(zip(wanted, out, strict=True))
                labels, values = got[label_out], got[timed_out]
                cells[name] = Cell(s, reps, _agreement(spec, ref_labels, ref_values, labels, values))
            except Exception as exc:
                cells[name] = Cell(error=_short(exc))
        rows.append((n, cells))
        print(f"  {spec.name} n={n}: " + ", ".join(f"{k} {_fmt(c)}" for k, c in cells.items()), flush=True)
    return note, rows


def _fmt(c: Cell) -> str:
    if c.seconds is None:
        return "n/a"
    s = c.seconds
    return f"{s * 1e6:.0f} µs" if s < 1e-3 else f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def _ratio(a: Cell, b: Cell) -> str:
    return "n/a" if a.seconds is None or b.seconds is None else f"{a.seconds / b.seconds:.2f}"


def startup_times(runs: int) -> list[tuple[str, float | None, str]]:
    """Median wall time of ``nnconvert --help`` and ``python -c pass`` as subprocesses."""
    exe = shutil.which("nnconvert", path=str(Path(sys.executable).parent)) or ""
    cmds = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("nnconvert --help", [exe, "--help"] if exe else [sys.executable, "-m", "nnconvert", "--help"]),
    ]
    if runs > 2:  # a reference point: what importing scikit-learn alone costs
        cmds.insert(1, ("python -c 'import sklearn'", [sys.executable, "-c", "import sklearn"]))
    out = []
    for label, cmd in cmds:
        times, err = [], ""
        for _ in range(runs + 1):  # the first run warms the file cache
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                err = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:70]
                break
        out.append((label, None if err else statistics.median(times[1:]), err))
    return out


def render(results: Results, startup: list[tuple[str, float | None, str]], budget: Budget) -> str:
    import onnxruntime
    import skl2onnx
    import sklearn

    lines = [
        "## nnconvert benchmark",
        "",
        f"Median wall time per call over repeats until a budget of "
        f"{', '.join(f'{v:g} s' for v in budget.cell_seconds.values())} per cell is spent for batches of "
        f"{', '.join(map(str, budget.batches))} rows (at least 3 calls, up to {budget.max_repeats}, or 1-2 when one "
        "call alone takes over half the budget); ONNX sessions are warmed up by an untimed run up to 10 000 rows. "
        "**All onnxruntime sessions run with `intra_op_num_threads=1`** and BLAS is limited to one thread "
        "(threadpoolctl), so every engine uses one core. scikit-learn gets float64 rows and runs the named method; "
        "each ONNX session gets float32 rows of the same values and returns that output and its labels in one run. "
        "Ratios > 1 mean nnconvert's ONNX is faster. Agreement: labels equal to the estimator's `predict` on the "
        "whole batch (Δp: max |predict_proba difference|; "
        "Δ: max |prediction difference| for regressors).",
        "",
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, onnxruntime "
        f"{onnxruntime.__version__}, skl2onnx {skl2onnx.__version__}, {platform.machine()} with "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.system()}).",
        "",
        "| model | method | rows | sklearn | nnconvert ORT | skl2onnx ORT | sklearn / nnconvert "
        "| skl2onnx / nnconvert | nnconvert agrees | skl2onnx agrees |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    notes = []
    for spec, note, rows in results:
        model = f"{spec.name} ({note})" if note else spec.name
        for n, c in rows:
            nn, sk = c["nnconvert"], c["skl2onnx"]
            lines.append(
                f"| {model} | {spec.method} | {n} | {_fmt(c['sklearn'])} | {_fmt(nn)} | {_fmt(sk)} | "
                f"{_ratio(c['sklearn'], nn)} | {_ratio(sk, nn)} | {nn.agree or '-'} | {sk.agree or '-'} |"
            )
            for name, cell in (("nnconvert", nn), ("skl2onnx", sk)):
                if cell.error and (spec.name, name, cell.error) not in notes:
                    notes.append((spec.name, name, cell.error))
    if notes:
        lines += ["", "Not measured:", ""] + [f"- {m} / {e}: {err}" for m, e, err in notes]
    lines += ["", "### Start-up", "", "| command | median wall time |", "|---|---:|"]
    for label, s, err in startup:
        lines.append(f"| `{label}` | {f'{s * 1e3:.0f} ms' if s is not None else 'failed: ' + err} |")
    return "\n".join(lines) + "\n"


def conversion_table(quick: bool) -> str:
    """Convert time and ONNX file size of a 500-tree, depth-12 forest: nnconvert (compact form,
    float32) against skl2onnx's TreeEnsembleClassifier."""
    from sklearn.ensemble import RandomForestClassifier

    X, y, _ = _classification(20, 10, 400 if quick else 5000, quick)
    est = RandomForestClassifier(20 if quick else 500, max_depth=12, random_state=0, n_jobs=1).fit(X, y)
    nodes = sum(e.tree_.node_count for e in est.estimators_)
    rows = []
    for name, fn in (("nnconvert", lambda: nnconvert_model(est)), ("skl2onnx", lambda: skl2onnx_model(est, X))):
        t0 = time.perf_counter()
        model = fn()
        seconds = time.perf_counter() - t0
        rows.append((name, seconds, len(model.SerializeToString())))
    lines = [
        "",
        f"### Converting RandomForestClassifier({len(est.estimators_)} trees, max_depth=12, 20 features, 10 classes; "
        f"{nodes} nodes)",
        "",
        "| converter | convert + export seconds | ONNX bytes | bytes / skl2onnx |",
        "|---|---|---|---|",
    ]
    base = rows[1][2]
    lines += [f"| {n} | {s:.2f} | {b:,} | {b / base:.2f} |" for n, s, b in rows]
    return "\n".join(lines) + "\n"


# --- issue 12: kernel roofline, big-model conversion, verify throughput (one function each) ---


def _timed(fn: Callable[[], Any], budget_s: float) -> float:
    """Median seconds of ``fn()`` after one untimed warm-up call (at least 3 timed calls)."""
    fn()
    return median_time(fn, budget_s, 50)[0]


def kernel_roofline_table(quick: bool) -> str:
    """The RBF SVC network (20 features, about 1000 support vectors) at 100 000 rows against the
    roofline of its kernel layer: one float32 MatMul ``[N, 20] x [20, n_SV]`` plus one Exp over the
    ``[N, n_SV]`` matrix in onnxruntime, one thread; and the network on 2 threads against 1."""
    from onnx import TensorProto, helper, numpy_helper

    est, pool, note = svc_spec(20, 2, False).make(quick)
    n = 2000 if quick else 100_000
    X = np.resize(pool, (n, pool.shape[1])).astype(np.float32)
    sv = est.support_vectors_.astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "C"], ["M"]), helper.make_node("Exp", ["M"], ["K"])],
        "roofline",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, X.shape[1]])],
        [helper.make_tensor_value_info("K", TensorProto.FLOAT, [None, len(sv)])],
        [numpy_helper.from_array(-0.01 * np.ascontiguousarray(sv.T), "C")],
    )
    roof = ort_session(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    model = nnconvert_model(est)
    one, two = ort_session(model), ort_session(model, threads=2)
    budget = 0.2 if quick else 4.0
    times: dict[str, list[float]] = {"roof": [], "one": [], "two": []}
    for _ in range(1 if quick else 3):  # interleaved rounds: a busy minute hits all three alike
        times["roof"].append(_timed(lambda: roof.run(None, {"X": X}), budget))
        times["one"].append(_timed(lambda: one.run(["predict"], {"X": X}), budget))
        times["two"].append(_timed(lambda: two.run(["predict"], {"X": X}), budget))
    t = {k: statistics.median(v) for k, v in times.items()}
    kernel_ops = [nd.op_type for nd in model.graph.node][:8]
    lines = [
        "",
        f"### RBF kernel layer at the roofline: SVC rbf 20f 2c ({note}), {n} rows, float32",
        "",
        f"Medians of {len(times['roof'])} interleaved rounds (each a median of repeated runs). The network's first "
        f"operators: {', '.join(kernel_ops)}.",
        "",
        "| measurement | seconds | ratio | target |",
        "|---|---:|---:|---|",
        f"| roofline: MatMul [N, 20] x [20, {len(sv)}] + Exp, 1 thread | {t['roof']:.3f} | 1.00 | |",
        f"| nnconvert network (predict), 1 thread | {t['one']:.3f} | {t['one'] / t['roof']:.2f} x roofline | <= 1.5 |",
        f"| nnconvert network (predict), 2 threads | {t['two']:.3f} | {t['one'] / t['two']:.2f} x faster than 1 "
        "| >= 1.7 |",
    ]
    return "\n".join(lines) + "\n"


_BIG_SCRIPT = r"""
import json, pickle, sys, time, tracemalloc, warnings
warnings.simplefilter("ignore")
import numpy as np
import onnx
est = pickle.load(open(sys.argv[1], "rb"))
size = len(pickle.dumps(est))
import nnconvert
if sys.argv[3] == "memory":
    tracemalloc.start()
t0 = time.perf_counter()
net = nnconvert.convert(est)
model = nnconvert.to_onnx(net, dtype="float32")
onnx.save(model, sys.argv[2])
seconds = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
params = 8 * net.n_parameters
print(json.dumps({"seconds": seconds, "peak": peak, "pickle": size, "params": params}))
"""


def _big_models(quick: bool) -> list[tuple[str, Callable[[], Any]]]:
    """(label, fit) of the three big models of issue 12 (tiny ones in quick mode)."""

    def svc() -> Any:
        from sklearn.svm import SVC

        n = 300 if quick else 21_000
        rng = np.random.default_rng(0)  # noise labels and a small C: nearly every row is a support vector
        return SVC(kernel="rbf", C=0.01).fit(rng.normal(size=(n, 20)), rng.integers(0, 2, n))

    def mlp() -> Any:
        from sklearn.neural_network import MLPClassifier

        rng = np.random.default_rng(0)
        sizes = (20, 20) if quick else (1000, 2000, 1500)  # 100 * 1000 + 1000 * 2000 + 2000 * 1500 + ...: 5.1 M
        est = MLPClassifier(sizes, max_iter=1).fit(rng.normal(size=(300, 100)), rng.integers(0, 10, 300))
        est._optimizer = None  # training state (Adam's moments, 2x the weights), not part of the model
        return est

    def forest() -> Any:
        from sklearn.ensemble import RandomForestClassifier

        X, y, _ = _classification(20, 10, 400 if quick else 5000, quick)
        return RandomForestClassifier(10 if quick else 500, max_depth=12, random_state=0, n_jobs=1).fit(X, y)

    return [
        ("SVC rbf 20f, 20 000 support vectors" if not quick else "SVC rbf 20f (quick)", svc),
        ("MLPClassifier 100-1000-2000-1500-10 (5.1 M parameters)" if not quick else "MLP (quick)", mlp),
        ("RandomForest 500 trees, depth 12, 20f 10c" if not quick else "RandomForest (quick)", forest),
    ]


def big_conversion_table(quick: bool) -> str:
    """``convert + to_onnx + onnx.save`` of each big model in a fresh subprocess (imports included,
    as a user's first conversion pays them), and its tracemalloc peak in a second run."""
    import pickle
    import tempfile
    import warnings

    cache = Path(tempfile.gettempdir()) / "nnconvert_bench_big"
    cache.mkdir(exist_ok=True)
    rows = []
    for i, (label, fit) in enumerate(_big_models(quick)):
        path = cache / f"model{i}{'_quick' if quick else ''}.pkl"
        if not path.exists():  # fitting the 20 000-SV SVC takes ~30 s: fitted once per machine
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                path.write_bytes(pickle.dumps(fit()))
        out = {}
        for mode in ("time", "memory"):
            proc = subprocess.run(
                [sys.executable, "-c", _BIG_SCRIPT, str(path), str(cache / "out.onnx"), mode],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                out = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:70]}
                break
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            out.update(
                {"seconds": got["seconds"]} if mode == "time" else {k: got[k] for k in ("peak", "pickle", "params")}
            )
        rows.append((label, out))
    lines = [
        "",
        "### Converting big models (convert + to_onnx float32 + writing the file, fresh process)",
        "",
        "Model size: the pickle of the fitted estimator (the MLP without its optimizer state). Peak: tracemalloc's "
        "peak over the conversion (a second run; numpy registers its arrays with tracemalloc). Targets: under 10 s, "
        "peak under 4x the model's size.",
        "",
        "| model | seconds (imports included) | model size | float64 parameters | peak memory | peak / model size |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, o in rows:
        if "error" in o:
            lines.append(f"| {label} | failed: {o['error']} | | | | |")
            continue
        lines.append(
            f"| {label} | {o['seconds']:.2f} | {o['pickle'] / 1e6:.1f} MB | {o['params'] / 1e6:.1f} MB | "
            f"{o['peak'] / 1e6:.1f} MB | {o['peak'] / o['pickle']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def verify_rate_table(quick: bool) -> str:
    """``nnconvert verify MODEL --data FILE`` (the CLI, a subprocess) on a LogisticRegression and the
    RBF SVC: rows per second over the whole command and at the margin (the difference between a
    large and a small file of the same model, which cancels the start-up and conversion)."""
    import pickle
    import tempfile

    from sklearn.linear_model import LogisticRegression

    exe = [sys.executable, "-m", "nnconvert", "verify"]
    small, large = (1000, 20_000) if quick else (10_000, 1_000_000)
    X, y, pool = _classification(20, 2, 2000, quick)
    logreg = LogisticRegression(max_iter=2000).fit(X, y)
    svc, svc_pool, note = svc_spec(20, 2, False).make(quick)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, est, src, big, kind in (
            ("LogisticRegression 20f 2c", logreg, pool, large, "npy"),
            ("LogisticRegression 20f 2c", logreg, pool, large // 5, "csv"),
            (f"SVC rbf 20f 2c ({note})", svc, svc_pool, 20_000 if not quick else 2000, "npy"),
        ):
            model = Path(tmp) / "model.pkl"
            model.write_bytes(pickle.dumps(est))
            seconds = {}
            for n in (small, big):
                data = Path(tmp) / f"rows{n}.{kind}"
                rows_n = np.resize(src, (n, src.shape[1]))
                if kind == "npy":
                    np.save(data, rows_n)
                else:
                    np.savetxt(data, rows_n, delimiter=",", fmt="%.17g")
                t0 = time.perf_counter()
                proc = subprocess.run([*exe, str(model), "--data", str(data)], capture_output=True, text=True)
                seconds[n] = time.perf_counter() - t0 if proc.returncode == 0 else None
            if None in seconds.values():
                rows.append(f"| {label} | {kind} | {big} | failed | | |")
                continue
            extra = seconds[big] - seconds[small]
            margin = f"{(big - small) / extra:,.0f}" if extra > 0.05 * seconds[big] else "n/a (within noise)"
            rows.append(f"| {label} | {kind} | {big:,} | {seconds[big]:.1f} | {big / seconds[big]:,.0f} | {margin} |")
    lines = [
        "",
        "### `nnconvert verify` throughput (CLI: float64 numpy runtime and float32 onnxruntime against the model)",
        "",
        f"Margin: (rows of the large file - {small:,}) / (its seconds - the seconds of a {small:,}-row file). "
        "Target for the LogisticRegression: >= 100 000 rows/s.",
        "",
        "| model | file | rows | seconds | rows/s (whole command) | rows/s (margin) |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
    ]
    return "\n".join(lines) + "\n"


def load_boosters() -> Any:
    """``bench/boosters.py`` (XGBoost / LightGBM against onnxmltools and Hummingbird), by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nnconvert_bench_boosters", Path(__file__).with_name("boosters.py"))
    if spec is None or spec.loader is None:
        raise ImportError("cannot load bench/boosters.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run(argv: list[str] | None = None) -> tuple[Results, list[tuple[str, float | None, str]]]:
    """Run the specs and the start-up timing, write the markdown table to ``--out``, print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench_results.md", help="markdown file to write")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    ap.add_argument("--only", default="", help="run only specs whose name contains this text ('a|b': either)")
    ap.add_argument("--conversion", action="store_true", help="also time converting a 500-tree, depth-12 forest")
    ap.add_argument(
        "--speed",
        action="store_true",
        help="also the issue-12 tables (always without --quick): kernel roofline, "
        "big-model conversion, verify throughput",
    )
    ap.add_argument("--no-speed", action="store_true", help="skip the issue-12 tables (e.g. to rerun one family)")
    ap.add_argument("--boosters", action="store_true", help="the boosting libraries' table in --quick mode too")
    ap.add_argument("--no-boosters", action="store_true", help="skip the boosting libraries' table (bench/boosters.py)")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    budget = QUICK if args.quick else FULL
    results: Results = []
    with threadpool_limits(limits=1):
        for spec in specs():
            if any(part in spec.name for part in args.only.split("|")):
                print(f"{spec.name} ...", flush=True)
                results.append((spec, *bench_spec(spec, budget, args.quick)))
        booster_text = ""
        if args.boosters or not (args.quick or args.no_boosters):
            booster_text = load_boosters().run_boosters(budget, args.quick, args.only, sys.modules[__name__])[1]
    startup = startup_times(budget.startup_runs)
    text = render(results, startup, budget) + booster_text
    if args.conversion:
        text += conversion_table(args.quick)
    if args.speed or not (args.quick or args.no_speed):
        with threadpool_limits(limits=1):
            text += kernel_roofline_table(args.quick)
        text += big_conversion_table(args.quick) + verify_rate_table(args.quick)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return results, startup


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
