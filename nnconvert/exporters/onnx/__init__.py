"""ONNX exporter: a Network becomes a ModelProto of default-domain operators only.

``export`` builds the model (metadata, opset probe, onnxruntime runner), ``graph`` holds
:class:`OnnxGraph` and one emitter per basic node kind; node kinds with more to say have their
own emitter module (``coupling``, ``monomials``, ``columns``), registered here by importing it.
"""

from nnconvert.exporters.onnx import columns as _columns  # noqa: F401  (registers preprocessing/label emitters)
from nnconvert.exporters.onnx import coupling as _coupling  # noqa: F401  (registers the pairwise_coupling emitter)
from nnconvert.exporters.onnx import monomials as _monomials  # noqa: F401  (registers the monomials emitter)
from nnconvert.exporters.onnx.export import MIN_OPSET, default_opset, read_metadata, run_onnx, to_onnx
from nnconvert.exporters.onnx.graph import Emitter, OnnxGraph, register_emitter

__all__ = [
    "MIN_OPSET",
    "Emitter",
    "OnnxGraph",
    "default_opset",
    "read_metadata",
    "register_emitter",
    "run_onnx",
    "to_onnx",
]
