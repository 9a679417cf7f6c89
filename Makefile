# mineralwatch: `make run` builds everything and writes the report; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
OUT    ?= out
export MINERALWATCH_WAREHOUSE ?= $(CURDIR)/$(OUT)/warehouse.duckdb

.PHONY: install run test test-all lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p $(OUT)
	$(BIN)/mineralwatch init
	$(BIN)/mineralwatch report --out $(OUT)/report
	@echo "Report: $(CURDIR)/$(OUT)/report/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ""

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
