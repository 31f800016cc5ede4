"""An interactive, self-contained HTML page of a network: the layered picture of ``draw`` as
inline SVG, a tip per neuron (its formula and weights with their provenance), layers that expand
on a click, and a form that runs one input row through the network in the page.

No network access: the page holds the SVG, the network's nodes as JSON and ``page.js`` (a small
float64 runtime mirroring ``nnconvert.runtime`` for every node kind, and the interactions). Every
name that comes from a file (features, classes, node names, provenance) is HTML-escaped; the
JSON is embedded with ``<`` written as ``\\u003c`` so no string can close its script element.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.ir.coupling import PairwiseCoupling
from nnconvert.ir.monomials import Monomials
from nnconvert.ir.preprocess import Impute, Interp
from nnconvert.ir.trees import TreeSplits
from nnconvert.show.draw import Layer, Layout, layout

EXPAND_LIMIT = 400  # neurons an expanded layer shows at most (first ones, then its last)
_PX = 34.0  # pixels per slot unit
_TOP_WEIGHTS = 6  # weights a tip lists (the largest |w|)
_RING = {"input": "#555555", "neurons": "#1b2a49", "head": "#2e7d32"}
_EDGE = {1: "#1f5fbf", -1: "#d03030", 0: "#8c8c8c"}


def _plain(v: Any) -> Any:
    """A node field as JSON values (arrays as nested lists, classes as ``{"values": [...]}``)."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v.item() if isinstance(v, np.generic) else v


def node_data(node: ir.Node) -> dict[str, Any]:
    """What ``page.js`` needs to compute ``node``: its op, inputs and parameters."""
    d: dict[str, Any] = {"name": node.name, "op": node.op, "inputs": list(node.inputs)}
    for key, value in node.params().items():
        if key in ("input", "sources", "source"):
            continue
        d[key] = {"values": value.tolist()} if key == "classes" else _plain(value)
    if isinstance(node, ir.Dense):
        d["is_translation"] = node.is_translation
        d["column_scale"] = _plain(node.column_scale)
        d["selection"] = node.selection is not None
    if isinstance(node, PairwiseCoupling):
        d.update(stop_tol=node.stop_tol, max_iter=node.max_iter)
    return d


def _num(v: float) -> str:
    return f"{v:.6g}"


def _form_inputs(network: ir.Network) -> str:
    """The row form: a number box per float column, a choice of the vocabulary (values are the
    codes; "(other)" -1, "(missing)" NaN) per string column, a hidden 0 per unread column."""
    names = network.meta.feature_names or tuple(f"x{i}" for i in range(network.n_features))
    by_column = {i.column: i for i in network.inputs or ()}
    out = []
    for i, name in enumerate(names):
        inp = by_column.get(i)
        if network.inputs and inp is None:
            out.append(f'<input type="hidden" name="x{i}" value="0">')
        elif inp is not None and inp.kind == "string":
            options = "".join(f'<option value="{k}">{html.escape(s)}</option>' for k, s in enumerate(inp.vocabulary))
            options += '<option value="-1">(other)</option><option value="NaN">(missing)</option>'
            out.append(f'<label>{html.escape(inp.name)} <select name="x{i}">{options}</select></label>')
        else:
            label = inp.name if inp is not None else str(name)
            out.append(f'<label>{html.escape(label)} <input name="x{i}" value="0" inputmode="decimal"></label>')
    return "".join(out)


def neuron_tip(network: ir.Network, layer: Layer, index: int) -> str:
    """Plain text: the neuron's formula, its largest weights with their provenance, what follows."""
    if layer.kind == "input":
        names = network.meta.feature_names
        inp = next((i for i in network.inputs or () if i.column == index), None)
        if network.inputs and inp is None:
            return f"input x[{index}]: not an input (the network does not read it; 0)"
        if inp is not None and inp.kind == "string":
            vocab = ", ".join(inp.vocabulary[:8]) + (", ..." if len(inp.vocabulary) > 8 else "")
            return (f"input x[{index}] = code of string column {inp.name!r}: its position in [{vocab}], "
                    "-1 for another string, NaN when missing")  # fmt: skip
        return f"input x[{index}]" + (f" = feature {names[index]!r}" if names else "")
    base = network.node(layer.tensors[0])
    lines: list[str] = []
    if isinstance(base, ir.Dense):
        w, b, src = base.weight[:, index], base.bias[index], base.source
        if base.is_translation:
            lines.append(f"y = x[{index}] + b[{index}]")
        else:
            lines.append(f"y = sum_i w[i, {index}] * x_i + b[{index}]   ({base.name!r}, {len(w)} inputs)")
            for i in np.argsort(-np.abs(w), kind="stable")[:_TOP_WEIGHTS]:
                if w[i] != 0:
                    lines.append(
                        f"  w[{i}, {index}] = {_num(w[i])}" + (f"   from {src['weight']}" if "weight" in src else "")
                    )
        lines.append(f"  b[{index}] = {_num(b)}" + (f"   from {src['bias']}" if "bias" in src else ""))
    elif isinstance(base, ir.Distance):
        c = base.centres[index]
        lines.append(f"y = {ir.DISTANCE_METRICS[base.metric].split('  ')[0]}   ({base.metric}, centre {index})")
        coords = ", ".join(_num(v) for v in c[:_TOP_WEIGHTS]) + (", ..." if len(c) > _TOP_WEIGHTS else "")
        origin = f"   from {base.source['centres']}[{index}]" if "centres" in base.source else ""
        lines.append(f"  c_{index} = [{coords}]{origin}")
    elif isinstance(base, Monomials):
        factors = [f"x_{i}" + (f"^{p}" if p > 1 else "") for i, p in enumerate(base.powers[index]) if p]
        lines.append(f"y = {' * '.join(factors) or '1'}   (monomial {index}, powers_[{index}])")
    elif isinstance(base, TreeSplits):
        f, t = int(base.feature[index]), float(base.threshold[index])
        side = "left" if base.missing_left[index] else "right"
        lines.append(f"y = 1 if x[{f}] <= {_num(t)} else 0   (split {index}; NaN goes {side})")
    elif isinstance(base, Impute):
        lines.append(f"y = {_num(base.fill[index])} if x[{index}] is missing else x[{index}]   (impute)")
    elif isinstance(base, ir.MarkMissing):
        lines.append(f"y = NaN if x[{index}] == {_num(base.value)} else x[{index}]   (a number as missing)")
    elif isinstance(base, Interp):
        lines.append(f"y = interp(x[{index}], xp[{index}], fp[{index}])   ({base.xp.shape[1]} knots)")
    elif isinstance(base, ir.Activation):
        param = f", param {base.param}" if base.param else ""
        lines.append(f"y = {base.fn}(x[{index}])   ({ir.ACTIVATIONS[base.fn]}{param})")
    elif isinstance(base, ir.PiecewisePoly):
        col, (pieces, powers) = int(base.columns[index]), base.coefs.shape[1:]
        lines.append(
            f"y = sum_p a[i, p] (x[{col}] - b_i)^p on the interval i of x[{col}]   "
            f"({pieces} pieces of degree {powers - 1}, {base.extrapolation} outside)"
        )
    elif layer.kind == "head":
        classes = network.info(base.name).classes
        label = classes[index] if classes is not None and index < len(classes) else index
        lines.append(f"class {label!r}: {base.op} ({(type(base).__doc__ or '').strip().splitlines()[0]})")
    else:
        lines.append(f"{base.op} neuron {index}: {(type(base).__doc__ or '').strip().splitlines()[0]}")
    for name in layer.tensors[1:]:
        node = network.node(name)
        if isinstance(node, ir.Activation) and node.fn != "identity":
            lines.append(f"then {node.fn}: {ir.ACTIVATIONS[node.fn]}" + (f", param {node.param}" if node.param else ""))
        elif isinstance(node, ir.Dense):
            lines.append(f"then y * {_num(node.weight[index, index])} + {_num(node.bias[index])}")
        elif isinstance(node, ir.MarkMissing):
            lines.append(f"then NaN if y == {_num(node.value)} (a number as missing)")
        elif not isinstance(node, ir.Squeeze):
            lines.append(f"then {node.op}")
    return "\n".join(lines)


def _svg(network: ir.Network, lay: Layout, view: str, expandable: dict[int, str]) -> str:
    """One inline SVG of ``lay`` (y grows upwards in slot units, downwards in pixels)."""
    xs = [n.x for n in lay.neurons]
    ys = [n.y for n in lay.neurons]
    left, right = min(xs) - 5.0, max(xs) + 5.0
    top, bottom = 2.2, min(ys) - 1.0 - 0.55 * max((len(x.outputs) for x in lay.layers), default=0)

    def px(x: float, y: float) -> tuple[float, float]:
        return (x - left) * _PX, (top - y) * _PX

    where = {n.id: n for n in lay.neurons}
    out = [
        f'<svg class="net" width="{(right - left) * _PX:.0f}" height="{(top - bottom) * _PX:.0f}" role="img">',
        f'<text class="title" x="{(right - left) * _PX / 2:.1f}" y="18" text-anchor="middle">{html.escape(lay.title)}</text>',
    ]
    for e in lay.edges:
        (x1, y1), (x2, y2) = px(where[e.src].x, where[e.src].y), px(where[e.dst].x, where[e.dst].y)
        alpha = 0.08 + 0.77 * e.strength**1.5 if e.sign else 0.35
        width = 0.3 + 2.0 * e.strength if e.sign else 0.5
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{_EDGE[e.sign]}" '
            f'stroke-opacity="{alpha:.2f}" stroke-width="{width:.2f}"/>'
        )
    for layer in lay.layers:
        cx, cy = px(layer.x, layer.top + 0.75)
        cls, attrs = "caption", ""
        if layer.index in expandable:
            cls, attrs = "caption expandable", f' data-view="{expandable[layer.index]}"'
        hint = " (click: all)" if layer.ellipsis_y is not None else (" (click: fewer)" if attrs else "")
        out.append(
            f'<text class="{cls}"{attrs} x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle">'
            f"{html.escape(layer.caption + hint)}</text>"
        )
        if layer.ellipsis_y is not None:
            ex, ey = px(layer.x, layer.ellipsis_y)
            hidden = layer.width - len(layer.shown)
            out.append(f'<text x="{ex:.1f}" y="{ey + 5:.1f}" text-anchor="middle">⋮ {hidden} more</text>')
        low = min(n.y for n in lay.neurons if n.layer == layer.index)
        for k, method in enumerate(layer.outputs):
            mx, my = px(layer.x, low - 0.7 - 0.55 * k)
            out.append(
                f'<text class="method" x="{mx:.1f}" y="{my:.1f}" text-anchor="middle">= {html.escape(method)}</text>'
            )
    for n in lay.neurons:
        layer = lay.layers[n.layer]
        x, y = px(n.x, n.y)
        tip = html.escape(neuron_tip(network, layer, n.index), quote=True)
        label = ""
        if n.label is not None:
            anchor, dx = ("end", -14) if layer.kind == "input" else ("start", 14)
            text = n.label if len(n.label) <= 18 else n.label[:17] + "…"
            label = f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{html.escape(text)}</text>'
        out.append(
            f'<g class="neuron" id="{view}-{n.id}" data-layer="{n.layer}" data-index="{n.index}" data-tip="{tip}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="white" stroke="{_RING[layer.kind]}" stroke-width="1.5"/>'
            f"{label}</g>"
        )
    out.append("</svg>")
    return "\n".join(out)


_CSS = """
body { font-family: sans-serif; margin: 1em; color: #1b2a49; }
svg.net text { font-size: 12px; }
svg.net .title { font-size: 15px; font-weight: bold; }
svg.net .caption { font-weight: bold; }
svg.net .caption.expandable { fill: #1f5fbf; cursor: pointer; text-decoration: underline; }
svg.net .method { font-style: italic; fill: #2e7d32; }
svg.net .neuron { cursor: help; }
#tip { position: absolute; display: none; white-space: pre; background: #fffbe6; border: 1px solid #b8a200;
       padding: 6px; font: 12px monospace; pointer-events: none; max-width: 60em; }
form { margin: 1em 0; } form label { margin-right: 1em; white-space: nowrap; }
form input { width: 6em; } #outputs th { text-align: left; padding-right: 1em; } #outputs td { font-family: monospace; }
"""


def page(network: ir.Network, *, max_neurons: int = 12) -> str:
    """The HTML page of ``network`` (a string: one self-contained file)."""
    base = layout(network, max_neurons)
    collapsed = [layer.index for layer in base.layers if layer.ellipsis_y is not None]
    expandable = {i: f"expanded-{i}" for i in collapsed}
    views = [f'<div class="view" id="collapsed">{_svg(network, base, "collapsed", expandable)}</div>']
    for i in collapsed:
        lay = layout(network, max_neurons, expand={i: EXPAND_LIMIT})
        back = {j: "collapsed" for j in [i]} | {j: f"expanded-{j}" for j in collapsed if j != i}
        views.append(f'<div class="view" id="expanded-{i}" hidden>{_svg(network, lay, f"expanded-{i}", back)}</div>')
    inputs = _form_inputs(network)
    layers = [
        {
            "kind": layer.kind,
            "tensors": list(layer.tensors),
            "classes": None if layer.kind != "head" else _plain(network.info(layer.tensors[-1]).classes),
        }
        for layer in base.layers
    ]
    data = {
        "spec": {"nodes": [node_data(n) for n in network.nodes], "outputs": dict(network.outputs)},
        "layers": layers,
    }
    blob = json.dumps(data, allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = resources.files("nnconvert.show").joinpath("page.js").read_text(encoding="utf-8")
    title = html.escape(base.title)
    pictures = "".join(views)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>{_CSS}</style></head>
<body>
<h1>{title}</h1>
<p>Hover a neuron for its formula and weights; click an underlined caption to show all of a layer's neurons.</p>
{pictures}
<form id="row"><h2>Run one row</h2>{inputs}<button type="submit">Compute</button> <span id="status"></span></form>
<table id="outputs"></table>
<div id="tip"></div>
<script type="application/json" id="nnconvert-network">{blob}</script>
<script>{script}</script>
</body></html>
"""
