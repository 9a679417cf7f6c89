# Convenience wrappers: the jobs themselves live in dev.py, which needs only Python 3.11+
# and pip (`python3 dev.py run`, `python3 dev.py test`: the README's quickstart).
PYTHON ?= python3
BIN    := .venv/bin

.PHONY: install run test test-all lint bench bench-all clean

install:
	$(PYTHON) dev.py install

run:
	$(PYTHON) dev.py run

test:
	$(PYTHON) dev.py test

test-all:
	$(PYTHON) dev.py test -m ""

lint:
	$(PYTHON) dev.py lint

bench:
	$(PYTHON) dev.py bench

bench-all: bench
	for b in criticality balance network screening stockpile documents web; do \
		$(BIN)/python -m benchmarks.$$b || exit 1; done

clean:
	$(PYTHON) dev.py clean
