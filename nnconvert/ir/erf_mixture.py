"""The erf-mixture node: scikit-learn's Laplace-approximation class probability, in float64.

``GaussianProcessClassifier.predict_proba`` (``sklearn/gaussian_process/_gpc.py``) approximates
the logistic-Gaussian integral by a five-term mixture of erf functions::

    pi* = sum_j COEFS_j / 2 * erf(LAMBDAS_j f / sqrt(1 + 2 LAMBDAS_j^2 v)) + sum_j COEFS_j / 2

(``sqrt(pi / alpha) erf(gamma sqrt(alpha / (alpha + l^2))) / (2 sqrt(2 pi v))`` with
``alpha = 1 / (2 v)``, ``gamma = l f`` simplified). ``|COEFS_j|`` reach 3.5e3 while ``pi*`` lies
in [0, 1]: the sum cancels about 13 bits, so a float32 sum of float32 erf values is off by
~2e-4. Like ``pairwise_coupling``, this node therefore always computes in float64 and returns
the network's dtype; its inputs (``f``, ``v``) are well conditioned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import Node, TensorInfo, f64_array, register_node


@register_node
@dataclass(frozen=True, eq=False)
class ErfMixture(Node):
    """``y = sum_j coefs_j / 2 * erf(lambdas_j f / sqrt(1 + 2 lambdas_j^2 v)) + sum_j coefs_j / 2``
    for latent mean ``f`` (``mean``, ``[N, 1]``) and variance ``v`` (``variance``, ``[N, 1]``),
    computed in float64."""

    op: ClassVar[str] = "erf_mixture"
    mean: str
    variance: str
    lambdas: np.ndarray
    coefs: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "lambdas", f64_array(self.lambdas, 1, f"erf_mixture {self.name!r} lambdas"))
        object.__setattr__(self, "coefs", f64_array(self.coefs, 1, f"erf_mixture {self.name!r} coefs"))
        if self.lambdas.shape != self.coefs.shape or not self.lambdas.size:
            raise InvalidNetwork(f"erf_mixture {self.name!r}: lambdas and coefs need the same non-zero length")

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.mean, self.variance)

    def infer(self, ins: list[TensorInfo]) -> TensorInfo:
        if any(self._float2d(t) != 1 for t in ins):
            raise InvalidNetwork(f"erf_mixture {self.name!r} needs [N, 1] mean and variance")
        return TensorInfo(1)


def erf_mixture(node: ErfMixture, f: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Runtime kernel: float64 whatever the inputs' dtype, in the ONNX emitter's order."""
    from scipy.special import erf

    f64, v64 = f.astype(np.float64), v.astype(np.float64)
    lam = node.lambdas[None, :]
    z = (f64 * lam) * (1.0 / np.sqrt(v64 * (2 * lam**2) + 1.0))
    y = erf(z) @ (node.coefs / 2)[:, None] + node.coefs.sum() / 2
    return y.astype(f.dtype)
