"""The pyarrow fast path of the CSV reader (``nnconvert/io/csv_numbers.py``) gives exactly what
the Python reader gives, or hands over to it at the row where it stops: same arrays, same
errors, same row numbers, on random files written as people write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnconvert.errors import DataError
from nnconvert.io import csv_numbers
from nnconvert.io.csv_source import CsvSource
from nnconvert.io.data import open_data

pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'nnconvert[parquet]')")

CELLS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:.9g}"),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e400",
            "1e-400",
            "+3",
            ".5",
            "5.",
            "-0",
            " 1.5",
            "1.5 ",
            "1_000",
            "0x10",
            "abc",
            '"2.5"',
            '"1,5"',
            "1.5e",
            "١",
        ]
    ),
)


def _source(path: Path, allow_missing: bool, **kw) -> CsvSource:
    src = open_data(path, allow_missing=allow_missing, **kw)
    assert isinstance(src, CsvSource)
    return src


def _read(src: CsvSource, python_only: bool, chunk_rows: int = 7) -> tuple[str, object]:
    """``("ok", the rows)`` or ``("error", the message)``, by the reader as used, or by the Python
    reader alone."""
    block_rows = max(1, min(chunk_rows, src.max_memory // src.row_bytes))
    tables = src._python_tables(block_rows, 0) if python_only else src.tables(chunk_rows)
    try:
        chunks = [t.data for t in tables]
    except DataError as exc:
        return "error", str(exc)
    return "ok", np.concatenate(chunks) if chunks else np.empty((0, src.width))


def _same(a: tuple[str, object], b: tuple[str, object]) -> None:
    assert a[0] == b[0], (a, b)
    if a[0] == "ok":
        np.testing.assert_array_equal(a[1], b[1])
        assert np.array_equal(np.signbit(a[1]), np.signbit(b[1]))  # -0.0 stays -0.0
    else:
        assert a[1] == b[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=12),
    header=st.booleans(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    allow_missing=st.booleans(),
    extra=st.sampled_from(["", "\n", "# a comment\n", "1,2\n", "  \n"]),
    at=st.integers(0, 12),
)
def test_fast_path_reads_what_the_python_reader_reads(tmp_path, rows, header, delimiter, allow_missing, extra, at):
    lines = [delimiter.join(r) for r in rows]
    lines.insert(min(at, len(lines)), extra.rstrip("\n")) if extra else None
    text = ("a,b,c\n".replace(",", delimiter) if header else "") + "\n".join(lines) + "\n"
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    try:
        src = _source(path, allow_missing)
    except DataError:
        return  # the header itself is refused: no rows are read by either
    _same(_read(src, python_only=False), _read(src, python_only=True))


def _big(tmp_path: Path, n: int, tail: str) -> Path:
    X = np.random.default_rng(0).normal(size=(n, 4))
    path = tmp_path / "big.csv"
    body = "\n".join(",".join(repr(float(v)) for v in row) for row in X)
    path.write_text("w,x,y,z\n" + body + "\n" + tail, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "tail",
    [
        '1.0,"2.0",3.0,4.0\n5,6,7,8\n',  # a quote: the Python reader's quoting
        "# a comment\n1,2,3,4\n",  # a comment line
        "1,2,3\n",  # a short row: an error naming its line
        "1,2,abc,4\n",  # not a number: an error naming its row and column
        "1,2,,4\n",  # an empty cell
    ],
)
def test_fallback_in_the_middle_of_a_file_continues_at_the_right_row(tmp_path, tail) -> None:
    path = _big(tmp_path, 120_000, tail)  # several pyarrow blocks before the tail
    src = _source(path, allow_missing=False)
    fast, slow = _read(src, python_only=False, chunk_rows=65536), _read(src, python_only=True, chunk_rows=65536)
    _same(fast, slow)
    if fast[0] == "error":
        assert "row 120002" in fast[1] or "line 120002" in fast[1], fast[1]
    else:
        assert len(fast[1]) == 120_000 + sum(not line.startswith("#") for line in tail.splitlines())


def test_bytes_that_are_not_utf8_after_the_first_block_are_named_by_line(tmp_path) -> None:
    path = _big(tmp_path, 100_000, "")
    path.write_bytes(path.read_bytes() + b"1.0,2.0,3.0,\xe94.0\n")
    src = _source(path, allow_missing=False)
    fast = _read(src, python_only=False, chunk_rows=65536)
    assert fast == _read(src, python_only=True, chunk_rows=65536)
    assert fast[0] == "error" and "line 100002: byte 0xe9 is not UTF-8" in fast[1]


def test_a_file_pyarrow_reads_whole_is_read_by_pyarrow(tmp_path) -> None:
    """The fast path really runs on a plain file (it is not always falling back)."""
    path = _big(tmp_path, 2000, "")
    src = _source(path, allow_missing=False)
    spec = csv_numbers.NumberColumns(path, 4, (0, 1, 2, 3), ",", True, 500, src.line_limit, lambda X: True)
    blocks = csv_numbers.number_blocks(spec)
    assert blocks is not None
    got = np.concatenate(list(blocks))
    np.testing.assert_array_equal(got, _read(src, python_only=True)[1])
    assert got.shape == (2000, 4)
