"""The header rule (nnconvert.io.columns) on files written by pandas and numpy, through the reader
and the real CLI: never a header read as a data row, never a data row dropped silently."""

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
from click.testing import CliRunner
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nnconvert.cli import cli
from nnconvert.errors import DataError
from nnconvert.io.data import open_data, read_data, read_data_with_names

X, Y = load_iris(return_X_y=True)
NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The ways pandas and numpy write X, and two models (without and with feature names)."""
    d = tmp_path_factory.mktemp("headers")
    pd.DataFrame(X).to_csv(d / "pandas_noindex.csv", index=False)  # header 0,1,2,3
    pd.DataFrame(X).to_csv(d / "pandas_index.csv")  # header ,0,1,2,3 and a row-number column
    pd.DataFrame(X, columns=NAMES).to_csv(d / "pandas_names.csv", index=False)
    pd.DataFrame(X, columns=NAMES).to_csv(d / "pandas_names_index.csv")
    pd.DataFrame(X).to_csv(d / "pandas_noheader.csv", index=False, header=False)
    np.savetxt(d / "savetxt_header.csv", X, delimiter=",", header=",".join(NAMES), footer="the end")
    np.savetxt(d / "savetxt.csv", X, delimiter=",")
    joblib.dump(LogisticRegression(max_iter=500).fit(X, Y), d / "plain.joblib")
    named = LogisticRegression(max_iter=500).fit(pd.DataFrame(X, columns=NAMES), Y)
    joblib.dump(named, d / "named.joblib")
    return {p.name: p for p in d.iterdir()}


@pytest.mark.parametrize(
    ("name", "names", "note"),
    [
        ("pandas_noindex.csv", None, True),  # rule 4: 0..k-1 labels are a header, and it is said
        ("pandas_index.csv", None, False),  # rule 2: ',0,1,2,3' and the index column dropped
        ("pandas_names.csv", tuple(NAMES), False),  # rule 1
        ("pandas_names_index.csv", tuple(NAMES), False),  # rules 1 and 2
        ("pandas_noheader.csv", None, False),  # rule 5: data
        ("savetxt_header.csv", None, False),  # '# ...' header and footer lines are comments
        ("savetxt.csv", None, False),
    ],
)
def test_every_pandas_and_numpy_layout_reads_exactly_x(files, name, names, note):
    ds = read_data_with_names(files[name], n_features=4)
    np.testing.assert_array_equal(ds.X, X)  # 150 rows: no header row read as data, no row lost
    assert ds.feature_names == names
    assert (open_data(files[name]).header.note is not None) is note


def test_forced_header_modes(files, tmp_path):
    # --no-header on pandas' 0..3 labels: the labels are the first data row, as asked
    forced = read_data(files["pandas_noindex.csv"], header=False)
    assert len(forced) == 151 and forced[0].tolist() == [0, 1, 2, 3]
    with pytest.raises(DataError, match=r"row 1, column 0: 'sepal_length' is not a number"):
        read_data(files["pandas_names.csv"], header=False)
    # --header on a file without one: its first row is taken as names
    assert len(read_data(files["savetxt.csv"], header=True)) == 149
    # a first row equal to the model's feature names is a header even when they are numbers
    numeric = tmp_path / "numeric.csv"
    numeric.write_text("10,20\n1.5,2.5\n3.5,4.5\n")
    assert len(read_data(numeric)) == 3  # no model names: data
    ds = read_data_with_names(numeric, model_names=["10", "20"])
    assert ds.feature_names == ("10", "20") and ds.X.tolist() == [[1.5, 2.5], [3.5, 4.5]]


def test_a_data_row_that_is_not_pandas_labels_stays_data(tmp_path):
    for first in ("0,1,2,4", "1,2,3,4", "0.0,1.0,2.0,3.0", "0,1,2"):
        path = tmp_path / "d.csv"
        path.write_text(f"{first}\n5,6,7,8\n" if first.count(",") == 3 else f"{first},9\n5,6,7,8\n")
        assert len(read_data(path)) == 2, first


def test_index_column_with_target(files):
    target = open_data(files["pandas_names_index.csv"], target_column="petal_width", n_features=3)
    assert target.names == tuple(NAMES[:3])
    np.testing.assert_array_equal(np.concatenate(list(target.chunks(40))), X[:, :3])
    by_position = read_data(files["pandas_index.csv"], target_column=3)  # position after the index
    np.testing.assert_array_equal(by_position, X[:, :3])


def _predictions(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("name", ["pandas_noindex.csv", "pandas_index.csv", "savetxt_header.csv", "pandas_names.csv"])
def test_predict_and_verify_count_every_row_once(files, name):
    runner = CliRunner()
    named = name == "pandas_names.csv"
    model = files["named.joblib" if named else "plain.joblib"]
    res = runner.invoke(cli, ["predict", str(model), "--data", str(files[name])])
    assert res.exit_code == 0, res.stderr
    rows = _predictions(res.stdout)
    assert len(rows) == 150
    expected = joblib.load(model).predict(pd.DataFrame(X, columns=NAMES) if named else X)
    assert [int(r["predict"]) for r in rows] == expected.tolist()
    assert ("pandas' column labels" in res.stderr) is (name == "pandas_noindex.csv")
    res = runner.invoke(cli, ["verify", str(model), "--data", str(files[name]), "--json"])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert '"rows": 150' in res.stdout


def test_model_names_checked_against_a_pandas_header(files):
    res = CliRunner().invoke(cli, ["verify", str(files["named.joblib"]), "--data", str(files["pandas_noindex.csv"])])
    assert res.exit_code == 0, res.stderr  # positions, not names: nothing to check, read in order
    swapped = pd.DataFrame(X, columns=NAMES)[NAMES[::-1]]
    path = files["pandas_names.csv"].with_name("swapped.csv")
    swapped.to_csv(path, index=False)
    res = CliRunner().invoke(cli, ["verify", str(files["named.joblib"]), "--data", str(path)])
    assert res.exit_code == 0 and "150 rows" in res.stdout, res.stderr  # read by name (issue 15)
    pd.DataFrame(X, columns=NAMES).drop(columns="petal_length").to_csv(path, index=False)
    res = CliRunner().invoke(cli, ["verify", str(files["named.joblib"]), "--data", str(path)])
    assert res.exit_code == 2 and "has no column 'petal_length', which the model reads" in res.stderr


def test_subprocess_no_header_flag(files):
    base = [sys.executable, "-m", "nnconvert", "predict", str(files["plain.joblib"]), "--data"]
    detect = subprocess.run([*base, str(files["pandas_noindex.csv"])], capture_output=True, text=True)
    assert detect.returncode == 0 and len(_predictions(detect.stdout)) == 150
    assert detect.stderr.startswith("note: pandas_noindex.csv: reading the first row (0,1,2,3)")
    forced = subprocess.run([*base, str(files["pandas_noindex.csv"]), "--no-header"], capture_output=True, text=True)
    assert forced.returncode == 0 and len(_predictions(forced.stdout)) == 151 and forced.stderr == ""
    npy = files["savetxt.csv"].with_suffix(".npy")
    np.save(npy, X)
    refused = subprocess.run([*base, str(npy), "--header"], capture_output=True, text=True)
    assert refused.returncode == 2 and refused.stderr.startswith("Error: --header/--no-header apply to text files")


def test_convert_data_embeds_the_same_rows_as_the_array(files, tmp_path):
    np.save(tmp_path / "x.npy", X)

    def embedded(*data: str) -> int:
        out = tmp_path / "net.json"
        args = ["convert", str(files["plain.joblib"]), "-o", str(out), "--force", "--references", "1000", "--data"]
        res = CliRunner().invoke(cli, [*args, *data])
        assert res.exit_code == 0, res.stderr
        return int(res.stdout.split(" reference rows embedded")[0].rsplit(" ", 1)[1])

    from_array = embedded(str(tmp_path / "x.npy"))
    assert embedded(str(files["pandas_noindex.csv"])) == from_array
    assert embedded(str(files["pandas_index.csv"])) == from_array
    assert embedded(str(files["pandas_noindex.csv"]), "--no-header") == from_array + 1  # the labels, as asked
