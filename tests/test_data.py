"""read_data / iter_data / count_rows on real CSV, .npy and .npz files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnconvert.errors import DataError
from nnconvert.io.data import count_rows, feature_names, iter_data, read_data, read_data_with_names

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species"
ROWS = [[5.1, 3.5, 1.4, 0.2, 0], [4.9, 3.0, 1.4, 0.25, 1], [6.3, 3.3, 6.0, 2.5, 2]]


def _csv(tmp_path, lines, name="data.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _rows(delimiter=","):
    return [delimiter.join(repr(v) for v in r) for r in ROWS]


def test_csv_with_header_and_target_by_name_or_index(tmp_path):
    path = _csv(tmp_path, [HEADER, *_rows()])
    full = read_data_with_names(path)
    np.testing.assert_array_equal(full.X, np.array(ROWS))
    assert full.X.dtype == np.float64
    assert full.feature_names == tuple(HEADER.split(","))
    for target in ("species", 4, -1, "4"):
        ds = read_data_with_names(path, target_column=target, n_features=4)
        np.testing.assert_array_equal(ds.X, np.array(ROWS)[:, :4])
        assert ds.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    np.testing.assert_array_equal(read_data(path, target_column="sepal_length"), np.array(ROWS)[:, 1:])
    assert feature_names(path, target_column=0) == ("sepal_width", "petal_length", "petal_width", "species")
    assert count_rows(path) == 3


def test_csv_without_header_sniffed_delimiters_and_blank_lines(tmp_path):
    for delimiter, name in ((",", "a.csv"), (";", "b.csv"), ("\t", "c.tsv")):
        path = _csv(tmp_path, ["", *_rows(delimiter), ""], name)
        ds = read_data_with_names(path, target_column=4)
        np.testing.assert_array_equal(ds.X, np.array(ROWS)[:, :4])
        assert ds.feature_names is None
        assert count_rows(path) == 3
    single = _csv(tmp_path, ["1.5", "-2", "3e-300"], "one.csv")
    np.testing.assert_array_equal(read_data(single, n_features=1), [[1.5], [-2.0], [3e-300]])


def test_csv_exact_float64_round_trip(tmp_path):
    values = np.random.default_rng(0).normal(size=(50, 3)) * 10.0 ** np.arange(-150, 150, 100)
    path = _csv(tmp_path, [",".join(repr(float(v)) for v in r) for r in values])
    np.testing.assert_array_equal(read_data(path), values)


def test_npy_and_npz(tmp_path):
    X = np.arange(20, dtype=np.float32).reshape(5, 4)
    np.save(tmp_path / "x.npy", X)
    np.testing.assert_array_equal(read_data(tmp_path / "x.npy", n_features=4), X.astype(np.float64))
    np.testing.assert_array_equal(read_data(tmp_path / "x.npy", target_column=0), X[:, 1:])
    assert count_rows(tmp_path / "x.npy") == 5
    np.savez(tmp_path / "one.npz", anything=X)
    np.testing.assert_array_equal(read_data(tmp_path / "one.npz"), X)
    np.savez(tmp_path / "named.npz", X=X, y=np.arange(5))
    np.testing.assert_array_equal(read_data(tmp_path / "named.npz"), X)
    assert count_rows(tmp_path / "named.npz") == 5
    assert read_data(tmp_path / "x.npy").dtype == np.float64


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    X=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements=st.floats(-1e300, 1e300, allow_nan=False),
    ),
    chunk=st.integers(1, 50),
    target=st.one_of(st.none(), st.integers(0, 5)),
)
def test_chunked_iteration_equals_full_read(tmp_path, X, chunk, target):
    if target is not None and target >= X.shape[1]:
        target = None
    np.save(tmp_path / "h.npy", X)
    (tmp_path / "h.csv").write_text("\n".join(",".join(repr(float(v)) for v in r) for r in X) + "\n")
    for name in ("h.npy", "h.csv"):
        full = read_data(tmp_path / name, target_column=target)
        expected = X if target is None else np.delete(X, target, axis=1)
        np.testing.assert_array_equal(full, expected)
        blocks = list(iter_data(tmp_path / name, target_column=target, chunk_rows=chunk))
        assert all(1 <= len(b) <= chunk for b in blocks)
        np.testing.assert_array_equal(np.concatenate(blocks), full)
        assert count_rows(tmp_path / name) == len(X)


def test_iter_data_streams_lazily(tmp_path):
    path = _csv(tmp_path, [*_rows(), "1,2,3,oops,5"])
    blocks = iter_data(path, chunk_rows=2)
    np.testing.assert_array_equal(next(blocks), np.array(ROWS[:2]))  # read before the bad row
    with pytest.raises(DataError, match=r"row 4, column 3: 'oops' is not a number"):
        next(blocks)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("lines", "kwargs", "message"),
    [
        ([HEADER, *_rows()], {"n_features": 4}, r"^data\.csv has 5 columns; the model expects 4$"),
        (
            [HEADER, *_rows()],
            {"n_features": 3, "target_column": "species"},
            r"has 4 columns besides the target column 'species'; the model expects 3",
        ),
        ([HEADER, "5.1,3.5,1.4,abc,0"], {}, r"^data\.csv, row 2, column 'petal_width': 'abc' is not a number$"),
        (
            [HEADER, "5.1,3.5,1.4,0.2,0", "5.1,,1.4,0.2,0"],
            {},
            r"^data\.csv, row 3, column 'sepal_width': the cell is empty$",
        ),
        ([HEADER, "5.1,3.5,nan,0.2,0"], {}, r"row 2, column 'petal_length': 'nan' is not a number"),
        ([HEADER, "5.1,3.5,1.4,inf,0"], {}, r"row 2, column 'petal_width': 'inf' is not a number"),
        (["1,2,3", "4,5,x"], {}, r"^data\.csv, row 2, column 2: 'x' is not a number$"),
        ([HEADER, "5.1,3.5,1.4,0.2,0", "5.1,3.5,1.4"], {}, r"^data\.csv, row 3: 3 cells, but the file has 5 columns$"),
        (
            [HEADER, *_rows()],
            {"target_column": "label"},
            r"^data\.csv has no column 'label'; its columns are sepal_length, ",
        ),
        (_rows(), {"target_column": "species"}, r"has no header row, so target column 'species' cannot be found"),
        (_rows(), {"target_column": 7}, r"^target column 7 is out of range: data\.csv has 5 columns$"),
        ([HEADER], {}, r"^data\.csv has no data rows$"),
        (["", "  "], {}, r"^data\.csv is empty$"),
    ],
)
def test_csv_errors(tmp_path, lines, kwargs, message):
    path = _csv(tmp_path, lines)
    with pytest.raises(DataError, match=message):
        read_data(path, **kwargs)


def test_file_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_data(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match=r"^empty\.csv is empty$"):
        read_data(tmp_path / "empty.csv")
    (tmp_path / "dir.npy").mkdir()
    with pytest.raises(DataError, match="is a directory"):
        read_data(tmp_path / "dir.npy")
    (tmp_path / "x.xlsx").write_text("x")
    with pytest.raises(DataError, match=r"supported: \.csv, \.tsv, \.txt, \.npy, \.npz, \.parquet"):
        read_data(tmp_path / "x.xlsx")
    (tmp_path / "x.parquet").write_text("x")
    with pytest.raises(DataError, match=r"^cannot read x\.parquet: it is not a Parquet file"):
        read_data(tmp_path / "x.parquet")


def test_array_errors(tmp_path):
    np.save(tmp_path / "v.npy", np.arange(3.0))
    with pytest.raises(DataError, match=r"holds a 1-D array of shape \(3,\); expected 2-D"):
        read_data(tmp_path / "v.npy")
    np.save(tmp_path / "s.npy", np.array([["a", "b"]]))
    with pytest.raises(DataError, match="holds <U1 values; expected real numbers"):
        read_data(tmp_path / "s.npy")
    np.save(tmp_path / "o.npy", np.array([[1, None]], dtype=object))
    with pytest.raises(DataError, match=r"^cannot read o\.npy: .*Python objects"):
        read_data(tmp_path / "o.npy")
    bad = np.ones((6, 3))
    bad[4, 2] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(DataError, match=r"^nan\.npy, row 4, column 2: nan is not a number$"):
        read_data(tmp_path / "nan.npy")
    np.save(tmp_path / "w.npy", np.ones((2, 3)))
    with pytest.raises(DataError, match=r"^w\.npy has 3 columns; the model expects 4$"):
        read_data(tmp_path / "w.npy", n_features=4)
    with pytest.raises(DataError, match="has no column names, so target column 'y' cannot be found"):
        read_data(tmp_path / "w.npy", target_column="y")
    np.savez(tmp_path / "many.npz", a=np.ones((2, 2)), b=np.ones((2, 2)))
    with pytest.raises(DataError, match=r"^many\.npz holds a, b; save the features as the single array or as 'X'$"):
        read_data(tmp_path / "many.npz")
    (tmp_path / "junk.npy").write_bytes(b"not numpy at all")
    with pytest.raises(DataError, match=r"^cannot read junk\.npy"):
        read_data(tmp_path / "junk.npy")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"^cannot read junk\.npz"):
        read_data(tmp_path / "junk.npz")
