"""TransformedTargetRegressor: ``predict = transformer_.inverse_transform(regressor_.predict(x))``
(``sklearn/compose/_target.py``), 1-D when fitted on a 1-D target. The inverse is exact for
a FunctionTransformer whose ``inverse_func`` is a named ufunc (or None) and for the affine
scalers (``inverse_transform`` in ``sklearn/preprocessing/_data.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnconvert.converters._blocks import as_column
from nnconvert.converters.registry import convert_into, register
from nnconvert.converters.transformers import apply_ufunc
from nnconvert.errors import UnsupportedModel
from nnconvert.ir.builder import GraphBuilder


def _affine_inverse(trans: Any) -> tuple[np.ndarray | float, np.ndarray | float, bool] | None:
    """``(mul, add, add_first)`` of a scaler's inverse: ``x * mul + add``, or ``(x + add) * mul``."""
    name = type(trans).__name__
    if name == "StandardScaler":
        return (trans.scale_ if trans.with_std else 1.0), (trans.mean_ if trans.with_mean else 0.0), False
    if name == "RobustScaler":
        return (trans.scale_ if trans.with_scaling else 1.0), (trans.center_ if trans.with_centering else 0.0), False
    if name == "MaxAbsScaler":
        return trans.scale_, 0.0, False
    if name == "MinMaxScaler":  # X -= min_; X /= scale_
        return 1.0 / np.asarray(trans.scale_, dtype=np.float64), -np.asarray(trans.min_, dtype=np.float64), True
    return None


def inverse_transform(trans: Any, g: GraphBuilder, t: str) -> str:
    """``trans.inverse_transform(t)`` where it has an exact network, else UnsupportedModel."""
    if type(trans).__name__ == "FunctionTransformer":
        if trans.inv_kw_args:
            raise UnsupportedModel("TransformedTargetRegressor: an inverse_func with inv_kw_args has no known network")
        out = apply_ufunc(g, t, trans.inverse_func)
        return g.act(out, "identity", hint="target") if out == t else out
    affine = _affine_inverse(trans)
    if affine is None:
        raise UnsupportedModel(
            f"TransformedTargetRegressor with a {type(trans).__name__} transformer: only FunctionTransformer "
            "(named ufuncs) and the Standard/MinMax/MaxAbs/Robust scalers have exact inverses here"
        )
    mul, add, add_first = affine
    width = g.width(t)
    if add_first:
        t = g.dense(t, np.eye(width), np.broadcast_to(add, (width,)), source={"bias": "-min_"}, hint="target_shift")
        return g.scale(t, mul, 0.0, source={"weight": "1 / scale_"}, hint="target")
    return g.scale(t, mul, add, source={"weight": "scale_", "bias": "offset"}, hint="target")


@register(
    "sklearn.compose.TransformedTargetRegressor",
    "regressor_'s network -> the transformer's inverse (a ufunc's activations or a scaler's affine map) = predict",
    pickle_support=("sklearn.preprocessing._function_transformer.FunctionTransformer",),
)
def transformed_target(est: Any, g: GraphBuilder, x: str) -> dict[str, str]:
    """``predict = inverse(regressor_.predict(x))``."""
    pred = as_column(g, convert_into(est.regressor_, g, x)["predict"])
    out = inverse_transform(est.transformer_, g, pred)
    if est._training_dim == 1 and g.width(out) == 1:
        out = g.squeeze(out, hint="prediction")
    g.summarize(
        "TransformedTargetRegressor",
        f"TransformedTargetRegressor: {type(est.regressor_).__name__} network -> inverse of "
        f"{type(est.transformer_).__name__}",
    )
    return {"predict": out}
