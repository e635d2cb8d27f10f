# motcua — two commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=
AXE_VERSION := 4.14.1

.PHONY: demo test install dev lint typecheck checks pytest pytest-sqlite pytest-postgres axe \
        constraints openapi messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -c constraints.txt -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -c constraints.txt -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

## make demo: install, initialise the embedded database, load the sample province, serve.
demo: $(VENV)/.installed
	$(BIN)/motcua demo

## make test: lint, type checks, layering, migrations and OpenAPI up to date, all tests
## (SQLite, then PostgreSQL when MOTCUA_TEST_DATABASE_URL is set).
test: checks pytest

lint: dev
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

typecheck: dev
	$(BIN)/mypy

checks: lint typecheck
	$(BIN)/lint-imports
	MOTCUA_VAR_DIR=$$(mktemp -d) $(BIN)/motcua makemigrations --check --dry-run
	MOTCUA_VAR_DIR=$$(mktemp -d) $(BIN)/motcua openapi --check
	$(BIN)/python -m motcua.core.i18n --check

pytest: pytest-sqlite pytest-postgres

## axe-core for the browser tests' accessibility checks, from the npm registry into the
## git-ignored node_modules/ (no package.json, no lock file). Without npm those checks skip.
axe:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "== npm not found: the accessibility checks (axe-core) will be skipped"; \
	elif ! grep -qs '"version": "$(AXE_VERSION)"' node_modules/axe-core/package.json; then \
		npm install --no-save --no-package-lock --no-audit --no-fund --silent \
			--prefix . axe-core@$(AXE_VERSION); \
	fi

pytest-sqlite: dev axe
	env -u DATABASE_URL $(BIN)/pytest -n 2 $(PYTEST_ARGS)

pytest-postgres: dev axe
	@if [ -n "$$MOTCUA_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$MOTCUA_TEST_DATABASE_URL"; \
		DATABASE_URL="$$MOTCUA_TEST_DATABASE_URL" $(BIN)/pytest -n 2 $(PYTEST_ARGS); \
	else \
		echo "== MOTCUA_TEST_DATABASE_URL not set: PostgreSQL tests skipped"; \
	fi

## Regenerate the pinned versions after a change of pyproject.toml.
constraints: | $(BIN)/python
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install -q -e '.[dev]'
	{ echo "# Exact versions that motcua is tested with. Install with: pip install -c constraints.txt -e '.[dev]'"; \
	  echo "# Regenerate after changing pyproject.toml: make constraints"; \
	  .venv-constraints/bin/pip freeze --exclude-editable | grep -v '^motcua'; } > constraints.txt
	rm -rf .venv-constraints

openapi: dev
	$(BIN)/motcua openapi

messages: dev
	$(BIN)/python -m motcua.core.i18n

bench: dev
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var node_modules .hypothesis .mypy_cache .ruff_cache
