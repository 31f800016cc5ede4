"""Converters, one module per model family. Importing this package registers them all;
a new family is one module here and one line below."""

from nnconvert.converters import linear, pipeline, preprocessing  # noqa: F401
