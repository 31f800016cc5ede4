"""Parquet data (pyarrow) for verify and predict: files written by pandas, by name (any order, extra
columns, ids), nulls as missing values for models that take them, row groups streamed, sizes the
file claims checked before reading, and one-line refusals for corrupt, nested and mistyped files."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression

from nnconvert.errors import DataError
from nnconvert.io.data import count_rows, open_data, read_data
from nnconvert.io.table import STRING, Wanted
from tests.cli_helpers import one_error, run_cli

NAMES = ["age", "income", "height", "score"]


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 4)) * [10, 1000, 0.2, 1] + [40, 5e4, 1.7, 0], columns=NAMES)


def _holes(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.iloc[::5, 1] = np.nan
    out.iloc[::7, 3] = np.nan
    return out


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("parquet")
    df = _holes(_frame(400, 0))
    y = (df["age"] + df["score"].fillna(1) * 5 > 40).astype(int)
    joblib.dump(HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(df, y), d / "hgb.joblib")
    clean = _frame(100, 1)
    joblib.dump(LinearRegression().fit(clean, clean["age"] * 2 + clean["score"]), d / "named.joblib")
    joblib.dump(LinearRegression().fit(clean.to_numpy(), clean["score"]), d / "plain.joblib")
    return {p.stem: p for p in d.iterdir()}


def _predictions(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _with_extras(df: pd.DataFrame) -> pd.DataFrame:
    out = df[["score", "height", "age", "income"]].copy()  # shuffled
    out.insert(0, "id", [f"c{i:04d}" for i in range(len(df))])
    out["city"] = pd.Series(["Paris", None, "東京", "São Paulo"] * (len(df) // 4 + 1))[: len(df)].to_numpy()
    out["tags"] = [[1, 2]] * len(df)  # a nested column the model does not read: ignored
    return out


def test_hgb_with_nulls_by_name_in_row_groups(models, tmp_path):
    df = _holes(_frame(230, 2))
    path = tmp_path / "data.parquet"
    _with_extras(df).to_parquet(path, row_group_size=50)  # NaN is written as null; 5 row groups
    assert pq.ParquetFile(path).metadata.num_row_groups == 5
    assert pq.read_table(path).column("income").null_count > 0
    est = joblib.load(models["hgb"])
    res = run_cli("predict", models["hgb"], "--data", path, "--id-column", "id", "--chunk-rows", "33")
    assert res.exit_code == 0, res.stderr
    rows = _predictions(res.stdout)
    assert [r["id"] for r in rows] == [f"c{i:04d}" for i in range(230)]
    assert [int(r["predict"]) for r in rows] == est.predict(df).tolist()
    np.testing.assert_allclose([float(r["predict_proba[1]"]) for r in rows], est.predict_proba(df)[:, 1], rtol=1e-12)
    res = run_cli("verify", models["hgb"], "--data", path, "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert '"rows": 230' in res.stdout
    assert count_rows(path) == 230


def test_nullable_integers_and_a_model_without_missing_values(models, tmp_path):
    df = _frame(30, 3).round(0)
    ints = df.astype("Int64")
    path = tmp_path / "ints.parquet"
    ints.to_parquet(path)
    est = joblib.load(models["named"])
    res = run_cli("predict", models["named"], "--data", path)
    assert res.exit_code == 0, res.stderr
    np.testing.assert_allclose([float(r["predict"]) for r in _predictions(res.stdout)], est.predict(df), rtol=1e-12)
    ints.iloc[7, 2] = pd.NA
    ints.to_parquet(path)
    one_error(run_cli("predict", models["named"], "--data", path), 2,
              "ints.parquet, row 7, column 'height': the value is null, and this model takes no missing values")  # fmt: skip
    nan = df.copy()
    nan.iloc[3, 0] = np.inf
    nan.to_parquet(path)
    one_error(run_cli("verify", models["named"], "--data", path), 2, "row 3, column 'age': inf is not a finite number")


def test_model_without_names_reads_by_position(models, tmp_path):
    df = _frame(40, 4)
    est = joblib.load(models["plain"])
    path = tmp_path / "positional.parquet"
    df.set_index(pd.Index([f"r{i}" for i in range(40)], name="key")).to_parquet(path)  # index stored as a column
    assert "key" in pq.read_schema(path).names
    res = run_cli("predict", models["plain"], "--data", path)
    assert res.exit_code == 0, res.stderr
    np.testing.assert_allclose([float(r["predict"]) for r in _predictions(res.stdout)], est.predict(df.to_numpy()))
    res = run_cli("predict", models["plain"], "--data", path, "--id-column", "key")
    assert [r["key"] for r in _predictions(res.stdout)] == [f"r{i}" for i in range(40)]
    df.assign(y=1.0).to_parquet(path)
    np.testing.assert_array_equal(read_data(path, target_column="y", n_features=4), df.to_numpy())
    one_error(
        run_cli("predict", models["plain"], "--data", path), 2, "positional.parquet has 5 columns; the model expects 4"
    )


def test_missing_mistyped_and_nested_columns(models, tmp_path):
    df = _frame(10, 5)
    path = tmp_path / "bad.parquet"
    df.drop(columns="score").to_parquet(path)
    one_error(
        run_cli("verify", models["named"], "--data", path),
        2,
        "bad.parquet has no column 'score', which the model reads",
    )
    df.assign(score=["a"] * 10).to_parquet(path)
    one_error(
        run_cli("predict", models["named"], "--data", path),
        2,
        "column 'score' of bad.parquet holds",
        "the model reads numbers",
    )
    df.assign(score=[[1.0]] * 10).to_parquet(path)
    one_error(
        run_cli("predict", models["named"], "--data", path), 2, "column 'score' of bad.parquet holds nested values"
    )
    df.drop(columns="score").assign(when=pd.Timestamp("2024-01-01")).to_parquet(path)
    one_error(run_cli("predict", models["plain"], "--data", path), 2, "column 'when' of bad.parquet holds timestamp")
    pd.DataFrame({"a": [{"x": 1}] * 3, "b": [1.0] * 3}).to_parquet(path)
    with pytest.raises(DataError, match=r"column 'a' of bad\.parquet holds nested values \(struct"):
        read_data(path)
    one_error(
        run_cli("predict", models["named"], "--data", path, "--header"), 2, "--header/--no-header apply to text files"
    )


def test_corrupt_and_foreign_files(models, tmp_path):
    good = tmp_path / "good.parquet"
    _frame(50, 6).to_parquet(good)
    data = good.read_bytes()
    cases = {
        "text.parquet": b"age,income\n1,2\n",
        "truncated.parquet": data[: len(data) // 2],
        "footer_claim.parquet": data[:-8] + (10**9).to_bytes(4, "little") + b"PAR1",
        "garbage_footer.parquet": data[:4] + bytes(len(data) - 12) + data[-8:],
        "encrypted.parquet": data[:-4] + b"PARE",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        one_error(run_cli("verify", models["named"], "--data", tmp_path / name), 2, f"cannot read {name}")
    one_error(run_cli("predict", models["named"], "--data", tmp_path / "text.parquet"), 2, "it is not a Parquet file")


def test_claimed_sizes_are_checked_before_reading(models, tmp_path):
    path = tmp_path / "big.parquet"
    rng = np.random.default_rng(7)
    pd.DataFrame(rng.normal(size=(200_000, 4)), columns=NAMES).to_parquet(path, row_group_size=200_000)
    res = run_cli("predict", models["named"], "--data", path, "--max-memory", "4M")
    one_error(res, 2, "row group 0 of big.parquet (200000 rows) needs", "over the memory limit of 4M", "--max-memory")
    # in small row groups the same rows stream within the budget
    pd.DataFrame(rng.normal(size=(200_000, 4)), columns=NAMES).to_parquet(path, row_group_size=20_000)
    res = run_cli("predict", models["named"], "--data", path, "--max-memory", "12M", "-o", tmp_path / "out.csv")
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "out.csv").read_text().count("\n") == 200_001


def test_string_and_categorical_columns_read_as_text(tmp_path):
    path = tmp_path / "cities.parquet"
    df = pd.DataFrame(
        {
            "city": pd.Categorical(["Paris", "東京", None, "Paris"]),
            "zip": pd.array(["75001", "", None, "01000"], dtype=object),
            "x": [1.0, np.nan, 3.0, 4.0],
        }
    )
    df.to_parquet(path)
    src = open_data(path, columns=[Wanted("zip", STRING), Wanted("city", STRING), Wanted("x")], matrix=False,
                    allow_missing=True)  # fmt: skip
    (table,) = list(src.tables(10))
    assert table.data["city"].tolist() == ["Paris", "東京", None, "Paris"]
    assert table.data["zip"].tolist() == ["75001", None, None, "01000"]  # empty and null: missing
    np.testing.assert_array_equal(table.data["x"], [1.0, np.nan, 3.0, 4.0])
    with pytest.raises(DataError, match=r"column 'x' of cities\.parquet holds double values; the model reads strings"):
        list(open_data(path, columns=[Wanted("x", STRING)], matrix=False).tables(10))


def test_without_pyarrow_one_line_says_to_install_it(models, tmp_path):
    path = tmp_path / "x.parquet"
    _frame(5, 8).to_parquet(path)
    code = (
        "import sys; sys.modules['pyarrow'] = None; sys.argv = ['nnconvert', 'predict', sys.argv[1], '--data', sys.argv[2]]\n"
        "from nnconvert.cli.main import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code, str(models["named"]), str(path)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr.strip() == "Error: reading Parquet needs pyarrow; install it with: pip install 'nnconvert[parquet]'"
    )


def test_pyarrow_table_written_directly(tmp_path):
    """A file pyarrow writes itself (no pandas metadata), with a null-typed column."""
    path = tmp_path / "direct.parquet"
    table = pa.table({"b": pa.array([1, 2, None], pa.int32()), "a": pa.array([0.5, 1.5, 2.5]), "n": pa.nulls(3)})
    pq.write_table(table, path)
    X = np.concatenate(list(open_data(path, columns=[Wanted("a"), Wanted("b")], allow_missing=True).chunks(2)))
    np.testing.assert_array_equal(X, [[0.5, 1.0], [1.5, 2.0], [2.5, np.nan]])
    with pytest.raises(DataError, match=r"row 0, column 'n': the value is null"):
        list(open_data(path, columns=[Wanted("n")]).chunks(2))


def test_a_string_column_network_from_parquet(tmp_path):
    from tests.test_data_columns import city_frame, city_model

    model = tmp_path / "city.joblib"
    est = city_model(model)
    rows = city_frame(5, 300, odd=True)
    data = rows[["city", "weight", "height"]].assign(key=np.arange(300) * 7, extra=[[1]] * 300)
    data["city"] = pd.Categorical(data["city"])  # a dictionary column, nulls for None
    data.to_parquet(tmp_path / "cities.parquet", row_group_size=128)
    assert pq.read_table(tmp_path / "cities.parquet").column("city").null_count > 0
    path = tmp_path / "cities.parquet"
    res = run_cli("verify", model, "--data", path, "--trust", "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert res.stdout.count('"rows": 300') >= 2
    assert run_cli("convert", model, "-o", tmp_path / "city.onnx", "--trust", "--no-references").exit_code == 0
    res = run_cli("verify", model, tmp_path / "city.onnx", "--data", path, "--trust")
    assert res.exit_code == 0, res.stdout + res.stderr
    res = run_cli("predict", tmp_path / "city.onnx", "--data", path, "--id-column", "key")
    assert res.exit_code == 0, res.stderr
    got = _predictions(res.stdout)
    assert [r["key"] for r in got] == [str(7 * i) for i in range(300)]
    assert [int(r["predict"]) for r in got] == est.predict(rows).tolist()
    data.assign(city=np.arange(300.0)).to_parquet(path)  # numbers where the model reads strings
    one_error(
        run_cli("predict", tmp_path / "city.onnx", "--data", path), 2, "column 'city' of cities.parquet holds double"
    )
