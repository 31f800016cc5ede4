"""Big models convert quickly: the ONNX file's display description packs arrays no initializer
holds (a forest's node tables) instead of listing them number by number, and reads them back
exactly; the converter registry resolves an estimator's class without importing every library
module."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

import nnconvert
from nnconvert.errors import InvalidNetwork
from nnconvert.exporters.onnx.display import DISPLAY_KEY, PACK_MIN, read_display


def _forest() -> tuple[RandomForestClassifier, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 8))
    y = rng.integers(0, 3, 3000)
    return RandomForestClassifier(8, max_depth=12, random_state=0).fit(X, y), X


def test_forest_display_is_packed_and_reads_back_exactly() -> None:
    est, X = _forest()
    net = nnconvert.convert(est, tree_form="compact")
    model = nnconvert.to_onnx(net, dtype="float32")
    text = next(p.value for p in model.metadata_props if p.key == DISPLAY_KEY)
    packed = [v for d in json.loads(text)["nodes"] for v in d.values() if isinstance(v, dict) and "zlib_base64" in v]
    assert packed and all(np.prod(v["shape"]) > PACK_MIN for v in packed)
    back = read_display(model)
    assert back is not None
    for a, b in zip(net.nodes, back.nodes, strict=True):
        for field, value in a.params().items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(getattr(b, field), value)
    np.testing.assert_array_equal(nnconvert.run(back, X[:50])["predict"], est.predict(X[:50]))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: {**v, "dtype": "|O"},  # objects: refused
        lambda v: {**v, "shape": [v["shape"][0] + 1, *v["shape"][1:]]},  # bytes do not fill it
        lambda v: {**v, "shape": [2**40]},  # over the memory budget, before inflating
        lambda v: {**v, "zlib_base64": "!!!"},
    ],
)
def test_tampered_packed_array_is_a_broken_description(tamper) -> None:
    est, _ = _forest()
    model = nnconvert.to_onnx(nnconvert.convert(est, tree_form="compact"))
    prop = next(p for p in model.metadata_props if p.key == DISPLAY_KEY)
    spec = json.loads(prop.value)
    for d in spec["nodes"]:
        for k, v in d.items():
            if isinstance(v, dict) and "zlib_base64" in v:
                d[k] = tamper(v)
                break
    prop.value = json.dumps(spec)
    with pytest.raises(InvalidNetwork, match="display description"):
        read_display(model)
