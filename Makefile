# Fangkong — `make run` serves the whole system on SQLite with the Alxa demo; `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
TEST_MANAGE := DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE)
PO := fangkong/locale/zh_Hans/LC_MESSAGES/django.po
MO := $(PO:.po=.mo)

.PHONY: install install-dev sysdeps assets messages run test lint types migrations-check \
	translations-check pytest bench makemessages clean

install: $(VENV)/.installed assets messages

$(VENV)/.installed: requirements/main.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/main.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	touch $@

# System packages: gettext for translations, Chromium for the browser tests (Debian).
sysdeps:
	@scripts/sysdeps.sh

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	npm run --silent build

messages: $(MO)

$(MO): $(PO)
	@command -v msgfmt >/dev/null || $(MAKE) --no-print-directory sysdeps
	cd fangkong && ../$(BIN)/python ../manage.py compilemessages --verbosity 0

run: install
	$(BIN)/fangkong serve

test: sysdeps install install-dev lint types migrations-check translations-check pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types:
	$(BIN)/mypy .

migrations-check:
	$(TEST_MANAGE) makemigrations --check --dry-run --verbosity 1

translations-check:
	$(BIN)/python scripts/check_translations.py

# After changing user-facing text: refresh the catalogue, translate, then `make messages`.
makemessages:
	$(MANAGE) makemessages --locale zh_Hans --no-location --no-obsolete \
		--ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*'

pytest:
	env -u FANGKONG_TEST_DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$$FANGKONG_TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		$(BIN)/pytest -q; \
	fi

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules fangkong/core/static/vendor var
