"""Memory sizes: the default budget, parsing ``512M``/``2G``, and the one error for a size over it.

Every size a data file claims (a line's length, an array's ``shape x itemsize``, a zip member's
uncompressed size) is compared with the budget *before* anything that large is allocated; the
error names the limit and the option that raises it (``--max-memory``).
"""

from __future__ import annotations

from nnconvert.errors import DataError
from nnconvert.limits import Limits, parse_size  # noqa: F401  (one size syntax for every option)

MIB = 2**20
DEFAULT_MAX_MEMORY = Limits().max_memory  # the one --max-memory default (nnconvert.limits)
_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def format_size(n: int) -> str:
    """``n`` bytes in the largest binary unit that keeps it readable (``512M``, ``1.5G``, ``300K``)."""
    for unit in ("T", "G", "M", "K"):
        if n >= _UNITS[unit]:
            value = n / _UNITS[unit]
            return f"{value:.0f}{unit}" if value == int(value) or value >= 100 else f"{value:.3g}{unit}"
    return f"{n}B"


def check_claim(what: str, claimed: int, limit: int) -> None:
    """Refuse ``claimed`` bytes (what a file says it holds) over ``limit``, naming both and the option."""
    if claimed > limit:
        raise DataError(
            f"{what} needs {format_size(claimed)}, over the memory limit of {format_size(limit)}; "
            f"raise it with --max-memory (e.g. --max-memory {format_size(_next_power(claimed))})"
        )


def _next_power(n: int) -> int:
    """The smallest power of two at least ``n`` (a limit to suggest)."""
    return 1 << max(0, (n - 1).bit_length())
