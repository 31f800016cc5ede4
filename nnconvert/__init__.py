"""nnconvert: fitted classical models as the neural networks they are.

Public API::

    net = nnconvert.convert(estimator)          # Network IR (simplified)
    outputs = nnconvert.run(net, X)             # numpy reference runtime
    model = nnconvert.to_onnx(net, dtype="float32")
    module = nnconvert.to_torch(net, dtype="float32")   # torch.nn.Module (needs nnconvert[torch])
    spec = nnconvert.to_json(net); net2 = nnconvert.from_json(spec)
    est = nnconvert.load_model("model.pkl")     # safe reader: calls nothing
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "convert", "from_json", "load_model", "run", "to_json", "to_onnx", "to_torch"]


INPUT_MODES = ("auto", "matrix", "columns")


def convert(estimator: Any, *, simplify: bool = True, tree_form: str = "auto", inputs: str = "auto") -> Any:
    """Convert a fitted estimator to a :class:`nnconvert.ir.Network`; ``tree_form`` (``auto``,
    ``neuron`` or ``compact``) says how trees become neurons.

    ``inputs`` is the interface: ``matrix`` one input ``X [N, n_features]``; ``columns`` one
    input per column the network reads, named from the model's ``feature_names_in_`` (else
    ``x0..``), a string column where the fitted state shows string categories; ``auto``
    columns exactly when the model has a string column, else the matrix.
    """
    from nnconvert.converters.registry import convert as _convert
    from nnconvert.errors import UnsupportedModel
    from nnconvert.ir.builder import ConversionOptions
    from nnconvert.limits import check_network
    from nnconvert.runtime.columns import column_inputs
    from nnconvert.runtime.simplify import simplify as _simplify

    if inputs not in INPUT_MODES:
        raise UnsupportedModel(f"inputs must be one of {', '.join(INPUT_MODES)}, got {inputs!r}")
    net = _convert(estimator, ConversionOptions(tree_form=tree_form))
    check_network(net, "the converted network")  # e.g. a pickled SVC claiming 600 classes
    vocab = {i.column: i.vocabulary for i in net.string_inputs}  # registry.convert lists string columns
    if vocab and inputs == "matrix":
        name = net.string_inputs[0].name
        raise UnsupportedModel(
            f"column {name!r} holds strings, which one float matrix X cannot carry; "
            "use inputs='columns' (convert --inputs columns)"
        )
    net = _simplify(net) if simplify else net
    if inputs == "columns" or vocab:
        net = net.replace(inputs=column_inputs(net, net.meta.feature_names, vocab))
    elif net.inputs is not None:
        net = net.replace(inputs=None)
    return net


def run(network: Any, X: Any, dtype: Any = "float64") -> dict[str, Any]:
    """Run a network in the numpy runtime (float64 is the reference). A network with named
    inputs takes its columns by name (a mapping name -> array, or a pandas DataFrame), or,
    when every input is float, a 2-D matrix of the inputs in order."""
    from nnconvert.runtime import run as _run
    from nnconvert.runtime.columns import is_columns, matrix_columns

    if getattr(network, "inputs", None) and not is_columns(X):
        X = matrix_columns(network, X)
    return _run(network, X, dtype)


def to_onnx(network: Any, *, dtype: str = "float32", opset: int | None = None) -> Any:
    """Export a network as an ``onnx.ModelProto`` using only default-domain operators."""
    from nnconvert.exporters.onnx import to_onnx as _to_onnx

    return _to_onnx(network, dtype=dtype, opset=opset)


def to_torch(network: Any, *, dtype: str = "float32", soft: bool = False, temperature: float | None = None) -> Any:
    """Export a network as a ``torch.nn.Module`` whose ``forward(X)`` returns ``{method: tensor}``;
    ``soft=True`` replaces steps by ``sigmoid(x / temperature)`` and argmax by ``softmax(x / temperature)``."""
    from nnconvert.exporters.torch import to_torch as _to_torch

    return _to_torch(network, dtype=dtype, soft=soft, temperature=temperature)


def to_json(network: Any) -> dict[str, Any]:
    """Export a network as a versioned JSON network spec (a dict)."""
    from nnconvert.exporters.json_spec import to_json as _to_json

    return _to_json(network)


def from_json(spec: Any) -> Any:
    """Read a JSON network spec (dict, text or path) back into a Network."""
    from nnconvert.exporters.json_spec import from_json as _from_json

    return _from_json(spec)


def load_model(path: Any, *, trust: bool = False, max_memory: int | None = None) -> Any:
    """Load a fitted model from .pkl/.pickle/.joblib/.skops without running the file's code
    (``nnconvert.io.loading``); ``max_memory`` bounds what loading may allocate (bytes)."""
    from nnconvert.io.loading import load_model as _load_model

    return _load_model(path, trust=trust, max_memory=max_memory)
