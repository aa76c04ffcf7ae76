# Two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp
# pytest-xdist: one test process per core (`make test PYTEST_WORKERS=0` runs in one process).
# Not `--dist worksteal`: a stolen test escapes pytest-django's order (transactional tests last,
# their flush then empties the database of the tests that follow: 139 errors on PostgreSQL,
# 2026-12-07). An extra process on SQLite was measured 8:29, 9:51 and 9:51 against 9:58: no
# clear gain, not kept.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS)
LOCALES := $(wildcard microcredit/*/locale/*/LC_MESSAGES/django.po microcredit/locale/*/LC_MESSAGES/django.po)

.PHONY: help install run demo test quality test-sqlite test-postgres browser-deps bench fix lock messages clean

help:
	@echo "make run   - installe, migre la base SQLite, charge la démo et sert http://127.0.0.1:$(PORT)"
	@echo "make test  - linters + tests (SQLite avec navigateur Chromium, puis PostgreSQL jetable)"
	@echo "make bench - mesures de performance (bench/)"
	@echo "make fix   - reformate et corrige automatiquement (ruff, djlint)"

## Dependencies: pinned with hashes in requirements/*.txt (regenerate with `make lock`).
install: $(STAMP) messages

$(STAMP): requirements/bootstrap.txt requirements/dev.txt pyproject.toml package.json package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/bootstrap.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements/dev.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Compiled translations are build products (not committed).
messages: $(STAMP)
	@for po in $(LOCALES); do msgfmt --check -o "$${po%.po}.mo" "$$po"; done

lock:
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements/bootstrap.in -o requirements/bootstrap.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements/base.in -o requirements/base.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements/dev.in -o requirements/dev.txt

## make run: the embedded SQLite database under var/, demo data, development server.
run: install
	$(BIN)/microcredit migrate --noinput
	SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/microcredit load_demo
	SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/microcredit runserver 127.0.0.1:$(PORT)

## make test: linters, then the whole suite on SQLite and on a throwaway PostgreSQL cluster, each
## in parallel processes (pytest-xdist; every process has its own test database, live server,
## MEDIA_ROOT and Chromium). The browser tests (tests/browser, marker `browser`) run on SQLite
## only: they check what Chromium does with the pages (CSP, scripts, htmx, forms), while the
## views, forms and queries behind those pages are tested with Django's test client on both
## databases. On PostgreSQL each of them would reload the demo data (SQLite copies it back from
## a snapshot): minutes that would take `make test` over its 15-minute budget. The tests marked
## `sqlite_only` (the client generated from the API's schema and run against the live test
## server) prove nothing more on PostgreSQL: the same answers are tested there with the test client.
test: install browser-deps quality test-sqlite test-postgres
	@echo "make test: linters, SQLite and PostgreSQL suites all passed."

quality: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djlint --lint --quiet microcredit
	$(BIN)/mypy loan_engine microcredit config
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/microcredit makemigrations --check --dry-run

test-sqlite: install browser-deps
	@echo "=== pytest on SQLite ==="
	DATABASE_URL= $(PYTEST)

test-postgres: install browser-deps
	@echo "=== pytest on PostgreSQL (throwaway cluster; browser tests on SQLite only) ==="
	scripts/with-postgres $(PYTEST) -m "not browser and not sqlite_only"

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "Chromium absent: installation avec apt-get…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null || { echo "ERREUR : Chromium introuvable et non installable." >&2; exit 1; }

bench: install
	$(BIN)/python bench/engine/run.py
	$(BIN)/python bench/rights/run.py
	$(BIN)/python bench/letters/run.py
	$(BIN)/python bench/arrears/run.py
	$(BIN)/python bench/reporting/run.py
	$(BIN)/python bench/rights/run.py --scan
	$(BIN)/python bench/load/run.py

fix: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint --reformat --quiet microcredit || true

clean:
	rm -rf $(VENV) node_modules var staticfiles
