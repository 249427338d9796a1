# Juke backend. `make run` starts everything on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: help setup run stack worker beat engine migrate seed test test-unit test-api test-integration \
        engine-test lint type fmt check fuzz lock clean

help:  ## List every target with what it does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

$(STAMP): requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	@touch $(STAMP)

.env:
	cp template.env .env
	@echo "Created .env from template.env (embedded defaults: SQLite, no broker, Spotify stub)."

setup: $(STAMP) .env  ## Create the virtualenv, install pinned dependencies, create .env

migrate: setup  ## Apply database migrations
	$(PY) manage.py migrate --no-input

seed: migrate  ## Load the demo catalog and train the demo model (skipped when already there)
	$(PY) manage.py seed_demo

run: seed  ## Run API + recommender engine + task execution on embedded defaults
	$(PY) scripts/dev.py

stack: setup  ## Production-like stack: PostgreSQL + Redis, gunicorn API, Celery worker + beat, engine
	$(PY) scripts/stack_preflight.py
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) scripts/stack.py Procfile

worker: setup  ## A Celery worker on every queue
	$(BIN)/celery -A settings.celery worker -Q default,catalog,recommender -l info

beat: setup  ## Celery beat (periodic tasks)
	$(BIN)/celery -A settings.celery beat -l info

engine: setup  ## The recommender engine alone
	$(BIN)/uvicorn recommender_engine.app.main:app --port $${RECOMMENDER_PORT:-9000}

test: setup  ## The whole suite (PostgreSQL/Redis when configured, else embedded defaults)
	$(BIN)/pytest

test-unit: setup  ## Unit tests only (no database, no services)
	$(BIN)/pytest tests/unit

test-api: setup  ## API tests through the test client
	$(BIN)/pytest tests/api

test-integration: setup  ## Tests against real processes (worker, engine, browser, make run)
	$(BIN)/pytest tests/integration

engine-test: setup  ## The engine's own tests
	$(BIN)/pytest recommender_engine/tests

# Every typed package: the engine and juke_ml strictly, the Django apps with django-stubs (pyproject.toml).
TYPED := recommender_engine juke_ml core integrations juke_auth catalog playback listening recommender settings \
         spotify_stub scripts

lint: setup  ## ruff (check and format), size limits (scripts/check_sizes.py), then mypy (make type)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) scripts/check_sizes.py
	$(MAKE) --no-print-directory type

type: setup  ## mypy: strict on the engine and juke_ml, default strictness with django-stubs on the Django apps
	$(BIN)/mypy $(TYPED)

fmt: setup  ## Format the code and apply safe lint fixes (ruff)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: setup  ## What CI runs: tests, lint, migrations check, deploy check
	bash .ci/run

fuzz: setup  ## Fuzz the running API (make run) from its OpenAPI schema: no 500, every answer as documented. TOKEN=<api token>
	@test -n "$(TOKEN)" || { echo "Usage: make fuzz TOKEN=<an API token of a local user>"; exit 2; }
	@test -x /tmp/juke-fuzz/bin/schemathesis || { $(PYTHON) -m venv /tmp/juke-fuzz && /tmp/juke-fuzz/bin/pip install -q schemathesis==4.32.5; }
	/tmp/juke-fuzz/bin/schemathesis run http://127.0.0.1:$${BACKEND_PORT:-8000}/api/schema/ -H "Authorization: Token $(TOKEN)" \
	  -c not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance -n 25 --request-timeout 20 \
	  --exclude-path-regex '(logout|change-password|reset-password|disconnect|register-email|verify-email)'

LOCK_VENV := /tmp/juke-lock
PIP_COMPILE := $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
               --no-emit-index-url --no-emit-find-links --no-header

lock:  ## Re-pin requirements/base.txt, requirements/dev.txt and the engine's requirements.txt, with hashes
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install -q pip-tools==7.6.2; }
	$(PIP_COMPILE) -o requirements/base.txt requirements/base.in
	$(PIP_COMPILE) -o requirements/dev.txt requirements/base.in requirements/dev.in recommender_engine/requirements.in
	$(PIP_COMPILE) -c requirements/dev.txt -o recommender_engine/requirements.txt recommender_engine/requirements.in

clean:  ## Remove the virtualenv and local data
	rm -rf $(VENV) var
