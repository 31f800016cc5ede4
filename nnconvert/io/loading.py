"""Load fitted models from pickle, joblib and skops files without running untrusted code.

A pickle is a program: every ``GLOBAL``/``STACK_GLOBAL`` opcode asks the unpickler for an
object by ``(module, name)`` and ``REDUCE`` calls it. Without ``trust`` we load through
unpicklers whose ``find_class`` returns only objects of an allow-list
(:func:`nnconvert.io.allowlist.allowed`), looked up by the names as written in the file
*before* anything is imported, so a payload naming ``posix.system`` is refused without
``posix`` (or anything else) being touched.
See https://docs.python.org/3/library/pickle.html#restricting-globals.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
import pickletools
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from nnconvert.errors import ModelLoadError, NnconvertError, UntrustedModel
from nnconvert.io.allowlist import allowed

SUFFIXES = (".pkl", ".pickle", ".joblib", ".skops")
# joblib.dump picks a compressor from these extensions (joblib/compressor.py).
_COMPRESSION_SUFFIXES = (".z", ".gz", ".bz2", ".xz", ".lzma", ".lz4")
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_OPCODES = frozenset(op.code.encode("latin-1") for op in pickletools.opcodes)
_JOBLIB_MARK = b"NumpyArrayWrapper"


def load_model(path: str | Path, *, trust: bool = False) -> Any:
    """Read the fitted model in ``path`` (``.pkl``/``.pickle``/``.joblib``/``.skops``).

    The format is told by content (zip -> skops, compressor magic -> compressed joblib,
    else a pickle stream, joblib's or plain). Without ``trust`` only allow-listed globals
    load; anything else raises :class:`UntrustedModel` before it can run.
    """
    path = Path(path)
    name = path.name
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
    obj = _load_skops(path, trust) if head.startswith(_ZIP_MAGIC) else _load_pickled(path, trust)
    return _check_model(obj, name)


def _check_suffix(path: Path) -> None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES and len(suffixes) > 1:
        suffixes = suffixes[:-1]  # model.joblib.gz, model.pkl.xz
    if not suffixes or suffixes[-1] not in SUFFIXES:
        shown = "".join(path.suffixes[-1:]) or "no suffix"
        hint = " (JSON network specs are read by the commands that take a spec)" if shown.lower() == ".json" else ""
        raise ModelLoadError(
            f"cannot load {path.name}: {shown} is not a model format; supported: {', '.join(SUFFIXES)} (joblib files may add {', '.join(_COMPRESSION_SUFFIXES)}){hint}"
        )


# ---------------------------------------------------------------------------- pickles


def _refuse(file: str, module: str, name: str) -> UntrustedModel:
    return UntrustedModel(
        f"refusing to load {file}: it asks for global '{module}.{name}', which nnconvert does not allow; pass --trust if you trust this file"
    )


def _find_allowed(file: str, module: str, name: str) -> Any:
    """The allow-listed object for ``(module, name)``; never imports anything."""
    if not isinstance(module, str) or not isinstance(name, str):
        raise _refuse(file, str(module), str(name))
    # Python 2 names (__builtin__, copy_reg) that Python 3 still writes for protocols < 3;
    # mirrors pickle._Unpickler.find_class's fix_imports branch.
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    obj = allowed(module.split(".")[0]).get((module, name))
    if obj is None:
        raise _refuse(file, module, name)
    return obj


class SafeUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` serves only the allow-list."""

    def __init__(self, file: BinaryIO, *, filename: str) -> None:
        super().__init__(file)
        self._filename = filename

    def find_class(self, module: str, name: str) -> Any:
        return _find_allowed(self._filename, module, name)


def _safe_joblib_unpickler(stream: BinaryIO, filename: str) -> Any:
    """joblib's NumpyUnpickler (so NumpyArrayWrapper arrays are read back from the stream
    after their pickled header, joblib/numpy_pickle.py) with the allow-list ``find_class``.
    joblib routes object arrays' nested pickles through the same ``find_class``."""
    from joblib.numpy_pickle import NumpyUnpickler

    class SafeNumpyUnpickler(NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            return _find_allowed(filename, module, name)

    return SafeNumpyUnpickler(filename, stream, ensure_native_byte_order=True)


def _decompressed(path: Path, *, trust: bool = False) -> bytes:
    """The pickle stream of ``path``: the file itself, or joblib-compressed content inflated."""
    from joblib.compressor import _COMPRESSORS
    from joblib.numpy_pickle_utils import _detect_compressor

    with path.open("rb") as f:
        kind = _detect_compressor(f)
        if kind == "compat":
            if trust:
                return b"\x80\x02"  # joblib.load reads the old format itself
            raise ModelLoadError(
                f"{path.name} was written by joblib < 0.10, whose format nnconvert cannot check; re-save it with a current joblib (or pass --trust)"
            )
        if kind in _COMPRESSORS:
            try:
                with _COMPRESSORS[kind].decompressor_file(f) as z:
                    return z.read()
            except ValueError as exc:  # lz4 not installed
                raise ModelLoadError(f"cannot decompress {path.name}: {exc}") from None
        return f.read()


def _check_protocol(data: bytes, name: str) -> None:
    if data[:1] not in _PICKLE_OPCODES:
        what = " (it looks like JSON)" if data.lstrip()[:1] in (b"{", b"[") else ""
        raise ModelLoadError(f"{name} is not a pickle, joblib or skops file{what}")
    if data[:1] == pickle.PROTO and len(data) > 1 and data[1] > pickle.HIGHEST_PROTOCOL:
        raise ModelLoadError(
            f"{name} uses pickle protocol {data[1]}; this Python reads protocols up to {pickle.HIGHEST_PROTOCOL} (re-save it with a lower protocol or load it with a newer Python)"
        )


def _load_pickled(path: Path, trust: bool) -> Any:
    name = path.name
    if not trust:
        allowed("numpy")  # build the base allow-list outside the try: its failures are nnconvert's, not the file's
    try:
        if trust:
            _check_protocol(_decompressed(path, trust=True), name)
            import joblib

            return joblib.load(path)  # plain pickles too; runs whatever the file asks
        data = _decompressed(path)
        if not data:
            raise ModelLoadError(f"{name} is empty once decompressed")
        _check_protocol(data, name)
        stream = io.BytesIO(data)
        if _JOBLIB_MARK in data:
            return _safe_joblib_unpickler(stream, name).load()
        return SafeUnpickler(stream, filename=name).load()
    except NnconvertError:
        raise
    except (EOFError, pickle.UnpicklingError) as exc:
        raise ModelLoadError(f"{name} is truncated or corrupt: {_one_line(exc)}") from None
    except OSError as exc:
        raise ModelLoadError(f"cannot read {name}: {_one_line(exc)}") from None
    except RecursionError:
        raise ModelLoadError(f"{name} is nested too deeply to load") from None
    except MemoryError:
        raise ModelLoadError(f"{name} does not fit in memory") from None
    except Exception as exc:  # a malformed stream fails in many ways (TypeError, ValueError, ...)
        raise ModelLoadError(f"cannot load {name}: {type(exc).__name__}: {_one_line(exc)}") from None


# ---------------------------------------------------------------------------- skops


def _load_skops(path: Path, trust: bool) -> Any:
    """``skops.io.load`` trusting exactly the reported types we allow (or all with ``trust``)."""
    import skops.io as sio

    name = path.name
    try:
        untrusted = list(sio.get_untrusted_types(file=path))
    except Exception as exc:
        raise ModelLoadError(f"{name} is not a valid skops file: {_one_line(exc)}") from None
    permitted = {f"{m}.{n}" for root in {t.split(".")[0] for t in untrusted} for m, n in allowed(root)}
    refused = [t for t in untrusted if t not in permitted]
    if refused and not trust:
        listed = ", ".join(f"'{t}'" for t in sorted(refused))
        raise UntrustedModel(
            f"refusing to load {name}: it holds types {listed}, which nnconvert does not allow; pass --trust if you trust this file"
        )
    try:
        return sio.load(path, trusted=untrusted)
    except NnconvertError:
        raise
    except Exception as exc:
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
