"""Every file a command reads is one of three kinds: a boosting library's own model file (told by
content, :mod:`nnconvert.io.native`; a fitted model), else by suffix an ONNX file (``.onnx``), a
JSON network spec (``.json``), or a fitted model (anything else, read by
:func:`nnconvert.io.loading.load_model`). :func:`open_source` reads one into a :class:`Source`.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnconvert.errors import InvalidNetwork, ModelLoadError, NnconvertError
from nnconvert.text import printable

ONNX_SUFFIX, JSON_SUFFIX = ".onnx", ".json"


@dataclass
class Source:
    """An input file: ``kind`` is ``"model"``, ``"onnx"`` or ``"json"``; one of ``estimator``,
    ``onnx_model``, ``network`` is filled when read, the network lazily for models.

    ``display_network`` is what an nnconvert ONNX file says about its own layers
    (:mod:`nnconvert.exporters.onnx.display`): for ``draw``, ``explain`` and ``inspect`` only,
    through :meth:`view`; never ``network``, which ``verify`` may rely on."""

    path: Path
    kind: str
    estimator: Any = None
    onnx_model: Any = None
    network: Any = None
    simplify: bool = True
    display_network: Any = None
    tree_form: str = "auto"  # how trees become neurons (nnconvert.convert's tree_form)
    inputs: str = "auto"  # the interface: one matrix X or named columns (nnconvert.convert's inputs)
    _converted: bool = field(default=False, repr=False)

    def ir(self) -> Any:
        """The Network IR: converted from the model or read from the spec; an ONNX file raises
        InvalidNetwork (it holds no neuron graph)."""
        if self.kind == "model" and not self._converted:
            import nnconvert

            self.network = nnconvert.convert(
                self.estimator, simplify=self.simplify, tree_form=self.tree_form, inputs=self.inputs
            )
            self._converted = True
        if self.network is None:
            raise InvalidNetwork(
                f"{self.path.name} is an ONNX file, which holds no neuron graph; "
                "give the original model or the JSON network spec (convert -o net.json)"
            )
        return self.network

    def view(self) -> Any:
        """The network to show: :meth:`ir` where there is one, else the display description an
        nnconvert ONNX file carries; a file nnconvert did not write raises one InvalidNetwork line."""
        if self.kind != "onnx" or self.network is not None:
            return self.ir()
        if self.display_network is None:
            raise InvalidNetwork(
                f"{self.path.name} was not written by nnconvert (its metadata has no nnconvert network "
                "description); give the original model, its JSON network spec, or an ONNX file from convert"
            )
        return self.display_network

    @property
    def n_features(self) -> int | None:
        """Input columns: from the ONNX graph's input, else the network's (named column inputs:
        the width of the internal X, from the metadata nnconvert wrote)."""
        if self.onnx_model is not None:
            props = {p.key: p.value for p in self.onnx_model.metadata_props}
            if "inputs" in props:
                return int(props["n_features"]) if props.get("n_features", "").isdigit() else None
            inputs = self.onnx_model.graph.input
            dims = inputs[0].type.tensor_type.shape.dim if inputs else []
            return dims[1].dim_value if len(dims) == 2 and dims[1].HasField("dim_value") else None
        if self.network is not None or self.kind == "model":
            with contextlib.suppress(NnconvertError):
                return int(self.ir().n_features)
        return None


def load_onnx(path: Path) -> Any:
    """Read and check an ONNX file; any failure is one InvalidNetwork line, and a graph whose
    run is unbounded or over the limits is refused before anything runs it
    (:func:`nnconvert.exporters.onnx.bounds.check_graph`). Tensors in external files are never
    read (``load_external_data=False``): a file could point them anywhere."""
    import onnx

    from nnconvert.exporters.onnx.bounds import check_graph

    try:
        model = onnx.load(os.fspath(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, OSError...
        raise InvalidNetwork(f"{path.name} is not a valid ONNX model: {one_line(exc)[:200]}") from None
    check_graph(model, path.name)
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # ValidationError...
        raise InvalidNetwork(f"{path.name} is not a valid ONNX model: {one_line(exc)[:200]}") from None
    return model


def open_source(
    path: str | os.PathLike,
    *,
    trust: bool = False,
    simplify: bool = True,
    tree_form: str = "auto",
    inputs: str = "auto",
) -> Source:
    """Read ``path`` as a model, an ONNX file or a JSON spec (by suffix)."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"no such file: {p}")
    if p.is_dir():
        raise ModelLoadError(f"{p} is a directory, not a file")
    suffix = p.suffix.lower()
    native = _native(p, trust)
    if native is not None:
        return native
    if suffix == ONNX_SUFFIX:
        # No network: a spec an ONNX file carries in its metadata is a claim about the graph, not
        # the graph, so nothing that decides (boundary analysis, verify) may take it for the network;
        # nnconvert's own display copy feeds draw/explain/inspect only (Source.view()).
        from nnconvert.exporters.onnx.display import read_display

        model = load_onnx(p)
        return Source(p, "onnx", onnx_model=model, display_network=read_display(model))
    if suffix == JSON_SUFFIX:
        from nnconvert.exporters.json_spec import from_json

        try:
            return Source(p, "json", network=from_json(p))
        except InvalidNetwork as exc:
            text = one_line(exc)
            raise InvalidNetwork(text if p.name in text else f"{p.name}: {text}") from None
    from nnconvert.io.loading import load_model

    estimator = load_model(p, trust=trust)
    return Source(p, "model", estimator=estimator, simplify=simplify, tree_form=tree_form, inputs=inputs)


def _native(path: Path, trust: bool) -> Source | None:
    """A boosting library's own model file (told by content, :mod:`nnconvert.io.native`) as a
    model Source, or None when ``path`` is none of those formats."""
    from nnconvert.io.loading import load_model
    from nnconvert.io.native import sniff_native

    try:
        module = sniff_native(path)
    except OSError as exc:
        raise ModelLoadError(f"cannot read {path}: {exc.strerror or exc}") from None
    if module is None:
        return None
    return Source(path, "model", estimator=load_model(path, trust=trust))


def one_line(exc: BaseException) -> str:
    """An exception as one line of printable text (:func:`nnconvert.text.printable`: names from
    files in a message can hold escape sequences)."""
    text = printable(" ".join(str(exc).split()))
    return text or type(exc).__name__
