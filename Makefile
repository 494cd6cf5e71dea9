# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean bench

$(BIN)/tieline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/tieline

## Ingest the bundled demo workspace into ./tieline.db and print its accounts.
demo: install
	$(BIN)/tieline demo

## Lint, type-check, check the architecture contracts, run the test suite.
lint: install
	$(BIN)/ruff check tieline tests $(wildcard bench eval)
	$(BIN)/ruff format --check tieline tests $(wildcard bench eval)
	$(BIN)/mypy tieline tests $(wildcard bench eval)
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache tieline.db*
