"""One exception family; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class NnconvertError(Exception):
    """Base of every error nnconvert raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class UnsupportedModel(NnconvertError):
    """The estimator (or one of its settings) has no exact network form in nnconvert."""

    exit_code = 1


class NotFitted(NnconvertError):
    """The estimator has not been fitted."""

    exit_code = 1


class UntrustedModel(NnconvertError):
    """A pickle asked for a global outside the allow-list (pass --trust to load it anyway)."""


class ModelLoadError(NnconvertError):
    """The file is missing, corrupt, or does not hold a model."""


class InvalidNetwork(NnconvertError):
    """A network (IR, JSON spec or ONNX file) is malformed."""


class DataError(NnconvertError):
    """A dataset cannot be read or does not fit the model."""


class MissingDependency(NnconvertError):
    """An optional library a feature needs is not installed (e.g. torch for ``--format torch``)."""
