# Two commands: `make run` (set up, index the bundled corpus, serve) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup run test test-fast index serve eval bench lint clean

# Install once; re-run when pyproject.toml changes. torch is installed first and
# pinned so pip takes the CPU build instead of a multi-GB CUDA one.
$(BIN)/rag: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

setup: $(BIN)/rag

run: setup
	$(BIN)/rag index
	$(BIN)/rag serve

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

index: setup
	$(BIN)/rag index

serve: setup
	$(BIN)/rag serve

eval: setup
	$(BIN)/rag eval

lint: setup
	$(BIN)/ruff check rag ui tests eval
	$(BIN)/mypy

clean:
	rm -rf index .pytest_cache .mypy_cache .ruff_cache
