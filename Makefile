# Protocol Playground: `make run` serves the playground, `make test` runs every test.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Daphne (Autobahn) applies one cap to WebSocket messages both ways. Outbound, a snapshot of a
# long run is large (the 10,000-action cap: about 3.2 MiB for election), so the cap is 16 MiB;
# inbound, the consumer refuses anything over 64 KiB with an error frame before parsing it.
# Tests start Daphne with the same value (tests/playground/test_settings_env.py DAPHNE_LIMITS).
WS_MAX_BYTES ?= 16777216

.PHONY: run venv test test-fast bench check clean-venv

# Stamp files: pip runs again only when a requirements file changes.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

# The virtualenv with the test tools, and nothing started (docs/writing-a-protocol.md).
venv: $(VENV)/.installed-dev

run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --noinput
	@echo "Protocol Playground on http://$(HOST):$(PORT)/"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) \
		--websocket-max-message-size $(WS_MAX_BYTES) --websocket-max-frame-size $(WS_MAX_BYTES) \
		playground.asgi:application

test: $(VENV)/.installed-dev
	$(PY) -m pytest

# The inner loop: everything but the browser, multi-process and search tests (CI runs all).
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m "not browser and not multiprocess and not search" -q

bench: $(VENV)/.installed-runtime
	@set -e; for script in bench/*.py; do \
		[ -e "$$script" ] || { echo "no benchmarks in bench/"; break; }; \
		echo "== $$script"; $(PY) "$$script"; \
	done

check: $(VENV)/.installed-runtime
	$(PY) manage.py check

clean-venv:
	rm -rf $(VENV)
