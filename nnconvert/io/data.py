"""Datasets for ``verify``/``predict``: CSV (header optional), ``.npy`` and ``.npz`` as float64 rows.

Everything is read through :func:`iter_data`, which streams ``chunk_rows`` rows at a time
(CSV parsed incrementally, ``.npy`` memory-mapped), so memory stays bounded by one chunk;
:func:`read_data` stacks the chunks. Every cell must be a finite number: a dataset with a
NaN, an empty cell or text is refused with the file, row and column named. Rows are
numbered as an editor shows them for CSV (the file's line number, header included) and
0-based for arrays.

``allow_missing=True`` (for models that take missing values, e.g. trees and
HistGradientBoosting: the CLI sets it from the network's ``accepts_missing`` metadata) reads
an empty cell, ``nan`` or a NaN array entry as NaN instead of refusing it; infinity and text
are still refused.
"""

from __future__ import annotations

import csv
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import DataError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, ".npy", ".npz")
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Dataset:
    """The feature matrix ``X`` (float64, ``[rows, features]``) and the header's names, if any."""

    X: np.ndarray
    feature_names: tuple[str, ...] | None


def read_data(
    path: str | Path,
    *,
    n_features: int | None = None,
    target_column: str | int | None = None,
    allow_missing: bool = False,
) -> np.ndarray:
    """``X`` as a float64 ``[rows, features]`` array, ``target_column`` dropped."""
    return read_data_with_names(path, n_features=n_features, target_column=target_column, allow_missing=allow_missing).X


def read_data_with_names(
    path: str | Path,
    *,
    n_features: int | None = None,
    target_column: str | int | None = None,
    allow_missing: bool = False,
) -> Dataset:
    """:func:`read_data` plus the header's feature names (``None`` without a header)."""
    source = _open(Path(path), target_column, allow_missing)
    _check_width(source, n_features)
    chunks = list(source.chunks(65536))
    if not chunks:
        raise DataError(f"{source.name} has no data rows")
    return Dataset(np.concatenate(chunks) if len(chunks) > 1 else chunks[0], source.names)


def feature_names(path: str | Path, *, target_column: str | int | None = None) -> tuple[str, ...] | None:
    """The header's feature names (target dropped), or ``None`` when the file has none."""
    return _open(Path(path), target_column).names


def iter_data(
    path: str | Path,
    *,
    n_features: int | None = None,
    target_column: str | int | None = None,
    chunk_rows: int = 65536,
    allow_missing: bool = False,
) -> Iterator[np.ndarray]:
    """Float64 blocks of at most ``chunk_rows`` rows whose concatenation is :func:`read_data`."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be positive")
    source = _open(Path(path), target_column, allow_missing)
    _check_width(source, n_features)
    return source.chunks(chunk_rows)


def count_rows(path: str | Path) -> int:
    """Number of data rows, cheaply (CSV: non-blank lines less the header; arrays: shape[0])."""
    path = Path(path)
    source = _open(path, None)
    if isinstance(source, _ArraySource):
        return source.n_rows
    with _text(path) as f:
        lines = sum(1 for line in f if line.strip())
    return lines - (source.names is not None)


# ---------------------------------------------------------------------------- helpers


def _check_width(source: _CsvSource | _ArraySource, n_features: int | None) -> None:
    if n_features is not None and source.width != n_features:
        dropped = "" if source.target is None else f" besides the target column {source.target_label}"
        raise DataError(f"{source.name} has {source.width} columns{dropped}; the model expects {n_features}")


def _open(path: Path, target_column: str | int | None, allow_missing: bool = False) -> _CsvSource | _ArraySource:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            f"cannot read {path.name}: {path.suffix or 'no suffix'} is not a data format; supported: {', '.join(SUFFIXES)}"
        )
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a directory, not a data file")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is empty")
    source = _CsvSource(path, target_column) if suffix in TEXT_SUFFIXES else _ArraySource(path, target_column)
    source.allow_missing = allow_missing
    return source


def _text(path: Path) -> Any:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _acceptable(X: np.ndarray, allow_missing: bool) -> bool:
    """Every value finite, or NaN where missing values are allowed."""
    return bool((np.isfinite(X) | (np.isnan(X) if allow_missing else False)).all())


def _target_index(name: str, target: str | int | None, header: list[str] | None, width: int) -> int | None:
    """The 0-based column of ``target`` (a header name or an index, negative from the end)."""
    if target is None:
        return None
    if isinstance(target, str) and header is not None and target in header:
        return header.index(target)
    if isinstance(target, str) and not target.lstrip("-").isdigit():
        if header is None:
            raise DataError(
                f"{name} has no header row, so target column '{target}' cannot be found; give its 0-based index"
            )
        raise DataError(f"{name} has no column '{target}'; its columns are {', '.join(header)}")
    index = int(target)
    if not -width <= index < width:
        raise DataError(f"target column {index} is out of range: {name} has {width} columns")
    return index % width


class _CsvSource:
    """A delimited text file read incrementally with the csv module."""

    def __init__(self, path: Path, target: str | int | None) -> None:
        self.path, self.name = path, path.name
        with _text(path) as f:
            first = next((line for line in f if line.strip()), None)
            if first is None:
                raise DataError(f"{self.name} is empty")
        # delimiter: the candidate seen most often in the first non-blank line (',' if none)
        counts = {d: first.count(d) for d in _DELIMITERS}
        self.delimiter = max(_DELIMITERS, key=lambda d: counts[d]) if max(counts.values()) else ","
        row = next(csv.reader([first], delimiter=self.delimiter))
        cells = [c.strip() for c in row]
        header = cells if any(c and not _is_number(c) for c in cells) else None
        self.n_columns = len(cells)
        self.target = _target_index(self.name, target, header, self.n_columns)
        self.target_label = "" if self.target is None else (f"'{header[self.target]}'" if header else str(self.target))
        self.keep = [i for i in range(self.n_columns) if i != self.target]
        self.width = len(self.keep)
        self.columns = header or [str(i) for i in range(self.n_columns)]
        self.has_header = header is not None
        self.names = tuple(header[i] for i in self.keep) if header else None

    def _column(self, i: int) -> str:
        return f"'{self.columns[i]}'" if self.has_header else str(i)

    def chunks(self, chunk_rows: int) -> Iterator[np.ndarray]:
        with _text(self.path) as f:
            reader = csv.reader(f, delimiter=self.delimiter)
            rows = (r for r in reader if any(c.strip() for c in r))
            if self.has_header:
                next(rows)
            while True:
                block: list[list[str]] = []
                lines: list[int] = []
                for r in itertools.islice(rows, chunk_rows):
                    if len(r) != self.n_columns:
                        raise DataError(
                            f"{self.name}, row {reader.line_num}: {len(r)} cells, but the file has {self.n_columns} columns"
                        )
                    block.append(r)
                    lines.append(reader.line_num)
                if not block:
                    return
                yield self._convert(block, lines)

    allow_missing = False

    def _convert(self, block: list[list[str]], lines: list[int]) -> np.ndarray:
        cells = [[r[i] for i in self.keep] for r in block]
        if self.allow_missing:  # an empty cell is a missing value
            cells = [[c if c.strip() else "nan" for c in r] for r in cells]
        try:
            X = np.array(cells, dtype=np.float64)
        except ValueError:
            X = None
        if X is not None and _acceptable(X, self.allow_missing):
            return X
        for r, line in zip(cells, lines, strict=True):  # find and name the first bad cell
            for j, cell in zip(self.keep, r, strict=True):
                text = cell.strip()
                if not text:
                    raise DataError(f"{self.name}, row {line}, column {self._column(j)}: the cell is empty")
                if not _is_number(text) or not _acceptable(np.array([float(text)]), self.allow_missing):
                    raise DataError(f"{self.name}, row {line}, column {self._column(j)}: {text!r} is not a number")
        raise DataError(f"{self.name}: cannot read the numbers")  # pragma: no cover - numpy and float() agree


class _ArraySource:
    """A ``.npy`` (memory-mapped) or ``.npz`` (the single array, or the one named ``X``)."""

    allow_missing = False

    def __init__(self, path: Path, target: str | int | None) -> None:
        self.path, self.name, self.names = path, path.name, None
        try:
            if path.suffix.lower() == ".npy":
                array = np.load(path, mmap_mode="r", allow_pickle=False)
            else:
                array = self._from_npz(path)
        except DataError:
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise DataError(f"cannot read {self.name}: {' '.join(str(exc).split())}") from None
        if array.ndim != 2:
            raise DataError(
                f"{self.name} holds a {array.ndim}-D array of shape {array.shape}; expected 2-D [rows, features]"
            )
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or np.issubdtype(
            array.dtype, np.complexfloating
        ):
            raise DataError(f"{self.name} holds {array.dtype} values; expected real numbers")
        if isinstance(target, str) and not target.lstrip("-").isdigit():
            raise DataError(
                f"{self.name} has no column names, so target column '{target}' cannot be found; give its 0-based index"
            )
        self.array = array
        self.n_rows = int(array.shape[0])
        self.target = _target_index(self.name, target, None, array.shape[1])
        self.target_label = str(self.target)
        self.keep = [i for i in range(array.shape[1]) if i != self.target]
        self.width = len(self.keep)

    def _from_npz(self, path: Path) -> np.ndarray:
        with np.load(path, allow_pickle=False) as npz:
            keys = list(npz.files)
            if "X" in keys:
                return npz["X"]
            if len(keys) == 1:
                return npz[keys[0]]
            shown = ", ".join(keys) if keys else "no arrays"
            raise DataError(f"{self.name} holds {shown}; save the features as the single array or as 'X'")

    def chunks(self, chunk_rows: int) -> Iterator[np.ndarray]:
        columns = None if self.target is None else self.keep
        for start in range(0, self.n_rows, chunk_rows):
            block = self.array[start : start + chunk_rows]
            X = np.array(block if columns is None else block[:, columns], dtype=np.float64)
            bad = ~np.isfinite(X) & ~(np.isnan(X) if self.allow_missing else False)
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise DataError(f"{self.name}, row {start + r}, column {self.keep[c]}: {X[r, c]} is not a number")
            yield X
