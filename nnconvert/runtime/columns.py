"""Named column inputs at run time: user columns <-> the internal ``X`` a network computes on.

A network with ``inputs`` (:mod:`nnconvert.ir.inputs`) is fed by column name: a Mapping
``name -> 1-D or [N, 1] array`` or a pandas DataFrame (any column order, extra columns ignored).
:func:`encode_columns` turns that into ``X [N, n_features]``: a float column is its value, a
string column its code (position in the vocabulary, -1 for an unknown string, NaN for a missing
cell: None, NaN or ""), an unlisted column 0.0. :func:`column_feeds` gives the same columns as the
ONNX graph takes them (``[N, 1]`` float / string, "" for missing) and :func:`decode_columns` turns
an internal ``X`` back into columns (an unknown code becomes a string outside the vocabulary).
:func:`column_inputs` decides a converted network's inputs: the columns its graph reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import DataError

__all__ = [
    "column_feeds",
    "column_inputs",
    "decode_columns",
    "default_names",
    "encode_columns",
    "encode_inputs",
    "is_columns",
    "string_cells",
    "unknown_string",
    "used_columns",
]


def default_names(n_features: int) -> list[str]:
    """scikit-learn's names for unnamed columns: ``x0 .. x{n-1}``."""
    return [f"x{i}" for i in range(n_features)]


def used_columns(net: ir.Network) -> list[int]:
    """Columns of ``X`` the graph may read, conservatively: a selection layer reads the columns it
    selects, any other dense layer the columns with a non-zero weight row, any other node all."""
    used: set[int] = set()
    for node in net.nodes:
        if ir.INPUT not in node.inputs:
            continue
        if isinstance(node, ir.Dense):
            if node.selection is not None:
                used.update(int(c) for c in node.selection)
            else:
                used.update(int(c) for c in np.flatnonzero((node.weight != 0).any(axis=1)))
        else:
            return list(range(net.n_features))
    return sorted(used)


def column_inputs(
    net: ir.Network, names: Sequence[str] | None, string_vocab: Mapping[int, Sequence[str]]
) -> tuple[ir.ColumnInput, ...]:
    """One input per used column of ``net`` (:func:`used_columns`), named ``names[column]``
    (default ``x0..``): ``string`` with its vocabulary where ``string_vocab`` has the column,
    ``float`` otherwise. A network that reads no column keeps its first one as input."""
    names = list(names) if names is not None else default_names(net.n_features)
    if len(names) != net.n_features:
        raise ir.InvalidNetwork(f"{len(names)} feature names for {net.n_features} columns")
    cols = used_columns(net) or [0]
    return tuple(
        ir.ColumnInput(str(names[c]), "string", c, tuple(string_vocab[c]))
        if string_vocab.get(c)
        else ir.ColumnInput(str(names[c]), "float", c)
        for c in cols
    )


def is_columns(data: Any) -> bool:
    """Whether ``data`` is given by column name (a Mapping or a DataFrame), not as a matrix."""
    return isinstance(data, Mapping) or (hasattr(data, "columns") and hasattr(data, "iloc"))


def _column(data: Any, name: str) -> Any:
    if hasattr(data, "columns") and hasattr(data, "iloc"):  # a pandas DataFrame
        if name not in data.columns:
            raise DataError(f"the data has no column {name!r} (the network's inputs are by name)")
        col = data[name]
        if getattr(col, "ndim", 1) != 1:
            raise DataError(f"the data has column {name!r} more than once")
        return col
    if name not in data:
        raise DataError(f"the data has no column {name!r} (the network's inputs are by name)")
    return data[name]


def _flat(name: str, values: Any, dtype: Any = None) -> np.ndarray:
    arr = np.asarray(values, dtype=dtype) if dtype is not None else np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"column {name!r} must be 1-D or [N, 1], got shape {arr.shape}")
    return arr


def _float_column(name: str, col: Any) -> np.ndarray:
    try:
        if hasattr(col, "to_numpy") and hasattr(col, "dtype"):  # a pandas Series (nullable dtypes too)
            return _flat(name, col.to_numpy(dtype=np.float64, na_value=np.nan))
        return _flat(name, col, np.float64)
    except (TypeError, ValueError):
        raise DataError(f"column {name!r} must hold numbers") from None


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pandas NA, NaT
    except (TypeError, ValueError):
        return False


def string_cells(name: str, values: Any) -> np.ndarray:
    """A string column's cells as an object array of ``str``, missing cells (None, NaN, pandas
    NA, "") as ""; any other non-string cell is a DataError naming the column."""
    if hasattr(values, "to_numpy") and hasattr(values, "dtype"):
        values = values.to_numpy(dtype=object)
    elif not isinstance(values, np.ndarray):  # a list: numpy would turn None/NaN among strings into text
        values = np.asarray(values, dtype=object)
    arr = _flat(name, values)
    if arr.dtype.kind == "U":
        return arr.astype(object)
    out = np.empty(len(arr), dtype=object)
    for i, v in enumerate(arr.tolist()):
        if isinstance(v, str):
            out[i] = v
        elif _missing(v):
            out[i] = ""
        else:
            raise DataError(f"column {name!r} holds strings; row {i} is {type(v).__name__} {v!r}")
    return out


def _codes(inp: ir.ColumnInput, cells: np.ndarray) -> np.ndarray:
    index = {s: float(i) for i, s in enumerate(inp.vocabulary)}
    index[""] = np.nan
    return np.array([index.get(s, -1.0) for s in cells.tolist()], dtype=np.float64)


def _rows(columns: Sequence[np.ndarray]) -> int:
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        raise DataError(f"the columns have different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def encode_columns(net: ir.Network, data: Any, dtype: Any = np.float64) -> np.ndarray:
    """The internal ``X [N, n_features]`` (in ``dtype``) of a column network from ``data``, a
    Mapping or DataFrame of its inputs by name (see the module doc)."""
    if not net.inputs:
        raise DataError("this network takes one matrix X, not named columns")
    return encode_inputs(net.inputs, net.n_features, data, dtype)


def encode_inputs(inputs: Sequence[ir.ColumnInput], n_features: int, data: Any, dtype: Any = np.float64) -> np.ndarray:
    """:func:`encode_columns` from the inputs and the width of ``X`` alone."""
    if not is_columns(data):
        raise DataError("named columns must come as a mapping name -> array or a pandas DataFrame")
    values = []
    for inp in inputs:
        col = _column(data, inp.name)
        values.append(_float_column(inp.name, col) if inp.kind == "float" else _codes(inp, string_cells(inp.name, col)))
    X = np.zeros((_rows(values), n_features), dtype=np.float64)
    for inp, v in zip(inputs, values, strict=True):
        X[:, inp.column] = v
    return X.astype(dtype, copy=False)


def matrix_columns(net: ir.Network, M: Any) -> dict[str, np.ndarray]:
    """A 2-D matrix whose columns are the inputs in order, as columns by name (float inputs only)."""
    assert net.inputs is not None
    if net.string_inputs:
        raise DataError(
            f"this network has string inputs ({net.string_inputs[0].name!r}): pass its columns by name "
            "(a mapping or a pandas DataFrame)"
        )
    try:
        arr = np.asarray(M, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"input is not numeric: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] != len(net.inputs):
        raise DataError(f"input has shape {arr.shape}; the network's inputs are [N, {len(net.inputs)}] in the order "
                        f"{', '.join(i.name for i in net.inputs)}")  # fmt: skip
    return {inp.name: arr[:, k] for k, inp in enumerate(net.inputs)}


def column_feeds(inputs: Sequence[ir.ColumnInput], data: Any, dtype: Any) -> dict[str, np.ndarray]:
    """ONNX feeds from columns by name: ``[N, 1]`` arrays, float inputs in ``dtype``, string
    inputs as object arrays of ``str`` with "" for a missing cell."""
    if not is_columns(data):
        raise DataError("named columns must come as a mapping name -> array or a pandas DataFrame")
    feeds: dict[str, np.ndarray] = {}
    for inp in inputs:
        col = _column(data, inp.name)
        v = _float_column(inp.name, col).astype(dtype) if inp.kind == "float" else string_cells(inp.name, col)
        feeds[inp.name] = v.reshape(-1, 1)
    _rows(list(feeds.values()))
    return feeds


def unknown_string(vocabulary: Sequence[str]) -> str:
    """A string outside ``vocabulary`` (what an unknown code decodes to)."""
    s = "<unknown>"
    while s in vocabulary:
        s += "_"
    return s


def decode_columns(inputs: Sequence[ir.ColumnInput], X: Any, *, missing: Any = None) -> dict[str, np.ndarray]:
    """Columns by name from an internal ``X``: float inputs their column (float64), string inputs
    the vocabulary string of each code (object array), ``missing`` for NaN and
    :func:`unknown_string` for any other value (-1, or a number that is no code)."""
    X = np.asarray(X, dtype=np.float64)
    out: dict[str, np.ndarray] = {}
    for inp in inputs:
        v = X[:, inp.column]
        if inp.kind == "float":
            out[inp.name] = v.copy()
            continue
        other = unknown_string(inp.vocabulary)
        cells = np.empty(len(v), dtype=object)
        for i, c in enumerate(v.tolist()):
            if c != c:
                cells[i] = missing
            elif float(c).is_integer() and 0 <= c < len(inp.vocabulary):
                cells[i] = inp.vocabulary[int(c)]
            else:
                cells[i] = other
        out[inp.name] = cells
    return out


def internal_rows(net: ir.Network, X: np.ndarray) -> np.ndarray:
    """Generated rows made valid for a column network: unlisted columns 0.0, string columns a
    code of their vocabulary (rounded and clipped to ``0 .. V-1``). Other networks: ``X``."""
    if not net.inputs:
        return X
    out = np.zeros_like(X, dtype=np.float64)
    for inp in net.inputs:
        v = X[:, inp.column]
        if inp.kind == "string":
            v = np.clip(np.round(np.nan_to_num(v)), 0, len(inp.vocabulary) - 1)
        out[:, inp.column] = v
    return out


def coded_rows(net: ir.Network, X: np.ndarray) -> np.ndarray:
    """Rows whose string columns all hold a code of their vocabulary (or NaN: missing)."""
    ok = np.ones(len(X), dtype=bool)
    for inp in net.string_inputs:
        v = X[:, inp.column]
        with np.errstate(invalid="ignore"):
            ok &= np.isnan(v) | ((v >= 0) & (v < len(inp.vocabulary)) & (v == np.round(v)))
    return ok


def estimator_frame(net: ir.Network, X: np.ndarray, names: Sequence[str] | None = None) -> Any:
    """An internal ``X`` as the pandas DataFrame a model fitted on named columns takes: every
    feature name (``names``, default the network's), string columns decoded (missing None)."""
    import pandas as pd

    names = list(names or net.meta.feature_names or default_names(net.n_features))
    cols: dict[str, Any] = {n: np.asarray(X, dtype=np.float64)[:, k] for k, n in enumerate(names)}
    for name, v in decode_columns(net.string_inputs, X).items():
        cols[name] = v
    return pd.DataFrame(cols, columns=names)
