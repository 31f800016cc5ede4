"""``.npy`` and ``.npz`` files, read in row blocks whose size every header claim is checked against.

Before any data is read, the array header's dtype must be a plain real number type (never
object), and its ``shape x itemsize`` must fit in the bytes the file (or the zip member, by its
claimed uncompressed size) holds. C-order arrays, the usual kind, are then streamed: a block of
``rows`` rows is ``rows x row bytes`` read from the file, so memory stays bounded by the block
whatever the file claims; a Fortran-order array has no contiguous rows and is read whole, so its
size must be within ``max_memory``. Nothing is memory-mapped (mapped pages would count against
the process's memory as they are read).
"""

from __future__ import annotations

import contextlib
import math
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from nnconvert.errors import DataError
from nnconvert.io.columns import target_index
from nnconvert.io.sizes import check_claim
from nnconvert.io.table import FLOAT, Table, Wanted, assemble, by_position, choose


def _header(f: IO[bytes], name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` from a ``.npy`` stream, left at the start of the data."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read {name}: {' '.join(str(exc).split())}") from None
    if any(n < 0 for n in shape):
        raise DataError(f"cannot read {name}: its header claims the shape {shape}")
    if dtype.hasobject:
        raise DataError(f"cannot read {name}: it holds Python objects; save plain numbers")
    return tuple(int(n) for n in shape), bool(fortran), dtype


class ArraySource:
    """A ``.npy`` file, or the single array (or the one named ``X``) of a ``.npz``."""

    def __init__(self, path: Path, target: str | int | None, *, max_memory: int) -> None:
        self.path, self.name, self.names, self.max_memory = path, path.name, None, max_memory
        self.member = self._member() if path.suffix.lower() == ".npz" else None
        with self._open() as f:
            shape, self.fortran, self.dtype = _header(f, self.name)
            self.offset = f.tell()
        available = self._size() - self.offset
        if len(shape) != 2:
            raise DataError(f"{self.name} holds a {len(shape)}-D array of shape {shape}; expected 2-D [rows, features]")
        if not (np.issubdtype(self.dtype, np.number) or self.dtype == bool) or np.issubdtype(
            self.dtype, np.complexfloating
        ):
            raise DataError(f"{self.name} holds {self.dtype} values; expected real numbers")
        claimed = math.prod(shape) * self.dtype.itemsize
        if claimed > available:
            raise DataError(f"{self.name} claims a {shape} array of {claimed} bytes but holds {available}")
        if self.fortran:
            check_claim(f"{self.name} (a Fortran-order array, read whole)", claimed, max_memory)
        if isinstance(target, str) and not target.lstrip("-").isdigit():
            raise DataError(
                f"{self.name} has no column names, so target column '{target}' cannot be found; give its 0-based index"
            )
        self.n_rows, self.n_columns = shape
        self.target = target_index(self.name, target, None, self.n_columns)
        self.target_label = str(self.target)
        self.positional = [i for i in range(self.n_columns) if i != self.target]
        self.layout = by_position(self.positional)

    def select(self, wanted: Sequence[Wanted] | None, *, id_column: str | int | None, matrix: bool = True) -> None:
        """An array has no names: the model's columns are read by position (and must be numbers)."""
        if id_column is not None:
            raise DataError(f"--id-column needs a CSV or Parquet file; {self.name} is an array file")
        strings = [w.name for w in wanted or () if w.kind != FLOAT]
        if strings:
            raise DataError(
                f"the model reads string columns ({', '.join(strings)}); {self.name} holds numbers only: "
                "give a CSV or Parquet file with named columns"
            )
        self.layout = choose(self.name, names=None, labels=None, width=self.n_columns, offset=0,
                             positional=self.positional, wanted=wanted, id_column=None, matrix=matrix)  # fmt: skip

    @property
    def keep(self) -> list[int]:
        return list(self.layout.indices)

    @property
    def width(self) -> int:
        return len(self.layout.indices)

    @property
    def row_bytes(self) -> int:
        """Memory per row: the raw row as read and the chunk's float64 columns."""
        return self.n_columns * self.dtype.itemsize + self.layout.cell_bytes()

    def _member(self) -> zipfile.ZipInfo:
        try:
            with zipfile.ZipFile(self.path) as zf:
                infos = {i.filename.removesuffix(".npy"): i for i in zf.infolist()}
        except (OSError, zipfile.BadZipFile) as exc:
            raise DataError(f"cannot read {self.name}: {' '.join(str(exc).split())}") from None
        if "X" in infos:
            return infos["X"]
        if len(infos) == 1:
            return next(iter(infos.values()))
        shown = ", ".join(infos) if infos else "no arrays"
        raise DataError(f"{self.name} holds {shown}; save the features as the single array or as 'X'")

    @contextlib.contextmanager
    def _open(self) -> Iterator[IO[bytes]]:
        """The array's bytes: the ``.npy`` file, or the ``.npz`` member (decompressed as read)."""
        with contextlib.ExitStack() as stack:
            try:
                if self.member is None:
                    f = stack.enter_context(self.path.open("rb"))
                else:
                    f = stack.enter_context(stack.enter_context(zipfile.ZipFile(self.path)).open(self.member))
            except (OSError, zipfile.BadZipFile, NotImplementedError) as exc:
                raise DataError(f"cannot read {self.name}: {' '.join(str(exc).split())}") from None
            yield f

    def _size(self) -> int:
        """Bytes the file holds, or the zip member's claimed uncompressed size (reads stop there)."""
        return self.path.stat().st_size if self.member is None else self.member.file_size

    def count_rows(self) -> int:
        return self.n_rows

    def _blocks(self, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, raw block)`` pairs of at most ``rows`` rows, in the file's dtype."""
        with self._open() as f:
            if self.fortran:
                f.seek(self.offset)
                whole = _read(f, self.n_rows * self.n_columns * self.dtype.itemsize, self.name)
                array = np.frombuffer(whole, self.dtype).reshape((self.n_rows, self.n_columns), order="F")
                for start in range(0, self.n_rows, rows):
                    yield start, array[start : start + rows]
                return
            f.seek(self.offset)
            row_nbytes = self.n_columns * self.dtype.itemsize
            for start in range(0, self.n_rows, rows):
                n = min(rows, self.n_rows - start)
                raw = _read(f, n * row_nbytes, self.name)
                yield start, np.frombuffer(raw, self.dtype).reshape(n, self.n_columns)

    allow_missing = False  # set by open_data: NaN entries are missing values

    def chunks(self, chunk_rows: int) -> Iterator[np.ndarray]:
        """Float64 blocks of at most ``chunk_rows`` rows (fewer where ``max_memory`` asks)."""
        for table in self.tables(chunk_rows):
            yield table.data  # type: ignore[misc]  (a positional layout is a matrix)

    def tables(self, chunk_rows: int) -> Iterator[Table]:
        """The layout's chunks (:class:`nnconvert.io.table.Table`) of at most ``chunk_rows`` rows."""
        rows = max(1, min(chunk_rows, self.max_memory // max(1, self.row_bytes)))
        columns = None if self.keep == list(range(self.n_columns)) else self.keep
        for start, block in self._blocks(rows):
            X = np.array(block if columns is None else block[:, columns], dtype=np.float64)
            bad = ~np.isfinite(X)
            if self.allow_missing:
                bad &= ~np.isnan(X)
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise DataError(f"{self.name}, row {start + r}, column {self.keep[c]}: {X[r, c]} is not a number")
            if self.layout.matrix:
                yield Table(X)
            else:
                yield assemble(self.layout, [np.ascontiguousarray(X[:, j]) for j in range(X.shape[1])], None)


def _read(f: IO[bytes], n: int, name: str) -> bytes:
    """Exactly ``n`` bytes from ``f`` (a truncated or corrupt file is a DataError)."""
    try:
        data = f.read(n)
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read {name}: {' '.join(str(exc).split())}") from None
    if len(data) != n:
        raise DataError(f"cannot read {name}: the file ends before the array does")
    return data
