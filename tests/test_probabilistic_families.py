"""Naive Bayes, discriminant analysis, clustering, mixtures and projections: the rules the
conformance cases do not pin by themselves (refusals, ties, absent methods, explain's numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import BisectingKMeans, KMeans
from sklearn.decomposition import NMF, MiniBatchNMF
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.naive_bayes import CategoricalNB, GaussianNB

import nnconvert
from nnconvert.errors import UnsupportedModel
from nnconvert.show.explain import explain
from tests.cases import blobs


@pytest.mark.parametrize("cls", [NMF, MiniBatchNMF])
def test_nmf_is_refused_with_its_reason(cls) -> None:
    X = np.abs(np.random.default_rng(0).normal(size=(40, 4)))
    est = cls(n_components=2, random_state=0, max_iter=500).fit(X)
    with pytest.raises(
        UnsupportedModel, match=rf"^{cls.__name__} is not supported: .*iteratively.*no exact closed-form network$"
    ):
        nnconvert.convert(est)


def test_lda_lsqr_has_no_transform_like_scikit_learn() -> None:
    X, y, _ = blobs(3, seed=1)
    net = nnconvert.convert(LinearDiscriminantAnalysis(solver="lsqr").fit(X, y))
    assert set(net.outputs) == {"predict", "predict_proba", "decision_function"}
    net = nnconvert.convert(LinearDiscriminantAnalysis(solver="svd").fit(X, y))
    assert "transform" in net.outputs


def test_kmeans_ties_go_to_the_first_centre() -> None:
    X, _, X_eval = blobs(3, seed=2)
    est = KMeans(n_clusters=3, n_init=1, random_state=0).fit(X)
    est.cluster_centers_ = est.cluster_centers_[[0, 0, 1]].copy()  # centres 0 and 1 coincide: every tie
    got = nnconvert.run(nnconvert.convert(est), X_eval)["predict"]
    np.testing.assert_array_equal(got, est.predict(X_eval))
    assert got.dtype == np.int32 and 1 not in set(got.tolist())


def test_bisecting_kmeans_network_is_its_tree() -> None:
    X, _, X_eval = blobs(5, seed=3)
    est = BisectingKMeans(n_clusters=5, random_state=0).fit(X)
    net = nnconvert.convert(est)
    (summary,) = net.meta.extra["summary"]
    assert summary["splits"] == 4 and summary["clusters"] == 5
    np.testing.assert_array_equal(nnconvert.run(net, X_eval)["predict"], est.predict(X_eval))


def test_categorical_nb_reads_category_indices_as_scikit_learn_truncates_them() -> None:
    rng = np.random.default_rng(4)
    X = rng.integers(0, 4, size=(200, 3)).astype(float)
    y = (X[:, 0] + rng.integers(0, 2, 200)) % 2
    est = CategoricalNB().fit(X, y)
    rows = np.array([[0.0, 1.0, 2.0], [0.7, 1.99, 3.5], [3.0, 0.2, 1.0]])  # non-integers truncate
    out = nnconvert.run(nnconvert.convert(est), rows)
    np.testing.assert_array_equal(out["predict"], est.predict(rows))
    np.testing.assert_allclose(out["predict_proba"], est.predict_proba(rows), rtol=1e-12, atol=1e-12)


def test_explain_tells_the_story_with_the_models_numbers() -> None:
    X, y, _ = blobs(3, seed=5)
    text = explain(nnconvert.convert(GaussianNB().fit(X, y)))
    assert "Gaussian naive Bayes is one quadratic neuron per class" in text
    assert "This model: GaussianNB, 3 classes: 3 quadratic neurons over 5 features" in text
