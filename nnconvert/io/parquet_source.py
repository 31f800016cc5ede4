"""Parquet files (pyarrow, the optional extra ``nnconvert[parquet]``), read in bounded memory.

Before pyarrow parses anything, the file must start and end with Parquet's magic ``PAR1`` (an
encrypted footer, ``PARE``, is refused), and the footer's claimed length must fit in the file and,
decoded (:data:`FOOTER_EXPANSION` times its bytes), in ``max_memory``; pyarrow's own thrift limits
are set from the same budget. Then, for the columns the model reads, each row group's claimed
uncompressed size (the column chunks' ``total_uncompressed_size``) must fit the budget, since a
row group's pages are what pyarrow decompresses. Rows are then streamed with
``iter_batches`` in chunks sized from :attr:`ParquetSource.row_bytes`, pages read through a
buffered stream (no whole-file pre-buffering), so memory stays bounded like a CSV's.

Columns are taken by the model's names (:mod:`nnconvert.io.table`), or by position (every column
but the target, the id and pandas' stored index) for a model without names. A number column may be
any integer, floating, boolean or decimal type (or a dictionary of one: a pandas categorical of
numbers), read as float64 with nulls and NaN as missing values; a string column is ``string``,
``large_string``, ``string_view`` or a dictionary of strings, nulls and empty strings ``None``.
Nested columns (list, struct, map, union) and other types (dates, binary) are refused with the
column named. Rows in messages are 0-based, as for arrays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import DataError, MissingDependency
from nnconvert.io.sizes import check_claim
from nnconvert.io.table import (
    ANY,
    FLOAT,
    STRING_CELL_BYTES,
    Table,
    Wanted,
    assemble,
    by_position,
    choose,
    column_index,
    strings,
    strings_as_text,
)

MAGIC = b"PAR1"
FOOTER_EXPANSION = 16  # bytes of decoded metadata per byte of thrift footer, counted against max_memory
BUFFER_SIZE = 1 << 20  # pyarrow's read buffer (pages are read through it, not pre-buffered whole)
FLOAT_CELL_BYTES = 24  # a number cell: arrow's value, its float64 copy, and the chunk's column


def pyarrow() -> tuple[Any, Any, Any]:
    """``(pyarrow, pyarrow.parquet, pyarrow.compute)``, or one line saying how to install it."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency(
            "reading Parquet needs pyarrow; install it with: pip install 'nnconvert[parquet]'"
        ) from None
    return pa, pq, pc


def _message(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _check_envelope(path: Path, name: str, max_memory: int) -> int:
    """The footer's length, after checking the magic bytes and the footer's claim (module doc)."""
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            head = f.read(4)
            f.seek(max(0, size - 8))
            tail = f.read(8)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size < 12 or head != MAGIC or tail[4:] not in (MAGIC, b"PARE"):
        raise DataError(f"cannot read {name}: it is not a Parquet file (no PAR1 magic at its start and end)")
    if tail[4:] == b"PARE":
        raise DataError(f"cannot read {name}: its footer is encrypted, which nnconvert does not read")
    footer = int.from_bytes(tail[:4], "little")
    if footer > size - 12:
        raise DataError(f"cannot read {name}: its footer claims {footer} bytes but the file holds {size}")
    check_claim(f"the metadata of {name}", footer * FOOTER_EXPANSION, max_memory)
    return footer


def _kind(pa: Any, t: Any) -> str:
    """``"float"``, ``"string"``, ``"null"``, ``"nested"`` or ``"other"`` for an arrow type."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_nested(t):
        return "nested"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_decimal(t):
        return FLOAT
    string_view = getattr(pa.types, "is_string_view", lambda _: False)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or string_view(t):
        return "string"
    return "other"


class ParquetSource:
    """A Parquet file: its columns' names and types from the metadata, rows in batches."""

    allow_missing = False  # set by open_data: nulls and NaN in number columns are missing values

    def __init__(self, path: Path, target: str | int | None, *, max_memory: int) -> None:
        self.pa, self.pq, self.pc = pyarrow()
        self.path, self.name, self.max_memory = path, path.name, max_memory
        self.footer = _check_envelope(path, self.name, max_memory)
        with self._open() as f:
            try:
                meta, schema = f.metadata, f.schema_arrow
                self.n_rows = int(meta.num_rows)
                self.fields = list(schema)
                groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
                # claimed uncompressed bytes of each top-level column, per row group
                self.group_sizes: list[dict[str, int]] = []
                self.group_rows = [int(g.num_rows) for g in groups]
                for g in groups:
                    sizes: dict[str, int] = {}
                    for j in range(g.num_columns):
                        c = g.column(j)
                        top = c.path_in_schema.split(".")[0]
                        sizes[top] = sizes.get(top, 0) + max(0, int(c.total_uncompressed_size))
                    self.group_sizes.append(sizes)
                pandas = schema.pandas_metadata or {}
            except (self.pa.ArrowException, OSError, ValueError) as exc:
                raise DataError(f"cannot read {self.name}: {_message(exc)}") from None
        self.labels = tuple(str(fd.name) for fd in self.fields)
        stored_index = {c for c in pandas.get("index_columns", []) if isinstance(c, str)}
        self.n_columns = len(self.labels)
        self.target = (
            None if target is None else column_index(self.name, target, self.labels, self.n_columns, "target column")
        )
        self.target_label = "" if self.target is None else f"'{self.labels[self.target]}'"
        self.positional = [i for i, label in enumerate(self.labels) if i != self.target and label not in stored_index]
        self.layout = by_position(self.positional)
        self.header = None
        self.checked = False

    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        limit = max(1 << 20, min(self.max_memory, 2**31 - 1))
        try:
            f = self.pq.ParquetFile(
                self.path,
                pre_buffer=False,
                buffer_size=BUFFER_SIZE,
                thrift_string_size_limit=limit,
                thrift_container_size_limit=max(1 << 16, min(limit // 16, 2**31 - 1)),
            )
        except (self.pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"cannot read {self.name}: {_message(exc)}") from None
        with f:
            yield f

    def select(self, wanted: Sequence[Wanted] | None, *, id_column: str | int | None, matrix: bool = True) -> None:
        """Read ``wanted`` by name (a Parquet file always has names), or by position without them."""
        self.layout = choose(self.name, names=self.labels if wanted is not None else None, labels=self.labels,
                             width=self.n_columns, offset=0, positional=self.positional, wanted=wanted,
                             id_column=id_column, matrix=matrix, target=self.target)  # fmt: skip
        self.checked = False

    def check(self) -> None:
        """Before any row is read: the read columns' types, and each row group's claimed size."""
        if self.checked:
            return
        read = [*self.layout.indices, *([] if self.layout.id_index is None else [self.layout.id_index])]
        for i, kind in zip(read, [*self.layout.kinds, "id"], strict=False):
            self._check_type(i, kind)
        duplicated = sorted({self.labels[i] for i in read if self.labels.count(self.labels[i]) > 1})
        if duplicated:
            raise DataError(f"{self.name} has more than one column named '{duplicated[0]}'")
        names = {self.labels[i] for i in read}
        for k, sizes in enumerate(self.group_sizes):
            claimed = sum(v for c, v in sizes.items() if c in names)
            check_claim(f"row group {k} of {self.name} ({self.group_rows[k]} rows)", claimed, self.max_memory)
        self.checked = True

    def _check_type(self, i: int, kind: str) -> None:
        fd = self.fields[i]
        got = _kind(self.pa, fd.type)
        where = f"column '{fd.name}' of {self.name}"
        if got == "nested":
            raise DataError(f"{where} holds nested values ({fd.type}); give one plain value per cell")
        if got == "null":
            return
        if kind == FLOAT and got != FLOAT:
            raise DataError(f"{where} holds {fd.type} values; the model reads numbers there")
        if kind == "string" and got != "string":
            raise DataError(f"{where} holds {fd.type} values; the model reads strings there")
        if kind in ("id", ANY) and got == "other" and not self._castable(fd.type):
            raise DataError(f"{where} holds {fd.type} values, which cannot be written as an id")

    def _castable(self, t: Any) -> bool:
        try:
            self.pc.cast(self.pa.array([], type=t), self.pa.string())
        except (self.pa.ArrowException, ValueError, TypeError):
            return False
        return True

    @property
    def keep(self) -> list[int]:
        return list(self.layout.indices)

    @property
    def width(self) -> int:
        return len(self.layout.indices)

    @property
    def names(self) -> tuple[str, ...] | None:
        """The names of the columns read: the model's when read by name, else the file's."""
        return self.layout.names if self.layout.names is not None else tuple(self.labels[i] for i in self.keep)

    @property
    def row_bytes(self) -> int:
        """Memory per row: arrow's decoded values (the row groups' claimed uncompressed bytes per
        row, at least 8 a cell) plus the chunk's columns (:data:`FLOAT_CELL_BYTES` a number,
        :data:`~nnconvert.io.table.STRING_CELL_BYTES` a string and the id)."""
        read = [*self.layout.indices, *([] if self.layout.id_index is None else [self.layout.id_index])]
        encoded = 0
        for i in read:
            per_row = [
                sizes.get(self.labels[i], 0) / max(1, n)
                for sizes, n in zip(self.group_sizes, self.group_rows, strict=True)
            ]
            encoded += max(8, int(max(per_row, default=0)) + 1)
        ours = sum(FLOAT_CELL_BYTES if k == FLOAT else STRING_CELL_BYTES for k in self.layout.kinds)
        ids = 0 if self.layout.id_index is None else STRING_CELL_BYTES
        return encoded + ours + ids

    def count_rows(self) -> int:
        return self.n_rows

    def chunks(self, chunk_rows: int) -> Iterator[np.ndarray]:
        """Float64 blocks of at most ``chunk_rows`` rows (fewer where ``max_memory`` asks)."""
        for table in self.tables(chunk_rows):
            yield table.data  # type: ignore[misc]  (a positional layout is a matrix)

    def tables(self, chunk_rows: int) -> Iterator[Table]:
        """The layout's chunks (:class:`nnconvert.io.table.Table`) of at most ``chunk_rows`` rows."""
        self.check()
        rows = max(1, min(chunk_rows, self.max_memory // max(1, self.row_bytes)))
        layout = self.layout
        read = list(dict.fromkeys([*layout.indices, *([] if layout.id_index is None else [layout.id_index])]))
        names = [self.labels[i] for i in read]
        start = 0
        with self._open() as f:
            batches = f.iter_batches(batch_size=rows, columns=names, use_threads=False)
            while True:
                try:
                    batch = next(batches, None)
                except (self.pa.ArrowException, OSError, ValueError) as exc:
                    raise DataError(f"cannot read {self.name} after row {start}: {_message(exc)}") from None
                if batch is None:
                    return
                arrays = {i: batch.column(k) for k, i in enumerate(read)}
                columns = [
                    self._column(arrays[i], i, kind, start)
                    for i, kind in zip(layout.indices, layout.kinds, strict=True)
                ]
                ids = None if layout.id_index is None else self._ids(arrays[layout.id_index])
                yield assemble(layout, columns, ids)
                start += batch.num_rows

    def _column(self, arr: Any, i: int, kind: str, start: int) -> np.ndarray:
        """One column of a batch as its kind asks (an ``any`` column: numbers as float64 with
        NaN for nulls, anything else as strings)."""
        if kind == ANY:
            if _kind(self.pa, arr.type) == FLOAT:
                values = np.asarray(self.pc.cast(self._decoded(arr), self.pa.float64()).to_numpy(zero_copy_only=False))
                return np.array(values, dtype=np.float64)
            return self._strings(arr) if _kind(self.pa, arr.type) in ("string", "null") else self._ids(arr)
        return self._floats(arr, i, start) if kind == FLOAT else self._strings(arr)

    def _decoded(self, arr: Any) -> Any:
        return arr.dictionary_decode() if self.pa.types.is_dictionary(arr.type) else arr

    def _floats(self, arr: Any, i: int, start: int) -> np.ndarray:
        """A number column as float64, nulls NaN; a missing value where none is allowed, or an
        infinity, is refused with its row named."""
        pa = self.pa
        arr = self._decoded(arr)
        if pa.types.is_null(arr.type):
            values = np.full(len(arr), np.nan)
        else:
            try:
                values = np.asarray(self.pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
            except (pa.ArrowException, ValueError, TypeError) as exc:
                raise DataError(f"{self.name}, column '{self.labels[i]}': {_message(exc)}") from None
            values = values.copy() if not values.flags.writeable else values
            if arr.null_count:
                values[np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = np.nan
        bad = ~np.isfinite(values)
        if self.allow_missing:
            bad &= ~np.isnan(values)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            if not np.isnan(values[r]):
                what = f"{float(values[r])} is not a finite number"
            elif pa.types.is_null(arr.type) or not arr[r].is_valid:
                what = "the value is null, and this model takes no missing values"
            else:
                what = "the value is NaN, and this model takes no missing values"
            raise DataError(f"{self.name}, row {start + r}, column '{self.labels[i]}': {what}")
        return values

    def _strings(self, arr: Any) -> np.ndarray:
        arr = self._decoded(arr)
        if self.pa.types.is_null(arr.type):
            return strings([None] * len(arr))
        return strings(arr.to_pylist())

    def _ids(self, arr: Any) -> np.ndarray:
        """The id column as text: strings as they are, numbers as arrow writes them, nulls empty."""
        arr = self._decoded(arr)
        if not (self.pa.types.is_string(arr.type) or self.pa.types.is_large_string(arr.type)):
            arr = self.pc.cast(arr, self.pa.string())
        return strings_as_text(["" if v is None else str(v) for v in arr.to_pylist()])
