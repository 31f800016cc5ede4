"""The ``nnconvert`` commands that look at a model or network: ``inspect``, ``list``, ``draw``
and ``explain``. They are added to the :func:`nnconvert.cli.cli` group there; heavy libraries
are imported inside the commands so ``nnconvert --help`` starts fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from nnconvert.cli.support import (
    FORCE,
    INPUTS,
    PATH,
    TREE_FORM,
    TRUST,
    check_output,
    echo_text,
    handle_errors,
    limit_options,
    open_source,
)


@click.command()
@click.argument("file", type=PATH)
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
@TREE_FORM
@INPUTS
@TRUST
@limit_options
@handle_errors()
def inspect(file: str, as_json: bool, tree_form: str, inputs: str, trust: bool) -> None:
    """Describe FILE (model, ONNX file or JSON spec): estimator, layers, parameters, operators, I/O contract
    (with named column inputs, each input's name, type and vocabulary size)."""
    from nnconvert.show.inspection import describe, format_text

    d = describe(open_source(file, trust=trust, tree_form=tree_form, inputs=inputs))
    echo_text(json.dumps(d, indent=2, default=str) if as_json else format_text(d))


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@handle_errors()
def list_(as_json: bool) -> None:
    """List the supported estimators by family, and the network each becomes."""
    from nnconvert.converters.registry import entries, installed

    rows = [
        {
            "estimator": e.path,
            "family": e.family,
            "architecture": e.architecture,
            "installed": installed(e.path),
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
@TREE_FORM
@TRUST
@limit_options
@FORCE
@handle_errors()
def draw(source: str, out: str, max_neurons: int, tree_form: str, trust: bool, force: bool) -> None:
    """Draw the network of MODEL, a JSON spec or an ONNX file from convert: neurons in columns, one per layer.

    An .html OUT is one self-contained interactive page (no network access): hover a neuron
    for its formula and weights with their provenance, click a collapsed layer to expand it,
    and type an input row to see every neuron's value and the outputs, computed in the page.
    """
    from nnconvert.show.draw import draw as draw_network

    suffix = Path(out).suffix.lower()
    if suffix not in (".svg", ".png", ".dot", ".html"):
        raise click.UsageError(f"cannot draw to {out!r}: use a .svg, .png, .dot or .html file")
    src = open_source(source, trust=trust, tree_form=tree_form)
    path = check_output(out, force=force, inputs=[source])
    network = src.view()
    with path.writing() as tmp:
        if suffix == ".html":
            from nnconvert.show.page import page

            tmp.write_text(page(network, max_neurons=max_neurons), encoding="utf-8")
        else:
            draw_network(network, tmp, max_neurons=max_neurons)
    echo_text(f"wrote {out}")


@click.command()
@click.argument("source", metavar="MODEL|NETWORK", type=PATH)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@TREE_FORM
@TRUST
@limit_options
@handle_errors()
def explain(source: str, fmt: str, tree_form: str, trust: bool) -> None:
    """Explain the network of MODEL, a JSON spec or an ONNX file from convert in words and formulas."""
    from nnconvert.show.explain import explain as explain_network

    echo_text(explain_network(open_source(source, trust=trust, tree_form=tree_form).view(), fmt=fmt))
