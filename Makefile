# OCPP CSMS mesh. `make run` starts the embedded system; `make test` runs the tests.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install gen check-gen check-deploy envoy-validate run test test-fast check fmt lint types migrate clean bench bench-full

help:
	@echo "make run      - embedded CSMS (node + manager + registry, SQLite), no servers needed"
	@echo "make test     - the test suite in TEST_WORKERS=2 processes (starts Redis/PostgreSQL if they are not running)"
	@echo "make test-fast - the unit and store tests only (tests/manager, tests/node, tests/registry)"
	@echo "make check    - format, lint, types, stale generated code, deployment manifests, tests"
	@echo "make check-deploy - validate docker-compose.yml and deploy/k8s offline (schemas)"
	@echo "make gen      - regenerate gen/ (and gen/openapi.json) from proto/"
	@echo "make fmt      - format the code"
	@echo "make migrate  - apply database migrations to DATABASE_URL"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

gen: $(STAMP)
	$(BIN)/python tools/gen_protos.py
	$(BIN)/python tools/gen_openapi.py

check-gen: $(STAMP)
	$(BIN)/python tools/gen_protos.py --check
	$(BIN)/python tools/gen_openapi.py --check

# Render envoy/envoy.yaml for the embedded shape and have Envoy validate it.
envoy-validate: $(STAMP)
	$(BIN)/python -m services.gateway validate

# No Docker engine or Kubernetes runs here: the deployment manifests are checked offline,
# docker-compose.yml against the compose spec bundled with check-jsonschema, deploy/k8s/
# against the Kubernetes $(K8S_VERSION) schemas bundled with kubernetes-validate (strict:
# unknown fields are errors). tests/test_deploy.py checks what schemas cannot (names,
# ports, variables).
K8S_VERSION ?= 1.33.0

check-deploy: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(BIN)/kubernetes-validate --strict --quiet -k $(K8S_VERSION) $$(ls deploy/k8s/*.yaml | grep -v kustomization.yaml)

run: $(STAMP)
	$(BIN)/python -m services.embedded

migrate: $(STAMP)
	$(BIN)/python -m services.manager.migrate

# The suite runs in TEST_WORKERS pytest-xdist processes (the tests mostly wait on sockets,
# so two workers suit a 2-core machine); TEST_WORKERS=0 runs it in one process, e.g.
# `make test TEST_WORKERS=0 PYTEST_ARGS="-x tests/test_mesh.py"` to debug.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The unit and store tests (tests/manager, tests/node, tests/registry): no node, Envoy,
# browser or service process, only Redis and PostgreSQL. Not a substitute for `make test`.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS) tests/manager tests/node tests/registry

fmt: $(STAMP)
	$(BIN)/ruff format services tests tools
	$(BIN)/ruff check --fix services tests tools

lint: $(STAMP)
	$(BIN)/ruff format --check services tests tools
	$(BIN)/ruff check services tests tools

types: $(STAMP)
	$(BIN)/mypy

check: lint types check-gen check-deploy envoy-validate test

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.readme

bench-full: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m bench.run --full

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var
