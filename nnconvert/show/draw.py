"""Draw a network: neurons as circles in columns, one column per layer.

``layout(network)`` turns the IR into a picture-independent :class:`Layout` (layers, neurons,
edges, captions); ``draw(network, path)`` writes it as SVG or PNG (matplotlib) or DOT (plain
Graphviz text) through :mod:`nnconvert.show.draw_writers`. A layer is a weight-bearing node
(``Dense``, ``Distance``) together with the elementwise nodes that follow it (activations,
normalisation, squeeze, diagonal scaling), so ``distance -> dense(-gamma) -> exp`` is one layer
captioned ``RBF x n``. Label heads (argmax/threshold) form the last column, one circle per
class. A layer wider than ``max_neurons`` shows its first neurons, an ellipsis and its last
neuron; edges are drawn only between shown neurons, so a 1000-support-vector SVM stays small.

Edge colour: blue for a positive weight, red for a negative one, alpha and width proportional
to ``|w| / max|w|`` of that layer; edges carrying no weight (kernel centres, heads) are grey.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnconvert import ir
from nnconvert.errors import NnconvertError
from nnconvert.ir import monomials as ir_monomials
from nnconvert.show.draw_writers import render_dot, render_matplotlib
from nnconvert.text import printable

__all__ = ["DrawError", "Edge", "Layer", "Layout", "Neuron", "draw", "layout", "render_dot", "render_matplotlib"]

_MERGE = (ir.Activation, ir.Normalize, ir.Squeeze)  # elementwise: same neurons, new values
_HEADS = (ir.ArgMaxLabel, ir.ThresholdLabel)
_COLUMN_DX = 4.0  # distance between columns, in neuron slots


class DrawError(NnconvertError, ValueError):
    """The picture cannot be made (unknown file type, bad option)."""


@dataclass(frozen=True)
class Neuron:
    """One drawn circle; ``id`` is ``neuron-<layer>-<index>`` (also the SVG gid / DOT id)."""

    id: str
    layer: int
    index: int
    x: float
    y: float
    label: str | None = None


@dataclass(frozen=True)
class Edge:
    """A drawn connection; ``sign`` is +1/-1 for a weight, 0 for a weightless (grey) edge."""

    src: str
    dst: str
    sign: int
    strength: float  # |w| / max|w| of the layer, in (0, 1]


@dataclass(frozen=True)
class Layer:
    """A column group: ``width`` neurons in total, ``shown`` of them drawn."""

    index: int
    kind: str  # "input", "neurons" or "head"
    caption: str
    outputs: tuple[str, ...]  # estimator methods whose tensor lives in this layer
    tensors: tuple[str, ...]
    width: int
    shown: tuple[int, ...]
    depth: int
    x: float
    top: float  # y of the first slot
    ellipsis_y: float | None  # y of the ellipsis slot when collapsed


@dataclass(frozen=True)
class Layout:
    """Everything the writers draw, in slot units (y grows upwards)."""

    title: str
    layers: tuple[Layer, ...]
    neurons: tuple[Neuron, ...]
    edges: tuple[Edge, ...]

    @property
    def captions(self) -> list[str]:
        return [layer.caption for layer in self.layers]


@dataclass
class _Group:
    kind: str
    width: int
    base: ir.Node | None
    tensors: list[str]
    depth: int
    acts: list[str] = field(default_factory=list)
    labels: list[str] | None = None
    input_acts: list[str] = field(default_factory=list)


def _shown(n: int, max_neurons: int) -> tuple[int, ...]:
    """First ``max_neurons - 2`` indices and the last one when ``n`` exceeds ``max_neurons``."""
    if n <= max_neurons:
        return tuple(range(n))
    return (*range(max_neurons - 2), n - 1)


def _is_diagonal(w: np.ndarray) -> bool:
    return w.shape[0] == w.shape[1] and not np.any(w - np.diag(np.diag(w)))


def _act_name(node: ir.Node) -> str | None:
    if isinstance(node, ir.Activation):
        if node.fn.startswith("step"):
            return "step"
        if node.fn == "power":
            return f"power {int(node.param[0])}"
        return None if node.fn == "identity" else node.fn
    if isinstance(node, ir.Normalize):
        return "normalize"
    return None  # squeeze, diagonal scaling: same neurons, nothing to say


def _caption(g: _Group) -> str:
    base = g.base
    if g.kind == "input":
        return f"input x {g.width}"
    if g.kind == "head":
        if isinstance(base, ir.ThresholdLabel):
            return f"{'>' if base.strict else '>='} {base.threshold:g} -> classes"
        return "argmax -> classes" if isinstance(base, ir.ArgMaxLabel) else f"{base.op} -> classes"
    acts = list(dict.fromkeys(g.acts))
    if isinstance(base, ir.Dense) and "leaf's path" in base.source.get("weight", ""):
        return f"leaf AND x {g.width}"
    if isinstance(base, ir.Dense) and base.source.get("weight", "").startswith("leaf values"):
        return f"leaf values x {g.width}"
    if isinstance(base, ir.Distance):
        metric = "sqeuclidean" if base.metric == "euclidean" and "square" in acts else base.metric
        if "exp" in acts:  # exp(-d) (written as a negative scale or a reciprocal): a radial basis neuron
            name = {"sqeuclidean": "RBF", "manhattan": "laplacian"}.get(metric, f"RBF ({metric})")
            acts = [a for a in acts if a not in ("exp", "reciprocal", "square")]
        else:
            name = f"{base.metric} distance"
        return f"{'+'.join([name, *acts])} x {g.width}"
    if isinstance(base, ir.Dense) and g.width > 1 and _is_diagonal(base.weight) and not g.input_acts:
        acts = ["shift" if base.is_translation else "scale", *acts]  # a per-feature scaler, possibly clipped
    if acts:
        return f"{'+'.join(acts)} x {g.width}"
    if isinstance(base, ir.TreeSplits):
        return f"splits x {g.width}"
    if isinstance(base, ir.TreeEnsemble):
        return f"{len(base.roots)} trees (traversal)"
    if isinstance(base, ir.Dense):
        if g.input_acts and all(a == "step" for a in g.input_acts):
            return f"vote x {g.width}"
        kind = "dense"
        if g.width > 1 and _is_diagonal(base.weight):
            kind = "shift" if base.is_translation else "scale"
        return f"{kind} x {g.width}"
    return f"{base.op if base is not None else 'layer'} x {g.width}"


def _class_labels(info: ir.TensorInfo, fallback: int) -> list[str]:
    if info.classes is None:
        return [str(i) for i in range(fallback)]
    return [printable(c) for c in info.classes.tolist()]


def input_labels(net: ir.Network) -> list[str]:
    """One label per column of ``X``: its feature name (``x0..`` without names); with named
    column inputs the input's name, ``city (string code)`` for a string input and
    ``age (not an input)`` for a column the network does not read."""
    names = list(net.meta.feature_names or (f"x{i}" for i in range(net.n_features)))
    if not net.inputs:
        return [printable(n) for n in names]
    by_column = {i.column: i for i in net.inputs}
    labels = []
    for j, name in enumerate(names):
        inp = by_column.get(j)
        if inp is None:
            labels.append(f"{printable(name)} (not an input)")
        else:
            labels.append(printable(inp.name) + (" (string code)" if inp.kind == "string" else ""))
    return labels


def _build_groups(net: ir.Network) -> tuple[list[_Group], list[tuple[ir.Node, list, int]]]:
    """Group nodes into layers; returns the groups and (node, input refs, group) per new layer."""
    groups = [_Group("input", net.n_features, None, [ir.INPUT], 0, labels=input_labels(net))]
    refs: dict[str, list[tuple[int, int]]] = {ir.INPUT: [(0, i) for i in range(net.n_features)]}
    links: list[tuple[ir.Node, list, int]] = []
    for node in net.nodes:
        info = net.info(node.name)
        in_refs = [r for t in node.inputs for r in refs[t]]
        src_groups = {g for g, _ in in_refs}
        if isinstance(node, ir.Concat):
            refs[node.name] = in_refs
            continue
        mergeable = isinstance(node, _MERGE) or (isinstance(node, ir.Dense) and _is_diagonal(node.weight))
        # an elementwise node keeps its input's neurons unless that tensor feeds several branches
        branches = [c for c in net.consumers(node.inputs[0]) if not isinstance(c, ir.Squeeze)]
        branches = [c for c in branches if net.info(c.name).kind != "label"]
        sole = isinstance(node, ir.Squeeze) or len(branches) == 1
        if mergeable and sole and len(src_groups) == 1 and info.kind == "float":
            (gi,) = src_groups
            if groups[gi].kind == "neurons":
                groups[gi].tensors.append(node.name)
                name = _act_name(node)
                if name:
                    groups[gi].acts.append(name)
                refs[node.name] = in_refs
                continue
        depth = 1 + max((groups[g].depth for g in src_groups), default=0)
        input_acts = [a for g in src_groups for a in groups[g].acts]
        if info.kind == "label" or isinstance(node, _HEADS):
            labels = _class_labels(info, info.width or 1)
            group = _Group("head", len(labels), node, [node.name], depth, labels=labels)
        else:
            named = (net.meta.extra.get("tensor_columns") or {}).get(node.name)  # one-hot ``city=Paris``
            labels = [printable(n) for n in named] if isinstance(named, list) and len(named) == info.width else None
            group = _Group("neurons", info.width or 1, node, [node.name], depth, input_acts=input_acts, labels=labels)
            name = _act_name(node)
            if name:
                group.acts.append(name)
        groups.append(group)
        gi = len(groups) - 1
        links.append((node, in_refs, gi))
        refs[node.name] = [(gi, i) for i in range(group.width)]
    last = max((g.depth for g in groups if g.kind != "head"), default=0)
    for g in groups:
        if g.kind == "head":
            g.depth = last + 1
    return groups, links


def _edges(node: ir.Node, in_refs: list, gi: int, visible: list[set[int]]) -> list[Edge]:
    """Edges from shown input neurons to shown neurons of layer ``gi``."""
    ins = [(k, r) for k, r in enumerate(in_refs) if r[1] in visible[r[0]]]
    outs = sorted(visible[gi])
    pairs: list[tuple[int, int, float | None]]
    if isinstance(node, ir.Dense):
        scale = float(np.abs(node.weight).max()) or 1.0
        pairs = [(k, j, node.weight[k, j] / scale) for k, _ in ins for j in outs if node.weight[k, j] != 0]
    elif isinstance(node, ir.ArgMaxLabel) or (isinstance(node, _MERGE) and len(in_refs) == len(outs)):
        pairs = [(k, k, None) for k, _ in ins if k in visible[gi]]
    elif isinstance(node, ir.TreeSplits):  # a split neuron reads one feature
        pairs = [(k, j, None) for k, _ in ins for j in outs if node.feature[j] == k]
    elif isinstance(node, ir_monomials.Monomials):  # a product neuron reads only its factors
        pairs = [(k, j, None) for k, _ in ins for j in outs if node.powers[j, k] > 0]
    else:  # distances, thresholds, unknown kinds: every shown input to every shown neuron
        pairs = [(k, j, None) for k, _ in ins for j in outs]
    out = []
    for k, j, w in pairs:
        g, i = in_refs[k]
        sign = 0 if w is None else (1 if w > 0 else -1)
        out.append(Edge(f"neuron-{g}-{i}", f"neuron-{gi}-{j}", sign, 1.0 if w is None else abs(float(w))))
    return out


def layout(network: ir.Network, max_neurons: int = 12, *, expand: Mapping[int, int] | None = None) -> Layout:
    """Place the network's layers in columns (by depth), neurons in slots, and its edges;
    ``expand`` maps a layer index to the number of neurons it shows instead (the page's click)."""
    if not isinstance(max_neurons, int) or max_neurons < 3:
        raise DrawError(f"max_neurons must be an integer >= 3, got {max_neurons!r}")
    groups, links = _build_groups(network)
    limits = [max(3, (expand or {}).get(gi, max_neurons)) for gi in range(len(groups))]
    visible = [set(_shown(g.width, limit)) for g, limit in zip(groups, limits, strict=True)]
    methods = {t: m for m, t in network.outputs.items()}
    layers: list[Layer] = []
    neurons: list[Neuron] = []
    heights: dict[int, float] = {}
    tops: list[float] = []
    for g, limit in zip(groups, limits, strict=True):  # stack layers of the same depth from the top down
        shown = _shown(g.width, limit)
        outputs = tuple(methods[t] for t in g.tensors if t in methods)
        top = -heights.get(g.depth, 0.0) - 1.6  # room for the caption above
        heights[g.depth] = -top + len(shown) + (len(shown) < g.width) + 0.4 + 0.55 * len(outputs)
        tops.append(top)
    span = max(heights.values())
    for gi, g in enumerate(groups):
        shift = (span - heights[g.depth]) / 2  # centre each column vertically
        top, x = tops[gi] - shift, g.depth * _COLUMN_DX
        shown = _shown(g.width, limits[gi])
        ys = [top - s - (1 if s == len(shown) - 1 and len(shown) < g.width else 0) for s in range(len(shown))]
        for i, y in zip(shown, ys, strict=True):
            label = g.labels[i] if g.labels is not None else None
            neurons.append(Neuron(f"neuron-{gi}-{i}", gi, i, x, y, label))
        ellipsis = top - (len(shown) - 1) if len(shown) < g.width else None
        outputs = tuple(methods[t] for t in g.tensors if t in methods)
        layers.append(
            Layer(gi, g.kind, _caption(g), outputs, tuple(g.tensors), g.width, shown, g.depth, x, top, ellipsis)
        )
    edges = [e for node, in_refs, gi in links for e in _edges(node, in_refs, gi, visible)]
    meta = network.meta
    title = f"{printable(meta.estimator_name)}: {network.n_features} features"
    if meta.classes is not None:
        title += f", {len(meta.classes)} classes"
    return Layout(title, tuple(layers), tuple(neurons), tuple(edges))


def draw(network: ir.Network, path: str | Path, *, max_neurons: int = 12) -> None:
    """Write the network's picture to ``path``: ``.svg``, ``.png`` or ``.dot`` by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png", ".dot"):
        raise DrawError(f"cannot draw to {path.name!r}: use a .svg, .png or .dot file")
    lay = layout(network, max_neurons)
    if suffix == ".dot":
        path.write_text(render_dot(lay), encoding="utf-8")
    else:
        render_matplotlib(lay, path, suffix[1:])
