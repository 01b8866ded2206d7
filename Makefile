# canlian: the two commands a new user types are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
export CANLIAN_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test install install-dev lint unit browser messages chromium clean bench bench-quick assets

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || PYTHON=python3; $${PYTHON:-python3} -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) assets

## make assets: the front-end libraries (ECharts) from package-lock.json into web/static/vendor/ (npm ci).
assets:
	@bash scripts/install-assets.sh

## make demo: install, migrate an SQLite database under var/, load demo data, start worker + server.
demo: install
	mkdir -p var/static
	$(BIN)/canlian migrate --noinput -v0
	$(BIN)/canlian load-regions
	$(BIN)/canlian demo-data
	@echo "Starting the worker and the server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/canlian db_worker --interval 0.5 >var/worker.log 2>&1 & \
	  $(BIN)/canlian runserver --noreload $(HOST):$(PORT)

## make test: install dev dependencies, lint, and run the whole suite (incl. the browser test).
## LINT=no skips the lint (.ci/run lints once: nothing it checks depends on the database).
LINT ?= yes
test: install chromium $(if $(filter no,$(LINT)),,lint) unit

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy src/canlian/platform src/canlian/core
	$(BIN)/canlian makemigrations --check --dry-run -v1 --settings=canlian.config.settings.test

## The suite runs on every core (pytest-xdist; each worker has its own test database).
TEST_WORKERS ?= auto
unit: install
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal

chromium:
	@bash scripts/ensure-chromium.sh

messages: install
	cd src/canlian && ../../$(BIN)/canlian makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/canlian compilemessages -l zh_Hans

## make bench: the benchmarks at province scale, on PostgreSQL (CANLIAN_BENCH_DATABASE_URL; see bench/*.py).
bench: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/bench_regions.py
	$(BIN)/python bench/search_persons.py
	$(BIN)/python bench/demo_persons.py
	$(BIN)/python bench/import_persons.py
	$(BIN)/python bench/monthly_cycle.py
	$(BIN)/python bench/settlement.py
	$(BIN)/python bench/indicators.py
	$(BIN)/python bench/compare_lists.py

## make bench-quick: every benchmark at one tenth of its size (same figures, baselines and ratios),
## to check a change in a few minutes before the full run; the indicators bench at one hundredth (at
## a tenth its 280 county cycles alone take over half an hour: each reads the whole lines table).
bench-quick: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/bench_regions.py --villages 70000
	$(BIN)/python bench/search_persons.py --persons 300000 --repeat 3 --drop
	$(BIN)/python bench/demo_persons.py --persons 300000
	$(BIN)/python bench/import_persons.py --rows 100000 --ie-rows 10000
	$(BIN)/python bench/monthly_cycle.py --enrollments 100000
	$(BIN)/python bench/settlement.py --children 2000 --institutions 20
	$(BIN)/python bench/indicators.py --people 30000 --runs 10 --baseline-runs 3
	$(BIN)/python bench/compare_lists.py --people 30000 --rows 10000

clean:
	rm -rf $(VENV) var .pytest_cache
