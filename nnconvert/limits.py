"""Resource limits: every size a file claims is checked against these before work starts.

A file nnconvert reads can claim sizes far beyond its own length (a 130-byte spec with a
monomial of degree 1e9, a coupling node of 600 classes, an ONNX ``Loop`` of 1e12 trips). Such
claims are refused with :class:`LimitExceeded`, whose message names the limit and the option
that raises it, instead of being worked on for hours or gigabytes.

There are two numbers, both with defaults here and overridable per command:

- ``max_memory`` (bytes; ``--max-memory SIZE`` or ``NNCONVERT_MAX_MEMORY``): what the stored
  parameters of a network plus :data:`WORK_ROWS` rows of its working tensors may take;
- ``max_ops`` (``--max-ops N`` or ``NNCONVERT_MAX_OPS``): the operators one pass over a row
  runs, counting a loop body once per trip.

:func:`current` returns the limits in force; :func:`using` changes them for a block (the CLI
enters it for the duration of one command, so nothing leaks between commands).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nnconvert.errors import NnconvertError

WORK_ROWS = 256  # rows nnconvert holds at once at the least (sampled references, synthetic rows)


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module doc)."""

    max_memory: int = 512 * 2**20  # also the budget verify/predict size their chunks to (issue 14)
    max_ops: int = 250_000  # ~5 s of ONNX graph building; libsvm coupling of up to ~125 classes


class LimitExceeded(NnconvertError):
    """A file claims a size over a limit; the message names the limit and how to raise it."""


_FLAGS = {"max_memory": "--max-memory", "max_ops": "--max-ops"}
_CURRENT: contextvars.ContextVar[Limits] = contextvars.ContextVar("nnconvert_limits", default=Limits())  # noqa: B039 (frozen)


def current() -> Limits:
    """The limits in force."""
    return _CURRENT.get()


@contextlib.contextmanager
def using(**changes: Any) -> Iterator[Limits]:
    """Run a block with some limits changed (``None`` values keep the current one)."""
    new = dataclasses.replace(current(), **{k: v for k, v in changes.items() if v is not None})
    token = _CURRENT.set(new)
    try:
        yield new
    finally:
        _CURRENT.reset(token)


_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str) -> int:
    """Bytes from ``"512M"``, ``"8G"``, ``"1.5GiB"``, ``"4096"`` (binary units); ValueError otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if m is None:
        raise ValueError(f"{text!r} is not a size (e.g. 512M, 8G)")
    value = int(float(m.group(1)) * _UNITS[m.group(2)])
    if value < 1:
        raise ValueError(f"{text!r} is not a positive size")
    return value


def human(n_bytes: float) -> str:
    """``n_bytes`` in binary units, e.g. ``"4.0 GiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n_bytes) < 1024 or unit == "TiB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def require(what: str, amount: float, limit: str) -> None:
    """Raise :class:`LimitExceeded` when ``amount`` exceeds the limit named ``limit``
    (``"max_memory"`` in bytes, or ``"max_ops"``); ``what`` says who claims it."""
    allowed = getattr(current(), limit)
    if amount <= allowed:
        return
    if limit == "max_memory":
        claim = f"needs {human(amount)} of memory, over the limit of {human(allowed)}"
    else:
        claim = f"runs {amount:,.0f} operators per row, over the limit of {allowed:,}"
    raise LimitExceeded(f"{what} {claim} ({limit}); raise it with {_FLAGS[limit]} if you trust the file")


def check_network(network: Any, what: str = "the network") -> None:
    """Refuse a network (:class:`nnconvert.ir.Network`) whose stored parameters plus
    :data:`WORK_ROWS` rows of working tensors exceed ``max_memory``, or whose operators per
    row exceed ``max_ops``; the node that claims the most is named."""
    from nnconvert.text import printable

    work = network.work()
    for node, w in work:
        who = f"{what}: {node.op} node '{printable(node.name)}'"
        require(who, w.stored + WORK_ROWS * w.per_row, "max_memory")
        require(who, w.ops, "max_ops")
    require(what, sum(w.stored + WORK_ROWS * w.per_row for _, w in work), "max_memory")
    require(what, sum(w.ops for _, w in work), "max_ops")
