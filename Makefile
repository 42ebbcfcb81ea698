# make run  : set up and serve the chat app on the default seeds (http://127.0.0.1:7860)
# make test : set up and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test index eval bench lint clean train-reader tune bench-squad

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

# one table: seeds dev.jsonl, news_dev, a SQuAD tune-half sample (accuracy, declines, citations, p50)
eval: setup
	$(BIN)/python benchmarks/eval_table.py --curve --all

bench: setup
	$(BIN)/python benchmarks/bench.py

# the shipped reader (qa/models/reader/), as its MODEL_CARD says: 3 epochs from MiniLM (~26-40 min on 2 CPU
# cores), 1 more epoch with "answer removed" negatives (~35 min), the int8 ONNX export, then the calibration
train-reader: setup
	$(BIN)/python -m qa train-reader --out build/reader-base
	$(BIN)/python -m qa train-reader --init build/reader-base --epochs 1 --lr 3e-5 --removed-rate 0.6 --distractor-rate 0.2 --checkpoints ""
	$(BIN)/python benchmarks/tune_answerer.py --fresh
	$(BIN)/python benchmarks/tune_kind_thresholds.py

# refit only the calibration (feature weights, decline threshold) on SQuAD tune data, then the
# per-kind decline thresholds on the news dev sets
tune: setup
	$(BIN)/python benchmarks/tune_answerer.py
	$(BIN)/python benchmarks/tune_kind_thresholds.py

bench-squad: setup
	$(BIN)/python benchmarks/squad.py --open-limit 1000

lint: setup
	$(BIN)/ruff check qa tests app.py benchmarks

clean:
	rm -rf index .pytest_cache
