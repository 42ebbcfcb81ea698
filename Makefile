# make run  : set up and serve the chat app on the default seeds (http://127.0.0.1:7860)
# make test : set up and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test index eval bench lint clean train-reader bench-squad

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	# torch first, pinned to the CPU wheel: otherwise pip fetches a multi-GB CUDA build
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

index: setup
	$(BIN)/python -m qa index

run: setup
	$(BIN)/python app.py

test: setup
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/python -m qa eval ../shared/eval/dev.jsonl

bench: setup
	$(BIN)/python benchmarks/bench.py

# the reader's weights (qa/models/reader/): ~1-1.5 h on 2 CPU cores, then tune threshold and mu on the tune half
train-reader: setup
	$(BIN)/python -m qa train-reader
	$(BIN)/python benchmarks/squad.py --tune-only

bench-squad: setup
	$(BIN)/python benchmarks/squad.py --open-limit 1000

lint: setup
	$(BIN)/ruff check qa tests app.py benchmarks

clean:
	rm -rf index .pytest_cache
