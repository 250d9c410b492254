# The front door: `make run` serves the demo; `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PYTEST := $(PY) -m pytest
# One worker per core; override with `make test TEST_WORKERS=0` to run in one process.
# Each worker starts with half of the tests in collection order, so a module's tests stay
# together and its module-scoped data is built once, and a worker that runs out takes some of
# the other's (worksteal): the PostgreSQL and browser run took 10 min 29 s so, against
# 14 min 17 s with whole files per worker (loadfile). `loadgroup` cannot keep files together:
# pytest-xdist 3.8 marks groups in a node id that pytest 9 no longer reads.
TEST_WORKERS ?= 2
XDIST_WITH = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist $(1))
XDIST := $(call XDIST_WITH,worksteal)
XDIST_BROWSER := $(XDIST)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup install frontend postcodes demo test lint lint-layers migrations-check test-sqlite test-postgres \
        test-browser test-postgres-and-browser test-frontdoor browser-deps lock bench load load-smoke nginx-deps clean audit backup restore

run: setup demo
	@$(MANAGE) demo_logins
	@$(PY) -c "import socket as s; p = s.socket(); p.setsockopt(s.SOL_SOCKET, s.SO_REUSEADDR, 1); p.bind(('$(HOST)', $(PORT)))" 2>/dev/null || { \
	  echo "Port $(PORT) on $(HOST) is in use (another make run?): stop that server, or run make run PORT=$$(( $(PORT) + 1 ))"; exit 1; }
	$(MANAGE) runserver $(HOST):$(PORT)

setup: install frontend postcodes
	@echo "Setting up the database (db.sqlite3, or DATABASE_URL if set): migrations, then the taxonomies"
	@$(PY) scripts/stale_dev_db.py
	@$(MANAGE) migrate --noinput || { echo "Migrating failed (above). A db.sqlite3 from an older checkout may not migrate: remove it and run make run again"; exit 1; }
	$(MANAGE) load_taxonomies

demo:
	@echo "Loading the demo data (fictional organisations; in development also the demo accounts and their working set)"
	$(MANAGE) load_demo_data

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-virtualenv -r requirements.lock
	touch $@

frontend: node_modules/.installed static/dist/css/main.css

# The offline postcode table (from the pinned ONS Postcode Directory package), built once.
postcodes: install var/postcodes.sqlite3

var/postcodes.sqlite3: requirements.lock directory/organisations/postcode_build.py
	$(PY) scripts/build_postcodes.py

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to build the CSS and JavaScript (not found): install Node.js 20+ with npm, then run make again"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/css/main.css: node_modules/.installed $(wildcard static/scss/*.scss) scripts/build-frontend.mjs
	npm run --silent build

# Every import contract in pyproject.toml, the layer order among them (docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Kept as an alias of `make lint`, which now checks the layer order too.
lint-layers: lint

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run

test-sqlite: install frontend postcodes
	$(PYTEST) $(XDIST) -m "not browser"

test-postgres: install frontend postcodes
	scripts/with-postgres.sh $(PYTEST) $(XDIST) -m "not browser"

browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-browser: install frontend postcodes browser-deps
	scripts/with-postgres.sh $(PYTEST) $(XDIST_BROWSER) -m browser

# The front door on its own: the site as `make run` serves it (dev settings, demo data) crawled
# as each demo account and used in a browser (tests/frontdoor). Its tests are marked `browser`,
# so test-browser and `make test` run them too.
test-frontdoor: install frontend postcodes browser-deps
	$(PYTEST) -n 0 tests/frontdoor

# Both of the above in one run: one cluster, one test database per worker, shared-out work.
test-postgres-and-browser: install frontend postcodes browser-deps
	scripts/with-postgres.sh $(PYTEST) $(XDIST_BROWSER)

# install, frontend, postcodes, lint, migrations-check, audit, test-sqlite, then
# test-postgres-and-browser; Chromium is installed in the background meanwhile (scripts/test.sh).
test:
	MAKE="$(MAKE)" scripts/test.sh

# Known vulnerabilities in the locked dependencies (pip-audit); see scripts/audit.sh for when
# the vulnerability service cannot be reached. AUDIT_REQUIRED=1 makes that a failure.
audit: install
	scripts/audit.sh

# PostgreSQL backups of DATABASE_URL: `make backup` writes backups/<UTC timestamp>.dump;
# `make restore DUMP=backups/<file>.dump` replaces the database's contents with it.
backup:
	scripts/backup.sh

restore:
	@test -n "$(DUMP)" || { echo "Usage: make restore DUMP=backups/<file>.dump"; exit 2; }
	scripts/restore.sh "$(DUMP)"

lock:
	$(VENV)/bin/pip freeze --exclude-editable | grep -v '^pkg_resources' > requirements.lock

bench: install frontend
	scripts/bench.sh

nginx-deps:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

# Load test: locust against gunicorn behind nginx and PostgreSQL with 250,000 organisations
# (seeded once into var/load-pg), ramped to failure and held at 80% for 10 minutes; the
# figures go to docs/performance.md. LOAD_* variables change it (scripts/load/ramp.py).
load: install frontend postcodes nginx-deps
	scripts/load.sh

# The same, a minute long and reported on the terminal only.
load-smoke: install frontend postcodes nginx-deps
	LOAD_STEP_SECONDS=15 LOAD_SETTLE_SECONDS=3 LOAD_MAX_USERS=20 LOAD_HOLD_SECONDS=20 \
	LOAD_REPORT= scripts/load.sh

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles db.sqlite3 var
