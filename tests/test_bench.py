"""``bench/bench.py --quick``: every spec is measured on every engine, with agreeing labels."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


def _load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("nnconvert_bench", BENCH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {BENCH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_quick_bench_measures_every_engine(tmp_path: Path) -> None:
    bench = _load_bench()
    out = tmp_path / "bench.md"
    results, startup = bench.run(["--quick", "--out", str(out)])
    text = out.read_text()
    assert [s.name for s, _, _ in results] == [s.name for s in bench.specs()]
    assert any(s.name.startswith("SVC rbf") and s.method == "predict_proba" for s, _, _ in results)
    for spec, _note, rows in results:
        assert [n for n, _ in rows] == list(bench.QUICK.batches)
        for n, cells in rows:
            for engine in ("sklearn", "nnconvert", "skl2onnx"):
                cell = cells[engine]
                if engine == "skl2onnx" and spec.name.startswith("HistGradientBoosting"):
                    # skl2onnx's HistGradientBoosting converter writes numpy uint32 node ids: onnx refuses them
                    assert "TreeEnsembleClassifier" in cell.error, cell
                    continue
                assert cell.error == "" and cell.seconds is not None and cell.seconds > 0, (spec.name, n, engine, cell)
            for engine in ("nnconvert", "skl2onnx"):
                if cells[engine].error:
                    continue
                agree = cells[engine].agree
                trees = spec.name.startswith(("RandomForest", "GradientBoosting", "HistGradientBoosting"))
                if engine == "skl2onnx" and trees:  # its thresholds round to nearest float32: a few rows may flip
                    assert agree.startswith(("100%", "9")), (spec.name, n, engine, agree)
                elif spec.classifier:  # labels on these well-separated rows agree exactly, even in float32
                    assert agree.startswith("100%"), (spec.name, n, engine, agree)
                else:
                    assert agree.startswith("Δ ") and float(agree[2:]) < 1e-3, (spec.name, n, engine, agree)
            assert f"| {spec.name}" in text
    assert "intra_op_num_threads=1" in text
    assert [label for label, _, _ in startup] == ["python -c pass", "nnconvert --help"]
    assert all(seconds is not None for _, seconds, _ in startup), startup


def test_quick_boosters_bench_measures_every_installed_engine(tmp_path: Path) -> None:
    """XGBoost / LightGBM against onnxmltools and Hummingbird (bench/boosters.py), tiny sizes;
    nnconvert's cells are measured once its converter for the library is registered."""
    import importlib.util

    from nnconvert.converters import registry

    bench = _load_bench()
    out = tmp_path / "bench.md"
    bench.run(["--quick", "--boosters", "--only", "XGBClassifier|LGBMClassifier|CatBoostClassifier", "--out", str(out)])
    text = out.read_text()
    boosters = sys.modules["nnconvert_bench_boosters"]
    registered = {e.path.split(".", 1)[0] for e in registry.entries()}
    for spec in boosters.booster_specs():
        rows = [line for line in text.splitlines() if line.startswith(f"| {spec.name} | ")]
        assert len(rows) == len(bench.QUICK.batches) + 1, spec.name  # one per batch, one conversion row
        for row in rows[:-1]:
            cells = [c.strip() for c in row.strip("|").split("|")]
            library, nn, onnxml, hb = cells[2:6]
            assert library != "n/a" and onnxml != "n/a", row
            if spec.library != "catboost":  # Hummingbird has no CatBoost converter
                assert (hb != "n/a") == (importlib.util.find_spec("hummingbird") is not None), row
            if spec.library in registered:
                assert nn != "n/a" and cells[9].startswith("100%"), row
