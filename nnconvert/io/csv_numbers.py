"""The fast path of :class:`~nnconvert.io.csv_source.CsvSource`: the number columns of a plain
delimited file parsed by pyarrow's C++ CSV reader (pyarrow is the optional ``parquet`` extra;
without it every file takes the Python reader).

It gives exactly what the Python reader gives or nothing: both parse a number to the nearest
float64 (pyarrow's ``fast_float``, Python's ``float``), an empty cell is a null (NaN), and the
same :func:`~nnconvert.io.csv_source.acceptable` check follows. Anything else stops it with
:class:`Fallback` (carrying the number of rows it already gave out), and the Python reader goes on
from that row, with its own messages naming the row and column: a cell pyarrow does not read as a
number (``1_000``, text, a whitespace-only cell), a row of the wrong width, a line longer than one
block, bytes that are not UTF-8 (checked block by block, as the Python reader decodes), and any
block holding a quote or a ``#`` (quoting and comment lines are the Python reader's). Files whose
first line is not the header or the first row (leading blank or comment lines) and layouts with
string or id columns take the Python reader from the start.
"""

from __future__ import annotations

import codecs
import io
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BLOCK_BYTES = 1 << 22  # pyarrow's block at most (a row longer than a block falls back)
MIN_BLOCK_BYTES = 1 << 16
BOM = codecs.BOM_UTF8


class Fallback(Exception):
    """The fast path stopped after ``rows`` rows: the Python reader continues from there."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def pyarrow_csv() -> tuple[Any, Any] | None:
    """``(pyarrow, pyarrow.csv)``, or None when pyarrow is not installed."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    return pa, pacsv


class _Plain(Exception):
    """A block holds a quote or a ``#``: the Python reader's rules (quoting, comment lines) apply."""


def _line_blocks(f: io.BufferedReader, block: int, skip_line: bool) -> Iterator[bytes]:
    """The file's bytes after a UTF-8 BOM and (``skip_line``) its first line, as blocks of whole
    lines of about ``block`` bytes, each decoded (strictly) before pyarrow gets it. Raises
    :class:`_Plain` at a quote or ``#``, or a line longer than ``block``; UnicodeDecodeError at
    bytes that are not UTF-8. pyarrow parses each block from memory (``read_csv``): no Python
    callback runs inside pyarrow, so a signal reaches Python's handler as it arrives."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    if f.peek(len(BOM))[: len(BOM)] == BOM:
        f.read(len(BOM))
    if skip_line:  # the header: one physical line (CsvSource parsed it from its first line)
        decoder.decode(f.readline())
    tail = b""
    while True:
        data = f.read(block)
        decoder.decode(data, final=not data)
        if b'"' in data or b"#" in data:
            raise _Plain
        chunk = tail + data
        if data:
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                if len(chunk) > block:  # a line longer than a block: the Python reader says so
                    raise _Plain
                tail = chunk
                continue
            chunk, tail = chunk[:cut], chunk[cut:]
        if chunk.strip():
            yield chunk
        if not data:
            return


@dataclass(frozen=True)
class NumberColumns:
    """What to read: the file's ``columns`` (of ``n_columns``), its delimiter, whether its first
    line is a header, blocks of at most ``block_rows`` rows, the Python reader's longest line
    (``line_limit``: pyarrow's block size, within ``[64 KiB, 4 MiB]``) and the check each block
    must pass (``acceptable``)."""

    path: Path
    n_columns: int
    columns: tuple[int, ...]
    delimiter: str
    skip_header: bool
    block_rows: int
    line_limit: int
    acceptable: Callable[[np.ndarray], bool]

    @property
    def block_bytes(self) -> int:
        return min(BLOCK_BYTES, max(MIN_BLOCK_BYTES, self.line_limit))


def number_blocks(spec: NumberColumns) -> Iterator[np.ndarray] | None:
    """Float64 ``[rows, len(columns)]`` blocks of ``spec``'s columns; None when pyarrow is not
    installed. Raises :class:`Fallback` where it stops."""
    found = pyarrow_csv()
    return None if found is None else _blocks(found, spec)


def _blocks(found: tuple[Any, Any], spec: NumberColumns) -> Iterator[np.ndarray]:
    pa, pacsv = found
    names = [f"c{i}" for i in range(spec.n_columns)]
    wanted = [names[i] for i in spec.columns]
    read = pacsv.ReadOptions(use_threads=False, block_size=2 * spec.block_bytes + 1, column_names=names)
    parse = pacsv.ParseOptions(delimiter=spec.delimiter, newlines_in_values=False, ignore_empty_lines=True)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(wanted, pa.float64()), include_columns=wanted or names[:1],
        null_values=[""], strings_can_be_null=False, check_utf8=True,
    )  # fmt: skip
    done = 0
    try:
        with spec.path.open("rb") as f:
            for chunk in _line_blocks(f, spec.block_bytes, spec.skip_header):
                table = pacsv.read_csv(pa.py_buffer(chunk), read_options=read, parse_options=parse,
                                       convert_options=convert)  # fmt: skip
                cols = [table.column(name).to_numpy() for name in wanted]
                X = np.column_stack(cols).astype(np.float64, copy=False) if cols else np.empty((table.num_rows, 0))
                if not spec.acceptable(X):
                    raise Fallback(done)
                for start in range(0, len(X), spec.block_rows):
                    part = X[start : start + spec.block_rows]
                    yield part
                    done += len(part)
    except pa.lib.ArrowCancelled as exc:  # a signal stopped pyarrow: it is the signal's, not a fallback
        signal.raise_signal(getattr(exc, "signum", None) or signal.SIGINT)  # Python's handler for it runs now
        raise KeyboardInterrupt from None
    except (Fallback, _Plain, UnicodeDecodeError, ValueError, OSError, pa.ArrowException):
        raise Fallback(done) from None
