"""Options of the commands that read data (``verify``, ``predict``, ``convert --data``); ``--max-memory``
is shared with every command (:func:`nnconvert.cli.support.limit_options`)."""

from __future__ import annotations

import click

HEADER = click.option(
    "--header/--no-header",
    default=None,
    help="Whether a CSV's first row is a header [default: detect: a row with a name, pandas' "
    "',0,1' or '0,1,...' labels, or the model's feature names is one; see README].",
)
