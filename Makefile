# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint index eval bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Default install: no torch.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e .
	touch $@

# Tests also cover the sentence-transformers backend; torch's CPU build must be pinned first.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[st,dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/assistant index
	$(BIN)/assistant serve

test: $(VENV)/.installed-dev
	$(BIN)/ruff check assistant tests
	$(BIN)/ruff format --check assistant tests
	$(BIN)/python -m pytest

index: $(VENV)/.installed
	$(BIN)/assistant index

eval: $(VENV)/.installed-dev
	$(BIN)/assistant eval --report evals/report.md

clean:
	rm -rf $(VENV) index/gen-* index/cache index/CURRENT
