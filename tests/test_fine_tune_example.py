"""examples/fine_tune.py, in a short run: fine-tuning on the shifted data must help every model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="torch is not installed (pip install 'nnconvert[torch]')")

SCRIPT = Path(__file__).parent.parent / "examples" / "fine_tune.py"


def test_fine_tuning_improves_field_accuracy() -> None:
    spec = importlib.util.spec_from_file_location("fine_tune", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.run(epochs=20)
    assert {"LogisticRegression", "SVC (RBF)", "RandomForest", "MLPClassifier"} <= {r["model"] for r in results}
    for r in results:
        assert r["after"] > r["before"] + 0.03, r
