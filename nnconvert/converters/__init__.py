"""Converters, one module per model family. Importing this package registers them all;
a new family is one module here and one line below."""

from nnconvert.converters import hpelm, linear, mlp, pipeline, preprocessing, skelm  # noqa: F401
from nnconvert.converters import calibration, kernel_approx, kernel_ridge, svm  # noqa: F401
