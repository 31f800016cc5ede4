"""The ``nnconvert`` commands that look at a model or network: ``inspect``, ``list``, ``draw``
and ``explain``. They are added to the :func:`nnconvert.cli.cli` group there; heavy libraries
are imported inside the commands so ``nnconvert --help`` starts fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from nnconvert.cli.support import FORCE, PATH, TRUST, atomic_path, check_output, handle_errors, open_source


@click.command()
@click.argument("file", type=PATH)
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
@TRUST
@handle_errors()
def inspect(file: str, as_json: bool, trust: bool) -> None:
    """Describe FILE (model, ONNX file or JSON spec): estimator, layers, parameters, operators, I/O contract."""
    from nnconvert.show.inspection import describe, format_text

    d = describe(open_source(file, trust=trust))
    click.echo(json.dumps(d, indent=2, default=str) if as_json else format_text(d))


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@handle_errors()
def list_(as_json: bool) -> None:
    """List the supported estimators by family, and the network each becomes."""
    from nnconvert.converters.registry import entries, resolve

    rows = [
        {
            "estimator": e.path,
            "family": e.family,
            "architecture": e.architecture,
            "installed": resolve(e.path) is not None,
        }
        for e in entries()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    family = None
    for r in rows:
        if r["family"] != family:
            family = r["family"]
            click.echo(f"{family}:")
        mark = "" if r["installed"] else "  (library not installed)"
        click.echo(f"  {r['estimator']:<52} {r['architecture']}{mark}")


@click.command()
@click.argument("source", metavar="MODEL|NETWORK", type=PATH)
@click.option(
    "-o", "--output", "out", type=PATH, required=True, help="Picture to write: .svg, .png, .dot or .html (interactive)."
)
@click.option(
    "--max-neurons",
    type=click.IntRange(2),
    default=12,
    show_default=True,
    help="Neurons shown per layer before collapsing.",
)
@TRUST
@FORCE
@handle_errors()
def draw(source: str, out: str, max_neurons: int, trust: bool, force: bool) -> None:
    """Draw the network of MODEL or a JSON spec: neurons in columns, one per layer.

    An .html OUT is one self-contained interactive page (no network access): hover a neuron
    for its formula and weights with their provenance, click a collapsed layer to expand it,
    and type an input row to see every neuron's value and the outputs, computed in the page.
    """
    from nnconvert.show.draw import draw as draw_network

    suffix = Path(out).suffix.lower()
    if suffix not in (".svg", ".png", ".dot", ".html"):
        raise click.UsageError(f"cannot draw to {out!r}: use a .svg, .png, .dot or .html file")
    src = open_source(source, trust=trust)
    path = check_output(out, force=force, inputs=[source])
    network = src.ir()
    with atomic_path(path) as tmp:
        if suffix == ".html":
            from nnconvert.show.page import page

            tmp.write_text(page(network, max_neurons=max_neurons), encoding="utf-8")
        else:
            draw_network(network, tmp, max_neurons=max_neurons)
    click.echo(f"wrote {out}")


@click.command()
@click.argument("source", metavar="MODEL|NETWORK", type=PATH)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@TRUST
@handle_errors()
def explain(source: str, fmt: str, trust: bool) -> None:
    """Explain the network of MODEL or a JSON spec in words and formulas, with its own numbers."""
    from nnconvert.show.explain import explain as explain_network

    click.echo(explain_network(open_source(source, trust=trust).ir(), fmt=fmt))
