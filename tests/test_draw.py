"""draw: real files from real fitted models and a 1000-centre RBF network, checked for content."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import nnconvert
from nnconvert import ir
from nnconvert.errors import NnconvertError
from nnconvert.ir.builder import GraphBuilder
from nnconvert.show.draw import DrawError, draw, layout

FEATURES = ("alcohol", "malic_acid", "ash", "magnesium", "flavanoids")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _data(n_classes: int, n_features: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(150, n_features))
    y = (
        np.argmax(X[:, :n_classes] + rng.normal(scale=0.5, size=(150, n_classes)), axis=1)
        if n_classes > 2
        else (X[:, 0] > 0).astype(int)
    )
    return X, y


@functools.cache
def logistic(n_classes: int, names: bool = True) -> ir.Network:
    """A fitted LogisticRegression's network; feature names set via Metadata (no pandas here)."""
    X, y = _data(n_classes)
    net = nnconvert.convert(LogisticRegression(max_iter=1000).fit(X, y))
    if names:
        net = net.replace(
            meta=ir.Metadata(net.meta.estimator, net.meta.task, classes=net.meta.classes, feature_names=FEATURES)
        )
    return net


def rbf_network(
    n_centres: int = 1000, n_features: int = 6, classes: tuple[str, ...] = ("cat", "dog", "emu")
) -> ir.Network:
    """SVC-shaped: distance -> dense(-gamma) -> exp -> pair layer -> step -> votes -> argmax."""
    rng = np.random.default_rng(7)
    k = len(classes)
    g = GraphBuilder(n_features)
    d = g.distance(g.input, rng.normal(size=(n_centres, n_features)), source={"centres": "support_vectors_"})
    kernel = g.act(g.scale(d, -0.25, 0.0, hint="neg_gamma"), "exp", hint="kernel")
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    decision = g.dense(
        kernel,
        rng.normal(size=(n_centres, len(pairs))),
        rng.normal(size=len(pairs)),
        source={"weight": "dual_coef_", "bias": "intercept_"},
        hint="pairs",
    )
    votes_w = np.zeros((len(pairs), k))
    for p, (i, j) in enumerate(pairs):
        votes_w[p, i], votes_w[p, j] = 1.0, -1.0
    votes = g.dense(g.act(decision, "step_gt", hint="wins"), votes_w, hint="votes")
    label = g.argmax_label(votes, np.array(classes))
    return g.build(
        {"decision_function": decision, "predict": label}, ir.Metadata("sklearn.svm.SVC", "classifier", classes=classes)
    )


@dataclass(frozen=True, eq=False)
class Coupling(ir.Node):
    """Pairwise coupling: ``p = couple(r)`` for ``n_classes`` classes (a kind draw does not know)."""

    op: ClassVar[str] = "test_coupling"
    input: str
    n_classes: int

    def infer(self, ins: list[ir.TensorInfo]) -> ir.TensorInfo:
        return ir.TensorInfo(self.n_classes)


def coupled_network() -> ir.Network:
    g = GraphBuilder(4)
    r = g.act(g.dense(g.input, np.ones((4, 3)), np.zeros(3), hint="pairs"), "sigmoid")
    p = g.add(Coupling, "proba", input=r, n_classes=3)
    return g.build(
        {"predict_proba": p, "predict": g.argmax_label(p, [0, 1, 2])}, ir.Metadata("x.Coupled", "classifier")
    )


def svg_ids(path: Path) -> tuple[list[str], list[str]]:
    """(ids of neuron circles, texts) of an SVG file, parsed as XML."""
    root = ET.parse(path).getroot()
    ids = [el.get("id") for el in root.iter() if (el.get("id") or "").startswith("neuron-")]
    texts = ["".join(el.itertext()).strip() for el in root.iter() if el.tag.endswith("}text")]
    return ids, texts


def dot_nodes(text: str) -> list[str]:
    return re.findall(r'^\s*"(neuron-\d+-\d+)" \[', text, flags=re.M)


def test_multiclass_logistic_svg(tmp_path: Path) -> None:
    net = logistic(3)
    draw(net, tmp_path / "lr.svg")
    ids, texts = svg_ids(tmp_path / "lr.svg")
    assert len(ids) == 5 + 3 + 3  # inputs, softmax neurons, one circle per class
    assert ids[:5] == [f"neuron-0-{i}" for i in range(5)]
    for caption in ("input x 5", "softmax x 3", "argmax -> classes", "= predict_proba", "= predict", *FEATURES):
        assert caption in texts
    assert "LogisticRegression: 5 features, 3 classes" in texts
    assert {"0", "1", "2"} <= set(texts)  # classes listed by the last column


def test_binary_logistic_png_and_dot(tmp_path: Path) -> None:
    net = logistic(2)
    assert layout(net).captions == ["input x 5", "sigmoid x 1", "> 0 -> classes", "dense x 2"]
    draw(net, tmp_path / "lr.png")
    draw(net, tmp_path / "lr.svg")
    data = (tmp_path / "lr.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    import matplotlib.image

    image = matplotlib.image.imread(tmp_path / "lr.png")
    root = ET.parse(tmp_path / "lr.svg").getroot()
    width_pt, height_pt = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert image.shape[2] == 4  # same figure as the SVG, at 100 dpi
    assert abs(image.shape[0] - height_pt / 72 * 100) < 1.5 and abs(image.shape[1] - width_pt / 72 * 100) < 1.5
    assert image[..., :3].min() < 0.5  # something was drawn on the white page
    draw(net, tmp_path / "lr.dot")
    dot = (tmp_path / "lr.dot").read_text()
    assert dot.startswith("digraph network {") and dot.rstrip().endswith("}")
    assert len(dot_nodes(dot)) == 5 + 1 + 2 + 2
    assert len(re.findall(r'^\s*"neuron-[\d-]+" -> "neuron-[\d-]+" \[', dot, flags=re.M)) == len(layout(net).edges)


def test_edges_follow_weight_sign_and_magnitude() -> None:
    net = logistic(3, names=False)
    lay = layout(net)
    w = net.node("scores").weight
    dense_edges = [e for e in lay.edges if e.dst.startswith("neuron-1-")]
    assert len(dense_edges) == np.count_nonzero(w)
    for e in dense_edges:
        i, j = int(e.src.rsplit("-", 1)[1]), int(e.dst.rsplit("-", 1)[1])
        assert e.sign == np.sign(w[i, j])
        assert e.strength == pytest.approx(abs(w[i, j]) / np.abs(w).max())
    assert max(e.strength for e in dense_edges) == 1.0
    assert [n.label for n in lay.neurons if n.layer == 0] == ["x0", "x1", "x2", "x3", "x4"]


def test_rbf_1000_centres_collapses(tmp_path: Path) -> None:
    net = rbf_network()
    lay = layout(net, max_neurons=12)
    assert lay.captions == ["input x 6", "RBF x 1000", "step x 3", "vote x 3", "argmax -> classes"]
    rbf = lay.layers[1]
    assert rbf.width == 1000 and rbf.shown == (*range(10), 999) and rbf.ellipsis_y is not None
    assert len(lay.edges) <= 6 * 11 + 11 * 3 + 3 * 3 + 3
    draw(net, tmp_path / "rbf.svg")
    ids, texts = svg_ids(tmp_path / "rbf.svg")
    assert len(ids) == 6 + 11 + 3 + 3 + 3
    assert "neuron-1-999" in ids and "neuron-1-10" not in ids
    assert {"RBF x 1000", "989 more", "vote x 3", "cat", "dog", "emu", "= decision_function"} <= set(texts)
    assert (tmp_path / "rbf.svg").stat().st_size < 150_000
    draw(net, tmp_path / "rbf.dot")
    dot = (tmp_path / "rbf.dot").read_text()
    assert len(dot_nodes(dot)) == len(ids) and "989 more" in dot
    draw(net, tmp_path / "rbf.png")
    assert (tmp_path / "rbf.png").read_bytes().startswith(PNG_SIGNATURE)


def test_max_neurons_controls_collapse() -> None:
    lay = layout(rbf_network(n_centres=40), max_neurons=5)
    assert lay.layers[0].shown == (0, 1, 2, 5)
    assert lay.layers[1].shown == (0, 1, 2, 39)
    assert len(layout(rbf_network(n_centres=40), max_neurons=100).layers[1].shown) == 40


def test_svg_is_deterministic(tmp_path: Path) -> None:
    net = logistic(3)
    draw(net, tmp_path / "a.svg")
    draw(net, tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_pipelines_and_regressors(tmp_path: Path) -> None:
    X, _ = _data(2, n_features=4)
    Y = X[:, :2] @ [[1.0, -2.0], [0.5, 3.0]]
    raw = nnconvert.convert(make_pipeline(MinMaxScaler(clip=True), LinearRegression()).fit(X, Y), simplify=False)
    assert layout(raw).captions == ["input x 4", "scale+clip x 4", "dense x 2"]
    scaled = nnconvert.convert(make_pipeline(StandardScaler(), LinearRegression()).fit(X, Y[:, 0]))
    lay = layout(scaled)  # the scaler folded into the regression neuron; the squeeze merges into it
    assert lay.captions == ["input x 4", "shift x 4", "dense x 1"] and lay.layers[2].outputs == ("predict",)
    for net, name in ((raw, "raw"), (scaled, "scaled")):
        draw(net, tmp_path / f"{name}.svg")
        ids, texts = svg_ids(tmp_path / f"{name}.svg")
        assert len(ids) == len(layout(net).neurons) and "= predict" in texts
        assert texts[0] == f"{net.meta.estimator_name}: 4 features"
    assert raw.meta.estimator_name == "Pipeline(MinMaxScaler, LinearRegression)"


def test_unknown_node_kind_is_drawn(tmp_path: Path) -> None:
    lay = layout(coupled_network())
    assert lay.captions == ["input x 4", "sigmoid x 3", "test_coupling x 3", "argmax -> classes"]
    draw(coupled_network(), tmp_path / "c.svg")
    assert len(svg_ids(tmp_path / "c.svg")[0]) == 4 + 3 + 3 + 3


def test_bad_requests(tmp_path: Path) -> None:
    with pytest.raises(DrawError, match=r"\.svg, \.png or \.dot"):
        draw(logistic(2), tmp_path / "net.jpg")
    with pytest.raises(ValueError):
        draw(logistic(2), tmp_path / "net")
    with pytest.raises(NnconvertError, match="max_neurons"):
        layout(logistic(2), max_neurons=2)
    assert not list(tmp_path.iterdir())
