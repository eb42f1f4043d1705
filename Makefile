# corp-carbon: the two set-up commands of the README, and what CI runs.
#   make demo   install into .venv and serve the demo on http://127.0.0.1:5000/ (SQLite)
#   make test   install the test extras into .venv and run the whole suite; changes nothing
#               outside the work tree (tests whose system part is missing skip, naming
#               scripts/install-system-deps.sh)
#   make system-deps test   the same on a fresh machine, installing PostgreSQL, Node.js,
#               LibreOffice, Chromium and wrk first (apt-get; what CI runs)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test check lint typecheck system-deps wheel clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,production]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/corp-carbon demo

system-deps:
	bash scripts/install-system-deps.sh

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r corp_carbon connectors --severity-level medium

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: lint typecheck test

wheel: $(VENV)/.installed-test
	$(BIN)/python -m build --wheel --outdir dist .

# Extracts the marked words, merges them into each catalogue (new ones untranslated, to fill
# in), and compiles the .mo files the app reads; tests/unit/test_translations.py checks both.
translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 --no-location --sort-output \
		--project corp-carbon -o corp_carbon/translations/corp_carbon.pot .
	$(BIN)/pybabel update -D corp_carbon -i corp_carbon/translations/corp_carbon.pot \
		-d corp_carbon/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -D corp_carbon -d corp_carbon/translations --statistics

clean:
	rm -rf $(VENV) dist build instance .pytest_cache .mypy_cache .ruff_cache
