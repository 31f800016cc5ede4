"""Which columns of a data file are features: the header rule and the target column.

The header rule (``header=None``, "detect"), applied to the first row that is not blank and not
a ``#`` comment (``np.savetxt(header=...)`` writes ``# a,b`` lines: comments, skipped anywhere):

1. a row with a cell that is not a number (``sepal_length,...``) is a header;
2. a row whose first cell is empty and whose other cells are not (``,0,1,2`` or ``,a,b``) is the
   header pandas writes with ``to_csv(index=True)``; the first column is then the unnamed index
   and is dropped;
3. a row holding every one of the model's feature names (in any order) is a header;
4. a row of the integers ``0,1,...,k-1`` is the header pandas writes for a DataFrame made from an
   array (``pd.DataFrame(X).to_csv()``): its labels are positions, not names. This is the one
   ambiguous case (a data row could hold exactly those numbers); it is read as a header and
   :attr:`Header.note` says so, so it is never silent; ``--no-header`` reads it as data;
5. any other row is data.

``header=True`` (``--header``) takes the first row as the header whatever it holds (rule 2's
index column still applies); ``header=False`` (``--no-header``) takes it as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nnconvert.io.table import column_index


def is_number(cell: str) -> bool:
    """True when ``float()`` reads ``cell``."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Header:
    """What the first row of a text file is."""

    labels: tuple[str, ...] | None  # the header's cells after the index column; None: no header
    index_column: bool  # the first column is pandas' unnamed index (dropped)
    positional: bool  # the labels are pandas' default 0..k-1: positions, not feature names
    note: str | None  # set for the ambiguous rule 4, to be shown to the user

    @property
    def names(self) -> tuple[str, ...] | None:
        """The column names to check against the model's (None: no header, or positions only)."""
        return None if self.labels is None or self.positional else self.labels


def _default_labels(cells: Sequence[str]) -> bool:
    return list(cells) == [str(i) for i in range(len(cells))]


def read_header(name: str, cells: Sequence[str], *, header: bool | None, model_names: Sequence[str] | None) -> Header:
    """Apply the header rule of the module doc to the first row's ``cells`` (already stripped)."""
    if header is False:
        return Header(None, False, False, None)
    index = len(cells) > 1 and cells[0] == "" and all(cells[1:])
    labels = tuple(cells[1:] if index else cells)
    if header is None and not index:
        named = any(c and not is_number(c) for c in cells)
        if not named and model_names and set(map(str, model_names)) <= set(cells):
            named = True
        if not named and not _default_labels(cells):
            return Header(None, False, False, None)
    positional = _default_labels(labels)
    note = None
    if header is None and positional and not index:
        note = (
            f"{name}: reading the first row ({','.join(labels[:6])}{',...' if len(labels) > 6 else ''}) "
            "as pandas' column labels, a header; pass --no-header if it is data"
        )
    return Header(labels, index, positional, note)


def target_index(name: str, target: str | int | None, header: Sequence[str] | None, width: int) -> int | None:
    """The 0-based column of ``target`` (a header name or an index, negative from the end)."""
    if target is None:
        return None
    return column_index(name, target, header, width, "target column")
