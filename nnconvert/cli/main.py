"""The ``nnconvert`` command line: thin click commands over the library.

Every command parses its options, calls the library and prints. Errors nnconvert raises on
purpose (:class:`nnconvert.errors.NnconvertError`) become one ``Error: ...`` line on stderr and
the error's exit code (1: the conversion cannot be done; 2: any other trouble); ``verify``
exits like ``diff`` (0 equivalent, 1 not equivalent, 2 trouble). Ctrl-C is one ``Error:
interrupted`` line and exit 130 for every command. Anything else is reported as one ``Error:
internal error: ...`` line with exit 2, never a traceback. Heavy libraries are
imported inside the commands so ``nnconvert --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nnconvert import __version__, limits
from nnconvert.cli.options import HEADER
from nnconvert.cli.support import (
    FORCE,
    INPUTS,
    INTERRUPTED,
    PATH,
    TREE_FORM,
    TRUST,
    check_output,
    echo_text,
    handle_errors,
    limit_options,
    one_line,
    open_source,
)
from nnconvert.cli.view import draw, explain, inspect, list_
from nnconvert.errors import ModelLoadError
from nnconvert.text import printable

_DTYPE = click.Choice(["float32", "float64"])
_CHUNK = click.option(
    "--chunk-rows",
    type=click.IntRange(1),
    default=65536,
    show_default=True,
    help="Most rows per chunk (fewer where --max-memory asks).",
)
_TARGET = click.option("--target-column", help="Label column of the data to drop (header name or 0-based index).")
_ID = click.option(
    "--id-column",
    help="Identifier column of the data (name or 0-based index): not a feature; predict writes it first.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nnconvert")
def cli() -> None:
    """nnconvert: fitted classical ML models as the exact neural networks they are.

    Convert a model to ONNX (default-domain operators only) or a JSON network spec, prove the
    network equivalent to the estimator with `verify`, and look at it with `inspect`, `draw`
    and `explain`.
    """


@cli.command()
@click.argument("model", type=PATH)
@click.option("-o", "--output", "out", type=PATH, required=True, help="File to write (.onnx, .json or .pt2).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["onnx", "json", "torch"]),
    help="Output format [default: from OUT's suffix; torch is a torch.export program, needs nnconvert[torch]].",
)
@click.option(
    "--dtype",
    type=_DTYPE,
    help="Float type of the ONNX graph's or torch program's input and outputs [default: float32].",
)
@click.option(
    "--opset",
    type=click.IntRange(1),
    help="ONNX opset, to raise it [default: the lowest that expresses the network, 13 today].",
)
@click.option("--no-simplify", is_flag=True, help="Keep consecutive affine layers apart (no folding).")
@INPUTS
@click.option(
    "--references",
    "n_references",
    type=click.IntRange(1),
    default=32,
    show_default=True,
    help="Reference rows to embed for `verify NETWORK` (the model's outputs on them).",
)
@click.option("--no-references", is_flag=True, help="Embed no reference rows.")
@click.option("--data", type=PATH, help="Take the reference rows from this data (CSV, .npy or .npz).")
@_TARGET
@HEADER
@TREE_FORM
@TRUST
@limit_options
@FORCE
@handle_errors()
def convert(
    model: str,
    out: str,
    fmt: str | None,
    dtype: str | None,
    opset: int | None,
    no_simplify: bool,
    inputs: str,
    n_references: int,
    no_references: bool,
    data: str | None,
    target_column: str | None,
    header: bool | None,
    tree_form: str,
    trust: bool,
    force: bool,
) -> None:
    """Convert MODEL (pickle/joblib/skops model or JSON network spec) to OUT.

    A .pt2 OUT is a torch.export program (`torch.export.load(OUT).module()(X)`, no nnconvert
    needed; labels that are not integers come back as class indices, the classes are in the
    file's nnconvert.json) and embeds no reference rows. OUT is written atomically (a failure never leaves a partial file) and an existing OUT is
    kept unless --force. Unless --no-references, OUT embeds reference rows (from --data, else
    sampled where the model's decisions change) and the model's outputs on them, which
    `nnconvert verify OUT` re-runs without the model. Exit 1 when the model cannot be
    converted, 2 on other trouble.
    """
    if fmt is None:
        fmt = {".onnx": "onnx", ".json": "json", ".pt2": "torch"}.get(Path(out).suffix.lower())
        if fmt is None:
            raise click.UsageError(
                f"cannot tell the format of {out!r} from its suffix; use .onnx, .json or .pt2, or --format"
            )
    if fmt == "json" and (dtype is not None or opset is not None):
        raise click.UsageError("--dtype and --opset apply to ONNX output; a JSON spec always holds float64 weights")
    if fmt == "torch" and opset is not None:
        raise click.UsageError("--opset applies to ONNX output, not to a torch program")
    if fmt == "torch":
        from nnconvert.exporters.torch import save_program, to_torch  # one-line error without torch
    src = open_source(model, trust=trust, simplify=not no_simplify, tree_form=tree_form, inputs=inputs)
    path = check_output(out, force=force, inputs=[model, data])
    if src.kind == "onnx":
        raise ModelLoadError(f"{model} is already ONNX; convert reads a model or a JSON network spec")
    if no_references and data is not None:
        raise click.UsageError("--data chooses the reference rows; it has no use with --no-references")
    network = src.ir()
    from nnconvert.cli.data_run import DataArgs, Limits
    from nnconvert.cli.output import summary
    from nnconvert.cli.selfcheck_run import references_for

    rows = None if data is None else DataArgs(data, target_column, header, Limits(limits.current().max_memory))

    refs = None
    if fmt == "onnx":
        import json as _json

        from nnconvert.check.selfcheck import ONNX_KEY
        from nnconvert.exporters.onnx import opset_version, to_onnx

        dtype = dtype or "float32"
        onnx_model = to_onnx(network, dtype=dtype, opset=opset)
        opset = opset_version(onnx_model)
        if not no_references:
            refs = references_for(src, network, dtype, n=n_references, data=rows, onnx_model=onnx_model)
            extra = {ONNX_KEY: _json.dumps(refs, separators=(",", ":"), allow_nan=False)}
            onnx_model = to_onnx(network, dtype=dtype, opset=opset, extra_metadata=extra)
        path.write(onnx_model.SerializeToString())
    elif fmt == "torch":
        dtype = dtype or "float32"
        with path.writing() as tmp:
            save_program(to_torch(network, dtype=dtype), tmp)
    else:
        from nnconvert.exporters.json_spec import dumps

        if not no_references:
            refs = references_for(src, network, "float64", n=n_references, data=rows)
        path.write(dumps(network, refs))
    line = summary(network, out, fmt, dtype, opset)
    if refs is not None:  # one summary line: `verify OUT` re-runs these rows
        dropped = refs.get("dropped") or {}
        near, ill = dropped.get("near_boundary", 0), dropped.get("ill_conditioned", 0)
        note = f", dropped {near} candidates within {refs['dtype']} rounding of a boundary" if near else ""
        note += f", {ill} out of {refs['dtype']} tolerance" if ill else ""
        line += f"; {len(refs['X'])} reference rows embedded ({refs['source']}{note})"
    echo_text(line)


@cli.command()
@click.argument("model", type=PATH)
@click.argument("network", type=PATH, required=False)
@click.option("--data", type=PATH, help="Rows to check: CSV (header optional), .npy, .npz or Parquet.")
@click.option(
    "--synthetic", type=click.IntRange(1), help="Check N generated rows near the network's decision boundaries."
)
@_TARGET
@_ID
@click.option(
    "--dtype", type=_DTYPE, help="Float type the network runs in [default: float32 for ONNX, float64 for JSON]."
)
@click.option("--atol", type=float, help="Absolute tolerance [default: 1e-9 in float64, 1e-4 in float32].")
@click.option("--rtol", type=float, help="Relative tolerance [default: 1e-9 in float64, 1e-4 in float32].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@HEADER
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default="cpu",
    show_default=True,
    help="Where onnxruntime (CUDA provider) and torch run; cuda also checks the torch module.",
)
@click.option("--torch", "with_torch", is_flag=True, help="Also check the torch module (nnconvert[torch]).")
@TRUST
@limit_options
@_CHUNK
@click.pass_context
@handle_errors(force_code=2)
def verify(ctx: click.Context, model: str, network: str | None, data: str | None, synthetic: int | None, target_column: str | None,
           id_column: str | None, dtype: str | None, atol: float | None, rtol: float | None, as_json: bool, header: bool | None,
           device: str, with_torch: bool, trust: bool, chunk_rows: int) -> None:  # fmt: skip
    """Check that NETWORK computes what MODEL computes, on --data or --synthetic rows.

    NETWORK is an ONNX file (run in onnxruntime) or a JSON spec (numpy runtime). Without it,
    MODEL is converted in memory and both the numpy runtime (float64) and onnxruntime (--dtype,
    default float32) are checked. `verify NETWORK` alone (an .onnx or .json file, no --data)
    re-runs the reference rows `convert` embedded in it, so no model is needed. --torch adds
    the torch module (nnconvert.to_torch, --dtype); --device cuda runs onnxruntime's CUDA
    provider and torch on the GPU (same checks, same tolerances).
    Exit like diff: 0 equivalent, 1 not equivalent, 2 trouble.
    """
    from nnconvert.cli.data_run import DataArgs, Limits
    from nnconvert.cli.verify_run import plan_checks, run_checks

    if network is None and data is None and synthetic is None and Path(model).suffix.lower() in (".onnx", ".json"):
        from nnconvert.cli.selfcheck_run import self_check

        report = self_check(model, dtype=dtype, rtol=rtol, atol=atol)
        echo_text(json.dumps(report.to_dict(), indent=2) if as_json else report.format_text())
        ctx.exit(0 if report.equivalent else 1)
    if (data is None) == (synthetic is None):
        raise click.UsageError(
            "give exactly one of --data FILE or --synthetic N (or only a NETWORK .onnx/.json to re-run its embedded references)"
        )
    src = open_source(model, trust=trust)
    if src.kind != "model":
        raise ModelLoadError(
            f"MODEL must be the fitted model file (pickle/joblib/skops), not {src.kind.upper()}: verify compares a network with its estimator"
        )
    plan = plan_checks(src, network, dtype, device=device, with_torch=with_torch)
    budget = Limits(limits.current().max_memory, chunk_rows)
    rows = None if data is None else DataArgs(data, target_column, header, budget, id_column)
    report = run_checks(plan, data=rows, synthetic=synthetic, limits=budget, atol=atol, rtol=rtol)
    echo_text(json.dumps(report.to_dict(), indent=2) if as_json else report.format_text())
    ctx.exit(0 if report.equivalent else 1)


@cli.command()
@click.argument("network", type=PATH)
@click.option("--data", type=PATH, required=True, help="Rows to predict: CSV (header optional), .npy, .npz or Parquet.")
@click.option("-o", "--output", "out", type=PATH, help="CSV file to write [default: stdout].")
@_TARGET
@_ID
@click.option("--dtype", type=_DTYPE, help="Float type for JSON specs and models (numpy runtime) [default: float64].")
@HEADER
@TRUST
@limit_options
@FORCE
@_CHUNK
@handle_errors()
def predict(
    network: str,
    data: str,
    out: str | None,
    target_column: str | None,
    id_column: str | None,
    dtype: str | None,
    header: bool | None,
    trust: bool,
    force: bool,
    chunk_rows: int,
) -> None:
    """Run NETWORK (ONNX, JSON spec, or a model converted in memory) on --data; write CSV.

    A model fitted on a DataFrame reads a data file with column names by name (any order, extra
    columns ignored). Columns: the --id-column if given, predict, then the other outputs
    (predict_proba[<class>], decision_function, ...).
    """
    from nnconvert.cli.data_run import DataArgs, Limits
    from nnconvert.cli.verify_run import predict_rows

    src = open_source(network, trust=trust)
    path = check_output(out, force=force, inputs=[network, data]) if out else None
    args = DataArgs(data, target_column, header, Limits(limits.current().max_memory, chunk_rows), id_column)
    if path is None:
        rows = predict_rows(src, args, sys.stdout, dtype=dtype)
    else:
        with path.writing() as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
            rows = predict_rows(src, args, fh, dtype=dtype)
        echo_text(f"wrote {rows} predictions to {out}", err=True)


for _command in (inspect, list_, draw, explain):  # defined in nnconvert.cli.view
    cli.add_command(_command)


def main() -> None:
    """Console entry point: every failure is one ``Error:`` line on stderr and an exit code
    (2 for usage errors, as click's), never a traceback or a usage dump. SIGTERM cleans up
    like Ctrl-C (see nnconvert.cli.publish)."""
    from nnconvert.cli.publish import install_signal_handlers

    install_signal_handlers()
    try:
        code = cli.main(prog_name="nnconvert", standalone_mode=False)
    except click.UsageError as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"Error: {printable(exc.format_message())}{where}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort as exc:  # click turns a Ctrl-C outside a command's body into Abort
        interrupted = isinstance(exc.__context__, KeyboardInterrupt)
        click.echo(f"Error: {'interrupted' if interrupted else 'aborted'}", err=True)
        sys.exit(INTERRUPTED if interrupted else 1)
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        sys.exit(INTERRUPTED)
    except BrokenPipeError:  # `nnconvert predict ... | head`: stop quietly
        sys.stderr.close()
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:
        click.echo(f"Error: internal error: {type(exc).__name__}: {one_line(exc)}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
