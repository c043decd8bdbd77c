# Everything a fresh machine needs: `make test`, `make demo`, `make bench` (docs/development.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: venv test demo bench lint rsyslog redis chromium receiver clean python terraform image stack

# The function runs Python 3.11 (func.yaml): so do the tests.
python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) is not on PATH. Install Python 3.11 (the function's runtime) or run make PYTHON=/path/to/python3.11" >&2; exit 1; }

$(STAMP): requirements.txt requirements-dev.txt | python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# checkov lives in its own virtualenv: it pins shared packages to other versions.
$(CHECKOV_STAMP): | python
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==3.3.30
	touch $(CHECKOV_STAMP)

# rsyslog is the real syslog receiver of the tests, demo and benchmark, imrelp (rsyslog-relp) its RELP input
# (apt-get needs root).
RSYSLOG_PACKAGES := rsyslog rsyslog-openssl rsyslog-relp openssl
rsyslog:
	@{ command -v rsyslogd >/dev/null 2>&1 || test -x /usr/sbin/rsyslogd; } && \
	  test -e /usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so -o -e /usr/lib/aarch64-linux-gnu/rsyslog/imrelp.so || { \
	  test "$$(id -u)" = 0 || { echo "make: rsyslogd or imrelp is missing; as root: apt-get install $(RSYSLOG_PACKAGES)" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(RSYSLOG_PACKAGES) >/dev/null; }

# redis-server holds the detection windows shared by several forwarder processes in the tests (apt-get needs root).
redis:
	@command -v redis-server >/dev/null 2>&1 || test -x /usr/bin/redis-server || { \
	  test "$$(id -u)" = 0 || { echo "make: redis-server is missing; as root: apt-get install redis-server" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    redis-server >/dev/null; }

# Headless Chromium opens the change report's HTML page in the tests (apt-get needs root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  test "$$(id -u)" = 0 || { echo "make: chromium is missing; as root: apt-get install chromium fonts-dejavu-core" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-dejavu-core >/dev/null; }

# The Terraform tests run the real terraform binary (against a stand-in provider, tests/support/terraform).
terraform:
	@command -v terraform >/dev/null 2>&1 || { echo "make: terraform is not on PATH (1.5 or later; tests use it offline)" >&2; exit 1; }

test: $(STAMP) $(CHECKOV_STAMP) rsyslog redis chromium terraform
	$(BIN)/python -m pytest

demo: $(STAMP) rsyslog
	$(BIN)/python -m tests.demo

# BENCH_ARGS=--quick stops the memory runs at 500k events; --only N runs section N (bench/run.py).
bench: $(STAMP) rsyslog
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# A local syslog receiver printing what it gets: TCP and UDP 5514, TLS 6514 (README, "Try it in five minutes").
receiver: $(STAMP) rsyslog
	$(BIN)/python -m tests.support.receiver

# The function's image, built for x86_64 (the application's GENERIC_X86 shape: an Apple silicon laptop would
# otherwise build arm64) and pushed to OCIR, tagged with func.yaml's version. Terraform deploys it
# (function_image): `fn deploy` is not needed, and would bump func.yaml's version behind Terraform's back.
# REGISTRY: <region-key>.ocir.io/<namespace>/<repository>, after `docker login <region-key>.ocir.io`.
VERSION := $(shell sed -n 's/^version: *//p' func.yaml)
IMAGE = $(REGISTRY)/oci-security-forwarder:$(VERSION)
image:
	@test -n "$(REGISTRY)" || { echo "make image REGISTRY=<region-key>.ocir.io/<namespace>/oci-forwarder" >&2; exit 2; }
	docker build --platform linux/amd64 -t $(IMAGE) .
	docker push $(IMAGE)
	@echo 'function_image = "$(IMAGE)"   # for terraform.tfvars'

# The Resource Manager stack: terraform/ and its form (schema.yaml) zipped, for Resource Manager > Stacks > Create.
stack: python
	$(PYTHON) image/stack.py dist/oci-security-forwarder-stack.zip

lint: $(STAMP)
	$(BIN)/ruff check forwarder tests bench tools func.py image
	$(BIN)/ruff format --check forwarder tests bench tools func.py image
	terraform fmt -check -recursive terraform

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache dist
