"""Pipelines: each step's network reads the previous step's ``transform`` output; the
pipeline has the final step's methods (``sklearn/pipeline.py``: ``Pipeline.predict`` etc.)."""

from __future__ import annotations

from typing import Any

from nnconvert.converters._blocks import transform_of
from nnconvert.converters.registry import active_steps, convert_into, register
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


@register("sklearn.pipeline.Pipeline", "the steps' networks in sequence (scalers fold into the next dense layer)")
def pipeline(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``f_n(... f_2(f_1(x)))``: transforms feed forward, the last step gives the outputs."""
    steps = active_steps(est)
    if not steps:
        raise UnsupportedModel("the pipeline has no steps to convert")
    for name, step in steps[:-1]:
        x = transform_of(g, convert_into(step, g, x), f"pipeline step {name!r} ({type(step).__name__})")
    return convert_into(steps[-1][1], g, x)
