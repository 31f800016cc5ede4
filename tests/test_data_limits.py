"""Data files that claim more than they should: every claimed size is checked against the memory
limit before it is allocated, and the error names the limit and --max-memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

from nnconvert.cli import cli
from nnconvert.errors import DataError
from nnconvert.io.data import iter_data, read_data
from nnconvert.io.sizes import format_size, parse_size

MiB = 2**20


def _peak(fn: Callable[[], object]) -> int:
    """Peak bytes Python and numpy allocate while ``fn`` runs (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _npy_bytes(shape: tuple[int, ...], data: bytes, dtype: str = "<f8", fortran: bool = False) -> bytes:
    buf = io.BytesIO()
    header = {"descr": dtype, "fortran_order": fortran, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + data


def test_parse_size():
    assert parse_size("512M") == 512 * MiB and parse_size("2G") == 2**31 and parse_size("1.5GiB") == 3 * 2**29
    assert parse_size("1048576") == MiB and parse_size("64k") == 2**16
    for bad in ("", "lots", "-1M", "0"):
        with pytest.raises(ValueError):
            parse_size(bad)
    assert format_size(512 * MiB) == "512M" and format_size(3 * 2**29) == "1.5G"


def test_huge_csv_line_is_refused_after_the_limit_not_read(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("1,2,3\n" + "1," * 2_000_000 + "1\n")  # one 4 MB line
    with pytest.raises(
        DataError,
        match=r"wide\.csv, line 2 is longer than 256K characters, the longest the memory limit of 16M allows; raise it with --max-memory",
    ):
        list(iter_data(path, max_memory=16 * MiB))

    def read() -> None:
        with pytest.raises(DataError):
            list(iter_data(path, max_memory=16 * MiB))

    assert _peak(read) < 4 * MiB  # the 4 MB line is never held, nor its 2 million cells


def test_csv_blocks_stay_within_the_budget(tmp_path):
    path = tmp_path / "long.csv"
    np.savetxt(path, np.random.default_rng(0).normal(size=(40_000, 20)), delimiter=",")  # 40k x 20 cells, ~20 MB

    def first_chunk() -> None:
        next(iter_data(path, chunk_rows=65536, max_memory=4 * MiB))

    assert _peak(first_chunk) < 8 * MiB  # 65536 rows of parsed cells would take > 100 MB
    blocks = list(iter_data(path, chunk_rows=65536, max_memory=4 * MiB))
    assert len(blocks) > 1 and sum(map(len, blocks)) == 40_000


def test_latin1_csv_is_one_clear_error(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("température,b\n1,2\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"^latin\.csv, line 1: byte 0xe9 is not UTF-8; save the file as UTF-8"):
        read_data(path)
    model = tmp_path / "m.joblib"
    joblib.dump(LogisticRegression().fit([[0, 0], [1, 1]], [0, 1]), model)
    res = CliRunner().invoke(cli, ["predict", str(model), "--data", str(path)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith("Error: latin.csv, line 1")


def test_npz_zip_bomb_streams_in_bounded_blocks(tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, X=np.zeros((20_000, 1000)))  # 160 MB of zeros in a ~200 KB file
    assert path.stat().st_size < 2 * MiB

    def first_chunk() -> None:
        next(iter_data(path, max_memory=8 * MiB))

    assert _peak(first_chunk) < 12 * MiB  # np.load would allocate all 160 MB
    assert sum(len(b) for b in iter_data(path, max_memory=8 * MiB)) == 20_000


def test_array_header_claiming_more_than_the_file_holds(tmp_path):
    liar = _npy_bytes((10**9, 10), np.ones(20).tobytes())  # claims 80 GB, holds 160 bytes
    (tmp_path / "liar.npy").write_bytes(liar)
    with zipfile.ZipFile(tmp_path / "liar.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("X.npy", liar)
    for name in ("liar.npy", "liar.npz"):
        with pytest.raises(DataError, match=r"claims a \(1000000000, 10\) array of 80000000000 bytes but holds 160"):
            _peak(lambda name=name: read_data(tmp_path / name))
    with zipfile.ZipFile(tmp_path / "objects.npz", "w") as zf:
        zf.writestr("X.npy", _npy_bytes((2, 2), b"", dtype="|O"))
    with pytest.raises(DataError, match="Python objects"):
        read_data(tmp_path / "objects.npz")


def test_fortran_order_array_is_read_whole_only_within_the_limit(tmp_path: Path):
    X = np.asfortranarray(np.arange(60_000, dtype=np.float64).reshape(20_000, 3))
    np.save(tmp_path / "f.npy", X)
    np.savez(tmp_path / "f.npz", X=X)
    for name in ("f.npy", "f.npz"):
        np.testing.assert_array_equal(read_data(tmp_path / name), X)
        with pytest.raises(DataError, match=r"needs 469K, over the memory limit of 256K; raise it with --max-memory"):
            read_data(tmp_path / name, max_memory=256 * 2**10)


def test_cli_max_memory_option(tmp_path):
    model = tmp_path / "m.joblib"
    joblib.dump(LogisticRegression().fit([[0, 0, 0], [1, 1, 1]], [0, 1]), model)
    np.save(tmp_path / "f.npy", np.asfortranarray(np.ones((20_000, 3))))
    base = ["predict", str(model), "--data", str(tmp_path / "f.npy")]
    res = CliRunner().invoke(cli, [*base, "--max-memory", "256K"])
    assert res.exit_code == 2 and "--max-memory" in res.stderr and res.stderr.count("\n") == 1
    assert CliRunner().invoke(cli, [*base, "--max-memory", "1M"]).exit_code == 0
    bad = CliRunner().invoke(cli, [*base, "--max-memory", "lots"])
    assert bad.exit_code == 2 and "not a size" in bad.stderr
