"""The resources one model file may make the loader spend, in one place.

Every size a file claims (decompressed bytes, an array's bytes, a string's length, a
container's items, nesting depth) is checked against these limits *before* anything is
allocated, and the error names the limit and how to raise it. ``max_memory`` is the budget
for everything the loader builds from one file: by default the one in force for the command
(:func:`nnconvert.limits.current`, the CLI's ``--max-memory``); ``load_model(path, max_memory=...)``
sets it for one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnconvert.errors import ModelLoadError

GiB = 1 << 30
RAISE_HINT = "raise it with --max-memory (load_model(..., max_memory=...)) if you trust this file's size"


@dataclass(frozen=True)
class Limits:
    """Bounds for loading one file.

    ``max_memory``: bytes of decompressed stream, and bytes of arrays and strings built, each
    counted against it; ``max_items``: elements of one container (and memo entries);
    ``max_depth``: nesting of containers and objects; ``max_int_bytes``: size of one integer
    literal (a 128-bit random-generator state needs 17).
    """

    max_memory: int = 2 * GiB
    max_items: int = 1 << 24
    max_depth: int = 100
    max_int_bytes: int = 1 << 12

    @classmethod
    def with_memory(cls, max_memory: int | None) -> Limits:
        if max_memory is None:
            from nnconvert import limits

            return cls(max_memory=limits.current().max_memory)
        if not isinstance(max_memory, int) or max_memory <= 0:
            raise ValueError(f"max_memory must be a positive number of bytes, not {max_memory!r}")
        return cls(max_memory=max_memory)


def _size(n: int) -> str:
    for unit, scale in (("GiB", GiB), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


@dataclass
class Budget:
    """What one file has spent so far against its :class:`Limits` (``filename`` for messages)."""

    filename: str
    limits: Limits = field(default_factory=Limits)
    spent: int = 0

    def charge(self, nbytes: int, what: str) -> None:
        """Count ``nbytes`` (about to be allocated for ``what``) or refuse before allocating."""
        if nbytes < 0 or self.spent + nbytes > self.limits.max_memory:
            raise ModelLoadError(
                f"refusing to load {self.filename}: {what} needs {_size(nbytes)}, which exceeds the "
                f"{_size(self.limits.max_memory)} memory limit; {RAISE_HINT}"
            )
        self.spent += nbytes

    def check_items(self, n: int, what: str) -> None:
        if n > self.limits.max_items:
            raise ModelLoadError(
                f"refusing to load {self.filename}: {what} has {n} items, over the limit of {self.limits.max_items}"
            )

    def check_depth(self, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise ModelLoadError(
                f"refusing to load {self.filename}: objects nested more than {self.limits.max_depth} deep"
            )
