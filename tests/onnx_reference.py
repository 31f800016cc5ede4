"""onnx's own Python runtime (``onnx.reference.ReferenceEvaluator``) as a second runtime, with
``GatherElements`` as the ONNX operator spec defines it: onnx.reference's implementation
(``op_gather_elements.py``: ``np.choose``) fails past 63 entries along the axis (numpy's limit on
the number of choices), and the tree traversal looks up positions in tables far longer than that.
Every other operator is onnx.reference's own."""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun


class GatherElements(OpRun):
    """``out[i][j][k] = data[index[i][j][k]][j][k]`` (axis 0; likewise along any axis): the
    index tensor's shape, negative indices counted from the end."""

    op_domain = ""

    def _run(self, data: np.ndarray, indices: np.ndarray, axis: int | None = None) -> tuple[np.ndarray]:
        axis = 0 if axis is None else int(axis) % data.ndim
        idx = indices.astype(np.int64)
        idx = np.where(idx < 0, idx + data.shape[axis], idx)
        block = tuple(slice(None) if d == axis else slice(0, s) for d, s in enumerate(indices.shape))
        return (np.take_along_axis(data[block], idx, axis=axis),)


def reference_evaluator(model: Any) -> ReferenceEvaluator:
    """A ``ReferenceEvaluator`` of ``model`` with the spec's ``GatherElements``."""
    return ReferenceEvaluator(model, new_ops=[GatherElements])
