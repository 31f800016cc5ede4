"""The ``--data`` of ``verify``, ``predict`` and ``convert``: open it once, check its header
against the model, say when its first row was read as a header by the ambiguous rule, and size
its chunks so the work on them fits ``--max-memory`` (see :mod:`nnconvert.check.memory`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import click
import numpy as np

from nnconvert.check.memory import Phases, rows_per_chunk
from nnconvert.errors import DataError
from nnconvert.io.data import DataSource, open_data
from nnconvert.io.sizes import DEFAULT_MAX_MEMORY, check_claim

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


def check_names(path: str, names: Sequence[str] | None, expected: Sequence[str] | None) -> None:
    """Refuse data whose header names other features (or another order) than the model's."""
    if names is None or expected is None or list(names) == list(expected):
        return
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    if missing or extra:
        detail = f"missing {', '.join(missing) or '-'}; unexpected {', '.join(extra) or '-'}"
        raise DataError(f"the columns of {path} are not the model's features ({detail})")
    raise DataError(f"the columns of {path} are the model's features in another order; expected {', '.join(expected)}")


def open_rows(
    args: DataArgs, *, n_features: int | None, expected_names: Sequence[str] | None, allow_missing: bool = False
) -> DataSource:
    """The data source (:func:`nnconvert.io.data.open_data`), its names checked against the
    model's; a note on stderr when its first row was taken as a header by the ambiguous rule."""
    source = open_data(
        args.path,
        n_features=n_features,
        target_column=args.target_column,
        header=args.header,
        model_names=expected_names,
        max_memory=args.limits.max_memory,
        allow_missing=allow_missing,
    )
    check_names(args.path, source.names, expected_names)
    header = getattr(source, "header", None)
    if header is not None and header.note:
        click.echo(f"note: {header.note}", err=True)
    return source


def read_rows(
    args: DataArgs, *, n_features: int | None, expected_names: Sequence[str] | None, allow_missing: bool = False
) -> np.ndarray:
    """All rows of ``args.path`` as one float64 array (``convert`` picks its reference rows from
    them), refused once they pass ``--max-memory``."""
    source = open_rows(args, n_features=n_features, expected_names=expected_names, allow_missing=allow_missing)
    chunks, total = [], 0
    for X in source.chunks(args.limits.chunk_rows):
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
