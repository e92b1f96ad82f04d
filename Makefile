# Protocol Playground: `make run` serves the playground, `make test` runs every test.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Daphne's own cap on an inbound WebSocket message, above the consumer's 64 KiB limit so
# that oversized messages up to this size get an error frame instead of a dropped socket.
WS_MAX_BYTES ?= 262144

.PHONY: run test bench check clean-venv

# Stamp files: pip runs again only when a requirements file changes.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --noinput
	@echo "Protocol Playground on http://$(HOST):$(PORT)/"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) \
		--websocket-max-message-size $(WS_MAX_BYTES) --websocket-max-frame-size $(WS_MAX_BYTES) \
		playground.asgi:application

test: $(VENV)/.installed-dev
	$(PY) -m pytest

bench: $(VENV)/.installed-runtime
	@set -e; for script in bench/*.py; do \
		[ -e "$$script" ] || { echo "no benchmarks in bench/"; break; }; \
		echo "== $$script"; $(PY) "$$script"; \
	done

check: $(VENV)/.installed-runtime
	$(PY) manage.py check

clean-venv:
	rm -rf $(VENV)
