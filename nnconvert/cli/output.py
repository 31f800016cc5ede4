"""Text the CLI prints: the convert summary line and prediction CSV.

Prediction CSV has a header; the id column (``predict --id-column``, named and written as in the
data file) comes first, then the ``predict`` column, then one column per 1-D
output (``decision_function``) or one per output column of a 2-D one, named as the network's
metadata names them (an ovo SVC's class pairs: ``decision_function[setosa|versicolor]``), else
after the class where the column is a class (``predict_proba[setosa]``) and after its index
otherwise (``transform[0]``). Numbers are written in their shortest round-trip form for their dtype
(float32 values as float32), so the CSV holds exactly what the network computed. Text cells
(class labels, headers naming them) come from files: a cell a spreadsheet would run as a formula
gets a leading ``'`` and control characters are escaped (:func:`nnconvert.text.csv_cell`).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from typing import IO, Any

import numpy as np

from nnconvert import ir
from nnconvert.text import csv_cell

_PER_CLASS = ("predict_proba", "decision_function", "predict_log_proba")


def summary(network: ir.Network, out: str, fmt: str, dtype: str | None, opset: int | None) -> str:
    """One line: what was written (estimator, layers, parameters, outputs, dtype, opset)."""
    m = network.meta
    layers = sum(isinstance(n, (ir.Dense, ir.Distance)) for n in network.nodes)
    what = m.estimator_name
    if m.classes is not None:
        what += f", {len(m.classes)} classes"
    what += f", {network.n_features} features"
    parts = [
        f"wrote {out} ({fmt}): {what}",
        f"{layers} neuron layer{'s' * (layers != 1)} ({len(network.nodes)} nodes)",
        f"{network.n_parameters} parameters",
        f"outputs {', '.join(network.outputs)}",
    ]
    parts.append(
        {"onnx": f"{dtype}, opset {opset}", "torch": f"{dtype}, torch.export program"}.get(fmt, "float64 weights")
    )
    return "; ".join(parts)


def column_names(
    name: str, value: np.ndarray, classes: Sequence[Any] | None, named: Sequence[str] | None = None
) -> list[str]:
    """CSV header cells for one output (see the module doc); ``named`` are its recorded column names."""
    if value.ndim == 1:
        return [name]
    width = value.shape[1]
    if named is not None and len(named) == width:
        return [f"{name}[{c}]" for c in named]
    if name in _PER_CLASS and classes is not None and len(classes) == width:
        return [f"{name}[{c}]" for c in classes]
    return [f"{name}[{i}]" for i in range(width)]


def ordered(outputs: Mapping[str, np.ndarray]) -> list[str]:
    """Output names with ``predict`` first, the rest in the network's order."""
    return sorted(outputs, key=lambda k: (k != "predict", list(outputs).index(k)))


def _cells(value: np.ndarray) -> list[list[str]]:
    """CSV cells: numbers in their shortest repr, text (labels from the file) through
    :func:`nnconvert.text.csv_cell` (no formulas, no control characters)."""
    arr = value.reshape(len(value), -1)
    if arr.dtype.kind in "OUS":
        return [[csv_cell(str(v)) for v in row] for row in arr.astype(str)]
    return [[str(v) for v in row] for row in arr]  # numpy scalars print their shortest repr


class PredictionWriter:
    """Writes prediction chunks as CSV rows; the header comes from the first chunk."""

    def __init__(
        self,
        stream: IO[str],
        classes: Sequence[Any] | None,
        columns: Mapping[str, Sequence[str]] | None = None,
        id_name: str | None = None,
    ) -> None:
        self.writer = csv.writer(stream, lineterminator="\n")
        self.classes = classes
        self.columns = dict(columns or {})
        self.id_name = id_name
        self.names: list[str] | None = None
        self.rows = 0

    def write(self, outputs: Mapping[str, np.ndarray], ids: np.ndarray | None = None) -> None:
        """One chunk's rows; ``ids`` (the id column's cells, text) go first when the writer has ``id_name``."""
        names = ordered(outputs)
        if self.names is None:
            self.names = names
            header = [csv_cell(self.id_name)] if self.id_name is not None else []
            header += [
                csv_cell(c)
                for n in names
                for c in column_names(n, np.asarray(outputs[n]), self.classes, self.columns.get(n))
            ]
            self.writer.writerow(header)
        parts = [_cells(np.asarray(outputs[n])) for n in self.names]
        if self.id_name is not None and ids is not None:
            parts.insert(0, [[csv_cell(str(v))] for v in ids])
        for i in range(len(parts[0]) if parts else 0):
            self.writer.writerow([c for p in parts for c in p[i]])
        self.rows += len(parts[0]) if parts else 0
