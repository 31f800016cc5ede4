"""Options of the commands that read data (``verify``, ``predict``, ``convert --data``)."""

from __future__ import annotations

from typing import Any

import click

from nnconvert.io.sizes import DEFAULT_MAX_MEMORY, format_size, parse_size


class Size(click.ParamType):
    """A byte count written like ``512M``, ``2G`` or ``1048576`` (binary units)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


HEADER = click.option(
    "--header/--no-header",
    default=None,
    help="Whether a CSV's first row is a header [default: detect: a row with a name, pandas' "
    "',0,1' or '0,1,...' labels, or the model's feature names is one; see README].",
)
MAX_MEMORY = click.option(
    "--max-memory",
    type=Size(),
    default=format_size(DEFAULT_MAX_MEMORY),
    show_default=True,
    help="Memory budget for the data and the network's work on it (chunks are sized to fit), e.g. 2G.",
)
