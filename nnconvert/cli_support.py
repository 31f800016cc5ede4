"""What the CLI commands share: reading any input file, writing outputs atomically, progress,
and turning exceptions into one-line errors with an exit code.

Every file a command reads is one of three kinds, told by suffix: an ONNX file (``.onnx``), a
JSON network spec (``.json``), or a fitted model (anything else, read by
:func:`nnconvert.loading.load_model`). Outputs are written to a temporary file in the target's
directory and moved into place with ``os.replace`` (atomic on POSIX and Windows), so a
failure never leaves a partial file and never touches a file the user already had.
Heavy libraries (onnx, scikit-learn) are imported inside functions: the CLI's ``--help``
must stay fast.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from nnconvert.errors import InvalidNetwork, ModelLoadError, NnconvertError

ONNX_SUFFIX, JSON_SUFFIX = ".onnx", ".json"
# Parameter types and options several commands share.
PATH = click.Path(dir_okay=False)  # existence is checked by the loaders, with a one-line error
TRUST = click.option("--trust", is_flag=True, help="Load pickles with any globals (only for files you trust).")
FORCE = click.option("--force", is_flag=True, help="Replace OUT if it exists.")


class OutputError(NnconvertError):
    """An output file cannot be written (exists without --force, missing directory, no permission)."""


@dataclass
class Source:
    """An input file: ``kind`` is ``"model"``, ``"onnx"`` or ``"json"``; one of ``estimator``,
    ``onnx_model``, ``network`` is filled when read, the network lazily for models."""

    path: Path
    kind: str
    estimator: Any = None
    onnx_model: Any = None
    network: Any = None
    simplify: bool = True
    _converted: bool = field(default=False, repr=False)

    def ir(self) -> Any:
        """The Network IR: converted from the model, read from the spec, or the spec embedded
        in an ONNX file's metadata; an ONNX file without one raises InvalidNetwork."""
        if self.kind == "model" and not self._converted:
            import nnconvert

            self.network = nnconvert.convert(self.estimator, simplify=self.simplify)
            self._converted = True
        if self.network is None:
            raise InvalidNetwork(
                f"{self.path.name} is an ONNX file, which holds no neuron graph; "
                "give the original model or the JSON network spec (convert -o net.json)"
            )
        return self.network

    @property
    def n_features(self) -> int | None:
        if self.network is not None or self.kind == "model":
            with contextlib.suppress(NnconvertError):
                return int(self.ir().n_features)
        if self.onnx_model is not None:
            dims = self.onnx_model.graph.input[0].type.tensor_type.shape.dim
            return dims[1].dim_value if len(dims) == 2 and dims[1].HasField("dim_value") else None
        return None


def _embedded_spec(model: Any) -> Any:
    """A JSON network spec stored in an ONNX file's metadata, read into a Network, or None."""
    from nnconvert.exporters.json_spec import FORMAT, from_json

    for prop in model.metadata_props:
        if prop.value.lstrip().startswith("{") and FORMAT in prop.value:
            with contextlib.suppress(json.JSONDecodeError, NnconvertError):
                spec = json.loads(prop.value)
                if isinstance(spec, dict) and spec.get("format") == FORMAT:
                    return from_json(spec)
    return None


def load_onnx(path: Path) -> Any:
    """Read and check an ONNX file; any failure is one InvalidNetwork line."""
    import onnx

    try:
        model = onnx.load(os.fspath(path))
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises DecodeError, ValidationError, OSError...
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InvalidNetwork(f"{path.name} is not a valid ONNX model: {text}") from None
    return model


def open_source(path: str | os.PathLike, *, trust: bool = False, simplify: bool = True) -> Source:
    """Read ``path`` as a model, an ONNX file or a JSON spec (by suffix)."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"no such file: {p}")
    if p.is_dir():
        raise ModelLoadError(f"{p} is a directory, not a file")
    suffix = p.suffix.lower()
    if suffix == ONNX_SUFFIX:
        model = load_onnx(p)
        return Source(p, "onnx", onnx_model=model, network=_embedded_spec(model))
    if suffix == JSON_SUFFIX:
        from nnconvert.exporters.json_spec import from_json

        try:
            return Source(p, "json", network=from_json(p))
        except InvalidNetwork as exc:
            text = one_line(exc)
            raise InvalidNetwork(text if p.name in text else f"{p.name}: {text}") from None
    from nnconvert.loading import load_model

    return Source(p, "model", estimator=load_model(p, trust=trust), simplify=simplify)


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


def one_line(exc: BaseException) -> str:
    """An exception as one line of text."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


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
