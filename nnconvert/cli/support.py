"""What the CLI commands share: reading any input file, writing outputs atomically, progress,
and turning exceptions into one-line errors with an exit code.

Every file a command reads is one of three kinds, told by suffix: an ONNX file (``.onnx``), a
JSON network spec (``.json``), or a fitted model (anything else, read by
:func:`nnconvert.io.loading.load_model`). Outputs are written to a temporary file in the target's
directory and moved into place with ``os.replace`` (atomic on POSIX and Windows), so a
failure never leaves a partial file and never touches a file the user already had.
Heavy libraries (onnx, scikit-learn) are imported inside functions: the CLI's ``--help``
must stay fast.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from nnconvert.errors import NnconvertError
from nnconvert.io.sources import one_line, open_source  # noqa: F401  (re-exported for the commands)

# Parameter types and options several commands share.
PATH = click.Path(dir_okay=False)  # existence is checked by the loaders, with a one-line error
TRUST = click.option("--trust", is_flag=True, help="Load pickles with any globals (only for files you trust).")
FORCE = click.option("--force", is_flag=True, help="Replace OUT if it exists.")
TREE_FORM = click.option(
    "--tree-form",
    type=click.Choice(["auto", "neuron", "compact"]),
    default="auto",
    show_default=True,
    help="Trees as split/leaf/output neuron layers (neuron), as tree traversal (compact, for big models), "
    "or by size (auto).",
)


class OutputError(NnconvertError):
    """An output file cannot be written (exists without --force, missing directory, no permission)."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output(out: str | os.PathLike, *, force: bool, inputs: Sequence[str | os.PathLike] = ()) -> Path:
    """Refuse an output that is an input, exists without ``force``, or has no directory to go in."""
    p = Path(out)
    for src in inputs:
        if _same_file(p, Path(src)):
            raise OutputError(f"refusing to write {p}: it is the input file {src}")
    if p.is_dir():
        raise OutputError(f"{p} is a directory; give a file name")
    if p.exists() and not force:
        raise OutputError(f"{p} exists; pass --force to replace it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {p}: directory {parent} does not exist")
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """A temporary path next to ``out`` (same suffix); moved onto ``out`` when the block succeeds,
    removed when it fails."""
    parent = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=f".tmp{out.suffix}", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        mode = (out.stat().st_mode & 0o777) if out.exists() else (0o666 & ~_umask())
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, out)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_atomic(out: Path, data: bytes | str) -> None:
    """Write ``data`` to ``out`` atomically (see :func:`atomic_path`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())


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


def handle_errors(force_code: int | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn any exception of a command into a one-line CliError (``force_code`` overrides codes)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise
            except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as Unix tools do
                _silence_stdout()
                raise click.exceptions.Exit(1) from None
            except NnconvertError as exc:
                raise CliError(one_line(exc), force_code or exc.exit_code) from None
            except Exception as exc:
                raise CliError(f"internal error: {type(exc).__name__}: {one_line(exc)}", 2) from None

        return wrapper

    return deco
