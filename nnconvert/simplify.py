"""Graph passes that keep the math and shrink the network.

- ``fold_dense``: two affine layers in a row are one, ``(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)``,
  when the first layer's output feeds nothing else (a StandardScaler before a
  LogisticRegression becomes part of the same neurons).
- ``drop_identity``: an identity activation is a no-op.
"""

from __future__ import annotations

import dataclasses

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
    for node in net.nodes:
        is_identity = isinstance(node, ir.Activation) and node.fn == "identity"
        if is_identity and node.input != ir.INPUT and node.name not in net.outputs.values():
            return drop_identity(_bypass(net, node.name, node.input))
    return net


def _merge_sources(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    merged = {}
    for key in ("weight", "bias"):
        if key in a or key in b:
            merged[key] = " then ".join(s for s in (a.get(key, "identity"), b.get(key, "")) if s)
    return merged


def fold_dense(net: ir.Network) -> ir.Network:
    for second in net.nodes:
        if not isinstance(second, ir.Dense) or second.input == ir.INPUT:
            continue
        first = net.node(second.input)
        if not isinstance(first, ir.Dense):
            continue
        if len(net.consumers(first.name)) != 1 or first.name in net.outputs.values():
            continue
        merged = ir.Dense(
            name=second.name,
            input=first.input,
            weight=first.weight @ second.weight,
            bias=first.bias @ second.weight + second.bias,
            source=_merge_sources(dict(first.source), dict(second.source)),
        )
        nodes = tuple(merged if n is second else n for n in net.nodes if n is not first)
        return fold_dense(net.replace(nodes=nodes))
    return net


def simplify(net: ir.Network) -> ir.Network:
    """Apply every pass until nothing changes."""
    return fold_dense(drop_identity(net))
