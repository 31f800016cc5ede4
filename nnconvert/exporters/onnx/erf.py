"""ONNX emitter of the ``erf`` activation.

Float32 graphs use the ``Erf`` operator. onnxruntime has no double ``Erf`` kernel, so float64
graphs evaluate Cephes' rational approximations (``ndtr.c``, S. L. Moshier, public domain; the
ones ``scipy.special.erf`` computes) with default-domain arithmetic:

- ``|x| <= 1``: ``erf(x) = x T(x^2) / U(x^2)``;
- ``|x| > 1``: ``erf(x) = sign(x) (1 - erfc(|x|))`` with ``erfc(a) = exp(-a^2) P(a) / Q(a)``
  for ``a < 8`` and ``exp(-a^2) R(a) / S(a)`` beyond (``Q``, ``S``, ``U`` monic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nnconvert.exporters.onnx.graph import OnnxGraph

# Cephes ndtr.c, highest power first; the monic polynomials omit their leading 1.
_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
      7.00332514112805075473e3, 5.55923013010394962768e4)  # fmt: skip
_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
      2.26290000613890934246e4, 4.92673942608635921086e4)  # fmt: skip
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
      4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
      9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)  # fmt: skip
_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
      9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
      1.65666309194161350182e3, 5.57535340817727675546e2)  # fmt: skip
_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
      6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)  # fmt: skip
_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
      1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)  # fmt: skip
# Beyond this |x|, exp(-x^2) underflows and erf(x) = sign(x); the polynomials see at most it.
_CLAMP = 27.0


class _Double:
    """The graph seen with float64 constants (for double values inside a float32 graph; their
    names end in ``.f64``, the mark of a constant kept double on purpose)."""

    def __init__(self, g: OnnxGraph) -> None:
        self._g = g

    def op(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self._g.op(*args, **kwargs)

    def scalar(self, hint: str, value: float) -> str:
        return self._g.const(f"{hint}.f64", np.asarray(value, dtype=np.float64), np.float64)


def _poly(g: OnnxGraph, x: str, coefs: tuple[float, ...], monic: bool, name: str) -> str:
    """Horner's rule as Cephes' ``polevl`` (``monic``: ``p1evl``, leading coefficient 1)."""
    acc = g.op("Add", [x, g.scalar(f"{name}.c0", coefs[0])], name=name) if monic else g.scalar(f"{name}.c0", coefs[0])
    for i, c in enumerate(coefs[1:], 1):
        acc = g.op("Add", [g.op("Mul", [acc, x], name=name), g.scalar(f"{name}.c{i}", c)], name=name)
    return acc


def erf(g: OnnxGraph, x: str, y: str, *, double: bool | None = None) -> None:
    """Write ``y = erf(x)``; ``double``: the value is a double tensor (default: the graph dtype is)."""
    if not (g.dtype.name == "float64" if double is None else double):
        g.op("Erf", [x], y, name=y)
        return
    g = _Double(g)
    z = g.op("Mul", [x, x], name=y)
    small = g.op("Div", [g.op("Mul", [x, _poly(g, z, _T, False, y)], name=y), _poly(g, z, _U, True, y)], name=y)
    a = g.op("Min", [g.op("Abs", [x], name=y), g.scalar(f"{y}.clamp", _CLAMP)], name=y)
    e = g.op("Exp", [g.op("Neg", [g.op("Mul", [a, a], name=y)], name=y)], name=y)
    near = g.op("Div", [g.op("Mul", [e, _poly(g, a, _P, False, y)], name=y), _poly(g, a, _Q, True, y)], name=y)
    far = g.op("Div", [g.op("Mul", [e, _poly(g, a, _R, False, y)], name=y), _poly(g, a, _S, True, y)], name=y)
    erfc = g.op("Where", [g.op("Less", [a, g.scalar(f"{y}.eight", 8.0)], name=y), near, far], name=y)
    big = g.op("Mul", [g.op("Sign", [x], name=y), g.op("Sub", [g.scalar(f"{y}.one", 1.0), erfc], name=y)], name=y)
    one = g.scalar(f"{y}.one_", 1.0)
    g.op("Where", [g.op("Greater", [g.op("Abs", [x], name=y), one], name=y), big, small], y, name=y)
