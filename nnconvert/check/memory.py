"""How many rows a chunk may hold so that ``verify``/``predict`` stay within a memory budget.

The memory model, per row of a chunk (bytes):

- a *run* of the network in a dtype of ``b`` bytes (numpy runtime, onnxruntime) holds every
  tensor of the graph: ``b x (n_features + sum of the node widths)``, plus the temporaries of
  its most demanding node: two more copies of its width while numpy evaluates an expression
  (``x @ W + b``, ``|x|^2 - 2 x.c + |c|^2``), ``centres x features`` for a Manhattan/Chebyshev
  distance (``|x - c|`` is formed whole), ``6 k^2`` float64 for pairwise coupling of ``k``
  classes (libsvm's ``Q`` matrices);
- the *reference* (the estimator's own methods) is counted as one float64 run: the estimator
  computes the same layers (kernel values, hidden units) the network does;
- the *boundary analysis* of a float32 check (:func:`nnconvert.check.verify.boundary_rows`)
  holds a float64 and a float32 trace of the whole graph at once: a float64 run plus a float32 run;
- an *onnxruntime* session keeps its arena at the size of its largest run while the other
  phases run, so its run is added to, not overlapped with, the rest;
- the rows themselves as read: ``row_bytes`` of the data source (a CSV's parsed cells, an
  array's raw and float64 copies, Parquet's decoded values; a string cell is
  :data:`~nnconvert.io.table.STRING_CELL_BYTES`);
- a network with named column inputs is *fed* its columns by name: every run (the reference's
  DataFrame, each runtime's feeds) holds its own copy, :func:`feed_row_bytes` per row (8 a number
  column, :data:`~nnconvert.io.table.STRING_CELL_BYTES` a string column: onnxruntime copies each
  cell into its own string), plus the encoded ``X`` (8 bytes a feature) the boundary analysis
  and the numpy runtime compute on;
- ``predict``'s outputs as CSV text: :data:`TEXT_CELL_BYTES` per output column (and the id).

A chunk's peak is ``data + sum(onnxruntime runs) + max(reference, boundary, numpy runs)`` for
``verify`` (``data + onnxruntime run + max(numpy run, text)`` for ``predict``), each run with its
feed; the rows per chunk are the budget divided by that, at most ``--chunk-rows`` and at least 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nnconvert import ir
from nnconvert.io.table import FLOAT, STRING_CELL_BYTES
from nnconvert.ir.coupling import PairwiseCoupling

TEMP_COPIES = 2  # extra copies of a node's width that numpy's expression evaluation holds
TEXT_CELL_BYTES = 96  # one number as CSV text: a Python str (~49 bytes + its digits) and its list slot


def _node_temporaries(network: ir.Network, node: ir.Node, itemsize: int) -> int:
    """Bytes per row a node's kernel holds besides its output (see the module doc)."""
    if isinstance(node, ir.Distance) and node.metric in ("manhattan", "chebyshev"):
        return int(node.centres.size) * itemsize
    if isinstance(node, PairwiseCoupling):
        return 6 * node.n_classes**2 * 8
    return TEMP_COPIES * (network.info(node.name).width or 1) * itemsize


def run_row_bytes(network: ir.Network, itemsize: int) -> int:
    """Bytes per row one run of ``network`` in a dtype of ``itemsize`` bytes holds at its peak."""
    tensors = network.n_features + sum(network.info(n.name).width or 1 for n in network.nodes)
    temporaries = max((_node_temporaries(network, n, itemsize) for n in network.nodes), default=0)
    return tensors * itemsize + temporaries


@dataclass(frozen=True)
class Widths:
    """Per-row sizes of a network: ``run(itemsize)`` bytes one run holds, ``outputs`` the summed
    output widths (``[N]`` counts 1)."""

    run: Callable[[int], int]
    outputs: int


def widths_of(network: ir.Network) -> Widths:
    """:class:`Widths` from the IR (see :func:`run_row_bytes`)."""
    outputs = sum(network.info(t).width or 1 for t in network.outputs.values())
    return Widths(lambda itemsize: run_row_bytes(network, itemsize), outputs)


def onnx_widths(model: Any) -> Widths:
    """:class:`Widths` of an ONNX graph with no IR in hand, by the same rule: every tensor shape
    inference can size (``[N, w]`` counts ``w``, ``[N]`` and unknown widths count 1) plus
    :data:`TEMP_COPIES` copies of all of them (nothing tells which node is the widest)."""
    import onnx

    graph = onnx.shape_inference.infer_shapes(model).graph

    def width(value: Any) -> int:
        dims = value.type.tensor_type.shape.dim
        return dims[1].dim_value if len(dims) == 2 and dims[1].dim_value > 0 else 1

    total = sum(width(v) for v in (*graph.input, *graph.value_info, *graph.output))
    return Widths(lambda itemsize: total * itemsize * (1 + TEMP_COPIES), sum(width(v) for v in graph.output))


def feed_row_bytes(kinds: Sequence[str], n_features: int = 0) -> int:
    """Bytes per row one run holds for the named columns it is fed (``kinds``: ``"float"`` or
    ``"string"`` each) and the internal ``X`` of ``n_features`` they are encoded into (see the
    module doc); 0 for a matrix network, whose ``X`` is the data itself."""
    if not kinds:
        return 0
    return sum(8 if k == FLOAT else STRING_CELL_BYTES for k in kinds) + 8 * n_features


def _itemsize(dtype: str) -> int:
    return 4 if dtype == "float32" else 8


@dataclass(frozen=True)
class Phases:
    """Bytes per row of each thing a chunk's work holds (see the module doc)."""

    data: int  # the rows as read
    persistent: int = 0  # held across the chunk's phases (onnxruntime arenas)
    transient: tuple[int, ...] = ()  # phases that run one after the other

    @property
    def peak(self) -> int:
        return self.data + self.persistent + max(self.transient, default=0)


def verify_phases(widths: Widths, checks: Sequence[tuple[str, str]], data_row_bytes: int, feed: int = 0) -> Phases:
    """``verify``: the reference, the boundary analysis (when a check is float32) and each
    ``(backend, dtype)`` check, ``backend`` being ``"onnxruntime"`` or ``"numpy runtime"``;
    ``feed`` (:func:`feed_row_bytes`) is added to every run."""
    transient = [widths.run(8) + feed]  # the reference
    if any(dtype == "float32" for _, dtype in checks):
        transient.append(widths.run(8) + widths.run(4) + feed)
    ort = [widths.run(_itemsize(d)) + feed for b, d in checks if b == "onnxruntime"]
    transient += [widths.run(_itemsize(d)) + feed for b, d in checks if b != "onnxruntime"]
    return Phases(data_row_bytes, sum(ort), tuple(transient))


def predict_phases(
    widths: Widths, backend: str, dtype: str, data_row_bytes: int, feed: int = 0, *, id_column: bool = False
) -> Phases:
    """``predict``: one run (with its ``feed``), then the outputs (and the ``id_column``) as CSV
    text, :data:`TEXT_CELL_BYTES` a cell."""
    run = widths.run(_itemsize(dtype)) + feed
    text = (widths.outputs + id_column) * TEXT_CELL_BYTES
    if backend == "onnxruntime":
        return Phases(data_row_bytes, run, (text,))
    return Phases(data_row_bytes, 0, (run, text))


def rows_per_chunk(phases: Phases, budget: int, upper: int) -> int:
    """The most rows whose :attr:`Phases.peak` fits ``budget`` bytes, within ``[1, upper]``."""
    return max(1, min(upper, budget // max(1, phases.peak)))
