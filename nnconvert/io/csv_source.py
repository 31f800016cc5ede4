"""Delimited text files (CSV/TSV) read incrementally, in memory bounded by ``max_memory``.

Lines are read with a length limit (``max_memory / 64`` characters, 8 Mi at the default 512 MiB:
the parsed cells of a line take up to ~48 bytes per character) and parsed ``rows_per_block``
rows at a time, where a block's Python cells (:data:`CELL_BYTES` each) fit ``max_memory``. The
text must be UTF-8 (a BOM is allowed); other encodings are refused with the line they fail
on, never guessed: a guessed encoding would misspell the header's feature names. The columns a
chunk holds follow the source's :class:`~nnconvert.io.table.Layout` (by position, or by the
model's names: :mod:`nnconvert.io.table`); quoted cells (commas, line breaks, any Unicode) are
read by the ``csv`` module, a string column's cells exactly as written.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from nnconvert.errors import DataError
from nnconvert.io.columns import Header, is_number, read_header, target_index
from nnconvert.io.csv_numbers import Fallback, NumberColumns, number_blocks
from nnconvert.io.sizes import format_size
from nnconvert.io.table import (
    ANY,
    FLOAT,
    LaidOut,
    Table,
    Wanted,
    as_found,
    assemble,
    by_position,
    choose,
    strings,
    strings_as_text,
)

DELIMITERS = (",", ";", "\t")
# Bytes one parsed cell holds while a block is converted: its str (~49 + length), the list slot,
# the float64 result and the kept-columns list slot.
CELL_BYTES = 96
LINE_FRACTION = 64  # a line may be at most max_memory / LINE_FRACTION characters


class _Lines:
    """The file's lines without blank and ``#`` comment lines, each at most ``limit`` characters;
    ``lineno`` is the file line number of the last line given out (as an editor shows it)."""

    def __init__(self, f: IO[str], name: str, limit: int, max_memory: int) -> None:
        self.f, self.name, self.limit, self.max_memory = f, name, limit, max_memory
        self.lineno = 0

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                line = self.f.readline(self.limit + 1)
            except UnicodeDecodeError as exc:
                line, byte = first_bad_utf8(Path(self.f.name), self.lineno + 1, exc.object[exc.start])
                raise DataError(
                    f"{self.name}, line {line}: byte 0x{byte:02x} is not UTF-8; "
                    "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
                ) from None
            if not line:
                return
            self.lineno += 1
            if len(line) > self.limit:
                raise DataError(
                    f"{self.name}, line {self.lineno} is longer than {format_size(self.limit)} characters, the "
                    f"longest the memory limit of {format_size(self.max_memory)} allows; raise it with --max-memory"
                )
            text = line.strip()
            if text and not text.startswith("#"):
                yield line


def first_bad_utf8(path: Path, line: int, byte: int) -> tuple[int, int]:
    """The line number and value of the first byte of ``path`` that is not UTF-8 (the text reader
    decodes ahead of the line it gives out, so its own position is not the bad line's); ``(line,
    byte)`` as given when the file cannot be read again."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    breaks = 0
    try:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    return breaks + block.count(b"\n", 0, max(0, exc.start)) + 1, block[max(0, exc.start)]
                breaks += block.count(b"\n")
    except OSError:
        pass
    return line, byte


def acceptable(X: np.ndarray, allow_missing: bool) -> bool:
    """Every value finite, or NaN where missing values are allowed."""
    return bool((np.isfinite(X) | (np.isnan(X) if allow_missing else False)).all())


def _open_text(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


class CsvSource(LaidOut):
    """A delimited text file: its header (see :mod:`nnconvert.io.columns`) and its rows in blocks."""

    def __init__(
        self,
        path: Path,
        target: str | int | None,
        *,
        header: bool | None,
        model_names: Sequence[str] | None,
        max_memory: int,
    ) -> None:
        self.path, self.name, self.max_memory = path, path.name, max_memory
        self.line_limit = max(1024, max_memory // LINE_FRACTION)
        with _open_text(path) as f:
            lines = _Lines(f, self.name, self.line_limit, max_memory)
            first = next(iter(lines), None)
            self.starts_plain = lines.lineno == 1  # no blank or comment line before the first row
        if first is None:
            raise DataError(f"{self.name} is empty")
        # delimiter: the candidate seen most often in the first row (',' if none)
        counts = {d: first.count(d) for d in DELIMITERS}
        self.delimiter = max(DELIMITERS, key=lambda d: counts[d]) if max(counts.values()) else ","
        cells = [c.strip() for c in next(csv.reader([first], delimiter=self.delimiter))]
        self.header: Header = read_header(self.name, cells, header=header, model_names=model_names)
        self.n_columns = len(cells)
        first_column = 1 if self.header.index_column else 0
        labels = self.header.labels
        self.target = target_index(self.name, target, labels, self.n_columns - first_column)
        if self.target is None:
            self.target_label = ""
        else:
            self.target_label = f"'{labels[self.target]}'" if labels else str(self.target)
        self.offset = first_column
        self.positional = [first_column + i for i in range(self.n_columns - first_column) if i != self.target]
        self._labels = (("",) * first_column + labels) if labels else None
        self.layout = by_position(self.positional)

    def select(self, wanted: Sequence[Wanted] | None, *, id_column: str | int | None, matrix: bool = True) -> None:
        """Read ``wanted`` by name when the header has names, else by position (see
        :func:`nnconvert.io.table.choose`); ``id_column`` rides along."""
        self.layout = choose(
            self.name,
            names=self.header.names,
            labels=self.header.labels,
            width=self.n_columns - self.offset,
            offset=self.offset,
            positional=self.positional,
            wanted=wanted,
            id_column=id_column,
            matrix=matrix,
            target=None if self.target is None else self.offset + self.target,
        )

    @property
    def names(self) -> tuple[str, ...] | None:
        """The names of the columns read: the model's when read by name, else the header's (None without)."""
        if self.layout.names is not None:
            return self.layout.names
        names = self.header.names
        return None if names is None else tuple(names[i - self.offset] for i in self.keep)

    @property
    def row_bytes(self) -> int:
        """Memory per row while a block is parsed: every cell's str, then the chunk's columns."""
        return self.n_columns * CELL_BYTES + self.layout.cell_bytes()

    def _column(self, i: int) -> str:
        return f"'{self._labels[i]}'" if self._labels else str(i)

    def _rows(self, f: IO[str]) -> tuple[_Lines, Iterator[list[str]]]:
        lines = _Lines(f, self.name, self.line_limit, self.max_memory)
        rows = csv.reader(lines, delimiter=self.delimiter)
        if self.header.labels is not None:
            next(rows)
        return lines, rows

    def count_rows(self) -> int:
        """Data rows: lines that are not blank, comments or the header (quoted line breaks aside)."""
        with _open_text(self.path) as f:
            lines = sum(1 for _ in _Lines(f, self.name, self.line_limit, self.max_memory))
        return lines - (self.header.labels is not None)

    def chunks(self, chunk_rows: int) -> Iterator[np.ndarray]:
        """Float64 blocks of at most ``chunk_rows`` rows (fewer where ``max_memory`` asks)."""
        for table in self.tables(chunk_rows):
            yield table.data  # type: ignore[misc]  (a positional layout is a matrix)

    def tables(self, chunk_rows: int) -> Iterator[Table]:
        """The layout's chunks (:class:`nnconvert.io.table.Table`) of at most ``chunk_rows`` rows:
        number columns by pyarrow where it can (:mod:`nnconvert.io.csv_numbers`), else, and from
        the row where it stops, by the Python reader."""
        block_rows = max(1, min(chunk_rows, self.max_memory // self.row_bytes))
        done = 0
        fast = self._number_blocks(block_rows)
        if fast is not None:
            try:
                for X in fast:
                    yield self._assemble(X, [], None)
                return
            except Fallback as stop:
                done = stop.rows
        yield from self._python_tables(block_rows, done)

    def _number_blocks(self, block_rows: int) -> Iterator[np.ndarray] | None:
        layout = self.layout
        if not self.starts_plain or layout.id_index is not None or any(k != FLOAT for k in layout.kinds):
            return None
        return number_blocks(
            NumberColumns(
                self.path,
                self.n_columns,
                layout.indices,
                self.delimiter,
                self.header.labels is not None,
                block_rows,
                self.line_limit,
                lambda X: acceptable(X, self.allow_missing),
            )
        )

    def _python_tables(self, block_rows: int, skip: int) -> Iterator[Table]:
        """The Python reader's chunks, after the first ``skip`` data rows (the fast path's)."""
        with _open_text(self.path) as f:
            lines, rows = self._rows(f)
            for _ in itertools.islice(rows, skip):
                pass
            while True:
                block: list[list[str]] = []
                numbers: list[int] = []
                try:
                    for r in itertools.islice(rows, block_rows):
                        if len(r) != self.n_columns:
                            raise DataError(
                                f"{self.name}, row {lines.lineno}: {len(r)} cells, but the file has {self.n_columns} columns"
                            )
                        block.append(r)
                        numbers.append(lines.lineno)
                except csv.Error as exc:
                    raise DataError(f"{self.name}, row {lines.lineno}: {exc}") from None
                if not block:
                    return
                yield self._table(block, numbers)

    def _table(self, block: list[list[str]], numbers: list[int]) -> Table:
        layout = self.layout
        floats = [i for i, k in zip(layout.indices, layout.kinds, strict=True) if k == FLOAT]
        X = self._convert(block, numbers, floats)
        ids = None if layout.id_index is None else strings_as_text([r[layout.id_index] for r in block])
        return self._assemble(X, block, ids)

    def _assemble(self, X: np.ndarray, block: list[list[str]], ids: np.ndarray | None) -> Table:
        """The layout's chunk of the float columns ``X`` and the other columns' cells in ``block``
        (none when every column is a float one)."""
        layout = self.layout
        if layout.matrix:
            return Table(X, ids)
        columns, j = [], 0
        for i, kind in zip(layout.indices, layout.kinds, strict=True):
            if kind == FLOAT:
                columns.append(np.ascontiguousarray(X[:, j]))
                j += 1
            elif kind == ANY:
                columns.append(as_found([r[i] for r in block]))
            else:
                columns.append(strings([r[i] for r in block]))
        return assemble(layout, columns, ids)

    allow_missing = False  # set by open_data: empty cells and 'nan' are missing values (NaN)

    def _convert(self, block: list[list[str]], numbers: list[int], keep: Sequence[int]) -> np.ndarray:
        """The cells of columns ``keep`` as float64 ``[rows, len(keep)]``, the first bad one named."""
        # every column kept, in order (no index or target column): the rows as they are
        cells = block if list(keep) == list(range(self.n_columns)) else [[r[i] for i in keep] for r in block]
        if not keep:
            return np.empty((len(block), 0))
        if self.allow_missing:
            cells = [[c if c.strip() else "nan" for c in r] for r in cells]
        try:
            X = np.array(cells, dtype=np.float64)
        except ValueError:
            X = None
        if X is not None and acceptable(X, self.allow_missing):
            return X
        for r, line in zip(cells, numbers, strict=True):  # find and name the first bad cell
            for j, cell in zip(keep, r, strict=True):
                text = cell.strip()
                if not text:
                    raise DataError(f"{self.name}, row {line}, column {self._column(j)}: the cell is empty")
                if not is_number(text) or not acceptable(np.array([float(text)]), self.allow_missing):
                    raise DataError(f"{self.name}, row {line}, column {self._column(j)}: {text!r} is not a number")
        raise DataError(f"{self.name}: cannot read the numbers")  # pragma: no cover - numpy and float() agree
