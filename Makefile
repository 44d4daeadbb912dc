# Two commands on a fresh machine with Python 3.11+:  make demo   and   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo_output

.PHONY: demo test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	@# The distribution was called "ctk" before 0.2; its files would shadow the package.
	@$(BIN)/python -m pip uninstall --quiet --yes ctk 2>/dev/null || true
	$(BIN)/python -m pip install --quiet ".[test]"

demo: install
	$(BIN)/ctk demo $(DEMO_DIR)

test: install
	$(BIN)/ruff check toolkit tests bench
	$(BIN)/ruff format --check toolkit tests bench
	$(BIN)/mypy toolkit
	$(BIN)/python -m pytest -p no:cacheprovider tests

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info $(DEMO_DIR)
