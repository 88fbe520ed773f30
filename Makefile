# Developer commands. Odoo 18 must be importable by $(PYTHON) (see README.md).
PYTHON ?= python3
TOOLS_VENV ?= .venv-tools
TOOLS_BIN = $(TOOLS_VENV)/bin

.PHONY: test run lint check-harness loadtest bench tools-venv dev-requirements

dev-requirements:
	$(PYTHON) -m pip install -q -r requirements-dev.txt

## Every addon test on a fresh throwaway database, over real HTTP; non-zero on failure.
test:
	$(PYTHON) tools/run_tests.py $(PYTEST_ARGS)

## Odoo on http://127.0.0.1:8069 with the addons and demo data, plus a demo API key.
run:
	$(PYTHON) tools/run_dev.py

$(TOOLS_BIN)/ruff: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_BIN)/pip install -q -r requirements-tools.txt
	touch $@

tools-venv: $(TOOLS_BIN)/ruff

lint: tools-venv
	$(TOOLS_BIN)/ruff check .
	$(TOOLS_BIN)/ruff format --check .

## Pre-commit hooks, workflow and compose schemas, `docker compose config`.
check-harness: tools-venv
	TOOLS_BIN=$(TOOLS_BIN) tools/check_harness.sh

## Locust against two Odoo servers on one database; asserts the throttle is exact.
loadtest: tools-venv
	TOOLS_VENV=$(TOOLS_VENV) $(PYTHON) loadtests/run.py --duration 60

## Side-by-side benchmark against Odoo's native external API (idle machine, ~45 min).
bench: tools-venv
	TOOLS_VENV=$(TOOLS_VENV) $(PYTHON) benchmarks/run.py
