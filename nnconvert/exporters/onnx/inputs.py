"""The ONNX interface of a network with named column inputs (``Network.inputs``).

One graph input per listed column, ``[N, 1]``: a float column in the network's float type, a
string column ``tensor(string)``. The graph rebuilds the internal ``X [N, n_features]`` from them
(``Concat`` in column order, ``ConstantOfShape`` zeros for the columns no input lists). A string
column becomes its code (:mod:`nnconvert.ir.inputs`) with default-domain operators of opset 9:

- ``TfIdfVectorizer`` (mode TF, 1-grams, ``pool_strings`` = vocabulary + ``[""]``) counts, per
  row, the one cell against each pool string: a one-hot row ``[N, V + 1]``, all zero for a string
  outside the pool (each cell is one token: spaces inside a string are kept);
- ``code = onehot @ [0, 1, .., V-1, 0]``, ``known = onehot @ [1, .., 1, 0]``;
- ``Where(onehot[:, V] > 0, NaN, Where(known > 0, code, -1))``: "" is a missing cell.

All values are small integers, exact in float32; so the lowest opset that expresses the rest of the
network (13) stays the default. Column names may equal names the network gives its own tensors:
:func:`rename_values` renames the network's values (never an initializer) so inputs keep their names.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper

from nnconvert import ir
from nnconvert.exporters.onnx.graph import OnnxGraph


def graph_inputs(network: ir.Network, elem_type: int) -> list[onnx.ValueInfoProto]:
    """The graph inputs: ``X [N, n_features]``, or one ``[N, 1]`` input per named column."""
    if not network.inputs:
        return [helper.make_tensor_value_info(ir.INPUT, elem_type, ["N", network.n_features])]
    return [
        helper.make_tensor_value_info(i.name, TensorProto.STRING if i.kind == "string" else elem_type, ["N", 1])
        for i in network.inputs
    ]


def _string_code(g: OnnxGraph, inp: ir.ColumnInput) -> str:
    v, y = len(inp.vocabulary), f"input.{inp.name}"
    onehot = g.op(
        "TfIdfVectorizer",
        [inp.name],
        name=y,
        mode="TF",
        min_gram_length=1,
        max_gram_length=1,
        max_skip_count=0,
        ngram_counts=[0],
        ngram_indexes=list(range(v + 1)),
        pool_strings=[*inp.vocabulary, ""],
    )  # float32 [N, V + 1]
    f32 = np.float32
    code = g.op("MatMul", [onehot, g.const(f"{y}.codes", np.r_[np.arange(v), 0.0][:, None], f32)], name=y)
    known = g.op("MatMul", [onehot, g.const(f"{y}.known", np.r_[np.ones(v), 0.0][:, None], f32)], name=y)
    missing = g.op("Gather", [onehot, g.const(f"{y}.empty", np.array([v]), np.int64)], name=y, axis=1)
    zero = g.const(f"{y}.zero", np.array(0.0), f32)
    coded = g.op("Where", [g.op("Greater", [known, zero], name=y), code, g.const(f"{y}.unknown", np.array(-1.0), f32)],
                 name=y)  # fmt: skip
    value = g.op("Where", [g.op("Greater", [missing, zero], name=y), g.const(f"{y}.nan", np.array(np.nan), f32), coded],
                 name=y)  # fmt: skip
    return value if g.elem_type == TensorProto.FLOAT else g.op("Cast", [value], name=y, to=g.elem_type)


def emit_inputs(g: OnnxGraph, x_name: str) -> None:
    """Write the nodes that build the internal ``X`` (named ``x_name``) from the column inputs."""
    net = g.network
    assert net.inputs
    by_column = {i.column: i for i in net.inputs}
    shape = None
    parts: list[str] = []
    j = 0
    while j < net.n_features:
        if j in by_column:
            inp = by_column[j]
            parts.append(_string_code(g, inp) if inp.kind == "string" else inp.name)
            j += 1
            continue
        width = next((c for c in range(j, net.n_features) if c in by_column), net.n_features) - j
        if shape is None:
            shape = g.op("Shape", [net.inputs[0].name], name="input.zeros")  # [N, 1]
        size = g.op("Mul", [shape, g.const("input.zeros.width", np.array([1, width]), np.int64)], name="input.zeros")
        fill = helper.make_tensor("value", g.elem_type, [1], [0.0])
        parts.append(g.op("ConstantOfShape", [size], name="input.zeros", value=fill))
        j += width
    if len(parts) == 1:
        g.op("Identity", parts, x_name, name="input")
    else:
        g.op("Concat", parts, x_name, name="input", axis=1)


def _rename_graph(graph: onnx.GraphProto, mapping: dict[str, str]) -> None:
    for node in graph.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                _rename_graph(attr.g, mapping)
            for sub in attr.graphs:
                _rename_graph(sub, mapping)
    for vi in [*graph.input, *graph.output, *graph.value_info]:
        vi.name = mapping.get(vi.name, vi.name)


def rename_values(g: OnnxGraph) -> str:
    """Rename the network's values named like a column input (``X`` included) to fresh names,
    in every node and loop body; returns the name the internal ``X`` has now."""
    net = g.network
    names = {i.name for i in net.inputs or ()}
    clashes = names & ({ir.INPUT} | {n.name for n in net.nodes})
    if not clashes:
        return ir.INPUT
    mapping = {c: g.fresh(f"{c}.value") for c in sorted(clashes)}
    body = helper.make_graph(g.nodes, "body", [], [])
    _rename_graph(body, mapping)
    g.nodes = list(body.node)
    return mapping.get(ir.INPUT, ir.INPUT)
