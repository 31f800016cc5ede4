"""The CLI as a real process: ``list`` starts fast without importing optional libraries, and
Ctrl-C (SIGINT) stops any command with one ``Error: interrupted`` line and exit 130."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.svm import SVC

OPTIONAL = ("sklearn", "skelm", "dask", "hpelm", "onnx", "onnxruntime", "scipy")


def test_list_imports_no_model_library_and_starts_fast():
    code = (
        "import sys, time, json; t = time.process_time(); from nnconvert.cli import main;"
        "sys.argv = ['nnconvert', 'list', '--json'];"
        "import contextlib, io; out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try: main()\n"
        "    except SystemExit: pass\n"
        f"print(json.dumps([time.process_time() - t, sorted(m for m in {OPTIONAL!r} if m in sys.modules), out.getvalue()]))"
    )
    numpy_only = "import time; t = time.process_time(); import numpy; print(time.process_time() - t)"
    base = float(subprocess.run([sys.executable, "-c", numpy_only], capture_output=True, text=True, check=True).stdout)
    seconds, imported, out = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    assert imported == []  # `installed` comes from find_spec, not from importing the library
    rows = json.loads(out)
    assert {r["estimator"] for r in rows if r["installed"]} >= {"sklearn.svm.SVC", "sklearn.linear_model.Ridge"}
    assert seconds < base + 0.5  # CPU seconds (steady on a busy machine): numpy, which the IR needs, plus < 0.5 s


def _wait_for(pid: int, library: str, timeout: float = 60.0) -> None:
    """Until process ``pid`` has ``library`` mapped (it is past its imports, inside the command)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if library in Path(f"/proc/{pid}/maps").read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{library} never loaded")


def test_ctrl_c_mid_verify_exits_130_with_one_line(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8))
    joblib.dump(SVC().fit(X, X[:, 0] + rng.normal(size=600) > 0), tmp_path / "svc.joblib")
    np.save(tmp_path / "rows.npy", rng.normal(size=(400_000, 8)))  # minutes of work: still running when stopped
    cmd = [
        sys.executable,
        "-m",
        "nnconvert",
        "verify",
        str(tmp_path / "svc.joblib"),
        "--data",
        str(tmp_path / "rows.npy"),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(proc.pid, "onnxruntime")  # the session is built just before the rows are read
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, (stdout, stderr)
    assert stderr == "Error: interrupted\n" and stdout == ""


def test_progress_bar_moves_within_a_chunk(tmp_path):
    """On a terminal the bar advances at least every 1% of the rows, though 100 000 rows are
    fewer than one --chunk-rows chunk (65 536 by default, here raised to 10**6)."""
    import os
    import pty
    import select

    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    joblib.dump(LogisticRegression().fit(X, X[:, 0] > 0), tmp_path / "lr.joblib")
    np.save(tmp_path / "rows.npy", rng.normal(size=(100_000, 3)))
    master, slave = pty.openpty()
    cmd = [
        sys.executable,
        "-m",
        "nnconvert",
        "verify",
        str(tmp_path / "lr.joblib"),
        "--data",
        str(tmp_path / "rows.npy"),
    ]
    proc = subprocess.Popen([*cmd, "--chunk-rows", "1000000"], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    bar = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        try:
            chunk = os.read(master, 4096) if ready else b""
        except OSError:  # the child closed the terminal
            chunk = b""
        if not chunk:
            break
        bar += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0
    shown = {int(p) for p in re.findall(rb"(\d+)%", bar)}
    assert len(shown) >= 50 and max(shown) == 100, sorted(shown)
