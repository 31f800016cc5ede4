"""ONNX exporter: a Network becomes a ModelProto of default-domain operators only.

``export`` builds the model (metadata, the lowest opset that expresses it, onnxruntime runner), ``graph`` holds
:class:`OnnxGraph` and one emitter per basic node kind; node kinds with more to say have their
own emitter module (``coupling``, ``monomials``, ``trees``, ``columns``, ``median``, ``combine``,
``neighbours``, ``erf_mixture``, ``preprocess``, ``splines``), registered here by importing it. ``inputs``
writes the interface of a network with named column inputs (one ``[N, 1]`` input per column,
strings through ``TfIdfVectorizer``, opset 9, so the default opset stays 13).
"""

from nnconvert.exporters.onnx import columns as _columns  # noqa: F401  (category_codes)
from nnconvert.exporters.onnx import combine as _combine  # noqa: F401  (registers the combine emitter)
from nnconvert.exporters.onnx import coupling as _coupling  # noqa: F401  (registers the pairwise_coupling emitter)
from nnconvert.exporters.onnx import erf_mixture as _erf_mixture  # noqa: F401  (registers the erf_mixture emitter)
from nnconvert.exporters.onnx import median as _median  # noqa: F401  (registers the weighted_median emitter)
from nnconvert.exporters.onnx import monomials as _monomials  # noqa: F401  (registers the monomials emitter)
from nnconvert.exporters.onnx import neighbours as _neighbours  # noqa: F401  (registers the neighbour_vote emitter)
from nnconvert.exporters.onnx import preprocess as _preprocess  # noqa: F401  (missing values, row norms, interp, labels)
from nnconvert.exporters.onnx import splines as _splines  # noqa: F401  (registers the piecewise_poly emitter)
from nnconvert.exporters.onnx import trees as _trees  # noqa: F401  (registers tree_splits, tree_ensemble)
from nnconvert.exporters.onnx.display import DISPLAY_KEY, read_display
from nnconvert.exporters.onnx.export import MIN_OPSET, opset_version, read_metadata, run_onnx, to_onnx
from nnconvert.exporters.onnx.graph import Emitter, OnnxGraph, register_emitter

__all__ = [
    "DISPLAY_KEY",
    "MIN_OPSET",
    "Emitter",
    "OnnxGraph",
    "opset_version",
    "read_display",
    "read_metadata",
    "register_emitter",
    "run_onnx",
    "to_onnx",
]
