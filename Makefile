# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BENCH_VENV := .venv-bench
# Debian's chromium, driven by Playwright in the dashboard's browser tests, screenshots and
# benchmark; Playwright never downloads a browser of its own here.
CHROMIUM := /usr/bin/chromium

.PHONY: run test bench eval screenshots clean

# `make run` installs lowtide alone, in a minute; `make test` adds the dev extras (torch,
# lightning, keras, transformers, mlflow, playwright), which take several minutes more.
RUN_INSTALLED := $(VENV)/.installed-run
DEV_INSTALLED := $(VENV)/.installed-dev

$(RUN_INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN_INSTALLED)

## run: start the lowtide server on the embedded SQLite store (http://127.0.0.1:7600);
## on first start (an empty store) it offers to fill it with the example of `lowtide demo`
run: $(RUN_INSTALLED)
	$(BIN)/lowtide demo --if-empty --ask
	$(BIN)/lowtide serve

$(CHROMIUM):
	command -v chromium || (apt-get update && apt-get install -y chromium)

## test: ruff, mypy (strict on src/) and pytest (browser tests in chromium included)
test: $(DEV_INSTALLED) $(CHROMIUM)
	$(BIN)/ruff check src tests evaluation $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests evaluation $(wildcard benchmarks)
	$(BIN)/mypy
	$(BIN)/pytest

$(BENCH_VENV)/bin/mlflow: pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_VENV)/bin/mlflow

## bench: ingest, SDK overhead, reads and memory, each against its peer
bench: $(BENCH_VENV)/bin/mlflow $(CHROMIUM)
	$(BENCH_VENV)/bin/python -m benchmarks

## eval: score the health engine on the evaluation corpus and the real runs
eval: $(DEV_INSTALLED)
	$(BIN)/python -m evaluation

## screenshots: a picture of each dashboard page, seeded with small real runs, in docs/
screenshots: $(DEV_INSTALLED) $(CHROMIUM)
	$(BIN)/python -m tests.server.dashboard.screenshots docs

clean:
	rm -rf $(VENV) $(BENCH_VENV) build *.egg-info src/*.egg-info
