"""The ``nnconvert`` command line: thin click commands (``main``: convert, verify, predict;
``view``: inspect, list, draw, explain) over the library, with what they share in ``support``,
``output``, ``verify_run`` and ``selfcheck_run``. Nothing imports this package."""

from nnconvert.cli.main import cli, main

__all__ = ["cli", "main"]
