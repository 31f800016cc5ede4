"""Gradient-boosting libraries' own model files, read without the libraries installed.

Each format is one module here with ``NAME`` (shown in messages), ``SUFFIXES`` (the suffixes
its files usually carry, for messages only) and two functions:

- ``sniff(head: bytes) -> bool``: whether the first bytes of a file are this format (told by
  content, never by suffix alone);
- ``read(path: Path, budget: Budget) -> object``: the parsed model, a plain nnconvert object that a
  converter in ``nnconvert.converters`` is registered for. Every size the file claims is checked
  against ``budget`` before anything is allocated; a malformed file is one ``ModelLoadError`` line.

:func:`sniff_native` is how :func:`nnconvert.io.sources.open_source` tells a native model file
from a JSON network spec, a pickle or an ONNX file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

# The format modules, in the order their sniffers are asked (most specific first).
FORMAT_MODULES: tuple[str, ...] = ("xgboost_model", "catboost_json", "catboost_cbm", "lightgbm_text")

HEAD_BYTES = 4096  # how much of a file the sniffers see


def formats() -> list[ModuleType]:
    """The format modules (imported on first use)."""
    return [importlib.import_module(f"nnconvert.io.native.{name}") for name in FORMAT_MODULES]


def read_head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(HEAD_BYTES)


def sniff_native(path: Path) -> ModuleType | None:
    """The format module whose ``sniff`` recognises ``path``'s first bytes, or None."""
    head = read_head(path)
    for module in formats():
        if module.sniff(head):
            return module
    return None


def format_names() -> str:
    """``"XGBoost JSON/UBJSON (.json, .ubj), ..."``, for messages and README."""
    return ", ".join(f"{m.NAME} ({', '.join(m.SUFFIXES)})" for m in formats())


def checked_field(
    obj: Any, key: str, kind: type | tuple[type, ...], fail: Callable[[str], Exception], where: str
) -> Any:
    """``obj[key]`` of a parsed JSON/UBJSON document, checked to be a ``kind`` (a bool never passes
    for a number); ``fail(what)`` is the format's one-line error, raised for a missing key or a
    value of another type."""
    if not isinstance(obj, Mapping) or key not in obj:
        raise fail(f"{where} has no {key!r}")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise fail(f"{where}.{key} is a {type(value).__name__}, not {' or '.join(k.__name__ for k in kinds)}")
    return value
