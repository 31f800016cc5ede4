"""Write a :class:`nnconvert.show.draw.Layout` as a picture: SVG/PNG (matplotlib) or DOT (Graphviz text).

Edge colour: blue for a positive weight, red for a negative one, alpha and width proportional
to ``|w| / max|w|`` of that layer; edges carrying no weight (kernel centres, heads) are grey.
Rings: grey for inputs, navy for neurons, green for label heads.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnconvert.show.draw import Edge, Layout

__all__ = ["render_dot", "render_matplotlib"]

_COLOURS = {1: "#1f5fbf", -1: "#d03030", 0: "#8c8c8c"}  # positive, negative, weightless
_RING = {"input": "#555555", "neurons": "#1b2a49", "head": "#2e7d32"}


def _alpha(e: Edge) -> float:
    return 0.08 + 0.77 * e.strength**1.5 if e.sign else 0.35


def _text(ax: Any, *args: Any, **kwargs: Any) -> Any:
    """``ax.text`` with mathtext off: names from files are text, never ``$...$`` markup."""
    return ax.text(*args, parse_math=False, **kwargs)


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _extent(lay: Layout) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) in slot units, with room for labels, captions and the title."""
    char = 0.17  # width of one 9 pt character in slot units (0.45 in per slot)
    first = [n for n in lay.neurons if n.layer == 0]
    last_x = max(layer.x for layer in lay.layers)
    heads = [n for n in lay.neurons if n.x == last_x and n.label is not None]
    left = -1.0 - char * max((len(_short(n.label or "")) for n in first), default=0)
    right = last_x + 1.0 + char * max((len(_short(n.label or "")) for n in heads), default=0)
    right = max(right, last_x + 2.2)  # captions are centred on the column
    bottom = min(n.y for n in lay.neurons) - 1.0 - 0.55 * max((len(x.outputs) for x in lay.layers), default=0)
    return min(left, -2.2), right, bottom, 1.2


def render_matplotlib(lay: Layout, path: Path, fmt: str) -> None:
    """SVG/PNG with matplotlib (Agg for PNG); SVG output is deterministic (fixed hash salt, no date)."""
    import matplotlib
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    left, right, bottom, top = _extent(lay)
    inch = 0.45  # inches per slot unit
    rc = {"svg.hashsalt": "nnconvert", "svg.fonttype": "none", "font.size": 9, "font.family": "DejaVu Sans"}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=((right - left) * inch, (top - bottom) * inch))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        ax.set_aspect("equal")
        _text(ax, (left + right) / 2, top - 0.35, lay.title, ha="center", va="top", fontsize=11, weight="bold")
        where = {n.id: n for n in lay.neurons}
        for layer in lay.layers:  # one collection per layer keeps the file small
            edges = [e for e in lay.edges if e.dst.startswith(f"neuron-{layer.index}-")]
            if not edges:
                continue
            segs = [((where[e.src].x, where[e.src].y), (where[e.dst].x, where[e.dst].y)) for e in edges]
            colours = [matplotlib.colors.to_rgba(_COLOURS[e.sign], _alpha(e)) for e in edges]
            widths = [0.3 + 2.0 * e.strength if e.sign else 0.5 for e in edges]
            lines = LineCollection(segs, colors=colours, linewidths=widths, zorder=1)
            lines.set_gid(f"edges-{layer.index}")
            ax.add_collection(lines)
        for n in lay.neurons:
            kind = lay.layers[n.layer].kind
            circle = Circle((n.x, n.y), 0.3, facecolor="white", edgecolor=_RING[kind], linewidth=1.2, zorder=2)
            circle.set_gid(n.id)
            ax.add_patch(circle)
            if n.label is not None and kind == "input":
                _text(ax, n.x - 0.45, n.y, _short(n.label), ha="right", va="center", fontsize=8)
            elif n.label is not None:
                _text(ax, n.x + 0.45, n.y, _short(n.label), ha="left", va="center", fontsize=8)
        for layer in lay.layers:
            _text(
                ax,
                layer.x,
                layer.top + 0.65,
                layer.caption,
                ha="center",
                va="bottom",
                weight="bold",
                gid=f"caption-{layer.index}",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
                zorder=3,
            )
            if layer.ellipsis_y is not None:
                _text(ax, layer.x, layer.ellipsis_y, "⋮", ha="center", va="center", fontsize=12)
                hidden = layer.width - len(layer.shown)
                _text(
                    ax,
                    layer.x + 0.45,
                    layer.ellipsis_y,
                    f"{hidden} more",
                    ha="left",
                    va="center",
                    fontsize=7,
                    color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
                    zorder=3,
                )
            low = min(n.y for n in lay.neurons if n.layer == layer.index)
            for k, method in enumerate(layer.outputs):
                _text(
                    ax,
                    layer.x,
                    low - 0.6 - 0.55 * k,
                    f"= {method}",
                    ha="center",
                    va="top",
                    fontsize=8,
                    style="italic",
                    color="#2e7d32",
                )
        fig.savefig(path, format=fmt, dpi=100, metadata={"Date": None} if fmt == "svg" else None)


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(lay: Layout) -> str:
    """Plain Graphviz text: one cluster per layer, neurons as circles, edges coloured by weight."""
    out = [
        "digraph network {",
        "  rankdir=LR; splines=line; nodesep=0.15; ranksep=1.2;",
        f"  labelloc=t; label={_dot_str(lay.title)};",
        '  node [shape=circle, width=0.3, fixedsize=true, label="", fontsize=9];',
    ]
    for layer in lay.layers:
        caption = "\\n".join([layer.caption, *(f"= {m}" for m in layer.outputs)])
        out.append(f"  subgraph cluster_{layer.index} {{")
        out.append(f'    label="{caption}"; color="#cccccc"; fontsize=10;')
        for n in (n for n in lay.neurons if n.layer == layer.index):
            label = f", xlabel={_dot_str(_short(n.label))}" if n.label is not None else ""
            out.append(f'    {_dot_str(n.id)} [color="{_RING[layer.kind]}"{label}];')
            if layer.ellipsis_y is not None and n.index == layer.shown[-2]:
                hidden = layer.width - len(layer.shown)
                out.append(f'    "ellipsis-{layer.index}" [shape=plaintext, label="⋮ {hidden} more"];')
        out.append("  }")
    for e in lay.edges:
        alpha = round(255 * _alpha(e))
        width = 0.3 + 2.0 * e.strength if e.sign else 0.5
        out.append(
            f'  {_dot_str(e.src)} -> {_dot_str(e.dst)} [color="{_COLOURS[e.sign]}{alpha:02x}", penwidth={width:.2f}, arrowsize=0.3];'
        )
    out.append("}")
    return "\n".join(out) + "\n"
