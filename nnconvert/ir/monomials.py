"""The monomials node: ``y_j = prod_i x_i ** powers[j, i]`` (PolynomialFeatures' products).

Products of inputs are not affine-plus-activation, so they get their own node kind. The
product of output ``j`` is evaluated in a fixed order, the one scikit-learn's dense
``PolynomialFeatures.transform`` uses (``sklearn/preprocessing/_polynomial.py``): a term of
degree ``d`` is the term of degree ``d - 1`` over its higher feature indices, times the
lowest-index factor, so the factors (with multiplicity, ascending index ``i_1 <= ... <= i_d``)
are multiplied ``((x_{i_d} * x_{i_{d-1}}) * ...) * x_{i_1}``. Padding the factor list with
exact ones (``a * 1 = a``) lets every output use the same number of factor "slots".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, Work, register_node


@register_node
@dataclass(frozen=True, eq=False)
class Monomials(Node):
    """Product neurons ``y_j = prod_i x_i ** powers[j, i]``, one per row of the integer matrix
    ``powers`` ``[n_out, n_in]`` (a zero row is the constant 1), factors multiplied from the
    highest input index down.

    :func:`factor_slots` lists the factors in that order; the runtime and the ONNX emitter use it."""

    op: ClassVar[str] = "monomials"
    input: str
    powers: np.ndarray

    def __post_init__(self) -> None:
        arr = np.asarray(self.powers)
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
            raise InvalidNetwork(f"monomials {self.name!r}: powers must be a non-empty 2-D matrix, got {arr.shape}")
        if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b" or not np.all(np.isfinite(arr)):
            raise InvalidNetwork(f"monomials {self.name!r}: powers must be integers")
        ints = arr.astype(np.int64)
        if not np.array_equal(ints, arr) or (ints < 0).any():
            raise InvalidNetwork(f"monomials {self.name!r}: powers must be integers >= 0")
        ints.setflags(write=False)
        object.__setattr__(self, "powers", ints)

    @property
    def degree(self) -> int:
        """The largest total degree of an output (the number of factor slots)."""
        return int(self.powers.sum(axis=1).max())

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        width = self._float2d(ins[0])
        if width != self.powers.shape[1]:
            raise InvalidNetwork(f"monomials {self.name!r}: input width {width}, powers have {self.powers.shape[1]}")
        return TensorInfo(self.powers.shape[0])

    def work(self, ins: list[TensorInfo], out: TensorInfo) -> Work:
        """:func:`factor_slots` is ``[degree, n_out]``; each slot is one Gather and one Mul."""
        n_out, n_in = self.powers.shape
        degree = int(self.powers.sum(axis=1, dtype=np.float64).max())  # float: an int64 sum can wrap
        return Work(self.powers.nbytes + 8 * degree * n_out, 8 * (3 * n_out + n_in + 1), 2 * degree + 6)


def factor_slots(powers: np.ndarray) -> np.ndarray:
    """``S[k, j]``: the input column output ``j`` multiplies in at step ``k`` (``n_in`` = the
    ones column). Factors are listed from the highest index down; at least one slot."""
    n_out, n_in = powers.shape
    slots = np.full((max(1, int(powers.sum(axis=1).max())), n_out), n_in, dtype=np.int64)
    for j in range(n_out):
        factors = np.repeat(np.arange(n_in), powers[j])[::-1]
        slots[: len(factors), j] = factors
    return slots


def monomials(node: Monomials, x: np.ndarray) -> np.ndarray:
    """Runtime kernel: gather each slot's factors from ``[x | 1]`` and multiply slot by slot."""
    padded = np.concatenate([x, np.ones((x.shape[0], 1), dtype=x.dtype)], axis=1)
    slots = factor_slots(node.powers)
    y = padded[:, slots[0]]
    for k in range(1, len(slots)):
        y = y * padded[:, slots[k]]
    return y
