"""Fine-tune converted models on shifted data with PyTorch, then export the exact network again.

Each model is fitted on data from one distribution; the "field" data has its features shifted and
rotated (a miscalibrated sensor). The converted network is fine-tuned with a few epochs of Adam on
a small labelled field sample and its exact accuracy on held-out field rows is reported before and
after. Differentiable networks (logistic regression, MLP) train on their exact ``predict_proba``;
networks with discrete parts (the SVC's step votes and argmax, the forest's splits) train as ``to_torch(soft=True)``
(steps -> sigmoid(x / t), argmax -> softmax(x / t)) and the trained weights go back into the exact
network (``with_trained_weights``), which is what is evaluated and could be exported to ONNX.

    python examples/fine_tune.py [--epochs 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

import nnconvert
from nnconvert import ir
from nnconvert.exporters.torch import to_torch, with_trained_weights

TEMPERATURE = 0.1  # of the soft steps and argmax while training networks with discrete parts


def make_data(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Three Gaussian classes in 4-D; the field data is rotated by 35 degrees and shifted."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0, 0.0], [3.0, 1.0, 0.0, -1.0], [0.0, 3.0, 1.0, 1.0]])

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 3, n)
        return centres[y] + rng.normal(scale=0.9, size=(n, 4)), y

    a = np.deg2rad(35)
    rot = np.eye(4)
    rot[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    shift = np.array([1.2, -0.8, 0.5, 0.0])

    def field(n: int) -> tuple[np.ndarray, np.ndarray]:
        X, y = sample(n)
        return X @ rot.T + shift, y

    return {"train": sample(600), "tune": field(150), "test": field(1000)}


def models() -> dict[str, Callable[[], Any]]:
    """The models to fine-tune. The RandomForest trains as a soft tree network: its split
    thresholds (``sigmoid((threshold - x) / t)``) and leaf values are parameters, and
    ``with_trained_weights`` writes them back into the exact tree nodes."""
    return {
        "LogisticRegression": lambda: LogisticRegression(max_iter=1000),
        "SVC (RBF)": lambda: SVC(kernel="rbf", gamma=0.5),
        "RandomForest": lambda: RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0),
        "MLPClassifier": lambda: MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=0),
    }


def _has_discrete_parts(net: ir.Network) -> bool:
    return any(
        isinstance(n, (ir.TreeSplits, ir.TreeEnsemble)) or (isinstance(n, ir.Activation) and n.fn.startswith("step"))
        for n in net.nodes
    ) or ("predict_proba" not in net.outputs)


def _accuracy(net: ir.Network, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(nnconvert.run(net, X)["predict"] == y))


def fine_tune(net: ir.Network, X: np.ndarray, y: np.ndarray, epochs: int, lr: float = 0.02) -> ir.Network:
    """A few epochs of full-batch Adam on the negative log-likelihood of the true classes."""
    soft = _has_discrete_parts(net)
    module = to_torch(net, dtype="float64", soft=soft, temperature=TEMPERATURE if soft else None)
    output = "predict" if soft else "predict_proba"  # soft predict: softmax(votes / t), a soft one-hot
    Xt, yt = torch.tensor(X), torch.tensor(y)
    optimiser = torch.optim.Adam(module.parameters(), lr=lr)
    for _ in range(epochs):
        optimiser.zero_grad()
        p = module(Xt)[output]
        loss = -torch.log(p[torch.arange(len(yt)), yt].clamp_min(1e-12)).mean()
        loss.backward()
        optimiser.step()
    return with_trained_weights(net, module)


def run(epochs: int, seed: int = 0) -> list[dict[str, Any]]:
    data = make_data(seed)
    results = []
    for name, make in models().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = make().fit(*data["train"])
        net = nnconvert.convert(est)
        before = _accuracy(net, *data["test"])
        start = time.perf_counter()
        tuned = fine_tune(net, *data["tune"], epochs=epochs)
        seconds = time.perf_counter() - start
        after = _accuracy(tuned, *data["test"])
        results.append({"model": name, "before": before, "after": after, "seconds": seconds, "epochs": epochs})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    results = run(args.epochs, args.seed)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"| model | field accuracy before | after {args.epochs} epochs of Adam | fine-tuning time |")
    print("|---|---|---|---|")
    for r in results:
        print(f"| {r['model']} | {r['before']:.1%} | {r['after']:.1%} | {r['seconds']:.2f} s |")


if __name__ == "__main__":
    main()
