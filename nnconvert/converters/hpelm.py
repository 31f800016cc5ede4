"""hpelm model files: ``Y = [f_1(X) | f_2(X) | ...] @ Beta``, one ``f_k`` per neuron group.

Mirrors hpelm 1.0.10. ``ELM.save`` (``elm.py`` l.385) pickles a plain dict
``{"inputs", "outputs", "Classification", "Weights_WC", "neurons", "norm", "Beta"}`` where
``neurons`` is a list of ``(number, func, W, B)`` with ``W`` of shape ``[inputs, number]``;
``HPELM`` inherits that ``save``. Prediction is ``SLFN._predict`` (``nnets/slfn.py`` l.121-134):
``H = hstack(func[f](X, W, B) for each group)``, ``Y = H @ Beta``, with (l.61-66)

- ``lin``: ``X W + B``; ``tanh``: ``tanh(X W + B)``;
- ``sigm``: ``1 / (1 + exp(X W + B))`` -- note the plus sign: it is ``sigmoid(-(X W + B))``;
- ``rbf_l1`` / ``rbf_l2`` / ``rbf_linf``: ``exp(-d(X, W.T)^2 / B)`` with ``d`` the cityblock /
  euclidean / chebyshev distance to the centres (columns of ``W``) and ``B`` the widths.

hpelm stores no input normalisation in the model (``normalize_hdf5`` rewrites the data files
instead) and ``norm`` is the ridge parameter of training only: neither enters prediction.
``Weights_WC`` (mode ``wc``) only weights training samples (``add_data`` l.232).

Outputs. ``ELM.predict`` (l.372) returns the raw ``Y`` ``[N, outputs]`` in every mode; hpelm
picks classes from it in ``_error``/``confusion`` (l.343-353, 449-459): ``argmax`` for ``c`` and
``wc``, ``Y > 0.5`` per output for ``ml``. So the network gives, per ``Classification``:

- regression (``None``): ``predict = Y`` (2-D, as hpelm returns it);
- ``c``, ``wc``: ``decision_function = Y`` (what ``ELM.predict`` returns) and ``predict`` = the
  class index ``argmax(Y)`` (int64, ties to the lowest index like numpy's argmax);
- ``ml``: ``decision_function = Y`` and ``predict = (Y > 0.5)`` as an int64 0/1 matrix.

:class:`HpelmReference` wraps a live hpelm ``ELM`` with exactly these methods, so ``verify``
compares the network with hpelm itself. Converting needs only the saved dict (no hpelm):
``registry.as_model`` turns such a dict into :class:`HpelmModel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert.converters.registry import register
from nnconvert.errors import ModelLoadError, NotFitted, UnsupportedModel
from nnconvert.ir.builder import GraphBuilder

SAVED_KEYS = frozenset({"inputs", "outputs", "Classification", "Weights_WC", "neurons", "norm", "Beta"})
NEURON_TYPES = ("lin", "sigm", "tanh", "rbf_l1", "rbf_l2", "rbf_linf")
_RBF_METRIC = {"rbf_l1": "manhattan", "rbf_l2": "sqeuclidean", "rbf_linf": "chebyshev"}
_MODES = {None: None, "": None, "r": None, "c": "c", "wc": "wc", "ml": "ml", "mc": "ml"}


def is_saved_model(obj: Any) -> bool:
    """Whether ``obj`` is the dict that hpelm's ``ELM.save`` writes."""
    return type(obj) is dict and obj.keys() >= SAVED_KEYS


def _func_name(func: Any) -> str:
    if isinstance(func, np.ufunc):
        return f"numpy ufunc {func.__name__!r}"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    module = getattr(func, "__module__", None)
    return f"{module}.{name}" if module and name else repr(func)


@dataclass(frozen=True, eq=False)
class HpelmModel:
    """A loaded hpelm ``save()`` file: neuron groups ``(func, W, B)`` and output weights ``beta``."""

    inputs: int
    outputs: int
    classification: str | None
    neurons: tuple[tuple[str, np.ndarray, np.ndarray], ...]
    beta: np.ndarray

    @property
    def nnconvert_n_features(self) -> int:
        return self.inputs

    @property
    def nnconvert_task(self) -> str:
        return "regressor" if self.classification is None else "classifier"

    @property
    def classes_(self) -> np.ndarray | None:
        """Class indices for ``c``/``wc`` (hpelm has one output per class, no label names)."""
        return np.arange(self.outputs) if self.classification in ("c", "wc") else None

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> HpelmModel:
        """Validate hpelm's saved dict (raising on anything hpelm's ``load`` would not accept)."""
        if not is_saved_model(saved):
            raise ModelLoadError(f"not an hpelm model file: a dict with keys {sorted(SAVED_KEYS)} was expected")
        try:
            inputs, outputs = int(saved["inputs"]), int(saved["outputs"])
        except (TypeError, ValueError):
            raise ModelLoadError("hpelm model: 'inputs' and 'outputs' must be integers") from None
        mode = saved["Classification"]
        if mode not in _MODES:
            raise UnsupportedModel(f"hpelm model: unknown Classification mode {mode!r}; known: None, 'c', 'wc', 'ml'")
        if saved["Beta"] is None:
            raise NotFitted("this hpelm model was saved before training (Beta is None); train it before converting")
        groups = []
        for i, group in enumerate(saved["neurons"]):
            if not isinstance(group, (tuple, list)) or len(group) != 4:
                raise ModelLoadError(f"hpelm model: neuron group {i} is not (number, func, W, B)")
            number, func, W, B = group
            if not isinstance(func, str) or func not in NEURON_TYPES:
                raise UnsupportedModel(
                    f"hpelm neuron group {i} uses the custom function {_func_name(func)}, which has no exact network "
                    f"form; supported neuron types: {', '.join(NEURON_TYPES)}"
                )
            W = np.asarray(W, dtype=np.float64)
            B = np.asarray(B, dtype=np.float64)
            if W.shape != (inputs, int(number)) or B.shape != (int(number),):
                raise ModelLoadError(
                    f"hpelm neuron group {i} ({func}): W {W.shape} / B {B.shape} do not fit {number} neurons on {inputs} inputs"
                )
            if func in _RBF_METRIC and np.any(B == 0):
                raise UnsupportedModel(
                    f"hpelm neuron group {i} ({func}) has a zero RBF width: exp(-d^2 / 0) is undefined"
                )
            groups.append((func, W, B))
        if not groups:
            raise ModelLoadError("hpelm model has no neurons")
        beta = np.asarray(saved["Beta"], dtype=np.float64)
        n_neurons = sum(W.shape[1] for _, W, _ in groups)
        if beta.shape != (n_neurons, outputs):
            raise ModelLoadError(f"hpelm model: Beta has shape {beta.shape}, expected ({n_neurons}, {outputs})")
        return cls(inputs, outputs, _MODES[mode], tuple(groups), beta)


class HpelmReference:
    """hpelm's own prediction, with the methods the network reproduces (needs hpelm)."""

    def __init__(self, elm: Any) -> None:
        self.elm = elm
        mode = _MODES.get(elm.classification)
        if mode is not None:
            self.decision_function = elm.predict

    def predict(self, X: np.ndarray) -> np.ndarray:
        Y = self.elm.predict(X)
        mode = _MODES.get(self.elm.classification)
        if mode in ("c", "wc"):
            return Y.argmax(1)  # hpelm ELM._error / confusion
        if mode == "ml":
            return (Y > 0.5).astype(np.int64)  # hpelm ELM._error / confusion
        return Y

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> HpelmReference:
        """Rebuild a live hpelm ``ELM`` from a saved dict's *validated* arrays, as hpelm's own
        ``ELM.load`` does (elm.py l.410-431) but without ever pickling the file's objects:
        ``ELM(inputs, outputs)``, its ``nnet.add_neurons(number, func, W, B)`` per group and
        ``nnet.set_B(Beta)``."""
        try:
            import hpelm  # the reference is the library itself
        except ImportError:
            raise ModelLoadError("checking an hpelm model against its reference needs hpelm installed") from None

        model = HpelmModel.from_saved(saved)
        elm = hpelm.ELM(model.inputs, model.outputs)
        elm.classification = model.classification
        for func, W, B in model.neurons:
            elm.nnet.add_neurons(W.shape[1], func, W.astype(elm.precision), B.astype(elm.precision))
        elm.nnet.set_B(model.beta.astype(elm.precision))
        return cls(elm)


def _hidden(g: GraphBuilder, x: str, i: int, func: str, W: np.ndarray, B: np.ndarray) -> str:
    src = {"weight": f"neurons[{i}].W", "bias": f"neurons[{i}].B"}
    if func == "lin":
        return g.dense(x, W, B, source=src, hint="lin")
    if func == "tanh":
        return g.act(g.dense(x, W, B, source=src, hint="tanh_in"), "tanh")
    if func == "sigm":
        # slfn.py l.62: 1 / (1 + exp(XW + B)) = sigmoid(-(XW + B)); negation is exact.
        neg = g.dense(x, -W, -B, source={"weight": f"-neurons[{i}].W", "bias": f"-neurons[{i}].B"}, hint="sigm_in")
        return g.act(neg, "sigmoid", hint="sigm")
    # slfn.py l.64-66: exp(-d^2 / B), the centres are the columns of W.
    d = g.distance(x, W.T, _RBF_METRIC[func], source={"centres": f"neurons[{i}].W.T"}, hint=f"{func}_dist")
    if func != "rbf_l2":
        d = g.act(d, "square", hint=f"{func}_sq")
    scaled = g.scale(d, -1.0 / B, 0.0, source={"weight": f"-1 / neurons[{i}].B"}, hint=f"{func}_arg")
    return g.act(scaled, "exp", hint=func)


@register(
    "nnconvert.converters.hpelm.HpelmModel",
    "hpelm SLFN: [lin | sigm | tanh | rbf neuron groups] -> dense Beta = predict (regression) / "
    "decision_function with argmax (c, wc) or > 0.5 (ml) = predict",
)
def hpelm_model(m: HpelmModel, g: GraphBuilder, x: str) -> dict[str, str]:
    """``Y = hstack(groups) @ Beta`` (``SLFN._predict``); outputs per mode as in the module docstring."""
    hidden = g.concat([_hidden(g, x, i, func, W, B) for i, (func, W, B) in enumerate(m.neurons)], hint="H")
    y = g.dense(hidden, m.beta, source={"weight": "Beta"}, hint="Y")
    if m.classification is None:
        return {"predict": y}
    if m.classification == "ml":
        return {"decision_function": y, "predict": g.threshold_label(y, np.array([0, 1]), 0.5)}
    return {"decision_function": y, "predict": g.argmax_label(y, np.arange(m.outputs))}
