"""Neighbours and Gaussian processes beyond the conformance cases: scikit-learn's tie order,
a 100 000-sample model, and the settings the converters refuse."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process import kernels as K
from sklearn.neighbors import KNeighborsClassifier, NearestCentroid, RadiusNeighborsClassifier

import nnconvert
from nnconvert.check.verify import boundary_rows, compare, numpy_runner, onnx_runner, reference_outputs
from nnconvert.errors import UnsupportedModel
from nnconvert.runtime import run
from tests.cases.neighbors import grid


def _heap_select(d: np.ndarray, k: int) -> set[int]:
    """scikit-learn's brute-force selection: push samples in index order into a size-k max-heap
    that keeps a value only if it is below the root (``sklearn/utils/_heap.pyx::heap_push``)."""
    vals, inds = [np.inf] * k, [-1] * k
    for j, v in enumerate(d):
        if v >= vals[0]:
            continue
        i = 0
        while True:
            left, right = 2 * i + 1, 2 * i + 2
            if left >= k:
                break
            child = left if right >= k or vals[left] >= vals[right] else right
            if v >= vals[child]:
                break
            vals[i], inds[i] = vals[child], inds[child]
            i = child
        vals[i], inds[i] = v, j
    return set(inds)


def test_ties_at_the_kth_place_follow_the_search_heap_and_are_flagged() -> None:
    """On an integer grid scikit-learn's choice among equal k-th distances is its heap's, not the
    lowest index; the network keeps the lowest index, and every row where that changes the answer
    has a neighbour-vote margin of 0, so verify sees a boundary row."""
    X, y, Q = grid()
    k = 4
    est = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X, y)
    _, idx = est.kneighbors(Q)
    d2 = ((Q[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)  # exact on integers
    assert all(_heap_select(row, k) == set(i) for row, i in zip(d2, idx, strict=True))
    net = nnconvert.convert(est)
    got = run(net, Q)["predict_proba"]
    differ = np.abs(got - est.predict_proba(Q)).max(axis=1) > 1e-12
    vote = next(n for n in net.nodes if isinstance(n, nnconvert.ir.NeighbourVote))
    margin = vote.decision_margin([run(net, Q, trace=True)[vote.input]])
    assert differ.any(), "the grid should contain rows where the tie order matters"
    assert np.all(margin[differ] == 0)
    assert boundary_rows(net, Q)[differ].all()


def test_k1_ties_go_to_the_lowest_index_as_in_scikit_learn() -> None:
    """With one neighbour the heap keeps the first of equal distances: the network's rule."""
    X, y, Q = grid()
    est = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y)
    np.testing.assert_array_equal(run(nnconvert.convert(est), Q)["predict"], est.predict(Q))


def test_100k_samples_by_50_features_convert_and_run() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 50))
    est = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(X, rng.integers(0, 4, len(X)))
    start = time.perf_counter()
    net = nnconvert.convert(est)
    model = nnconvert.to_onnx(net, dtype="float64")
    assert time.perf_counter() - start < 30
    assert model.ByteSize() > X.nbytes  # the samples are the weights
    Q = np.vstack([rng.normal(size=(8, 50)), X[:4]])
    runner, _ = onnx_runner(model)
    for backend in (numpy_runner(net), runner):
        result = compare(lambda rows: reference_outputs(est, rows), backend, [Q], dtype="float64", network=net)
        assert result.equivalent, result.format_text()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: KNeighborsClassifier(3, weights=lambda d: d), "callable weights"),
        (lambda: KNeighborsClassifier(3, metric=lambda a, b: float(np.abs(a - b).sum())), "callable metric"),
        (lambda: KNeighborsClassifier(3, metric="minkowski", p=3, metric_params={"w": np.ones(2)}), "metric_params"),
        (lambda: KNeighborsClassifier(3, metric="hamming", algorithm="brute"), "metric 'hamming'"),
        (lambda: RadiusNeighborsClassifier(1.0, outlier_label=99), "not one of classes_"),
        (lambda: NearestCentroid(priors=[0.0, 0.5, 0.5]), "prior of 0"),
    ],
)
def test_neighbour_settings_without_an_exact_network_are_refused(make, reason: str) -> None:
    X, y, _ = grid()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make().fit(X, y)
    with pytest.raises(UnsupportedModel, match=reason):
        nnconvert.convert(est)


def test_multi_output_neighbour_classifier_is_refused() -> None:
    X, y, _ = grid()
    est = KNeighborsClassifier(3).fit(X, np.column_stack([y, 1 - y % 2]))
    with pytest.raises(UnsupportedModel, match="several outputs"):
        nnconvert.convert(est)


@pytest.mark.parametrize(
    ("est", "reason"),
    [
        (GaussianProcessRegressor(K.Matern(1.0, nu=2.0), optimizer=None), "Bessel"),
        (GaussianProcessRegressor(K.RBF(1.0) ** 2, optimizer=None), "Exponentiation is not supported"),
        (GaussianProcessClassifier(K.RBF(1.0), optimizer=None, multi_class="one_vs_one"), "one_vs_one"),
    ],
)
def test_gaussian_process_settings_without_an_exact_network_are_refused(est, reason: str) -> None:
    X, y, _ = grid()
    est.fit(X + np.random.default_rng(0).normal(scale=0.1, size=X.shape), y)
    with pytest.raises(UnsupportedModel, match=reason):
        nnconvert.convert(est)


def test_white_kernel_adds_to_the_std_but_not_to_the_mean() -> None:
    """``WhiteKernel`` is ``noise_level`` on k(x, x) only: dropping it changes predict_std alone."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    Q = rng.normal(size=(10, 2))
    base = GaussianProcessRegressor(K.RBF(1.0) + K.WhiteKernel(0.3), optimizer=None).fit(X, y)
    out = run(nnconvert.convert(base), Q)
    mean, std = base.predict(Q, return_std=True)
    np.testing.assert_allclose(out["predict"], mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["predict_std"], std, rtol=1e-10, atol=1e-12)
    base.kernel_ = K.RBF(1.0)  # same alpha_ and L_, no white noise on the diagonal
    out2 = run(nnconvert.convert(base), Q)
    np.testing.assert_array_equal(out2["predict"], out["predict"])
    assert np.all(out2["predict_std"] < out["predict_std"])


def test_explain_tells_the_neighbour_and_gp_stories_with_the_models_numbers() -> None:
    from nnconvert.show.explain import explain

    X, y, _ = grid()
    text = explain(nnconvert.convert(KNeighborsClassifier(7, weights="distance").fit(X, y)))
    assert "one distance neuron per stored sample" in text
    assert f"This model: KNeighborsClassifier: {len(X)} stored samples x 2 features" in text
    assert "the 7 nearest -> distance vote over 3 classes" in text
    gp = GaussianProcessRegressor(K.ConstantKernel(2.0) * K.RBF(0.5), optimizer=None).fit(X + 0.01 * y[:, None], y)
    text = explain(nnconvert.convert(gp), fmt="markdown")
    assert "## This model" in text and "1.41**2 * RBF(length_scale=0.5)" in text


def _wide_distance_models():
    """Distance-weighted brute-force models (k nearest and radius) in 30 dimensions, evaluated on their own training rows
    (where scikit-learn's GEMM distances to the equal sample are rounding noise, not 0) and on
    fresh rows."""
    from sklearn.neighbors import KNeighborsRegressor

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 30)) * 3 + 1
    y = rng.normal(size=300)
    rows = np.vstack([X[:150], rng.normal(size=(50, 30)) * 3 + 1])
    labels = np.digitize(y, [-0.5, 0.5])
    from sklearn.neighbors import RadiusNeighborsRegressor

    models = [
        KNeighborsRegressor(5, weights="distance", algorithm="brute").fit(X, y),
        KNeighborsClassifier(5, weights="distance", algorithm="brute").fit(X, labels),
        RadiusNeighborsRegressor(radius=25.0, weights="distance", algorithm="brute").fit(X, y),
        RadiusNeighborsClassifier(radius=25.0, weights="distance", algorithm="brute", outlier_label=0).fit(X, labels),
    ]
    return models, rows


def test_scikit_learns_own_distance_rounding_is_forgiven_only_where_it_applies(tmp_path) -> None:
    """Where scikit-learn's brute-force distance to an equal sample is rounding noise instead of 0,
    its distance weighting weighs that sample 1 / noise rather than by its zero-distance rule (the
    network's): verify allows that row the gap scikit-learn's own distances explain, counts it
    apart, and nothing else. A network off by 1e-6 still fails; the CLI says equivalent."""
    from nnconvert.converters.neighbors import distance_rounding, zero_tolerance
    from nnconvert.ir.neighbours import zero_threshold

    models, rows = _wide_distance_models()
    for est in models:
        net = nnconvert.convert(est)
        tiny = zero_threshold(zero_tolerance("euclidean", est._fit_X), np.float64)
        if hasattr(est, "kneighbors"):
            at_zero = (est.kneighbors(rows)[0] <= tiny).any(axis=1)
        else:
            at_zero = np.array([(d <= tiny).any() for d in est.radius_neighbors(rows)[0]])
        slack = distance_rounding(est, rows) or {}
        for name, extra in slack.items():
            assert not np.asarray(extra)[~at_zero].any(), name  # slack only where a distance counts as 0
        for runner in (numpy_runner(net, "float64"), onnx_runner(nnconvert.to_onnx(net, dtype="float64"))[0]):
            result = compare(lambda r, est=est: reference_outputs(est, r), runner, [rows], dtype="float64", network=net)
            assert result.equivalent, result.format_text()
            for rep in result.outputs.values():
                assert rep.n_boundary == 0
                assert rep.n_reference_rounding <= int(at_zero.sum())
        vote = next(n for n in net.nodes if isinstance(n, nnconvert.ir.NeighbourVote))
        off = net.replace(
            nodes=tuple(
                n if n is not vote else type(n)(**{**n.__dict__, "values": n.values * (1 + 1e-6) + 1e-6})
                for n in net.nodes
            )
        )
        wrong = compare(
            lambda r, est=est: reference_outputs(est, r),
            numpy_runner(off, "float64"),
            [rows],
            dtype="float64",
            network=off,
        )
        assert not wrong.equivalent
    import joblib

    from tests.cli_helpers import run_cli

    joblib.dump(models[0], tmp_path / "knn.joblib")
    np.savetxt(tmp_path / "rows.csv", rows, delimiter=",")
    res = run_cli("verify", tmp_path / "knn.joblib", "--data", tmp_path / "rows.csv")
    assert res.exit_code == 0, res.output
