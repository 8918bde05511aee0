# Two commands: `make run` (set up, index the bundled corpus, serve) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup run test test-fast index serve eval bench lint clean

# Install once; re-run when pyproject.toml changes. torch is installed first and
# pinned so pip takes the CPU build instead of a multi-GB CUDA one. pip is not quiet:
# a first install downloads a few hundred MB and shows what it is fetching.
PIP := $(BIN)/python -m pip install --progress-bar on --disable-pip-version-check
$(BIN)/rag: pyproject.toml
	@echo "==> [1/3] creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	@echo "==> [2/3] installing torch 2.13.0 (CPU build: the largest download, a few hundred MB)"
	$(PIP) torch==2.13.0
	@echo "==> [3/3] installing govdoc-rag and its dependencies into $(VENV)"
	$(PIP) -e '.[dev]'
	@touch $@
	@echo "==> installed: $(BIN)/rag"

setup: $(BIN)/rag

run: setup
	@echo "==> indexing corpus/ (the first build embeds every chunk: about a minute on 2 cores;"
	@echo "    later runs embed only what changed)"
	$(BIN)/rag index
	@echo "==> serving http://127.0.0.1:8000/ (chat page and API; Ctrl-C stops it)"
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
