# Two verbs matter: `make run` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip -q --disable-pip-version-check

.PHONY: run test lint fmt bench install install-dev chromium espeak clean sim

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt 2> >(grep -v "WARNING: Location" >&2)
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt -r requirements-dev.txt 2> >(grep -v "WARNING: Location" >&2)
	touch $@ $(VENV)/.run-installed

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed


## The whole app on the embedded default: web + Celery worker + BPJS simulator, demo data.
run: install
	$(PY) scripts/run.py

## Only the BPJS simulator (PCare + Antrean FKTP) with the app's BPJS_* settings, on
## BPJS_SIMULATOR_PORT (8090). Faults: `$(PY) manage.py bpjs_fault down|ok|...`.
sim: install
	$(PY) manage.py bpjs_simulator

## The full suite (browser tests included when Chromium can be had).
test: install-dev chromium espeak
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) -m ruff check .
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) -m pytest $(PYTEST_ARGS)

## Debian's Chromium for the Playwright tests (never `playwright install`: no downloads here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian chromium for browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not found: browser tests will be skipped"; fi; }

## espeak-ng renders the TV's Indonesian call clips; without it the TV chimes only.
espeak:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing espeak-ng for the TV's call clips"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; \
	  else echo "espeak-ng not found: TV clip tests will be skipped"; fi; }

lint: install-dev
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

fmt: install-dev
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

## Benchmarks print their figures; they need DATABASE_URL pointing at PostgreSQL.
bench: install-dev
	$(PY) bench/registration.py

clean:
	rm -rf var staticfiles
