"""Cases for CatBoost: binary / multiclass (string, bool labels) / one-vs-all classifiers, RMSE,
multi-label (MultiLogloss, MultiCrossEntropy) classifiers, multi-target, Poisson, Tweedie and
RMSEWithUncertainty regressors, scale and bias, oblivious and non-symmetric trees
(grow_policy Depthwise, Lossguide), every nan_mode (NaN rows in the
evaluation data; ``Forbidden`` models see NaN only there), rows exactly on and next to the float32 borders; each from the live model and
from its ``save_model(format="json")`` file, its ``.cbm`` file or its pickle, read by nnconvert (``to_convert``)."""

from __future__ import annotations

import functools
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.cases import Case, classes_of

try:
    import catboost
except ImportError:  # the boosters extra is not installed: no cases
    catboost = None


def border_rows(est: Any, X: np.ndarray, seed: int = 0) -> np.ndarray:
    """Rows whose features sit on a border, one float32 step above it, and a float64 hair above it
    (which float32 rounds back onto the border), for every border the model uses."""
    rng = np.random.default_rng(seed)
    rows = []
    for f, borders in est.get_borders().items():
        for b in borders:
            b32 = np.float32(b)
            if not np.isfinite(b32) or abs(b32) == np.finfo(np.float32).max:
                continue  # nan_mode='Max' borders at the float32 limit
            for v in (float(b32), float(np.nextafter(b32, np.float32(np.inf))), float(b32) * (1 + 1e-12) + 1e-300):
                row = X[rng.integers(len(X))].copy()
                row[int(f)] = v
                rows.append(row)
    return np.array(rows).reshape(-1, X.shape[1])


def _data(
    kind: str, n_classes: int = 2, seed: int = 0, nan: bool | str = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 5))
    score = X[:, 0] + 0.5 * X[:, 1] ** 2 - X[:, 2] * X[:, 3]
    if kind == "class":
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    elif kind == "labels":  # multi-label: n_classes 0/1 columns
        y = np.column_stack([score > np.median(score), X[:, 4] > 0, X[:, 3] - X[:, 0] > 0.5][:n_classes]).astype(int)
    elif kind == "count":
        y = rng.poisson(np.exp(0.4 * score.clip(-3, 3)))
    else:
        y = score * 3 + 1
    X_eval = rng.normal(size=(150, 5))
    if nan:
        if nan != "eval":
            X[rng.random(300) < 0.2, 1] = np.nan
            first = y if y.ndim == 1 else y[:, 0]
            X[(first == first.min()) & (rng.random(300) < 0.5), 0] = np.nan  # NaN says something: the model uses it
        X_eval[rng.random(150) < 0.25, 0] = np.nan
        X_eval[rng.random(150) < 0.25, 1] = np.nan
    return X, y, X_eval


def _fit(cls_name: str, kind: str, n_classes: int = 2, labels: str = "int", *, nan: bool | str = False,
         scale_bias: tuple[float, list[float]] | None = None, targets: int = 1, **kw: Any) -> Callable[[], Any]:  # fmt: skip
    def make() -> tuple[Any, np.ndarray]:
        X, y, X_eval = _data(kind, n_classes, seed=n_classes + targets, nan=nan)
        if kind == "class":
            y = classes_of(labels, n_classes)[y]
        if targets > 1:
            y = np.column_stack([y, -2 * y + X[:, 4]])
        params = {"iterations": 25, "depth": 4, "random_seed": 0, "verbose": 0, "allow_writing_files": False, **kw}
        est = getattr(catboost, cls_name)(**params).fit(X, y)
        if scale_bias is not None:
            est.set_scale_and_bias(*scale_bias)
        return est, np.vstack([X_eval, border_rows(est, np.nan_to_num(X_eval))])

    return make


def _from_json(est: Any) -> Any:
    """The model as nnconvert reads its ``save_model(format="json")`` file (no CatBoost involved)."""
    from nnconvert.io.loading import load_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        est.save_model(str(path), format="json")
        return load_model(path)


def _from_cbm(est: Any) -> Any:
    """The model as nnconvert reads CatBoost's default ``save_model`` file (``.cbm``, binary)."""
    from nnconvert.io.loading import load_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.cbm"
        est.save_model(str(path))
        return load_model(path)


def _from_pickle(protocol: int, est: Any) -> Any:
    """The model as nnconvert's safe loader reads its pickle."""
    from nnconvert.io.loading import load_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pkl"
        path.write_bytes(pickle.dumps(est, protocol=protocol))
        return load_model(path)


_SOURCES: dict[str, Callable[[Any], Any] | None] = {
    "live": None,
    "json": _from_json,
    "cbm": _from_cbm,
    "pickle": functools.partial(_from_pickle, 4),
}


def _cases() -> list[Case]:
    if catboost is None:
        return []
    configs: list[tuple[str, Callable[[], Any], tuple[str, ...]]] = [
        ("binary-int", _fit("CatBoostClassifier", "class"), ("live", "json", "pickle")),
        ("binary-bool-depth6", _fit("CatBoostClassifier", "class", labels="bool", depth=6), ("live", "json")),
        ("binary-nan-min", _fit("CatBoostClassifier", "class", nan=True, nan_mode="Min"), ("live", "json", "pickle")),
        ("binary-nan-max", _fit("CatBoostClassifier", "class", nan=True, nan_mode="Max"), ("live", "json", "pickle")),
        ("binary-crossentropy", _fit("CatBoostClassifier", "class", loss_function="CrossEntropy"), ("live", "json")),
        ("binary-str-focal", _fit("CatBoostClassifier", "class", labels="str", loss_function="Focal:focal_alpha=0.3;focal_gamma=2"),
         ("live", "json", "cbm")),
        ("3cls-str", _fit("CatBoostClassifier", "class", 3, "str"), ("live", "json", "pickle", "cbm")),
        ("4cls-wild-nan-max", _fit("CatBoostClassifier", "class", 4, "wild", nan=True, nan_mode="Max"), ("live", "json")),
        ("3cls-onevsall", _fit("CatBoostClassifier", "class", 3, "str", loss_function="MultiClassOneVsAll"),
         ("live", "json")),
        ("rmse", _fit("CatBoostRegressor", "reg"), ("live", "json", "pickle")),
        ("rmse-scale-bias", _fit("CatBoostRegressor", "reg", scale_bias=(0.75, [2.5])), ("live", "json", "pickle")),
        ("rmse-nan-forbidden", _fit("CatBoostRegressor", "reg", nan="eval", nan_mode="Forbidden"), ("live", "json")),
        ("rmse-nan-max", _fit("CatBoostRegressor", "reg", nan=True, nan_mode="Max", depth=3), ("live", "json")),
        ("mae-depth2", _fit("CatBoostRegressor", "reg", loss_function="MAE", depth=2), ("live",)),
        ("multirmse", _fit("CatBoostRegressor", "reg", targets=2, loss_function="MultiRMSE"), ("live", "json")),
        ("poisson", _fit("CatBoostRegressor", "count", loss_function="Poisson"), ("live", "json", "pickle", "cbm")),
        ("tweedie", _fit("CatBoostRegressor", "count", loss_function="Tweedie:variance_power=1.5"), ("live", "json")),
        ("labels3-multilogloss", _fit("CatBoostClassifier", "labels", 3, nan=True, loss_function="MultiLogloss"),
         ("live", "json", "pickle", "cbm")),
        ("labels2-multicrossentropy-depthwise",
         _fit("CatBoostClassifier", "labels", 2, loss_function="MultiCrossEntropy", grow_policy="Depthwise"),
         ("live", "json")),
        ("rmse-uncertainty", _fit("CatBoostRegressor", "reg", loss_function="RMSEWithUncertainty"),
         ("live", "json", "pickle")),
        # non-symmetric trees (step nodes): Depthwise fills levels, Lossguide grows a leaf at a time
        ("binary-depthwise-nan-min", _fit("CatBoostClassifier", "class", nan=True, grow_policy="Depthwise", depth=6),
         ("live", "json", "pickle")),
        ("3cls-lossguide-nan-max", _fit("CatBoostClassifier", "class", 3, "str", nan=True, nan_mode="Max",
                                        grow_policy="Lossguide", max_leaves=23, depth=8), ("live", "json", "pickle", "cbm")),
        ("3cls-depthwise-no-splits",  # every tree one leaf: the blob's leaf nodes name no binary feature
         _fit("CatBoostClassifier", "class", 3, grow_policy="Depthwise", min_data_in_leaf=100_000,
              loss_function="MultiClassOneVsAll"), ("live", "json", "pickle", "cbm")),
        ("rmse-lossguide", _fit("CatBoostRegressor", "reg", grow_policy="Lossguide", max_leaves=7),
         ("live", "json", "pickle")),
        ("multirmse-depthwise", _fit("CatBoostRegressor", "reg", targets=2, loss_function="MultiRMSE",
                                     grow_policy="Depthwise", depth=3, scale_bias=(0.5, [1.0, -2.0])), ("live", "json")),
    ]  # fmt: skip
    cases = []
    for name, make, sources in configs:
        cls = "CatBoostClassifier" if "cls" in name or "binary" in name or "labels" in name else "CatBoostRegressor"
        for source in sources:
            cases.append(Case(f"{cls}-{name}-{source}", make, to_convert=_SOURCES[source]))
    return cases


CASES = _cases()
