# coopfleet: `make demo` runs the whole thing, `make test` checks it. Both work on a fresh Debian
# machine: they install what is missing (Python packages, PostGIS, Mosquitto,
# Chromium for the console's browser tests) and start services.

VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3
# Two test processes, each with its own database and broker; a module stays in one process (its
# module-scoped servers start once), handed out longest first (tests/conftest.py orders them; xdist
# would order them by their number of tests). `make test XDIST=` runs them in one process.
XDIST ?= -n 2 --dist loadscope --no-loadscope-reorder
# The inner loop: everything but the browser, the route solver, the fuzz sweep and slow tests.
FAST ?= not browser and not solver and not fuzz and not slow

.PHONY: demo test test-fast install services test-services browser migrate seed api lint check-imports clean

# --no-compile: a module is byte-compiled when first imported, not every module of every package
# at install (pip's CPU on a fresh venv here: 27 s -> 11 s; most installed code is never imported).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --no-compile -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

services:
	bash scripts/services.sh

# The tests start private brokers of their own: no project broker on 1884/1885 is needed (nor
# refused when another checkout on this machine holds those ports).
test-services:
	bash scripts/services.sh --without-broker

browser:
	bash scripts/browser.sh

migrate: install services
	$(BIN)/coopfleet migrate

seed: migrate
	$(BIN)/coopfleet seed --demo

demo: seed
	bash scripts/demo.sh

api: migrate
	$(BIN)/coopfleet api

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install test-services browser lint
	$(BIN)/pytest $(XDIST)

test-fast: install test-services
	$(BIN)/pytest $(XDIST) -m "$(FAST)"

clean:
	bash scripts/services.sh stop
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
