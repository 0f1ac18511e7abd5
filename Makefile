# The two commands of the README: `make demo` and `make test`. Both prepare everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := libzbar0 chromium fonts-wqy-zenhei poppler-utils mosquitto caddy libnss3-tools systemd postgresql-client-15
export TUOYU_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: demo test bench system-deps translations

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

# Debian packages the suite needs: zbar for pyzbar, chromium for browser tests, a CJK TrueType
# font that PDFs embed, poppler to check rendered PDFs, mosquitto (and mosquitto_passwd) for the brokers the
# MQTT tests start of their own; caddy, certutil (libnss3-tools) and systemd-analyze for the deployment tests
# (tests/deploy/); pg_dump, pg_restore and psql of the machine's PostgreSQL 15 for backups. Installed only when
# missing.
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

translations: $(STAMP)
	$(BIN)/pybabel compile -d server/translations -f

demo: $(STAMP) system-deps translations
	$(BIN)/tuoyu demo

test: $(STAMP) system-deps translations
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP) system-deps translations
	$(BIN)/python bench/run_all.py
