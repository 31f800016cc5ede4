"""Cases for Extreme Learning Machines: hpelm model files and scikit-elm estimators.

hpelm: ``make()`` trains a live hpelm model, writes it with its own ``save()`` and reads the
file back with plain pickle. The reference is the live model (through
:class:`~nnconvert.converters.hpelm.HpelmReference`, which calls hpelm's ``predict``); what
``nnconvert.convert`` receives (``Case.to_convert``) is the saved dict, as the CLI loads it.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings
from typing import Any

import numpy as np

from nnconvert.converters.hpelm import HpelmModel, HpelmReference
from tests.cases import Case, blobs, classes_of

N_FEATURES = 4


class TrainedHpelm(HpelmReference):
    """A live hpelm model (the reference) with the dict its ``save()`` wrote (what is converted)."""

    def __init__(self, elm: Any, saved: dict[str, Any]) -> None:
        super().__init__(elm)
        self.saved = saved


def saved_dict(elm: Any) -> dict[str, Any]:
    """Write ``elm`` with hpelm's ``save()`` and read the file back (plain pickle, as a test may)."""
    fd, path = tempfile.mkstemp(suffix=".pkl")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            # hpelm's save() leaves its file object to the garbage collector (ResourceWarning).
            warnings.simplefilter("ignore", ResourceWarning)
            elm.save(path)
        with open(path, "rb") as f:
            return pickle.load(f)
    finally:
        os.unlink(path)


def _neurons(rng: np.random.Generator, func: str, number: int) -> tuple[np.ndarray, np.ndarray]:
    """Random neurons drawn like hpelm's ``ELM.add_neurons`` defaults, from a seeded generator."""
    if func.startswith("rbf"):
        return rng.normal(size=(N_FEATURES, number)), np.abs(rng.normal(size=number)) * N_FEATURES + 0.5
    return rng.normal(size=(N_FEATURES, number)) * 3.0 / N_FEATURES**0.5, rng.normal(size=number)


def train_hpelm(groups: list[tuple[str, int]], mode: str | None, n_out: int = 3, *, seed: int = 0, hp: bool = False):
    """Train an hpelm ELM (or HPELM) on blobs; returns (TrainedHpelm, X_eval)."""
    import hpelm

    rng = np.random.default_rng(seed)
    X, y, X_eval = blobs(n_out, n_features=N_FEATURES, n_samples=200, seed=seed)
    X, X_eval = X / 2, X_eval / 2
    if mode is None:
        T = np.tanh(X @ rng.normal(size=(N_FEATURES, n_out))) + X[:, :1] ** 2
    elif mode == "ml":
        T = np.eye(n_out)[y] + np.eye(n_out)[(y + 1) % n_out] * (rng.random(len(y)) < 0.4)[:, None]
    else:
        T = np.eye(n_out)[y]
    elm = (hpelm.HPELM if hp else hpelm.ELM)(N_FEATURES, n_out)
    for func, number in groups:
        elm.add_neurons(number, func, *_neurons(rng, func, number))
    elm.train(X, T, *([mode] if mode else []))
    return TrainedHpelm(elm, saved_dict(elm)), X_eval


def _hpelm_case(
    cid: str, groups: list[tuple[str, int]], mode: str | None, n_out: int = 3, *, hp: bool = False, direct: bool = False
) -> Case:
    def make():
        return train_hpelm(groups, mode, n_out, seed=len(cid), hp=hp)

    # direct: hand the validated wrapper instead of the dict (the registry's own entry point).
    to_convert = (lambda est: HpelmModel.from_saved(est.saved)) if direct else (lambda est: est.saved)
    return Case(f"hpelm-{cid}", make, to_convert)


MIXED = [("lin", 4), ("sigm", 6), ("tanh", 5), ("rbf_l1", 4), ("rbf_l2", 5), ("rbf_linf", 3)]
HPELM_CASES = [
    *[_hpelm_case(f"{func}-regression", [(func, 4 if func == "lin" else 12)], None, 2) for func, _ in MIXED],
    _hpelm_case("mixed-regression-1out", MIXED, None, 1),
    _hpelm_case("mixed-c", MIXED, "c", 3),
    _hpelm_case("mixed-wc", MIXED, "wc", 4),
    _hpelm_case("mixed-ml", MIXED, "ml", 3),
    _hpelm_case("sigm-rbf_l2-c-direct", [("sigm", 8), ("rbf_l2", 8)], "c", 2, direct=True),
    _hpelm_case("HPELM-tanh-rbf_l1-c", [("tanh", 8), ("rbf_l1", 6)], "c", 3, hp=True),
    _hpelm_case("HPELM-sigm-regression", [("sigm", 10), ("sigm", 5)], None, 2, hp=True),
]


def _fit(est: Any, X: np.ndarray, y: np.ndarray) -> Any:
    """Fit a scikit-elm model: an ELM has more neurons than features by design, so the random
    projection's DataDimensionalityWarning (which skelm silences only at import) is expected."""
    from sklearn.exceptions import DataDimensionalityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataDimensionalityWarning)
        return est.fit(X, y)


def _skelm_classifier(cid: str, n_classes: int, labels: str, **params: Any) -> Case:
    def make():
        from skelm import ELMClassifier

        X, y, X_eval = blobs(n_classes, n_samples=200, seed=20 + n_classes)
        est = ELMClassifier(random_state=0, **{"n_neurons": 20, **params})
        return _fit(est, X / 2, classes_of(labels, n_classes)[y]), X_eval / 2

    return Case(f"skelm-ELMClassifier-{cid}-{n_classes}cls-{labels}", make)


def _skelm_multilabel() -> Case:
    def make():
        from skelm import ELMClassifier

        rng = np.random.default_rng(3)
        X = rng.normal(size=(200, 5))
        Y = np.stack([X[:, 0] + X[:, 1] > 0, X[:, 2] * X[:, 3] > 0, X[:, 4] > 0.5], axis=1).astype(int)
        return _fit(ELMClassifier(n_neurons=25, random_state=0), X, Y), rng.normal(size=(250, 5))

    return Case("skelm-ELMClassifier-tanh-multilabel3", make)


def _skelm_regressor(cid: str, n_targets: int, **params: Any) -> Case:
    def make():
        from skelm import ELMRegressor

        rng = np.random.default_rng(n_targets)
        X = rng.normal(size=(200, 4))
        y = np.sin(X @ rng.normal(size=(4, n_targets))) * 3 + X[:, :1] ** 2
        # alpha=1e-3: with skelm's default 1e-7 these ELMs interpolate with huge, cancelling output
        # weights that float32 cannot follow (float64 still matches); real users regularise.
        est = ELMRegressor(random_state=0, **{"n_neurons": 20, "alpha": 1e-3, **params})
        return _fit(est, X, y[:, 0] if n_targets == 1 else y), rng.normal(size=(250, 4)) * 1.2

    return Case(f"skelm-ELMRegressor-{cid}-{n_targets}target", make)


UFUNCS = ("tanh", "sigm", "relu", "lin")
SIDE_BY_SIDE = {"n_neurons": [10, 8, 6, 5], "ufunc": ["tanh", "sigm", "relu", "lin"]}
PAIRWISE = {"n_neurons": [10, 8], "ufunc": ["tanh", None], "pairwise_metric": [None, "euclidean"]}
SKELM_CASES = [
    *[_skelm_classifier(u, n, labels, ufunc=u) for u in UFUNCS for n, labels in ((2, "int"), (3, "str"))],
    _skelm_classifier("side-by-side", 4, "wild", **SIDE_BY_SIDE),
    _skelm_classifier("pairwise", 2, "str", **PAIRWISE),
    _skelm_classifier("pairwise", 3, "wild", **PAIRWISE),
    *[
        _skelm_classifier(f"pairwise-{m}", 3, "int", pairwise_metric=m)
        for m in ("cityblock", "l2", "sqeuclidean", "chebyshev")
    ],
    _skelm_classifier("sparse-density", 3, "int", density=0.5),
    _skelm_classifier("original-features", 2, "wild", include_original_features=True),
    _skelm_multilabel(),
    *[_skelm_regressor(u, 1, ufunc=u) for u in UFUNCS],
    _skelm_regressor("side-by-side", 3, **SIDE_BY_SIDE),
    _skelm_regressor(
        "pairwise-manhattan", 2, n_neurons=[6, 15], ufunc=["relu", None], pairwise_metric=[None, "manhattan"]
    ),
]

CASES: list[Case] = [*HPELM_CASES, *SKELM_CASES]
