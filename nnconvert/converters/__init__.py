"""Converters, one module per model family. Importing this package registers them all;
a new family is one module here and one line below."""

from nnconvert.converters import (  # noqa: F401
    calibration,
    hpelm,
    kernel_approx,
    kernel_ridge,
    linear,
    mlp,
    pipeline,
    preprocessing,
    skelm,
    svm,
)
