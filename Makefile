PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint bench samples demo docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# torch for the test extra: PyPI's Linux x86 torch pulls ~3 GB of CUDA wheels, so a CPU-only wheel goes
# first: from TORCH_INDEX (e.g. https://download.pytorch.org/whl/cpu) when given, else from a local wheel
# directory pip is configured with (find-links), if the machine has one; otherwise PyPI's, as pip resolves it.
install: $(BIN)/python
	$(if $(TORCH_INDEX),$(BIN)/pip install torch --index-url $(TORCH_INDEX),$(BIN)/pip install -q --no-deps --no-index "torch>=2.5" 2>/dev/null || true)
	$(BIN)/pip install -e '.[test]'

test: install
	$(BIN)/ruff check nnconvert tests bench sample_models examples
	$(BIN)/python -m pytest -q -n 2 tests

lint: install
	$(BIN)/ruff check nnconvert tests bench sample_models examples
	$(BIN)/ruff format --check nnconvert tests bench sample_models examples

bench: install
	$(BIN)/python bench/bench.py --out bench_results.md
	$(BIN)/python bench/float32_agreement.py --out bench_results.md

samples: install
	$(BIN)/python sample_models/make_samples.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis

demo: install
	mkdir -p build/demo
	$(BIN)/nnconvert convert sample_models/logreg_iris.pkl -o build/demo/logreg.onnx --force
	$(BIN)/nnconvert verify sample_models/logreg_iris.pkl build/demo/logreg.onnx --data sample_models/iris.csv --target-column target
	$(BIN)/nnconvert inspect build/demo/logreg.onnx
	$(BIN)/nnconvert convert sample_models/svc_rbf.pkl -o build/demo/svc.onnx --force
	$(BIN)/nnconvert verify sample_models/svc_rbf.pkl build/demo/svc.onnx --data sample_models/wine.csv --target-column target
	$(BIN)/nnconvert inspect sample_models/svc_rbf.pkl
	$(BIN)/nnconvert convert sample_models/elm_hpelm.pkl -o build/demo/elm.onnx --force
	$(BIN)/nnconvert verify sample_models/elm_hpelm.pkl build/demo/elm.onnx --data sample_models/iris.csv --target-column target
	$(BIN)/nnconvert explain sample_models/elm_hpelm.pkl
	$(BIN)/nnconvert verify build/demo/svc.onnx

docs: install
	$(BIN)/nnconvert draw sample_models/logreg_iris.pkl -o docs/logreg_iris.svg --force
	$(BIN)/nnconvert draw sample_models/svc_rbf.pkl -o docs/svc_rbf.svg --force
	$(BIN)/nnconvert draw sample_models/elm_hpelm.pkl -o docs/elm_hpelm.svg --force
	$(BIN)/nnconvert draw sample_models/logreg_iris.pkl -o docs/logreg_iris.html --force
