"""Datasets for ``verify``/``predict``: CSV (header optional), ``.npy``, ``.npz`` and Parquet.

Everything is read through :func:`open_data`, whose source streams ``chunk_rows`` rows at a
time (CSV parsed incrementally, arrays read in row blocks), so memory stays bounded by one
chunk; :func:`read_data` stacks the chunks. Every size a file claims is checked against
``max_memory`` before it is allocated (:mod:`nnconvert.io.csv_source`,
:mod:`nnconvert.io.array_source`). Whether a text file's first row is a header follows the rule
in :mod:`nnconvert.io.columns`. A model with column names (``columns``) reads a file with names
by name, any order, extra columns ignored, and may take string columns (:mod:`nnconvert.io.table`);
Parquet is read by :mod:`nnconvert.io.parquet_source` (pyarrow). Every number cell must be a
finite number (or, with ``allow_missing``, NaN): a dataset with a NaN, an empty cell or text
there is refused with the file, row and column named. Rows are numbered as an editor shows them
for CSV (the file's line number, header included) and 0-based for arrays and Parquet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

import numpy as np

from nnconvert.errors import DataError
from nnconvert.io.array_source import ArraySource
from nnconvert.io.csv_source import CsvSource
from nnconvert.io.parquet_source import ParquetSource
from nnconvert.io.sizes import DEFAULT_MAX_MEMORY
from nnconvert.io.table import Wanted

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUFFIXES = (*TEXT_SUFFIXES, ".npy", ".npz", *PARQUET_SUFFIXES)
DataSource = CsvSource | ArraySource | ParquetSource


class DataOptions(TypedDict, total=False):
    """The keyword options of :func:`open_data`, taken by every reader below."""

    n_features: int | None
    target_column: str | int | None
    header: bool | None
    model_names: Sequence[str] | None
    max_memory: int
    allow_missing: bool
    columns: Sequence[Wanted] | None
    id_column: str | int | None
    matrix: bool


@dataclass(frozen=True)
class Dataset:
    """The feature matrix ``X`` (float64, ``[rows, features]``) and the header's names, if any."""

    X: np.ndarray
    feature_names: tuple[str, ...] | None


def open_data(
    path: str | Path,
    *,
    n_features: int | None = None,
    target_column: str | int | None = None,
    header: bool | None = None,
    model_names: Sequence[str] | None = None,
    max_memory: int = DEFAULT_MAX_MEMORY,
    allow_missing: bool = False,
    columns: Sequence[Wanted] | None = None,
    id_column: str | int | None = None,
    matrix: bool = True,
) -> DataSource:
    """The data file as a source: ``names`` (the header's feature names or None), ``width``,
    ``row_bytes`` (memory per row while reading), ``count_rows()``, ``chunks(rows)``, and for
    text files ``header.note`` (set when the first row was read as a header by the ambiguous rule).

    ``header``: None detects (see :mod:`nnconvert.io.columns`; ``model_names`` are the model's
    feature names, a first row equal to them is a header), True/False force it.
    ``allow_missing`` (models that take missing values: trees, HistGradientBoosting; the CLI sets it
    from the network's ``accepts_missing`` metadata) reads an empty cell, ``nan`` or a NaN array
    entry as NaN instead of refusing it; infinity and text are still refused.

    ``columns`` are the model's columns (names and kinds): a file with names is read by them
    (:func:`nnconvert.io.table.choose`); ``model_names`` defaults to their names. ``id_column``
    (a name or an index) rides along as text in each chunk's ``ids``. ``matrix=False`` makes each
    chunk a mapping name -> column (networks with named column inputs) instead of ``X``. Chunks
    come from ``tables(rows)`` (:class:`nnconvert.io.table.Table`); ``chunks(rows)`` gives ``X``.
    """
    path = Path(path)
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
    if model_names is None and columns is not None:
        model_names = [c.name for c in columns]
    if suffix in TEXT_SUFFIXES:
        source: DataSource = CsvSource(
            path, target_column, header=header, model_names=model_names, max_memory=max_memory
        )
    else:
        if header is not None:
            kind = "a Parquet" if suffix in PARQUET_SUFFIXES else "an array"
            raise DataError(f"--header/--no-header apply to text files; {path.name} is {kind} file")
        if suffix in PARQUET_SUFFIXES:
            source = ParquetSource(path, target_column, max_memory=max_memory)
        else:
            source = ArraySource(path, target_column, max_memory=max_memory)
    source.select(columns, id_column=id_column, matrix=matrix)
    source.allow_missing = allow_missing
    if n_features is not None and source.width != n_features:
        besides = [f"the target column {source.target_label}"] if source.target is not None else []
        if source.layout.id_index is not None:
            besides.append(f"the id column {source.layout.id_name}")
        dropped = f" besides {' and '.join(besides)}" if besides else ""
        raise DataError(f"{source.name} has {source.width} columns{dropped}; the model expects {n_features}")
    return source


def read_data(path: str | Path, **options: Unpack[DataOptions]) -> np.ndarray:
    """``X`` as a float64 ``[rows, features]`` array, ``target_column`` dropped (options: :func:`open_data`)."""
    return read_data_with_names(path, **options).X


def read_data_with_names(path: str | Path, **options: Unpack[DataOptions]) -> Dataset:
    """:func:`read_data` plus the header's feature names (``None`` without a header)."""
    source = open_data(path, **options)
    chunks = list(source.chunks(65536))
    if not chunks:
        raise DataError(f"{source.name} has no data rows")
    return Dataset(np.concatenate(chunks) if len(chunks) > 1 else chunks[0], source.names)


def feature_names(path: str | Path, **options: Unpack[DataOptions]) -> tuple[str, ...] | None:
    """The header's feature names (target dropped), or ``None`` when the file has none."""
    return open_data(path, **options).names


def iter_data(path: str | Path, *, chunk_rows: int = 65536, **options: Unpack[DataOptions]) -> Iterator[np.ndarray]:
    """Float64 blocks of at most ``chunk_rows`` rows whose concatenation is :func:`read_data`."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be positive")
    return open_data(path, **options).chunks(chunk_rows)


def count_rows(path: str | Path, **options: Unpack[DataOptions]) -> int:
    """Number of data rows, cheaply (CSV: non-blank, non-comment lines less the header; arrays:
    shape[0]; Parquet: its metadata's row count)."""
    return open_data(path, **options).count_rows()
