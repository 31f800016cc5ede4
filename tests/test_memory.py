"""Bounded memory: ``verify`` and ``predict`` size their chunks from the network's widths so that
the memory the data adds stays within ``--max-memory`` (nnconvert.check.memory), measured as the
peak RSS of a real subprocess against the same command on a handful of rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.svm import SVC

import nnconvert
from nnconvert.check.memory import Phases, rows_per_chunk, run_row_bytes, verify_phases, widths_of

BUDGET_MIB = 32


_CHILD = """
import contextlib, io, json, resource, sys
from nnconvert.cli import cli

def peak_after(args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(args, prog_name="nnconvert", standalone_mode=False)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, code or 0, out.getvalue()

few, full = json.loads(sys.argv[1])
print(json.dumps([peak_after(few), peak_after(full)]))
"""


def _peaks(few: list[str], full: list[str]) -> tuple[tuple[float, int, str], tuple[float, int, str]]:
    """Peak RSS (MiB), exit code and stdout of one real child process running ``nnconvert FEW``
    and then ``nnconvert FULL``: the first peak is the baseline (imports, model, sessions), the
    growth from it is what the data adds (peak RSS only grows, so the second includes the first)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([few, full])], capture_output=True, text=True, check=True
    )
    small, large = json.loads(out.stdout)
    return tuple(small), tuple(large)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def big_svc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An SVC with ~900 support vectors and 12 000 rows: unchunked, verify's float64 and float32
    traces alone take 12 000 x 2 x 900 x 12 bytes ~ 250 MiB, far over the budget."""
    d = tmp_path_factory.mktemp("memory")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 8))
    y = (X[:, 0] + 2 * rng.normal(size=1200) > 0).astype(int)
    svc = SVC(C=0.5).fit(X, y)
    assert len(svc.support_) > 800
    joblib.dump(svc, d / "svc.joblib")
    np.save(d / "rows.npy", rng.normal(size=(12_000, 8)))
    np.save(d / "few.npy", rng.normal(size=(10, 8)))
    return {p.name: p for p in d.iterdir()}


def test_chunk_rows_follow_the_memory_model(big_svc):
    net = nnconvert.convert(joblib.load(big_svc["svc.joblib"]))
    widths = widths_of(net)
    phases = verify_phases(widths, [("numpy runtime", "float64"), ("onnxruntime", "float32")], data_row_bytes=64)
    # the boundary analysis (float64 + float32 traces) is the largest transient phase
    assert max(phases.transient) == run_row_bytes(net, 8) + run_row_bytes(net, 4)
    assert phases.peak == 64 + run_row_bytes(net, 4) + max(phases.transient)
    rows = rows_per_chunk(phases, BUDGET_MIB * 2**20, 65536)
    assert rows * phases.peak <= BUDGET_MIB * 2**20 < (rows + 1) * phases.peak
    assert rows_per_chunk(phases, BUDGET_MIB * 2**20, 100) == 100  # --chunk-rows stays an upper bound
    assert rows_per_chunk(Phases(data=10**12), 1, 65536) == 1  # never zero rows


@pytest.mark.parametrize("command", ["verify", "predict", "verify --synthetic"])
def test_peak_memory_stays_within_the_budget(big_svc, command, tmp_path):
    def args(data: str) -> list[str]:
        name, *synthetic = command.split()
        rows = ["--synthetic", "10" if data == "few.npy" else "12000"] if synthetic else ["--data", str(big_svc[data])]
        out = ["--json"] if name == "verify" else ["-o", str(tmp_path / f"{data}.csv")]
        return [name, str(big_svc["svc.joblib"]), *rows, "--max-memory", f"{BUDGET_MIB}M", *out]

    (baseline, rc_small, _), (peak, rc_full, stdout) = _peaks(args("few.npy"), args("rows.npy"))
    assert rc_small in (0, 1) and rc_full in (0, 1)
    if command.startswith("verify"):
        assert all(c["rows"] == 12_000 for c in json.loads(stdout)["checks"])
    else:
        assert (tmp_path / "rows.npy.csv").read_text().count("\n") == 12_001
    assert peak <= baseline + BUDGET_MIB, (peak, baseline)
