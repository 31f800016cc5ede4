"""Conformance cases: every supported estimator in every configuration.

Each family module defines ``CASES``: a list of :class:`Case`. ``make()`` returns a fitted
estimator and float64 evaluation rows (never the training rows alone: include rows near
decision boundaries where the family has them), or a pandas DataFrame of rows for a model
fitted on one: then the estimator is called on the DataFrame and every backend is fed by
column name (``Case.inputs`` is ``nnconvert.convert``'s ``inputs``). A registered estimator without a case
fails ``test_every_registered_estimator_has_a_case``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[], tuple[Any, np.ndarray]]
    # What to hand to nnconvert.convert when it is not the reference estimator itself
    # (e.g. the dict an hpelm ``save()`` file holds, while the live hpelm model is the reference).
    to_convert: Callable[[Any], Any] | None = None
    # How trees become neurons (nnconvert.convert's tree_form): cases run both forms where both apply.
    tree_form: str = "auto"
    # The network's interface (nnconvert.convert's inputs): auto, matrix or columns.
    inputs: str = "auto"

    def convert_input(self, estimator: Any) -> Any:
        return estimator if self.to_convert is None else self.to_convert(estimator)

    def __str__(self) -> str:
        return self.id

    def build(self) -> tuple[Any, Any]:
        return _built(self)


@functools.cache
def _built(case: Case) -> tuple[Any, Any]:
    return case.make()


def all_cases() -> list[Case]:
    from tests.cases import linear  # one line per family module

    modules = [linear]
    for name in (
        "svm",
        "elm",
        "mlp",
        "calibration",
        "kernel_approx",
        "labels",
        "trees",
        "boosting",
        "catboost_models",
        "lightgbm_models",
        "ensembles",
        "neighbors",
        "gaussian_process",
        "bayes",
        "clustering",
        "decomposition",
        "preprocess",
        "splines",
        "encoders",
        "wrappers",
        "columns",
        "xgboost_models",
    ):
        try:
            modules.append(__import__(f"tests.cases.{name}", fromlist=["CASES"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.cases.{name}":
                raise
    cases = [c for m in modules for c in m.CASES]
    ids = [c.id for c in cases]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate case ids: {sorted(dupes)}")
    return cases


# Labels in a dtype of their own, which predict must keep (scikit-learn's classes_.dtype).
TYPED_LABELS = {
    "uint8": np.array([3, 250, 7, 0, 128], dtype=np.uint8),
    "int32": np.array([-70000, 5, 2**31 - 1, -3, 12], dtype=np.int32),
    "float32": np.array([2.0, -1.0, 3e5, 7.0, 0.0], dtype=np.float32),  # scikit-learn needs whole numbers
    "bool": np.array([False, True]),
}


def classes_of(kind: str, n: int) -> np.ndarray:
    """Label sets the cases use: ``int`` (0..n-1), ``wild`` (arbitrary ints), ``str``, and the
    typed sets of :data:`TYPED_LABELS` (``uint8``, ``int32``, ``float32``, ``bool``)."""
    if kind in TYPED_LABELS:
        if n > len(TYPED_LABELS[kind]):
            raise ValueError(f"{kind} labels have at most {len(TYPED_LABELS[kind])} classes")
        return TYPED_LABELS[kind][:n]
    if kind == "int":
        return np.arange(n)
    if kind == "wild":
        return np.array([3, 7, 11, 40, -5, 1000, 2, 9][:n])
    if kind == "str":
        return np.array(["cat", "dog", "emu", "fox", "gnu", "hen", "ibis", "jay"][:n])
    raise ValueError(kind)


def blobs(
    n_classes: int, n_features: int = 5, n_samples: int = 240, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping Gaussian blobs: (X_train, y_index_train, X_eval). X_eval mixes fresh points
    with midpoints between training points of different classes (near decision boundaries)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(n_classes, n_features))
    y = rng.integers(0, n_classes, size=n_samples)
    X = centres[y] + rng.normal(scale=1.5, size=(n_samples, n_features))
    fresh = centres[rng.integers(0, n_classes, 150)] + rng.normal(scale=2.0, size=(150, n_features))
    a, b = rng.integers(0, n_samples, 100), rng.integers(0, n_samples, 100)
    mids = (X[a] + X[b]) / 2
    return X, y, np.vstack([fresh, mids])
