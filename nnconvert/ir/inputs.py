"""Named column inputs: a network's interface as one input per DataFrame column.

A :class:`Network` always computes on one internal float tensor ``X [N, n_features]``. With
``Network.inputs`` set, its interface is instead one input per used column, named after it
(:class:`ColumnInput`), in ``feature_names_in_`` order; a column of ``X`` no input lists reads as
``0.0`` (the model drops it). A ``float`` input is the column's value; a ``string`` input holds
text and its internal value is a code::

    code(s) = i      where vocabulary[i] == s
    code(s) = -1     for a string outside the vocabulary (it matches no fitted category)
    code(s) = NaN    for a missing cell (None/NaN in pandas, "" in the ONNX string input)

so everything downstream stays float (``GraphBuilder.category_codes`` hands out the codes).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nnconvert.errors import InvalidNetwork

INPUT_KINDS = ("float", "string")


@dataclass(frozen=True)
class ColumnInput:
    """One named input: ``kind`` ``float`` or ``string``, feeding column ``column`` of ``X``;
    a string input's ``vocabulary`` lists the strings that have a code (their positions)."""

    name: str
    kind: str
    column: int
    vocabulary: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidNetwork(f"an input name must be a non-empty string, got {self.name!r}")
        if self.kind not in INPUT_KINDS:
            raise InvalidNetwork(
                f"input {self.name!r}: kind must be one of {', '.join(INPUT_KINDS)}, got {self.kind!r}"
            )
        if not isinstance(self.column, int) or isinstance(self.column, bool) or self.column < 0:
            raise InvalidNetwork(f"input {self.name!r}: column must be an integer >= 0, got {self.column!r}")
        vocab = tuple(self.vocabulary)
        object.__setattr__(self, "vocabulary", vocab)
        if self.kind == "float":
            if vocab:
                raise InvalidNetwork(f"input {self.name!r}: a float input has no vocabulary")
            return
        if not vocab:
            raise InvalidNetwork(f"string input {self.name!r} needs a non-empty vocabulary")
        if not all(isinstance(s, str) and s for s in vocab):
            raise InvalidNetwork(f"string input {self.name!r}: the vocabulary must be non-empty strings")
        if len(set(vocab)) != len(vocab):
            raise InvalidNetwork(f"string input {self.name!r}: the vocabulary repeats a string")

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"name", "kind", "column"[, "vocabulary"]}``."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "column": self.column}
        if self.kind == "string":
            out["vocabulary"] = list(self.vocabulary)
        return out


def validate_inputs(inputs: Sequence[ColumnInput], n_features: int, reserved: Sequence[str] = ()) -> None:
    """Inputs are non-empty, of distinct names none of which is ``reserved`` (output methods),
    and name distinct columns of ``X`` in increasing order."""
    if not inputs:
        raise InvalidNetwork("a network with named inputs needs at least one")
    names = [i.name for i in inputs]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InvalidNetwork(f"input name {dup!r} is used twice")
    clash = [n for n in names if n in reserved]
    if clash:
        raise InvalidNetwork(f"input name {clash[0]!r} is reserved for an output")
    columns = [i.column for i in inputs]
    if any(c >= n_features for c in columns):
        raise InvalidNetwork(f"an input reads column {max(columns)} of {n_features}")
    if any(b <= a for a, b in itertools.pairwise(columns)):
        raise InvalidNetwork("inputs must read distinct columns of X in increasing order")


def inputs_from_json(obj: Any, where: str = "inputs") -> tuple[ColumnInput, ...]:
    """The inverse of :meth:`ColumnInput.to_dict` over a list (InvalidNetwork names the problem)."""
    if not isinstance(obj, list):
        raise InvalidNetwork(f"{where} must be a list of inputs")
    out = []
    for k, d in enumerate(obj):
        if not isinstance(d, Mapping) or set(d) - {"name", "kind", "column", "vocabulary"}:
            raise InvalidNetwork(f"{where}[{k}] must be an object with name, kind, column (and vocabulary)")
        vocab = d.get("vocabulary", [])
        if not isinstance(vocab, list):
            raise InvalidNetwork(f"{where}[{k}] vocabulary must be a list of strings")
        out.append(ColumnInput(d.get("name"), d.get("kind"), d.get("column"), tuple(vocab)))  # type: ignore[arg-type]
    return tuple(out)
