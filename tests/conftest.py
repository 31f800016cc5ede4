"""Test-session settings."""

import os

# HistGradientBoosting fits and predicts with OpenMP; on a shared machine one thread per test
# worker is far faster than a thread per core in every worker (pytest-xdist).
os.environ.setdefault("OMP_NUM_THREADS", "1")
