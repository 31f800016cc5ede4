"""Regenerate the shipped sample models and their CSV datasets, deterministically.

``y = model(X)`` for small fitted models on datasets shipped inside scikit-learn (no
downloads). Every CSV has a header row of feature names and the label in a last column
named ``target`` (``--target-column target`` drops it); rows are at most 200. Models are
fitted on the float64 numpy arrays of exactly the rows shipped, with fixed seeds, so
running this script twice writes the same predictions (``tests/test_samples.py`` checks
that the shipped files are not stale).

Usage: ``python sample_models/make_samples.py [OUT_DIR]`` (default: this directory).
"""

from __future__ import annotations

import csv
import pickle
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
MAX_ROWS = 200
SEED = 0


@dataclass(frozen=True)
class Dataset:
    """``X`` (float64, rows x features), labels ``y`` and the CSV header names."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]


def _subsample(X: np.ndarray, y: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` rows of a seeded permutation, kept in their original order."""
    if len(X) <= n:
        return X, y
    idx = np.sort(np.random.default_rng(seed).permutation(len(X))[:n])
    return X[idx], y[idx]


def iris() -> Dataset:
    """Iris, 150 rows, 4 features, string labels setosa/versicolor/virginica."""
    from sklearn.datasets import load_iris

    d = load_iris()
    return Dataset("iris", d.data.astype(np.float64), d.target_names[d.target], tuple(d.feature_names))


def breast_cancer() -> Dataset:
    """Breast cancer, 200 of 569 rows, 30 features, integer labels 0 (malignant) / 1 (benign)."""
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    X, y = _subsample(d.data.astype(np.float64), d.target.astype(np.int64), MAX_ROWS, SEED)
    return Dataset("breast_cancer", X, y, tuple(d.feature_names))


def diabetes() -> Dataset:
    """Diabetes, 200 of 442 rows, 10 features, float regression target."""
    from sklearn.datasets import load_diabetes

    d = load_diabetes()
    X, y = _subsample(d.data.astype(np.float64), d.target.astype(np.float64), MAX_ROWS, SEED)
    return Dataset("diabetes", X, y, tuple(d.feature_names))


def wine() -> Dataset:
    """Wine, 178 rows, 13 features, 3 integer classes 0/1/2."""
    from sklearn.datasets import load_wine

    d = load_wine()
    return Dataset("wine", d.data.astype(np.float64), d.target.astype(np.int64), tuple(d.feature_names))


# --- models: each returns the object to pickle, fitted on the dataset's arrays ---------------


def fit_logreg(d: Dataset) -> Any:
    """StandardScaler -> multinomial LogisticRegression (3 string classes)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(d.X, d.y)


def fit_linear_svc(d: Dataset) -> Any:
    """StandardScaler -> LinearSVC (binary, integer labels)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    return make_pipeline(StandardScaler(), LinearSVC(C=0.5, max_iter=10000, random_state=SEED)).fit(d.X, d.y)


def fit_ridge(d: Dataset) -> Any:
    """Ridge regression (alpha 0.1) on the raw (already centred and scaled) diabetes features."""
    from sklearn.linear_model import Ridge

    return Ridge(alpha=0.1).fit(d.X, d.y)


def fit_svc_rbf(d: Dataset) -> Any:
    """StandardScaler -> SVC(kernel='rbf', gamma='scale'), 3 classes (one-vs-one votes)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(kernel="rbf", C=1.0, gamma="scale")).fit(d.X, d.y)


def fit_elm_hpelm(d: Dataset) -> Any:
    """hpelm ELM classifier: 20 sigmoid + 10 Gaussian (rbf_l2) random neurons, one-hot targets.

    hpelm draws its random hidden weights from ``np.random`` (``hpelm/elm.py`` add_neurons),
    so the legacy global seed is set right before. ``norm`` (hpelm's ridge term) keeps the output
    weights small: unregularised, ``Beta`` reaches ~7e5 with cancelling terms that float32
    cannot follow (the float64 network is still exact).
    """
    import hpelm

    classes = np.unique(d.y)
    T = (d.y[:, None] == classes[None, :]).astype(np.float64)
    np.random.seed(SEED)
    elm = hpelm.ELM(d.X.shape[1], len(classes), classification="c", norm=1e-3)
    elm.add_neurons(20, "sigm")
    elm.add_neurons(10, "rbf_l2")
    elm.train(d.X, T, "c")
    return elm


@dataclass(frozen=True)
class Sample:
    """One shipped model: file name, dataset, how it is fitted, what it is."""

    model_file: str
    dataset: Callable[[], Dataset]
    fit: Callable[[Dataset], Any]
    description: str
    hpelm_save: bool = False  # written by hpelm's own ELM.save() (a pickled dict)


SAMPLES: tuple[Sample, ...] = (
    Sample("logreg_iris.pkl", iris, fit_logreg, "Pipeline(StandardScaler, LogisticRegression), 3 string classes"),
    Sample("linear_svc_binary.pkl", breast_cancer, fit_linear_svc, "Pipeline(StandardScaler, LinearSVC), binary 0/1"),
    Sample("ridge_regression.pkl", diabetes, fit_ridge, "Ridge(alpha=0.1) regression, 10 features"),
    Sample("svc_rbf.pkl", wine, fit_svc_rbf, "Pipeline(StandardScaler, SVC(kernel='rbf')), 3 classes"),
    Sample("elm_hpelm.pkl", iris, fit_elm_hpelm, "hpelm ELM (20 sigm + 10 rbf_l2 neurons), 3 classes", True),
)


def csv_name(sample: Sample) -> str:
    return f"{sample.dataset.__name__}.csv"


def write_csv(d: Dataset, path: Path) -> None:
    """Header of feature names + ``target``; floats in shortest round-trip form (``repr``)."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([*d.feature_names, "target"])
        for row, label in zip(d.X, d.y, strict=True):
            w.writerow([*(repr(float(v)) for v in row), label.item() if hasattr(label, "item") else label])


def write_model(sample: Sample, model: Any, path: Path) -> None:
    if sample.hpelm_save:
        with warnings.catch_warnings():  # hpelm's save leaves its file to the garbage collector
            warnings.simplefilter("ignore", ResourceWarning)
            model.save(str(path))  # hpelm's own format: a pickled dict of arrays
    else:
        with path.open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)


def main(out_dir: str | Path = HERE) -> list[Path]:
    """Fit every sample and write its ``.pkl`` and ``.csv`` into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    datasets: dict[str, Dataset] = {}
    for sample in SAMPLES:
        name = csv_name(sample)
        if name not in datasets:
            datasets[name] = sample.dataset()
            write_csv(datasets[name], out / name)
            written.append(out / name)
        model = sample.fit(datasets[name])
        write_model(sample, model, out / sample.model_file)
        written.append(out / sample.model_file)
    return written


if __name__ == "__main__":
    for p in main(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(f"wrote {p} ({p.stat().st_size} bytes)")
