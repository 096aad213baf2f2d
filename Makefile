# The two commands: `make run` (the portal on http://127.0.0.1:8000 with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint messages lock bench clean

run: $(VENV)/.installed-base
	bash scripts/system-deps.sh
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: $(VENV)/.installed-dev
	bash scripts/system-deps.sh --test
	DJANGO_ENV=test $(BIN)/python -m pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-base: requirements/base.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed-base
	$(BIN)/pip install -q -r requirements/dev.txt
	touch $@

# Ruff; the import contracts of pyproject.toml (the layers, mock_portal apart, no private names taken from
# another module: scripts/lint_contracts.py); mypy over the services, selectors and API (the Django plugin
# reads the test settings); and no "type: ignore" without its reason on the same line.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DJANGO_ENV=test $(BIN)/mypy
	@if grep -rnE --include='*.py' --exclude-dir=.venv --exclude-dir=var 'type: *ignore(\[[^]]*\])? *$$' .; then \
		echo 'a "# type: ignore[code]" needs its reason on the same line'; exit 1; fi

# Rebuild the translation catalogs after changing user-facing text (needs GNU gettext), then translate
# the new entries in each locale/vi/LC_MESSAGES/django.po and run `make messages` again to compile.
messages: $(VENV)/.installed-dev
	$(BIN)/python scripts/messages.py

# Re-pin the dependencies after editing pyproject.toml.
lock:
	bash scripts/lock.sh

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/catalog.py

clean:
	rm -rf var $(VENV)
