"""explain: the model's own numbers, shapes and provenance, in text and markdown."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import nnconvert
from nnconvert.errors import NnconvertError
from nnconvert.show.explain import explain
from tests.test_draw import FEATURES, _data, coupled_network, logistic, rbf_network


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_multiclass_logistic(fmt: str) -> None:
    text = explain(logistic(3), fmt=fmt)
    headline = (
        "LogisticRegression, 3 classes (0, 1, 2), 5 features -> dense layer of 3 neurons (weight coef_.T, bias intercept_)"
        " = decision_function -> softmax = predict_proba -> argmax of decision_function -> classes_ = predict"
    )
    assert headline in text
    assert "one affine neuron per class" in text  # the family story
    for fact in (
        "[N, 5] -> [N, 3]",
        "W 5x3, b 3",
        "coef_.T",
        "intercept_",
        ", ".join(FEATURES),
        "Stored parameters: 18",
    ):
        assert fact in text
    assert "softmax: y_i = exp(x_i) / sum_j exp(x_j) (per row)" in text
    assert "predict_proba = X -> scores -> proba" in text


def test_markdown_layout() -> None:
    md = explain(rbf_network(), fmt="markdown")
    lines = md.splitlines()
    assert lines[0] == "# SVC as a neural network"
    assert "## Family" in lines and "## Layers" in lines and "## Outputs" in lines
    table = [line for line in lines if line.startswith("| ")]
    assert len(table) == 1 + 7  # header + one row per node
    assert all(row.count(" | ") == 6 for row in table[1:])  # pipes inside formulas are escaped
    assert "`y_j = sum_i (x_i - c_ji)^2  (computed as \\|x\\|^2" in md
    assert "| 1 | `distance` | distance | [N, 6] -> [N, 1000] |" in md


def test_binary_logistic_text() -> None:
    text = explain(logistic(2, names=False))
    assert text.startswith(
        "LogisticRegression, 2 classes (0, 1), 5 features -> dense layer of 1 neuron (weight coef_.T"
    )
    assert "threshold decision_function > 0 -> classes_ = predict" in text
    assert "y = 1 if x > 0 else 0" in text  # ThresholdLabel with this model's classes
    assert "W = [[-1.0, 1.0]], b = [1.0, 0.0]" in text  # the [1 - p, p] layer shown with its numbers


def test_rbf_svm_numbers_and_provenance() -> None:
    text = explain(rbf_network())
    assert (
        "SVC, 3 classes (cat, dog, emu), 6 features -> 1000 kernel neurons (sqeuclidean distance to each centre; centres support_vectors_)"
        in text
    )
    assert "one hidden neuron per support vector" in text
    for fact in (
        "1000 centres c_j of 6 coordinates",
        "w_j = -0.25, b_j = 0",
        "W 1000x3, b 3",
        "weight from dual_coef_, bias from intercept_",
    ):
        assert fact in text
    assert "step_gt: y = 1 if x > 0 else 0" in text
    assert "classes = cat, dog, emu" in text


def test_pipeline_and_regressor_provenance() -> None:
    X, _ = _data(2, n_features=4)
    net = nnconvert.convert(
        make_pipeline(StandardScaler(), LinearRegression()).fit(X, X[:, :2] @ [[1.0, 2.0], [3.0, -1.0]])
    )
    text = explain(net)
    assert text.startswith(
        "Pipeline(StandardScaler, LinearRegression), 4 features -> shift of 4 (bias -mean_) -> dense layer of 2 neurons (weight 1 / scale_ then coef_.T, bias intercept_) = predict"
    )
    assert "steps' networks in sequence" in text
    raw = explain(nnconvert.convert(LinearRegression().fit(X, X[:, 0] * 2 + 1)), fmt="markdown")
    assert "A linear model is one layer of affine neurons" in raw
    assert "| weight from coef_.T, bias from intercept_ |" in raw


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_unknown_node_kind(fmt: str) -> None:
    text = explain(coupled_network(), fmt=fmt)
    assert "Pairwise coupling: p = couple(r) for n_classes classes (a kind draw does not know); n_classes = 3" in text
    assert "test_coupling" in text and "x.Coupled" in text


def test_bad_format() -> None:
    with pytest.raises(NnconvertError, match="markdown"):
        explain(logistic(2), fmt="html")


def test_long_class_lists_are_shortened() -> None:
    from nnconvert import ir
    from nnconvert.ir.builder import GraphBuilder

    g = GraphBuilder(3)
    classes = np.arange(20) * 10
    label = g.argmax_label(g.dense(g.input, np.ones((3, 20))), classes)
    net = g.build({"predict": label}, ir.Metadata("x.Many", "classifier", classes=tuple(classes.tolist())))
    text = explain(net)
    assert "20 classes (0, 10, 20, 30, 40, 50, 60, 70, ... (20 in all))" in text
