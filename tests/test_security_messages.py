"""Messages (issue 8, item 7): names from files reach terminals, spreadsheets and pictures
inert. A model whose feature names hold escape sequences, carriage returns and bidi overrides,
and whose class labels are spreadsheet formulas, goes through every command that shows them."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nnconvert.text import csv_cell, printable
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["len\x1b[2J\x1b]0;pwned\x07", "wid\u202eth", "cr\rfake", "ok\x9b31m"]
CLASSES = np.array(['=HYPERLINK("http://x.example","y")', "-1.5", "@SUM(A1)"])
UNSAFE = ("\x1b", "\r", "\u202e", "\x07", "\x9b")


_cli = run_cli


def _clean(text: str) -> None:
    for c in UNSAFE:
        assert c not in text, repr(text)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("messages")
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(pd.DataFrame(X, columns=FEATURES), CLASSES[y])
    joblib.dump(model, d / "evil.joblib")
    res = _cli("convert", d / "evil.joblib", "-o", d / "evil.json")
    assert res.exit_code == 0, res.output + res.stderr
    _clean(res.stdout + res.stderr)
    data = d / "rows.csv"
    data.write_text(",".join(f'"{n}"' for n in FEATURES).replace("\r", "") + "\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    np.save(d / "rows.npy", X[::5])
    return {"dir": d, "model": d / "evil.joblib", "json": d / "evil.json", "npy": d / "rows.npy", "csv": data}


def test_printable_and_csv_cell_rules() -> None:
    assert printable("a\x1b[31mb\u202ec\r\n") == "a\\x1b[31mb\\u202ec\\x0d\\x0a"
    assert printable("line\nnext\ttab", multiline=True) == "line\nnext\ttab"
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("+cmd") == "'+cmd" and csv_cell("@x") == "'@x"
    assert csv_cell("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert csv_cell("\tx") == "'\\x09x" and csv_cell("-1.5") == "-1.5" and csv_cell("setosa") == "setosa"


@pytest.mark.parametrize("what", ["model", "json"])
def test_inspect_and_explain_escape_names(work: dict[str, Path], what: str) -> None:
    for command in ("inspect", "explain"):
        res = _cli(command, work[what])
        assert res.exit_code == 0, res.output + res.stderr
        _clean(res.stdout)
        assert "len\\x1b[2J" in res.stdout or command == "explain"
    res = _cli("inspect", work[what], "--json")
    _clean(res.stdout)


def test_draw_captions_are_escaped(work: dict[str, Path]) -> None:
    for suffix in (".svg", ".dot"):
        out = work["dir"] / f"evil{suffix}"
        res = _cli("draw", work["json"], "-o", out, "--force")
        assert res.exit_code == 0, res.output + res.stderr
        text = out.read_text(encoding="utf-8")
        _clean(text)
        assert "\\x1b" in text


def test_predict_csv_neutralises_formulas_and_keeps_numbers(work: dict[str, Path]) -> None:
    res = _cli("predict", work["json"], "--data", work["npy"])
    assert res.exit_code == 0, res.output + res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    header, body = rows[0], rows[1:]
    assert all(not c.startswith(("=", "+", "@", "\t", "\r")) for c in header)
    labels = {r[0] for r in body}
    assert labels <= {"'" + CLASSES[0], "-1.5", "'" + CLASSES[2]} and len(labels) >= 2
    scores = [float(c) for r in body for c in r[1:]]  # probabilities and decision values stay numbers
    assert any(s < 0 for s in scores)
    assert any(c.startswith("-") and not c.startswith("'") for r in body for c in r[1:4])  # decision_function


def test_errors_naming_features_are_escaped(work: dict[str, Path]) -> None:
    other = work["dir"] / "other.csv"
    other.write_text("a,b,c,d\n1,2,3,4\n")
    res = _cli("verify", work["model"], "--data", other)
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("Error: ")
    _clean(res.stderr)
    assert "len\\x1b" in res.stderr


def test_no_warning_text_reaches_stderr(work: dict[str, Path]) -> None:
    """A subprocess, as a user runs it: overflowing rows, a model fitted on a DataFrame run on
    arrays: nothing but the report, no RuntimeWarning/UserWarning text or source lines."""
    big = work["dir"] / "big.npy"
    np.save(big, np.array([[1e300, 1.0, 1.0, 1.0], [5.1, 3.5, 1.4, 0.2]]))
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "nnconvert", "verify", str(work["model"]), "--data", str(big)],
        capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == ""
    _clean(proc.stdout)
    proc = subprocess.run(
        [sys.executable, "-m", "nnconvert", "inspect", str(work["model"])],
        capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == ""
    _clean(proc.stdout)
