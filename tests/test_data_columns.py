"""Data read by the model's column names (issue 15): CSV files written by pandas, the reader and the
real CLI. A model fitted on a DataFrame reads any column order, ignores extra columns, names a
missing one; --id-column rides through to predict's output; headerless numeric files keep reading
by position; string columns come back as text (quotes, commas, Unicode) for string inputs."""

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
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression

from nnconvert.errors import DataError
from nnconvert.io.data import open_data
from nnconvert.io.table import STRING, Wanted
from tests.cli_helpers import one_error, run_cli

NAMES = ["age", "income", "height", "score"]


def _frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 4)) * [10, 1000, 0.2, 1] + [40, 5e4, 1.7, 0], columns=NAMES)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("columns")
    df = _frame()
    y = (df["age"] + df["score"] * 5 > 40).astype(int)
    joblib.dump(LogisticRegression(max_iter=2000).fit(df, y), d / "named.joblib")
    joblib.dump(LogisticRegression(max_iter=2000).fit(df.to_numpy(), y), d / "plain.joblib")
    missing = df.copy()
    missing.iloc[::5, 1] = np.nan
    missing.iloc[::7, 3] = np.nan
    hgb = HistGradientBoostingRegressor(max_iter=15, random_state=0).fit(
        missing, df["age"] + missing["score"].fillna(0)
    )
    joblib.dump(hgb, d / "hgb.joblib")
    return {p.stem: p for p in d.iterdir()}


def _predictions(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _shuffled(df: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    out = df[list(np.random.default_rng(seed).permutation(df.columns))].copy()
    out.insert(2, "comment", [f'row {i}, "quoted", é ü 中' for i in range(len(df))])  # an extra text column
    out["label"] = np.arange(len(df)) % 3
    return out


def test_any_column_order_and_extra_columns(models, tmp_path):
    df = _frame(150, seed=3)
    path = tmp_path / "shuffled.csv"
    _shuffled(df).to_csv(path, index=False)
    est = joblib.load(models["named"])
    res = run_cli("predict", models["named"], "--data", path)
    assert res.exit_code == 0, res.stderr
    rows = _predictions(res.stdout)
    assert [int(r["predict"]) for r in rows] == est.predict(df).tolist()
    np.testing.assert_allclose([float(r["predict_proba[1]"]) for r in rows], est.predict_proba(df)[:, 1], rtol=1e-12)
    res = run_cli("verify", models["named"], "--data", path, "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert '"rows": 150' in res.stdout
    # pandas' index column (to_csv's default index=True) is no feature either
    _shuffled(df).to_csv(tmp_path / "indexed.csv")
    assert run_cli("verify", models["named"], "--data", tmp_path / "indexed.csv").exit_code == 0


def test_a_missing_column_is_one_line_naming_it(models, tmp_path):
    path = tmp_path / "no_height.csv"
    _frame(20).drop(columns="height").assign(other=1.0).to_csv(path, index=False)
    for command in ("predict", "verify"):
        res = run_cli(command, models["named"], "--data", path)
        one_error(res, 2, "no_height.csv has no column 'height', which the model reads", "age, income, score, other")
    twice = tmp_path / "twice.csv"
    twice.write_text("age,income,height,score,age\n1,2,3,4,5\n")
    one_error(run_cli("predict", models["named"], "--data", twice), 2, "2 columns named 'age'")


def test_id_column_is_written_first_as_in_the_file(models, tmp_path):
    df = _frame(120, seed=4)
    ids = [f"Zürich, CH #{i}" if i % 3 else f'"{i}", 中' for i in range(len(df))]
    frame = _shuffled(df)
    frame.insert(0, "customer id", ids)
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    est = joblib.load(models["named"])
    out = tmp_path / "pred.csv"
    # small chunks: ids stay with their rows across chunks
    res = run_cli(
        "predict", models["named"], "--data", path, "--id-column", "customer id", "--chunk-rows", "7", "-o", out
    )
    assert res.exit_code == 0, res.stderr
    got = pd.read_csv(out, dtype={"customer id": str}, keep_default_na=False)
    assert list(got.columns[:2]) == ["customer id", "predict"]
    assert got["customer id"].tolist() == ids
    assert got["predict"].tolist() == est.predict(df).tolist()
    one_error(run_cli("predict", models["named"], "--data", path, "--id-column", "nope"), 2, "no column 'nope'")


def test_headerless_numbers_keep_reading_by_position(models, tmp_path):
    df = _frame(30, seed=5)
    path = tmp_path / "plain.csv"
    df.to_csv(path, index=False, header=False)
    est = joblib.load(models["named"])
    for model in ("named", "plain"):
        res = run_cli("predict", models[model], "--data", path)
        assert res.exit_code == 0, res.stderr
        assert [int(r["predict"]) for r in _predictions(res.stdout)] == est.predict(df).tolist()
    # an id column by index on a headerless file: dropped from the features, named by its index
    with_id = tmp_path / "with_id.csv"
    df.assign(key=np.arange(100, 130)).to_csv(with_id, index=False, header=False)
    res = run_cli("predict", models["plain"], "--data", with_id, "--id-column", "4")
    assert res.exit_code == 0, res.stderr
    rows = _predictions(res.stdout)
    assert [r["4"] for r in rows] == [str(i) for i in range(100, 130)]
    assert list(rows[0])[:2] == ["4", "predict"]
    one_error(run_cli("predict", models["plain"], "--data", with_id), 2, "has 5 columns; the model expects 4")


def test_missing_values_where_the_model_takes_them(models, tmp_path):
    df = _frame(60, seed=6)
    df.iloc[::4, 1] = np.nan
    df.iloc[::9, 3] = np.nan
    path = tmp_path / "holes.csv"
    _shuffled(df).to_csv(path, index=False)  # NaN written as empty cells
    text = path.read_text().replace(",,", ",nan,", 3)  # and a few as 'nan'
    path.write_text(text)
    est = joblib.load(models["hgb"])
    res = run_cli("predict", models["hgb"], "--data", path)
    assert res.exit_code == 0, res.stderr
    np.testing.assert_allclose([float(r["predict"]) for r in _predictions(res.stdout)], est.predict(df), rtol=1e-12)
    res = run_cli("verify", models["hgb"], "--data", path)
    assert res.exit_code == 0, res.stdout + res.stderr
    # a model that takes no missing values names the first empty cell (the file's line number)
    one_error(
        run_cli("predict", models["named"], "--data", path),
        2,
        "holes.csv, row 2, column 'income': 'nan' is not a number",
    )


def test_string_columns_read_as_text(tmp_path):
    df = pd.DataFrame(
        {
            "zip": ["75001", "01000", "", "10115"],
            "x": [1.5, -2.0, 3.25, 0.0],
            "city": ["Paris, FR", 'São "Paulo"', None, "東京"],
            "unused": [1, 2, 3, 4],
        }
    )
    path = tmp_path / "cities.csv"
    df.to_csv(path, index=False)
    wanted = [Wanted("city", STRING), Wanted("x"), Wanted("zip", STRING)]
    source = open_data(path, columns=wanted, matrix=False, id_column="unused")
    (table,) = list(source.tables(100))
    assert list(table.data) == ["city", "x", "zip"]
    assert table.data["city"].tolist() == ["Paris, FR", 'São "Paulo"', None, "東京"]
    assert table.data["zip"].tolist() == ["75001", "01000", None, "10115"]  # strings, never numbers
    assert table.data["x"].dtype == np.float64 and table.data["x"].tolist() == [1.5, -2.0, 3.25, 0.0]
    assert table.ids.tolist() == ["1", "2", "3", "4"]
    # rows cut into chunks keep their cells
    parts = list(open_data(path, columns=wanted, matrix=False).tables(3))
    assert [len(p) for p in parts] == [3, 1] and parts[1].data["city"].tolist() == ["東京"]
    # a number column with text in it is still refused, with the cell named
    with pytest.raises(DataError, match=r"row 2, column 'city': 'Paris, FR' is not a number"):
        list(open_data(path, columns=[Wanted("city")]).tables(100))
    # an array file cannot hold a string column
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    with pytest.raises(DataError, match=r"the model reads string columns \(city\); x\.npy holds numbers only"):
        open_data(tmp_path / "x.npy", columns=[Wanted("city", STRING), Wanted("x")], matrix=False)


def test_header_of_numeric_names_in_another_order(tmp_path):
    path = tmp_path / "numeric_names.csv"
    path.write_text("20,10,30\n1,2,3\n4,5,6\n")
    X = np.concatenate(list(open_data(path, columns=[Wanted("10"), Wanted("20")]).chunks(10)))
    assert X.tolist() == [[2.0, 1.0], [5.0, 4.0]]  # rule 3: the row holds every model name


def test_subprocess_predict_with_ids(models, tmp_path):
    df = _frame(40, seed=7)
    path = tmp_path / "sub.csv"
    _shuffled(df).assign(key=[f"k{i}" for i in range(40)]).to_csv(path, index=False)
    cmd = [
        sys.executable,
        "-m",
        "nnconvert",
        "predict",
        str(models["named"]),
        "--data",
        str(path),
        "--id-column",
        "key",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    rows = _predictions(done.stdout)
    assert [r["key"] for r in rows] == [f"k{i}" for i in range(40)]
    assert [int(r["predict"]) for r in rows] == joblib.load(models["named"]).predict(df).tolist()
    gone = subprocess.run([*cmd[:-2], "--id-column", "gone"], capture_output=True, text=True, check=False)
    assert gone.returncode == 2 and gone.stderr.startswith("Error: sub.csv has no column 'gone'")
    assert len(gone.stderr.splitlines()) == 1


def test_string_columns_count_in_the_memory_model(tmp_path):
    from nnconvert.check.memory import feed_row_bytes
    from nnconvert.io.table import STRING_CELL_BYTES

    assert feed_row_bytes([]) == 0  # a matrix network: X is the data itself
    assert feed_row_bytes(["float", "string"], 3) == 8 + STRING_CELL_BYTES + 3 * 8
    path = tmp_path / "mixed.csv"
    pd.DataFrame({"a": np.arange(500.0), "s": [f"v{i}" for i in range(500)]}).to_csv(path, index=False)
    numbers = open_data(path, columns=[Wanted("a")], max_memory=20_000)
    text = open_data(path, columns=[Wanted("a"), Wanted("s", STRING)], matrix=False, max_memory=20_000)
    assert text.row_bytes == numbers.row_bytes + STRING_CELL_BYTES
    sizes = [len(t) for t in text.tables(65536)]
    assert sum(sizes) == 500 and max(sizes) == 20_000 // text.row_bytes < max(len(t) for t in numbers.tables(65536))


CITIES = ["Lima", "Oslo", "Paris", "Rome", "Tokyo"]


def city_frame(seed: int, n: int, *, odd: bool) -> pd.DataFrame:
    """Numbers and a string column ``city``; with ``odd``, unknown strings, "" and None among them."""
    rng = np.random.default_rng(seed)
    city = rng.choice(CITIES, n).astype(object)
    if odd:
        u = rng.uniform(size=n)
        city[u < 0.08] = "Rio de Janeiro, BR"  # unknown, with a comma (quoted in CSV)
        city[(u >= 0.08) & (u < 0.14)] = ""
        city[(u >= 0.14) & (u < 0.2)] = None
        city[(u >= 0.2) & (u < 0.25)] = "Zürich"
    return pd.DataFrame({"height": rng.normal(170, 10, n), "city": city, "weight": rng.normal(70, 15, n)})


def city_model(path: Path) -> HistGradientBoostingClassifier:
    """HistGradientBoosting on a string category column (pandas category dtype): a network with
    named inputs, ``city`` a string input."""
    train = city_frame(3, 400, odd=False)
    bonus = train["city"].map({"Lima": 2.0, "Oslo": -1.0, "Paris": 0.5, "Rome": 1.5, "Tokyo": -2.0}).astype(float)
    y = ((train["height"] - 170) / 10 + bonus > 0.3).astype(int)
    train["city"] = pd.Categorical(train["city"])
    est = HistGradientBoostingClassifier(max_iter=15, max_depth=3, categorical_features="from_dtype", random_state=0)
    est.fit(train, y)
    joblib.dump(est, path)
    return est


def test_a_string_column_network_from_csv(tmp_path):
    est = city_model(tmp_path / "city.joblib")
    rows = city_frame(4, 200, odd=True)
    data = rows[["weight", "city", "height"]].assign(note="a, b", key=[f"k{i}" for i in range(200)])
    data.to_csv(tmp_path / "cities.csv", index=False)
    assert '"Rio de Janeiro, BR"' in (tmp_path / "cities.csv").read_text()
    model, csv_path = tmp_path / "city.joblib", tmp_path / "cities.csv"
    res = run_cli("verify", model, "--data", csv_path, "--trust", "--chunk-rows", "64")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert res.stdout.count("200 rows") == 2
    expected = est.predict(rows)
    res = run_cli("predict", model, "--data", csv_path, "--trust", "--id-column", "key")
    assert res.exit_code == 0, res.stderr
    got = _predictions(res.stdout)
    assert [r["key"] for r in got] == [f"k{i}" for i in range(200)]
    assert [int(r["predict"]) for r in got] == expected.tolist()
    # the ONNX file (one input per column, city a string tensor) and the JSON spec, fed by name
    for net in ("city.onnx", "city.json"):
        res = run_cli("convert", model, "-o", tmp_path / net, "--trust", "--no-references")
        assert res.exit_code == 0, res.stderr
        res = run_cli("verify", model, tmp_path / net, "--data", csv_path, "--trust")
        assert res.exit_code == 0, res.stdout + res.stderr
        res = run_cli("predict", tmp_path / net, "--data", csv_path)
        assert res.exit_code == 0, res.stderr
        assert [int(r["predict"]) for r in _predictions(res.stdout)] == expected.tolist()
    res = run_cli("verify", model, "--synthetic", "300", "--trust")
    assert res.exit_code == 0, res.stdout + res.stderr
    rows.drop(columns="city").to_csv(tmp_path / "no_city.csv", index=False)
    for args in (("verify", model), ("predict", tmp_path / "city.onnx")):
        one_error(
            run_cli(*args, "--data", tmp_path / "no_city.csv", "--trust"),
            2,
            "has no column 'city', which the model reads",
        )


def test_a_string_column_network_from_a_headerless_csv(tmp_path):
    est = city_model(tmp_path / "city.joblib")
    rows = city_frame(6, 50, odd=True)
    path = tmp_path / "plain.csv"
    rows.to_csv(path, index=False, header=False)  # the inputs' order: height, city, weight
    res = run_cli("predict", tmp_path / "city.joblib", "--data", path, "--no-header", "--trust")
    assert res.exit_code == 0, res.stderr
    assert [int(r["predict"]) for r in _predictions(res.stdout)] == est.predict(rows).tolist()
    rows.assign(more=1.0).to_csv(path, index=False, header=False)
    one_error(run_cli("predict", tmp_path / "city.joblib", "--data", path, "--no-header", "--trust"), 2,
              "plain.csv has 4 columns and no names; the model reads 3 by name (height, city, weight)")  # fmt: skip


def test_columns_only_the_estimator_reads_come_as_found(tmp_path):
    """A column the network drops (kind ``any``) reaches the estimator as the file holds it."""
    from nnconvert.io.table import ANY

    frame = pd.DataFrame({"n": [1.5, np.nan, 3.0], "s": ["a", None, "c, d"], "x": [1.0, 2.0, 3.0]})
    frame.to_csv(tmp_path / "f.csv", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    for name in ("f.csv", "f.parquet"):
        wanted = [Wanted("s", ANY), Wanted("n", ANY), Wanted("x")]
        (table,) = list(open_data(tmp_path / name, columns=wanted, matrix=False).tables(10))
        assert table.data["n"].dtype == np.float64 and np.isnan(table.data["n"][1])
        assert table.data["s"].tolist() == ["a", None, "c, d"]
