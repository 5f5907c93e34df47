PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/prebook dev

test: $(STAMP)
	$(BIN)/python -m pytest
	@echo "--- the end-to-end and API suites again, on PostgreSQL (TEST_DATABASE_URL) ---"
	PREBOOK_TEST_DATABASE=postgres $(BIN)/python -m pytest tests/e2e tests/api -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy api schema models jobs booking localqstash

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
