"""What the CLI commands share: reading any input file, options, progress, and turning
exceptions into one-line errors with an exit code.

Every file a command reads is one of three kinds, told by suffix: an ONNX file (``.onnx``), a
JSON network spec (``.json``), or a fitted model (anything else, read by
:func:`nnconvert.io.loading.load_model`). Outputs are published by :mod:`nnconvert.cli.publish`
(never partial, never racing, never onto an input or a non-regular file). Ctrl-C and SIGTERM
end a command with one ``Error: interrupted`` line and exit 130 (143 for SIGTERM) after
cleanup. Heavy libraries (onnx, scikit-learn) are imported inside functions: the CLI's
``--help`` must stay fast.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import click

from nnconvert import limits
from nnconvert.cli.publish import Interrupted, Output, OutputError, check_output  # noqa: F401  (re-exported)
from nnconvert.errors import NnconvertError
from nnconvert.io.sources import one_line, open_source  # noqa: F401  (re-exported for the commands)
from nnconvert.text import printable

# Parameter types and options several commands share.
PATH = click.Path(dir_okay=False)  # existence is checked by the loaders, with a one-line error
TRUST = click.option("--trust", is_flag=True, help="Load pickles with any globals (only for files you trust).")
FORCE = click.option("--force", is_flag=True, help="Replace OUT if it exists.")
INPUTS = click.option(
    "--inputs",
    type=click.Choice(["auto", "matrix", "columns"]),
    default="auto",
    show_default=True,
    help="The network's inputs: one matrix X [N, n_features] (matrix), one [N, 1] input per column the model "
    "reads, named after it (columns; string columns as tensor(string)), or columns exactly when the model has "
    "a string column (auto). For a model; a JSON spec keeps its own.",
)
TREE_FORM = click.option(
    "--tree-form",
    type=click.Choice(["auto", "neuron", "compact"]),
    default="auto",
    show_default=True,
    help="Trees as split/leaf/output neuron layers (neuron), as tree traversal (compact, for big models), "
    "or by size (auto).",
)


class _Size(click.ParamType):
    """A byte count: ``4096``, ``512M``, ``8G``, ``1.5GiB``."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return limits.parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _set_limit(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    """Raise (or lower) one limit for the duration of this command (see nnconvert.limits)."""
    if value is not None and param.name is not None:
        ctx.with_resource(limits.using(**{param.name: value}))


def limit_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-memory`` and ``--max-ops``: the limits every size a file claims is checked against."""
    default = limits.Limits()
    fn = click.option(
        "--max-ops",
        type=click.IntRange(1),
        envvar="NNCONVERT_MAX_OPS",
        callback=_set_limit,
        expose_value=False,
        help=f"Most operators a network may run per row, loop trips counted [default: {default.max_ops:,}].",
    )(fn)
    return click.option(
        "--max-memory",
        type=_Size(),
        envvar="NNCONVERT_MAX_MEMORY",
        callback=_set_limit,
        expose_value=False,
        help=f"Most memory a file may claim (e.g. 8G) [default: {limits.human(default.max_memory)}].",
    )(fn)


@contextlib.contextmanager
def progress(total: int | None, label: str) -> Iterator[Callable[[int], None] | None]:
    """A click progress bar on stderr when stderr is a terminal (quiet in CI logs and pipes);
    yields its update function, or None when there is no bar."""
    if not total or not sys.stderr.isatty():
        yield None
        return
    import click

    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


INTERRUPTED = 130  # the exit status of a command stopped by SIGINT (128 + 2)


class CliError(click.ClickException):
    """A one-line error with its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def echo_text(text: str, *, err: bool = False) -> None:
    """Print a command's text (reports, descriptions, summaries hold names from files) with
    control characters escaped (:func:`nnconvert.text.printable`, newlines kept)."""
    click.echo(printable(text, multiline=True), err=err)


@contextlib.contextmanager
def quiet_warnings() -> Iterator[None]:
    """No Python warning text (source lines, file paths) reaches stderr: numpy's floating-point
    RuntimeWarnings are dropped (overflow is reported by verify and predict themselves), any
    other warning becomes one ``Warning: ...`` line once the command succeeds."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: set[str] = set()
    for w in caught:
        if issubclass(w.category, RuntimeWarning):
            continue
        text = one_line(w.message) if isinstance(w.message, Warning) else printable(str(w.message))
        if text not in seen:
            seen.add(text)
            click.echo(f"Warning: {text}", err=True)


def handle_errors(force_code: int | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn any exception of a command into a one-line CliError (``force_code`` overrides codes);
    warnings are handled by :func:`quiet_warnings`."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                with quiet_warnings():
                    return fn(*args, **kwargs)
            except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise
            except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as Interrupted: cleanup has run
                raise CliError("interrupted", 128 + getattr(exc, "signum", 2)) from None
            except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as Unix tools do
                _silence_stdout()
                raise click.exceptions.Exit(1) from None
            except NnconvertError as exc:
                raise CliError(one_line(exc), force_code or exc.exit_code) from None
            except Exception as exc:
                raise CliError(f"internal error: {type(exc).__name__}: {one_line(exc)}", 2) from None

        return wrapper

    return deco
