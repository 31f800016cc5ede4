"""The ``--data`` of ``verify``, ``predict`` and ``convert``: open it once, by the model's column
names where the model and the file both have names (any order, extra columns ignored, a missing
one named: :mod:`nnconvert.io.table`), say when its first row was read as a header by the
ambiguous rule, and size its chunks so the work on them fits ``--max-memory`` (see
:mod:`nnconvert.check.memory`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
import numpy as np

from nnconvert.check.memory import Phases, rows_per_chunk
from nnconvert.errors import DataError
from nnconvert.io.data import DataSource, open_data
from nnconvert.io.sizes import DEFAULT_MAX_MEMORY, check_claim
from nnconvert.io.table import Wanted

# With a progress bar, a chunk is at most this share of the rows (and at least PROGRESS_MIN_ROWS),
# so the bar moves at least every 1% whatever --chunk-rows says.
PROGRESS_STEPS = 100
PROGRESS_MIN_ROWS = 1024


@dataclass(frozen=True)
class Limits:
    """``--max-memory`` and ``--chunk-rows``."""

    max_memory: int = DEFAULT_MAX_MEMORY
    chunk_rows: int = 65536

    def rows(self, phases: Phases, total: int | None) -> int:
        """Rows per chunk: ``--chunk-rows``, fewer where the memory model asks (``phases``, see
        :mod:`nnconvert.check.memory`), and with a progress bar (``total`` known) at most 1% of
        the rows (never under :data:`PROGRESS_MIN_ROWS`), so the bar moves within a chunk."""
        rows = rows_per_chunk(phases, self.max_memory, self.chunk_rows)
        if total:
            rows = min(rows, max(PROGRESS_MIN_ROWS, -(-total // PROGRESS_STEPS)))
        return max(1, rows)


@dataclass(frozen=True)
class DataArgs:
    """What the command line says about ``--data``."""

    path: str
    target_column: str | None = None
    header: bool | None = None
    limits: Limits = field(default_factory=Limits)
    id_column: str | None = None


def wanted_columns(names: Sequence[str] | None) -> list[Wanted] | None:
    """The columns a matrix network with feature names reads by name (all numbers), or None."""
    return None if names is None else [Wanted(str(n)) for n in names]


def open_rows(
    args: DataArgs,
    *,
    n_features: int | None,
    expected_names: Sequence[str] | None,
    allow_missing: bool = False,
    columns: Sequence[Wanted] | None = None,
    matrix: bool = True,
) -> DataSource:
    """The data source (:func:`nnconvert.io.data.open_data`), read by the model's ``columns``
    (default: ``expected_names``, its feature names, as numbers) where the file has names; a note
    on stderr when its first row was taken as a header by the ambiguous rule."""
    source = open_data(
        args.path,
        n_features=n_features,
        target_column=args.target_column,
        header=args.header,
        model_names=expected_names,
        max_memory=args.limits.max_memory,
        allow_missing=allow_missing,
        columns=wanted_columns(expected_names) if columns is None else columns,
        id_column=args.id_column,
        matrix=matrix,
    )
    header = getattr(source, "header", None)
    if header is not None and header.note:
        click.echo(f"note: {header.note}", err=True)
    return source


def read_rows(
    args: DataArgs,
    *,
    n_features: int | None,
    expected_names: Sequence[str] | None,
    allow_missing: bool = False,
    network: Any = None,
) -> np.ndarray:
    """All rows of ``args.path`` as one float64 array (``convert`` picks its reference rows from
    them), refused once they pass ``--max-memory``. A ``network`` with named column inputs reads
    them by name and kind, each chunk encoded into its internal ``X``
    (:func:`nnconvert.runtime.columns.encode_columns`: string columns as vocabulary codes)."""
    inputs = getattr(network, "inputs", None)
    if inputs:
        from nnconvert.runtime.columns import encode_columns

        source = open_rows(args, n_features=None, expected_names=expected_names, allow_missing=allow_missing,
                           columns=[Wanted(i.name, i.kind) for i in inputs], matrix=False)  # fmt: skip
        blocks: Iterable[np.ndarray] = (encode_columns(network, t.data) for t in source.tables(args.limits.chunk_rows))
    else:
        source = open_rows(args, n_features=n_features, expected_names=expected_names, allow_missing=allow_missing)
        blocks = source.chunks(args.limits.chunk_rows)
    chunks, total = [], 0
    for X in blocks:
        total += X.nbytes
        check_claim(f"reading all of {source.name}", total, args.limits.max_memory)
        chunks.append(X)
    if not chunks:
        raise DataError(f"{source.name} has no data rows")
    return np.concatenate(chunks)


def pieces(chunks: Iterable[np.ndarray], rows: int) -> Iterator[np.ndarray]:
    """``chunks`` cut into pieces of at most ``rows`` rows (views: no copy)."""
    for X in chunks:
        for start in range(0, len(X), rows):
            yield X[start : start + rows]


def progress_total(source: DataSource) -> int | None:
    """The row count for a progress bar, counted only when stderr is a terminal (one shows)."""
    return source.count_rows() if sys.stderr.isatty() else None
