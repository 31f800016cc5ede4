"""Load fitted models from pickle, joblib and skops files without running untrusted code.

A pickle is a program; nnconvert never lets ``pickle`` run it. Without ``trust`` a pickle or
joblib stream is interpreted by :mod:`nnconvert.io.pickle_vm`, which calls nothing the file
names: it builds plain data, and arrays and allow-listed objects only with nnconvert's own
constructors (:mod:`nnconvert.io.objects`, :mod:`nnconvert.io.arrays`). skops files are read
by :mod:`nnconvert.io.skops_reader` through the same constructors. Every size is bounded by
:class:`nnconvert.io.limits.Limits`. ``trust=True`` is the opt-out: plain ``joblib.load``.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

from nnconvert.errors import ModelLoadError, NnconvertError
from nnconvert.io.limits import RAISE_HINT, Budget, Limits

SUFFIXES = (".pkl", ".pickle", ".joblib", ".skops")
# joblib.dump picks a compressor from these extensions (joblib/compressor.py).
_COMPRESSION_SUFFIXES = (".z", ".gz", ".bz2", ".xz", ".lzma", ".lz4")
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20


def load_model(path: str | Path, *, trust: bool = False, max_memory: int | None = None) -> Any:
    """Read the fitted model in ``path`` (``.pkl``/``.pickle``/``.joblib``/``.skops``).

    The format is told by content (zip -> skops, compressor magic -> compressed joblib,
    else a pickle stream, joblib's or plain). Without ``trust`` only allow-listed names load
    and nothing the file names is called; ``max_memory`` (bytes, default ``--max-memory``'s, see :mod:`nnconvert.limits`) bounds the
    decompressed stream and, separately, what is built from it.
    """
    path = Path(path)
    name = path.name
    native = _native_format(path) if path.is_file() else None
    if native is not None:  # a boosting library's own file: parsed by nnconvert, never by the library
        return _guarded(name, lambda: native.read(path, Budget(name, Limits.with_memory(max_memory))))
    _check_suffix(path)
    if not path.exists():
        raise ModelLoadError(f"no such file: {path}")
    if path.is_dir():
        raise ModelLoadError(f"{path} is a directory, not a model file")
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ModelLoadError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head:
        raise ModelLoadError(f"{name} is empty")
    budget = Budget(name, Limits.with_memory(max_memory))
    if trust:
        obj = _load_trusted(path)
    elif head.startswith(_ZIP_MAGIC):
        from nnconvert.io.skops_reader import read_skops

        obj = _guarded(name, lambda: read_skops(path, budget))
    else:
        obj = _guarded(name, lambda: _load_pickled(path, budget))
    return _check_model(obj, name)


def _native_format(path: Path) -> Any:
    from nnconvert.io.native import sniff_native

    try:
        return sniff_native(path)
    except OSError as exc:
        raise ModelLoadError(f"cannot read {path}: {exc.strerror or exc}") from None


def _check_suffix(path: Path) -> None:
    from nnconvert.io.native import format_names

    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES and len(suffixes) > 1:
        suffixes = suffixes[:-1]  # model.joblib.gz, model.pkl.xz
    if not suffixes or suffixes[-1] not in SUFFIXES:
        shown = "".join(path.suffixes[-1:]) or "no suffix"
        hint = " (JSON network specs are read by the commands that take a spec)" if shown.lower() == ".json" else ""
        raise ModelLoadError(
            f"cannot load {path.name}: {shown} is not a model format; supported: {', '.join(SUFFIXES)} (joblib files may add {', '.join(_COMPRESSION_SUFFIXES)}), and, told by their content, {format_names()}{hint}"
        )


# ---------------------------------------------------------------------------- pickles


def _stream(path: Path, budget: Budget) -> bytes:
    """The pickle stream of ``path``: the file itself, or joblib-compressed content
    inflated in chunks, refused as soon as it exceeds ``max_memory``."""
    from joblib.compressor import _COMPRESSORS
    from joblib.numpy_pickle_utils import _detect_compressor

    limit = budget.limits.max_memory
    with path.open("rb") as f:
        kind = _detect_compressor(f)
        if kind == "compat":
            raise ModelLoadError(
                f"{path.name} was written by joblib < 0.10, whose format nnconvert cannot check; re-save it with a current joblib (or pass --trust)"
            )
        if kind not in _COMPRESSORS:
            if path.stat().st_size > limit:
                raise _too_big(path.name, "the file", limit)
            return f.read()
        try:
            stream = _COMPRESSORS[kind].decompressor_file(f)
        except ValueError as exc:  # lz4 not installed
            raise ModelLoadError(f"cannot decompress {path.name}: {exc}") from None
        with stream:
            chunks, total = [], 0
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise _too_big(path.name, f"its {kind}-decompressed content", limit)
                chunks.append(chunk)
        return b"".join(chunks)


def _too_big(name: str, what: str, limit: int) -> ModelLoadError:
    return ModelLoadError(f"refusing to load {name}: {what} exceeds the {limit} bytes memory limit; {RAISE_HINT}")


def _load_pickled(path: Path, budget: Budget) -> Any:
    from nnconvert.io.pickle_vm import PickleReader

    data = _stream(path, budget)
    if not data:
        raise ModelLoadError(f"{path.name} is empty once decompressed")
    _check_protocol(data, path.name)
    obj, _ = PickleReader(memoryview(data), budget).load()
    return obj


def _check_protocol(data: bytes, name: str) -> None:
    import pickle
    import pickletools

    if data[:1] not in {op.code.encode("latin-1") for op in pickletools.opcodes}:
        what = " (it looks like JSON)" if data.lstrip()[:1] in (b"{", b"[") else ""
        raise ModelLoadError(f"{name} is not a pickle, joblib or skops file{what}")
    if data[:1] == pickle.PROTO and len(data) > 1 and data[1] > pickle.HIGHEST_PROTOCOL:
        raise ModelLoadError(
            f"{name} uses pickle protocol {data[1]}; this Python reads protocols up to {pickle.HIGHEST_PROTOCOL} (re-save it with a lower protocol or load it with a newer Python)"
        )


def _load_trusted(path: Path) -> Any:
    """``--trust``: whatever the file asks for runs (joblib reads plain pickles too)."""
    name = path.name
    if path.read_bytes()[:4] == _ZIP_MAGIC:
        import skops.io as sio

        return _guarded(name, lambda: sio.load(path, trusted=sio.get_untrusted_types(file=path)))
    import joblib

    return _guarded(name, lambda: joblib.load(path))


def _guarded(name: str, load: Any) -> Any:
    """Run ``load``; any failure of a malformed file becomes one ModelLoadError line."""
    import pickle

    try:
        return load()
    except NnconvertError:
        raise
    except (EOFError, pickle.UnpicklingError, IndexError, KeyError, struct.error, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{name} is truncated or corrupt: {_one_line(exc)}") from None
    except OSError as exc:
        raise ModelLoadError(f"cannot read {name}: {_one_line(exc)}") from None
    except RecursionError:
        raise ModelLoadError(f"{name} is nested too deeply to load") from None
    except MemoryError:
        raise ModelLoadError(f"{name} does not fit in memory") from None
    except Exception as exc:  # a malformed stream fails in many ways (TypeError, ValueError, ...)
        raise ModelLoadError(f"cannot load {name}: {type(exc).__name__}: {_one_line(exc)}") from None


# ---------------------------------------------------------------------------- checks

# fmt: off
_NOT_MODELS: tuple[type, ...] = (
    list, tuple, set, frozenset, str, bytes, bytearray, bool, int, float, complex, type(None),
    np.ndarray, np.generic, np.random.RandomState, np.random.Generator,
)
# fmt: on


def _check_model(obj: Any, name: str) -> Any:
    """Reject plain data; dicts pass (hpelm ``save()`` files are pickled dicts of arrays)."""
    import scipy.sparse

    if isinstance(obj, dict) or not (isinstance(obj, _NOT_MODELS) or scipy.sparse.issparse(obj)):
        return obj
    if obj is None:
        raise ModelLoadError(f"{name} holds None, not a fitted model")
    kind = type(obj)
    label = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
    article = "an" if label[0] in "aeiou" else "a"
    raise ModelLoadError(f"{name} holds {article} {label}, not a fitted model")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
