"""Graph passes that keep the math and shrink the network.

- ``fold_dense``: two affine layers in a row are one, ``(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)``,
  when the first layer's output feeds nothing else (a StandardScaler before a
  LogisticRegression becomes part of the same neurons).
  A gather that drops columns (a ColumnTransformer's selection) is not folded into a full
  matrix product: ``0 * NaN`` would carry a dropped column's NaN into every neuron.
- ``drop_identity``: an identity activation is a no-op.
- ``prune_dead``: a node whose tensor no output depends on computes nothing anyone reads (a
  calibrated classifier's base estimators keep their unused ``predict`` neurons, for example).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nnconvert import ir


def _rename_inputs(node: ir.Node, old: str, new: str) -> ir.Node:
    if old not in node.inputs:
        return node
    if isinstance(node, ir.Concat):
        return dataclasses.replace(node, sources=tuple(new if s == old else s for s in node.sources))
    return dataclasses.replace(node, input=new)  # type: ignore[call-arg]


def _bypass(net: ir.Network, removed: str, replacement: str) -> ir.Network:
    nodes = tuple(_rename_inputs(n, removed, replacement) for n in net.nodes if n.name != removed)
    outputs = {m: (replacement if t == removed else t) for m, t in net.outputs.items()}
    return net.replace(nodes=nodes, outputs=outputs)


def drop_identity(net: ir.Network) -> ir.Network:
    """``y = x`` nodes are bypassed (their readers read ``x``) unless ``y`` is an output."""
    while True:
        node = next(
            (
                n
                for n in net.nodes
                if isinstance(n, ir.Activation)
                and n.fn == "identity"
                and n.input != ir.INPUT
                and n.name not in net.outputs.values()
            ),
            None,
        )
        if node is None:
            return net
        net = _bypass(net, node.name, node.input)  # type: ignore[attr-defined]


def live_tensors(net: ir.Network) -> set[str]:
    """The tensors some output depends on (the outputs and, transitively, what they read)."""
    live = set(net.outputs.values())
    for node in reversed(net.nodes):  # topological order: readers come after what they read
        if node.name in live:
            live.update(node.inputs)
    return live


def prune_dead(net: ir.Network) -> ir.Network:
    """Drop every node whose tensor no output depends on; the outputs are computed unchanged."""
    live = live_tensors(net)
    if all(n.name in live for n in net.nodes):
        return net
    return net.replace(nodes=tuple(n for n in net.nodes if n.name in live))


def _merge_sources(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Provenance of a folded layer: ``W1 then W2`` for the weight; for the bias
    ``b1 W2 + b2``, the parts that exist (a layer without a recorded bias has none)."""
    merged = {}
    if "weight" in a or "weight" in b:
        merged["weight"] = " then ".join(s for s in (a.get("weight", "identity"), b.get("weight", "")) if s)
    if "bias" in a or "bias" in b:
        merged["bias"] = " then ".join(s for s in (a.get("bias"), b.get("bias")) if s)
    return merged


def _foldable(net: ir.Network) -> tuple[ir.Dense, ir.Dense] | None:
    """The first ``(first, second)`` pair of dense layers where ``second`` is ``first``'s only reader."""
    for second in net.nodes:
        if not isinstance(second, ir.Dense) or second.input == ir.INPUT:
            continue
        first = net.node(second.input)
        if not isinstance(first, ir.Dense):
            continue
        if len(net.consumers(first.name)) != 1 or first.name in net.outputs.values():
            continue
        if first.is_shift:
            continue  # x - m stays its own step (see Dense.is_shift)
        if first.column_scale is not None and not first.is_surjective and not _column_wise(first, second):
            continue  # a gather that drops columns keeps their NaNs out of the next matrix product
        return first, second
    return None


def _column_wise(first: ir.Dense, second: ir.Dense) -> bool:
    """Whether the fold of ``first`` into ``second`` still reads one column per neuron."""
    return bool(np.all(((first.weight @ second.weight) != 0).sum(axis=0) == 1))


def fold_dense(net: ir.Network) -> ir.Network:
    """``(x W1 + b1) W2 + b2 -> x (W1 W2) + (b1 W2 + b2)`` wherever the first layer has one reader."""
    while (pair := _foldable(net)) is not None:
        first, second = pair
        merged = ir.Dense(
            name=second.name,
            input=first.input,
            weight=first.weight @ second.weight,
            bias=first.bias @ second.weight + second.bias,
            source=_merge_sources(dict(first.source), dict(second.source)),
        )
        nodes = tuple(merged if n is second else n for n in net.nodes if n is not first)
        net = net.replace(nodes=nodes)
    return net


def simplify(net: ir.Network) -> ir.Network:
    """Apply every pass: pruning first (a dead reader blocks folding), then identities, then folds."""
    return fold_dense(drop_identity(prune_dead(net)))
