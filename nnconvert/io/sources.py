"""Every file a command reads is one of three kinds, told by suffix: an ONNX file (``.onnx``), a
JSON network spec (``.json``), or a fitted model (anything else, read by
:func:`nnconvert.io.loading.load_model`). :func:`open_source` reads one into a :class:`Source`.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnconvert.errors import InvalidNetwork, ModelLoadError, NnconvertError

ONNX_SUFFIX, JSON_SUFFIX = ".onnx", ".json"


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
    tree_form: str = "auto"  # how trees become neurons (nnconvert.convert's tree_form)
    _converted: bool = field(default=False, repr=False)

    def ir(self) -> Any:
        """The Network IR: converted from the model, read from the spec, or the spec embedded
        in an ONNX file's metadata; an ONNX file without one raises InvalidNetwork."""
        if self.kind == "model" and not self._converted:
            import nnconvert

            self.network = nnconvert.convert(self.estimator, simplify=self.simplify, tree_form=self.tree_form)
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


def open_source(
    path: str | os.PathLike, *, trust: bool = False, simplify: bool = True, tree_form: str = "auto"
) -> Source:
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
    from nnconvert.io.loading import load_model

    return Source(p, "model", estimator=load_model(p, trust=trust), simplify=simplify, tree_form=tree_form)


def one_line(exc: BaseException) -> str:
    """An exception as one line of text."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
