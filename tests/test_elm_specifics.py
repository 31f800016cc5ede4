"""ELM and MLP details the conformance suite does not reach: hpelm files converted without
hpelm, refused configurations, and exact ties at the decision thresholds."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import nnconvert
from nnconvert.check.verify import reference_outputs
from nnconvert.converters.hpelm import HpelmModel, HpelmReference
from nnconvert.errors import ModelLoadError, NotFitted, UnsupportedModel
from tests.cases.elm import MIXED, saved_dict, train_hpelm


def test_hpelm_file_converts_without_hpelm(tmp_path) -> None:
    """The allow-list loader, ``nnconvert.convert`` and ``nnconvert convert`` (CLI) read an
    hpelm ``save()`` file in a process where ``import hpelm`` fails."""
    import onnxruntime as ort

    trained, X = train_hpelm(MIXED, "c", 3, seed=7)
    path, onnx_path = tmp_path / "model.pkl", tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # hpelm's save() does not close its file
        trained.elm.save(str(path))
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        sys.modules["hpelm"] = None  # any `import hpelm` now raises ImportError
        import nnconvert
        from nnconvert.cli import cli
        out = nnconvert.run(nnconvert.convert(nnconvert.load_model({str(path)!r})), np.load({str(tmp_path / "X.npy")!r}))
        np.savez({str(tmp_path / "out.npz")!r}, **out)
        cli.main(["convert", {str(path)!r}, "-o", {str(onnx_path)!r}, "--dtype", "float64"], standalone_mode=False)
        assert sys.modules["hpelm"] is None
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    Y = trained.elm.predict(X)
    out = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(out["decision_function"], Y, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(out["predict"], Y.argmax(1))
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, {"X": X}), strict=True))
    np.testing.assert_allclose(got["decision_function"], Y, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(got["predict"], Y.argmax(1))


def test_hpelm_custom_neuron_function_is_refused_by_name() -> None:
    import hpelm

    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(60, 3)), rng.normal(size=(60, 2))
    elm = hpelm.ELM(3, 2)
    elm.add_neurons(4, np.sin)
    elm.nnet.func[np.sin] = lambda X, W, B: np.sin(X @ W + B)  # how hpelm runs a custom ufunc
    elm.train(X, T)
    with pytest.raises(UnsupportedModel, match="sin"):
        nnconvert.convert(saved_dict(elm))


def test_hpelm_untrained_and_foreign_dicts_are_refused() -> None:
    import hpelm

    elm = hpelm.ELM(3, 2)
    elm.add_neurons(4, "tanh")
    with pytest.raises(NotFitted):
        nnconvert.convert(saved_dict(elm))
    with pytest.raises(UnsupportedModel, match="not a supported model"):
        nnconvert.convert({"weights": [1, 2]})
    with pytest.raises(ModelLoadError):
        HpelmModel.from_saved({"inputs": 3})


def test_hpelm_reference_rebuilt_from_the_file_matches_the_trained_model() -> None:
    trained, X = train_hpelm([("sigm", 6), ("rbf_linf", 4)], "ml", 3, seed=3)
    rebuilt = HpelmReference.from_saved(pickle.loads(pickle.dumps(trained.saved)))
    np.testing.assert_array_equal(rebuilt.decision_function(X), trained.decision_function(X))
    np.testing.assert_array_equal(rebuilt.predict(X), trained.predict(X))
    assert set(np.unique(rebuilt.predict(X))) <= {0, 1}
    # verify's reference for a loaded hpelm file is that rebuilt hpelm model
    ref = reference_outputs(trained.saved, X)
    assert set(ref) == {"predict", "decision_function"}
    np.testing.assert_array_equal(ref["decision_function"], trained.decision_function(X))


def test_hpelm_argmax_tie_takes_the_first_class() -> None:
    trained, X = train_hpelm([("tanh", 5)], "c", 3, seed=1)
    saved = dict(trained.saved, Beta=np.zeros_like(trained.saved["Beta"]))
    out = nnconvert.run(nnconvert.convert(saved), X)
    np.testing.assert_array_equal(out["predict"], np.zeros(len(X), dtype=np.int64))


def _mlp(y, **kw):
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    return MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0, **kw).fit(X, y(X)), X


@pytest.mark.parametrize(
    "target",
    [lambda X: np.where(X[:, 0] > 0, "yes", "no"), lambda X: np.stack([X[:, 0] > 0, X[:, 1] > 0], 1).astype(int)],
    ids=["binary", "multilabel"],
)
def test_mlp_probability_exactly_one_half_is_the_negative_label(target) -> None:
    """inverse_transform thresholds with a strict ``p > 0.5``: a zeroed output layer gives
    p == 0.5 exactly, which scikit-learn maps to the negative label."""
    est, X = _mlp(target)
    est.coefs_[-1][:] = 0.0
    est.intercepts_[-1][:] = 0.0
    out = nnconvert.run(nnconvert.convert(est), X)
    np.testing.assert_array_equal(out["predict"], est.predict(X))
    assert np.all(est.predict_proba(X) == 0.5)


def test_mlp_unknown_activation_is_refused() -> None:
    est, _ = _mlp(lambda X: (X[:, 0] > 0).astype(int))
    est.activation = "softplus"
    with pytest.raises(UnsupportedModel, match="softplus"):
        nnconvert.convert(est)


def _skelm(**kw):
    from skelm import ELMClassifier
    from sklearn.exceptions import DataDimensionalityWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataDimensionalityWarning)
        return ELMClassifier(random_state=0, **{"n_neurons": 6, **kw}).fit(X, np.where(X[:, 0] > 0, 5, 9)), X


def test_skelm_binary_score_exactly_one_half_is_the_negative_label() -> None:
    est, X = _skelm()
    est.solver_.coef_ = np.zeros_like(est.solver_.coef_)
    est.solver_.intercept_ = np.float64(0.5)
    out = nnconvert.run(nnconvert.convert(est), X)
    np.testing.assert_array_equal(out["predict"], est.predict(X))
    assert np.all(out["predict"] == 5)


@pytest.mark.parametrize(("kw", "match"), [({"ufunc": np.sin}, "sin"), ({"pairwise_metric": "cosine"}, "cosine")])
def test_skelm_inexpressible_hidden_layers_are_refused(kw, match) -> None:
    est, _ = _skelm(**kw)
    with pytest.raises(UnsupportedModel, match=match):
        nnconvert.convert(est)


def _pickled_models():
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, "a", "b")
    yield "mlp-adam", MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y), X
    yield "mlp-sgd", MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", max_iter=20, random_state=0).fit(X, X[:, 0]), X
    est, X = _skelm(
        n_neurons=[4, 3, 5], ufunc=["sigm", "lin", None], density=[0.5, None, None], pairwise_metric=[None, None, "l1"]
    )
    yield "skelm", est, X


def test_pickled_models_load_through_the_allow_list(tmp_path) -> None:
    """Each converter's ``pickle_support`` lets the allow-list unpickler read its models."""
    for name, est, X in _pickled_models():
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(pickle.dumps(est))
        loaded = nnconvert.load_model(path)
        out = nnconvert.run(nnconvert.convert(loaded), X)
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        if name == "mlp-sgd":
            np.testing.assert_allclose(out["predict"], est.predict(X), rtol=1e-9)
        else:
            np.testing.assert_array_equal(out["predict"], est.predict(X))
