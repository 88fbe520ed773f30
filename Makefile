# Developer commands. Odoo 18 must be importable by $(PYTHON) (see README.md).
PYTHON ?= python3
TOOLS_VENV ?= .venv-tools
TOOLS_BIN = $(TOOLS_VENV)/bin

.PHONY: test run lint tools-venv dev-requirements

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
