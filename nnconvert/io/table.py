"""Reading a data file by the model's column names: which file columns make a chunk, and the chunk.

A model fitted on a pandas DataFrame knows its columns by name (``feature_names_in_``, kept as the
network's ``meta.feature_names``; a network with named column inputs knows each input's name and
kind). Such a model reads a file that has names (a CSV header with names, a Parquet schema) **by
name**: the file's columns may come in any order, columns the model does not read are ignored, and
a column it reads that the file lacks is one error naming it. A file without names (a headerless
CSV, pandas' ``0,1,...`` labels, ``.npy``) is read **by position** as before: every column but the
target (and the id) column, their count equal to the model's features.

Which columns are strings is the model's decision, not the file's (:class:`Wanted`): a string
input reads the cells as text, whatever they look like (``"75001"`` stays a string); a float
input reads numbers. A column the estimator takes but the network does not read (``any``: a
column its ``ColumnTransformer`` drops) is read as the file has it, numbers if every cell of the
chunk is one (empty cells NaN), else text: only the estimator sees it, and it ignores it. A chunk is a :class:`Table`: for a matrix network (one input ``X``) its
``data`` is the float64 ``[N, k]`` matrix in the model's column order; for a network with named
column inputs it is a mapping name -> ``[N]`` column, float64 for numbers, an object array of
``str`` (``None`` for a missing cell) for strings. Missing values: an empty cell (and ``nan``) in
a number column, a null in Parquet, is NaN where the model takes missing values (else refused
with the cell named); an empty or null string cell is always ``None``, a value a string input
takes (the network's string inputs read the empty string as missing). The ``--id-column`` rides
along as text (:attr:`Table.ids`), for ``predict`` to write first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nnconvert.errors import DataError

FLOAT, STRING, ANY = "float", "string", "any"
KINDS = (FLOAT, STRING, ANY)
# Bytes one string cell is counted at while a chunk holds it: the Python str (49 bytes + its
# text, up to 4 bytes a character for non-ASCII), the object-array slot, and a copy fed to a
# runtime (an onnxruntime std::string, a pandas column slot). Cells longer than ~40 characters
# cost more; a CSV line's length is bounded separately (nnconvert.io.csv_source).
STRING_CELL_BYTES = 160
SHOWN_COLUMNS = 12  # columns a missing-column error lists


@dataclass(frozen=True)
class Wanted:
    """A column the model reads: its name and ``kind`` (``"float"``, ``"string"`` or ``"any"``)."""

    name: str
    kind: str = FLOAT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind must be one of {KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class Layout:
    """Which file columns make a chunk: ``indices`` (0-based in the file's rows, in the model's
    order) and their ``kinds``; ``names`` are the model's names for them (None when read by
    position into a matrix); ``id_index``/``id_name`` the id column; ``matrix`` stacks the columns
    into ``X``, else a chunk maps each name to its column."""

    indices: tuple[int, ...]
    kinds: tuple[str, ...]
    names: tuple[str, ...] | None
    id_index: int | None = None
    id_name: str | None = None
    matrix: bool = True

    @property
    def n_strings(self) -> int:
        return sum(k == STRING for k in self.kinds)

    def cell_bytes(self) -> int:
        """Bytes per row the chunk's own columns hold (float64 or a string cell each, and the id)."""
        ids = 0 if self.id_index is None else STRING_CELL_BYTES
        return sum(8 if k == FLOAT else STRING_CELL_BYTES for k in self.kinds) + ids


@dataclass(frozen=True)
class Table:
    """One chunk: ``data`` (``X`` or name -> column, see the module doc) and the id column's
    cells as text (``ids``, an object array of str, or None)."""

    data: np.ndarray | Mapping[str, np.ndarray]
    ids: np.ndarray | None = None

    def __len__(self) -> int:
        if isinstance(self.data, np.ndarray):
            return len(self.data)
        return len(next(iter(self.data.values()))) if self.data else 0

    def slice(self, start: int, stop: int) -> Table:
        ids = None if self.ids is None else self.ids[start:stop]
        if isinstance(self.data, np.ndarray):
            return Table(self.data[start:stop], ids)
        return Table({k: v[start:stop] for k, v in self.data.items()}, ids)


def _shown(labels: Sequence[str]) -> str:
    shown = ", ".join(labels[:SHOWN_COLUMNS])
    return shown + (f", ... ({len(labels)} in all)" if len(labels) > SHOWN_COLUMNS else "")


def column_index(file: str, column: str | int, labels: Sequence[str] | None, width: int, role: str) -> int:
    """The 0-based index of ``column`` (a name in ``labels`` or an index, negative from the end)
    among ``width`` columns; ``role`` names it in errors (``"target column"``, ``"id column"``)."""
    if isinstance(column, str) and labels is not None and column in labels:
        if list(labels).count(column) > 1:
            raise DataError(f"{file} has two columns named '{column}'; the {role} must be one")
        return list(labels).index(column)
    if isinstance(column, str) and not column.lstrip("-").isdigit():
        if labels is None:
            raise DataError(f"{file} has no header row, so {role} '{column}' cannot be found; give its 0-based index")
        raise DataError(f"{file} has no column '{column}'; its columns are {_shown(list(labels))}")
    index = int(column)
    if not -width <= index < width:
        raise DataError(f"{role} {index} is out of range: {file} has {width} columns")
    return index % width


def by_name(
    file: str,
    labels: Sequence[str],
    wanted: Sequence[Wanted],
    *,
    offset: int = 0,
    id_column: str | int | None = None,
    matrix: bool = True,
) -> Layout:
    """The layout reading ``wanted`` from a file whose columns are ``labels`` (``offset`` file
    columns before them, pandas' index column); a wanted column missing, or named twice in the
    file, is one error naming it."""
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    indices = []
    for w in wanted:
        found = positions.get(w.name)
        if not found:
            raise DataError(
                f"{file} has no column '{w.name}', which the model reads; its columns are {_shown(list(labels))}"
            )
        if len(found) > 1:
            raise DataError(f"{file} has {len(found)} columns named '{w.name}'; the model reads one")
        indices.append(offset + found[0])
    if matrix and any(w.kind != FLOAT for w in wanted):
        raise ValueError("a matrix layout reads float columns only")
    id_index = id_name = None
    if id_column is not None:
        k = column_index(file, id_column, labels, len(labels), "id column")
        id_index, id_name = offset + k, labels[k]
    return Layout(tuple(indices), tuple(w.kind for w in wanted), tuple(w.name for w in wanted), id_index, id_name,
                  matrix)  # fmt: skip


def by_position(keep: Sequence[int], id_index: int | None = None, id_name: str | None = None) -> Layout:
    """The layout reading the file columns ``keep`` as numbers, in file order (no names)."""
    return Layout(tuple(keep), (FLOAT,) * len(keep), None, id_index, id_name, True)


def choose(
    file: str,
    *,
    names: Sequence[str] | None,
    labels: Sequence[str] | None,
    width: int,
    offset: int,
    positional: Sequence[int],
    wanted: Sequence[Wanted] | None,
    id_column: str | int | None,
    matrix: bool = True,
    target: int | None = None,
) -> Layout:
    """The layout of a file (see the module doc): by name when the model has names (``wanted``)
    and the file too (``names``: its real column names, after ``offset`` leading columns), else by
    position (``positional``: the file columns that are features unless the id column is one of
    them). ``labels`` (names or pandas' positions) and ``width`` (columns after ``offset``) find
    the id column, which must not be the ``target`` (a file column index)."""
    if wanted is not None and names is not None:
        return by_name(file, names, wanted, offset=offset, id_column=id_column, matrix=matrix)
    id_index = id_name = None
    if id_column is not None:
        k = column_index(file, id_column, labels, width, "id column")
        id_index, id_name = offset + k, (labels[k] if labels is not None else str(k))
        if id_index == target:
            raise DataError(f"the id column {id_name} of {file} is its target column")
    keep = [i for i in positional if i != id_index]
    if wanted is not None and not matrix and len(keep) != len(wanted):
        raise DataError(
            f"{file} has {len(keep)} columns and no names; the model reads {len(wanted)} by name "
            f"({_shown([w.name for w in wanted])}): give the file a header"
        )
    if wanted is None or len(keep) != len(wanted):  # a count that differs is refused by the caller
        return by_position(keep, id_index, id_name)
    kinds = tuple(w.kind for w in wanted)
    if matrix and any(k != FLOAT for k in kinds):
        raise ValueError("a matrix layout reads float columns only")
    return Layout(tuple(keep), kinds, None if matrix else tuple(w.name for w in wanted), id_index, id_name, matrix)


def assemble(layout: Layout, columns: Sequence[np.ndarray], ids: np.ndarray | None) -> Table:
    """A :class:`Table` from the layout's columns, read in its order (float64 or object)."""
    if layout.matrix:
        n = len(ids) if ids is not None else (len(columns[0]) if columns else 0)
        X = np.column_stack(columns) if columns else np.empty((n, 0))
        return Table(np.ascontiguousarray(X, dtype=np.float64), ids)
    assert layout.names is not None
    return Table(dict(zip(layout.names, columns, strict=True)), ids)


def strings(cells: Sequence[str | None]) -> np.ndarray:
    """A string column: an object array of str, the empty string and None both ``None`` (missing)."""
    out = np.empty(len(cells), dtype=object)
    out[:] = [c if c else None for c in cells]
    return out


def as_found(cells: Sequence[str]) -> np.ndarray:
    """An ``any`` column from text cells: float64 when every non-empty cell is a number (empty
    cells NaN), else :func:`strings`."""
    try:
        return np.array([float(c) if c.strip() else np.nan for c in cells], dtype=np.float64)
    except ValueError:
        return strings(cells)


def strings_as_text(cells: Sequence[str]) -> np.ndarray:
    """An id column: its cells as an object array of str, kept exactly (empty cells stay empty)."""
    out = np.empty(len(cells), dtype=object)
    out[:] = list(cells)
    return out


def pieces(tables: Iterator[Table], rows: int) -> Iterator[Table]:
    """``tables`` cut into pieces of at most ``rows`` rows (views: no copy)."""
    for t in tables:
        n = len(t)
        if n <= rows:
            yield t
            continue
        for start in range(0, n, rows):
            yield t.slice(start, start + rows)
