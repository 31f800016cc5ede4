"""README's DataFrame quick start is examples/dataframe_quickstart.py, and it runs: the real
console script converts a real pickle and onnxruntime agrees with the pipeline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "dataframe_quickstart.py"


def test_readme_shows_the_script() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    body = SCRIPT.read_text().split('"""', 2)[2].strip()
    assert any(block.strip() == body for block in blocks), "README's DataFrame example is not the script"


def test_script_runs(tmp_path: Path) -> None:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)  # the venv's `nnconvert` console script
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "('city', 'tensor(string)')" in result.stdout
    assert (tmp_path / "churn.onnx").stat().st_size > 0
