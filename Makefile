PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint bench samples demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -e '.[test]'

test: install
	$(BIN)/python -m pytest -q -n 2 tests

lint: install
	$(BIN)/ruff check nnconvert tests bench sample_models
	$(BIN)/ruff format --check nnconvert tests bench sample_models

bench: install
	$(BIN)/python bench/bench.py --out bench_results.md

samples: install
	$(BIN)/python sample_models/make_samples.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
