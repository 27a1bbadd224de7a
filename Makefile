# The two commands: `make run` and `make test`. Both create the virtual environment
# and install what they need on a fresh Debian machine with Python 3.11: `make run` only
# what running needs, `make test` (and lint, format, bench) the test tools as well.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format bench system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

# Rebuilt whenever pyproject.toml changes (through $(STAMP)), so a new test tool is installed.
$(TEST_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# BRIDGE_ARGS passes options on, e.g. `make run BRIDGE_ARGS="--host 0.0.0.0"` (HTTPS).
run: $(STAMP)
	$(VENV)/bin/bridge serve $(BRIDGE_ARGS)

# Debian packages the tests drive for real (running the bridge needs none of them):
# Chromium (pages), Node (the pages' JS unit tests), iproute2 (network namespaces),
# libnss3-tools (certutil: a hall PC's browser trusting the bridge's CA), coturn (the TURN
# relay tests/e2e/test_turn.py starts itself). The coturn package enables a system
# service; it is disabled at once, as the tests run their own relay and nothing else should.
system-deps:
	@command -v chromium >/dev/null && command -v ip >/dev/null && command -v nft >/dev/null && \
	  command -v node >/dev/null && command -v certutil >/dev/null || \
	  ($(SUDO) apt-get update -qq && \
	   $(SUDO) apt-get install -y -qq chromium iproute2 nftables nodejs libnss3-tools)
	@command -v turnserver >/dev/null || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq coturn && \
	   ($(SUDO) systemctl disable --now coturn >/dev/null 2>&1 || true))

# The suite runs inside a fresh network namespace with only loopback up, so no test can
# reach any other address and Chromium offers loopback candidates only. Where namespaces
# are not permitted it runs on the host's loopback instead.
test: $(TEST_STAMP) system-deps
	@if unshare -n true 2>/dev/null; then \
	  unshare -n sh -c 'ip link set lo up && exec $(PY) -m pytest $(PYTEST_ARGS)'; \
	else \
	  $(PY) -m pytest $(PYTEST_ARGS); \
	fi

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check bridge endpoints tests benchmarks
	$(VENV)/bin/ruff format --check bridge endpoints tests benchmarks
	$(VENV)/bin/mypy

format: $(TEST_STAMP)
	$(VENV)/bin/ruff format bridge endpoints tests benchmarks
	$(VENV)/bin/ruff check --fix bridge endpoints tests benchmarks

# The speech benchmark also needs the bench extra (pesq, scipy) and Debian's espeak-ng; the
# live run through a real bridge is `$(PY) -m benchmarks.speech` (docs/performance.md).
bench: $(TEST_STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	@command -v espeak-ng >/dev/null || ($(SUDO) apt-get install -y -qq espeak-ng)
	$(PY) -m pytest benchmarks --benchmark-enable --benchmark-only $(PYTEST_ARGS)
	$(PY) -m pytest benchmarks/reports.py --benchmark-enable --benchmark-only $(PYTEST_ARGS)
	$(PY) -m pytest -q benchmarks/test_speech_quality.py
	$(PY) -m benchmarks.speech --offline
