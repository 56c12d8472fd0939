# Splits: every developer and CI command. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help run test test-sqlite test-mariadb test-e2e test-galera lint format typecheck stack-up stack-down bench bench-scale bench-smoke clean

help: ## List the targets with what they do
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml scripts/bootstrap.sh
	scripts/bootstrap.sh

run: $(VENV)/.installed ## Set up and run the API on SQLite at http://127.0.0.1:8000/ (demo data when empty)
	$(PY) -m api db upgrade
	$(PY) -m api seed --demo --if-empty --url http://127.0.0.1:$${PORT:-8000}
	$(PY) -m api serve --host 127.0.0.1 --port $${PORT:-8000}

test: ## Set up and run the whole suite: lint, SQLite, MariaDB, end-to-end (what CI runs)
	scripts/test.sh

test-sqlite: $(VENV)/.installed ## Run the unit and API tests on SQLite only
	scripts/test.sh sqlite

test-mariadb: $(VENV)/.installed ## Run the unit and API tests on a private MariaDB only
	scripts/test.sh mariadb

test-e2e: $(VENV)/.installed ## Run the end-to-end tests through nginx and uWSGI only
	scripts/test.sh e2e

test-galera: $(VENV)/.installed ## Run the failover tests on a 3-node Galera cluster only
	scripts/test.sh galera

lint: $(VENV)/.installed ## Check style, types and layers (ruff, mypy, lint-imports)
	scripts/test.sh lint

format: $(VENV)/.installed ## Format the code with ruff
	$(VENV)/bin/ruff format api dao domain models resources seeding tests
	$(VENV)/bin/ruff check --fix api dao domain models resources seeding tests

stack-up: $(VENV)/.installed ## Start MariaDB, two uWSGI instances and nginx on 127.0.0.1
	scripts/stack.sh up

stack-down: ## Stop the stack started by stack-up
	scripts/stack.sh down

bench: $(VENV)/.installed ## Run the benchmark harness (see bench/README.md)
	bench/run.sh

bench-scale: $(VENV)/.installed ## Measure feed, range view and leaderboard at 10k, 100k and 1M logs
	bench/run.sh --scale

bench-smoke: $(VENV)/.installed ## Prove the benchmark harness works, in a few seconds
	bench/run.sh --smoke

clean: ## Remove the virtualenv and local state under var/
	scripts/stack.sh down --all 2>/dev/null || true
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
