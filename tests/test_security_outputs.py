"""Output handling (issue 8, item 6): an output is never an input, never anything but a regular
file, never replaced without --force even if it appears mid-run, and no temporary file
survives an error, Ctrl-C or SIGTERM. Real files, real commands, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pytest
from click.testing import Result
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nnconvert.cli.publish import OutputError, check_output
from tests.cli_helpers import one_error, run_cli

ROOT = Path(__file__).resolve().parents[1]


_cli = run_cli


def _refused(res: Result, *words: str) -> None:
    one_error(res, 2, *words)


def _no_temp_files(d: Path) -> None:
    assert not [p.name for p in d.iterdir() if ".tmp" in p.name]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("outputs")
    X, y = load_iris(return_X_y=True)
    joblib.dump(LogisticRegression(max_iter=1000).fit(X, y), d / "lr.joblib")
    assert _cli("convert", d / "lr.joblib", "-o", d / "lr.json").exit_code == 0
    np.savetxt(d / "iris.csv", X, delimiter=",", fmt="%.17g")
    return {"dir": d, "model": d / "lr.joblib", "json": d / "lr.json", "csv": d / "iris.csv"}


def test_an_output_is_never_an_input(work: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_bytes(work["csv"].read_bytes())
    before = data.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    hard = tmp_path / "hard.csv"
    os.link(data, hard)
    for out in (data, link, hard):
        res = _cli("convert", work["model"], "--data", data, "-o", out, "--format", "json", "--force")
        _refused(res, "it is the input file")
        _refused(_cli("predict", work["json"], "--data", data, "-o", out, "--force"), "input file")
    assert data.read_bytes() == before
    _no_temp_files(tmp_path)


def test_only_regular_files_are_replaced(work: dict[str, Path], tmp_path: Path) -> None:
    dangling = tmp_path / "dangling.onnx"
    dangling.symlink_to(tmp_path / "elsewhere.onnx")
    fifo = tmp_path / "fifo.onnx"
    os.mkfifo(fifo)
    for out in (dangling, fifo):
        for force in ([], ["--force"]):
            _refused(_cli("convert", work["model"], "-o", out, *force), "only regular files are replaced")
    assert dangling.is_symlink() and not (tmp_path / "elsewhere.onnx").exists()
    assert fifo.exists() and not fifo.is_file()
    pic = tmp_path / "pic.svg"
    pic.symlink_to(work["csv"])
    _refused(_cli("draw", work["json"], "-o", pic, "--force"), "symbolic link")
    _refused(_cli("predict", work["json"], "--data", work["csv"], "-o", fifo, "--force"), "a FIFO")
    _no_temp_files(tmp_path)


def test_a_file_that_appears_mid_run_is_not_replaced(tmp_path: Path) -> None:
    """The check happens before the work; whatever appears at the path meanwhile wins."""
    out = check_output(tmp_path / "net.onnx", force=False)
    with pytest.raises(OutputError, match="appeared while nnconvert was writing"), out.writing() as tmp:
        tmp.write_bytes(b"ours")
        (tmp_path / "net.onnx").write_bytes(b"theirs")  # another process, after the check
    assert (tmp_path / "net.onnx").read_bytes() == b"theirs"
    _no_temp_files(tmp_path)
    forced = check_output(tmp_path / "net.onnx", force=True)
    forced.write(b"ours")
    assert (tmp_path / "net.onnx").read_bytes() == b"ours"
    fresh = check_output(tmp_path / "new.onnx", force=False)
    fresh.write("text")
    assert (tmp_path / "new.onnx").read_text() == "text"
    (tmp_path / "new2.onnx").symlink_to(tmp_path / "target")
    with pytest.raises(OutputError, match="symbolic link"), check_output(tmp_path / "x.onnx", force=True).writing():
        os.replace(tmp_path / "new2.onnx", tmp_path / "x.onnx")  # a link swapped in after the check
    assert not (tmp_path / "target").exists()


def test_errors_leave_no_temp_file_and_keep_the_old_output(work: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    out.write_text("OLD")
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3,4\n1e300,1,1,1\n")
    res = _cli("predict", work["json"], "--data", bad, "--dtype", "float32", "-o", out, "--force")
    assert res.exit_code == 2
    assert out.read_text() == "OLD"
    _no_temp_files(tmp_path)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_removes_the_temp_file(work: dict[str, Path], tmp_path: Path, sig: int, code: int) -> None:
    rng = np.random.default_rng(0)
    data = tmp_path / "many.csv"
    np.savetxt(data, rng.uniform(0, 8, size=(200_000, 4)), delimiter=",", fmt="%.6f")
    data.write_bytes(data.read_bytes() * 10)  # 2 million rows: seconds of work even for the fast CSV reader
    out = tmp_path / "pred.csv"
    out.write_text("OLD")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnconvert", "predict", str(work["json"]), "--data", str(data), "-o", str(out),
         "--force", "--chunk-rows", "1000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".pred.csv.*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "predict ended before it could be interrupted"
        time.sleep(0.2)  # mid-write
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.strip() == "Error: interrupted"
    assert out.read_text() == "OLD"
    _no_temp_files(tmp_path)
