# Everything a fresh machine needs: `make test`, `make demo`, `make bench`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: test demo bench lint rsyslog clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# checkov lives in its own virtualenv: it pins shared packages to other versions.
$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==3.3.30
	touch $(CHECKOV_STAMP)

# rsyslog is the real syslog receiver of the tests, demo and benchmark.
rsyslog:
	@command -v rsyslogd >/dev/null 2>&1 || test -x /usr/sbin/rsyslogd || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    rsyslog rsyslog-openssl openssl >/dev/null; }

test: $(STAMP) $(CHECKOV_STAMP) rsyslog
	$(BIN)/python -m pytest

demo: $(STAMP) rsyslog
	$(BIN)/python -m tests.demo

bench: $(STAMP) rsyslog
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check forwarder tests bench func.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache
