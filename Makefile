PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test promtool lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/prebook dev

# Branch coverage of both runs together; the floor is `fail_under` in pyproject.toml.
COV := --cov --cov-report= --cov-fail-under=0
# Four test processes (pytest-xdist), each taking whole files: most tests wait on servers and
# openings rather than compute, so four share the two cores well; module-scoped stacks stay
# in the process that runs their file.
PARALLEL := -n 4 --dist loadfile

test: $(STAMP) promtool
	$(BIN)/python -m pytest $(PARALLEL) $(COV)
	@echo "--- the end-to-end and API suites again, on PostgreSQL (TEST_DATABASE_URL) ---"
	PREBOOK_TEST_DATABASE=postgres $(BIN)/python -m pytest tests/e2e tests/api -p no:cacheprovider \
		$(PARALLEL) $(COV) --cov-append
	@echo "--- coverage of both runs (fails under fail_under in pyproject.toml) ---"
	$(BIN)/coverage report

# promtool runs the alert rules' unit tests (tests/deploy). It ships in Debian's prometheus
# package; only that one binary is taken from the package, into the venv, so no Prometheus
# server is installed or started. Without root and apt-get those tests skip and say why.
promtool: | $(BIN)/python
	@if command -v promtool >/dev/null || [ -x $(BIN)/promtool ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		tmp=$$(mktemp -d) && chmod 755 $$tmp && \
		( cd $$tmp && { apt-get download -qq prometheus 2>/dev/null || \
			{ apt-get update -qq && apt-get download -qq prometheus; }; } ) && \
		dpkg-deb --fsys-tarfile $$tmp/prometheus_*.deb | tar -x -C $$tmp ./usr/bin/promtool && \
		install -m 0755 $$tmp/usr/bin/promtool $(BIN)/promtool && \
		echo "installed $(BIN)/promtool from Debian's prometheus package" || \
		echo "could not install promtool from Debian's prometheus package"; \
		rm -rf $$tmp; \
	else echo "promtool is missing and apt-get is not usable as root: alert rule tests skip"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy api schema models jobs booking fakebox localqstash

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
