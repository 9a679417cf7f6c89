# mineralwatch: `make run` builds everything and writes the report; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
OUT    ?= out
export MINERALWATCH_WAREHOUSE ?= $(CURDIR)/$(OUT)/warehouse.duckdb

.PHONY: install run test test-all lint typecheck bench clean browser bench-all

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

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# Debian's chromium for the end-to-end browser tests (they skip, saying so, without it).
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1) \
	  || echo "chromium could not be installed: browser tests will be skipped"

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ""

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

bench-all: bench
	for b in criticality balance network screening stockpile documents web; do \
		$(BIN)/python -m benchmarks.$$b || exit 1; done

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
